"""Closing a site in the browser (issue 4: « a Correspondant closes a site; an Intervenant cannot edit »)."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from resorption.settlements.enums import ClosingCause, ClosingSolution
from resorption.settlements.models import Site
from tests.browser.demo_world import load_demo_world
from tests.browser.helpers import assert_no_axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DEMO_PASSWORD = "Demo-Resorption-2026!"
OPEN_SITE = "22 avenue des Pins Gris 33700 Mérignac"


@pytest.fixture
def demo_data():
    load_demo_world()


def test_a_correspondent_closes_a_site(page: Page, live_server, demo_data):
    site = Site.objects.get(address=OPEN_SITE)
    log_in(page, "correspondant-33@demo.test", DEMO_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/tableau-de-bord/")
    page.goto(reverse("settlements:detail", kwargs={"pk": site.pk}))

    page.get_by_role("link", name="Fermer le site").click()

    expect(page).to_have_url(f"{live_server.url}{reverse('settlements:close', kwargs={'pk': site.pk})}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Fermer le site")
    assert_no_axe_violations(page)

    # First without the context that the cause « Autre » requires: refused, shown next to the field.
    page.get_by_label("Date de la fermeture du site").fill("2025-11-03")
    page.get_by_label("Cause de la fermeture").select_option(ClosingCause.OTHER)
    # DSFR draws its own radio over the native one: people click the label.
    page.locator("label", has_text="Non, le site est seulement fermé").click()
    expect(page.get_by_label("Non, le site est seulement fermé")).to_be_checked()
    shelter = page.get_by_role("group", name=ClosingSolution.EMERGENCY_SHELTER.label)
    shelter.get_by_label("Nombre de personnes").fill("14")
    shelter.get_by_label("Nombre de ménages").fill("5")
    page.get_by_role("button", name="Enregistrer la fermeture").click()

    expect(
        page.get_by_text("Le contexte de la fermeture est obligatoire lorsque la cause est « Autre ».")
    ).to_be_visible()
    site.refresh_from_db()
    assert not site.is_closed
    assert_no_axe_violations(page)

    page.get_by_label("Préciser le contexte de la fermeture et les faits à signaler").fill(
        "Évacuation après un incendie ; relogement partiel."
    )
    page.get_by_role("button", name="Enregistrer la fermeture").click()

    expect(page).to_have_url(f"{live_server.url}{reverse('settlements:detail', kwargs={'pk': site.pk})}")
    expect(page.get_by_text("La fermeture du site a été enregistrée.")).to_be_visible()
    expect(page.get_by_text("Fermé", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Fermer le site")).to_have_count(0)
    expect(page.get_by_role("link", name="Modifier")).to_have_count(0)
    site.refresh_from_db()
    assert site.is_closed and not site.is_resorbed
    assert str(site.closed_at) == "2025-11-03"
    orientation = site.closing_orientations.get()
    assert (orientation.solution, orientation.people_affected, orientation.households_affected) == (
        ClosingSolution.EMERGENCY_SHELTER,
        14,
        5,
    )


def test_an_intervenant_has_no_edit_or_close_button_and_cannot_close(page: Page, live_server, demo_data):
    site = Site.objects.get(address=OPEN_SITE)
    log_in(page, "intervenant-33@demo.test", DEMO_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/tableau-de-bord/")

    page.goto(reverse("settlements:detail", kwargs={"pk": site.pk}))

    expect(page.get_by_role("heading", level=1)).to_have_text("22 avenue des Pins Gris")
    expect(page.get_by_role("link", name="Modifier", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Fermer le site")).to_have_count(0)
    expect(page.get_by_role("link", name="Voir l'historique")).to_be_visible()

    response = page.goto(reverse("settlements:close", kwargs={"pk": site.pk}))
    assert response is not None and response.status == 403
    site.refresh_from_db()
    assert not site.is_closed
