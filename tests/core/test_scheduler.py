from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.tasks import task

from resorption.core import scheduler
from resorption.core.models import ScheduledRun
from tests.core.locks import HeldLock

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
RUNS = []


@task
def probe_task():
    RUNS.append("ran")


@pytest.fixture
def jobs(settings):
    """Two jobs pointing at a task defined here (ImmediateBackend runs it at once in tests)."""
    RUNS.clear()
    settings.SCHEDULED_JOBS = {
        "often": {"task": f"{__name__}.probe_task", "every": 900},
        "morning": {"task": f"{__name__}.probe_task", "daily_at": "06:00"},
    }


def at(hour, minute=0, day=22):
    return datetime(2026, 11, day, hour, minute, tzinfo=PARIS)


def test_each_slot_runs_once_however_often_the_scheduler_ticks(jobs):
    assert scheduler.tick(at(5, 1)) == ["often"]
    assert scheduler.tick(at(5, 14)) == []  # same 15-minute slot, daily job not due before 06:00
    assert scheduler.tick(at(6, 2)) == ["often", "morning"]
    assert scheduler.tick(at(6, 3)) == []
    assert scheduler.tick(at(9, 0)) == ["often"]  # the morning job ran today already
    assert scheduler.tick(at(6, 0, day=23)) == ["often", "morning"]
    assert len(RUNS) == 6
    assert ScheduledRun.objects.filter(job="morning").count() == 2


def test_a_scheduler_down_at_the_daily_time_catches_up_once(jobs):
    assert "morning" in scheduler.tick(at(11, 30))
    assert "morning" not in scheduler.tick(at(11, 31))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("_database_kept_whole")
def test_a_database_locked_by_another_process_postpones_the_job_to_the_next_tick(jobs, short_lock_wait):
    """The web server or the worker holds the lock longer than the scheduler waits: the scheduler goes on (it does
    not die of it), and its next tick enqueues the job."""
    slot = next(job for job in scheduler.jobs() if job.name == "often").slot(at(5, 1))
    # Another process writing that very slot, not yet committed (SQLite: the whole database is locked).
    with HeldLock(lambda: ScheduledRun.objects.create(job="often", slot=slot)):
        assert scheduler.tick(at(5, 1)) == []
    assert RUNS == []
    assert scheduler.tick(at(5, 2)) == ["often"]
    assert RUNS == ["ran"]


def test_command_runs_one_tick(jobs, capsys):
    call_command("run_scheduler", "--once")
    assert "often" in capsys.readouterr().out


def test_every_declared_job_is_a_task_and_has_a_command_of_its_name():
    from django.conf import settings
    from django.core.management import get_commands
    from django.tasks import Task
    from django.utils.module_loading import import_string

    commands = get_commands()
    for name, spec in settings.SCHEDULED_JOBS.items():
        assert isinstance(import_string(spec["task"]), Task), name
        assert name in commands, f"{name} has no management command"
