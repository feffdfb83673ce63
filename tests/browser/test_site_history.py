import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from resorption.accounts.models import User
from resorption.settlements.models import Site
from resorption.settlements.services import site_update
from tests.browser.demo_world import load_demo_world
from tests.browser.helpers import assert_no_axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DEMO_PASSWORD = "Demo-Resorption-2026!"
CORRESPONDENT = "correspondant-33@demo.test"


@pytest.fixture
def demo_data():
    load_demo_world()


def test_the_correspondent_reads_a_demo_site_history_without_accessibility_violation(
    page: Page, live_server, demo_data
):
    site = Site.objects.get(address="14 quai de la Souys 33100 Bordeaux")
    correspondent = User.objects.get(email=CORRESPONDENT)
    site_update(
        user=correspondent,
        site_id=site.pk,
        expected_version=site.version,
        values={"population_total": site.population_total + 3, "heatwave": not site.heatwave},
    )
    site.refresh_from_db()
    site_update(user=correspondent, site_id=site.pk, expected_version=site.version, values={}, without_change=True)
    log_in(page, CORRESPONDENT, DEMO_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/tableau-de-bord/")

    page.goto(reverse("settlements:detail", kwargs={"pk": site.pk}))
    page.get_by_role("link", name="Voir l'historique").click()

    expect(page).to_have_url(f"{live_server.url}{reverse('settlements:history', kwargs={'pk': site.pk})}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Historique des modifications")
    expect(page.get_by_role("heading", name="Mise à jour sans modification")).to_be_visible()
    expect(page.get_by_text("Nombre de personnes")).to_be_visible()
    assert_no_axe_violations(page)
