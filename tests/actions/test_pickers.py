"""The pickers of the action form (pilots, operators, concerned sites): the page lists only what is chosen, a search
suggests the rest — people who may sign in, sites the user reads — with htmx or, without JavaScript, by posting the
form back, which then saves nothing."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from resorption.accounts.enums import Role
from resorption.actions.models import Action
from tests.accounts.factories import OrganizationFactory, UserFactory
from tests.accounts.helpers import text
from tests.settlements.factories import SiteFactory
from tests.territories.factories import CommuneFactory

pytestmark = pytest.mark.django_db


def _picker(client, name: str, query: str, chosen: list[int] = ()):
    return client.get(reverse("actions:picker", kwargs={"name": name}), {f"recherche_{name}": query, name: chosen})


def test_the_form_lists_no_one_until_searched(client, world):
    UserFactory(first_name="Yasmine", last_name="Kaddour")
    client.force_login(world.partner)
    assert "Kaddour" not in text(client.get(reverse("actions:create")))


def test_people_are_found_by_name_or_organisation_and_chosen_ones_left_out(client, world):
    rives = OrganizationFactory(name="Collectif Tsiganes Bordeaux", abbreviation="CTB")
    yasmine = UserFactory(first_name="Yasmine", last_name="Kaddour", organization=rives)
    UserFactory(first_name="Yasmine", last_name="Fermée", inactive=True)
    client.force_login(world.partner)
    page = text(_picker(client, "managers", "yasm"))
    assert "Yasmine Kaddour — Collectif Tsiganes Bordeaux" in page
    assert "Fermée" not in page  # an account that may not sign in
    assert "Yasmine Kaddour" in text(_picker(client, "operators", "tsiganes"))
    assert "Yasmine Kaddour" in text(_picker(client, "operators", "CTB"))
    # Chosen: listed as chosen (checked), not suggested again.
    page = text(_picker(client, "managers", "yasm", [yasmine.pk]))
    assert f'id="managers-{yasmine.pk}"' in page
    assert page.count(f'value="{yasmine.pk}"') == 1
    assert "checked" in page
    assert "Saisissez au moins 2 caractères." in text(_picker(client, "managers", "y"))


def test_sites_are_suggested_among_those_the_user_reads(client, world):
    SiteFactory(address="5 impasse des Lilas 33000 Bordeaux")
    SiteFactory(
        address="5 impasse des Lilas 31000 Toulouse",
        commune=CommuneFactory(code="31555", name="Toulouse", departement=world.haute_garonne),
    )
    client.force_login(world.partner)  # reads the Gironde's sites
    page = text(_picker(client, "sites", "lilas"))
    assert "5 impasse des Lilas — Bordeaux (33)" in page
    assert "Toulouse" not in page


def test_the_picker_is_for_who_may_enter_an_action(client, world):
    client.force_login(UserFactory(role=Role.EXTERNAL_OBSERVER))
    assert _picker(client, "managers", "mar").status_code == 403
    client.force_login(world.partner)
    assert client.get(reverse("actions:picker", kwargs={"name": "users"})).status_code == 404
    assert _picker(client, "managers", "\x00" + "x" * 5000, ["9" * 30, "abc"]).status_code == 200


def test_without_javascript_searching_posts_back_the_form_and_saves_nothing(client, world):
    UserFactory(first_name="Yasmine", last_name="Kaddour")
    client.force_login(world.partner)
    data = {"name": "Action en cours de saisie", "managers": [world.partner.pk], "rechercher_operators": ""}
    response = client.post(reverse("actions:create"), {**data, "recherche_operators": "kaddour"})
    page = text(response)
    assert response.status_code == 200
    assert "Yasmine Kaddour" in page
    assert 'value="Action en cours de saisie"' in page
    assert f'id="managers-{world.partner.pk}"' in page  # still chosen
    assert not Action.objects.filter(name="Action en cours de saisie").exists()


def test_the_picker_query_count_stays_flat(client, world):
    client.force_login(world.partner)
    url = reverse("actions:picker", kwargs={"name": "managers"})

    def count() -> int:
        chosen = [user.pk for user in [world.partner, world.operator]]
        client.get(url, {"recherche_managers": "camille", "managers": chosen})
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, {"recherche_managers": "camille", "managers": chosen}).status_code == 200
        return len(captured.captured_queries)

    few = count()
    for _ in range(30):
        UserFactory()  # all named Camille
    assert count() == few <= 6


def test_the_update_form_query_count_stays_flat(client, world):
    from resorption.actions.models import ActionManager, ActionOperator, ActionSite

    client.force_login(world.partner)
    url = reverse("actions:update", kwargs={"pk": world.own.pk})
    ActionSite.objects.create(action=world.own, site=SiteFactory())  # no lookup of chosen sites while there is none

    def count() -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    few = count()
    for _ in range(5):
        user = UserFactory()
        ActionManager.objects.create(action=world.own, user=user, organization=user.organization)
        user = UserFactory()
        ActionOperator.objects.create(action=world.own, user=user, organization=user.organization)
        ActionSite.objects.create(action=world.own, site=SiteFactory())
    assert count() == few <= 14
