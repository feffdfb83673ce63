"""The database under concurrent writers, as with `make run` (web server, task worker and scheduler on one SQLite
file): people post in a journal and join a site at the same moment while the worker runs the notification and
email tasks and the scheduler enqueues its jobs. Nothing is lost, no request nor task fails with « database is
locked ». On SQLite this holds thanks to the database OPTIONS (WAL, busy timeout, IMMEDIATE transactions); the same
test runs on PostgreSQL."""

import threading
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connections
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from resorption.accounts.enums import Role
from resorption.core import scheduler
from resorption.emails.models import EmailStatus, OutgoingEmail
from resorption.journal.models import JournalEntry
from resorption.journal.services import journal_entry_post
from resorption.notifications.models import Delivery, NotificationEvent
from resorption.settlements.actors import site_actor_declare
from resorption.settlements.enums import SiteActorTheme
from resorption.settlements.models import SiteActor
from tests.accounts.factories import UserFactory
from tests.settlements.factories import SiteFactory

WRITERS = 4
POSTS_PER_WRITER = 5
WATCHERS = 2


def test_the_file_database_of_the_tests_has_the_options_of_a_multi_process_app():
    """The concurrency test below is meaningful on SQLite only on a file database with these options."""
    settings_dict = connections["default"].settings_dict
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        name = str(settings_dict["NAME"])  # the test database's file (pytest-xdist suffixes it per worker)
        assert name and ":memory:" not in name and "mode=memory" not in name  # a file, shared by every connection
        assert settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
        assert settings_dict["OPTIONS"]["timeout"] >= 10
        assert "journal_mode=WAL" in settings_dict["OPTIONS"]["init_command"]
    else:
        assert settings_dict["ENGINE"] == "django.db.backends.postgresql"


class Threads:
    """Runs functions in threads, each on its own database connection; keeps what they raised."""

    def __init__(self):
        self.errors: list[BaseException] = []
        self._threads: list[threading.Thread] = []

    def start(self, target, *args) -> None:
        def run():
            try:
                target(*args)
            except BaseException as error:  # reported by the test
                self.errors.append(error)
            finally:
                connections.close_all()

        thread = threading.Thread(target=run, daemon=True)
        self._threads.append(thread)
        thread.start()

    def join(self) -> None:
        for thread in self._threads:
            thread.join(60)
            assert not thread.is_alive(), "a thread is stuck"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("_database_kept_whole")
def test_concurrent_posts_joins_worker_and_scheduler_lose_nothing(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.SCHEDULED_JOBS = {
        "deliver_due_emails": {"task": "resorption.emails.tasks.deliver_due_emails", "every": 60},
        "fan_out_pending_notifications": {
            "task": "resorption.notifications.tasks.fan_out_pending_notifications",
            "every": 60,
        },
    }
    site = SiteFactory()  # Bordeaux, Gironde
    # Each in an organisation of Gironde: each one watches the site's journal (§D.4) and is told of the others' posts.
    writers = UserFactory.create_batch(WRITERS, role=Role.ASSOCIATION)
    watchers = UserFactory.create_batch(WATCHERS, role=Role.ASSOCIATION)
    recipients_per_post = WRITERS - 1 + WATCHERS

    worker = Worker(
        queue_names=["default"],
        interval=0.02,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    background = Threads()
    background.start(worker.run)
    scheduling = threading.Event()

    def run_scheduler():
        minute = 0
        while not scheduling.is_set():
            scheduler.tick(timezone.now() + timedelta(minutes=minute))
            minute += 1
            time.sleep(0.05)

    background.start(run_scheduler)

    start = threading.Barrier(WRITERS)

    def write(user):
        start.wait(10)
        site_actor_declare(user=user, site_id=site.pk, themes=[SiteActorTheme.HEALTH])
        for number in range(POSTS_PER_WRITER):
            journal_entry_post(user=user, site_id=site.pk, body=f"Passage n° {number} de {user.last_name}.")

    writing = Threads()
    for user in writers:
        writing.start(write, user)
    writing.join()
    scheduling.set()

    deadline = time.monotonic() + 60
    while DBTaskResult.objects.exclude(status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED]).exists():
        assert time.monotonic() < deadline, "the worker did not drain the queue"
        time.sleep(0.05)
    worker.running = False
    background.join()

    assert writing.errors == [] and background.errors == []
    posts = WRITERS * POSTS_PER_WRITER
    assert JournalEntry.objects.filter(site=site).count() == posts
    assert SiteActor.objects.filter(site=site).count() == WRITERS
    # Every task succeeded: the fan-out of each post, the delivery of each email, the scheduled sweeps.
    failed = DBTaskResult.objects.filter(status=TaskResultStatus.FAILED)
    assert list(failed.values_list("task_path", "traceback")) == []
    assert DBTaskResult.objects.filter(task_path__endswith="fan_out_notification").count() >= posts
    assert not NotificationEvent.objects.filter(fanned_out_at__isnull=True).exists()
    posted = NotificationEvent.objects.filter(kind="journal_message_posted")
    assert posted.count() == posts
    assert Delivery.objects.filter(event__in=posted).count() == posts * recipients_per_post
    assert OutgoingEmail.objects.exclude(status=EmailStatus.SENT).count() == 0
    told = {address for message in mail.outbox for address in message.to}
    assert told == {user.email for user in writers + watchers}
    assert len(mail.outbox) == OutgoingEmail.objects.count() >= posts * recipients_per_post
