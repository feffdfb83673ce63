"""The notification centre in a real browser: the bell tells how many notifications are unread, the centre lists
them, following one leads to the message and marks it read, « Tout marquer comme lu » empties the count; the centre
passes axe."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from resorption.accounts.enums import AdminRole, Role
from resorption.journal.services import journal_entry_post
from resorption.settlements.actors import site_actor_add
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.browser.helpers import assert_no_axe_violations, log_in
from tests.settlements.factories import SiteFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

MESSAGE = "Distribution d'eau renforcée cette semaine sur le site."


def test_a_user_sees_the_bell_count_opens_the_centre_and_follows_a_notification(page: Page, live_server):
    site = SiteFactory()
    author = UserFactory(role=Role.ASSOCIATION, first_name="Alix", last_name="Auteur")
    reader = UserFactory(role=Role.ASSOCIATION, first_name="Nina", last_name="Lectrice")
    # Both changes commit at once (transactional test): their notifications are fanned out by the immediate task
    # backend of the test settings.
    journal_entry_post(user=author, site_id=site.pk, body=MESSAGE)
    site_actor_add(user=author, site_id=site.pk, actor_id=reader.pk, themes=["sante"])

    log_in(page, reader.email, DEFAULT_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/tableau-de-bord/")
    bell = page.get_by_role("link", name="Notifications, 2 non lues")
    expect(bell).to_be_visible()

    bell.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    expect(page.get_by_text("2 notifications non lues.")).to_be_visible()
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Alix Auteur", exact=False).filter(has_text="a publié un message").click()
    expect(page).to_have_url(
        f"{live_server.url}{reverse('journal:journal', kwargs={'site_id': site.pk})}#message-"
        f"{site.journal_entries.get().pk}"
    )
    expect(page.get_by_text(MESSAGE)).to_be_visible()
    expect(page.get_by_role("link", name="Notifications, 1 non lue")).to_be_visible()

    page.get_by_role("link", name="Notifications, 1 non lue").click()
    expect(page.get_by_text("1 notification non lue.")).to_be_visible()
    page.get_by_role("button", name="Tout marquer comme lu").click()

    expect(page.get_by_text("Toutes vos notifications sont marquées comme lues.")).to_be_visible()
    expect(page.get_by_role("link", name="Notifications, aucune non lue")).to_be_visible()
    expect(page.get_by_text("Aucune notification non lue.")).to_be_visible()
    assert_no_axe_violations(page)


def test_an_admin_of_the_territory_sees_who_was_notified_of_a_message(page: Page, live_server):
    site = SiteFactory()
    author = UserFactory(role=Role.ASSOCIATION, first_name="Alix", last_name="Auteur")
    UserFactory(role=Role.ASSOCIATION, first_name="Nina", last_name="Lectrice")
    admin = UserFactory(
        role=Role.DIRECT_COLLABORATOR, admin_role=AdminRole.LOCAL_ADMIN, first_name="Lola", last_name="Admin"
    )
    entry = journal_entry_post(user=author, site_id=site.pk, body=MESSAGE)

    log_in(page, admin.email, DEFAULT_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/tableau-de-bord/")
    page.goto(reverse("journal:journal", kwargs={"site_id": site.pk}))
    notified = page.locator(f"#notified-{entry.pk}")
    nina = notified.get_by_role("listitem").filter(has_text="Nina Lectrice")
    expect(nina).to_be_hidden()  # folded under the message

    page.get_by_role("button", name="Notifié à 2 personnes").click()

    expect(nina).to_have_text(re.compile(r"Nina Lectrice \(.+\) —\s+Courriel envoyé"))
    expect(notified.get_by_role("listitem").filter(has_text="Lola Admin")).to_be_visible()
    assert_no_axe_violations(page)
