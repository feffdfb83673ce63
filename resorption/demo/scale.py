"""National-scale data for the benchmarks (issue 4, item 11): what `manage.py seed_scale` writes.

The data set is deterministic: one `random.Random(seed)` draws everything, in a fixed order, from dates anchored on
`today`; the same arguments give the same sites, versions, owners and actors (primary keys aside). It is shaped like
the platform's national picture:

- 20 départements hold 80 % of the sites (Île-de-France, the large metropolises, Mayotte, Guyane: `HOTSPOTS`), the
  other départements share the rest; within a département, sites go to its most populated communes.
- 5 to 300 people per site (a few unknown), with sub-counts that satisfy every check constraint of `Site`.
- Open and closed sites declared over `years` years; closed ones with a date, a cause, « résorbé ? » and, for most,
  the orientations of their households.
- 5 to 8 versions per site, each a plausible change (population counted again, a living-condition section surveyed,
  census scheduled then done, a procedure that moves on, « mise à jour sans modification »), by users of the
  département, with increasing dates. Written straight into django-simple-history's tables, since `bulk_create`
  sends no signal.
- Owners on a third of the sites, site actors on some open ones, one State service and one association per
  département with their users.

Seeded rows are recognised by their users: every seeded account has an `@seed-scale.test` address and every seeded
site was declared by one of them. `delete_seeded()` removes exactly that.
"""

import datetime
import random
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import F, Subquery
from django.test.utils import override_settings

from resorption.accounts.enums import AdminRole, AreaType, Role, UserStatus
from resorption.accounts.models import Charter, InterventionArea, Organization, OrganizationType, User
from resorption.core.text import normalize_search
from resorption.demo import sites as demo_sites
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
MIN_VERSIONS = 5
MAX_VERSIONS = 8
OPERATORS_PER_DEPARTEMENT = 3

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
    departements: int = 0
    dense_share: float = 0.0
    seconds: float = 0.0


@dataclass
class _Place:
    commune: Commune
    latitude: float
    longitude: float


@dataclass
class _Accounts:
    national_admin: User
    # département code → the users who declare and update its sites, and the operators who may act on them
    authors: dict[str, list[User]] = field(default_factory=dict)
    operators: dict[str, list[User]] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------------------------------
# Public entry points
# ---------------------------------------------------------------------------------------------------------------------


def is_seeded() -> bool:
    return User.objects.filter(email__endswith=f"@{SEED_DOMAIN}").exists()


def seeded_sites():
    return Site.objects.filter(created_by__email__endswith=f"@{SEED_DOMAIN}")


@transaction.atomic
def delete_seeded() -> int:
    """Removes every seeded row (sites with their versions, owners, orientations and actors, then accounts and their
    organisations); returns the number of sites removed. Rows that are not seeded are left alone."""
    site_ids = seeded_sites().values("pk")
    count = seeded_sites().count()
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


def seed(*, open_count: int, closed_count: int, years: int, seed: int, today: datetime.date) -> SeedReport:
    """Writes the data set in one transaction; returns what it wrote and how long it took."""
    started = time.monotonic()
    with transaction.atomic():
        report = _Seeder(open_count=open_count, closed_count=closed_count, years=years, seed=seed, today=today).run()
    report.seconds = time.monotonic() - started
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
    def __init__(self, *, open_count: int, closed_count: int, years: int, seed: int, today: datetime.date):
        self.open_count = open_count
        self.closed_count = closed_count
        self.years = years
        self.today = today
        self.rng = random.Random(seed)
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.report = SeedReport()

    def run(self) -> SeedReport:
        places = self._places()
        total = self.open_count + self.closed_count
        departement_of_site = spread_departements(sorted(places), total, self.rng)
        accounts = self._accounts(sorted(set(departement_of_site)), dense=dense_departements(sorted(places)))
        statuses = [SiteStatus.OPEN] * self.open_count + [SiteStatus.CLOSED] * self.closed_count
        self.rng.shuffle(statuses)

        for start in range(0, total, BATCH_SIZE):
            batch = [
                self._site_plan(status, places[code], accounts, code)
                for status, code in zip(
                    statuses[start : start + BATCH_SIZE], departement_of_site[start : start + BATCH_SIZE], strict=True
                )
            ]
            self._write(batch)

        counts = Counter(departement_of_site)
        top = sum(count for _, count in counts.most_common(DENSE_COUNT))
        self.report.departements = len(counts)
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

    def _accounts(self, codes: list[str], *, dense: list[str]) -> _Accounts:
        """A national admin; per département a State service (a correspondent) and an association (operators)."""
        password = make_password(SEED_PASSWORD, salt=_PASSWORD_SALT)
        charter_version = Charter.objects.order_by("-version").values_list("version", flat=True).first()
        types = {each.uid: each for each in OrganizationType.objects.all()}
        departements = Departement.objects.in_bulk(codes)
        now = datetime.datetime.combine(self.today, datetime.time(8), tzinfo=self.tz)

        organizations = [
            Organization(
                name="Délégation nationale (données de charge)",
                type=types["delegation_interministerielle"],
                active=True,
                area_type=AreaType.NATION,
            )
        ]
        for code in codes:
            for uid, label in (("ddets", "DDETS"), ("association", "Association d'intervention")):
                organizations.append(
                    Organization(
                        name=f"{label} {departements[code].name} (données de charge)",
                        type=types[uid],
                        active=True,
                        area_type=AreaType.DEPARTEMENT,
                        departement=departements[code],
                    )
                )
        for organization in organizations:
            organization.search_name = normalize_search(organization.name)
        Organization.objects.bulk_create(organizations)
        InterventionArea.objects.bulk_create(
            InterventionArea(
                organization=organization,
                area_type=organization.area_type,
                departement=organization.departement,
                is_main_area=True,
            )
            for organization in organizations
        )

        def user(email: str, organization: Organization, role: str, first: str, last: str, **extra) -> User:
            return User(
                email=email,
                first_name=first,
                last_name=last,
                position="Compte de test de charge",
                organization=organization,
                status=UserStatus.ACTIVE,
                role=role,
                password=password,
                charter_version_accepted=charter_version,
                charter_accepted_at=now if charter_version else None,
                created_at=now,
                **extra,
            )

        national_admin = user(
            NATIONAL_ADMIN_EMAIL,
            organizations[0],
            Role.NATIONAL_ESTABLISHMENT,
            "Nadia",
            "Charge",
            admin_role=AdminRole.NATIONAL_ADMIN,
        )
        users = [national_admin]
        accounts = _Accounts(national_admin=national_admin)
        local_code = dense[0] if dense and dense[0] in codes else codes[0]
        for index, code in enumerate(codes):
            service, association = organizations[1 + 2 * index], organizations[2 + 2 * index]
            correspondent = user(
                f"correspondant-{code.lower()}@{SEED_DOMAIN}", service, Role.DIRECT_COLLABORATOR, "Claire", f"D{code}"
            )
            operators = [
                user(
                    LOCAL_USER_EMAIL
                    if code == local_code and number == 1
                    else f"operateur-{code.lower()}-{number}@{SEED_DOMAIN}",
                    association,
                    Role.ASSOCIATION,
                    "Inès",
                    f"O{code}-{number}",
                )
                for number in range(1, OPERATORS_PER_DEPARTEMENT + 1)
            ]
            users += [correspondent, *operators]
            accounts.authors[code] = [correspondent, *operators]
            accounts.operators[code] = operators
        User.objects.bulk_create(users)
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
        actors = []
        if status == SiteStatus.OPEN and rng.random() < 0.2:
            for operator in rng.sample(accounts.operators[code], rng.randint(1, 2)):
                actors.append((operator, rng.sample(_ACTOR_THEMES, rng.randint(1, 3))))
        return {
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

    def _write(self, batch: list[dict[str, Any]]) -> None:
        sites = []
        for plan in batch:
            last = plan["states"][-1]
            site = Site(**last)
            site.refresh_living_condition_statuses()
            site.search_text = site_search_text(site.address, site.name)
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
        SiteOwner.objects.bulk_create([owner for owner, _, _ in owners])
        ClosingOrientation.objects.bulk_create([orientation for orientation, _, _ in orientations])
        SiteActor.objects.bulk_create(actors)
        for rows, target in ((owners, owner_versions), (orientations, orientation_versions)):
            for row, moment, author in rows:
                target.append(_history_row(row, moment, author))
        SiteOwner.history.model.objects.bulk_create(owner_versions)
        ClosingOrientation.history.model.objects.bulk_create(orientation_versions)

        for site in sites:
            if site.status == SiteStatus.OPEN:
                self.report.open += 1
            else:
                self.report.closed += 1
        self.report.versions += len(versions)
        self.report.owners += len(owners)
        self.report.orientations += len(orientations)
        self.report.actors += len(actors)


# ---------------------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------------------


def _history_row(row, moment: datetime.datetime, author: User):
    history = type(row).history.model
    values = {each.attname: getattr(row, each.attname) for each in type(row)._meta.concrete_fields}
    return history(**values, history_date=moment, history_type="+", history_user_id=author.pk)


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
