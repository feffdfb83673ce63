"""The map in a browser (issue 11 item 2, reference §G): the demo sites as clustered markers, a filter, a site's panel,
the place search, and the keyboard path through « Voir la liste ». Map tiles come from the outside: every tile
request is answered here with a tiny image."""

import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from resorption.settlements.enums import FieldType
from resorption.settlements.models import Site
from tests.browser.demo_world import load_demo_world
from tests.browser.helpers import BEST_PRACTICE_TAGS, axe_violations, log_in
from tests.journal.files import PNG

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DEMO_PASSWORD = "Demo-Resorption-2026!"
STATUS = "#map-status"
MARKERS = ".leaflet-marker-pane .map-marker"
CLUSTERS = ".leaflet-marker-pane .map-cluster"


@pytest.fixture
def demo_data():
    load_demo_world()


@pytest.fixture
def tiles(page: Page) -> list[str]:
    """Answers the requests for map tiles (the `MAP_TILE_URL` host) with a tiny PNG; returns the URLs asked."""
    asked: list[str] = []
    host = urlsplit(settings.MAP_TILE_URL).netloc

    def serve(route):
        asked.append(route.request.url)
        route.fulfill(status=200, content_type="image/png", body=PNG)

    page.route(re.compile(rf"^https?://{re.escape(host)}/"), serve)
    return asked


def _open_sites(departement: str | None = None, **conditions):
    sites = Site.objects.open().filter(**conditions)
    return sites.filter(commune__departement_id=departement) if departement else sites


def _sign_in(page: Page, live_server) -> None:
    log_in(page, "correspondant-33@demo.test", DEMO_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/tableau-de-bord/")


def _count(number: int) -> str:
    return f"{number} site{'s' if number > 1 else ''} sur la carte."


def test_the_correspondent_filters_the_map_and_opens_a_site(page: Page, live_server, demo_data, tiles):
    _sign_in(page, live_server)
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Carte").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Carte des sites")
    # The map opens on his main area, the Gironde, as the list does.
    gironde = _open_sites("33").count()
    expect(page.locator(STATUS)).to_have_text(_count(gironde))
    expect(page.locator(MARKERS)).to_have_count(gironde)
    assert tiles, "the base map's tiles come from MAP_TILE_URL"
    assert axe_violations(page, BEST_PRACTICE_TAGS) == []

    # A filter narrows them: the form reloads the page with the list's parameter names.
    page.get_by_role("button", name="Filtres").click()
    page.locator("#filtres-carte").get_by_text("Immeuble bâti", exact=True).click()
    expect(page.get_by_label("Immeuble bâti")).to_be_checked()
    page.get_by_role("button", name="Filtrer la carte").click()
    expect(page).to_have_url(re.compile(r"/carte/\?.*type=building"))
    buildings = _open_sites("33", field_type=FieldType.BUILDING)
    expect(page.locator(STATUS)).to_have_text(_count(buildings.count()))
    expect(page.locator(MARKERS)).to_have_count(buildings.count())

    # Clicking a marker opens its summary beside the map, with a link to its page.
    site = buildings.get()
    page.locator(MARKERS).first.click()
    panel = page.get_by_role("complementary", name="Site sélectionné")
    expect(panel.get_by_role("heading", level=2)).to_have_text(site.address_simple)
    expect(panel).to_contain_text("Immeuble bâti")
    expect(panel).to_contain_text(f"{site.commune.name} ({site.commune.departement_id})")
    assert axe_violations(page, BEST_PRACTICE_TAGS) == []
    panel.get_by_role("link", name="Voir la fiche du site").click()
    expect(page).to_have_url(f"{live_server.url}/sites/{site.pk}/")


def test_sites_close_together_are_clustered(page: Page, live_server, demo_data, tiles):
    _sign_in(page, live_server)
    # Every territory of his: three départements, seen from afar.
    page.goto("/carte/?localisation=")

    total = _open_sites().count()
    expect(page.locator(STATUS)).to_have_text(_count(total))
    expect(page.locator(CLUSTERS).first).to_be_visible()
    clustered = sum(int(text.split()[0]) for text in page.locator(CLUSTERS).all_inner_texts())
    assert clustered + page.locator(MARKERS).count() == total
    assert page.locator(MARKERS).count() < total

    # A cluster clicked zooms in on its sites, which then show one by one.
    page.locator(CLUSTERS).first.click()
    expect(page.locator(MARKERS).first).to_be_visible()


def test_a_keyboard_user_reaches_a_site_from_the_map_and_the_same_sites_through_the_list(
    page: Page, live_server, demo_data, tiles
):
    _sign_in(page, live_server)
    page.goto("/carte/?type=land")
    lands = _open_sites("33", field_type=FieldType.LAND)
    expect(page.locator(STATUS)).to_have_text(_count(lands.count()))

    # A marker is a button: Tab reaches it, Entrée opens its summary, Échap closes it.
    marker = page.get_by_role("button", name=re.compile(r"^Terrain — "))
    expect(marker).to_have_count(lands.count())
    marker.first.focus()
    page.keyboard.press("Enter")
    panel = page.get_by_role("complementary", name="Site sélectionné")
    expect(panel.get_by_role("link", name="Voir la fiche du site")).to_be_visible()
    expect(panel.get_by_role("heading", level=2)).to_be_focused()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(marker.first).to_be_focused()

    # « Voir la liste » keeps the query string: the list shows the same sites.
    page.get_by_role("link", name="Voir la liste").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/sites/\?type=land$"))
    for site in lands:
        expect(page.get_by_role("link", name=site.address_simple)).to_be_visible()
    expect(page.locator(".site-list tbody tr")).to_have_count(lands.count())

    # And back: « Voir sur la carte » keeps it too.
    page.get_by_role("link", name="Voir sur la carte").click()
    expect(page).to_have_url(re.compile(r"/carte/\?type=land$"))
    expect(page.locator(STATUS)).to_have_text(_count(lands.count()))


def test_the_place_search_shows_the_sites_of_a_commune(page: Page, live_server, demo_data, tiles):
    _sign_in(page, live_server)
    page.goto("/carte/")
    expect(page.locator(STATUS)).to_have_text(_count(_open_sites("33").count()))

    search = page.get_by_label("Centrer la carte sur une commune, un département ou une adresse")
    search.fill("Toulouse")
    page.get_by_role("button", name="Toulouse (31) — Commune").click()

    expect(page).to_have_url(re.compile(r"/carte/\?localisation=commune-31555$"))
    expect(page.locator(STATUS)).to_have_text(_count(_open_sites(commune_id="31555").count()))

    # A département is centred on, not filtered.
    search = page.get_by_label("Centrer la carte sur une commune, un département ou une adresse")
    search.fill("Gironde")
    search.press("Enter")
    page.get_by_role("button", name="Gironde (33) — Département").click()
    expect(page.locator(STATUS)).to_have_text("Carte centrée sur Gironde (33) — Département.")
    expect(page).to_have_url(re.compile(r"/carte/\?localisation=commune-31555$"))
