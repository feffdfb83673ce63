"""A background task that meets a transient database error (a lock held longer than it waits) is run again and
completes; one still failing after its last attempt ends FAILED and the periodic sweep does its work; any other error
fails at once. Real locks held by another connection, on SQLite and PostgreSQL alike."""

import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.tasks import TaskResultStatus, task
from django.utils import timezone

from resorption.accounts.enums import Role
from resorption.core import tasks as core_tasks
from resorption.core.tasks import retry_on_transient_database_errors
from resorption.emails.models import EmailStatus, OutgoingEmail
from resorption.emails.tasks import deliver_email
from resorption.notifications.models import Delivery, NotificationEvent
from resorption.notifications.services import PENDING_GRACE, events_fan_out_pending
from resorption.notifications.tasks import fan_out_notification
from tests.accounts.factories import UserFactory
from tests.core.locks import HeldLock
from tests.journal.factories import JournalEntryFactory

# Committed data: the lock is held by another connection. The serialized rollback restores the rows of data migrations.
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("_database_kept_whole"),
]
RETRIED = "task retried after a transient database error"


@pytest.fixture
def retry_log(caplog):
    with caplog.at_level(logging.WARNING, logger="resorption.tasks"):
        yield lambda: [record for record in caplog.records if record.getMessage() == RETRIED]


@pytest.fixture
def watcher():
    """A member of an organisation of Gironde: told of every message in the journals of Gironde."""
    return UserFactory(role=Role.ASSOCIATION, email="veilleur@exemple.test")


@pytest.fixture
def event(watcher):
    entry = JournalEntryFactory(author__role=Role.ASSOCIATION)  # a site in Bordeaux
    return NotificationEvent.objects.create(kind="journal_message_posted", object_id=entry.pk, actor=entry.author)


@pytest.fixture
def email():
    return OutgoingEmail.objects.create(
        template="password_reset", to=["camille@exemple.test"], subject="Objet", body_text="Bonjour"
    )


def lock_row(instance):
    """Locks the row for update (PostgreSQL); on SQLite the holding transaction has the write lock anyway."""
    return lambda: type(instance).objects.select_for_update().get(pk=instance.pk)


@pytest.mark.parametrize("which", ["notification fan-out", "email delivery"])
def test_a_task_meeting_a_lock_held_elsewhere_runs_again_and_completes(
    which, event, email, watcher, short_lock_wait, retry_log, monkeypatch
):
    monkeypatch.setattr(core_tasks, "RETRY_DELAYS", (0.3, 0.6, 1.2, 2.4, 4.8))
    the_task, locked = (fan_out_notification, event) if which == "notification fan-out" else (deliver_email, email)

    with HeldLock(lock_row(locked)) as lock:
        lock.release_after(0.5)  # the first attempt meets the lock; a later one finds it free
        result = the_task.enqueue(locked.pk)

    assert result.status == TaskResultStatus.SUCCESSFUL
    assert len(retry_log()) >= 1
    if which == "notification fan-out":
        event.refresh_from_db()
        assert event.fanned_out_at is not None
        assert set(Delivery.objects.filter(event=event).values_list("user__email", flat=True)) == {watcher.email}
    else:
        email.refresh_from_db()
        assert email.status == EmailStatus.SENT
        assert [message.to for message in mail.outbox] == [["camille@exemple.test"]]


def test_a_fan_out_still_locked_after_its_last_attempt_fails_and_the_sweep_tells_everyone_later(
    event, watcher, short_lock_wait, retry_log, monkeypatch
):
    monkeypatch.setattr(core_tasks, "RETRY_DELAYS", (0.01, 0.01))

    with HeldLock(lock_row(event)):
        result = fan_out_notification.enqueue(event.pk)

    assert result.status == TaskResultStatus.FAILED
    assert len(retry_log()) == 2  # three attempts in all
    event.refresh_from_db()
    assert event.fanned_out_at is None  # not dropped: still pending

    assert events_fan_out_pending(now=timezone.now() + PENDING_GRACE + timedelta(seconds=1)) == 1
    assert Delivery.objects.get(event=event).user == watcher


CALLS = []


@task
@retry_on_transient_database_errors
def query_a_missing_table() -> None:
    CALLS.append("called")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM table_that_does_not_exist")


def test_an_error_that_is_not_transient_fails_at_once(retry_log, monkeypatch):
    monkeypatch.setattr(core_tasks, "RETRY_DELAYS", (0.01, 0.01))
    CALLS.clear()

    result = query_a_missing_table.enqueue()

    assert result.status == TaskResultStatus.FAILED
    assert CALLS == ["called"]
    assert retry_log() == []
