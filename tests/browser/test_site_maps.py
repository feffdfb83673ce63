"""The small maps of the site pages (issue 11 item 2): the site's place on its page, and the pin of the site form
that fills the coordinates (the fields stay the keyboard's way). Tiles are answered here with a tiny image."""

import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import Page, expect

from resorption.settlements.models import Site
from tests.browser.demo_world import load_demo_world
from tests.browser.helpers import log_in
from tests.journal.files import PNG

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DEMO_PASSWORD = "Demo-Resorption-2026!"


@pytest.fixture
def signed_in(page: Page, live_server):
    load_demo_world()
    host = urlsplit(settings.MAP_TILE_URL).netloc
    page.route(re.compile(rf"^https?://{re.escape(host)}/"), lambda route: route.fulfill(body=PNG, status=200))
    log_in(page, "correspondant-33@demo.test", DEMO_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/tableau-de-bord/")
    return page


def test_the_site_page_shows_the_site_on_a_small_map(signed_in: Page, live_server):
    page = signed_in
    site = Site.objects.open().filter(commune__departement_id="33").order_by("pk").first()
    page.goto(f"{live_server.url}{reverse('settlements:detail', kwargs={'pk': site.pk})}")

    small_map = page.locator("[data-site-map]")
    expect(small_map).to_have_class(re.compile("site-map--ready"))
    expect(small_map.locator(".leaflet-marker-pane .map-marker")).to_have_count(1)
    expect(page.get_by_text(f"{site.latitude:.6f}, {site.longitude:.6f}")).to_be_visible()
    page.get_by_role("link", name="Voir les sites de la commune sur la carte").click()
    expect(page).to_have_url(re.compile(rf"/carte/\?localisation=commune-{site.commune_id}"))


def test_the_pin_fills_the_coordinates_and_follows_them(signed_in: Page, live_server):
    page = signed_in
    site = Site.objects.open().filter(commune__departement_id="33").order_by("pk").first()
    page.goto(f"{live_server.url}{reverse('settlements:update', kwargs={'pk': site.pk})}")
    latitude, longitude = page.get_by_label("Latitude"), page.get_by_label("Longitude")
    pin_map = page.locator("[data-pin-map]")
    pin = pin_map.locator(".leaflet-marker-pane .map-marker")
    expect(pin).to_have_count(1)  # the site's current place

    box = pin_map.bounding_box()
    pin_map.click(position={"x": box["width"] * 0.75, "y": box["height"] * 0.3})  # up and right of the centre

    new_latitude, new_longitude = float(latitude.input_value()), float(longitude.input_value())
    assert (new_latitude, new_longitude) != (pytest.approx(site.latitude), pytest.approx(site.longitude))
    assert new_latitude > site.latitude and new_longitude > site.longitude

    # Typed coordinates move the pin (the keyboard's way): its place on screen changes.
    before = pin.bounding_box()
    latitude.fill(f"{site.latitude:.6f}")
    longitude.fill(f"{site.longitude:.6f}")
    page.wait_for_function(
        "([x, y]) => { const pin = document.querySelector('[data-pin-map] .map-marker').getBoundingClientRect();"
        " return Math.abs(pin.x - x) > 1 || Math.abs(pin.y - y) > 1; }",
        arg=[before["x"], before["y"]],
    )
