import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import assert_no_axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

MAX_TABS = 30


def test_home_page_offers_login_and_access_request(page: Page):
    page.goto("/")

    main = page.locator("main")
    expect(main.get_by_role("link", name="Se connecter")).to_be_visible()
    expect(main.get_by_role("link", name="Demander un accès")).to_be_visible()
    assert_no_axe_violations(page)


def test_login_page_is_accessible(page: Page):
    page.goto("/connexion/")

    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_no_axe_violations(page)


def test_keyboard_user_skips_to_content_then_opens_login(page: Page, live_server):
    page.goto("/")

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Contenu", exact=True)).to_be_focused()

    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focused = page.evaluate("() => [document.activeElement.tagName, document.activeElement.textContent.trim()]")
        if focused == ["A", "Se connecter"]:
            break
    else:
        pytest.fail(f"No 'Se connecter' link within {MAX_TABS} presses of Tab.")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(rf"^{re.escape(live_server.url)}/connexion/"))


@pytest.mark.parametrize("width", [1280, 390])
def test_the_500_page_is_french_accessible_and_fits_the_screen(page: Page, settings, width):
    settings.ROOT_URLCONF = "tests.core.urls_failing"
    page.set_viewport_size({"width": width, "height": 800})

    response = page.goto("/en-panne/")

    assert response is not None and response.status == 500
    expect(page.get_by_role("heading", level=1)).to_have_text("Erreur inattendue")
    expect(page.get_by_role("link", name="Retour à l'accueil")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_no_axe_violations(page)
