"""Print views: the same sites and the same confidentiality as the screen pages."""

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from resorption.accounts.enums import Role
from resorption.settlements.models import SiteActor
from resorption.settlements.views import printing
from tests.accounts.factories import UserFactory
from tests.settlements.factories import SiteFactory, SiteOwnerFactory
from tests.territories.factories import CommuneFactory, DepartementFactory, RegionFactory

pytestmark = pytest.mark.django_db

URL = reverse("settlements:print_list")


@pytest.fixture
def operator():
    """An association of Gironde: sees the sites of Gironde only, no justice data."""
    return UserFactory(role=Role.ASSOCIATION)


@pytest.fixture
def toulouse():
    haute_garonne = DepartementFactory(code="31", name="Haute-Garonne", region=RegionFactory(code="76"))
    return CommuneFactory(code="31555", name="Toulouse", departement=haute_garonne)


def _print(client, user, **params) -> str:
    client.force_login(user)
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_printed_list_holds_every_filtered_site_beyond_one_screen_page(client, operator):
    sites = SiteFactory.create_batch(31, population_total=12, population_couples=4, population_minors=3)
    SiteFactory(population_total=200)

    html = _print(client, operator, population="10-50")

    assert html.count("<tr>") == 31 + 1  # the 31 sites and the heading row
    assert "31 sites — 372 personnes dont 93 mineurs" in html
    assert "Nombre de personnes : De 10 à 50 personnes" in html
    assert sites[0].address_simple in html


def test_the_printed_list_shows_only_visible_sites_and_no_navigation(client, operator, toulouse):
    SiteFactory(address="4 rue Visible 33000 Bordeaux")
    SiteFactory(commune=toulouse, address="9 rue Cachée 31000 Toulouse")

    html = _print(client, operator, localisation="")

    assert "rue Visible" in html
    assert "rue Cachée" not in html
    assert "fr-header" not in html


def test_the_printout_stops_at_its_limit_and_says_so(client, operator, monkeypatch):
    monkeypatch.setattr(printing, "PRINT_LIMIT", 2)
    SiteFactory.create_batch(3)

    html = _print(client, operator)

    assert html.count("<tr>") == 2 + 1
    assert "Seuls les 2 premiers sites sont imprimés" in html


def test_the_printed_list_runs_a_constant_number_of_queries(client, operator):
    def count_queries() -> int:
        client.force_login(operator)
        caches["fragments"].clear()  # each count with the département filter's query (kept a minute otherwise)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, {"q": "rue", "tri": "commune"})
        assert response.status_code == 200
        return len(queries)

    SiteFactory.create_batch(2)
    few = count_queries()
    SiteFactory.create_batch(25)

    assert count_queries() == few
    assert few <= 11, few


def test_the_list_links_to_its_printout_with_the_same_filters(client, operator):
    client.force_login(operator)
    html = client.get(reverse("settlements:list"), {"q": "pins", "tri": "commune"}).content.decode()

    assert f'href="{URL}?q=pins&amp;tri=commune"' in html


# One site


BAILIFF = "Étude Huissier-Témoin-7391"
OWNER = "SCI Propriétaire-Témoin-4826"


@pytest.fixture
def site():
    site = SiteFactory(name="Terrain des Lilas", with_justice=True, bailiff=BAILIFF, population_total=57)
    SiteOwnerFactory(site=site, name=OWNER)
    SiteActor.objects.create(site=site, user=UserFactory(first_name="Inès", last_name="Martin"), themes=["sante"])
    return site


def _print_site(client, user, site):
    client.force_login(user)
    return client.get(reverse("settlements:print_site", kwargs={"pk": site.pk}))


def test_a_printed_site_holds_its_sections_without_buttons_nor_forms(client, operator, site):
    html = _print_site(client, operator, site).content.decode()

    assert "Terrain des Lilas" in html
    for heading in ("Caractéristiques", "Habitants", "Conditions de vie", "Intervenants", "Taux de complétion"):
        assert heading in html
    assert "Inès Martin" in html
    assert "<form" not in html
    assert "J'interviens sur ce site" not in html
    assert "fr-header" not in html


def test_a_printed_site_never_holds_justice_nor_owners_for_a_user_without_access(client, operator, site):
    html = _print_site(client, operator, site).content.decode()

    assert BAILIFF not in html
    assert OWNER not in html


def test_a_correspondent_prints_justice_and_owners(client, site):
    correspondent = UserFactory(role=Role.DIRECT_COLLABORATOR)
    html = _print_site(client, correspondent, site).content.decode()

    assert BAILIFF in html
    assert OWNER in html


def test_a_site_out_of_scope_is_not_printed(client, operator, toulouse):
    assert _print_site(client, operator, SiteFactory(commune=toulouse)).status_code == 404


def test_the_site_page_links_to_its_printout(client, operator, site):
    client.force_login(operator)
    html = client.get(reverse("settlements:detail", kwargs={"pk": site.pk})).content.decode()

    assert f'href="{reverse("settlements:print_site", kwargs={"pk": site.pk})}"' in html
