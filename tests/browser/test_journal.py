"""The journal in a real browser: a targeted message with an attachment reaches its target, not a bystander; the
journal page passes axe."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from resorption.accounts.enums import Role
from resorption.journal.models import JournalEntry
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.browser.helpers import assert_no_axe_violations, log_in, wait_for_htmx
from tests.journal import files
from tests.settlements.factories import SiteFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

MESSAGE = "Réunion de coordination jeudi à 10 h en préfecture."


def sign_in_as(page: Page, live_server, user) -> None:
    page.context.clear_cookies()
    log_in(page, user.email, DEFAULT_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/tableau-de-bord/")


def test_a_targeted_message_with_an_attachment_reaches_its_target_only(page: Page, live_server):
    site = SiteFactory()
    author = UserFactory(role=Role.ASSOCIATION, first_name="Alix", last_name="Auteur")
    target = UserFactory(role=Role.ASSOCIATION, first_name="Théo", last_name="Destinataire")
    bystander = UserFactory(role=Role.ASSOCIATION, first_name="Bastien", last_name="Passant")
    journal = reverse("journal:journal", kwargs={"site_id": site.pk})

    sign_in_as(page, live_server, author)
    page.goto(journal)
    expect(page.get_by_role("heading", level=1)).to_have_text("Journal du site")
    assert_no_axe_violations(page)

    page.get_by_label("Message", exact=True).fill(MESSAGE)
    search = page.get_by_label("Rechercher une structure ou une personne")
    expect(search).to_be_hidden()  # the picker is only for a custom audience
    # DSFR draws its own radios and checkboxes over the native ones: people click the labels.
    page.locator("label", has_text="Une liste personnalisée de structures et de personnes").click()
    expect(search).to_be_visible()
    # With the keyboard: type in the search, then Tab to the person suggested and check him with the space bar.
    search.press_sequentially("destin")
    found = page.get_by_role("checkbox", name="Théo Destinataire")
    expect(found).to_have_count(1)
    wait_for_htmx(page)
    expect(page.get_by_role("checkbox", name="Bastien Passant")).to_have_count(0)  # not what was searched
    assert_no_axe_violations(page)
    search.focus()
    page.keyboard.press("Tab")  # the search button
    page.keyboard.press("Tab")
    expect(found).to_be_focused()
    page.keyboard.press("Space")
    expect(found).to_be_checked()
    # A new search keeps him, among the chosen recipients.
    search.fill("passant")
    expect(page.get_by_role("checkbox", name="Bastien Passant")).to_have_count(1)
    wait_for_htmx(page)
    expect(page.get_by_role("group", name="Destinataires choisis").get_by_role("checkbox")).to_have_count(1)
    expect(page.get_by_role("group", name="Destinataires choisis").get_by_label("Théo Destinataire")).to_be_checked()
    page.locator("label", has_text="Canicule").click()
    page.get_by_label("Pièces jointes").set_input_files(
        [{"name": "plan du site.png", "mimeType": "image/png", "buffer": files.PNG}]
    )
    page.get_by_role("button", name="Publier").click()

    expect(page.get_by_text("Votre publication a été ajoutée au journal du site.")).to_be_visible()
    expect(page.get_by_text(MESSAGE)).to_be_visible()
    expect(page.get_by_text("Message ciblé")).to_be_visible()
    assert_no_axe_violations(page)
    assert JournalEntry.objects.get().target_user_ids == {target.pk}
    attachment = JournalEntry.objects.get().attachments.get()
    file_url = attachment.get_absolute_url()

    page.get_by_role("link", name="Modifier le message").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Modifier le message")
    expect(page.get_by_label("Message", exact=True)).to_have_value(MESSAGE)
    assert_no_axe_violations(page)

    sign_in_as(page, live_server, target)
    page.goto(journal)
    expect(page.get_by_text(MESSAGE)).to_be_visible()
    expect(page.get_by_role("link", name="plan du site.png")).to_be_visible()
    preview = page.get_by_role("img", name="Aperçu de plan du site.png")
    preview.scroll_into_view_if_needed()  # previews load lazily
    page.wait_for_function("img => img.complete && img.naturalWidth === 1", arg=preview.element_handle())
    expect(preview).to_be_visible()
    assert page.request.get(file_url).status == 200
    assert_no_axe_violations(page)

    sign_in_as(page, live_server, bystander)
    page.goto(journal)
    expect(page.get_by_role("heading", level=1)).to_have_text("Journal du site")
    expect(page.get_by_text(MESSAGE)).to_have_count(0)
    expect(page.get_by_text("plan du site.png")).to_have_count(0)
    assert page.request.get(file_url).status == 404


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_without_javascript_a_recipient_is_found_with_the_search_button(page: Page, live_server):
    site = SiteFactory()
    author = UserFactory(role=Role.ASSOCIATION, first_name="Alix", last_name="Auteur")
    target = UserFactory(role=Role.ASSOCIATION, first_name="Théo", last_name="Destinataire")
    sign_in_as(page, live_server, author)
    page.goto(reverse("journal:journal", kwargs={"site_id": site.pk}))

    page.get_by_label("Message", exact=True).fill(MESSAGE)
    search = page.get_by_label("Rechercher une structure ou une personne")
    expect(search).to_be_hidden()  # CSS alone shows the picker for a custom audience
    page.locator("label", has_text="Une liste personnalisée de structures et de personnes").click()
    expect(search).to_be_visible()
    search.fill("destin")
    search.press("Enter")  # the search button, first of the form: the page comes back, nothing is posted

    expect(page.get_by_label("Message", exact=True)).to_have_value(MESSAGE)
    assert not JournalEntry.objects.exists()
    page.locator("label", has_text="Théo Destinataire").click()
    page.get_by_role("button", name="Publier").click()

    expect(page.get_by_text("Votre publication a été ajoutée au journal du site.")).to_be_visible()
    assert JournalEntry.objects.get().target_user_ids == {target.pk}
