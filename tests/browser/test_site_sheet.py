"""The PDF site sheet from the site page: choose its sections, get the PDF."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from resorption.accounts.models import User
from resorption.settlements.models import Site
from tests.browser.demo_world import load_demo_world
from tests.browser.helpers import assert_no_axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DEMO_PASSWORD = "Demo-Resorption-2026!"
CORRESPONDENT = "correspondant-33@demo.test"


@pytest.fixture
def demo_data():
    load_demo_world()


def test_the_correspondent_downloads_the_sheet_of_a_site_with_the_sections_he_chose(
    page: Page, live_server, demo_data
):
    site = Site.objects.get(address="14 quai de la Souys 33100 Bordeaux")
    assert User.objects.filter(email=CORRESPONDENT).exists()
    log_in(page, CORRESPONDENT, DEMO_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/tableau-de-bord/")

    page.goto(reverse("settlements:detail", kwargs={"pk": site.pk}))
    page.get_by_role("link", name="Fiche PDF").click()

    expect(page).to_have_url(f"{live_server.url}{reverse('sheets:form', kwargs={'pk': site.pk})}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Télécharger la fiche du site")
    assert_no_axe_violations(page)
    page.get_by_label("Intervenants").check()
    page.get_by_label("Historique des modifications").check()
    page.get_by_label("Procédures judiciaires et administratives").check()  # a correspondent may see them

    with page.expect_response(lambda response: ".pdf" in response.url) as response_info:
        page.get_by_role("button", name="Télécharger la fiche (PDF)").click()
    response = response_info.value
    assert response.url.startswith(f"{live_server.url}{reverse('sheets:pdf', kwargs={'pk': site.pk})}?")
    assert "sections=acteurs" in response.url and "sections=historique" in response.url
    assert "sections=justice" in response.url
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"

    # The same address asked again with the browser's session (Chromium shows the PDF in its viewer, whose bytes
    # Playwright does not hand over): a PDF document.
    again = page.request.get(response.url)
    assert again.headers["content-type"] == "application/pdf"
    assert again.body().startswith(b"%PDF-")
