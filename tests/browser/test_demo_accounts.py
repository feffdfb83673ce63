import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.demo_world import load_demo_world
from tests.browser.helpers import assert_no_axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DEMO_PASSWORD = "Demo-Resorption-2026!"
DEMO_ACCOUNTS = [
    ("national-admin@demo.test", "Administrateur national"),
    ("local-admin-33@demo.test", "Administrateur local"),
    ("correspondant-33@demo.test", "Correspondant"),
    ("partenaire-33@demo.test", "Partenaire institutionnel"),
    ("operateur-31@demo.test", "Opérateur"),
    ("intervenant-33@demo.test", "Intervenant"),
    ("observateur-31@demo.test", "Observateur externe"),
    ("acteur-national@demo.test", "Acteur national"),
]


@pytest.fixture
def demo_data():
    load_demo_world()


@pytest.mark.parametrize(("email", "role_label"), DEMO_ACCOUNTS, ids=[email for email, _ in DEMO_ACCOUNTS])
def test_demo_account_signs_in_and_sees_its_role(page: Page, live_server, demo_data, email, role_label):
    log_in(page, email, DEMO_PASSWORD)

    expect(page).to_have_url(f"{live_server.url}/tableau-de-bord/")
    # A whole word, case-sensitive: "Opérateur" must not be satisfied by "opérateurs" in some paragraph.
    expect(page.get_by_text(re.compile(rf"\b{re.escape(role_label)}\b")).filter(visible=True).first).to_be_visible()


def test_dashboard_is_accessible(page: Page, live_server, demo_data):
    log_in(page, "national-admin@demo.test", DEMO_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/tableau-de-bord/")

    assert_no_axe_violations(page)
