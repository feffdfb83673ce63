import re

import pytest
from playwright.sync_api import Page, expect

from tests.accounts.factories import DEFAULT_PASSWORD, CharterFactory, UserFactory
from tests.browser.helpers import assert_no_axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ACCEPT_LABEL = "J'ai lu et j'accepte la charte d'engagement"


@pytest.fixture
def user_behind_charter():
    """A user who accepted no version of the current charter."""
    CharterFactory(version=1)
    return UserFactory(charter_version_accepted=None)


def charter_url(live_server):
    return re.compile(rf"^{re.escape(live_server.url)}/charte/(\?.*)?$")


def test_user_must_accept_the_charter_before_the_dashboard(page: Page, live_server, user_behind_charter):
    log_in(page, user_behind_charter.email, DEFAULT_PASSWORD)
    expect(page).to_have_url(charter_url(live_server))

    page.goto("/tableau-de-bord/")
    expect(page).to_have_url(charter_url(live_server))

    accept = page.get_by_label(ACCEPT_LABEL)
    # DSFR draws the box on the label, over the real input: a user clicks the label.
    page.locator("label", has_text=ACCEPT_LABEL).click()
    expect(accept).to_be_checked()
    accept.locator("xpath=ancestor::form").locator("[type=submit]").click()

    expect(page).to_have_url(f"{live_server.url}/tableau-de-bord/")
    user_behind_charter.refresh_from_db()
    assert user_behind_charter.charter_version_accepted == 1


def test_charter_page_is_accessible(page: Page, live_server, user_behind_charter):
    log_in(page, user_behind_charter.email, DEFAULT_PASSWORD)
    expect(page).to_have_url(charter_url(live_server))

    assert_no_axe_violations(page)
