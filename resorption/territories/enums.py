from django.db import models


class TerritoryLevel(models.TextChoices):
    """Geographic levels, from the widest to the narrowest (reference §A.1)."""

    NATION = "nation", "France entière"
    REGION = "region", "Région"
    DEPARTEMENT = "departement", "Département"
    EPCI = "epci", "Intercommunalité"
    COMMUNE = "commune", "Commune"


# Régions whose code marks them as overseas (Guadeloupe, Martinique, Guyane, La Réunion, Mayotte) — reference §A.1.
OVERSEAS_REGION_CODES = frozenset({"01", "02", "03", "04", "06"})
