"""The sites as they stood at a past moment (`settlements.snapshots`), against hand-built histories."""

import datetime

import pytest

from resorption.settlements.enums import SiteStatus
from resorption.settlements.snapshots import closed_at, end_of_day, ever_in_departements, open_at, versions_in_force
from tests.settlements.factories import SiteFactory
from tests.territories.factories import CommuneFactory

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
# Households and minors unknown, so that any total is consistent.
FEW_PEOPLE = {"population_couples": None, "population_minors": None}


def at(day: int, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(2025, 1, day, hour, tzinfo=UTC)


def save_on(site, day: int, hour: int = 12, **values):
    for name, value in values.items():
        setattr(site, name, value)
    site._history_date = at(day, hour)
    site.save()
    return site


def declared_on(day: int, **values):
    return save_on(SiteFactory.build(commune=CommuneFactory(), **(FEW_PEOPLE | values)), day)


def test_each_site_is_read_in_the_version_in_force_at_the_moment():
    lake = declared_on(1, population_total=40)
    save_on(lake, 5, population_total=45)
    save_on(lake, 10, population_total=50)
    bridge = declared_on(8, population_total=12)

    def populations(moment):
        return dict(versions_in_force(moment).values_list("id", "population_total"))

    assert populations(at(1, 0)) == {}
    assert populations(at(4)) == {lake.pk: 40}
    assert populations(at(9)) == {lake.pk: 45, bridge.pk: 12}
    assert populations(at(10)) == {lake.pk: 45, bridge.pk: 12}  # the version of the 10th at noon is not in force yet
    assert populations(at(11)) == {lake.pk: 50, bridge.pk: 12}


def test_a_site_closed_then_is_closed_at_later_moments_and_open_before():
    site = declared_on(1)
    save_on(site, 6, status=SiteStatus.CLOSED, closed_at=datetime.date(2025, 1, 6), closing_cause="resorbed")

    assert list(open_at(at(5)).values_list("id", flat=True)) == [site.pk]
    assert not closed_at(at(5)).exists()
    assert not open_at(at(7)).exists()
    assert list(closed_at(at(7)).values_list("id", flat=True)) == [site.pk]


def test_a_deleted_site_has_no_state_after_its_deletion():
    site = declared_on(1)
    site_id = site.pk
    site._history_date = at(3)
    site.delete()

    assert list(versions_in_force(at(2)).values_list("id", flat=True)) == [site_id]
    assert not versions_in_force(at(4)).exists()


def test_two_versions_at_the_same_moment_the_later_written_wins():
    site = declared_on(1, population_total=10)
    save_on(site, 1, population_total=20)

    assert versions_in_force(at(2)).get().population_total == 20


def test_the_state_of_a_day_is_read_at_midnight_after_it_in_paris():
    site = declared_on(1, population_total=10)
    # 23:30 in Paris on 4 January (22:30 UTC) belongs to the 4th; 00:30 in Paris on the 5th does not.
    save_on(site, 4, hour=22, population_total=20)
    save_on(site, 4, hour=23, population_total=30)

    assert end_of_day(datetime.date(2025, 1, 4)) == datetime.datetime(2025, 1, 4, 23, tzinfo=UTC)
    assert versions_in_force(end_of_day(datetime.date(2025, 1, 4))).get().population_total == 20
    assert versions_in_force(end_of_day(datetime.date(2025, 1, 5))).get().population_total == 30


def test_a_figure_for_a_date_does_not_change_with_later_edits():
    sites = [declared_on(day, population_total=10 * day) for day in (1, 2, 3)]
    moment = end_of_day(datetime.date(2025, 1, 3))
    before = sorted(open_at(moment).values_list("id", "population_total"))

    save_on(sites[0], 10, population_total=999)
    save_on(sites[1], 11, status=SiteStatus.CLOSED, closed_at=datetime.date(2025, 1, 2), closing_cause="resorbed")
    declared_on(12)

    assert (
        sorted(open_at(moment).values_list("id", "population_total"))
        == before
        == [
            (sites[0].pk, 10),
            (sites[1].pk, 20),
            (sites[2].pk, 30),
        ]
    )


def test_the_state_can_be_filtered_and_counted_as_a_queryset_of_sites():
    commune = CommuneFactory()
    kept = save_on(SiteFactory.build(commune=commune, population_total=40, **FEW_PEOPLE), 1)
    save_on(SiteFactory.build(commune=CommuneFactory(overseas=True), population_total=7, **FEW_PEOPLE), 1)
    save_on(kept, 2, population_total=41)

    in_commune = open_at(at(3)).filter(commune__departement_id=commune.departement_id)
    assert list(in_commune.values_list("id", "population_total")) == [(kept.pk, 41)]


def test_among_restricts_to_the_sites_once_in_the_departements_and_keeps_their_state():
    bordeaux = declared_on(1, population_total=40)
    reunion = save_on(SiteFactory.build(commune=CommuneFactory(overseas=True), **FEW_PEOPLE), 1)
    moved = save_on(SiteFactory.build(commune=CommuneFactory(overseas=True), **FEW_PEOPLE), 1)
    save_on(moved, 3, commune=bordeaux.commune)

    in_gironde = ever_in_departements([bordeaux.commune.departement_id])

    def ids(moment):
        found = open_at(moment, among=in_gironde).filter(commune__departement_id=bordeaux.commune.departement_id)
        return sorted(found.values_list("id", flat=True))

    assert ids(at(2)) == [bordeaux.pk]
    assert ids(at(4)) == sorted([bordeaux.pk, moved.pk])
    assert reunion.pk not in set(versions_in_force(at(4), among=in_gironde).values_list("id", flat=True))
