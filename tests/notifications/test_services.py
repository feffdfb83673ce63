"""The fan-out (issue 5 « Done when »): the request records an event and nothing else; a task tells everyone after
commit, with a fixed number of queries for the recipients; every email reaches a real SMTP server on loopback, once,
even when that server was down during the fan-out; running a fan-out again tells nobody twice."""

from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from resorption.accounts.enums import EmailSubscription, Role
from resorption.emails.models import EmailStatus, OutgoingEmail
from resorption.emails.services import BACKOFF, deliver_due_emails
from resorption.journal.models import JournalEntry
from resorption.journal.services import journal_entry_post
from resorption.notifications.models import Delivery, DeliveryStatus, Notification, NotificationEvent
from resorption.notifications.services import PENDING_GRACE, event_fan_out, event_record, events_fan_out_pending
from tests.accounts.factories import OrganizationFactory, UserFactory
from tests.settlements.factories import SiteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    return SiteFactory()  # Bordeaux, Gironde


@pytest.fixture
def author():
    return UserFactory(role=Role.ASSOCIATION, first_name="Alix", last_name="Auteur")


@pytest.fixture
def watchers_organization():
    """An organisation of Gironde: its members watch every site of the département."""
    return OrganizationFactory(name="Médiation Gironde")


def add_watchers(organization, count: int) -> list:
    return UserFactory.create_batch(count, role=Role.ASSOCIATION, organization=organization)


def run(callbacks, django_capture_on_commit_callbacks) -> None:
    """Runs callbacks captured at a commit — the fan-out task — and what they leave for their own commit (the
    delivery of each email)."""
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()


def recipients_of(envelopes, text: str) -> list[str]:
    """The addresses of the envelopes whose message contains `text`."""
    found = []
    for envelope in envelopes:
        message = message_from_bytes(envelope.content, policy=policy.default)
        if text in message.get_body(preferencelist=("plain",)).get_content():
            found.extend(envelope.rcpt_tos)
    return found


def test_posting_costs_the_same_queries_with_5_or_200_watchers_and_all_200_emails_reach_smtp(
    client, site, author, watchers_organization, smtp_server, django_capture_on_commit_callbacks
):
    few_watchers = add_watchers(watchers_organization, 5)
    url = reverse("journal:journal", kwargs={"site_id": site.pk})
    client.force_login(author)
    client.get(url)  # the session and the user's permissions, loaded once

    def post(body: str):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            with CaptureQueriesContext(connection) as queries:
                response = client.post(url, {"kind": "message", "body": body, "audience": "public"})
        assert response.status_code == 302
        return len(queries), callbacks

    with_5, callbacks = post("Premier message, pour cinq personnes.")
    # The request wrote the event, and nothing else: no recipient computed, no email queued, nothing sent.
    assert NotificationEvent.objects.get().fanned_out_at is None
    assert not Delivery.objects.exists() and not Notification.objects.exists() and not OutgoingEmail.objects.exists()
    assert smtp_server.envelopes == []
    run(callbacks, django_capture_on_commit_callbacks)
    assert sorted(recipients_of(smtp_server.envelopes, "Premier message")) == sorted(u.email for u in few_watchers)

    many_watchers = few_watchers + add_watchers(watchers_organization, 195)
    sent_before = len(smtp_server.envelopes)
    with_200, callbacks = post("Second message, pour deux cents personnes.")

    assert with_200 == with_5
    assert len(smtp_server.envelopes) == sent_before  # the request did not wait for any email
    run(callbacks, django_capture_on_commit_callbacks)

    received = recipients_of(smtp_server.envelopes, "Second message")
    assert sorted(received) == sorted(user.email for user in many_watchers)  # 200, each once
    entry = JournalEntry.objects.get(body__startswith="Second message")
    deliveries = Delivery.objects.filter(event__object_id=entry.pk).select_related("email")
    assert len(deliveries) == 200
    assert {delivery.status for delivery in deliveries} == {DeliveryStatus.SENT}
    assert Notification.objects.filter(event__object_id=entry.pk).count() == 200


def test_the_recipients_are_computed_with_the_same_queries_whatever_their_number(
    site, author, watchers_organization, django_capture_on_commit_callbacks
):
    """With emails turned off (the outbox writes one row per email, by design), a fan-out to 50 people costs what a
    fan-out to 5 costs: one query for the recipients, bulk inserts for deliveries and notifications."""

    def fan_out_queries(expected_told: int) -> int:
        with django_capture_on_commit_callbacks(execute=False):
            entry = journal_entry_post(user=author, site_id=site.pk, body="Message.")
        event = NotificationEvent.objects.get(object_id=entry.pk)
        with CaptureQueriesContext(connection) as queries:
            assert event_fan_out(event_id=event.pk) == expected_told
        return len(queries)

    for user in add_watchers(watchers_organization, 5):
        user.email_unsubscriptions = [EmailSubscription.COMMENT_NOTIFICATION]
        user.save()
    few = fan_out_queries(5)
    for user in add_watchers(watchers_organization, 45):
        user.email_unsubscriptions = [EmailSubscription.COMMENT_NOTIFICATION]
        user.save()
    many = fan_out_queries(50)

    assert many == few
    assert Delivery.objects.count() == 5 + 50
    assert not OutgoingEmail.objects.exists()


def test_with_smtp_down_during_the_fan_out_every_email_arrives_once_after_it_comes_back(
    site, author, watchers_organization, smtp_server, django_capture_on_commit_callbacks
):
    watchers = add_watchers(watchers_organization, 12)
    smtp_server.stop()

    with django_capture_on_commit_callbacks(execute=True):
        entry = journal_entry_post(user=author, site_id=site.pk, body="Message pendant la panne.")

    deliveries = Delivery.objects.filter(event__object_id=entry.pk).select_related("email")
    assert len(deliveries) == 12
    assert {delivery.status for delivery in deliveries} == {DeliveryStatus.QUEUED}
    assert all(delivery.email.attempts == 1 and delivery.email.last_error for delivery in deliveries)
    assert smtp_server.envelopes == []

    smtp_server.start()
    later = timezone.now() + BACKOFF[0] + timedelta(seconds=1)
    assert deliver_due_emails(now=later) == 12
    assert deliver_due_emails(now=later + timedelta(hours=5)) == 0  # already sent: never again

    assert sorted(recipients_of(smtp_server.envelopes, "Message pendant la panne.")) == sorted(
        u.email for u in watchers
    )
    assert set(OutgoingEmail.objects.values_list("status", flat=True)) == {EmailStatus.SENT}
    statuses = {delivery.status for delivery in Delivery.objects.select_related("email")}
    assert statuses == {DeliveryStatus.SENT}


def test_fanning_out_again_tells_nobody_twice(site, author, watchers_organization, django_capture_on_commit_callbacks):
    add_watchers(watchers_organization, 3)
    with django_capture_on_commit_callbacks(execute=True):
        entry = journal_entry_post(user=author, site_id=site.pk, body="Message.")
    event = NotificationEvent.objects.get(object_id=entry.pk)
    counts = (Delivery.objects.count(), Notification.objects.count(), OutgoingEmail.objects.count())
    assert counts == (3, 3, 3)

    with django_capture_on_commit_callbacks(execute=True):
        assert event_fan_out(event_id=event.pk) == 0
        # Even an event that lost its « done » mark tells only the people not told yet.
        NotificationEvent.objects.filter(pk=event.pk).update(fanned_out_at=None)
        newcomer = add_watchers(watchers_organization, 1)[0]
        assert event_fan_out(event_id=event.pk) == 1

    assert (Delivery.objects.count(), Notification.objects.count(), OutgoingEmail.objects.count()) == (4, 4, 4)
    assert Delivery.objects.filter(user=newcomer).count() == 1


def test_nothing_is_told_about_a_change_that_was_rolled_back(
    site, author, watchers_organization, django_capture_on_commit_callbacks
):
    add_watchers(watchers_organization, 2)

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            journal_entry_post(user=author, site_id=site.pk, body="Message.")
            raise RuntimeError("the change failed after its event was recorded")

    assert not NotificationEvent.objects.exists()
    assert not Delivery.objects.exists() and not OutgoingEmail.objects.exists()


def test_an_unknown_kind_fails_in_the_request(author):
    with pytest.raises(KeyError):
        event_record(kind="nothing_of_the_sort", object_id=1, actor=author)
    assert not NotificationEvent.objects.exists()


def test_the_sweep_fans_out_events_whose_task_was_lost(
    site, author, watchers_organization, django_capture_on_commit_callbacks
):
    watcher = add_watchers(watchers_organization, 1)[0]
    with django_capture_on_commit_callbacks(execute=False):  # the task is never enqueued: the worker crashed
        entry = journal_entry_post(user=author, site_id=site.pk, body="Message.")
    event = NotificationEvent.objects.get(object_id=entry.pk)

    with django_capture_on_commit_callbacks(execute=True):
        assert events_fan_out_pending(now=timezone.now()) == 0  # its task may still be on its way
        assert events_fan_out_pending(now=event.created_at + PENDING_GRACE + timedelta(seconds=1)) == 1
        assert events_fan_out_pending(now=event.created_at + PENDING_GRACE * 10) == 0

    assert [delivery.user for delivery in Delivery.objects.all()] == [watcher]
    assert OutgoingEmail.objects.get().status == EmailStatus.SENT


def test_the_sweep_is_also_a_command(site, author, watchers_organization, django_capture_on_commit_callbacks, capsys):
    add_watchers(watchers_organization, 2)
    with django_capture_on_commit_callbacks(execute=False):
        journal_entry_post(user=author, site_id=site.pk, body="Message.")
    moment = timezone.localtime(timezone.now() + PENDING_GRACE * 2).replace(tzinfo=None).isoformat()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("fan_out_pending_notifications", "--now", moment)

    assert "Personnes notifiées : 2" in capsys.readouterr().out
    assert NotificationEvent.objects.pending().count() == 0
