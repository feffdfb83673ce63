"""Choices of the actions (reference §E.1): ids as the reference names them, labels as users read them."""

from django.db import models


class Topic(models.TextChoices):
    """« Champs d'intervention » of an action; stored as one boolean column each (`Action.TOPIC_FIELDS`)."""

    HEALTH = "health", "Santé"
    SCHOOL = "school", "Éducation et scolarisation"
    WORK = "work", "Formation et emploi"
    HOUSING = "housing", "Logement"
    SAFETY = "safety", "Stabilisation et sécurisation du site"


class LocationType(models.TextChoices):
    """« Où se déroule l'action ? »"""

    ETI = "eti", "Espace Temporaire d'Accompagnement"
    LOGEMENT = "logement", "Dans le logement"
    SUR_SITE = "sur_site", "Sur site"
    AUTRE = "autre", "Autre"


class FinanceType(models.TextChoices):
    ETATIQUE = "etatique", "Financements étatiques hors crédits dédiés"
    DEDIE = "dedie", "Crédits dédiés à la résorption des bidonvilles"
    COLLECTIVITE = "collectivite", "Cofinancement collectivité territoriale"
    EUROPEEN = "europeen", "Financements européen"
    PRIVE = "prive", "Financements privé"
    AUTRE = "autre", "Autre"


class ReminderKind(models.TextChoices):
    """The yearly emails asking pilots and operators to fill an action's indicators (§E.3, §F.3 `action_alert_*`)."""

    # 15 December: the year ending now (« preshot »).
    CURRENT_YEAR = "current_year", "Indicateurs de l'année en cours (15 décembre)"
    # 20 January: the year just ended (« postshot »).
    PREVIOUS_YEAR = "previous_year", "Indicateurs de l'année écoulée (20 janvier)"
