from django.db import models


class EntryKind(models.TextChoices):
    """What a journal entry is: a message, or a health follow-up (§I.2, shown in its own tab)."""

    MESSAGE = "message", "Message"
    HEALTH = "health", "Suivi sanitaire"


class Audience(models.TextChoices):
    """Who reads a journal entry (§D.2 `targets.mode`). Every mode but « public » is a targeted message (§A.6)."""

    PUBLIC = "public", "Tous les intervenants du site"
    # The server resolves the préfecture and DDETS organisations of the site's département when the entry is posted.
    PREFECTURE_DDETS = "prefecture_ddets", "La préfecture et la DDETS du département uniquement"
    CUSTOM = "custom", "Une liste personnalisée de structures et de personnes"


class HealthIntervention(models.TextChoices):
    """The interventions a health follow-up reports (§I.2, the booleans of `shantytown_covid_comments`, without
    their Covid-19 wording)."""

    OUTREACH_TEAM = "equipe_maraude", "Équipe de maraude"
    HEALTH_TEAM = "equipe_sanitaire", "Équipe sanitaire"
    SUPPORT_TEAM = "equipe_accompagnement", "Équipe d'accompagnement"
    FOOD_DISTRIBUTION = "distribution_alimentaire", "Distribution d'aide alimentaire"
    REFERRED = "personnes_orientees", "Personnes orientées vers un centre d'hébergement spécialisé (desserrement)"
    SYMPTOMS = "personnes_avec_symptomes", "Personnes présentant des symptômes"
    PRIORITY_ACTION = "besoin_action", "Besoin d'une action prioritaire"
    HEALTH_MEDIATION = "action_mediation_sante", "Action de médiation en santé"
    VACCINATION_AWARENESS = "sensibilisation_vaccination", "Sensibilisation à la vaccination"
    MOBILE_SCREENING = "equipe_mobile_depistage", "Équipe mobile de dépistage"
    MOBILE_VACCINATION = "equipe_mobile_vaccination", "Équipe mobile de vaccination"
