"""The figures of the territorial statistics (issue 12 item 2, reference §H.2), each one read at a date from the site
versions in force then (`settlements.snapshots`): a figure for a past date never moves when a site is edited later.

- `national_tree`: France entière / Métropole / Outre-mer → régions → départements, with open sites and their people
  at two dates, and those whose water access is judged good at the second one.
- `departement_snapshot`: a département at one date: its summary, one row per commune and one per site.
- `departement_evolution`: a département's series between two dates (weekly or monthly points) and the sites closed
  in each period, resorbed or not.

Justice counts (owner complaint, justice procedure, police granted) are computed only when the caller says the
reader has justice access on the département: otherwise they are never counted. Owners are never read here.
"""

import bisect
import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

from resorption.settlements.enums import (
    FieldType,
    LivingConditionSection,
    LivingConditionStatus,
    PoliceStatus,
    SiteStatus,
)
from resorption.settlements.living_conditions import SECTION_RULES, water_status
from resorption.settlements.models import simple_address
from resorption.settlements.snapshots import HistoricalSite, end_of_day, open_at
from resorption.territories.enums import OVERSEAS_REGION_CODES
from resorption.territories.models import Departement

GOOD = LivingConditionStatus.GOOD
SECTIONS: tuple[LivingConditionSection, ...] = tuple(SECTION_RULES)

# What the living-condition rules read from a version (`settlements.living_conditions`): only these columns are
# fetched, so a rule reading another one fails loudly (AttributeError) instead of reading a stale default.
WATER_FIELDS = (
    "water_access_type",
    "water_access_is_public",
    "water_access_is_continuous",
    "water_access_is_local",
    "water_access_is_close",
    "water_access_is_unequal",
    "water_access_has_stagnant_water",
)
LIVING_CONDITION_FIELDS = (
    *WATER_FIELDS,
    "sanitary_open_air_defecation",
    "sanitary_working_toilets",
    "sanitary_toilets_latrines",
    "sanitary_toilets_chemical",
    "sanitary_toilets_dry",
    "sanitary_toilets_flush",
    "sanitary_toilets_are_inside",
    "sanitary_toilets_are_lighted",
    "sanitary_hand_washing",
    "electricity_access",
    "electricity_generator",
    "electricity_urban_network",
    "electricity_building_installation",
    "electricity_access_is_unequal",
    "trash_is_piling",
    "trash_evacuation_is_close",
    "trash_evacuation_is_safe",
    "trash_evacuation_is_regular",
    "trash_bulky_is_piling",
    "pest_animals_presence",
    "fire_prevention_diagnostic",
)
POPULATION_FIELDS = ("population_total", "population_couples", "population_minors", "minors_in_school")
ORIGIN_FIELDS = ("origin_french", "origin_european", "origin_extra_european")
JUSTICE_FIELDS = ("owner_complaint", "justice_procedure", "police_status")
# A site not updated for this long is « non mis à jour depuis plus de 6 mois » (§C.7 « out of date »; the reference
# gives no threshold and says "likely 6 months").
OUT_OF_DATE_MONTHS = 6
# Site size brackets of the evolution (§H.2): fewer than 10 people, 10 to 99, 100 and more.
SMALL_SITE, LARGE_SITE = 10, 100


# ---------------------------------------------------------------------------------------------------------------------
# Shared pieces
# ---------------------------------------------------------------------------------------------------------------------


@dataclass
class Count2:
    """Sites and the people living on them."""

    sites: int = 0
    people: int = 0

    def add(self, sites: int, people: int | None) -> None:
        self.sites += sites
        self.people += people or 0

    def merge(self, other: "Count2") -> None:
        self.add(other.sites, other.people)


def _last_day(year: int, month: int) -> int:
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    return (following - datetime.timedelta(days=1)).day


def shift_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later (or earlier when negative), the month's last day when it has no such day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return datetime.date(year, month + 1, min(day.day, _last_day(year, month + 1)))


def is_european_only(row: Any) -> bool:
    """« Ressortissants européens uniquement » (§C.9): European origin ticked and no other."""
    return bool(row.origin_european and not row.origin_french and not row.origin_extra_european)


def is_extra_european_only(row: Any) -> bool:
    """« Ressortissants extracommunautaires uniquement »: extra-European origin ticked and no other."""
    return bool(row.origin_extra_european and not row.origin_french and not row.origin_european)


# ---------------------------------------------------------------------------------------------------------------------
# National tree
# ---------------------------------------------------------------------------------------------------------------------


class Level:
    NATION = "nation"
    GROUP = "group"  # Métropole, Outre-mer
    REGION = "region"
    DEPARTEMENT = "departement"


@dataclass
class TerritoryRow:
    """A line of the national tree: open sites and people at the first and second date, and at the second date those
    with water access judged good."""

    label: str
    level: str
    code: str = ""
    before: Count2 = field(default_factory=Count2)
    after: Count2 = field(default_factory=Count2)
    water: Count2 = field(default_factory=Count2)

    def merge(self, other: "TerritoryRow") -> None:
        self.before.merge(other.before)
        self.after.merge(other.after)
        self.water.merge(other.water)


def _departement_totals(moment: datetime.datetime, scope: Q) -> tuple[dict[str, Count2], dict[str, Count2]]:
    """Open sites and people per département at the moment, and those whose water access is judged good, in one
    query: the database groups the sites by département and water answers and sums their people, and the rule of
    `water_status` is applied once per group (a few per département), never per site."""
    rows = (
        open_at(moment)
        .filter(scope)
        .order_by()
        .values("commune__departement_id", *WATER_FIELDS)
        .annotate(sites=Count("history_id"), people=Coalesce(Sum("population_total"), 0))
    )
    totals: dict[str, Count2] = defaultdict(Count2)
    water: dict[str, Count2] = defaultdict(Count2)
    for row in rows:
        code = row["commune__departement_id"]
        totals[code].add(row["sites"], row["people"])
        if water_status(SimpleNamespace(**row)) == GOOD:
            water[code].add(row["sites"], row["people"])
    return totals, water


def national_tree(
    *, departements: Sequence[Departement], start: datetime.date, end: datetime.date, national: bool
) -> list[TerritoryRow]:
    """The tree of the national page, in reading order: France entière (for national readers only), Métropole, its
    régions each followed by its départements, Outre-mer and its départements (overseas départements are shown
    without their région, §H.2). Only the given départements (the reader's scope, with their région) are counted."""
    codes = [departement.code for departement in departements]
    scope = Q(commune__departement_id__in=codes)
    before, _ = _departement_totals(end_of_day(start), scope)
    after, water = _departement_totals(end_of_day(end), scope)

    def departement_row(departement: Departement) -> TerritoryRow:
        code = departement.code
        return TerritoryRow(
            label=f"{departement.name} ({code})",
            level=Level.DEPARTEMENT,
            code=code,
            before=before.get(code, Count2()),
            after=after.get(code, Count2()),
            water=water.get(code, Count2()),
        )

    metropole = [d for d in departements if d.region_id not in OVERSEAS_REGION_CODES]
    overseas = [d for d in departements if d.region_id in OVERSEAS_REGION_CODES]
    rows: list[TerritoryRow] = []
    nation = TerritoryRow("France entière", Level.NATION)
    if metropole:
        group = TerritoryRow("Métropole", Level.GROUP)
        children: list[TerritoryRow] = []
        for region, members in _by_region(metropole):
            region_row = TerritoryRow(region.name, Level.REGION, region.code)
            lines = [departement_row(d) for d in members]
            for line in lines:
                region_row.merge(line)
            group.merge(region_row)
            children += [region_row, *lines]
        nation.merge(group)
        rows += [group, *children]
    if overseas:
        group = TerritoryRow("Outre-mer", Level.GROUP)
        lines = [departement_row(d) for d in overseas]
        for line in lines:
            group.merge(line)
        nation.merge(group)
        rows += [group, *lines]
    return [nation, *rows] if national else rows


def _by_region(departements: Iterable[Departement]) -> Iterator[tuple[Any, list[Departement]]]:
    """The départements grouped by région, régions in name order (départements keep their order)."""
    groups: dict[str, list[Departement]] = defaultdict(list)
    regions = {}
    for departement in departements:
        groups[departement.region_id].append(departement)
        regions[departement.region_id] = departement.region
    for code in sorted(groups, key=lambda code: regions[code].name):
        yield regions[code], groups[code]


# ---------------------------------------------------------------------------------------------------------------------
# A département at a date
# ---------------------------------------------------------------------------------------------------------------------


@dataclass
class SiteFigures:
    """One open site of the département at the date, as its version in force then."""

    id: int
    name: str
    commune: str
    field_type: str
    people: int | None
    households: int | None
    minors: int | None
    schooled: int | None
    statuses: dict[LivingConditionSection, LivingConditionStatus]
    heatwave: bool
    origins: str
    out_of_date: bool
    european_only: bool
    # Justice answers, None when the reader has no justice access (never read then).
    owner_complaint: bool | None = None
    justice_procedure: bool | None = None
    police_granted: bool | None = None


@dataclass
class GroupFigures:
    """The counts of a set of open sites: the département's summary, or one commune's line."""

    label: str
    sites: int = 0
    people: int = 0
    households: int = 0
    minors: int = 0
    schooled: int = 0
    european_only: Count2 = field(default_factory=Count2)
    unknown_population: int = 0
    out_of_date: int = 0
    heatwave: int = 0
    good: dict[LivingConditionSection, Count2] = field(default_factory=lambda: {s: Count2() for s in SECTIONS})
    owner_complaint: int | None = None
    justice_procedure: int | None = None
    police_granted: int | None = None

    def add(self, site: SiteFigures) -> None:
        self.sites += 1
        self.people += site.people or 0
        self.households += site.households or 0
        self.minors += site.minors or 0
        self.schooled += site.schooled or 0
        self.unknown_population += site.people is None
        self.out_of_date += site.out_of_date
        self.heatwave += site.heatwave
        if site.european_only:
            self.european_only.add(1, site.people)
        for section, status in site.statuses.items():
            if status == GOOD:
                self.good[section].add(1, site.people)
        if site.owner_complaint is not None or site.justice_procedure is not None or site.police_granted is not None:
            self.owner_complaint = (self.owner_complaint or 0) + bool(site.owner_complaint)
            self.justice_procedure = (self.justice_procedure or 0) + bool(site.justice_procedure)
            self.police_granted = (self.police_granted or 0) + bool(site.police_granted)

    def share_of_sites(self, count: int) -> float | None:
        return round(100 * count / self.sites, 1) if self.sites else None

    def share_of_people(self, count: int) -> float | None:
        return round(100 * count / self.people, 1) if self.people else None


@dataclass
class DepartementSnapshot:
    summary: GroupFigures
    communes: list[GroupFigures]
    sites: list[SiteFigures]
    justice: bool


def _origins_label(row: Any) -> str:
    labels = [
        label
        for ticked, label in (
            (row.origin_french, "Français"),
            (row.origin_european, "Européens"),
            (row.origin_extra_european, "Extracommunautaires"),
        )
        if ticked
    ]
    return ", ".join(labels) or "Inconnu"


def _site_figures(row: Any, *, day: datetime.date, justice: bool) -> SiteFigures:
    statuses = {section: rule(row) for section, rule in SECTION_RULES.items()}
    name = simple_address(row.address)
    figures = SiteFigures(
        id=row.id,
        name=f"{name} « {row.name} »" if row.name else name,
        commune=row.commune__name,
        field_type=FieldType(row.field_type).label if row.field_type in FieldType.values else "Inconnu",
        people=row.population_total,
        households=row.population_couples,
        minors=row.population_minors,
        schooled=row.minors_in_school,
        statuses=statuses,
        heatwave=row.heatwave,
        origins=_origins_label(row),
        out_of_date=row.updated_at < shift_months(day, -OUT_OF_DATE_MONTHS),
        european_only=is_european_only(row),
    )
    if justice:
        figures.owner_complaint = row.owner_complaint is True
        figures.justice_procedure = row.justice_procedure is True
        figures.police_granted = row.police_status == PoliceStatus.GRANTED
    return figures


def departement_snapshot(departement: Departement, *, day: datetime.date, justice: bool) -> DepartementSnapshot:
    """The département's open sites at the end of `day`: its summary (§H.2 « Département metrics »), one line per
    commune (communes in name order) and one per site (by commune, then name). Justice columns only when `justice`."""
    columns = [
        "id",
        "address",
        "name",
        "commune__name",
        "field_type",
        "heatwave",
        "updated_at",
        *POPULATION_FIELDS,
        *ORIGIN_FIELDS,
        *LIVING_CONDITION_FIELDS,
        *(JUSTICE_FIELDS if justice else ()),
    ]
    rows = (
        open_at(end_of_day(day))
        .filter(commune__departement_id=departement.code)
        .order_by("commune__name", "address", "id")
        .values(*columns)
    )
    sites = [_site_figures(SimpleNamespace(**row), day=day, justice=justice) for row in rows]
    summary = GroupFigures(label=f"{departement.name} ({departement.code})")
    communes: dict[str, GroupFigures] = {}
    for site in sites:
        summary.add(site)
        communes.setdefault(site.commune, GroupFigures(label=site.commune)).add(site)
    if justice:
        for group in (summary, *communes.values()):
            group.owner_complaint = group.owner_complaint or 0
            group.justice_procedure = group.justice_procedure or 0
            group.police_granted = group.police_granted or 0
    return DepartementSnapshot(summary=summary, communes=list(communes.values()), sites=sites, justice=justice)


# ---------------------------------------------------------------------------------------------------------------------
# A département's evolution
# ---------------------------------------------------------------------------------------------------------------------


class Step:
    WEEKLY = "semaine"
    MONTHLY = "mois"


def series_points(start: datetime.date, end: datetime.date, step: str) -> list[datetime.date]:
    """The dates of a series: `start`, then every week (or month) after it before `end`, then `end`."""
    points = [start]
    index = 1
    while True:
        if step == Step.MONTHLY:
            following = shift_months(start, index)
        else:
            following = start + datetime.timedelta(weeks=index)
        if following >= end:
            break
        points.append(following)
        index += 1
    if end > start:
        points.append(end)
    return points


def count_points(start: datetime.date, end: datetime.date, step: str) -> int:
    """How many points the series from `start` to `end` has, without building it (forms cap it)."""
    if end <= start:
        return 1
    if step == Step.MONTHLY:
        months = (end.year - start.year) * 12 + end.month - start.month
        inner = months - (1 if shift_months(start, months) >= end else 0)
    else:
        inner = ((end - start).days - 1) // 7
    return inner + 2


@dataclass
class PointFigures:
    """A département's open sites at one point of the series."""

    day: datetime.date
    sites: int = 0
    people: int = 0
    unknown_population: int = 0
    sites_by_size: list[int] = field(default_factory=lambda: [0, 0, 0])
    people_by_size: list[int] = field(default_factory=lambda: [0, 0, 0])
    schooled: int = 0
    european_only: int = 0
    extra_european_only: int = 0
    good: dict[LivingConditionSection, Count2] = field(default_factory=lambda: {s: Count2() for s in SECTIONS})
    owner_complaint: int = 0
    justice_procedure: int = 0
    police_granted: int = 0


@dataclass
class PeriodClosings:
    """Sites closed during a period (after the end of `start`, up to the end of `end`) and still closed at its end."""

    start: datetime.date
    end: datetime.date
    resorbed: int = 0
    closed: int = 0


@dataclass
class Evolution:
    points: list[PointFigures]
    closings: list[PeriodClosings]
    justice: bool


def _size_bracket(people: int) -> int:
    return 0 if people < SMALL_SITE else 1 if people < LARGE_SITE else 2


class _Version:
    """A historical row read for the evolution, with its living-condition statuses computed once."""

    __slots__ = ("row", "_statuses")

    def __init__(self, row: dict):
        self.row = SimpleNamespace(**row)
        self._statuses: dict | None = None

    @property
    def statuses(self) -> dict[LivingConditionSection, LivingConditionStatus]:
        if self._statuses is None:
            self._statuses = {section: rule(self.row) for section, rule in SECTION_RULES.items()}
        return self._statuses


def _versions_by_site(code: str, until: datetime.datetime, *, justice: bool) -> dict[int, list[_Version]]:
    """Every version written before `until` of each site that was ever in the département, oldest first, in one
    query. A site that moved in or out of the département keeps all its versions, so that the version in force at
    each point is the one `snapshots.versions_in_force` would pick (same order: date, then history id)."""
    columns = [
        "id",
        "history_id",
        "history_date",
        "history_type",
        "status",
        "closed_with_solutions",
        "commune__departement_id",
        *POPULATION_FIELDS,
        *ORIGIN_FIELDS,
        *LIVING_CONDITION_FIELDS,
        *(JUSTICE_FIELDS if justice else ()),
    ]
    ever_here = HistoricalSite.objects.filter(commune__departement_id=code).order_by().values("id")
    rows = (
        HistoricalSite.objects.filter(id__in=ever_here, history_date__lt=until)
        .order_by("id", "history_date", "history_id")
        .values(*columns)
    )
    versions: dict[int, list[_Version]] = defaultdict(list)
    for row in rows:
        versions[row["id"]].append(_Version(row))
    return versions


def _version_at(
    versions: list[_Version], dates: list[datetime.datetime], moment: datetime.datetime
) -> _Version | None:
    """The version in force just before the moment (`dates` are the versions' dates), None before the first or
    after a deletion."""
    index = bisect.bisect_left(dates, moment)
    current = versions[index - 1] if index else None
    return None if current is None or current.row.history_type == "-" else current


def _closing_moments(versions: list[_Version]) -> list[datetime.datetime]:
    """When the site went from open to closed (a version closed right after an open one)."""
    return [
        later.row.history_date
        for earlier, later in zip(versions, versions[1:], strict=False)
        if earlier.row.status == SiteStatus.OPEN and later.row.status == SiteStatus.CLOSED
    ]


# The figures of one open version, as a vector added to each point it is in force at (`_contribution`): sites, people,
# sites of unknown population, sites and people per size bracket, schooled minors, people of European (extra-European)
# origin only, then sites and people judged good per living condition, then the three justice counts.
_SECTION_OFFSET = 12
_JUSTICE_OFFSET = _SECTION_OFFSET + 2 * len(SECTIONS)
_VECTOR_LENGTH = _JUSTICE_OFFSET + 3


def _contribution(version: _Version, *, justice: bool) -> list[int]:
    row = version.row
    people = row.population_total
    vector = [0] * _VECTOR_LENGTH
    vector[0], vector[1] = 1, people or 0
    if people is None:
        vector[2] = 1
    else:
        bracket = _size_bracket(people)
        vector[3 + bracket] = 1
        vector[6 + bracket] = people
    vector[9] = row.minors_in_school or 0
    vector[10] = (people or 0) if is_european_only(row) else 0
    vector[11] = (people or 0) if is_extra_european_only(row) else 0
    for index, section in enumerate(SECTIONS):
        if version.statuses[section] == GOOD:
            vector[_SECTION_OFFSET + 2 * index] = 1
            vector[_SECTION_OFFSET + 2 * index + 1] = people or 0
    if justice:
        vector[_JUSTICE_OFFSET] = row.owner_complaint is True
        vector[_JUSTICE_OFFSET + 1] = row.justice_procedure is True
        vector[_JUSTICE_OFFSET + 2] = row.police_status == PoliceStatus.GRANTED
    return vector


def _point_figures(day: datetime.date, vector: list[int]) -> PointFigures:
    return PointFigures(
        day=day,
        sites=vector[0],
        people=vector[1],
        unknown_population=vector[2],
        sites_by_size=vector[3:6],
        people_by_size=vector[6:9],
        schooled=vector[9],
        european_only=vector[10],
        extra_european_only=vector[11],
        good={
            section: Count2(vector[_SECTION_OFFSET + 2 * index], vector[_SECTION_OFFSET + 2 * index + 1])
            for index, section in enumerate(SECTIONS)
        },
        owner_complaint=vector[_JUSTICE_OFFSET],
        justice_procedure=vector[_JUSTICE_OFFSET + 1],
        police_granted=vector[_JUSTICE_OFFSET + 2],
    )


def _add(target: list[int], vector: list[int], sign: int) -> None:
    for index, value in enumerate(vector):
        if value:
            target[index] += sign * value


def departement_evolution(code: str, *, days: Sequence[datetime.date], justice: bool) -> Evolution:
    """The département's open sites at each day of `days` (ascending), and for each period between two days the
    sites that went from open to closed during it and were still closed (and in the département) at its end,
    resorbed (`closed_with_solutions`) or not, as the version in force at the period's end says.

    A version usually stays in force over several points: its figures are added where its run of points starts and
    taken off where it ends, and the points are the running sums, so the work follows the versions, not sites ×
    points."""
    moments = [end_of_day(day) for day in days]
    changes = [[0] * _VECTOR_LENGTH for _ in range(len(days) + 1)]
    closings = [PeriodClosings(start=a, end=b) for a, b in zip(days, days[1:], strict=False)]
    for versions in _versions_by_site(code, moments[-1], justice=justice).values():
        for first, end, version in _runs(versions, moments):
            if version.row.status == SiteStatus.OPEN and version.row.commune__departement_id == code:
                vector = _contribution(version, justice=justice)
                _add(changes[first], vector, 1)
                _add(changes[end], vector, -1)
        _count_closings(closings, versions, moments, code)
    points, running = [], [0] * _VECTOR_LENGTH
    for day, change in zip(days, changes, strict=False):
        _add(running, change, 1)
        points.append(_point_figures(day, list(running)))
    return Evolution(points=points, closings=closings, justice=justice)


def _runs(versions: list[_Version], moments: list[datetime.datetime]) -> Iterator[tuple[int, int, _Version]]:
    """Each version (but deletions) with the points it is in force at, `first` included, `end` excluded: those whose
    moment is after the version was written and not after the next version was."""
    for index, version in enumerate(versions):
        if version.row.history_type == "-":
            continue
        first = bisect.bisect_right(moments, version.row.history_date)
        following = versions[index + 1].row.history_date if index + 1 < len(versions) else None
        end = bisect.bisect_right(moments, following) if following is not None else len(moments)
        if first < end:
            yield first, end, version


def _count_closings(
    closings: list[PeriodClosings], versions: list[_Version], moments: list[datetime.datetime], code: str
) -> None:
    """Count the site once in each period during which it went from open to closed (`_count_closing`)."""
    dates = [version.row.history_date for version in versions]
    periods = {bisect.bisect_right(moments, moment) - 1 for moment in _closing_moments(versions)}
    for period in sorted(periods):
        if 0 <= period < len(closings):
            _count_closing(closings[period], _version_at(versions, dates, moments[period + 1]), code)


def _count_closing(period: PeriodClosings, version: _Version | None, code: str) -> None:
    """Count a site closed during the period when its version in force at the period's end is still closed and in
    the département, as resorbed or closed."""
    if version is None or version.row.status != SiteStatus.CLOSED or version.row.commune__departement_id != code:
        return
    if version.row.closed_with_solutions is True:
        period.resorbed += 1
    else:
        period.closed += 1
