"""Every key page on a desktop screen (1280 px) and on a phone (390 px): axe-core finds nothing (WCAG 2.1 A and AA,
which the RGAA follows, and axe's best practices), and on the phone nothing is wider than the screen (WCAG 1.4.10,
reflow). The site list, a table on a desktop, reads as one card per site on a phone.

One test per demo role: the role signs in once and the same browser page goes from URL to URL; every page is checked
at both widths (the window is resized, the page is not loaded again) and the test fails with what is wrong on all of
them.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from resorption.accounts.models import User
from resorption.actions.models import Action
from resorption.settlements.models import Site
from tests.browser.demo_world import load_demo_world
from tests.browser.helpers import BEST_PRACTICE_TAGS, axe_violations, log_in, wait_for_htmx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DEMO_PASSWORD = "Demo-Resorption-2026!"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
WIDTHS = {"1280px": DESKTOP, "390px": PHONE}
# In Gironde, with justice and owner data, and a journal whose demo messages were all posted within the same minute.
OPEN_SITE = "14 quai de la Souys 33100 Bordeaux"
CLOSED_SITE = "3 chemin de Lissandre 33800 Bordeaux"  # with the orientations of its households
MAX_CARD_HEIGHT_PX = 250
# In Gironde, on the two sites above, with finances over two years and 2025 indicators (resorption/demo/actions.py).
FINANCED_ACTION = "Accompagnement global des familles de la Souys et de Lissandre"


def _site(address: str) -> Site:
    return Site.objects.get(address=address)


def open_site() -> dict:
    return {"pk": _site(OPEN_SITE).pk}


def open_site_journal() -> dict:
    return {"site_id": _site(OPEN_SITE).pk}


def closed_site() -> dict:
    return {"pk": _site(CLOSED_SITE).pk}


def correspondent_account() -> dict:
    return {"pk": User.objects.get(email="correspondant-33@demo.test").pk}


def correspondent_organization() -> dict:
    return {"pk": User.objects.get(email="correspondant-33@demo.test").organization_id}


def no_site() -> dict:
    return {"pk": 999_999_999}


def financed_action() -> dict:
    return {"pk": Action.objects.get(name=FINANCED_ACTION).pk}


@dataclass(frozen=True)
class KeyPage:
    name: str
    url_name: str
    kwargs: Callable[[], dict] = dict
    status: int = 200

    def path(self) -> str:
        return reverse(self.url_name, kwargs=self.kwargs())


# Who opens which page; None is a visitor who has not signed in.
KEY_PAGES: dict[str | None, list[KeyPage]] = {
    None: [
        KeyPage("accueil", "core:home"),
        KeyPage("connexion", "accounts:login"),
        KeyPage("demande d'accès", "accounts:access_request"),
        KeyPage("mentions légales", "core:legal"),
        KeyPage("déclaration d'accessibilité", "core:accessibility"),
        KeyPage("données personnelles", "core:privacy"),
        KeyPage("statistiques publiques", "public_stats:index"),
    ],
    "correspondant-33@demo.test": [
        KeyPage("tableau de bord", "dashboard:index"),
        KeyPage("liste des sites", "settlements:list"),
        KeyPage("carte des sites", "maps:index"),
        KeyPage("fiche d'un site", "settlements:detail", open_site),
        KeyPage("fiche d'un site fermé", "settlements:detail", closed_site),
        KeyPage("historique du site", "settlements:history", open_site),
        KeyPage("modification du site", "settlements:update", open_site),
        KeyPage("fermeture du site", "settlements:close", open_site),
        KeyPage("signalement d'un site", "settlements:report"),
        KeyPage("messages territoriaux", "journal:territorial"),
        KeyPage("centre de notifications", "notifications:list"),
        KeyPage("mon compte", "accounts:profile"),
        KeyPage("mes droits", "accounts:rights"),
        # The correspondent reads the finances of the actions of his département, and the indicators of one he
        # neither pilots nor operates (no form: the values).
        KeyPage("liste des actions", "actions:list"),
        KeyPage("saisie d'une action", "actions:create"),
        KeyPage("fiche d'une action", "actions:detail", financed_action),
        KeyPage("indicateurs d'une action (lecture)", "actions:indicators", financed_action),
        KeyPage("annuaire", "directory:index"),
        KeyPage("fiche d'une structure de l'annuaire", "directory:organization", correspondent_organization),
        KeyPage("fiche d'une personne de l'annuaire", "directory:person", correspondent_account),
        KeyPage("historique des activités", "activity:index"),
        KeyPage("statistiques nationales", "stats:national"),
        KeyPage("statistiques d'un département", "stats:departement", lambda: {"code": "33"}),
        KeyPage("export des sites", "exports:site_export"),
        KeyPage("fiche PDF d'un site : choix des sections", "sheets:form", open_site),
    ],
    # An admin reads, under each journal message, who was notified of it; he updates the actions of his territory.
    "local-admin-33@demo.test": [
        KeyPage("journal du site", "journal:journal", open_site_journal),
        KeyPage("modification d'une action", "actions:update", financed_action),
        KeyPage("indicateurs d'une action", "actions:indicators", financed_action),
        KeyPage("financements d'une action", "actions:finances", financed_action),
        KeyPage("historique d'une action", "actions:history", financed_action),
        KeyPage("journal d'une action", "actions:journal", financed_action),
        KeyPage("lecteurs des financements d'une action", "actions:finance_readers", financed_action),
        KeyPage("administration des comptes", "accounts:admin_users"),
        KeyPage("fiche d'un compte", "accounts:user_detail", correspondent_account),
    ],
    "national-admin@demo.test": [
        KeyPage("journal des connexions", "accounts:admin_signins"),
        KeyPage("courriels envoyés", "accounts:admin_emails"),
    ],
    # An intervener reads the site but may not close it. No site has this number.
    "intervenant-33@demo.test": [
        KeyPage("page 403", "settlements:close", open_site, status=403),
        KeyPage("page 404", "settlements:detail", no_site, status=404),
    ],
}


@pytest.fixture
def demo_data():
    load_demo_world()


def sign_in(page: Page, live_server, email: str) -> None:
    log_in(page, email, DEMO_PASSWORD)
    page.wait_for_url(f"{live_server.url}{reverse('dashboard:index')}")


def page_overflow(page: Page) -> int:
    """How many pixels the page is wider than the window: the page scrolls sideways when positive."""
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


# Each person's pages in runs of at most this many: a test per run, so that the suite's processes share them.
PAGES_PER_TEST = 8
RUNS = [
    pytest.param(
        email, pages[start : start + PAGES_PER_TEST], id=f"{email or 'visiteur'}-{start // PAGES_PER_TEST + 1}"
    )
    for email, pages in KEY_PAGES.items()
    for start in range(0, len(pages), PAGES_PER_TEST)
]


@pytest.mark.parametrize(("email", "key_pages"), RUNS)
def test_every_key_page_passes_axe_and_fits_the_screen(page: Page, live_server, demo_data, email, key_pages):
    if email is not None:
        sign_in(page, live_server, email)

    failures = []
    for key_page in key_pages:
        path = key_page.path()
        page.set_viewport_size(DESKTOP)
        response = page.goto(path)
        # The page checked is the one named, not a redirection to the sign-in or the charter.
        assert (response.status, response.url) == (key_page.status, f"{live_server.url}{path}"), key_page.name
        wait_for_htmx(page)
        # Both widths on the same page: the layout follows the window's width (CSS media queries), not the load.
        for width, viewport in WIDTHS.items():
            page.set_viewport_size(viewport)
            problems = axe_violations(page, BEST_PRACTICE_TAGS)
            if overflow := page_overflow(page):
                problems.append(f"- the page is {overflow} px wider than the window: it scrolls sideways")
            if problems:
                failures.append(f"{key_page.name} ({path}) at {width}:\n" + "\n".join(problems))

    if failures:
        pytest.fail("\n".join(failures), pytrace=False)


def test_the_site_list_shows_one_card_per_site_on_a_phone(page: Page, live_server, demo_data):
    sign_in(page, live_server, "correspondant-33@demo.test")
    page.set_viewport_size(PHONE)
    # Every territory of the correspondent: the demo's open sites of three départements.
    page.goto(f"{reverse('settlements:list')}?localisation=")
    rows = page.locator(".site-list tbody tr")
    expect(rows).to_have_count(Site.objects.open().count())

    assert page_overflow(page) <= 0
    width = page.evaluate("() => window.innerWidth")
    shown = []
    for index in range(rows.count()):
        cells = rows.nth(index).get_by_role("cell")
        site, commune, people = cells.nth(0).get_by_role("link"), cells.nth(1), cells.nth(2)
        for each in (site, commune, people):
            expect(each).to_be_visible()
            box = each.bounding_box()
            assert 0 <= box["x"] and box["x"] + box["width"] <= width, each.inner_text()
        card = rows.nth(index).bounding_box()
        assert card["height"] < MAX_CARD_HEIGHT_PX, f"{site.inner_text()}: a card {card['height']} px high"
        shown.append((site.inner_text(), commune.inner_text(), people.inner_text()))

    # What the cards say, pinned to the sites themselves (the label « Personnes : » is drawn by the style sheet).
    assert sorted(shown) == sorted(
        (each.address_simple, f"{each.commune.name} ({each.commune.departement_id})", str(each.population_total))
        for each in Site.objects.open().select_related("commune")
    )

    # On a desktop, the same HTML is a table again: the cells of a row side by side.
    page.set_viewport_size(DESKTOP)
    first = rows.first.get_by_role("cell")
    assert first.nth(1).bounding_box()["y"] == first.nth(2).bounding_box()["y"]
    expect(page.get_by_role("columnheader", name="Commune")).to_be_visible()
