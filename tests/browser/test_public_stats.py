"""The public statistics page in a browser: anyone opens it without signing in, and axe-core finds nothing on it, on
a desktop screen and on a phone (where nothing is wider than the screen)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from resorption.accounts.models import SignInAttempt
from tests.accounts.factories import UserFactory
from tests.browser.helpers import BEST_PRACTICE_TAGS, axe_violations
from tests.settlements.factories import SiteFactory
from tests.territories.factories import CommuneFactory, DepartementFactory, RegionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WIDTHS = [{"width": 1280, "height": 800}, {"width": 390, "height": 844}]


@pytest.fixture
def some_activity():
    """Six open sites in Nouvelle-Aquitaine (shown), one in Occitanie (suppressed), a user who signed in."""
    for _ in range(6):
        SiteFactory()
    SiteFactory(
        commune=CommuneFactory(
            code="31555",
            name="Toulouse",
            departement=DepartementFactory(
                code="31", name="Haute-Garonne", region=RegionFactory(code="76", name="Occitanie")
            ),
        )
    )
    user = UserFactory(last_login=timezone.now() - datetime.timedelta(days=1))
    SignInAttempt.objects.create(user=user, email=user.email, success=True)


def test_anyone_opens_the_public_statistics_and_axe_finds_nothing(page: Page, some_activity):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
    page.on("console", lambda message: message.type == "error" and errors.append(f"console: {message.text}"))
    page.goto(reverse("public_stats:index"))

    expect(page.get_by_role("heading", level=1)).to_have_text("Statistiques publiques")
    regions = page.get_by_role("table", name="Sites ouverts et personnes y vivant, par région")
    expect(regions.get_by_role("row", name="Occitanie")).to_contain_text("< 5")
    expect(regions.get_by_role("row", name="Nouvelle-Aquitaine")).to_contain_text("6")
    expect(page.get_by_role("table", name="Utilisation de la plateforme sur les 12 derniers mois")).to_be_visible()
    # The chart is drawn from the table (Chart.js under the strict CSP), and nothing went wrong on the way.
    chart = page.get_by_role("img", name="Graphique des utilisateurs actifs et des opérations sur les sites par mois")
    expect(chart).to_be_visible()
    assert (
        page.evaluate("() => Chart.getChart(document.querySelector('[data-chart-table] canvas')).data.labels.length")
        == 12
    )
    assert not errors, errors

    problems = []
    for size in WIDTHS:
        page.set_viewport_size(size)
        problems += [f"{size['width']}px {violation}" for violation in axe_violations(page, BEST_PRACTICE_TAGS)]
        if not page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"):
            problems.append(f"{size['width']}px: the page is wider than the screen")
    assert not problems, "\n".join(problems)
