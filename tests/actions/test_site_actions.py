"""« Actions sur ce site »: the selector and the block of the site page, limited to the actions the reader
may open."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from resorption.actions.models import actions_on_site
from tests.actions.factories import ActionFactory
from tests.settlements.factories import SiteFactory
from tests.territories.factories import CommuneFactory

pytestmark = pytest.mark.django_db


def test_a_site_lists_the_actions_on_it_that_the_reader_may_open(client, world):
    site = SiteFactory()
    gironde_action = ActionFactory(name="Médiation santé", on_site=True, sites=[site])
    toulouse_action = ActionFactory(
        name="Action toulousaine", departement=world.haute_garonne, on_site=True, sites=[site]
    )
    ActionFactory(name="Action ailleurs", on_site=True, sites=[SiteFactory()])
    assert set(actions_on_site(world.national_admin, site)) == {gironde_action, toulouse_action}
    assert list(actions_on_site(world.operator, site)) == [gironde_action]  # the Gironde only
    assert list(actions_on_site(world.unrelated, site)) == []

    # The site page shows them (`{% site_actions site %}`), each linked to its page, with its state.
    client.force_login(world.operator)
    response = client.get(reverse("settlements:detail", kwargs={"pk": site.pk}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Actions sur ce site" in html and "Médiation santé" in html and "En cours" in html
    assert f'href="/actions/{gironde_action.pk}/"' in html
    assert "Action toulousaine" not in html


def test_the_include_says_when_no_action_is_visible(world):
    site = SiteFactory(commune=CommuneFactory(code="31555", name="Toulouse", departement=world.haute_garonne))
    html = render_to_string(
        "actions/includes/site_actions.html", {"site_actions": actions_on_site(world.operator, site)}
    )
    assert "Aucune action visible ne concerne ce site." in html


def test_the_site_page_reads_its_actions_in_one_query_whatever_their_number(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    site, other = SiteFactory(), SiteFactory()
    ActionFactory(on_site=True, sites=[site])
    for _ in range(5):
        ActionFactory(on_site=True, sites=[other])
    client.force_login(world.operator)

    def count(shown) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("settlements:detail", kwargs={"pk": shown.pk})).status_code == 200
        return len(queries)

    count(site)  # warm-up: the first page after sign-in stores the permission context
    assert count(other) == count(site)


def test_the_actions_key_is_shared_only_by_users_who_read_the_same_actions(world):
    """The site page's block is compiled once per `permissions.actions_key`: two users with one key must read the
    same actions; members of one organisation with the same role share it."""
    import itertools

    from resorption.accounts import permissions
    from resorption.actions.models import Action
    from tests.accounts.factories import UserFactory

    colleague = UserFactory(role=world.operator.role, organization=world.operator.organization)
    people = [
        world.national_admin,
        world.local_admin,
        world.correspondent,
        world.partner,
        world.operator,
        colleague,
        world.unrelated,
        world.other_gironde,
        world.national_actor,
        world.observer,
        world.toulouse,
    ]
    keys = [permissions.actions_key(person) for person in people]
    read = [frozenset(Action.objects.visible_to(person).values_list("pk", flat=True)) for person in people]

    assert keys[people.index(world.operator)] == keys[people.index(colleague)]
    for first, second in itertools.combinations(range(len(people)), 2):
        if keys[first] == keys[second]:
            assert read[first] == read[second], (people[first], people[second])
    assert len(set(keys)) > 3


def test_the_site_page_shows_each_reader_his_own_actions_from_the_compiled_query(client, world):
    site = SiteFactory()
    ActionFactory(name="Médiation santé", on_site=True, sites=[site])
    ActionFactory(name="Action toulousaine", departement=world.haute_garonne, on_site=True, sites=[site])
    url = reverse("settlements:detail", kwargs={"pk": site.pk})

    for person, shown, hidden in (
        (world.operator, ["Médiation santé"], ["Action toulousaine"]),
        (world.national_admin, ["Médiation santé", "Action toulousaine"], []),
        (world.operator, ["Médiation santé"], ["Action toulousaine"]),
    ):
        client.force_login(person)
        html = client.get(url).content.decode()
        assert all(name in html for name in shown) and not any(name in html for name in hidden), person
