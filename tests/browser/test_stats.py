"""The statistics pages in a browser (issue 12 item 2): the national page and a département page of the demo world
draw their charts, each chart has its table under it, and axe-core finds nothing at desktop and phone widths."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.demo_world import load_demo_world
from tests.browser.helpers import BEST_PRACTICE_TAGS, axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DEMO_PASSWORD = "Demo-Resorption-2026!"
WIDTHS = {"1280px": {"width": 1280, "height": 800}, "390px": {"width": 390, "height": 844}}


@pytest.fixture
def demo_data():
    load_demo_world()


def sign_in(page: Page, live_server, email: str) -> None:
    log_in(page, email, DEMO_PASSWORD)
    page.wait_for_url(f"{live_server.url}{reverse('dashboard:index')}")


def check_charts_and_accessibility(page: Page, charts: int) -> None:
    """Every chart drawn (Chart.js sized its canvas and marked it), followed by its table; no axe violation and
    nothing wider than the window, at both widths."""
    canvases = page.locator("canvas[data-stats-chart]")
    expect(canvases).to_have_count(charts)
    for index in range(charts):
        canvas = canvases.nth(index)
        expect(canvas).to_have_attribute("data-drawn", "true")
        expect(canvas).to_have_attribute("role", "img")
        assert canvas.bounding_box()["height"] > 50
        chart_id = canvas.get_attribute("data-stats-chart")
        section = page.locator("div.stats-section").filter(has=page.locator(f'canvas[data-stats-chart="{chart_id}"]'))
        expect(section.locator("table caption")).to_have_count(1)
    problems = []
    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        problems += [f"{width}: {problem}" for problem in axe_violations(page, BEST_PRACTICE_TAGS)]
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 0:
            problems.append(f"{width}: the page is {overflow} px wider than the window")
    assert not problems, "\n".join(problems)


def test_the_national_page_draws_its_chart_and_passes_axe(page: Page, live_server, demo_data):
    sign_in(page, live_server, "national-admin@demo.test")

    page.goto(reverse("stats:national"))

    expect(page.get_by_role("heading", level=1)).to_have_text("Données statistiques")
    expect(page.get_by_role("rowheader", name="France entière")).to_be_visible()
    expect(page.get_by_role("rowheader", name="Gironde (33)")).to_be_visible()
    check_charts_and_accessibility(page, charts=1)


def test_a_departement_page_draws_its_charts_and_passes_axe(page: Page, live_server, demo_data):
    sign_in(page, live_server, "correspondant-33@demo.test")
    page.goto(reverse("stats:national"))

    page.get_by_role("link", name="Gironde (33)").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Statistiques — Gironde (33)")
    expect(page.get_by_role("table", name="Synthèse", exact=False)).to_be_visible()
    # People by site size, living conditions, justice (the correspondent has justice access) and closings.
    check_charts_and_accessibility(page, charts=4)
    page.get_by_label("Pas de la série").select_option("mois")
    page.get_by_role("button", name="Afficher").click()
    expect(page).to_have_url(re.compile(r"\?du=\d{4}-\d\d-\d\d&au=\d{4}-\d\d-\d\d&pas=mois$"))
    expect(page.locator("canvas[data-drawn]")).to_have_count(4)
