"""On each journal message, the admins of the territory see who was notified of it and how the email went (§D.4);
nobody else does, and the page costs the same queries whatever the number of people notified."""

import html
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from resorption.accounts import permissions
from resorption.accounts.enums import AdminRole, EmailSubscription, Role
from resorption.accounts.models import User
from resorption.emails.models import EmailStatus, OutgoingEmail
from resorption.journal.services import journal_entry_post
from resorption.notifications.models import DeliveryStatus, NotificationEvent
from resorption.notifications.templatetags.notification_tags import notified_by_entry
from tests.accounts.factories import OrganizationFactory, UserFactory
from tests.settlements.factories import SiteFactory
from tests.territories.factories import DepartementFactory, RegionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    return SiteFactory()  # Bordeaux, Gironde


@pytest.fixture
def author():
    return UserFactory(role=Role.ASSOCIATION, first_name="Alix", last_name="Auteur")


@pytest.fixture
def local_admin():
    return UserFactory(role=Role.DIRECT_COLLABORATOR, admin_role=AdminRole.LOCAL_ADMIN, first_name="Lola")


@pytest.fixture
def national_admin():
    return UserFactory(
        role=Role.DIRECT_COLLABORATOR,
        admin_role=AdminRole.NATIONAL_ADMIN,
        organization=OrganizationFactory(area_type="nation", departement=None),
    )


@pytest.fixture
def other_local_admin():
    """A local admin of Haute-Garonne: the sites of Gironde are not his territory."""
    haute_garonne = DepartementFactory(code="31", name="Haute-Garonne", region=RegionFactory(code="76"))
    return UserFactory(
        role=Role.DIRECT_COLLABORATOR,
        admin_role=AdminRole.LOCAL_ADMIN,
        organization=OrganizationFactory(departement=haute_garonne),
    )


def journal(client, user, site) -> str:
    client.force_login(user)
    response = client.get(reverse("journal:journal", kwargs={"site_id": site.pk}))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def post(author, site, capture, body="Passage de l'équipe ce matin."):
    with capture(execute=True):
        return journal_entry_post(user=author, site_id=site.pk, body=body)


def test_who_may_see_who_was_notified(site, author, local_admin, national_admin, other_local_admin):
    correspondent = UserFactory(role=Role.DIRECT_COLLABORATOR)
    assert permissions.can_see_who_was_notified(national_admin, site)
    assert permissions.can_see_who_was_notified(local_admin, site)
    assert not permissions.can_see_who_was_notified(other_local_admin, site)
    assert not permissions.can_see_who_was_notified(correspondent, site)
    assert not permissions.can_see_who_was_notified(author, site)


def test_a_local_admin_sees_who_was_notified_with_the_email_status(
    client, site, author, local_admin, django_capture_on_commit_callbacks
):
    denise = UserFactory(role=Role.ASSOCIATION, first_name="Denise", last_name="Dupont")
    opted_out = UserFactory(
        role=Role.ASSOCIATION,
        first_name="Omar",
        last_name="Sanscourriel",
        email_unsubscriptions=[EmailSubscription.COMMENT_NOTIFICATION],
    )
    failed = UserFactory(role=Role.ASSOCIATION, first_name="Fanny", last_name="Echec")
    entry = post(author, site, django_capture_on_commit_callbacks)
    OutgoingEmail.objects.filter(to=[failed.email]).update(status=EmailStatus.FAILED)
    OutgoingEmail.objects.filter(to=[local_admin.email]).update(status=EmailStatus.PENDING)

    page = journal(client, local_admin, site)

    assert "Notifié à 4 personnes" in page
    assert f'aria-controls="notified-{entry.pk}"' in page
    notified = page.split(f'id="notified-{entry.pk}"', 1)[1].split("</ul>", 1)[0]

    def status_of(name: str) -> str:
        return notified.split(name, 1)[1].split("</li>", 1)[0]

    assert f"Denise Dupont ({denise.organization.name}) —" in notified
    assert "Courriel envoyé" in status_of("Denise Dupont")
    assert "Courriel désactivé par la personne" in status_of(opted_out.full_name)
    assert "Courriel en échec" in status_of(failed.full_name)
    assert "Courriel en attente d'envoi" in status_of(local_admin.full_name)
    assert author.full_name not in notified


def test_a_national_admin_sees_it_too(client, site, author, national_admin, django_capture_on_commit_callbacks):
    UserFactory(role=Role.ASSOCIATION, first_name="Denise", last_name="Dupont")
    post(author, site, django_capture_on_commit_callbacks)

    assert "Notifié à 1 personne" in journal(client, national_admin, site)


def test_nobody_else_sees_who_was_notified(client, site, author, django_capture_on_commit_callbacks):
    correspondent = UserFactory(role=Role.DIRECT_COLLABORATOR, first_name="Corinne", last_name="Correspondante")
    post(author, site, django_capture_on_commit_callbacks)

    for user in (author, correspondent):
        page = journal(client, user, site)
        assert "Passage de l'équipe ce matin." in page
        assert "Notifié à" not in page and "Courriel envoyé" not in page


def test_a_message_not_fanned_out_yet_says_so(client, site, author, local_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        entry = journal_entry_post(user=author, site_id=site.pk, body="Tout juste publié.")
    assert NotificationEvent.objects.get(object_id=entry.pk).fanned_out_at is None

    page = journal(client, local_admin, site)

    assert "Notifications en cours d'envoi" in page
    assert "Les destinataires seront affichés dès l'envoi des notifications." in page


def test_a_message_nobody_else_watches(client, site, local_admin, django_capture_on_commit_callbacks):
    post(local_admin, site, django_capture_on_commit_callbacks, body="Seul sur ce territoire.")

    assert "Personne n'a été notifié" in journal(client, local_admin, site)


def test_the_journal_costs_the_same_queries_however_many_people_were_notified(
    client, site, author, local_admin, django_capture_on_commit_callbacks
):
    watchers = OrganizationFactory()
    UserFactory.create_batch(2, role=Role.ASSOCIATION, organization=watchers)
    post(author, site, django_capture_on_commit_callbacks, body="Premier message.")
    journal(client, local_admin, site)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("journal:journal", kwargs={"site_id": site.pk})).status_code == 200
        return len(queries)

    few = count()
    UserFactory.create_batch(20, role=Role.ASSOCIATION, organization=watchers)
    for number in range(3):
        post(author, site, django_capture_on_commit_callbacks, body=f"Message {number}.")
    many = count()

    assert many == few
    assert "Notifié à 23 personnes" in journal(client, local_admin, site)


def test_who_was_notified_of_a_page_of_messages_is_read_in_one_query(
    site, author, local_admin, django_capture_on_commit_callbacks, django_assert_num_queries
):
    UserFactory(role=Role.ASSOCIATION, first_name="Denise", last_name="Dupont")
    UserFactory(role=Role.ASSOCIATION, first_name="Arthur", last_name="Zola")
    User.objects.filter(pk=local_admin.pk).update(last_name="Martin")
    sent = post(author, site, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):
        pending = journal_entry_post(user=author, site_id=site.pk, body="Tout juste publié.")
    rows = [SimpleNamespace(pk=sent.pk), SimpleNamespace(pk=pending.pk), SimpleNamespace(pk=pending.pk + 1000)]

    with django_assert_num_queries(1):
        notified = notified_by_entry(rows)

    assert set(notified) == {sent.pk, pending.pk}  # a message without an event is left out
    assert not notified[sent.pk].pending
    assert [(person.name, person.status) for person in notified[sent.pk].recipients] == [
        ("Denise Dupont", DeliveryStatus.SENT),
        ("Lola Martin", DeliveryStatus.SENT),
        ("Arthur Zola", DeliveryStatus.SENT),
    ]
    assert notified[pending.pk].pending and notified[pending.pk].recipients == ()
