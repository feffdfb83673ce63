"""The statistics' figures (`stats.figures`) against hand-built site histories: the national tree, a département at
a date, its evolution and closings, and the date helpers of the series."""

import datetime

import pytest

from resorption.settlements.enums import ClosingCause, LivingConditionSection, PoliceStatus, SiteStatus
from resorption.settlements.snapshots import end_of_day, open_at
from resorption.stats import figures
from resorption.stats.figures import Step
from resorption.territories.models import Departement
from tests.settlements.factories import SiteFactory
from tests.territories.factories import CommuneFactory, DepartementFactory, RegionFactory

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
WATER_GOOD = {
    "water_access_type": "robinet_connecte_au_reseau",
    "water_access_is_public": False,
    "water_access_is_continuous": True,
    "water_access_is_local": True,
    "water_access_is_close": True,
    "water_access_is_unequal": False,
    "water_access_has_stagnant_water": False,
}
WATER_BAD = {name: None for name in WATER_GOOD} | {"water_access_type": "fontaine_publique"}
POLICE_GRANTED = {
    "justice_procedure": True,
    "police_status": PoliceStatus.GRANTED,
    "police_requested_at": datetime.date(2024, 10, 1),
    "police_granted_at": datetime.date(2024, 11, 1),
}
CLOSED = {
    "status": SiteStatus.CLOSED,
    "closed_at": datetime.date(2025, 3, 1),
    "closing_cause": ClosingCause.CLOSED_BY_PREF_ADMIN,
}


def at(month: int, day: int) -> datetime.datetime:
    return datetime.datetime(2025, month, day, 12, tzinfo=UTC)


def save_on(site, moment: datetime.datetime, **values):
    for name, value in values.items():
        setattr(site, name, value)
    site._history_date = moment
    site.save()
    return site


def declared_on(moment: datetime.datetime, commune, **values):
    base = {"population_couples": None, "population_minors": None, "minors_in_school": None, "origin_european": False}
    return save_on(SiteFactory.build(commune=commune, **(base | values)), moment)


@pytest.fixture
def gironde():
    return CommuneFactory()


@pytest.fixture
def marseille():
    region = RegionFactory(code="93", name="Provence-Alpes-Côte d'Azur")
    return CommuneFactory(
        code="13055",
        name="Marseille",
        departement=DepartementFactory(code="13", name="Bouches-du-Rhône", region=region),
    )


@pytest.fixture
def reunion():
    return CommuneFactory(overseas=True)


def rows_by_label(rows):
    return {row.label: row for row in rows}


def tree(start, end, *, national=True, codes=None):
    departements = Departement.objects.select_related("region").order_by("code")
    if codes is not None:
        departements = departements.filter(code__in=codes)
    return figures.national_tree(departements=list(departements), start=start, end=end, national=national)


def test_the_national_tree_counts_open_sites_and_people_at_both_dates(gironde, marseille, reunion):
    lake = declared_on(at(1, 5), gironde, population_total=40)
    save_on(lake, at(2, 10), population_total=55, **WATER_GOOD)
    declared_on(at(1, 10), marseille, population_total=None)
    declared_on(at(2, 1), marseille, population_total=12, **WATER_GOOD)
    island = declared_on(at(1, 20), reunion, population_total=15)
    save_on(island, at(2, 15), **CLOSED)

    rows = tree(datetime.date(2025, 1, 31), datetime.date(2025, 2, 28))
    by_label = rows_by_label(rows)

    assert [row.label for row in rows] == [
        "France entière",
        "Métropole",
        "Nouvelle-Aquitaine",
        "Gironde (33)",
        "Provence-Alpes-Côte d'Azur",
        "Bouches-du-Rhône (13)",
        "Outre-mer",
        "La Réunion (974)",
    ]
    gironde_row, bouches = by_label["Gironde (33)"], by_label["Bouches-du-Rhône (13)"]
    assert (gironde_row.before.sites, gironde_row.before.people) == (1, 40)
    assert (gironde_row.after.sites, gironde_row.after.people) == (1, 55)
    assert (gironde_row.water.sites, gironde_row.water.people) == (1, 55)
    assert (bouches.before.sites, bouches.before.people) == (1, 0)
    assert (bouches.after.sites, bouches.after.people, bouches.water.sites, bouches.water.people) == (2, 12, 1, 12)
    assert (by_label["La Réunion (974)"].before.sites, by_label["La Réunion (974)"].after.sites) == (1, 0)
    nation = by_label["France entière"]
    assert (nation.before.sites, nation.before.people, nation.after.sites, nation.after.people) == (3, 55, 3, 67)
    assert (by_label["Métropole"].after.sites, by_label["Outre-mer"].before.people) == (3, 15)


def test_a_local_reader_tree_has_neither_france_entiere_nor_other_departements(gironde, marseille, reunion):
    declared_on(at(1, 5), gironde, population_total=40)
    declared_on(at(1, 5), marseille, population_total=70)

    rows = tree(datetime.date(2025, 1, 31), datetime.date(2025, 2, 28), national=False, codes=["33"])

    assert [row.label for row in rows] == ["Métropole", "Nouvelle-Aquitaine", "Gironde (33)"]
    assert rows[0].after.people == 40


def test_the_departement_at_a_date_reads_each_site_as_it_stood_then(gironde):
    bordeaux = gironde
    merignac = CommuneFactory(code="33281", name="Mérignac", departement=bordeaux.departement)
    lake = declared_on(
        at(1, 5),
        bordeaux,
        population_total=40,
        population_couples=10,
        population_minors=12,
        minors_in_school=6,
        origin_european=True,
        owner_complaint=True,
        **POLICE_GRANTED,
        **WATER_GOOD,
    )
    save_on(lake, at(3, 1), population_total=90, **WATER_BAD)
    declared_on(at(1, 8), merignac, population_total=None, origin_european=True, origin_french=True, heatwave=True)
    departement = bordeaux.departement

    snapshot = figures.departement_snapshot(departement, day=datetime.date(2025, 2, 1), justice=True)

    summary = snapshot.summary
    assert (summary.sites, summary.people, summary.households, summary.minors, summary.schooled) == (2, 40, 10, 12, 6)
    assert (summary.european_only.sites, summary.european_only.people) == (1, 40)
    assert (summary.unknown_population, summary.heatwave) == (1, 1)
    assert summary.good[LivingConditionSection.WATER].sites == 1
    assert (summary.owner_complaint, summary.justice_procedure, summary.police_granted) == (1, 1, 1)
    assert [(group.label, group.sites, group.people) for group in snapshot.communes] == [
        ("Bordeaux", 1, 40),
        ("Mérignac", 1, 0),
    ]
    assert snapshot.communes[0].share_of_sites(1) == 100.0
    assert snapshot.communes[1].share_of_people(0) is None  # no known inhabitant: no share
    later = figures.departement_snapshot(departement, day=datetime.date(2025, 3, 2), justice=False)
    assert later.summary.people == 90
    assert later.summary.good[LivingConditionSection.WATER].sites == 0
    assert later.summary.owner_complaint is None
    assert {site.owner_complaint for site in later.sites} == {None}


def test_a_site_not_updated_for_six_months_is_out_of_date(gironde):
    declared_on(at(1, 5), gironde, updated_at=datetime.date(2025, 1, 5))
    declared_on(at(1, 5), gironde, updated_at=datetime.date(2025, 3, 1))

    snapshot = figures.departement_snapshot(gironde.departement, day=datetime.date(2025, 8, 15), justice=False)

    assert snapshot.summary.out_of_date == 1


def test_the_evolution_follows_the_versions_and_matches_the_snapshots_at_each_point(gironde, marseille):
    small = declared_on(at(1, 2), gironde, population_total=8, minors_in_school=2)
    save_on(small, at(1, 20), population_total=15)
    large = declared_on(at(1, 9), gironde, population_total=150, origin_european=True, origin_french=False)
    save_on(large, at(2, 3), **CLOSED | {"closed_with_solutions": True, "closing_cause": ClosingCause.RESORBED})
    gone = declared_on(at(1, 9), gironde, population_total=30)
    save_on(gone, at(2, 4), **CLOSED)
    moving = declared_on(at(1, 3), marseille, population_total=20)
    save_on(moving, at(1, 25), commune=gironde)
    deleted = declared_on(at(1, 4), gironde, population_total=5)
    deleted._history_date = at(1, 12)
    deleted.delete()
    days = figures.series_points(datetime.date(2025, 1, 5), datetime.date(2025, 2, 10), Step.WEEKLY)

    evolution = figures.departement_evolution("33", days=days, justice=False)

    assert [point.day for point in evolution.points] == [
        datetime.date(2025, 1, 5),
        datetime.date(2025, 1, 12),
        datetime.date(2025, 1, 19),
        datetime.date(2025, 1, 26),
        datetime.date(2025, 2, 2),
        datetime.date(2025, 2, 9),
        datetime.date(2025, 2, 10),
    ]
    for point in evolution.points:
        expected = open_at(end_of_day(point.day)).filter(commune__departement_id="33")
        assert point.sites == expected.count()
        assert point.people == sum(people or 0 for people in expected.values_list("population_total", flat=True))
    first, second, fourth = evolution.points[0], evolution.points[1], evolution.points[3]
    assert (first.sites_by_size, first.people_by_size) == ([2, 0, 0], [13, 0, 0])
    assert (second.sites_by_size, second.people_by_size) == ([1, 1, 1], [8, 30, 150])
    assert fourth.sites_by_size == [0, 3, 1]  # the site from Marseille counted once it is in Gironde
    assert (fourth.european_only, fourth.schooled) == (150, 2)
    assert [(c.end, c.resorbed, c.closed) for c in evolution.closings if c.resorbed or c.closed] == [
        (datetime.date(2025, 2, 9), 1, 1)
    ]


def test_a_site_closed_then_reopened_in_the_period_is_not_counted_closed(gironde):
    site = declared_on(at(1, 2), gironde)
    save_on(site, at(1, 6), **CLOSED)
    save_on(site, at(1, 8), status=SiteStatus.OPEN, closed_at=None, closing_cause="", closed_with_solutions=None)

    evolution = figures.departement_evolution(
        "33", days=[datetime.date(2025, 1, 3), datetime.date(2025, 1, 10)], justice=False
    )

    assert (evolution.closings[0].resorbed, evolution.closings[0].closed) == (0, 0)
    assert evolution.points[1].sites == 1


def test_justice_counts_of_the_evolution_only_when_asked(gironde):
    declared_on(at(1, 2), gironde, owner_complaint=True, **POLICE_GRANTED)
    days = [datetime.date(2025, 1, 3)]

    with_justice = figures.departement_evolution("33", days=days, justice=True).points[0]
    without = figures.departement_evolution("33", days=days, justice=False).points[0]

    assert (with_justice.owner_complaint, with_justice.justice_procedure, with_justice.police_granted) == (1, 1, 1)
    assert (without.owner_complaint, without.justice_procedure, without.police_granted) == (0, 0, 0)


@pytest.mark.parametrize(
    ("start", "end", "step", "expected"),
    [
        ("2025-01-31", "2025-04-15", Step.MONTHLY, ["2025-01-31", "2025-02-28", "2025-03-31", "2025-04-15"]),
        ("2025-01-15", "2025-03-15", Step.MONTHLY, ["2025-01-15", "2025-02-15", "2025-03-15"]),
        ("2025-01-01", "2025-01-15", Step.WEEKLY, ["2025-01-01", "2025-01-08", "2025-01-15"]),
        ("2025-01-01", "2025-01-16", Step.WEEKLY, ["2025-01-01", "2025-01-08", "2025-01-15", "2025-01-16"]),
        ("2025-01-01", "2025-01-01", Step.WEEKLY, ["2025-01-01"]),
    ],
)
def test_series_points_and_their_count(start, end, step, expected):
    start, end = datetime.date.fromisoformat(start), datetime.date.fromisoformat(end)

    points = figures.series_points(start, end, step)

    assert [point.isoformat() for point in points] == expected
    assert figures.count_points(start, end, step) == len(expected)


def test_shift_months_keeps_the_day_or_takes_the_last_of_the_month():
    assert figures.shift_months(datetime.date(2025, 3, 31), -1) == datetime.date(2025, 2, 28)
    assert figures.shift_months(datetime.date(2024, 12, 15), 2) == datetime.date(2025, 2, 15)
    assert figures.shift_months(datetime.date(2025, 1, 10), -13) == datetime.date(2023, 12, 10)


def test_count_points_agrees_with_the_series_it_counts():
    for start in (datetime.date(2024, 1, 31), datetime.date(2024, 2, 29), datetime.date(2025, 6, 15)):
        for days in range(0, 800, 7):
            for extra in (0, 1, 3):
                end = start + datetime.timedelta(days=days + extra)
                for step in (Step.WEEKLY, Step.MONTHLY):
                    assert figures.count_points(start, end, step) == len(figures.series_points(start, end, step)), (
                        start,
                        end,
                        step,
                    )
