"""The whole path of a newcomer through the interface: request → the right admin sends the link → activation →
sign-in; and a refused request that reaches the requester by email."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from resorption.accounts.enums import UserStatus
from resorption.accounts.models import Organization, User
from tests.browser.demo_world import load_demo_world
from tests.browser.helpers import assert_no_axe_violations, log_in, wait_for_htmx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DEMO_PASSWORD = "Demo-Resorption-2026!"
NEW_PASSWORD = "Nouveau-Mot-de-passe-2026"


@pytest.fixture
def demo_data():
    load_demo_world()


def request_access(page: Page, *, email: str, organization: Organization):
    page.goto("/demande-acces/")
    page.locator("label[for=id_is_actor_0]").click()  # "Oui", an actor: the organisation part appears
    expect(page.locator("#structure-legend")).to_have_count(1)
    wait_for_htmx(page)  # the organisation part swapped in is ready
    page.get_by_label("Type de structure").select_option(label=organization.type.name_singular)
    expect(page.locator(f"#id_organization option[value='{organization.pk}']")).to_have_count(1)
    page.locator("#id_organization").select_option(str(organization.pk))
    page.get_by_label("Nom", exact=True).fill("Durand")
    page.get_by_label("Prénom").fill("Léa")
    page.locator("#id_email").fill(email)
    page.locator("#id_email_confirmation").fill(email)
    page.get_by_label("Téléphone").fill("06 12 34 56 78")
    page.locator("#id_position").fill("Médiatrice scolaire")
    page.locator("#id_message").fill("Je suis la scolarisation des enfants des sites de Bordeaux.")
    page.locator("#id_referral").select_option("word_of_mouth")
    page.locator("#id_referral_detail").fill("Une collègue")
    page.locator("label[for=id_consent]").click()
    page.get_by_role("button", name="Envoyer ma demande").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre demande a bien été envoyée")


def sign_out(page: Page):
    page.get_by_role("button", name="Se déconnecter").click()


def open_account_as_admin(page: Page, admin_email: str, full_name: str):
    log_in(page, admin_email, DEMO_PASSWORD)
    page.goto("/administration/")
    page.get_by_role("link", name=re.compile(full_name)).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(full_name)


def test_request_link_activation_and_sign_in(page: Page, live_server, demo_data):
    bordeaux = Organization.objects.get(name="Commune de Bordeaux")
    request_access(page, email="lea.durand@exemple.test", organization=bordeaux)
    requester = User.objects.get(email="lea.durand@exemple.test")
    assert requester.status == UserStatus.NEW
    notified = {address for message in mail.outbox for address in message.to}
    assert "local-admin-33@demo.test" in notified  # the admin of the Gironde is told

    # An admin of another département does not see the request.
    log_in(page, "local-admin-33@demo.test", DEMO_PASSWORD)
    sign_out(page)

    open_account_as_admin(page, "local-admin-33@demo.test", "Léa Durand")
    assert_no_axe_violations(page)
    mail.outbox.clear()
    page.get_by_role("button", name="Envoyer le lien d'activation").click()
    expect(page.get_by_text(re.compile("lien d.activation", re.IGNORECASE)).first).to_be_visible()
    [granted] = [message for message in mail.outbox if "lea.durand@exemple.test" in message.to]
    link = re.search(r"https?://\S+/activer-mon-compte/\S+/", granted.body).group(0)
    sign_out(page)

    page.goto(link.replace(re.match(r"https?://[^/]+", link).group(0), live_server.url))
    assert_no_axe_violations(page)
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.get_by_label("Confirmation du mot de passe").fill(NEW_PASSWORD)
    page.locator("label", has_text="J'ai lu et j'accepte la charte d'engagement").click()
    page.get_by_role("button", name="Activer mon compte").click()
    expect(page).to_have_url(f"{live_server.url}/tableau-de-bord/")
    sign_out(page)

    log_in(page, "lea.durand@exemple.test", NEW_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/tableau-de-bord/")
    expect(page.get_by_text("Partenaire institutionnel").first).to_be_visible()
    requester.refresh_from_db()
    assert requester.status == UserStatus.ACTIVE


def test_request_in_another_departement_is_not_visible_to_this_admin(page: Page, demo_data):
    association = Organization.objects.get(abbreviation="AHIT")  # Haute-Garonne
    request_access(page, email="marc@exemple.test", organization=association)
    log_in(page, "local-admin-33@demo.test", DEMO_PASSWORD)
    page.goto("/administration/")
    expect(page.get_by_text("marc@exemple.test")).to_have_count(0)
    response = page.goto(f"/administration/comptes/{User.objects.get(email='marc@exemple.test').pk}/")
    assert response.status == 404


def test_refused_request_is_emailed_to_the_requester(page: Page, demo_data):
    bordeaux = Organization.objects.get(name="Commune de Bordeaux")
    request_access(page, email="refus@exemple.test", organization=bordeaux)
    open_account_as_admin(page, "local-admin-33@demo.test", "Léa Durand")
    mail.outbox.clear()
    page.get_by_label("Motif du refus").fill("Votre structure n'intervient pas sur les sites de la Gironde.")
    page.get_by_role("button", name="Refuser la demande").click()
    [refusal] = [message for message in mail.outbox if "refus@exemple.test" in message.to]
    assert "Votre structure n'intervient pas sur les sites de la Gironde." in refusal.body
    assert refusal.reply_to == ["local-admin-33@demo.test"]
    assert User.objects.get(email="refus@exemple.test").access_refused_at is not None
