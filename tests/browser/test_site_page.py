import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import Page, expect

from resorption.settlements.models import Site
from tests.browser.helpers import assert_no_axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DEMO_PASSWORD = "Demo-Resorption-2026!"


@pytest.fixture
def demo_data():
    call_command("load_demo_data", verbosity=0)


def test_the_correspondent_reads_a_demo_site_page_without_accessibility_violation(page: Page, live_server, demo_data):
    site = Site.objects.get(address="14 quai de la Souys 33100 Bordeaux")
    log_in(page, "correspondant-33@demo.test", DEMO_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/tableau-de-bord/")

    page.goto(reverse("settlements:detail", kwargs={"pk": site.pk}))

    expect(page.get_by_role("heading", level=1)).to_have_text("14 quai de la Souys")
    expect(page.get_by_role("heading", name="Procédures judiciaires et administratives")).to_be_visible()
    expect(page.get_by_text("SCI Les Berges du Fleuve")).to_be_visible()
    assert_no_axe_violations(page)


def test_a_closed_demo_site_page_is_accessible(page: Page, live_server, demo_data):
    site = Site.objects.get(address="3 chemin de Lissandre 33800 Bordeaux")
    log_in(page, "correspondant-33@demo.test", DEMO_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/tableau-de-bord/")

    page.goto(reverse("settlements:detail", kwargs={"pk": site.pk}))

    expect(page.get_by_role("table")).to_be_visible()
    assert_no_axe_violations(page)
