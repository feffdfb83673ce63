"""What browser tests do again and again: sign in, and check a page with axe-core."""

from pathlib import Path

import pytest
from playwright.sync_api import Page

AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# The RGAA, which binds French public services, follows WCAG 2.1 levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# axe's best practices add what a screen-reader user finds the page by: landmarks each with a name of their own, one
# main landmark, headings in order. The sweep of the key pages (test_accessibility.py) holds them to these too.
BEST_PRACTICE_TAGS = [*WCAG_TAGS, "best-practice"]
MAX_TARGETS_SHOWN = 5


def log_in(page: Page, email: str, password: str) -> None:
    """Sign in through the login form, the way a user does."""
    page.goto("/connexion/")
    # The e-mail label carries a format hint after the field name; the password one must not catch a
    # "show the password" toggle.
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter").click()


def wait_for_htmx(page: Page) -> None:
    """Wait until htmx has no request under way and has settled what it swapped in.

    Swapped-in elements get their own htmx behaviour only when the swap settles (about 20 ms later): an element used
    before that (a select changed, a button clicked) would not send its request.
    """
    page.wait_for_function(
        "() => window.htmx !== undefined"
        " && !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )


def assert_no_axe_violations(page: Page) -> None:
    """Run axe-core on the current page against WCAG 2.1 A and AA; fail with one line per rule broken."""
    __tracebackhide__ = True
    violations = axe_violations(page)
    if violations:
        report = "\n".join(violations)
        pytest.fail(f"axe-core: {len(violations)} violation(s) on {page.url}\n{report}", pytrace=False)


def wait_for_dsfr(page: Page) -> None:
    """Wait until the DSFR script has set up the page's header and modals (it marks each element it took charge of
    with a `data-fr-js-…` attribute). Before that, the header's menu modal is an empty box labelled by its button — the
    script fills it with the header's links — which axe rightly reports; users never see that state, the modal being
    hidden until opened. A page that does not load the script (the 500 page) is checked as it is."""
    page.wait_for_function(
        "() => !document.querySelector('script[src*=\"dsfr.module\"]')"  # a page without the script (500)
        " || document.documentElement.getAttribute('data-fr-js') === 'true'"
        " && [...document.querySelectorAll('.fr-header__tools-links')]"
        "     .every(e => e.hasAttribute('data-fr-js-header-links'))"
        " && [...document.querySelectorAll('.fr-modal')].every(e => e.hasAttribute('data-fr-js-modal'))"
    )


def axe_violations(page: Page, tags: list[str] = WCAG_TAGS) -> list[str]:
    """Run axe-core on the current page, once the DSFR script has set it up, with the rules of `tags` (WCAG 2.1 A and
    AA unless told); one description per rule broken."""
    __tracebackhide__ = True
    wait_for_dsfr(page)
    if not AXE_SCRIPT.exists():
        pytest.fail(f"{AXE_SCRIPT} is missing: run `npm ci`.", pytrace=False)
    if not page.evaluate("() => typeof window.axe === 'object'"):  # once per page load
        page.add_script_tag(path=AXE_SCRIPT)
    options = {
        "runOnly": {"type": "tag", "values": tags},
        # Only violations are read: axe still checks every element, but stops collecting the passes, incomplete and
        # inapplicable results after the first of each rule (axe-core's advice for large pages).
        "resultTypes": ["violations"],
    }
    results = page.evaluate("options => axe.run(document, options)", options)
    return [_describe(violation) for violation in results["violations"]]


def _describe(violation: dict) -> str:
    targets = [_selector(node["target"]) for node in violation["nodes"]]
    shown = ", ".join(targets[:MAX_TARGETS_SHOWN])
    if len(targets) > MAX_TARGETS_SHOWN:
        shown += f", … (+{len(targets) - MAX_TARGETS_SHOWN})"
    return f"- {violation['id']} [{violation['impact']}] {violation['help']}\n    {violation['helpUrl']}\n    {shown}"


def _selector(target: list) -> str:
    # A target lists one selector per frame or shadow root crossed on the way to the element.
    return " >> ".join(part if isinstance(part, str) else " >> ".join(part) for part in target)
