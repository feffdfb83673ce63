import datetime

import pytest

from resorption.settlements.enums import ClosingSolution, OwnerType
from resorption.settlements.history import site_as_of
from resorption.settlements.models import Site
from tests.accounts.factories import UserFactory
from tests.settlements.factories import ClosingOrientationFactory, SiteFactory, SiteOwnerFactory
from tests.territories.factories import CommuneFactory

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def at(day: int) -> datetime.datetime:
    return datetime.datetime(2025, 1, day, 12, tzinfo=UTC)


def save_on(instance, day: int, user=None):
    instance._history_date = at(day)
    if user is not None:
        instance._history_user = user
    instance.save()


def declared_on(day: int, user=None, **values) -> Site:
    site = SiteFactory.build(commune=CommuneFactory(), **values)
    save_on(site, day, user)
    return site


def test_three_updates_make_four_versions_and_each_past_state_can_be_rebuilt():
    author = UserFactory()
    site = declared_on(1, population_total=40, name="Le Lac", user=author)
    for day, population in ((5, 45), (10, 50), (20, 60)):
        site.population_total = population
        site.version += 1
        save_on(site, day, author)

    versions = site.history.all()
    assert versions.count() == 4
    assert [v.population_total for v in versions] == [60, 50, 45, 40]
    assert {v.history_user for v in versions} == {author}
    assert [v.history_type for v in versions] == ["~", "~", "~", "+"]

    assert site_as_of(site.pk, at(7)).site.population_total == 45
    assert site_as_of(site.pk, at(10)).site.population_total == 50
    rebuilt = site_as_of(site.pk, at(25)).site
    assert (rebuilt.population_total, rebuilt.name, rebuilt.version) == (60, "Le Lac", 4)
    with pytest.raises(Site.DoesNotExist):
        site_as_of(site.pk, datetime.datetime(2024, 12, 31, tzinfo=UTC))

    newest, previous = versions[0], versions[1]
    changes = newest.diff_against(previous).changes
    assert [(c.field, c.old, c.new) for c in changes if c.field != "version"] == [("population_total", 50, 60)]


def test_the_rebuilt_state_carries_owners_orientations_and_incoming_sites():
    origin = declared_on(1)
    site = declared_on(1)
    owner = SiteOwnerFactory.build(site=site, name="SCI du Lac", owner_type=OwnerType.PRIVATE)
    save_on(owner, 2)
    site.incoming_sites.add(origin)
    owner.name = "Anonymisé"
    save_on(owner, 8)
    orientation = ClosingOrientationFactory.build(site=site, solution=ClosingSolution.EMERGENCY_SHELTER)
    save_on(orientation, 9)

    before = site_as_of(site.pk, at(5))
    assert [o.name for o in before.owners] == ["SCI du Lac"]
    assert before.closing_orientations == []
    now = site_as_of(site.pk, datetime.datetime.now(tz=UTC))
    assert [o.name for o in now.owners] == ["Anonymisé"]
    assert [o.solution for o in now.closing_orientations] == [ClosingSolution.EMERGENCY_SHELTER]
    assert now.incoming_site_ids == [origin.pk]


def test_living_condition_statuses_are_left_out_of_history():
    site = SiteFactory()
    fields = {field.name for field in site.history.model._meta.fields}
    assert "water_status" not in fields
    assert "population_total" in fields and "owner_complaint" in fields
