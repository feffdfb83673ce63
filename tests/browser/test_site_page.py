import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from resorption.settlements.models import Site
from tests.browser.demo_world import load_demo_world
from tests.browser.helpers import assert_no_axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DEMO_PASSWORD = "Demo-Resorption-2026!"


@pytest.fixture
def demo_data():
    load_demo_world()


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

    expect(page.get_by_role("table", name="Orientations des ménages")).to_be_visible()
    assert_no_axe_violations(page)


def test_the_demo_site_page_lists_its_actors(page: Page, live_server, demo_data):
    site = Site.objects.get(address="14 quai de la Souys 33100 Bordeaux")
    log_in(page, "intervenant-33@demo.test", DEMO_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/tableau-de-bord/")

    page.goto(reverse("settlements:detail", kwargs={"pk": site.pk}))

    actors = page.get_by_role("region", name="Intervenants")
    expect(actors.get_by_role("row")).to_have_count(4)  # the header and three actors
    expect(actors.get_by_text("Santé, Médiation sociale")).to_be_visible()
    expect(actors.get_by_role("button", name="Ne plus intervenir")).to_be_visible()
    expect(actors.get_by_role("link", name="Modifier mes thèmes d'intervention")).to_be_visible()
    expect(page.get_by_text("Taux de complétion")).to_be_visible()
    assert_no_axe_violations(page)


def test_an_intervenant_declares_himself_then_opens_the_add_page(page: Page, live_server, demo_data):
    site = Site.objects.get(address="22 avenue des Pins Gris 33700 Mérignac")
    log_in(page, "intervenant-33@demo.test", DEMO_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/tableau-de-bord/")
    page.goto(reverse("settlements:detail", kwargs={"pk": site.pk}))

    page.get_by_role("link", name="J'interviens sur ce site").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("J'interviens sur ce site")
    assert_no_axe_violations(page)
    # DSFR draws its own checkboxes over the native ones: people click the labels.
    page.get_by_text("Santé", exact=True).click()
    page.get_by_text("Autre", exact=True).click()
    page.get_by_role("button", name="Me déclarer intervenant").click()
    expect(page.get_by_text("Décrivez le thème « Autre ».")).to_be_visible()
    page.get_by_label("Précisez le thème « Autre »").fill("Accès aux droits")
    page.get_by_role("button", name="Me déclarer intervenant").click()

    expect(page.get_by_text("Vous êtes désormais intervenant sur ce site.")).to_be_visible()
    actors = page.get_by_role("region", name="Intervenants")
    expect(actors.get_by_text("Hugo Garcia")).to_be_visible()
    expect(actors.get_by_text("Santé, Accès aux droits")).to_be_visible()

    actors.get_by_role("link", name="Ajouter un intervenant").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ajouter un intervenant")
    expect(page.get_by_text("Claire Dubois — DDETS de la Gironde (DDETS 33), Correspondant")).to_be_visible()
    assert_no_axe_violations(page)
