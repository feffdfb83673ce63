"""Actions in a real browser (issue 10): a pilot creates an action on a site through the form and its pickers, then
enters its 2026 finances and indicators and posts a message in the action's journal addressed to the operator alone;
the operator, of another organisation, reads the action and the message but not one amount; a correspondent of the
département reads the action's journal without the message. axe-core checks every page on the way.
"""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import Locator, Page, expect

from resorption.accounts.models import User
from resorption.actions.models import Action, ActionEntry, ActionMetrics
from resorption.settlements.models import Site
from tests.browser.demo_world import load_demo_world
from tests.browser.helpers import assert_no_axe_violations, log_in, wait_for_htmx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DEMO_PASSWORD = "Demo-Resorption-2026!"
# The pilot: a health mediator of the Gironde (an intervener, who may create actions in his département); piloting
# the action gives his organisation its finances. The operator: an officer of the Commune de Bordeaux, who reads and
# updates the action as its operator, but holds no right to its finances (only the pilots' organisations do).
PILOT = "intervenant-33@demo.test"
OPERATOR = "partenaire-33@demo.test"
SITE = "14 quai de la Souys 33100 Bordeaux"
NAME = "Médiation en santé au quai de la Souys"
AMOUNT, SPENT = "48500", "12250"
TARGETED = "Réunion avec la PMI le 12 janvier : merci de confirmer la présence de l'infirmière."
# Every way a page could write these amounts (ours write « 48 500,00 € » with non-breaking spaces).
AMOUNT_TEXTS = tuple(
    f"{thousands}{separator}{rest}"
    for thousands, rest in (("48", "500"), ("12", "250"))
    for separator in ("\u00a0", "&nbsp;", " ", "", ".", "\u202f")
)


@pytest.fixture
def demo_data():
    load_demo_world()


def sign_in(page: Page, live_server, email: str) -> None:
    page.context.clear_cookies()
    log_in(page, email, DEMO_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}{reverse('dashboard:index')}")


def field(scope: Page | Locator, label: str) -> Locator:
    """The field labelled `label`, optional or not (DSFR adds « (Optionnel) » to the label of an optional field)."""
    return scope.get_by_label(re.compile(rf"^\s*{re.escape(label)}(\s+\(optionnel\))?\s*$", re.IGNORECASE))


def tick(group: Locator, label: str) -> None:
    """Tick a box of a group by its label, as people do: DSFR draws its own box over the native one."""
    group.locator("label", has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")).click()
    expect(group.get_by_label(label, exact=True)).to_be_checked()


def amounts_in(page: Page) -> list[str]:
    """The amounts of the test found in the page: in its HTML (attributes included) or its text (hidden or not)."""
    written = page.content() + page.locator("html").text_content()
    return [text for text in AMOUNT_TEXTS if text in written]


def search_picker(page: Page, name: str, query: str, found: str) -> Locator:
    """Type in the search of a picker of the action form (htmx) and wait for the suggestion `found`."""
    search = page.locator(f"#recherche-{name}")
    search.press_sequentially(query)
    suggestion = page.locator(f"#suggestions-{name}").get_by_role("checkbox", name=found, exact=True)
    expect(suggestion).to_have_count(1)
    wait_for_htmx(page)
    return suggestion


def test_a_pilot_enters_an_action_its_finances_and_indicators_and_an_operator_reads_no_amount(
    page: Page, live_server, demo_data
):
    site = Site.objects.select_related("commune").get(address=SITE)
    sign_in(page, live_server, PILOT)
    page.goto(reverse("actions:list"))
    page.get_by_role("link", name="Saisir une action").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Saisir une action")
    assert_no_axe_violations(page)
    field(page, "Quel est le nom de l'action ?").fill(NAME)
    field(page, "Date de début").fill("2026-01-05")
    topics = page.get_by_role("group", name=re.compile(r"^\s*Champs d'intervention"))
    tick(topics, "Santé")
    tick(topics, "Logement")
    field(page, "Objectifs de l'action").fill("Ouvrir les droits à l'assurance maladie de chaque famille du site.")
    field(page, "Département d'intervention principal").select_option("33")
    page.get_by_role("group", name=re.compile(r"^\s*Où se déroule l'action")).locator(
        "label", has_text=re.compile(r"^\s*Sur site\s*$")
    ).click()

    # The concerned site with the keyboard: type, Tab past the search button to the suggestion, Space to tick it.
    found = search_picker(page, "sites", "souys", f"{site.display_name} — {site.commune.name} (33)")
    assert_no_axe_violations(page)
    page.locator("#recherche-sites").focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(found).to_be_focused()
    page.keyboard.press("Space")
    expect(found).to_be_checked()
    # The pilot (himself) and the operator with the mouse.
    pilot = search_picker(page, "managers", "garcia", "Hugo Garcia — Médiation sanitaire en Gironde")
    page.locator("#suggestions-managers").locator("label", has_text="Hugo Garcia").click()
    expect(pilot).to_be_checked()
    operator = search_picker(page, "operators", "lefèvre", "Paul Lefèvre — Commune de Bordeaux")
    page.locator("#suggestions-operators").locator("label", has_text="Paul Lefèvre").click()
    expect(operator).to_be_checked()
    page.get_by_role("button", name="Enregistrer", exact=True).click()

    expect(page.get_by_text("L'action a été créée.")).to_be_visible()
    action = Action.objects.get(name=NAME)
    expect(page).to_have_url(f"{live_server.url}{action.get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    expect(page.get_by_role("link", name=site.display_name)).to_be_visible()
    assert_no_axe_violations(page)
    assert (action.departement_id, action.location_type, action.topic_health, action.topic_housing) == (
        "33",
        "sur_site",
        True,
        True,
    )
    assert list(action.sites.all()) == [site]
    assert [(each.user.email, each.organization.name) for each in action.managers.all()] == [
        (PILOT, "Médiation sanitaire en Gironde")
    ]
    assert [(each.user.email, each.organization.name) for each in action.operators.all()] == [
        (OPERATOR, "Commune de Bordeaux")
    ]

    # 2026 finances, on the first line of the form.
    page.get_by_role("link", name="Modifier les financements").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Financements")
    assert_no_axe_violations(page)
    line = page.get_by_role("group", name="Financement 1")
    field(line, "Année").fill("2026")
    field(line, "Type de financement").select_option(label="Crédits dédiés à la résorption des bidonvilles")
    field(line, "Montant (€)").fill(AMOUNT)
    field(line, "Dépenses exécutées (€)").fill(SPENT)
    field(line, "Commentaire").fill("Première tranche versée en mars")
    page.get_by_role("button", name="Enregistrer les financements").click()

    expect(page.get_by_text("Les financements ont été enregistrés.")).to_be_visible()
    table = page.get_by_role("table", name="Financements 2026")
    expect(table).to_contain_text("Crédits dédiés à la résorption des bidonvilles")
    expect(table).to_contain_text("48\u00a0500,00\u00a0€")
    expect(table).to_contain_text("12\u00a0250,00\u00a0€")
    assert {"48\u00a0500", "12\u00a0250"} <= set(amounts_in(page))  # what the operator's pages are searched for
    assert_no_axe_violations(page)
    assert list(action.finances.values_list("year", "finance_type", "amount", "real_amount")) == [
        (2026, "dedie", Decimal(AMOUNT), Decimal(SPENT))
    ]

    # 2026 indicators: a count above its total is refused next to its field, then the corrected one is saved.
    page.get_by_role("link", name="Indicateurs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Indicateurs 2026")
    assert_no_axe_violations(page)
    field(page, "Nombre de personnes accompagnées").fill("40")
    field(page, "Nombre de ménages accompagnés").fill("45")
    field(page, "Nombre de personnes accompagnées vers la santé").fill("22")
    page.get_by_role("button", name="Enregistrer les indicateurs 2026").click()

    expect(page.locator("#id_nombre_menages-desc-error")).to_contain_text(
        "Le nombre de ménages accompagnés ne peut pas dépasser le nombre de personnes accompagnées."
    )
    expect(field(page, "Nombre de ménages accompagnés")).to_have_value("45")
    assert not ActionMetrics.objects.filter(action=action).exists()
    assert_no_axe_violations(page)
    field(page, "Nombre de ménages accompagnés").fill("12")
    field(page, "Nombre de femmes accompagnées").fill("18")
    field(page, "Nombre de mineurs accompagnés").fill("15")
    field(page, "Nombre de personnes ayant accédé à un logement").fill("6")
    field(page, "Nombre de ménages ayant accédé à un logement").fill("2")
    page.get_by_role("button", name="Enregistrer les indicateurs 2026").click()

    expect(page.get_by_text("Les indicateurs 2026 ont été enregistrés.")).to_be_visible()
    expect(field(page, "Nombre de personnes accompagnées")).to_have_value("40")
    metrics = ActionMetrics.objects.get(action=action, year=2026)
    assert (metrics.nombre_personnes, metrics.nombre_menages, metrics.sante_nombre_personnes) == (40, 12, 22)
    assert (metrics.logement_nombre_personnes, metrics.logement_nombre_menages) == (6, 2)

    # A message in the action's journal for the operator alone, picked among the people of the département.
    page.goto(action.get_absolute_url())
    page.get_by_role("link", name="Journal de l'action").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Journal de l'action")
    assert_no_axe_violations(page)
    page.get_by_label("Message", exact=True).fill(TARGETED)
    page.locator("label", has_text="Une liste personnalisée de structures et de personnes").click()
    search = page.get_by_label("Rechercher une structure ou une personne")
    search.press_sequentially("lefèvre")
    recipient = page.get_by_role("checkbox", name=re.compile(r"^\s*Paul Lefèvre"))
    expect(recipient).to_have_count(1)
    wait_for_htmx(page)
    assert_no_axe_violations(page)
    page.locator("#destinataires-suggestions").locator("label", has_text="Paul Lefèvre").click()
    expect(recipient).to_be_checked()
    page.get_by_role("button", name="Publier").click()

    expect(page.get_by_text("Votre message a été ajouté au journal de l'action.")).to_be_visible()
    expect(page.get_by_text(TARGETED)).to_be_visible()
    expect(page.get_by_text("Message ciblé")).to_be_visible()
    assert_no_axe_violations(page)
    entry = ActionEntry.objects.get(action=action)
    assert (entry.is_public, entry.target_user_ids) == (False, {User.objects.get(email=OPERATOR).pk})
    journal = reverse("actions:journal", kwargs={"pk": action.pk})

    # The operator, of another organisation: he reads the action, its indicators, its history and the message
    # addressed to him, never an amount.
    sign_in(page, live_server, OPERATOR)
    for url in (
        action.get_absolute_url(),
        reverse("actions:indicators", kwargs={"pk": action.pk}),
        reverse("actions:history", kwargs={"pk": action.pk}),
        journal,
    ):
        response = page.goto(url)
        assert response.status == 200, url
        expect(page.get_by_text(NAME).first).to_be_visible()
        assert amounts_in(page) == [], url
        expect(page.get_by_text("Première tranche versée en mars")).to_have_count(0)
        assert_no_axe_violations(page)
    page.goto(action.get_absolute_url())
    expect(page.get_by_role("heading", name="Opérateurs de l'action")).to_be_visible()
    expect(page.get_by_text("Paul Lefèvre — Commune de Bordeaux")).to_be_visible()
    expect(page.get_by_role("heading", name="Financements", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Modifier les financements")).to_have_count(0)
    assert page.goto(reverse("actions:finances", kwargs={"pk": action.pk})).status == 403
    page.goto(journal)
    expect(page.get_by_text(TARGETED)).to_be_visible()

    # A correspondent of the département reads the action's journal, not the message addressed to the operator.
    sign_in(page, live_server, "correspondant-33@demo.test")
    page.goto(journal)
    expect(page.get_by_role("heading", level=1)).to_have_text("Journal de l'action")
    expect(page.get_by_text(TARGETED)).to_have_count(0)
    assert_no_axe_violations(page)
