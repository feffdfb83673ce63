from django.db import models


class Role(models.TextChoices):
    """The six regular roles (reference §A.3). Ids follow the existing platform (typo `national_establisment` kept)."""

    DIRECT_COLLABORATOR = "direct_collaborator", "Correspondant"
    COLLABORATOR = "collaborator", "Partenaire institutionnel"
    ASSOCIATION = "association", "Opérateur"
    NATIONAL_ESTABLISHMENT = "national_establisment", "Acteur national"
    INTERVENER = "intervener", "Intervenant"
    EXTERNAL_OBSERVER = "external_observator", "Observateur externe"


class AdminRole(models.TextChoices):
    """An admin role, when set, overrides the regular role (reference §A.3)."""

    LOCAL_ADMIN = "local_admin", "Administrateur local"
    NATIONAL_ADMIN = "national_admin", "Administrateur national"


class UserStatus(models.TextChoices):
    NEW = "new", "Nouveau"
    ACTIVE = "active", "Actif"
    INACTIVE = "inactive", "Désactivé"


class Option(models.TextChoices):
    """Per-user options granted by admins (reference §A.4)."""

    CLOSE_SHANTYTOWN = "close_shantytown", "Fermer des sites"
    CREATE_SHANTYTOWN = "create_shantytown", "Déclarer des sites"
    ACCESS_JUSTICE = "access_justice", "Accéder aux procédures judiciaires"
    ACCESS_ACTION_FINANCES = "access_action_finances", "Accéder aux financements des actions"


class AreaType(models.TextChoices):
    """Level of an intervention area or of an organisation's location."""

    NATION = "nation", "France entière"
    REGION = "region", "Région"
    DEPARTEMENT = "departement", "Département"
    EPCI = "epci", "Intercommunalité"
    COMMUNE = "commune", "Commune"


class OrganizationCategory(models.TextChoices):
    """Organisation categories (reference §A.2). `other` exists only in the access-request form."""

    PUBLIC_ESTABLISHMENT = "public_establishment", "Service de l'État, établissement ou organisme public"
    TERRITORIAL_COLLECTIVITY = "territorial_collectivity", "Collectivité territoriale"
    ASSOCIATION = "association", "Association"
    ADMINISTRATION = "administration", "Administration centrale"
    INTERVENER = "intervener", "Intervenant"
    PRIVATE_ORGANIZATION = "private_organization", "Organisme privé"


class SignInFailure(models.TextChoices):
    BAD_CREDENTIALS = "bad_credentials", "Identifiants incorrects"
    NOT_ACTIVE = "not_active", "Compte non activé ou désactivé"
    ORGANIZATION_INACTIVE = "organization_inactive", "Structure inactive"
    THROTTLED = "throttled", "Trop de tentatives"


class AccessStatus(models.TextChoices):
    """Access status shown to admins, derived from the user and his activation links (reference §B.2)."""

    REQUESTED = "requested", "Demandé"
    SENT = "sent", "Envoyé"
    EXPIRED = "expired", "Expiré"
    ACTIVATED = "activated", "Activé"
    DEACTIVATED = "deactivated", "Désactivé"
    REFUSED = "refused", "Sans suite"


class Referral(models.TextChoices):
    """ "Comment avez-vous connu la plateforme ?" (reference §B.1)."""

    DIHAL_EVENT = "dihal_event", "Lors d'un événement de la Dihal"
    NEWSLETTER = "newsletter", "Par la lettre d'information"
    SOCIAL_NETWORK = "social_network", "Par les réseaux sociaux"
    WORD_OF_MOUTH = "word_of_mouth", "Par le bouche-à-oreille"
    ONLINE_SEARCH = "online_search", "Par une recherche en ligne"
    OTHER = "other", "Autre"


class EmailSubscription(models.TextChoices):
    """Emails a user may turn off in "Mon compte" (reference §B.8). Stored as the list of those turned off."""

    WEEKLY_SUMMARY = "weekly_summary", "Le récapitulatif hebdomadaire des activités sur mon territoire"
    COMMENT_NOTIFICATION = "comment_notification", "Les notifications de nouveaux messages dans le journal des sites"
    ACTION_COMMENT_NOTIFICATION = (
        "action_comment_notification",
        "Les notifications de nouveaux messages dans le journal des actions",
    )
    SHANTYTOWN_CREATION = "shantytown_creation", "Les notifications de déclaration de nouveaux sites"
    SHANTYTOWN_CLOSURE = "shantytown_closure", "Les notifications de fermeture de sites"
    COMMUNITY = "community", "Les notifications de l'entraide (nouvelles questions et réponses)"


class AccountEventKind(models.TextChoices):
    """What happened to an account, for its history on the admin page."""

    REQUESTED = "requested", "Demande d'accès reçue"
    CREATED = "created", "Compte créé par un administrateur"
    LINK_SENT = "link_sent", "Lien d'activation envoyé"
    REFUSED = "refused", "Demande refusée"
    ACTIVATED = "activated", "Compte activé"
    DEACTIVATED = "deactivated", "Compte désactivé"
    REACTIVATED = "reactivated", "Compte réactivé"
    ROLE_CHANGED = "role_changed", "Rôle modifié"
    OPTIONS_CHANGED = "options_changed", "Options modifiées"
    AREAS_CHANGED = "areas_changed", "Territoires d'intervention modifiés"
    NOTE_CHANGED = "note_changed", "Note d'administration modifiée"
    PROMOTED = "promoted", "Nommé administrateur local"
    DEMOTED = "demoted", "Retiré des administrateurs locaux"
    ANONYMIZATION_REQUESTED = "anonymization_requested", "Anonymisation demandée"
    ANONYMIZED = "anonymized", "Compte anonymisé"
    INACTIVITY_ALERT = "inactivity_alert", "Alerte d'inactivité envoyée"


class ReminderKind(models.TextChoices):
    """Time-based emails; each is sent at most once per user and activation link (reference §B.3, §B.9)."""

    ADMIN_PENDING_1 = "admin_pending_1", "Demande en attente depuis 3 jours"
    ADMIN_PENDING_2 = "admin_pending_2", "Demande en attente depuis 10 jours"
    USER_LINK_PENDING = "user_link_pending", "Lien non utilisé après 5 jours"
    USER_LINK_EXPIRES_SOON = "user_link_expires_soon", "Lien expirant le lendemain"
    LINK_EXPIRED = "link_expired", "Lien expiré"
