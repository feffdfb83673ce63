"""Defects a new user met in the frame, the administration and the access-request form (issue 9, item 8), checked in
Chromium with our Content Security Policy enforced (the other browser tests bypass it to inject axe-core)."""

import pytest
from playwright.sync_api import Page, expect

from resorption.accounts.enums import AdminRole, AreaType
from resorption.emails.models import EmailStatus, OutgoingEmail
from tests.accounts.factories import DEFAULT_PASSWORD, OrganizationFactory, UserFactory
from tests.browser.helpers import log_in, wait_for_htmx
from tests.territories.factories import DepartementFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser_context_args(bypass_csp=False),
]

DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 390, "height": 844}
# Recorded from the first script of every page: a CSP violation fires this event even when the console says nothing.
CSP_RECORDER = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
    window.cspViolations.push(`${event.effectiveDirective} blocked ${event.blockedURI} ${event.sample}`);
}, true);
"""


class PageProblems:
    """Script errors, console errors and CSP violations of a page, from the moment it is watched."""

    def __init__(self, page: Page):
        self.page = page
        self.errors: list[str] = []
        page.add_init_script(CSP_RECORDER)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        page.on("console", lambda message: message.type == "error" and self.errors.append(f"console: {message.text}"))

    def assert_none(self):
        __tracebackhide__ = True
        violations = self.page.evaluate("window.cspViolations")
        assert (self.errors, violations) == ([], []), f"on {self.page.url}"


@pytest.fixture
def problems(page: Page) -> PageProblems:
    return PageProblems(page)


# ---------------------------------------------------------------------------------------------------------------------
# The header on anonymous pages
# ---------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/", "/connexion/", "/demande-acces/", "/mentions-legales/", "/accessibilite/", "/donnees-personnelles/"]
)
def test_an_anonymous_visitor_on_a_phone_finds_se_connecter_in_the_menu(page: Page, problems, url):
    page.set_viewport_size(MOBILE)
    page.goto(url)

    page.get_by_role("button", name="Menu", exact=True).click()

    menu = page.get_by_role("dialog", name="Menu")
    expect(menu.get_by_role("link", name="Se connecter")).to_be_visible()
    problems.assert_none()


# ---------------------------------------------------------------------------------------------------------------------
# htmx and the CSP
# ---------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/tableau-de-bord/", "/sites/"])
def test_a_signed_in_page_with_htmx_breaks_no_csp_rule(page: Page, problems, url):
    user = UserFactory()
    log_in(page, user.email, DEFAULT_PASSWORD)
    page.goto(url)
    wait_for_htmx(page)

    problems.assert_none()
    # The indicators htmx no longer styles itself still hide until their request runs, by our style sheet.
    opacity = page.evaluate(
        """() => {
            const indicator = document.createElement("span");
            indicator.className = "htmx-indicator";
            document.body.append(indicator);
            const idle = getComputedStyle(indicator).visibility;
            document.body.classList.add("htmx-request");
            const busy = getComputedStyle(indicator).visibility;
            document.body.classList.remove("htmx-request");
            return [idle, busy];
        }"""
    )
    assert opacity == ["hidden", "visible"]


# ---------------------------------------------------------------------------------------------------------------------
# Administration
# ---------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("viewport", [DESKTOP, MOBILE], ids=["1280", "390"])
def test_creer_un_compte_is_a_button_with_its_whole_label(page: Page, viewport):
    admin = UserFactory(admin_role=AdminRole.LOCAL_ADMIN)
    page.set_viewport_size(viewport)
    log_in(page, admin.email, DEFAULT_PASSWORD)
    page.goto("/administration/")

    button = page.locator("main a.fr-btn", has_text="Créer un compte")
    expect(button).to_be_visible()
    widths = button.evaluate(
        """(link) => {
            const label = document.createRange();
            label.selectNodeContents(link);
            return {scroll: link.scrollWidth, client: link.clientWidth, box: link.getBoundingClientRect().width,
                    label: label.getBoundingClientRect().width};
        }"""
    )
    assert widths["scroll"] <= widths["client"], widths
    assert widths["label"] <= widths["box"], widths


@pytest.mark.parametrize("viewport", [DESKTOP, MOBILE], ids=["1280", "390"])
def test_the_email_viewer_fits_the_page_under_our_csp(page: Page, problems, viewport):
    admin = UserFactory(
        admin_role=AdminRole.NATIONAL_ADMIN,
        organization=OrganizationFactory(area_type=AreaType.NATION, departement=None),
    )
    link = "http://127.0.0.1:8000/mot-de-passe-oublie/" + "Mg" * 20 + "/" + "c0ffee" * 40 + "/"
    email = OutgoingEmail.objects.create(
        template="password_reset",
        to=["une.adresse.electronique.particulierement.longue@un-domaine-tres-long.exemple.test"],
        subject="Réinitialisation de votre mot de passe Résorption-bidonvilles",
        body_text=f"Bonjour,\n\nPour choisir un nouveau mot de passe, ouvrez ce lien :\n{link}\n\nL'équipe\n",
        status=EmailStatus.FAILED,
        last_error="SMTPRecipientsRefused: " + "x" * 400,
    )
    page.set_viewport_size(viewport)
    log_in(page, admin.email, DEFAULT_PASSWORD)
    page.goto(f"/administration/emails/?courriel={email.pk}")

    body = page.locator("main pre")
    expect(body).to_contain_text(link)
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page is {widths[0]} px wide in a {widths[1]} px window"
    # The text keeps its own line breaks: the link is on a line of its own, after the sentence announcing it.
    assert body.evaluate("(pre) => getComputedStyle(pre).whiteSpace") == "pre-wrap"
    problems.assert_none()


# ---------------------------------------------------------------------------------------------------------------------
# The access-request form keeps what was typed
# ---------------------------------------------------------------------------------------------------------------------

TYPED = {
    "#id_last_name": "Durand",
    "#id_first_name": "Léa",
    "#id_email": "lea@exemple.test",
    "#id_email_confirmation": "lea@exemple.test",
    "#id_phone": "06 12 34 56 78",
    "#id_position": "Cheffe de bureau",
    "#id_message": "Bonjour",
}


def values(page: Page, selectors) -> dict:
    return {selector: page.locator(selector).input_value() for selector in selectors}


def test_the_access_request_form_keeps_every_answer_while_its_structure_part_changes(page: Page, problems):
    DepartementFactory(code="33", name="Gironde")
    page.goto("/demande-acces/")
    page.locator("label[for=id_is_actor_0]").click()  # « Oui »: the organisation part appears
    expect(page.locator("#structure-legend")).to_have_count(1)
    wait_for_htmx(page)
    for selector, value in TYPED.items():
        page.locator(selector).fill(value)
    page.get_by_label("Type de structure").select_option("autre")
    page.get_by_label("Département de la structure").select_option("33")
    wait_for_htmx(page)
    page.get_by_label("Nom de votre structure").fill("Association des amis du quartier")
    page.get_by_label("Territoire de votre structure").fill("Bordeaux")
    answers = {
        **TYPED,
        "#id_organization_type": "autre",
        "#id_organization_departement": "33",
        "#id_other_organization_name": "Association des amis du quartier",
        "#id_other_organization_territory": "Bordeaux",
    }

    # Another request type hides the organisation part; coming back shows it with the answers given.
    page.locator("label[for=id_request_type_1]").click()
    expect(page.locator("#structure-legend")).to_have_count(0)
    wait_for_htmx(page)
    assert values(page, TYPED) == TYPED
    page.locator("label[for=id_request_type_0]").click()
    expect(page.locator("#structure-legend")).to_have_count(1)
    wait_for_htmx(page)
    assert values(page, answers) == answers

    # The same with « Non », then « Oui », to « acteur ».
    page.locator("label[for=id_is_actor_1]").click()
    expect(page.locator("#structure-legend")).to_have_count(0)
    wait_for_htmx(page)
    page.locator("label[for=id_is_actor_0]").click()
    expect(page.locator("#structure-legend")).to_have_count(1)
    wait_for_htmx(page)
    assert values(page, answers) == answers
    problems.assert_none()


def test_text_typed_while_the_structure_part_reloads_is_kept(page: Page):
    page.goto("/demande-acces/")
    wait_for_htmx(page)
    held = []

    def hold_the_reload(route):
        if route.request.method == "POST":
            held.append(route)
        else:
            route.continue_()

    page.route("**/demande-acces/", hold_the_reload)
    page.locator("#id_position").fill("Che")
    page.locator("label[for=id_request_type_1]").click()  # the organisation part reloads…
    page.wait_for_function("() => document.querySelector('.htmx-request')")
    page.locator("#id_position").fill("Cheffe de bureau")  # …while the person goes on typing
    held[0].continue_()
    wait_for_htmx(page)

    expect(page.get_by_label("Fonction")).to_have_value("Cheffe de bureau")
    # The part did reload: the position is optional for a request that is not an access request.
    expect(page.locator("label[for=id_position]")).to_contain_text("Optionnel")
