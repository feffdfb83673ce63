"""Every value list of a site record (reference §C.1–C.7), with the labels users read.

Yes/no questions are stored as nullable booleans — TRUE = oui, FALSE = non, NULL = inconnu — exactly as the reference
stores them (§C, `fromIntToBoolSanitizer`). `TriState` is the form-facing side of the same answer: the radio group
posts 1 / 0 / -1 and `TriState.to_bool` / `TriState.from_bool` convert: one storage, no second encoding.
"""

from django.db import models


class TriState(models.IntegerChoices):
    """A yes/no question whose answer may be unknown (reference §C: 1 = oui, 0 = non, −1 = inconnu)."""

    YES = 1, "Oui"
    NO = 0, "Non"
    UNKNOWN = -1, "Inconnu"

    @classmethod
    def from_bool(cls, value: bool | None) -> "TriState":
        if value is None:
            return cls.UNKNOWN
        return cls.YES if value else cls.NO

    def to_bool(self) -> bool | None:
        return {TriState.YES: True, TriState.NO: False}.get(self)


def tri_state_label(value: bool | None) -> str:
    """« Oui », « Non » or « Inconnu » for a stored answer (history diffs, exports)."""
    return TriState.from_bool(value).label


class SiteStatus(models.TextChoices):
    OPEN = "open", "Existant"
    CLOSED = "closed", "Fermé"


class FieldType(models.TextChoices):
    """« Type de site » (§C.2, seed of `field_types`)."""

    UNKNOWN = "unknown", "Inconnu"
    LAND = "land", "Terrain"
    BUILDING = "building", "Immeuble bâti"


class OwnerType(models.TextChoices):
    """« Type de propriétaire » (§C.2, seed of `owner_types`: 1 Inconnu, 2 Public, 3 Privé)."""

    UNKNOWN = "unknown", "Inconnu"
    PUBLIC = "public", "Public"
    PRIVATE = "private", "Privé"


class Origin(models.TextChoices):
    """« Origines » (§C.3): nationality groups only — the platform never records ethnicity."""

    FRENCH = "french", "Ressortissants français"
    EUROPEAN = "european", "Ressortissants européens"
    EXTRA_EUROPEAN = "other", "Ressortissants extracommunautaires"


class CensusStatus(models.TextChoices):
    """« Statut du diagnostic social » (§C.2); blank is « Inconnu »."""

    NONE = "none", "Non prévu"
    SCHEDULED = "scheduled", "Prévu"
    DONE = "done", "Réalisé"

    __empty__ = "Inconnu"


class WaterAccessType(models.TextChoices):
    """« Comment les habitants ont-ils accès à l'eau ? » (§C.4, `water_access_types.js`)."""

    PUBLIC_FOUNTAIN = "fontaine_publique", "Fontaine publique"
    FIRE_HYDRANT = "borne_incendie", "Borne incendie"
    BOTTLES = "achat_bouteille", "Achat bouteille uniquement"
    TANK = "reservoir", "Réservoir / cuve / citerne"
    NETWORK_TAP = "robinet_connecte_au_reseau", "Robinet connecté au réseau d'eau"
    OTHER = "autre", "Autre"
    UNKNOWN = "inconnu", "Inconnu"


class ToiletType(models.TextChoices):
    """« Quels sont les types de toilettes installées ? » (§C.4, `toilet_types.js`)."""

    LATRINES = "latrines", "Latrines construites par les habitants"
    CHEMICAL = "toilettes_chimiques", "Toilettes chimiques installées par un prestataire / une association"
    DRY = "toilettes_seches", "Toilettes sèches installées par un prestataire / une association"
    FLUSH = "toilettes_a_chasse", "Toilettes à chasse d'eau"


class ElectricityAccessType(models.TextChoices):
    """« Quelle est la source de l'accès à l'électricité ? » (§C.4, `electricity_access_types.js`)."""

    GENERATOR = "electrogene", "Groupe électrogène"
    URBAN_NETWORK = "reseau_urbain", "Raccordement au réseau urbain"
    BUILDING_INSTALLATION = "installation_du_bati", "Utilisation de l'installation du bâti si squat"


class WaterAccessLocation(models.TextChoices):
    """The two answers of « Où se situe l'accès ? », stored as `water_access_is_local` (True = sur site)."""

    ON_SITE = "on_site", "Sur site"
    OFF_SITE = "off_site", "Hors site"


class LivingConditionSection(models.TextChoices):
    """The six sections of living conditions version 2 (§C.4), in the order of the form."""

    WATER = "water", "Eau"
    SANITARY = "sanitary", "Toilettes"
    ELECTRICITY = "electricity", "Électricité"
    TRASH = "trash", "Déchets"
    PEST_ANIMALS = "pest_animals", "Nuisibles"
    FIRE_PREVENTION = "fire_prevention", "Prévention incendie"


class LivingConditionStatus(models.TextChoices):
    """A section's status (§C.4 statuses good / toImprove / bad / unknown)."""

    GOOD = "good", "Bon"
    TO_IMPROVE = "to_improve", "À améliorer"
    BAD = "bad", "Mauvais"
    UNKNOWN = "unknown", "Inconnu"


class PoliceStatus(models.TextChoices):
    """« Concours de la force publique » (§C.5); blank is « Inconnu »."""

    NONE = "none", "Non demandé"
    REQUESTED = "requested", "Demandé"
    GRANTED = "granted", "Obtenu"
    REFUSED = "refused", "Refusé"

    __empty__ = "Inconnu"


class ClosingCause(models.TextChoices):
    """« Cause de la fermeture » (§C.6, the `status` column of a closed site)."""

    RESORBED = "resorbed", "Résorption progressive du site"
    CLOSED_BY_JUSTICE = "closed_by_justice", "Décision de justice suite à une plainte du propriétaire"
    CLOSED_BY_PREF_ADMIN = "closed_by_pref_admin", "Décision administrative de la Préfecture"
    CLOSED_BY_CITY_ADMIN = "closed_by_city_admin", "Décision administrative de la Commune"
    OTHER = "other", "Autre – préciser le contexte"
    UNKNOWN = "unknown", "Raison inconnue"


class ClosingSolution(models.TextChoices):
    """« Orientations des ménages » at closing (§C.6, seed of `closing_solutions`)."""

    EMERGENCY_SHELTER = "emergency_shelter", "Mise à l'abri / hébergement d'urgence (CHU)"
    INSERTION_HOUSING = "insertion_housing", "Hébergement d'insertion (CHRS, ALT)"
    ORDINARY_HOUSING = (
        "ordinary_housing",
        "Logement ordinaire ou adapté (résidences sociales, IML, pensions de famille, logements social ou privé "
        "accompagnés)",
    )
    DEDICATED_SCHEME = "dedicated_scheme", "Dispositif dédié (CADA, HUDA, CAO, CHUM, ARV, ...)"
    TERRITORIAL_INSERTION = "territorial_insertion", "Dispositif spécifique d'insertion au territoire"
    SOCIAL_WATCH_OR_NONE = "social_watch_or_none", "Dispositifs de veille sociale ou sans solution"


class SiteActorTheme(models.TextChoices):
    """Themes of a site actor's work (§C.10); « Autre » requires a description."""

    HEALTH = "sante", "Santé"
    EDUCATION = "education", "Éducation et scolarisation"
    EMPLOYMENT = "emploi", "Formation et emploi"
    HOUSING = "logement", "Logement"
    SOCIAL_MEDIATION = "mediation_sociale", "Médiation sociale"
    SECURITY = "securite", "Stabilisation et sécurisation du site"
    HUMANITARIAN = "humanitaire", "Aides humanitaires"
    DIAGNOSIS = "diagnostic", "Diagnostic"
    STEERING = "pilotage", "Pilotage et coordination"
    OTHER = "autre", "Autre"


class PreparatoryPhase(models.TextChoices):
    """« Phases préparatoires à la résorption » (§C.7). The reference gives the uids of the four starting phases but
    not their names: these labels are ours, to check with the Dihal before the feature is shown."""

    SOCIOLOGICAL_DIAGNOSIS = "sociological_diagnosis", "Diagnostic sociologique"
    SOCIAL_ASSESSMENT = "social_assessment", "Évaluation sociale"
    POLITICAL_VALIDATION = "political_validation", "Validation politique"
    TECHNICAL_DIAGNOSIS = "technical_diagnosis", "Diagnostic technique"


# « Lancer la résorption » marks these phases done at once (§C.7).
STARTING_PREPARATORY_PHASES: tuple[PreparatoryPhase, ...] = tuple(PreparatoryPhase)

# Départements where the preparatory phases are shown (§C.7: currently Loire-Atlantique only).
DEPARTEMENTS_WITH_PREPARATORY_PHASES: frozenset[str] = frozenset({"44"})
