from django.db import models


class ExportStatus(models.TextChoices):
    PENDING = "pending", "En attente"
    RUNNING = "running", "En cours"
    DONE = "done", "Terminé"
    FAILED = "failed", "Échec"


class ExportOption(models.TextChoices):
    """The optional sections of a site export a user may tick (§H.4 `options`). Localisation, Site, Habitants,
    Diagnostic and, for closed sites, Orientations are always in the file."""

    ADDRESS_DETAILS = "address_details", "Informations d'accès"
    OWNERS = "owners", "Propriétaires"
    LIVING_CONDITIONS = "living_conditions", "Conditions de vie"
    DEMOGRAPHICS = "demographics", "Habitants : détail (âges, habitat, origines)"
    JUSTICE = "justice", "Procédure judiciaire ou administrative"
    ACTORS = "actors", "Intervenants"
    COMMENTS = "comments", "Commentaires du journal"
