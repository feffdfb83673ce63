"""Declaring and updating a site in the browser (issue 4: « a Correspondant declares, updates … a site »; axe clean on
the form)."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from resorption.settlements.models import Site
from tests.browser.demo_world import load_demo_world
from tests.browser.helpers import assert_no_axe_violations, log_in, wait_for_htmx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DEMO_PASSWORD = "Demo-Resorption-2026!"
NEIGHBOUR = "14 quai de la Souys 33100 Bordeaux"
NEW_ADDRESS = "2 impasse des Glycines 33100 Bordeaux"


@pytest.fixture
def demo_data():
    load_demo_world()


def field(page: Page, label: str):
    """The field whose label starts with `label` (labels go on with their hints, which may repeat other labels)."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}"))


def answer(page: Page, question: str, choice: str) -> None:
    """Pick an answer of a radio group. DSFR draws its own radio over the native one: people click the label."""
    group = page.get_by_role("group", name=re.compile(rf"^{re.escape(question)}"))
    group.locator("label", has_text=re.compile(rf"^\s*{re.escape(choice)}\s*$")).click()
    expect(group.get_by_label(choice, exact=True)).to_be_checked()


def test_a_correspondent_declares_then_updates_a_site(page: Page, live_server, demo_data):
    neighbour = Site.objects.get(address=NEIGHBOUR)
    log_in(page, "correspondant-33@demo.test", DEMO_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/tableau-de-bord/")

    page.goto(reverse("settlements:declare"))

    expect(page.get_by_role("heading", level=1)).to_have_text("Déclarer un site")
    expect(page.get_by_role("heading", name="Procédures judiciaires et administratives")).to_be_visible()
    assert_no_axe_violations(page)

    field(page, "Localisation géographique").fill(NEW_ADDRESS)
    commune = page.get_by_role("combobox", name=re.compile("^Commune"))
    commune.press_sequentially("Borde")
    wait_for_htmx(page)
    expect(page.locator("#communes-suggestions option[value='Bordeaux (33063)']")).to_have_count(1)
    commune.fill("Bordeaux (33063)")
    # About 100 m from a demo site: the duplicate guard speaks first.
    field(page, "Latitude").fill(f"{neighbour.latitude + 0.0009:.6f}")
    field(page, "Longitude").fill(f"{neighbour.longitude:.6f}")
    field(page, "Appellation du site").fill("Les Glycines")
    answer(page, "Type de site", "Terrain")
    field(page, "Nombre de personnes").fill("25")
    field(page, "Nombre de ménages").fill("30")  # more households than people: refused
    answer(page, "Y a-t-il présence d'une installation électrique ?", "Oui")
    page.locator("label", has_text="Raccordement au réseau urbain").click()
    page.get_by_role("button", name="Déclarer le site").click()

    notice = page.locator("#sites-proches")
    expect(notice).to_contain_text("Un site existe déjà à moins de 500 m")
    expect(notice.get_by_role("link", name=re.compile(re.escape(NEIGHBOUR)))).to_be_visible()
    assert not Site.objects.filter(address=NEW_ADDRESS).exists()
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Déclarer quand même").click()

    message = "Le nombre de ménages doit être d'au moins 1 et ne peut pas dépasser le nombre de personnes."
    expect(page.locator("#id_population_couples-desc-error")).to_contain_text(message)
    expect(page.get_by_role("link", name="Nombre de ménages")).to_be_visible()  # in the summary on top
    expect(page.locator("#sites-proches")).to_have_count(0)
    assert not Site.objects.filter(address=NEW_ADDRESS).exists()
    assert_no_axe_violations(page)

    # The nearby sites were seen for these coordinates: the corrected declaration is saved at once.
    field(page, "Nombre de ménages").fill("8")
    page.get_by_role("button", name="Déclarer le site").click()

    site = Site.objects.get(address=NEW_ADDRESS)
    expect(page).to_have_url(f"{live_server.url}{reverse('settlements:detail', kwargs={'pk': site.pk})}")
    expect(page.get_by_text("Le site a été déclaré.")).to_be_visible()
    assert (site.name, site.commune_id, site.population_total, site.population_couples) == (
        "Les Glycines",
        "33063",
        25,
        8,
    )
    assert (site.electricity_access, site.electricity_urban_network, site.version) == (True, True, 1)

    page.goto(reverse("settlements:update", kwargs={"pk": site.pk}))

    expect(page.get_by_role("heading", level=1)).to_have_text("Modifier le site")
    expect(field(page, "Appellation du site")).to_have_value("Les Glycines")
    assert_no_axe_violations(page)
    field(page, "Nombre de personnes").fill("32")
    answer(page, "Constate-t-on une accumulation de déchets type ordures ménagères ?", "Non")
    page.get_by_role("button", name="Enregistrer la mise à jour").click()

    expect(page).to_have_url(f"{live_server.url}{reverse('settlements:detail', kwargs={'pk': site.pk})}")
    expect(page.get_by_text("Le site a été mis à jour.")).to_be_visible()
    site.refresh_from_db()
    assert (site.population_total, site.trash_is_piling, site.version) == (32, False, 2)
    assert site.name == "Les Glycines"


def test_the_form_is_usable_with_the_keyboard(page: Page, live_server, demo_data):
    log_in(page, "correspondant-33@demo.test", DEMO_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/tableau-de-bord/")
    page.goto(reverse("settlements:declare"))

    # The summary leads to each section.
    page.get_by_role("link", name="Conditions de vie").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#section-conditions-de-vie$"))

    # Arrow keys move between the answers of a radio group.
    question = page.get_by_role("group", name=re.compile(r"^Y a-t-il présence d'une installation électrique"))
    question.get_by_label("Inconnu", exact=True).focus()
    page.keyboard.press("ArrowLeft")
    expect(question.get_by_label("Non", exact=True)).to_be_checked()
    expect(question.get_by_label("Non", exact=True)).to_be_focused()


def test_an_intervenant_cannot_open_the_forms(page: Page, live_server, demo_data):
    site = Site.objects.get(address=NEIGHBOUR)
    log_in(page, "intervenant-33@demo.test", DEMO_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/tableau-de-bord/")

    for url in (reverse("settlements:declare"), reverse("settlements:update", kwargs={"pk": site.pk})):
        response = page.goto(url)
        assert response.status == 403
        expect(page.get_by_text("Votre compte ne permet pas")).to_be_visible()
        expect(page.get_by_role("button", name=re.compile("Déclarer|Enregistrer"))).to_have_count(0)
    assert_no_axe_violations(page)
