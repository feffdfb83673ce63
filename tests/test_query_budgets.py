"""Query budgets of the pages that had none (issue 8, item 6): each page runs the same number of queries with a few
rows and with many. The lists, site page, history, journal, exports, notification centre, account lists and
dashboard have theirs next to their other tests; the frame's (2) is in tests/accounts/test_frame.py."""

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from resorption.accounts.enums import AccountEventKind, AdminRole, Role
from resorption.accounts.models import AccountEvent
from resorption.settlements.enums import ClosingSolution
from resorption.settlements.models import SiteActor
from tests.accounts.factories import InterventionAreaFactory, OrganizationFactory, UserAccessFactory, UserFactory
from tests.settlements.factories import ClosingOrientationFactory, SiteFactory, SiteOwnerFactory
from tests.territories.factories import CommuneFactory

pytestmark = pytest.mark.django_db


def _queries(client, url: str) -> list[str]:
    client.get(url)  # warm-up: the first page may renew the session
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return [query["sql"] for query in captured.captured_queries]


def assert_flat(client, url: str, grow: Callable[[], None], *, budget: int) -> None:
    few = _queries(client, url)
    grow()
    many = _queries(client, url)
    assert len(many) == len(few), many
    assert len(few) <= budget, few


@pytest.fixture
def correspondent(client):
    """A correspondent of the Gironde (the factories' default département), signed in."""
    user = UserFactory(role=Role.DIRECT_COLLABORATOR, admin_role=AdminRole.LOCAL_ADMIN)
    client.force_login(user)
    return user


def test_the_actor_search_page(client, correspondent):
    site = SiteFactory()
    url = reverse("settlements:actor_add", kwargs={"pk": site.pk}) + "?q=martin"

    def more_people_and_actors():
        for _ in range(12):
            UserFactory(organization=OrganizationFactory(), last_name="Martin")
            SiteActor.objects.create(site=site, user=UserFactory(), themes=["sante"])

    assert_flat(client, url, more_people_and_actors, budget=4)


def test_the_printed_site_page(client, correspondent):
    site = SiteFactory(resorbed=True, with_justice=True)

    def more_owners_orientations_and_actors():
        SiteOwnerFactory.create_batch(6, site=site)
        for solution in list(ClosingSolution)[:3]:
            ClosingOrientationFactory(site=site, solution=solution)
        for _ in range(6):
            SiteActor.objects.create(site=site, user=UserFactory(), themes=["logement"])

    assert_flat(
        client,
        reverse("settlements:print_site", kwargs={"pk": site.pk}),
        more_owners_orientations_and_actors,
        budget=10,
    )


def test_the_closing_page(client, correspondent):
    site = SiteFactory()

    def more_actors_and_owners():
        SiteOwnerFactory.create_batch(4, site=site)
        for _ in range(6):
            SiteActor.objects.create(site=site, user=UserFactory(), themes=["sante"])

    assert_flat(client, reverse("settlements:close", kwargs={"pk": site.pk}), more_actors_and_owners, budget=3)


def test_the_account_page_of_the_administration(client, correspondent):
    person = UserFactory(role=Role.INTERVENER)

    def more_events_links_and_areas():
        for kind in list(AccountEventKind)[:6]:
            AccountEvent.objects.create(user=person, actor=correspondent, kind=kind, detail="Détail")
        for _ in range(3):
            UserAccessFactory(user=person, sent_by=correspondent)
        for _ in range(3):
            InterventionAreaFactory(
                organization=person.organization, area_type="commune", departement=None, commune=CommuneFactory()
            )

    assert_flat(
        client, reverse("accounts:user_detail", kwargs={"pk": person.pk}), more_events_links_and_areas, budget=20
    )


def test_my_account_page(client, correspondent):
    def more_areas_and_overrides():
        for _ in range(3):
            InterventionAreaFactory(
                organization=correspondent.organization,
                area_type="commune",
                departement=None,
                commune=CommuneFactory(),
            )

    assert_flat(client, reverse("accounts:profile"), more_areas_and_overrides, budget=3)


def test_the_list_filter_panel_is_kept_in_process_memory_even_with_a_database_cache(client, correspondent, settings):
    from django.core.management import call_command

    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "django_cache"},
    }
    call_command("createcachetable", verbosity=0)
    SiteFactory()

    queries = _queries(client, reverse("settlements:list"))

    assert not [sql for sql in queries if "django_cache" in sql]
