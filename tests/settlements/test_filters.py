"""One filter definition for sites (issue 11 item 1): the same query string selects the same sites on every page that
reads it — `filters.select_sites`, the list and its printout (the map's endpoint has its own test of the same)."""

import re

import pytest
from django.test import RequestFactory
from django.urls import reverse

from resorption.accounts.enums import AreaType, Role
from resorption.settlements import filters
from resorption.settlements.enums import FieldType, OwnerType
from tests.accounts.factories import OrganizationFactory, UserFactory
from tests.settlements.factories import SiteFactory

pytestmark = pytest.mark.django_db

QUERIES = [
    {},
    {"statut": "fermes"},
    {"eau": "good"},
    {"eau": ["bad", "unknown"], "type": FieldType.LAND},
    {"proprietaire": OwnerType.PRIVATE},
    {"population": "10-99"},
    {"q": "Lilas"},
    {"canicule": "oui", "proprietaire": [OwnerType.PUBLIC, OwnerType.UNKNOWN]},
    {"statut": "fermes", "eau": "good", "issue": "resorbe"},
]


@pytest.fixture
def national():
    return UserFactory(
        role=Role.NATIONAL_ESTABLISHMENT,
        organization=OrganizationFactory(area_type=AreaType.NATION, departement=None),
    )


@pytest.fixture
def sites():
    return [
        SiteFactory(address="1 rue des Lilas", good_living_conditions=True, owner_type=OwnerType.PUBLIC),
        SiteFactory(address="2 rue des Roses", field_type=FieldType.LAND, population_total=40, heatwave=True),
        SiteFactory(
            address="3 rue des Iris",
            owner_type=OwnerType.PRIVATE,
            population_total=8,
            population_couples=2,
            population_minors=3,
        ),
        SiteFactory(address="4 rue des Lilas", closed=True, good_living_conditions=True, closed_with_solutions=True),
        SiteFactory(address="5 rue des Tulipes", closed=True, owner_type=OwnerType.PRIVATE),
    ]


def _selected(user, query) -> set[int]:
    request = RequestFactory().get("/", query)
    request.user = user
    return set(filters.select_sites(request).sites.values_list("pk", flat=True))


@pytest.mark.parametrize("query", QUERIES, ids=lambda query: "&".join(sorted(query)) or "aucun")
def test_the_list_and_its_printout_show_the_sites_select_sites_selects(client, national, sites, query):
    selected = _selected(national, query)
    client.force_login(national)
    listed = {
        int(pk)
        for pk in re.findall(r'href="/sites/(\d+)/"', client.get(reverse("settlements:list"), query).content.decode())
    }
    printed_html = client.get(reverse("settlements:print_list"), query).content.decode()
    printed = {site.pk for site in sites if site.address in printed_html}
    drawn = {row[0] for row in client.get(reverse("maps:sites"), query).json()["sites"]}

    assert listed == selected
    assert printed == selected
    assert drawn == selected


def test_the_queries_above_are_not_all_the_same_selection(national, sites):
    """Guards the test above: its queries select different sets, so that it compares something."""
    assert len({frozenset(_selected(national, query)) for query in QUERIES}) >= 6
