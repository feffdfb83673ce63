"""Territorial messages in a real browser: an ARS member addresses one message to the sites of two départements of
his région; a reader of one of them finds it in the « Suivi sanitaire » tab of a site's journal, a reader of another
région does not. The pages pass axe."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from resorption.accounts.enums import AreaType, Role
from resorption.accounts.models import OrganizationType
from resorption.journal.models import TerritorialMessage
from tests.accounts.factories import DEFAULT_PASSWORD, OrganizationFactory, UserFactory
from tests.browser.helpers import assert_no_axe_violations, log_in
from tests.settlements.factories import SiteFactory
from tests.territories.factories import CommuneFactory, DepartementFactory, RegionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

MESSAGE = "Campagne de vaccination contre la rougeole : équipes mobiles sur les sites du 2 au 13 mars."


def sign_in_as(page: Page, live_server, user) -> None:
    page.context.clear_cookies()
    log_in(page, user.email, DEFAULT_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/tableau-de-bord/")


def test_a_territorial_message_reaches_the_health_tab_of_the_sites_of_its_departements(page: Page, live_server):
    region = RegionFactory(code="75", name="Nouvelle-Aquitaine")
    gironde = DepartementFactory(code="33", name="Gironde", region=region)
    DepartementFactory(code="40", name="Landes", region=region)
    DepartementFactory(code="24", name="Dordogne", region=region)
    haute_garonne = DepartementFactory(code="31", name="Haute-Garonne", region=RegionFactory(code="76"))
    ars = UserFactory(
        first_name="Aurore",
        last_name="Santé",
        organization=OrganizationFactory(
            type=OrganizationType.objects.get(uid="ars"),
            name="ARS Nouvelle-Aquitaine",
            area_type=AreaType.REGION,
            region=region,
            departement=None,
        ),
    )
    bordelais = UserFactory(role=Role.ASSOCIATION, organization=OrganizationFactory(departement=gironde))
    toulousain = UserFactory(role=Role.ASSOCIATION, organization=OrganizationFactory(departement=haute_garonne))
    bordeaux_site = SiteFactory()
    toulouse_site = SiteFactory(commune=CommuneFactory(code="31555", name="Toulouse", departement=haute_garonne))

    sign_in_as(page, live_server, ars)
    page.goto(reverse("journal:territorial"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Messages territoriaux")
    assert_no_axe_violations(page)

    # Nothing chosen, no text: both refused next to their field.
    page.get_by_role("button", name="Publier le message territorial").click()
    expect(page.get_by_text("Choisissez au moins un département destinataire.")).to_be_visible()
    expect(page.get_by_text("Le message ne peut pas être vide.")).to_be_visible()
    assert_no_axe_violations(page)
    assert not TerritorialMessage.objects.exists()

    # DSFR draws its own checkboxes over the native ones: people click the labels.
    page.locator("label", has_text="Gironde (33)").click()
    page.locator("label", has_text="Landes (40)").click()
    page.get_by_label("Message", exact=True).fill(MESSAGE)
    page.get_by_role("button", name="Publier le message territorial").click()

    expect(page.get_by_text("Votre message territorial a été publié.")).to_be_visible()
    expect(page.get_by_text(MESSAGE)).to_be_visible()
    expect(page.get_by_text("Adressé aux sites des départements : Gironde (33), Landes (40)")).to_be_visible()
    assert_no_axe_violations(page)

    sign_in_as(page, live_server, bordelais)
    page.goto(reverse("journal:journal", kwargs={"site_id": bordeaux_site.pk}) + "?onglet=sanitaire")
    expect(page.get_by_role("heading", name="Messages territoriaux")).to_be_visible()
    expect(page.get_by_text(MESSAGE)).to_be_visible()
    expect(page.get_by_text("Message territorial", exact=True)).to_be_visible()
    expect(page.get_by_text("ARS Nouvelle-Aquitaine")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Tous les messages territoriaux du département").click()
    expect(page.get_by_text("Messages adressés aux sites du département Gironde (33).")).to_be_visible()
    expect(page.get_by_text(MESSAGE)).to_be_visible()
    # His own département is fixed: nothing to choose.
    expect(page.get_by_label("Gironde (33)")).to_be_disabled()
    expect(page.get_by_label("Gironde (33)")).to_be_checked()
    assert_no_axe_violations(page)

    sign_in_as(page, live_server, toulousain)
    page.goto(reverse("journal:journal", kwargs={"site_id": toulouse_site.pk}) + "?onglet=sanitaire")
    expect(page.get_by_role("heading", name="Messages territoriaux")).to_be_visible()
    expect(page.get_by_text(MESSAGE)).to_have_count(0)
    page.goto(reverse("journal:territorial"))
    expect(page.get_by_text(MESSAGE)).to_have_count(0)
