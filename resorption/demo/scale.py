"""National-scale data for the benchmarks (issue 4, item 11; issue 8, item 4): what `manage.py seed_scale` writes.

The data set is deterministic: three `random.Random` streams derived from `seed` (sites; people; journal) draw
everything, in a fixed order, from dates anchored on `today`; the same arguments give the same data (primary keys
aside). It is shaped like the platform's national picture:

- 20 départements hold 80 % of the sites (Île-de-France, the large metropolises, Mayotte, Guyane: `HOTSPOTS`), the
  other départements share the rest; within a département, sites go to its most populated communes.
- 5 to 300 people per site (a few unknown), with sub-counts that satisfy every check constraint of `Site`.
- Open and closed sites declared over `years` years; closed ones with a date, a cause, « résorbé ? » and, for most,
  the orientations of their households.
- 5 to 8 versions per site, each a plausible change (population counted again, a living-condition section surveyed,
  census scheduled then done, a procedure that moves on, « mise à jour sans modification »), by users of the
  département, with increasing dates. Written straight into django-simple-history's tables, since `bulk_create`
  sends no signal.
- Owners on a third of the sites; per département its organisations (préfecture, DDETS, associations, health
  mediation, conseil départemental, DSDEN, gendarmerie, its largest communes) and `users` accounts over them, the
  départements with more sites having more people; site actors on half the open sites.
- `messages` journal messages (a tenth targeted, some with attachment metadata) written by people of the site's
  département within the site's life, and for the recent ones the notifications, deliveries and emails the
  platform's fan-out writes (`_Journal`).
- Actions (one for `SITES_PER_ACTION` sites unless told), spread over the départements as the sites are, with their
  pilots, operators, concerned sites, finances, indicators and versions (`_Actions`); written from the seeded rows
  read back, so that `seed_actions()` can add them to a data set seeded before them.

Seeded rows are recognised by their users: every seeded account has an `@seed-scale.test` address and every seeded
site and action was created by one of them. `delete_seeded()` removes exactly that.
"""

import datetime
import random
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import F, Subquery
from django.test.utils import override_settings
from django.urls import reverse

from resorption.accounts.enums import AdminRole, AreaType, Role, UserStatus
from resorption.accounts.models import Charter, InterventionArea, Organization, OrganizationType, User
from resorption.actions.enums import FinanceType, LocationType, Topic
from resorption.actions.models import (
    TOPIC_FIELDS,
    Action,
    ActionFinance,
    ActionManager,
    ActionMetrics,
    ActionOperator,
    ActionSite,
)
from resorption.core.text import normalize_search
from resorption.demo import sites as demo_sites
from resorption.emails.models import EmailStatus, OutgoingEmail
from resorption.journal.enums import Audience, EntryKind, HealthIntervention
from resorption.journal.models import Attachment, JournalEntry, Tag
from resorption.notifications.catalogue import JournalMessagePosted, SiteClosed, SiteDeclared, SiteUpdated
from resorption.notifications.models import Delivery, Notification, NotificationEvent
from resorption.settlements.enums import (
    CensusStatus,
    ClosingCause,
    ClosingSolution,
    FieldType,
    OwnerType,
    PoliceStatus,
    SiteActorTheme,
    SiteStatus,
)
from resorption.settlements.models import (
    NAME_MAX_LENGTH,
    STATUS_FIELDS,
    ClosingOrientation,
    Site,
    SiteActor,
    SiteOwner,
    commune_search_terms_by_code,
    site_search_text,
)
from resorption.territories.centres import DEPARTEMENT_CENTRES
from resorption.territories.models import Commune, Departement

SEED_DOMAIN = "seed-scale.test"
# Every seeded account signs in with it (the bench signs in as the two accounts below).
SEED_PASSWORD = "Charge-Resorption-2026!"
NATIONAL_ADMIN_EMAIL = f"admin@{SEED_DOMAIN}"
# An « opérateur » (association) working on the densest département: sees only that département's sites.
LOCAL_USER_EMAIL = f"local@{SEED_DOMAIN}"
# A fixed salt: the same password gives the same hash, so the data set stays deterministic, and hashing once (not
# once per account) keeps seeding fast.
_PASSWORD_SALT = "seedscale2026"

DENSE_COUNT = 20
DENSE_SHARE = 0.8
# Where bidonvilles and squats concentrate (Dihal's published censuses: Île-de-France, the large metropolises, the
# north, Mayotte and Guyane), densest first. Missing ones are replaced by the next départements in code order.
HOTSPOTS = (
    "93",
    "13",
    "59",
    "94",
    "91",
    "976",
    "973",
    "33",
    "31",
    "44",
    "69",
    "34",
    "95",
    "77",
    "92",
    "06",
    "38",
    "35",
    "67",
    "75",
)
# Sites go to the most populated communes of their département, weighted by population.
COMMUNES_PER_DEPARTEMENT = 25
# The seeder needs at least this many départements with communes, else it loads the Etalab territories first.
MIN_DEPARTEMENTS = DENSE_COUNT + 1
BATCH_SIZE = 500
# Rows per INSERT for the narrow tables (users, journal, notifications).
BULK_SIZE = 5000
MIN_VERSIONS = 5
MAX_VERSIONS = 8
OPERATORS_PER_DEPARTEMENT = 3
# Share of the open (closed) sites with site actors, who are members of the département's associations and health
# mediation services; 1 to 3 per site.
ACTORS_OPEN_SHARE = 0.5
ACTORS_CLOSED_SHARE = 0.1
# The journal (`_Journal`): shares of the messages.
TARGETED_SHARE = 0.1
HEALTH_SHARE = 0.08
TAGGED_SHARE = 0.4
ATTACHED_SHARE = 0.03
DELETED_SHARE = 0.01
# Notifications: the messages of the last NOTIFIED_DAYS days were fanned out, each to the site's actors and to
# NOTIFIED_MEMBERS members of the département (or of each targeted organisation); most old ones are read.
NOTIFIED_DAYS = 180
NOTIFIED_MEMBERS = 3
READ_SHARE_OLD = 0.85
READ_SHARE_RECENT = 0.3
OPTED_OUT_SHARE = 0.2
# Actions (`_Actions`): one for this many sites by default (1,500 on the 30,000 sites of the national data set), and
# the shares (exact, rounded) of the actions that ended, that have finances, that have indicators.
SITES_PER_ACTION = 20
FINISHED_ACTIONS_SHARE = 1 / 3
FINANCED_ACTIONS_SHARE = 1 / 2
MEASURED_ACTIONS_SHARE = 1 / 3
MAX_ACTION_MEMBERS = 3  # pilots, and operators: 1 to 3 of each
MAX_ACTION_SITES = 5
# Who pilots an action (the State's services, the associations, the conseil départemental) and who operates it (the
# associations, the health mediation), by organisation type: all of them may create an action in their département.
PILOT_TYPES = ("prefecture_departement", "ddets", "association", "departement")
OPERATOR_TYPES = ("association", "intervenant")


@dataclass(frozen=True)
class _OrganizationKind:
    uid: str  # an OrganizationType (accounts migration 0002)
    label: str  # the start of its organisations' names
    role: str  # the role of its members: the type's default role, but for the gendarmerie (as in the demo world)
    weight: int  # its share of the département's accounts
    area_type: str  # located at the département, or at one of its most populated communes
    count: int  # organisations of this kind per département
    writes: bool  # its members write in the journals of the département's sites
    acts: bool  # its members work on sites (site actors)


# The organisations of a département on the platform, and how its accounts spread over them (the associations and
# the State's services hold most; a commune's services, the schools' and the gendarmerie follow).
DEPARTEMENT_ORGANIZATIONS = (
    _OrganizationKind(
        "prefecture_departement", "Préfecture", Role.DIRECT_COLLABORATOR, 8, AreaType.DEPARTEMENT, 1, True, False
    ),
    _OrganizationKind("ddets", "DDETS", Role.DIRECT_COLLABORATOR, 12, AreaType.DEPARTEMENT, 1, True, False),
    _OrganizationKind(
        "association", "Association d'intervention", Role.ASSOCIATION, 30, AreaType.DEPARTEMENT, 2, True, True
    ),
    _OrganizationKind("intervenant", "Médiation sanitaire", Role.INTERVENER, 12, AreaType.DEPARTEMENT, 1, True, True),
    _OrganizationKind(
        "departement", "Conseil départemental", Role.COLLABORATOR, 8, AreaType.DEPARTEMENT, 1, True, False
    ),
    _OrganizationKind("dsden", "DSDEN", Role.COLLABORATOR, 5, AreaType.DEPARTEMENT, 1, True, False),
    _OrganizationKind("commune", "Commune de", Role.COLLABORATOR, 18, AreaType.COMMUNE, 3, False, False),
    _OrganizationKind("gendarmerie", "Gendarmerie", Role.EXTERNAL_OBSERVER, 7, AreaType.DEPARTEMENT, 1, False, False),
)
# National organisations (uid, name); the first holds the national admin. They get this share of the accounts.
NATIONAL_ORGANIZATIONS = (
    ("delegation_interministerielle", "Délégation nationale"),
    ("agence_nationale", "Agence nationale"),
)
NATIONAL_USERS_SHARE = 0.005
JOURNAL_EVENT_KIND = JournalMessagePosted.name
SITE_DECLARED_KIND, SITE_UPDATED_KIND, SITE_CLOSED_KIND = SiteDeclared.name, SiteUpdated.name, SiteClosed.name
# Organisation types of the audience « préfecture et DDETS » (journal.services.PREFECTURE_DDETS_TYPES).
PREFECTURE_DDETS_TYPES = ("prefecture_departement", "ddets")
_USER_STATUSES = {UserStatus.ACTIVE: 90, UserStatus.INACTIVE: 6, UserStatus.NEW: 4}
_FIRST_NAMES = (
    "Camille",
    "Léa",
    "Manon",
    "Chloé",
    "Sarah",
    "Inès",
    "Julie",
    "Nadia",
    "Aïcha",
    "Sophie",
    "Claire",
    "Emma",
    "Lucas",
    "Hugo",
    "Thomas",
    "Nicolas",
    "Karim",
    "Julien",
    "Maxime",
    "Antoine",
    "Mehdi",
    "Paul",
    "Louis",
    "Yanis",
)
_LAST_NAMES = (
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "Benali",
    "Haddad",
    "Nguyen",
    "Popescu",
    "Ionescu",
    "Mercier",
    "Blanc",
    "Guerin",
    "Boyer",
)
_POSITIONS = {
    Role.DIRECT_COLLABORATOR: ("Chargée de mission résorption des bidonvilles", "Coordinateur départemental"),
    Role.COLLABORATOR: ("Directrice de la cohésion sociale", "Chargé de mission habitat", "Conseillère technique"),
    Role.ASSOCIATION: ("Travailleuse sociale", "Médiateur social", "Cheffe de service", "Éducateur spécialisé"),
    Role.INTERVENER: ("Médiatrice en santé", "Infirmier", "Coordinatrice santé"),
    Role.EXTERNAL_OBSERVER: ("Officier de liaison", "Commandante de brigade"),
    Role.NATIONAL_ESTABLISHMENT: ("Chargée de mission nationale", "Chef de projet"),
}

# Living conditions, one section at a time: each variant is the demo profile's answers for that section, so every
# combination satisfies the model's constraints (they never cross sections). « unknown » answers nothing.
_SECTION_PREFIXES = {
    "water": "water_",
    "sanitary": "sanitary_",
    "electricity": "electricity_",
    "trash": "trash_",
    "pest_animals": "pest_animals_",
    "fire_prevention": "fire_prevention_",
}
_PROFILES = {
    "good": demo_sites.GOOD_LIVING_CONDITIONS,
    "to_improve": demo_sites.TO_IMPROVE_LIVING_CONDITIONS,
    "bad": demo_sites.BAD_LIVING_CONDITIONS,
    "partial": demo_sites.PARTIAL_LIVING_CONDITIONS,
    "unknown": {},
}
_FIRST_SURVEY_WEIGHTS = {"unknown": 35, "partial": 10, "bad": 25, "to_improve": 15, "good": 15}
_LATER_SURVEY_WEIGHTS = {"unknown": 5, "partial": 10, "bad": 35, "to_improve": 25, "good": 25}

_STREET_KINDS = ("rue", "chemin", "avenue", "impasse", "route", "allée", "quai", "boulevard", "voie", "sentier")
_STREET_NAMES = (
    "des Acacias",
    "du Stade",
    "de la Briqueterie",
    "des Peupliers",
    "du Canal",
    "de la Gare",
    "des Saules",
    "du Moulin",
    "de l'Industrie",
    "des Vignes",
    "du Port",
    "de la Rivière",
    "des Tanneurs",
    "du Lavoir",
    "de la Zone Artisanale",
    "des Jardins",
    "du Viaduc",
    "de la Digue",
    "des Carrières",
    "du Marais",
    "des Entrepôts",
    "du Pont Neuf",
    "de la Voie Ferrée",
    "des Sablières",
)
_SITE_KINDS = ("Terrain", "Camp", "Squat", "Campement", "Friche", "Bidonville", "Hangar")
_SITE_PLACES = (
    "des Peupliers",
    "du Canal",
    "de la Gare",
    "des Saules",
    "du Moulin",
    "de la Rocade",
    "des Rails",
    "du Pont",
    "de l'Échangeur",
    "des Jardins",
    "du Lac",
    "de la Digue",
)
_PRIVATE_OWNERS = ("SCI du Vieux Pont", "SCI Les Terrasses", "Foncière du Val", "SCI des Trois Chênes")
_JUDGES = ("Tribunal judiciaire", "Tribunal administratif")
_CENSUS_OPERATORS = ("Médiation sanitaire", "Opérateur d'accompagnement", "DDETS", "Centre communal d'action sociale")
_CLOSING_CAUSES = {
    ClosingCause.RESORBED: 25,
    ClosingCause.CLOSED_BY_JUSTICE: 25,
    ClosingCause.CLOSED_BY_PREF_ADMIN: 20,
    ClosingCause.CLOSED_BY_CITY_ADMIN: 10,
    ClosingCause.OTHER: 8,
    ClosingCause.UNKNOWN: 12,
}
_ORIGINS = (  # (french, european, extra-european), weight
    ((False, True, False), 55),
    ((False, False, True), 15),
    ((True, True, False), 8),
    ((False, True, True), 10),
    ((False, False, False), 12),  # none ticked: unknown
)
_ACTOR_THEMES = [theme for theme in SiteActorTheme if theme != SiteActorTheme.OTHER]
_ATTACHMENTS = (  # original name, content type, extension
    ("compte-rendu-reunion.pdf", "application/pdf", "pdf"),
    ("photo-acces-eau.jpg", "image/jpeg", "jpg"),
    ("diagnostic-social.pdf", "application/pdf", "pdf"),
    ("plan-du-site.png", "image/png", "png"),
    ("convocation-comite.pdf", "application/pdf", "pdf"),
)
# Messages are put together from one sentence of each list (two for a health follow-up).
_MESSAGE_OPENINGS = (
    "Passage de l'équipe ce matin.",
    "Visite sur site avec la médiation sanitaire.",
    "Point de situation après la réunion de coordination.",
    "Maraude de fin de journée.",
    "Retour de la permanence d'accès aux droits.",
    "Échange téléphonique avec la mairie.",
    "Rencontre avec les familles installées côté rue.",
)
_MESSAGE_FACTS = (
    "Le point d'eau fonctionne mais la file d'attente reste longue le matin.",
    "Trois enfants ne sont pas encore inscrits à l'école, les dossiers sont en cours avec la mairie.",
    "La benne a été enlevée, les déchets s'accumulent de nouveau près de l'entrée.",
    "Deux familles ont obtenu une place en hébergement d'urgence.",
    "Des coupures d'électricité répétées sont signalées depuis la semaine dernière.",
    "Le propriétaire a confirmé le dépôt d'une requête en expulsion.",
    "Une personne âgée a besoin d'un suivi médical régulier, orientée vers la PASS.",
    "Les extincteurs ont été vérifiés, un nouveau sera installé près des cabanes.",
    "La domiciliation de quatre personnes est faite auprès du CCAS.",
    "Forte chaleur annoncée : distribution d'eau renforcée et repérage des personnes fragiles.",
)
_MESSAGE_NEXT_STEPS = (
    "Prochain passage prévu la semaine prochaine.",
    "Nous proposons une réunion avec la DDETS pour en parler.",
    "Merci aux partenaires de nous signaler tout changement.",
    "Le diagnostic social sera partagé dès qu'il sera terminé.",
    "À suivre lors du prochain comité de pilotage.",
)
_ACTION_LOCATIONS = {
    LocationType.SUR_SITE: 60,
    LocationType.LOGEMENT: 15,
    LocationType.ETI: 12,
    LocationType.AUTRE: 13,
}
# An action's name starts with one of its main topic's, and ends with its commune.
_ACTION_NAMES = {
    Topic.HEALTH: ("Médiation en santé", "Accès aux soins et aux droits", "Suivi sanitaire des familles"),
    Topic.SCHOOL: ("Médiation scolaire", "Scolarisation des enfants", "Accompagnement à la scolarité"),
    Topic.WORK: ("Insertion professionnelle", "Accès à l'emploi et à la formation", "Chantier d'insertion"),
    Topic.HOUSING: ("Accès au logement", "Relogement accompagné", "Hébergement et accompagnement social"),
    Topic.SAFETY: ("Stabilisation du site", "Accès à l'eau et sécurisation", "Prévention des incendies"),
}
_ACTION_GOALS = {
    Topic.HEALTH: "Ouvrir les droits à l'assurance maladie de chacun et l'accompagner vers un médecin traitant.",
    Topic.SCHOOL: "Inscrire à l'école les enfants de 3 à 16 ans et les accompagner jusqu'à une scolarité régulière.",
    Topic.WORK: "Accompagner les adultes volontaires vers une formation ou un premier contrat de travail.",
    Topic.HOUSING: "Construire avec chaque ménage un projet de logement et l'accompagner jusqu'à son relogement.",
    Topic.SAFETY: "Garantir l'accès à l'eau, l'enlèvement des déchets et la prévention des incendies sur le site.",
}
_OTHER_PLACES = ("Locaux de l'association", "Permanence en mairie", "Accueil de jour du centre-ville")
_FINANCE_COMMENTS = (
    "Crédits versés en deux fois",
    "Convention signée avec la préfecture",
    "Demande de cofinancement en cours",
    "Reliquat reporté sur l'année suivante",
)


@dataclass
class SeedReport:
    open: int = 0
    closed: int = 0
    versions: int = 0
    owners: int = 0
    orientations: int = 0
    actors: int = 0
    organizations: int = 0
    users: int = 0
    messages: int = 0
    targeted: int = 0
    attachments: int = 0
    notifications: int = 0
    unread: int = 0
    emails: int = 0
    actions: int = 0
    finished_actions: int = 0
    action_finances: int = 0
    action_metrics: int = 0
    departements: int = 0
    dense_share: float = 0.0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class _Place:
    commune: Commune
    latitude: float
    longitude: float


@dataclass
class _Accounts:
    national_admin: User
    local_user: User | None = None
    # Per département code: the users who declare and update its sites, and the operators among them…
    authors: dict[str, list[User]] = field(default_factory=dict)
    operators: dict[str, list[User]] = field(default_factory=dict)
    # …and, among its active accounts: all of them, those who write in its journals, those who work on its sites
    # (site actors); its organisations, and its préfecture and DDETS (the audience « préfecture et DDETS »).
    members: dict[str, list[User]] = field(default_factory=lambda: defaultdict(list))
    writers: dict[str, list[User]] = field(default_factory=lambda: defaultdict(list))
    actors: dict[str, list[User]] = field(default_factory=lambda: defaultdict(list))
    organizations: dict[str, list[Organization]] = field(default_factory=lambda: defaultdict(list))
    prefecture_ddets: dict[str, list[Organization]] = field(default_factory=lambda: defaultdict(list))
    # organisation pk → its active members
    organization_members: dict[int, list[User]] = field(default_factory=dict)


@dataclass
class _SiteRecord:
    """What the journal needs of a written site."""

    pk: int
    code: str  # its département
    commune_id: str
    label: str  # `Site.display_name`
    commune_name: str
    opened: datetime.datetime  # declared
    ended: datetime.datetime  # closed, or `today` at midnight for an open site
    actors: list[User]


# ---------------------------------------------------------------------------------------------------------------------
# Public entry points
# ---------------------------------------------------------------------------------------------------------------------


def is_seeded() -> bool:
    return User.objects.filter(email__endswith=f"@{SEED_DOMAIN}").exists()


def seeded_sites():
    return Site.objects.filter(created_by__email__endswith=f"@{SEED_DOMAIN}")


def seeded_messages():
    return JournalEntry.objects.filter(site__in=seeded_sites().values("pk"))


def seeded_actions():
    return Action.objects.filter(created_by__email__endswith=f"@{SEED_DOMAIN}")


def seeded_counts() -> dict[str, int]:
    """What the seeded data set holds, to tell whether it is the one asked for."""
    sites = Counter(seeded_sites().values_list("status", flat=True).order_by())
    return {
        "open": sites[SiteStatus.OPEN],
        "closed": sites[SiteStatus.CLOSED],
        "messages": seeded_messages().count(),
        "users": User.objects.filter(email__endswith=f"@{SEED_DOMAIN}").count(),
        "actions": seeded_actions().count(),
    }


def actions_for_sites(sites: int) -> int:
    """How many actions a data set of `sites` sites gets unless told: one for `SITES_PER_ACTION` sites, rounded."""
    return (sites + SITES_PER_ACTION // 2) // SITES_PER_ACTION


def _delete(queryset) -> None:
    """Deletes the rows in one statement, without Django's collector: the seeded tables hold hundreds of thousands
    of rows, which the collector would load into memory. Only for rows whose dependents were deleted first."""
    queryset._raw_delete(queryset.db)


@transaction.atomic
def delete_seeded_actions() -> int:
    """Removes the seeded actions with their pilots, operators, concerned sites, finances, indicators and all their
    versions; returns how many actions were removed. Other actions are left alone."""
    action_ids = seeded_actions().values("pk")
    count = seeded_actions().count()
    for model in (ActionManager, ActionOperator, ActionSite, ActionFinance, ActionMetrics):
        _delete(model.history.model.objects.filter(action_id__in=Subquery(action_ids)))
    _delete(Action.history.model.objects.filter(id__in=Subquery(action_ids)))
    # Through Django's collector (a few thousand rows): it also removes the rows of any model pointing at an action.
    # Removing seed data is not a change of the actions: no « deleted » version is written for them.
    with override_settings(SIMPLE_HISTORY_ENABLED=False):
        Action.objects.filter(pk__in=Subquery(action_ids)).delete()
    return count


@transaction.atomic
def delete_seeded() -> int:
    """Removes every seeded row (the actions; the journal of the seeded sites with its notifications and their
    emails; the sites with their versions, owners, orientations and actors; then accounts and their organisations);
    returns the number of sites removed. Rows that are not seeded are left alone."""
    delete_seeded_actions()  # first: their pilots and operators protect the seeded accounts
    site_ids = seeded_sites().values("pk")
    count = seeded_sites().count()

    entries = JournalEntry.objects.filter(site_id__in=Subquery(site_ids)).values("pk")
    events = NotificationEvent.objects.filter(kind=JOURNAL_EVENT_KIND, object_id__in=Subquery(entries)).values("pk")
    email_ids = list(
        Delivery.objects.filter(event_id__in=Subquery(events), email__isnull=False).values_list("email_id", flat=True)
    )
    _delete(Notification.objects.filter(event_id__in=Subquery(events)))
    _delete(Delivery.objects.filter(event_id__in=Subquery(events)))
    for start in range(0, len(email_ids), BULK_SIZE):
        _delete(OutgoingEmail.objects.filter(pk__in=email_ids[start : start + BULK_SIZE]))
    _delete(NotificationEvent.objects.filter(pk__in=Subquery(events)))
    version_ids = Site.history.model.objects.filter(id__in=Subquery(site_ids)).values("history_id")
    _delete(
        NotificationEvent.objects.filter(
            kind__in=(SITE_DECLARED_KIND, SITE_CLOSED_KIND), object_id__in=Subquery(site_ids)
        )
    )
    _delete(NotificationEvent.objects.filter(kind=SITE_UPDATED_KIND, object_id__in=Subquery(version_ids)))
    for model in (
        Attachment,
        JournalEntry.tags.through,
        JournalEntry.target_organizations.through,
        JournalEntry.target_users.through,
    ):
        column = "entry_id" if model is Attachment else "journalentry_id"
        _delete(model.objects.filter(**{f"{column}__in": Subquery(entries)}))
    _delete(JournalEntry.objects.filter(site_id__in=Subquery(site_ids)))

    for history in (SiteOwner.history.model, ClosingOrientation.history.model):
        history.objects.filter(site_id__in=Subquery(site_ids)).delete()
    Site.history.model.objects.filter(id__in=Subquery(site_ids)).delete()
    # Removing seed data is not a change of the sites: no « deleted » version is written for them.
    with override_settings(SIMPLE_HISTORY_ENABLED=False):
        Site.objects.filter(pk__in=Subquery(site_ids)).delete()
    seeded_users = User.objects.filter(email__endswith=f"@{SEED_DOMAIN}")
    organization_ids = set(seeded_users.values_list("organization_id", flat=True))
    seeded_users.delete()
    Organization.objects.filter(pk__in=organization_ids, users__isnull=True).delete()
    return count


def dense_departements(codes: Sequence[str], count: int = DENSE_COUNT) -> list[str]:
    """The `count` départements that hold most sites: the hotspots present among `codes`, completed in code order."""
    available = set(codes)
    dense = [code for code in HOTSPOTS if code in available][:count]
    for code in sorted(available):
        if len(dense) >= count:
            break
        if code not in dense:
            dense.append(code)
    return dense


def spread_departements(codes: Sequence[str], total: int, rng: random.Random) -> list[str]:
    """The département of each of `total` sites: `DENSE_SHARE` of them (rounded) in the dense départements, weighted
    densest first, the rest evenly over the other départements; in a shuffled order."""
    dense = dense_departements(codes)
    rest = sorted(set(codes) - set(dense))
    in_dense = round(total * DENSE_SHARE) if rest else total
    # Zipf-like weights: the densest département holds about four times the twentieth.
    weights = [1 / (rank + 1) ** 0.5 for rank in range(len(dense))]
    chosen = rng.choices(dense, weights=weights, k=in_dense)
    if rest:
        chosen += rng.choices(rest, k=total - in_dense)
    rng.shuffle(chosen)
    return chosen


def seed(
    *,
    open_count: int,
    closed_count: int,
    years: int,
    seed: int,
    today: datetime.date,
    users: int = 0,
    messages: int = 0,
    actions: int | None = None,
) -> SeedReport:
    """Writes the data set in one transaction; returns what it wrote and how long it took. `users` is the number of
    accounts (at least the fixed ones: see `_Seeder._accounts`), `messages` the number of journal messages, `actions`
    the number of actions (by default `actions_for_sites` of the sites)."""
    started = time.monotonic()
    with transaction.atomic():
        report = _Seeder(
            open_count=open_count,
            closed_count=closed_count,
            years=years,
            seed=seed,
            today=today,
            users_count=users,
            messages_count=messages,
            actions_count=actions_for_sites(open_count + closed_count) if actions is None else actions,
        ).run()
    report.seconds = time.monotonic() - started
    return report


def seed_actions(*, seed: int, today: datetime.date, years: int, actions: int | None = None) -> SeedReport:
    """Replaces the seeded actions (if any) by `actions` new ones (by default `actions_for_sites` of the seeded
    sites) on the sites and accounts already seeded, in one transaction: how a data set seeded before the actions
    existed gets them without seeding its sites and journal again. The same arguments on the same seeded data give
    the same actions as `seed` writes."""
    started = time.monotonic()
    report = SeedReport()
    with transaction.atomic():
        delete_seeded_actions()
        count = actions_for_sites(seeded_sites().count()) if actions is None else actions
        _Actions(count=count, seed=seed, today=today, years=years, report=report).run()
    report.seconds = time.monotonic() - started
    report.timings["actions"] = report.seconds
    return report


# ---------------------------------------------------------------------------------------------------------------------
# The seeder
# ---------------------------------------------------------------------------------------------------------------------

_SITE_FIELDS = [each for each in Site._meta.concrete_fields if each.name != "id"]
_DEFAULTS: dict[str, Any] = {
    each.attname: each.get_default()
    for each in _SITE_FIELDS
    if each.name not in ("created_at", "search_text", *STATUS_FIELDS.values())
}
_SECTION_FIELDS = {
    section: [name for name in _DEFAULTS if name.startswith(prefix)] for section, prefix in _SECTION_PREFIXES.items()
}
_SECTION_VARIANTS = {
    section: {
        name: {key: value for key, value in profile.items() if key.startswith(prefix)}
        for name, profile in _PROFILES.items()
    }
    for section, prefix in _SECTION_PREFIXES.items()
}


class _Seeder:
    def __init__(
        self,
        *,
        open_count: int,
        closed_count: int,
        years: int,
        seed: int,
        today: datetime.date,
        users_count: int = 0,
        messages_count: int = 0,
        actions_count: int = 0,
    ):
        self.open_count = open_count
        self.closed_count = closed_count
        self.users_count = users_count
        self.messages_count = messages_count
        self.actions_count = actions_count
        self.seed = seed
        self.years = years
        self.today = today
        # Three streams: the sites and their versions are the same whatever the numbers of accounts and messages
        # asked for (a data set with and one without journal differ only by the journal).
        self.rng = random.Random(seed)
        self.people_rng = random.Random(f"{seed}-people")
        self.journal_rng = random.Random(f"{seed}-journal")
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.report = SeedReport()
        self.site_counts: Counter[str] = Counter()
        self.records: list[_SiteRecord] = []

    def run(self) -> SeedReport:
        started = time.monotonic()
        places = self._places()
        total = self.open_count + self.closed_count
        departement_of_site = spread_departements(sorted(places), total, self.rng)
        self.site_counts = Counter(departement_of_site)
        accounts = self._accounts(sorted(self.site_counts), dense=dense_departements(sorted(places)), places=places)
        self.report.timings["accounts"] = time.monotonic() - started
        statuses = [SiteStatus.OPEN] * self.open_count + [SiteStatus.CLOSED] * self.closed_count
        self.rng.shuffle(statuses)

        started = time.monotonic()
        for start in range(0, total, BATCH_SIZE):
            batch = [
                self._site_plan(status, places[code], accounts, code)
                for status, code in zip(
                    statuses[start : start + BATCH_SIZE], departement_of_site[start : start + BATCH_SIZE], strict=True
                )
            ]
            self._write(batch, departement_of_site[start : start + BATCH_SIZE])
        self.report.timings["sites"] = time.monotonic() - started

        started = time.monotonic()
        _Journal(self, accounts).run()
        self.report.timings["journal"] = time.monotonic() - started

        started = time.monotonic()
        _Actions(
            count=self.actions_count, seed=self.seed, today=self.today, years=self.years, report=self.report
        ).run()
        self.report.timings["actions"] = time.monotonic() - started

        top = sum(count for _, count in self.site_counts.most_common(DENSE_COUNT))
        self.report.departements = len(self.site_counts)
        self.report.dense_share = top / total if total else 0.0
        return self.report

    # Territories and accounts --------------------------------------------------------------------------------------

    def _places(self) -> dict[str, list[_Place]]:
        """Département code → its most populated communes, each with a point near the département's centre."""
        communes = (
            Commune.objects.select_related("departement")
            .filter(main__isnull=True)
            .order_by("departement_id", F("population").desc(nulls_last=True), "code")
        )
        places: dict[str, list[_Place]] = defaultdict(list)
        for commune in communes:
            candidates = places[commune.departement_id]
            if len(candidates) >= COMMUNES_PER_DEPARTEMENT:
                continue
            departement = commune.departement
            latitude, longitude = DEPARTEMENT_CENTRES.get(
                departement.code, (departement.latitude or 46.6, departement.longitude or 2.4)
            )
            candidates.append(_Place(commune, latitude, longitude))
        return dict(places)

    def _accounts(self, codes: list[str], *, dense: list[str], places: dict[str, list[_Place]]) -> _Accounts:
        """The national delegation (the national admin, national actors) and, per département with sites, the
        organisations of `DEPARTEMENT_ORGANIZATIONS` with their members: `users_count` accounts in all (at least one
        per organisation and the fixed accounts), the départements with more sites having more people."""
        rng = self.people_rng
        password = make_password(SEED_PASSWORD, salt=_PASSWORD_SALT)
        charter_version = Charter.objects.order_by("-version").values_list("version", flat=True).first()
        types = {each.uid: each for each in OrganizationType.objects.all()}
        departements = Departement.objects.in_bulk(codes)
        now = datetime.datetime.combine(self.today, datetime.time(8), tzinfo=self.tz)
        local_code = dense[0] if dense and dense[0] in codes else codes[0]

        # Organisations: (organisation, its kind) in a fixed order; the national ones first.
        national = [
            Organization(
                name=f"{label} (données de charge)",
                type=types[uid],
                active=True,
                area_type=AreaType.NATION,
            )
            for uid, label in NATIONAL_ORGANIZATIONS
        ]
        by_departement: dict[str, list[tuple[Organization, _OrganizationKind]]] = {}
        for code in codes:
            rows = []
            for kind in DEPARTEMENT_ORGANIZATIONS:
                if kind.area_type == AreaType.COMMUNE:
                    for place in places[code][: kind.count]:
                        commune = place.commune
                        name = f"{kind.label} {commune.name} ({commune.code}) (données de charge)"
                        rows.append((Organization(name=name, area_type=AreaType.COMMUNE, commune=commune), kind))
                    continue
                for number in range(1, kind.count + 1):
                    suffix = "" if number == 1 else f" n° {number}"
                    name = f"{kind.label} {departements[code].name}{suffix} (données de charge)"
                    rows.append(
                        (Organization(name=name, area_type=AreaType.DEPARTEMENT, departement=departements[code]), kind)
                    )
            for organization, kind in rows:
                organization.type = types[kind.uid]
                organization.active = True
            by_departement[code] = rows
        organizations = national + [organization for code in codes for organization, _ in by_departement[code]]
        for organization in organizations:
            organization.search_name = normalize_search(organization.name)
        Organization.objects.bulk_create(organizations, batch_size=BULK_SIZE)
        InterventionArea.objects.bulk_create(
            (
                InterventionArea(
                    organization=organization,
                    area_type=organization.area_type,
                    departement=organization.departement,
                    commune=organization.commune,
                    is_main_area=True,
                )
                for organization in organizations
            ),
            batch_size=BULK_SIZE,
        )

        def user(email: str, organization: Organization, role: str, status: str = UserStatus.ACTIVE, **extra) -> User:
            first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
            accepted = status != UserStatus.NEW and charter_version is not None
            return User(
                email=email,
                first_name=extra.pop("first_name", first),
                last_name=extra.pop("last_name", last),
                position=rng.choice(_POSITIONS[role]),
                organization=organization,
                status=status,
                role=role,
                password=password,
                charter_version_accepted=charter_version if accepted else None,
                charter_accepted_at=now if accepted else None,
                created_at=now - datetime.timedelta(days=rng.randint(0, 365 * self.years)),
                deactivated_at=now if status == UserStatus.INACTIVE else None,
                **extra,
            )

        national_admin = user(
            NATIONAL_ADMIN_EMAIL,
            national[0],
            Role.NATIONAL_ESTABLISHMENT,
            first_name="Nadia",
            last_name="Charge",
            admin_role=AdminRole.NATIONAL_ADMIN,
        )
        accounts = _Accounts(national_admin=national_admin)
        members: dict[int, list[User]] = defaultdict(list)  # organisation (its index in `organizations`) → users
        members[0].append(national_admin)
        fixed: dict[str, list[User]] = {}  # département → its fixed accounts, already in `members`
        index_of = {id(organization): index for index, organization in enumerate(organizations)}
        for code in codes:
            rows = by_departement[code]
            prefecture, ddets, association = (
                next(organization for organization, kind in rows if kind.uid == uid)
                for uid in ("prefecture_departement", "ddets", "association")
            )
            local_admin = user(
                f"admin-local-{code.lower()}@{SEED_DOMAIN}",
                prefecture,
                Role.DIRECT_COLLABORATOR,
                admin_role=AdminRole.LOCAL_ADMIN,
            )
            correspondent = user(
                f"correspondant-{code.lower()}@{SEED_DOMAIN}",
                ddets,
                Role.DIRECT_COLLABORATOR,
                first_name="Claire",
                last_name=f"D{code}",
            )
            operators = [
                user(
                    LOCAL_USER_EMAIL
                    if code == local_code and number == 1
                    else f"operateur-{code.lower()}-{number}@{SEED_DOMAIN}",
                    association,
                    Role.ASSOCIATION,
                    first_name="Inès",
                    last_name=f"O{code}-{number}",
                )
                for number in range(1, OPERATORS_PER_DEPARTEMENT + 1)
            ]
            members[index_of[id(prefecture)]].append(local_admin)
            members[index_of[id(ddets)]].append(correspondent)
            members[index_of[id(association)]].extend(operators)
            fixed[code] = [local_admin, correspondent, *operators]
            accounts.authors[code] = [correspondent, *operators]
            accounts.operators[code] = operators

        # Every organisation has at least one member; the others go to the départements in proportion to their sites
        # (a national share to the national organisations), then to each kind of organisation by its weight.
        for index in range(len(organizations)):
            if not members[index]:
                members[index].append(None)  # a placeholder: drawn below
        minimum = sum(len(each) for each in members.values())
        spare = max(0, self.users_count - minimum)
        national_spare = round(spare * NATIONAL_USERS_SHARE)
        site_counts = self.site_counts
        shares = _apportion(spare - national_spare, [site_counts[code] for code in codes])
        extra: Counter[int] = Counter()
        for index, count in enumerate(_apportion(national_spare, [1] * len(national))):
            extra[index] += count
        for code, share in zip(codes, shares, strict=True):
            rows = by_departement[code]
            weights = [kind.weight / kind.count for _, kind in rows]
            for (organization, _), count in zip(rows, _apportion(share, weights), strict=True):
                extra[index_of[id(organization)]] += count

        users: list[User] = [national_admin]
        for code in codes:
            users += fixed[code]
        numbers: Counter[str] = Counter()
        kind_of = {index_of[id(organization)]: kind for code in codes for organization, kind in by_departement[code]}
        for index, organization in enumerate(organizations):
            kind = kind_of.get(index)
            placeholders = sum(1 for each in members[index] if each is None)
            members[index] = [each for each in members[index] if each is not None]
            for _ in range(placeholders + extra[index]):
                slug = kind.uid if kind else "national"
                where = (organization.departement_id or organization.commune_id or "fr").lower()
                numbers[f"{slug}-{where}"] += 1
                email = f"{slug.replace('_', '-')}-{where}-{numbers[f'{slug}-{where}']}@{SEED_DOMAIN}"
                role = kind.role if kind else Role.NATIONAL_ESTABLISHMENT
                status = rng.choices(list(_USER_STATUSES), weights=list(_USER_STATUSES.values()))[0]
                account = user(email, organization, role, status)
                members[index].append(account)
                users.append(account)
        User.objects.bulk_create(users, batch_size=BULK_SIZE)

        for code in codes:
            for organization, kind in by_departement[code]:
                active = [each for each in members[index_of[id(organization)]] if each.is_active]
                accounts.members[code] += active
                accounts.organizations[code].append(organization)
                accounts.organization_members[organization.pk] = active
                if kind.writes:
                    accounts.writers[code] += active
                if kind.acts:
                    accounts.actors[code] += active
                if kind.uid in PREFECTURE_DDETS_TYPES:
                    accounts.prefecture_ddets[code].append(organization)
        accounts.local_user = next(each for each in users if each.email == LOCAL_USER_EMAIL)
        self.report.organizations = len(organizations)
        self.report.users = len(users)
        return accounts

    # One site ------------------------------------------------------------------------------------------------------

    def _site_plan(self, status: str, candidates: list[_Place], accounts: _Accounts, code: str) -> dict[str, Any]:
        """A site's successive states (the last one is the site), their moments and authors, owners, orientations and
        actors. Draws from the random generator in a fixed order."""
        rng = self.rng
        place = rng.choices(candidates, weights=[(each.commune.population or 1) ** 0.5 for each in candidates])[0]
        authors = accounts.authors[code]
        first_day = self.today - datetime.timedelta(days=365 * self.years)
        last_day = self.today - datetime.timedelta(days=1)
        span = (last_day - first_day).days
        if status == SiteStatus.OPEN:
            declared = first_day + datetime.timedelta(days=rng.randint(0, span - 14))
            recent = last_day - datetime.timedelta(days=int(rng.expovariate(1 / 120)))
            last = max(recent, declared + datetime.timedelta(days=7))
            last = min(last, last_day)
        else:
            declared = first_day + datetime.timedelta(days=rng.randint(0, span - 45))
            lasted = 30 + int(rng.expovariate(1 / 400))
            room = (last_day - declared).days
            if lasted > room:  # spread rather than pile the closings of recent sites on the last day
                lasted = rng.randint(30, room)
            last = declared + datetime.timedelta(days=lasted)
        moments = self._moments(declared, last, rng.randint(MIN_VERSIONS, MAX_VERSIONS))

        state = self._declaration(place, declared, rng)
        justice_track = rng.choice(("complaint", "order", "insalubrity")) if rng.random() < 0.2 else ""
        states = [dict(state)]
        for moment in moments[1:-1]:
            state = self._change(state, moment.date(), rng, justice_track)
            states.append(state)
        if status == SiteStatus.CLOSED:
            state = self._closing(state, moments[-1].date(), rng)
        else:
            state = self._change(state, moments[-1].date(), rng, justice_track)
        states.append(state)

        version_authors = [rng.choice(authors) for _ in moments]
        for number, (each, moment, author) in enumerate(zip(states, moments, version_authors, strict=True), start=1):
            each["version"] = number
            each["updated_at"] = moment.date()
            each["updated_by_id"] = author.pk
            each["created_by_id"] = version_authors[0].pk

        owners = []
        if state["owner_type"] != OwnerType.UNKNOWN and rng.random() < 0.5:
            for _ in range(rng.randint(1, 2)):
                if state["owner_type"] == OwnerType.PUBLIC:
                    owners.append((f"Commune de {place.commune.name}", OwnerType.PUBLIC))
                else:
                    owners.append((rng.choice(_PRIVATE_OWNERS), OwnerType.PRIVATE))
        orientations = []
        if status == SiteStatus.CLOSED and rng.random() < 0.6:
            people_left = state["population_total"] or rng.randint(5, 40)
            for solution in rng.sample(list(ClosingSolution), rng.randint(1, 2)):
                people = rng.randint(1, max(1, people_left // 2))
                orientations.append((solution, people, max(1, people // 3)))
        # Half the open sites have actors, a few closed ones kept theirs; drawn apart from the sites' stream.
        people = self.people_rng
        actors = []
        pool = accounts.actors[code]
        if pool and people.random() < (ACTORS_OPEN_SHARE if status == SiteStatus.OPEN else ACTORS_CLOSED_SHARE):
            for actor in people.sample(pool, min(len(pool), people.randint(1, 3))):
                actors.append((actor, people.sample(_ACTOR_THEMES, people.randint(1, 3))))
        return {
            "commune_name": place.commune.name,
            "states": states,
            "moments": moments,
            "authors": version_authors,
            "owners": owners,
            "orientations": orientations,
            "actors": actors,
        }

    def _moments(self, first: datetime.date, last: datetime.date, count: int) -> list[datetime.datetime]:
        """`count` strictly increasing moments: the declaration on `first`, the last version on `last`, the others in
        between, each during office hours."""
        span = (last - first).days
        days = [first, *sorted(first + datetime.timedelta(days=self.rng.randint(0, span)) for _ in range(count - 2))]
        days.append(last)
        moments = []
        for day in days:
            moment = datetime.datetime.combine(day, datetime.time(9), tzinfo=self.tz) + datetime.timedelta(
                minutes=self.rng.randint(0, 480)
            )
            if moments and moment <= moments[-1]:
                moment = moments[-1] + datetime.timedelta(minutes=1)
            moments.append(moment)
        return moments

    def _declaration(self, place: _Place, declared: datetime.date, rng: random.Random) -> dict[str, Any]:
        state = dict(_DEFAULTS)
        state["preparatory_phases"] = {}
        postal_code = (place.commune.postal_code_list or [""])[0]
        street = f"{rng.randint(1, 180)} {rng.choice(_STREET_KINDS)} {rng.choice(_STREET_NAMES)}"
        field_type = rng.choices([FieldType.LAND, FieldType.BUILDING, FieldType.UNKNOWN], weights=[60, 30, 10])[0]
        state.update(
            address=f"{street} {postal_code} {place.commune.name}".replace("  ", " "),
            commune_id=place.commune.code,
            latitude=round(max(-90.0, min(90.0, place.latitude + rng.gauss(0, 0.08))), 5),
            longitude=round(max(-180.0, min(180.0, place.longitude + rng.gauss(0, 0.1))), 5),
            name=_site_name(rng) if rng.random() < 0.4 else "",
            declared_at=declared,
            built_at=declared - datetime.timedelta(days=rng.randint(0, 180)) if rng.random() < 0.85 else None,
            field_type=field_type,
            owner_type=rng.choices(list(OwnerType), weights=[25, 35, 40])[0],
            census_status=rng.choice(["", CensusStatus.NONE]),
            heatwave=rng.random() < 0.1,
        )
        if rng.random() < 0.1:
            state.update(is_reinstallation=True, reinstallation_comments="Familles venues d'un site fermé voisin.")
        else:
            state["is_reinstallation"] = rng.choice([False, None])
        ticks = rng.choices([origins for origins, _ in _ORIGINS], weights=[weight for _, weight in _ORIGINS])[0]
        state.update(zip(("origin_french", "origin_european", "origin_extra_european"), ticks, strict=True))
        state.update(_population(rng, field_type))
        for section in _SECTION_PREFIXES:
            _survey(state, section, rng, _FIRST_SURVEY_WEIGHTS)
        if rng.random() < 0.4:
            state.update(justice_procedure=False, owner_complaint=False)
        return state

    def _change(
        self, previous: dict[str, Any], day: datetime.date, rng: random.Random, justice_track: str
    ) -> dict[str, Any]:
        """The next version: one plausible change, or none (« mise à jour sans modification »)."""
        state = dict(previous)
        kind = rng.choices(
            ["population", "survey", "census", "justice", "other", "none"], weights=[30, 30, 10, 10, 10, 10]
        )[0]
        if kind == "population":
            total = state["population_total"]
            if total is not None:
                total = max(5, min(300, round(total * rng.uniform(0.7, 1.3))))
            state.update(_population(rng, state["field_type"], total=total))
        elif kind == "survey":
            _survey(state, rng.choice(list(_SECTION_PREFIXES)), rng, _LATER_SURVEY_WEIGHTS)
        elif kind == "census":
            if state["census_status"] == CensusStatus.SCHEDULED:
                state["census_status"] = CensusStatus.DONE
                state["census_conducted_at"] = day
            elif state["census_status"] != CensusStatus.DONE:
                state.update(
                    census_status=CensusStatus.SCHEDULED,
                    census_conducted_at=day,
                    census_conducted_by=rng.choice(_CENSUS_OPERATORS),
                )
        elif kind == "justice" and justice_track:
            _procedure_step(state, justice_track, day, rng)
        elif kind == "other":
            if state["resorption_target"] is None and rng.random() < 0.5:
                state["resorption_target"] = day.year + rng.randint(0, 2)
            else:
                state["heatwave"] = not state["heatwave"]
        return state

    def _closing(self, previous: dict[str, Any], day: datetime.date, rng: random.Random) -> dict[str, Any]:
        state = dict(previous)
        cause = rng.choices(list(_CLOSING_CAUSES), weights=list(_CLOSING_CAUSES.values()))[0]
        if cause == ClosingCause.RESORBED:
            resorbed = rng.random() < 0.85
        else:
            resorbed = rng.choice([False, False, None])
        state.update(
            status=SiteStatus.CLOSED,
            closed_at=day,
            closing_cause=cause,
            closed_with_solutions=resorbed,
            closing_context="Évacuation après relogement partiel des familles." if cause == ClosingCause.OTHER else "",
        )
        return state

    # Writing -------------------------------------------------------------------------------------------------------

    def _write(self, batch: list[dict[str, Any]], codes: list[str]) -> None:
        sites = []
        terms = commune_search_terms_by_code(plan["states"][-1]["commune_id"] for plan in batch)
        for plan in batch:
            last = plan["states"][-1]
            site = Site(**last)
            site.refresh_living_condition_statuses()
            site.search_text = site_search_text(site.address, site.name, terms.get(site.commune_id, ""))
            sites.append(site)
        Site.objects.bulk_create(sites)
        # `created_at` is set to "now" on insert; the site was created in the database when it was declared.
        for site, plan in zip(sites, batch, strict=True):
            site.created_at = plan["moments"][0]
        Site.objects.bulk_update(sites, ["created_at"])

        historical_site = Site.history.model
        versions, owners, owner_versions, orientations, orientation_versions, actors = [], [], [], [], [], []
        for site, plan in zip(sites, batch, strict=True):
            moments, authors = plan["moments"], plan["authors"]
            for number, (state, moment, author) in enumerate(zip(plan["states"], moments, authors, strict=True)):
                versions.append(
                    historical_site(
                        **state,
                        id=site.pk,
                        created_at=site.created_at,
                        history_date=moment,
                        history_type="+" if number == 0 else "~",
                        history_user_id=author.pk,
                    )
                )
            for name, owner_type in plan["owners"]:
                owners.append((SiteOwner(site=site, name=name, owner_type=owner_type), moments[0], authors[0]))
            for solution, people, households in plan["orientations"]:
                orientation = ClosingOrientation(
                    site=site, solution=solution, people_affected=people, households_affected=households
                )
                orientations.append((orientation, moments[-1], authors[-1]))
            for operator, themes in plan["actors"]:
                actors.append(
                    SiteActor(
                        site=site,
                        user=operator,
                        themes=[str(theme) for theme in themes],
                        created_at=moments[-1],
                        created_by=operator,
                    )
                )
        historical_site.objects.bulk_create(versions, batch_size=BATCH_SIZE)
        NotificationEvent.objects.bulk_create(_site_events(versions, sites), batch_size=BULK_SIZE)
        SiteOwner.objects.bulk_create([owner for owner, _, _ in owners])
        ClosingOrientation.objects.bulk_create([orientation for orientation, _, _ in orientations])
        SiteActor.objects.bulk_create(actors)
        for rows, target in ((owners, owner_versions), (orientations, orientation_versions)):
            for row, moment, author in rows:
                target.append(_history_row(row, moment, author.pk))
        SiteOwner.history.model.objects.bulk_create(owner_versions)
        ClosingOrientation.history.model.objects.bulk_create(orientation_versions)

        actors_of = defaultdict(list)
        for actor in actors:
            actors_of[actor.site_id].append(actor.user)
        for site, plan, code in zip(sites, batch, codes, strict=True):
            if site.status == SiteStatus.OPEN:
                self.report.open += 1
                ended = datetime.datetime.combine(self.today, datetime.time(0), tzinfo=self.tz)
            else:
                self.report.closed += 1
                ended = plan["moments"][-1]
            self.records.append(
                _SiteRecord(
                    pk=site.pk,
                    code=code,
                    commune_id=site.commune_id,
                    label=site.display_name,
                    commune_name=plan["commune_name"],
                    opened=plan["moments"][0],
                    ended=ended,
                    actors=actors_of[site.pk],
                )
            )
        self.report.versions += len(versions)
        self.report.owners += len(owners)
        self.report.orientations += len(orientations)
        self.report.actors += len(actors)


# ---------------------------------------------------------------------------------------------------------------------
# The journal: messages, their targets, tags and attachments, and the notifications they caused
# ---------------------------------------------------------------------------------------------------------------------


class _Journal:
    """Spreads `messages_count` messages over the written sites — more on open sites and long-lived ones, a few
    sites with long journals — each dated within its site's life and written by a member of the site's département
    (often one of its actors). `TARGETED_SHARE` of them (exactly, rounded) are targeted (« préfecture et DDETS » or
    a custom list of organisations and people of the département), some carry tags, attachments (metadata rows:
    no file is stored), health follow-ups, or were deleted by their author. The messages of the last
    `NOTIFIED_DAYS` days were fanned out as the platform does (`notifications.services.event_fan_out`): an event,
    and per recipient a notification (read or not) and a delivery with its sent email (or none when opted out)."""

    def __init__(self, seeder: "_Seeder", accounts: _Accounts):
        self.seeder = seeder
        self.accounts = accounts
        self.rng = seeder.journal_rng
        self.report = seeder.report
        self.tags = list(Tag.objects.order_by("position", "pk").values_list("pk", flat=True))
        self.today = datetime.datetime.combine(seeder.today, datetime.time(0), tzinfo=seeder.tz)
        self.notified_since = self.today - datetime.timedelta(days=NOTIFIED_DAYS)
        self.local_code = accounts.local_user.organization.departement_id if accounts.local_user else None

    def run(self) -> None:
        records, total = self.seeder.records, self.seeder.messages_count
        if not records or not total:
            return
        rng = self.rng
        weights = [rng.lognormvariate(0, 1) * ((record.ended - record.opened).days + 30) for record in records]
        for index, record in enumerate(records):
            if record.ended >= self.today:  # open sites: followed more closely
                weights[index] *= 2
        counts = Counter(rng.choices(range(len(records)), weights=weights, k=total))
        targeted = [True] * round(total * TARGETED_SHARE) + [False] * (total - round(total * TARGETED_SHARE))
        rng.shuffle(targeted)
        flags = iter(targeted)
        batch: list[dict[str, Any]] = []
        for index, record in enumerate(records):
            for _ in range(counts[index]):
                batch.append(self._plan(record, next(flags)))
                if len(batch) >= BULK_SIZE:
                    self._write(batch)
                    batch = []
        if batch:
            self._write(batch)

    def _plan(self, record: _SiteRecord, targeted: bool) -> dict[str, Any]:
        rng, accounts = self.rng, self.accounts
        span = max(60, int((record.ended - record.opened).total_seconds()))
        created = record.opened + datetime.timedelta(seconds=rng.randint(60, span))
        created = min(created, record.ended)
        actors = [each for each in record.actors if each.is_active]
        if actors and rng.random() < 0.5:
            author = rng.choice(actors)
        else:
            author = rng.choice(accounts.writers[record.code])
        health = rng.random() < HEALTH_SHARE
        entry = JournalEntry(
            site_id=record.pk,
            author=author,
            kind=EntryKind.HEALTH if health else EntryKind.MESSAGE,
            body=_message_body(rng, health),
            audience=Audience.PUBLIC,
            is_public=True,
            created_at=created,
        )
        if health:
            entry.health_date = max(
                record.opened.date(), (created - datetime.timedelta(days=rng.randint(0, 5))).date()
            )
            entry.health_interventions = rng.sample(list(HealthIntervention.values), rng.randint(1, 3))
        target_organizations: list[Organization] = []
        target_users: list[User] = []
        if targeted:
            entry.is_public = False
            prefecture_ddets = accounts.prefecture_ddets[record.code]
            if rng.random() < 0.5 and prefecture_ddets:
                entry.audience = Audience.PREFECTURE_DDETS
                target_organizations = list(prefecture_ddets)
            else:
                entry.audience = Audience.CUSTOM
                organizations = accounts.organizations[record.code]
                if rng.random() < 0.6:
                    target_organizations = rng.sample(organizations, min(len(organizations), rng.randint(1, 2)))
                members = [each for each in accounts.members[record.code] if each is not author]
                if not target_organizations or rng.random() < 0.5:
                    target_users = rng.sample(members, min(len(members), rng.randint(1, 3)))
        if rng.random() < DELETED_SHARE:
            entry.deleted_at = created + datetime.timedelta(hours=rng.randint(1, 72))
            entry.deleted_by = author
            entry.deletion_reason = "Message publié sur le mauvais site."
        tags = rng.sample(self.tags, min(len(self.tags), rng.randint(1, 2))) if rng.random() < TAGGED_SHARE else []
        attachments = []
        if rng.random() < ATTACHED_SHARE:
            for _ in range(rng.randint(1, 2)):
                name, content_type, extension = rng.choice(_ATTACHMENTS)
                key = uuid.UUID(int=rng.getrandbits(128), version=4)
                attachments.append(
                    Attachment(
                        uuid=key,
                        file=f"journal/seed-scale/{key.hex}.{extension}",
                        original_name=name,
                        size=rng.randint(20_000, 4_000_000),
                        content_type=content_type,
                        created_at=created,
                    )
                )
        recipients: list[User] = []
        if entry.deleted_at is None and created >= self.notified_since:
            recipients = self._recipients(record, entry, author, target_organizations, target_users)
        return {
            "entry": entry,
            "record": record,
            "tags": tags,
            "organizations": target_organizations,
            "users": target_users,
            "attachments": attachments,
            "recipients": recipients,
        }

    def _recipients(self, record, entry, author, organizations, users) -> list[User]:
        """Who was told, among the people who may read the message: for a public one, the site's actors, a few
        members of the département's organisations and the local bench account when it is his département; for a
        targeted one, its people and a few members of its organisations."""
        rng, accounts = self.rng, self.accounts
        if entry.is_public:
            chosen = list(record.actors)
            members = accounts.members[record.code]
            chosen += rng.sample(members, min(len(members), NOTIFIED_MEMBERS))
            if record.code == self.local_code:
                chosen.append(accounts.local_user)
        else:
            chosen = list(users)
            for organization in organizations:
                members = accounts.organization_members.get(organization.pk, [])
                chosen += rng.sample(members, min(len(members), NOTIFIED_MEMBERS))
        unique = {each.pk: each for each in chosen if each.is_active and each.pk != author.pk}
        return [unique[pk] for pk in sorted(unique)]

    def _write(self, batch: list[dict[str, Any]]) -> None:
        rng = self.rng
        entries = [plan["entry"] for plan in batch]
        JournalEntry.objects.bulk_create(entries, batch_size=BULK_SIZE)
        tag_rows, organization_rows, user_rows, attachments = [], [], [], []
        for plan in batch:
            entry = plan["entry"]
            tag_rows += [JournalEntry.tags.through(journalentry_id=entry.pk, tag_id=tag) for tag in plan["tags"]]
            organization_rows += [
                JournalEntry.target_organizations.through(journalentry_id=entry.pk, organization_id=each.pk)
                for each in plan["organizations"]
            ]
            user_rows += [
                JournalEntry.target_users.through(journalentry_id=entry.pk, user_id=each.pk) for each in plan["users"]
            ]
            for attachment in plan["attachments"]:
                attachment.entry = entry
                attachments.append(attachment)
        for model, rows in (
            (JournalEntry.tags.through, tag_rows),
            (JournalEntry.target_organizations.through, organization_rows),
            (JournalEntry.target_users.through, user_rows),
            (Attachment, attachments),
        ):
            model.objects.bulk_create(rows, batch_size=BULK_SIZE)

        notified = [plan for plan in batch if plan["recipients"]]
        events = []
        for plan in notified:
            entry = plan["entry"]
            plan["told_at"] = entry.created_at + datetime.timedelta(minutes=rng.randint(1, 5))
            events.append(
                NotificationEvent(
                    kind=JOURNAL_EVENT_KIND,
                    object_id=entry.pk,
                    actor=entry.author,
                    created_at=entry.created_at,
                    fanned_out_at=plan["told_at"],
                    commune_id=plan["record"].commune_id,
                    departement_id=plan["record"].code,
                    site_id=entry.site_id,
                    is_public=entry.is_public,
                )
            )
        NotificationEvent.objects.bulk_create(events, batch_size=BULK_SIZE)
        notifications, deliveries, emails = [], [], []
        for plan, event in zip(notified, events, strict=True):
            entry, record, told_at = plan["entry"], plan["record"], plan["told_at"]
            text = _notification_text(entry, record)
            url = reverse("journal:journal", kwargs={"site_id": record.pk})
            url += ("?onglet=sanitaire" if entry.kind == EntryKind.HEALTH else "") + f"#message-{entry.pk}"
            age = (self.today - told_at).days
            for user in plan["recipients"]:
                read = rng.random() < (READ_SHARE_OLD if age > 30 else READ_SHARE_RECENT)
                notifications.append(
                    Notification(
                        user=user,
                        event=event,
                        text=text,
                        url=url,
                        created_at=told_at,
                        read_at=told_at + datetime.timedelta(hours=rng.randint(1, 240)) if read else None,
                    )
                )
                self.report.unread += not read
                opted_out = rng.random() < OPTED_OUT_SHARE
                email = None
                if not opted_out:
                    email = OutgoingEmail(
                        template=JournalMessagePosted.email_template,
                        to=[user.email],
                        subject=f"Nouveau message dans le journal du site {record.label}"[:300],
                        body_text=text,
                        status=EmailStatus.SENT,
                        attempts=1,
                        created_at=told_at,
                        next_attempt_at=told_at,
                        sent_at=told_at,
                    )
                    emails.append(email)
                deliveries.append(
                    Delivery(event=event, user=user, email=email, email_opted_out=opted_out, created_at=told_at)
                )
        Notification.objects.bulk_create(notifications, batch_size=BULK_SIZE)
        OutgoingEmail.objects.bulk_create(emails, batch_size=BULK_SIZE)
        Delivery.objects.bulk_create(deliveries, batch_size=BULK_SIZE)

        self.report.messages += len(entries)
        self.report.targeted += sum(1 for entry in entries if not entry.is_public)
        self.report.attachments += len(attachments)
        self.report.notifications += len(notifications)
        self.report.emails += len(emails)


# ---------------------------------------------------------------------------------------------------------------------
# Actions: pilots, operators, concerned sites, finances and indicators, and their versions
# ---------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ActionPlace:
    """What an action needs of a seeded site: where it is, and when it was there."""

    pk: int
    commune_id: str
    commune_name: str
    latitude: float | None
    longitude: float | None
    opened: datetime.date
    closed: datetime.date | None


class _Actions:
    """Writes `count` actions over the départements of the seeded sites, in proportion to their sites. Everything is
    read back from the seeded rows (sites and accounts in primary-key order), so that the same actions can be added
    to a data set seeded before them (`seed_actions`), and drawn from a stream of their own.

    Each action has 1 to 3 topics, 1 to 3 pilots (`PILOT_TYPES`) and 1 to 3 operators (`OPERATOR_TYPES`): active
    members of its département, stored with their organisation; on site (most of them), 1 to 5 sites of its
    département that existed during the action (the services refuse « sur site » without a site); the first pilot
    created it. `FINISHED_ACTIONS_SHARE` ended before `today`, `FINANCED_ACTIONS_SHARE` have 1 to 3 lines of
    finances for each of their years up to this one, `MEASURED_ACTIONS_SHARE` their indicators for those years
    (the common counts and the sections of their topics, within every bound of §E.2). The versions are those the
    services write: the creation with its pilots, operators and sites, then one version per year of finances
    (entered by a pilot early that year) and per year of indicators (by a pilot or an operator after the reminder of
    15 December), each with the rows it wrote."""

    def __init__(self, *, count: int, seed: int, today: datetime.date, years: int, report: SeedReport):
        self.count = count
        self.today = today
        self.first_day = today - datetime.timedelta(days=365 * years)
        self.rng = random.Random(f"{seed}-actions")
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.report = report

    def run(self) -> None:
        if self.count <= 0:
            return
        places = self._places()
        pilots, operators = self._people()
        codes = sorted(code for code in places if pilots.get(code) and operators.get(code))
        counts = _apportion(self.count, [len(places[code]) for code in codes])
        total = sum(counts)
        finished, financed, measured = (
            iter(self._flags(total, share))
            for share in (FINISHED_ACTIONS_SHARE, FINANCED_ACTIONS_SHARE, MEASURED_ACTIONS_SHARE)
        )
        batch: list[dict[str, Any]] = []
        for code, count in zip(codes, counts, strict=True):
            for _ in range(count):
                batch.append(
                    self._plan(
                        code,
                        places[code],
                        pilots[code],
                        operators[code],
                        finished=next(finished),
                        financed=next(financed),
                        measured=next(measured),
                    )
                )
                if len(batch) >= BATCH_SIZE:
                    self._write(batch)
                    batch = []
        if batch:
            self._write(batch)

    def _flags(self, total: int, share: float) -> list[bool]:
        flags = [True] * round(total * share) + [False] * (total - round(total * share))
        self.rng.shuffle(flags)
        return flags

    def _places(self) -> dict[str, list[_ActionPlace]]:
        places: dict[str, list[_ActionPlace]] = defaultdict(list)
        rows = seeded_sites().values_list(
            "commune__departement_id",
            "pk",
            "commune_id",
            "commune__name",
            "latitude",
            "longitude",
            "declared_at",
            "closed_at",
        )
        for code, *row in rows.order_by("pk"):
            places[code].append(_ActionPlace(*row))
        return dict(places)

    def _people(self) -> tuple[dict[str, list[tuple[int, int]]], dict[str, list[tuple[int, int]]]]:
        """Per département, the active seeded accounts (user, organisation) who may pilot, and who may operate."""
        pilots: dict[str, list[tuple[int, int]]] = defaultdict(list)
        operators: dict[str, list[tuple[int, int]]] = defaultdict(list)
        rows = User.objects.filter(
            email__endswith=f"@{SEED_DOMAIN}",
            status=UserStatus.ACTIVE,
            organization__active=True,
            organization__departement__isnull=False,
        ).values_list("pk", "organization_id", "organization__type__uid", "organization__departement_id")
        for user_id, organization_id, kind, code in rows.order_by("pk"):
            if kind in PILOT_TYPES:
                pilots[code].append((user_id, organization_id))
            if kind in OPERATOR_TYPES:
                operators[code].append((user_id, organization_id))
        return dict(pilots), dict(operators)

    # One action ----------------------------------------------------------------------------------------------------

    def _plan(
        self,
        code: str,
        places: list[_ActionPlace],
        pilot_pool: list[tuple[int, int]],
        operator_pool: list[tuple[int, int]],
        *,
        finished: bool,
        financed: bool,
        measured: bool,
    ) -> dict[str, Any]:
        rng, today = self.rng, self.today
        yesterday = today - datetime.timedelta(days=1)
        span = (today - self.first_day).days
        if finished:
            started = self.first_day + datetime.timedelta(days=rng.randint(0, span - 60))
            lasted = rng.randint(30, min((yesterday - started).days, 3 * 365))
            ended = started + datetime.timedelta(days=lasted)
        else:  # started within the last three years; most have no end date yet
            started = today - datetime.timedelta(days=rng.randint(1, min(span, 3 * 365)))
            ended = None if rng.random() < 0.6 else today + datetime.timedelta(days=rng.randint(0, 2 * 365))
        topics = set(rng.sample(list(Topic), rng.choices((1, 2, 3), weights=(45, 35, 20))[0]))
        topics_in_order = [topic for topic in Topic if topic in topics]
        location = rng.choices(list(_ACTION_LOCATIONS), weights=list(_ACTION_LOCATIONS.values()))[0]

        sites: list[_ActionPlace] = []
        if location == LocationType.SUR_SITE:
            until = ended or today
            alive = [
                each for each in places if each.opened <= until and (each.closed is None or each.closed >= started)
            ]
            pool = alive or places
            sites = rng.sample(pool, min(len(pool), rng.randint(1, MAX_ACTION_SITES)))
            place = sites[0]
        else:
            place = rng.choice(places)
        action = Action(
            name=f"{rng.choice(_ACTION_NAMES[rng.choice(topics_in_order)])} — {place.commune_name}"[:255],
            started_at=started,
            ended_at=ended,
            goals=" ".join(_ACTION_GOALS[topic] for topic in topics_in_order),
            departement_id=code,
            location_type=location,
            **{field: topic in topics for topic, field in TOPIC_FIELDS.items()},
        )
        if location == LocationType.ETI:
            action.location_eti = f"{rng.randint(1, 120)} {rng.choice(_STREET_KINDS)} {rng.choice(_STREET_NAMES)}"
            action.location_eti_commune_id = place.commune_id
            if place.latitude is not None and place.longitude is not None and rng.random() < 0.5:
                action.location_eti_latitude = round(max(-90.0, min(90.0, place.latitude + rng.gauss(0, 0.01))), 5)
                action.location_eti_longitude = round(max(-180.0, min(180.0, place.longitude + rng.gauss(0, 0.01))), 5)
        elif location == LocationType.AUTRE:
            action.location_autre = rng.choice(_OTHER_PLACES)

        pilots = rng.sample(pilot_pool, min(len(pilot_pool), rng.randint(1, MAX_ACTION_MEMBERS)))
        others = [each for each in operator_pool if each not in pilots] or operator_pool
        operators = rng.sample(others, min(len(others), rng.randint(1, MAX_ACTION_MEMBERS)))

        # The versions: the creation (around the start), then finances and indicators year by year.
        last_year = ended.year if ended else max(today.year, started.year)
        years = [year for year in range(started.year, last_year + 1) if year <= today.year]
        created = min(max(started - datetime.timedelta(days=rng.randint(0, 20)), self.first_day), yesterday)
        events: list[tuple[datetime.date, str, int]] = []
        for kind, first, within in (("finances", (1, 15), 120), ("metrics", (12, 15), 45)):
            for year in years if (financed if kind == "finances" else measured) else []:
                day = datetime.date(year, *first) + datetime.timedelta(days=rng.randint(0, within))
                if day > yesterday:  # not yet: entered lately
                    day = yesterday - datetime.timedelta(days=rng.randint(0, 30))
                events.append((max(day, created), kind, year))
        events.sort()
        moments = self._moments([created, *(day for day, _, _ in events)])
        members = [user_id for user_id, _ in pilots + operators]
        versions = []
        for (_, kind, year), moment in zip(events, moments[1:], strict=True):
            if kind == "finances":  # only pilots (and admins) may enter them
                versions.append((moment, rng.choice(pilots)[0], kind, self._finances(year, finished)))
            else:
                versions.append((moment, rng.choice(members), kind, _metrics(rng, year, topics)))

        action.created_at = moments[0]
        action.created_by_id = pilots[0][0]
        action.version = 1 + len(versions)
        action.updated_at = versions[-1][0] if versions else moments[0]
        action.updated_by_id = versions[-1][1] if versions else pilots[0][0]
        return {
            "action": action,
            "pilots": pilots,
            "operators": operators,
            "sites": [each.pk for each in sites],
            "versions": versions,
        }

    def _moments(self, days: list[datetime.date]) -> list[datetime.datetime]:
        """One strictly increasing moment per day (sorted), each during office hours."""
        moments: list[datetime.datetime] = []
        for day in days:
            moment = datetime.datetime.combine(day, datetime.time(9), tzinfo=self.tz) + datetime.timedelta(
                minutes=self.rng.randint(0, 480)
            )
            if moments and moment <= moments[-1]:
                moment = moments[-1] + datetime.timedelta(minutes=1)
            moments.append(moment)
        return moments

    def _finances(self, year: int, finished: bool) -> list[dict[str, Any]]:
        """1 to 3 lines of the year, of different types; past years mostly spent, this year's partly."""
        rng = self.rng
        rows = []
        for finance_type in rng.sample(list(FinanceType), rng.choices((1, 2, 3), weights=(50, 35, 15))[0]):
            amount = rng.randint(4, 600) * 500
            spent = rng.randint(50, 100) if finished or year < self.today.year else rng.randint(0, 80)
            rows.append(
                {
                    "year": year,
                    "finance_type": finance_type,
                    "amount": Decimal(amount),
                    "real_amount": Decimal(amount * spent // 100),
                    "comments": rng.choice(_FINANCE_COMMENTS) if rng.random() < 0.3 else "",
                }
            )
        return rows

    # Writing -------------------------------------------------------------------------------------------------------

    def _write(self, batch: list[dict[str, Any]]) -> None:
        actions = [plan["action"] for plan in batch]
        Action.objects.bulk_create(actions, batch_size=BATCH_SIZE)
        historical_action = Action.history.model
        action_versions = []
        rows: dict[type, list] = defaultdict(list)  # model → its rows
        row_versions: list[tuple[Any, datetime.datetime, int]] = []  # (row, moment, author) once the rows have a pk
        for action, plan in zip(actions, batch, strict=True):
            created, author = action.created_at, action.created_by_id
            state = {each.attname: getattr(action, each.attname) for each in Action._meta.concrete_fields}
            changes = [(created, author, "+")] + [(moment, who, "~") for moment, who, _, _ in plan["versions"]]
            for number, (moment, who, history_type) in enumerate(changes, start=1):
                action_versions.append(
                    historical_action(
                        **state | {"version": number, "updated_at": moment, "updated_by_id": who},
                        history_date=moment,
                        history_type=history_type,
                        history_user_id=who,
                    )
                )
            new_rows = [
                *(ActionManager(action=action, user_id=user, organization_id=org) for user, org in plan["pilots"]),
                *(ActionOperator(action=action, user_id=user, organization_id=org) for user, org in plan["operators"]),
                *(ActionSite(action=action, site_id=site) for site in plan["sites"]),
            ]
            row_versions += [(row, created, author) for row in new_rows]
            for moment, who, kind, values in plan["versions"]:
                written = (
                    [ActionFinance(action=action, **each) for each in values]
                    if kind == "finances"
                    else [ActionMetrics(action=action, **values)]
                )
                new_rows += written
                row_versions += [(row, moment, who) for row in written]
            for row in new_rows:
                rows[type(row)].append(row)
        historical_action.objects.bulk_create(action_versions, batch_size=BULK_SIZE)
        for model, objs in rows.items():
            model.objects.bulk_create(objs, batch_size=BULK_SIZE)
        versions: dict[type, list] = defaultdict(list)
        for row, moment, who in row_versions:
            versions[type(row)].append(_history_row(row, moment, who))
        for model, objs in versions.items():
            model.history.model.objects.bulk_create(objs, batch_size=BULK_SIZE)

        today = self.today
        self.report.actions += len(actions)
        self.report.finished_actions += sum(1 for each in actions if each.ended_at and each.ended_at < today)
        self.report.action_finances += len(rows[ActionFinance])
        self.report.action_metrics += len(rows[ActionMetrics])


# ---------------------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------------------


def _apportion(total: int, weights: Sequence[float]) -> list[int]:
    """`total` split in proportion to `weights`, in whole numbers that add up to `total` (largest remainders first,
    ties in order)."""
    if not weights:
        return []
    whole = sum(weights)
    if total <= 0 or whole <= 0:
        return [0] * len(weights)
    exact = [total * weight / whole for weight in weights]
    shares = [int(each) for each in exact]
    by_remainder = sorted(range(len(weights)), key=lambda index: (shares[index] - exact[index], index))
    for index in by_remainder[: total - sum(shares)]:
        shares[index] += 1
    return shares


def _metrics(rng: random.Random, year: int, topics: set[Topic]) -> dict[str, Any]:
    """The indicators of a year (§E.2): the common counts and those of the action's topics, each within its bounds
    (households, women and minors among the people; the people of each topic among them; women at work among both
    the people at work and the women; the children's ages and schooling among the minors). A few are left empty."""
    people = rng.randint(5, 150)
    households = rng.randint(1, max(1, people // 3))
    women = rng.randint(people // 4, people // 2)
    minors = rng.randint(0, people // 2)
    values: dict[str, Any] = {
        "year": year,
        "nombre_personnes": people,
        "nombre_menages": households,
        "nombre_femmes": women,
        "nombre_mineurs": minors,
    }
    if Topic.HEALTH in topics:
        values["sante_nombre_personnes"] = rng.randint(0, people)
    if Topic.WORK in topics:
        workers = rng.randint(0, (people - minors) // 2)
        values.update(travail_nombre_personnes=workers, travail_nombre_femmes=rng.randint(0, min(workers, women)))
    if Topic.HOUSING in topics:
        for prefix in ("hebergement", "logement"):
            housed = rng.randint(0, households // 2)
            values[f"{prefix}_nombre_menages"] = housed
            values[f"{prefix}_nombre_personnes"] = min(people, housed * rng.randint(1, 5))
    if Topic.SCHOOL in topics:
        under_three = rng.randint(0, minors // 4)
        over_three = rng.randint(0, minors - under_three)
        values.update(
            scolaire_mineurs_moins_de_trois_ans=under_three,
            scolaire_mineurs_trois_ans_et_plus=over_three,
            scolaire_mediation_moins_de_trois_ans=rng.randint(0, under_three),
            scolaire_mediation_trois_ans_et_plus=rng.randint(0, over_three),
            scolaire_mineur_scolarise_dans_annee=rng.randint(0, over_three),
        )
        left = rng.randint(0, over_three)  # schooled, spread over the levels
        for level in ("maternelle", "elementaire", "college", "lycee", "autre"):
            values[f"scolaire_nombre_{level}"] = share = rng.randint(0, left)
            left -= share
    # An empty count bounds nothing and adds nothing: leaving one empty keeps every bound.
    for name in list(values):
        if name not in ("year", "nombre_personnes") and rng.random() < 0.1:
            values[name] = None
    return values


def _message_body(rng: random.Random, health: bool) -> str:
    sentences = [rng.choice(_MESSAGE_OPENINGS), *rng.sample(_MESSAGE_FACTS, 2 if health else rng.randint(1, 3))]
    if rng.random() < 0.6:
        sentences.append(rng.choice(_MESSAGE_NEXT_STEPS))
    return " ".join(sentences)


def _notification_text(entry: JournalEntry, record: _SiteRecord) -> str:
    """The text of `notifications/texts/journal_message_posted.txt` for this entry (written here rather than
    rendered: one template rendering per event would double the journal's seeding time)."""
    author = entry.author
    if entry.kind == EntryKind.HEALTH:
        what = "un suivi sanitaire"
    else:
        what = "un message" if entry.is_public else "un message ciblé"
    return (
        f"{author.full_name} ({author.organization.name}) a publié {what} dans le journal du site {record.label}, "
        f"à {record.commune_name} ({record.code})."
    )[:500]


def _site_events(versions: list, sites: list[Site]) -> list[NotificationEvent]:
    """The activity feed's events of the sites' versions, as the services record them (notifications/receivers.py):
    declared, updated (open data changed), closed — already fanned out, at the version's time, in the site's commune
    and département."""
    departements = dict(
        Commune.objects.filter(pk__in={site.commune_id for site in sites}).values_list("pk", "departement")
    )
    closed = {site.pk for site in sites if site.status == SiteStatus.CLOSED}
    last = {version.id: version for version in versions}  # a site's latest version: its closing when it is closed
    events = []
    for version in versions:
        if version.history_type == "+":
            kind, object_id, changed = SITE_DECLARED_KIND, version.id, False
        elif version.id in closed and last[version.id] is version:
            kind, object_id, changed = SITE_CLOSED_KIND, version.id, False
        else:
            kind, object_id, changed = SITE_UPDATED_KIND, version.history_id, True
        events.append(
            NotificationEvent(
                kind=kind,
                object_id=object_id,
                actor_id=version.history_user_id,
                created_at=version.history_date,
                fanned_out_at=version.history_date,
                commune_id=version.commune_id,
                departement_id=departements[version.commune_id],
                site_id=version.id,
                changed_open_data=changed,
            )
        )
    return events


def _history_row(row, moment: datetime.datetime, author_id: int, history_type: str = "+", **changed):
    """A version of `row` as django-simple-history writes it (`changed`: fields whose value in that version differs
    from the row's)."""
    history = type(row).history.model
    values = {each.attname: getattr(row, each.attname) for each in type(row)._meta.concrete_fields}
    return history(**values | changed, history_date=moment, history_type=history_type, history_user_id=author_id)


def _site_name(rng: random.Random) -> str:
    return f"{rng.choice(_SITE_KINDS)} {rng.choice(_SITE_PLACES)}"[:NAME_MAX_LENGTH]


def _population(rng: random.Random, field_type: str, total: int | None = None) -> dict[str, Any]:
    """Population counts that satisfy every constraint: sub-counts within the total, age brackets within the minors,
    girls and schooled children within the minors. A few sites have no count at all (« inconnu »)."""
    counts: dict[str, Any] = dict.fromkeys(
        [
            "population_total",
            "population_total_females",
            "population_couples",
            "population_minors",
            "population_minors_girls",
            "population_minors_0_3",
            "population_minors_3_6",
            "population_minors_6_12",
            "population_minors_12_16",
            "population_minors_16_18",
            "minors_in_school",
            "caravans",
            "huts",
            "tents",
            "cars",
            "mattresses",
        ]
    )
    if total is None:
        if rng.random() < 0.04:
            return counts
        total = max(5, min(300, round(rng.lognormvariate(3.3, 0.8))))
    households = max(1, min(total, round(total / rng.uniform(2.5, 4.5))))
    minors = min(total, round(total * rng.uniform(0.2, 0.5)))
    counts.update(population_total=total, population_couples=households, population_minors=minors)
    if rng.random() < 0.6:
        counts["population_total_females"] = min(total, round(total * rng.uniform(0.4, 0.55)))
    if minors and rng.random() < 0.5:
        counts["population_minors_girls"] = round(minors * rng.uniform(0.4, 0.6))
        counts["minors_in_school"] = round(minors * rng.uniform(0.2, 0.8))
        left = minors
        for bracket in ("0_3", "3_6", "6_12", "12_16", "16_18"):
            share = rng.randint(0, left // 2) if left else 0
            counts[f"population_minors_{bracket}"] = share
            left -= share
    if field_type == FieldType.BUILDING:
        counts["mattresses"] = max(1, total // 2)
    else:
        counts["caravans"] = rng.randint(0, max(1, total // 4))
        counts["huts"] = rng.randint(0, max(1, total // 5))
        if rng.random() < 0.3:
            counts["tents"] = rng.randint(1, max(1, total // 8))
    return counts


def _survey(state: dict[str, Any], section: str, rng: random.Random, weights: dict[str, int]) -> None:
    """Answers one living-condition section anew, from one of the demo profiles (or leaves it unanswered)."""
    variant = rng.choices(list(weights), weights=list(weights.values()))[0]
    for name in _SECTION_FIELDS[section]:
        state[name] = _DEFAULTS[name]
    state.update(_SECTION_VARIANTS[section][variant])


def _procedure_step(state: dict[str, Any], track: str, day: datetime.date, rng: random.Random) -> None:
    """Moves a procedure one step on. Dates are the day of the version, never before the installation."""
    if track == "complaint":
        if not state["justice_procedure"]:
            state.update(owner_complaint=True, justice_procedure=True)
        elif not state["justice_rendered"]:
            state.update(
                justice_rendered=True,
                justice_rendered_by=rng.choice(_JUDGES),
                justice_rendered_at=day,
                justice_challenged=False,
                police_status=PoliceStatus.REQUESTED,
                police_requested_at=day,
            )
    elif track == "order":
        if not state["evacuation_under_time_limit"]:
            state.update(
                evacuation_under_time_limit=True,
                administrative_order_decision_at=day,
                administrative_order_decision_rendered_by="Préfecture",
                police_status=PoliceStatus.REQUESTED,
                police_requested_at=day,
            )
        elif state["police_status"] == PoliceStatus.REQUESTED:
            state.update(police_status=PoliceStatus.GRANTED, police_granted_at=day, existing_litigation=False)
    elif not state["insalubrity_order"]:
        state.update(
            insalubrity_order=True,
            insalubrity_order_displayed=True,
            insalubrity_order_type="Arrêté de mise en sécurité",
            insalubrity_order_by="Mairie",
            insalubrity_order_at=day,
            police_status=PoliceStatus.NONE,
        )
