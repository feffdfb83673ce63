import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.demo_world import load_demo_world
from tests.browser.helpers import assert_no_axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DEMO_PASSWORD = "Demo-Resorption-2026!"


@pytest.fixture
def demo_data():
    load_demo_world()


def test_the_correspondent_filters_the_site_list_without_accessibility_violation(page: Page, live_server, demo_data):
    log_in(page, "correspondant-33@demo.test", DEMO_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/tableau-de-bord/")

    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Sites").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Sites")
    # The list opens on his main area, the Gironde; he reads every département.
    expect(page.get_by_role("link", name="14 quai de la Souys")).to_be_visible()
    expect(page.get_by_role("link", name="40 chemin du Ramier Bas")).to_have_count(0)
    assert_no_axe_violations(page)
    page.get_by_label("Territoire").select_option(label="Tous vos territoires")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_role("link", name="40 chemin du Ramier Bas")).to_be_visible()

    page.get_by_label("Territoire").select_option("33")
    page.get_by_role("button", name="Filtres").click()
    page.get_by_label("Risque canicule").select_option("oui")
    page.get_by_role("button", name="Rechercher").click()

    expect(page).to_have_url(re.compile(r"/sites/\?.*localisation=33.*canicule=oui"))
    expect(page.get_by_role("link", name="14 quai de la Souys")).to_be_visible()
    expect(page.get_by_role("link", name="40 chemin du Ramier Bas")).to_have_count(0)
    expect(page.get_by_text("1 site —")).to_be_visible()
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Sites fermés ou résorbés").click()
    expect(page.get_by_role("link", name="3 chemin de Lissandre")).to_be_visible()
    assert_no_axe_violations(page)
