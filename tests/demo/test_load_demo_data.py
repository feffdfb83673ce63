import pytest
from django.core.management import call_command

from resorption.accounts.models import User
from resorption.demo import data as demo_data
from resorption.demo import journal as demo_journal
from resorption.demo import sites as demo_sites
from resorption.journal.enums import Audience, EntryKind
from resorption.journal.models import JournalEntry
from resorption.settlements.enums import SiteActorTheme, SiteStatus
from resorption.settlements.models import ClosingOrientation, Site, SiteActor, SiteOwner
from tests.db import rolled_back_afterwards

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo_world(django_db_setup, django_db_blocker):
    """The demo world, loaded once for the module: each test reads it, or loads it again, in its own savepoint."""
    with rolled_back_afterwards(django_db_blocker):
        call_command("load_demo_data", verbosity=0)
        yield


def _counts():
    return (
        Site.objects.count(),
        SiteOwner.objects.count(),
        ClosingOrientation.objects.count(),
        User.objects.count(),
        SiteActor.objects.count(),
    )


def test_loading_twice_creates_nothing_new(demo_world):
    first = _counts()
    call_command("load_demo_data", verbosity=0)

    assert _counts() == first
    assert first[0] == len(demo_sites.SITES)
    assert first[4] == len(demo_sites.ACTORS)


def test_demo_sites_cover_open_and_closed_sites_justice_and_owners(demo_world):
    assert Site.objects.filter(status=SiteStatus.OPEN).count() >= 8
    assert Site.objects.resorbed().exists()
    assert Site.objects.closed().filter(closed_with_solutions=False).exists()
    assert Site.objects.filter(justice_procedure=True).exists()
    assert SiteOwner.objects.exists()
    assert ClosingOrientation.objects.exists()
    # Every living-condition status appears somewhere, so that badges and filters have something to show.
    assert set(Site.objects.values_list("water_status", flat=True)) == {"good", "to_improve", "bad", "unknown"}
    assert set(Site.objects.values_list("commune__departement_id", flat=True)) == {"33", "31", "44"}


def test_national_admin_sees_every_demo_site_and_the_haute_garonne_operator_those_of_31(demo_world):
    admin = User.objects.get(email="national-admin@demo.test")
    operator = User.objects.get(email="operateur-31@demo.test")

    assert Site.objects.visible_to(admin).count() == len(demo_sites.SITES)
    operator_sites = Site.objects.visible_to(operator)
    assert set(operator_sites.values_list("commune__departement_id", flat=True)) == {"31"}
    assert operator_sites.count() == Site.objects.filter(commune__departement_id="31").count() == 4


def test_every_demo_account_reads_a_site_with_actors(demo_world):
    for spec in demo_data.USERS:
        user = User.objects.get(email=spec.email)
        visible = Site.objects.visible_to(user)
        assert SiteActor.objects.filter(site__in=visible).exists(), spec.email


def test_demo_actors_have_valid_themes_and_some_were_added_by_someone_else(demo_world):
    actors = list(SiteActor.objects.select_related("user", "created_by"))
    assert all(actor.themes and set(actor.themes) <= set(SiteActorTheme.values) for actor in actors)
    assert any(actor.created_by != actor.user for actor in actors)
    assert any(actor.other_theme for actor in actors)
    assert SiteActor.objects.filter(site__status=SiteStatus.CLOSED).exists()


def test_an_actor_removed_by_hand_comes_back_and_nothing_is_doubled(demo_world):
    SiteActor.objects.filter(user__email="intervenant-33@demo.test").first().delete()

    call_command("load_demo_data", verbosity=0)

    assert SiteActor.objects.count() == len(demo_sites.ACTORS)


def test_demo_journal_is_posted_once_and_its_targeted_message_stays_with_its_audience(demo_world):
    call_command("load_demo_data", verbosity=0)

    assert JournalEntry.objects.count() == len(demo_journal.ENTRIES)
    targeted = JournalEntry.objects.get(audience=Audience.PREFECTURE_DDETS)
    readers = set(JournalEntry.objects.alive().readable_by(User.objects.get(email="correspondant-33@demo.test")))
    assert targeted in readers  # the DDETS of the Gironde is addressed
    intervener = User.objects.get(email="intervenant-33@demo.test")
    assert targeted not in set(JournalEntry.objects.alive().readable_by(intervener))
    assert JournalEntry.objects.filter(kind=EntryKind.HEALTH).exists()


def test_demo_sites_have_a_dated_past_for_the_statistics_and_past_exports(demo_world):
    import datetime

    from resorption.settlements.snapshots import closed_at, end_of_day, open_at

    closed = Site.objects.filter(status=SiteStatus.CLOSED).order_by("closed_at").first()
    before_closing = end_of_day(closed.closed_at - datetime.timedelta(days=1))
    after_closing = end_of_day(closed.closed_at)
    assert open_at(before_closing).filter(id=closed.pk).exists()
    assert closed_at(after_closing).filter(id=closed.pk).exists()
    earliest = Site.objects.order_by("declared_at").first()
    assert not open_at(end_of_day(earliest.declared_at - datetime.timedelta(days=1))).exists()
    assert open_at(end_of_day(earliest.declared_at)).filter(id=earliest.pk).exists()
