"""The access-request form in a real browser: with htmx, and without JavaScript at all."""

import pytest
from playwright.sync_api import Page, expect

from resorption.accounts.models import User
from tests.accounts.factories import OrganizationFactory, OrganizationTypeFactory
from tests.browser.helpers import assert_no_axe_violations, wait_for_htmx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_access_request_with_htmx(page: Page):
    prefecture_type = OrganizationTypeFactory(uid="prefecture_departement")
    org = OrganizationFactory(name="Préfecture de la Gironde", type=prefecture_type, active=False)
    page.goto("/demande-acces/")
    assert_no_axe_violations(page)
    page.locator("label[for=id_is_actor_1]").click()
    expect(page.locator("#structure-legend")).to_have_count(0)
    page.locator("label[for=id_is_actor_0]").click()
    expect(page.locator("#structure-legend")).to_have_count(1)
    wait_for_htmx(page)
    page.get_by_label("Type de structure").select_option(label="Préfecture de département")
    expect(page.locator("#id_organization option", has_text="Préfecture de la Gironde")).to_have_count(1)
    page.locator("#id_organization").select_option(str(org.pk))
    page.get_by_label("Nom", exact=True).fill("Durand")
    page.get_by_label("Prénom").fill("Léa")
    page.locator("#id_email").fill("lea@exemple.test")
    page.locator("#id_email_confirmation").fill("lea@exemple.test")
    page.get_by_label("Téléphone").fill("06 12 34 56 78")
    page.locator("#id_position").fill("Cheffe de bureau")
    page.locator("#id_message").fill("Bonjour")
    page.locator("#id_referral").select_option("newsletter")
    page.locator("label[for=id_consent]").click()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Envoyer ma demande").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre demande a bien été envoyée")
    assert_no_axe_violations(page)
    assert User.objects.get(email="lea@exemple.test").organization == org


def test_access_request_without_javascript(browser, live_server):
    prefecture_type = OrganizationTypeFactory(uid="prefecture_departement")
    org = OrganizationFactory(name="Préfecture de la Gironde", type=prefecture_type, active=False)
    context = browser.new_context(java_script_enabled=False, base_url=live_server.url, locale="fr-FR")
    page = context.new_page()
    page.goto("/demande-acces/")
    page.locator("#id_is_actor_0").check(force=True)
    page.get_by_label("Nom", exact=True).fill("Durand")
    page.locator("#id_organization_type").select_option(label="Préfecture de département")
    page.get_by_role("button", name="Afficher les structures de ce type et de ce département").click()
    expect(page.locator("#id_organization option", has_text="Préfecture de la Gironde")).to_have_count(1)
    assert page.url.endswith("#structure")
    expect(page.get_by_label("Nom", exact=True)).to_have_value("Durand")
    page.locator("#id_organization").select_option(str(org.pk))
    page.get_by_label("Prénom").fill("Léa")
    page.locator("#id_email").fill("lea@exemple.test")
    page.locator("#id_email_confirmation").fill("lea@exemple.test")
    page.get_by_label("Téléphone").fill("06 12 34 56 78")
    page.locator("#id_position").fill("Cheffe de bureau")
    page.locator("#id_message").fill("Bonjour")
    page.locator("#id_referral").select_option("newsletter")
    page.locator("#id_consent").check(force=True)
    page.get_by_role("button", name="Envoyer ma demande").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre demande a bien été envoyée")
    assert User.objects.get(email="lea@exemple.test").organization == org
    context.close()


def test_errors_accessible(page: Page):
    page.goto("/demande-acces/")
    page.get_by_role("button", name="Envoyer ma demande").click()
    expect(page.get_by_role("alert")).to_contain_text("Votre demande n'a pas été envoyée")
    assert_no_axe_violations(page)
