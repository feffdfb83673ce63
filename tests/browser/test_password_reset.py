"""Password reset in a real browser: the emailed link opens a form that really saves (CSRF and Origin included)."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from tests.accounts.factories import UserFactory
from tests.browser.helpers import assert_no_axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
NEW_PASSWORD = "Encore-Un-Mot-de-passe-2026"


def test_reset_link_sets_a_new_password_that_signs_in(page: Page, live_server):
    user = UserFactory(email="oubli@exemple.test")
    page.goto("/mot-de-passe-oublie/")
    page.get_by_label("Adresse électronique").fill(user.email)
    page.get_by_role("button", name="Recevoir le lien").click()
    [message] = mail.outbox
    path = re.search(r"https?://[^/\s]+(/mot-de-passe-oublie/\S+/\S+/)", message.body).group(1)

    page.goto(path)
    assert_no_axe_violations(page)
    page.locator("#id_new_password1").fill(NEW_PASSWORD)  # its label also holds the policy hint
    page.get_by_label("Confirmation du nouveau mot de passe").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    expect(page).to_have_url(re.compile(r"/connexion/"))

    log_in(page, user.email, NEW_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/tableau-de-bord/")
