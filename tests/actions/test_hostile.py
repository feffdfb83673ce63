"""No server error and nothing written on hostile input to the actions' forms and filters (as
tests/test_hostile_input.py does for every reachable page once the menu links to the actions)."""

import datetime
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from resorption.actions.enums import LocationType
from resorption.actions.models import Action, ActionFinance, ActionManager, ActionOperator, ActionSite
from tests.actions.factories import ActionFinanceFactory
from tests.settlements.factories import SiteFactory
from tests.test_hostile_input import DATE_VALUES, NUMBER_VALUES, PageReader, encode

pytestmark = pytest.mark.django_db

HOSTILE = ["9" * 30, f"-{'9' * 30}", "1e400", "²", "9" * 5000, "0001-01-01", "a\x00b", "x" * 100_000, ["1", "2"]]
CREATE_FIELDS = [
    "name",
    "started_at",
    "ended_at",
    "topics",
    "goals",
    "departement",
    "location_type",
    "location_eti",
    "location_eti_commune",
    "location_eti_latitude",
    "location_eti_longitude",
    "location_autre",
    "sites",
    "managers",
    "operators",
    "expected_version",
    "recherche_managers",
]


def _counts():
    return [model.objects.count() for model in (Action, ActionFinance, ActionManager, ActionOperator, ActionSite)]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_on_every_form_and_filter(client, world, value):
    client.force_login(world.national_admin)
    before = _counts()
    data = dict.fromkeys(CREATE_FIELDS, value)
    assert client.post(reverse("actions:create"), data).status_code < 500
    assert client.post(reverse("actions:create"), {**data, "rechercher_managers": ""}).status_code < 500
    assert client.post(reverse("actions:create"), {**data, "rechercher_sites": ""}).status_code < 500
    assert client.post(reverse("actions:update", kwargs={"pk": world.own.pk}), data).status_code < 500
    finances = {
        "expected_version": value,
        "financements-TOTAL_FORMS": value,
        "financements-INITIAL_FORMS": "0",
        "financements-0-id": value,
        "financements-0-year": value,
        "financements-0-finance_type": value,
        "financements-0-amount": value,
        "financements-0-real_amount": value,
        "financements-0-comments": value,
    }
    assert client.post(reverse("actions:finances", kwargs={"pk": world.own.pk}), finances).status_code < 500
    query = {name: value for name in ("localisation", "statut", "q", "champ", "lieu", "page")}
    assert client.get(reverse("actions:list"), query).status_code < 500
    assert _counts() == before


@pytest.mark.parametrize("page", ["create", "update", "finances", "indicators"])
def test_numbers_and_dates_out_of_bounds_are_flagged_next_to_their_field(client, world, page):
    """What tests/test_hostile_input.py checks on each form it reaches (once the menu links to the actions): the form
    as the page filled it, every visible number (then every date) out of bounds at once, each flagged invalid in the
    answer, nothing written."""
    Action.objects.filter(pk=world.own.pk).update(
        location_type=LocationType.SUR_SITE, location_autre="", ended_at=datetime.date(2026, 12, 31)
    )
    ActionSite.objects.create(action=world.own, site=SiteFactory())
    ActionFinanceFactory(action=world.own)
    client.force_login(world.partner)
    url = reverse(f"actions:{page}", kwargs={} if page == "create" else {"pk": world.own.pk})
    reader = PageReader(url)
    reader.feed(client.get(url).content.decode())
    form = next(each for each in reader.forms if each.method == "post" and "deconnexion" not in each.action)
    path = urlsplit(form.action).path
    pairs = [(name, value) for name, value in form.fields if name != "csrfmiddlewaretoken"]
    names = list(dict.fromkeys([name for name, _ in pairs] + form.names))
    checked = 0
    for kind, values in ((form.numbers, NUMBER_VALUES), (form.dates, DATE_VALUES)):
        visible = [name for name in names if name in kind and name not in form.hidden]
        for value in values if visible else ():
            mutated = [(name, each) for name, each in pairs if name not in visible] + [
                (name, value) for name in visible
            ]
            before = _counts()
            response = client.generic("POST", path, encode(mutated), content_type="application/x-www-form-urlencoded")
            assert response.status_code == 200, (visible, value)
            answer = PageReader(path)
            answer.feed(response.content.decode())
            assert sorted(set(visible) - answer.invalid) == [], value
            assert _counts() == before
            checked += 1
    assert checked >= 2
