"""The action list (§E.3): filters in the query string, bad values ignored, pagination, and flat query counts."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from resorption.actions.views import row_html
from tests.accounts.factories import OrganizationFactory, UserFactory
from tests.accounts.helpers import text
from tests.actions.factories import ActionFactory, ActionFinanceFactory
from tests.settlements.factories import SiteFactory

pytestmark = pytest.mark.django_db


def _names(client, query: str = "") -> set[str]:
    response = client.get(reverse("actions:list") + query)
    assert response.status_code == 200
    return {row.name for row in response.context["rows"]}


def test_filters_by_location_status_topic_place_and_search(client, world):
    client.force_login(world.national_admin)
    ended = ActionFactory(name="Action terminée", finished=True, topic_housing=False, topic_school=True)
    rives = OrganizationFactory(name="Association Rivages", abbreviation="ARIV")
    by_abbreviation = ActionFactory(
        name="Action opérée", operators=[UserFactory(organization=rives)], location_type="logement", location_autre=""
    )
    everything = {
        world.own.name,
        world.same.name,
        world.far.name,
        world.far_own.name,
        ended.name,
        by_abbreviation.name,
    }
    assert _names(client) == everything
    assert _names(client, "?localisation=31") == {world.far.name, world.far_own.name}
    assert _names(client, "?localisation=region-76") == {world.far.name, world.far_own.name}
    assert _names(client, "?statut=terminee") == {ended.name}
    assert _names(client, "?statut=en-cours") == everything - {ended.name}
    assert _names(client, "?champ=school") == {ended.name}
    assert _names(client, "?lieu=logement") == {by_abbreviation.name}
    assert _names(client, "?q=ariv") == {by_abbreviation.name}
    assert _names(client, "?q=Association+Rives") == {world.own.name, world.far_own.name}  # operator's organisation
    assert _names(client, "?q=préfecture") == {world.own.name, world.far_own.name}  # pilot's organisation
    assert _names(client, "?q=toulouse") == {world.far.name, world.far_own.name}
    assert _names(client, "?q=toulouse&localisation=33") == set()


def test_locations_offered_are_those_of_visible_actions(client, world):
    client.force_login(world.unrelated)  # reads no action at all
    form = client.get(reverse("actions:list")).context["form"]
    assert [value for value, _ in form.fields["localisation"].choices] == [""]
    client.force_login(world.operator)  # the Gironde and the Haute-Garonne (his organisation's action there)
    form = client.get(reverse("actions:list")).context["form"]
    assert [value for value, _ in form.fields["localisation"].choices] == ["", "region-75", "region-76", "31", "33"]


@pytest.mark.parametrize(
    "query",
    [
        "?localisation=99",
        "?localisation=region-%00",
        "?statut=bientot",
        "?champ=cuisine",
        "?lieu=lune",
        "?page=999999999999999999999999",
        "?page=-1",
        "?q=" + "x" * 5000,
        "?q=%00",
        "?localisation=33&localisation=31",
    ],
)
def test_bad_filter_values_are_ignored(client, world, query):
    client.force_login(world.national_admin)
    response = client.get(reverse("actions:list") + query)
    assert response.status_code == 200


def test_an_unknown_location_lists_every_visible_action(client, world):
    client.force_login(world.partner)
    assert _names(client, "?localisation=99") == {world.own.name, world.same.name, world.far_own.name}


def test_pagination_keeps_the_filters(client, world):
    client.force_login(world.national_admin)
    ActionFactory.create_batch(25, name="Groupe", managers=[world.partner], operators=[world.operator])
    response = client.get(reverse("actions:list") + "?q=groupe")
    assert len(response.context["rows"]) == 20
    assert "?q=groupe&amp;page=2" in response.content.decode()
    assert len(client.get(reverse("actions:list") + "?q=groupe&page=2").context["rows"]) == 5


def test_the_page_says_when_an_action_is_over(client, world):
    ActionFactory(name="Action passée", started_at=datetime.date(2020, 1, 1), ended_at=datetime.date(2020, 12, 31))
    client.force_login(world.national_admin)
    page = text(client.get(reverse("actions:list") + "?statut=terminee"))
    assert "Terminée" in page
    assert "Logement" in page  # the factory's topic, by its label


# ---------------------------------------------------------------------------------------------------------------------
# Query budgets
# ---------------------------------------------------------------------------------------------------------------------


def _queries(client, url: str) -> list[str]:
    client.get(url)  # warm-up: the first page may renew the session
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return [query["sql"] for query in captured.captured_queries]


def _assert_flat(client, url: str, grow, *, budget: int) -> None:
    few = _queries(client, url)
    grow()
    many = _queries(client, url)
    assert len(many) == len(few), many
    assert len(few) <= budget, few


@pytest.mark.parametrize("person", ["national_admin", "operator"])
def test_the_list_query_count_stays_flat(client, world, person):
    client.force_login(getattr(world, person))

    def more_actions():
        for _ in range(8):
            ActionFactory(
                managers=[world.partner, UserFactory()],
                operators=[world.operator, UserFactory(), UserFactory()],
                sites=[SiteFactory()],
            )

    _assert_flat(client, reverse("actions:list") + "?q=a&statut=en-cours", more_actions, budget=10)


@pytest.mark.parametrize("person", ["national_admin", "partner", "operator"])
def test_the_action_page_and_history_query_counts_stay_flat(client, world, person):
    client.force_login(getattr(world, person))
    action = world.own

    def more_people_sites_and_finances():
        from resorption.actions.models import ActionManager, ActionOperator, ActionSite

        for year in (2025, 2026):
            ActionFinanceFactory(action=action, year=year)
        for _ in range(4):
            user = UserFactory()
            ActionManager.objects.create(action=action, user=user, organization=user.organization)
            user = UserFactory()
            ActionOperator.objects.create(action=action, user=user, organization=user.organization)
            ActionSite.objects.create(action=action, site=SiteFactory())

    for name in ("detail", "history"):
        url = reverse(f"actions:{name}", kwargs={"pk": action.pk})
        _assert_flat(client, url, more_people_sites_and_finances, budget=12)


def test_a_row_names_the_pilots_and_operators_organisations_in_their_order(client, world):
    client.force_login(world.national_admin)
    html = client.get(reverse("actions:list") + "?q=pilotée en Gironde").content.decode()

    row = html[html.index("Action pilotée en Gironde") :]
    row = row[: row.index("</tr>")]
    assert "Préfecture de la Gironde" in row and "Association Rives" in row
    assert row.index("Préfecture de la Gironde") < row.index("Association Rives")
    assert "En cours" in row and "Depuis le" in row


def test_the_filter_panel_is_rendered_once_per_query_and_places(client, world):
    client.force_login(world.national_admin)

    def panels(query: str) -> int:
        response = client.get(reverse("actions:list") + query)
        return sum(1 for each in response.templates if each.name.endswith("select.html"))

    first = panels("?statut=en-cours")
    assert first > 0
    assert panels("?statut=en-cours") == 0
    assert panels("?statut=terminee") == first


def test_a_row_is_rendered_once_per_content_and_again_when_the_action_changes(client, world):
    client.force_login(world.national_admin)
    row_html.cache_clear()
    client.get(reverse("actions:list"))
    rendered = row_html.cache_info().misses
    assert rendered == 4  # the four actions of the world

    client.get(reverse("actions:list"))
    assert row_html.cache_info().misses == rendered  # the same rows: no rendering

    world.own.name = "Action <renommée>"
    world.own.save(update_fields=["name"])
    page = client.get(reverse("actions:list")).content.decode()
    assert row_html.cache_info().misses == rendered + 1
    assert "Action &lt;renommée&gt;" in page
    assert "Action pilotée en Gironde" not in page
