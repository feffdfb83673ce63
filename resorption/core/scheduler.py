"""A small scheduler for periodic jobs: each job is a task (dotted path) run every N seconds or daily at a time.

`tick(now)` enqueues the jobs whose current slot has not run yet and records the slot, so a restarted scheduler does
not run a slot twice and one that was down catches up once. Jobs are written as idempotent sweeps ("send the reminders
that are due and not yet sent"), so a late or repeated run is harmless.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from resorption.core.models import ScheduledRun
from resorption.core.tasks import is_transient_database_error

logger = logging.getLogger("resorption.scheduler")


@dataclass(frozen=True)
class Job:
    name: str
    task: str  # dotted path to a django.tasks Task
    every: timedelta | None = None
    daily_at: time | None = None  # Europe/Paris wall-clock time

    def slot(self, now: datetime) -> datetime | None:
        """The start of the slot `now` falls in, or None before today's daily time."""
        if self.every is not None:
            seconds = int(self.every.total_seconds())
            return datetime.fromtimestamp(int(now.timestamp()) // seconds * seconds, tz=now.tzinfo)
        local = timezone.localtime(now)
        today = timezone.make_aware(datetime.combine(local.date(), self.daily_at))
        return today if local >= today else None


def jobs() -> list[Job]:
    result = []
    for name, spec in settings.SCHEDULED_JOBS.items():
        every = timedelta(seconds=spec["every"]) if "every" in spec else None
        daily_at = time.fromisoformat(spec["daily_at"]) if "daily_at" in spec else None
        result.append(Job(name=name, task=spec["task"], every=every, daily_at=daily_at))
    return result


def tick(now: datetime | None = None) -> list[str]:
    """Enqueue every job whose current slot has not been run. Returns the names of the jobs enqueued."""
    now = now or timezone.now()
    enqueued = []
    for job in jobs():
        slot = job.slot(now)
        if slot is None:
            continue
        try:
            with transaction.atomic():
                ScheduledRun.objects.create(job=job.name, slot=slot)
                import_string(job.task).enqueue()
        except IntegrityError:
            continue  # this slot already ran
        except (OperationalError, InterfaceError) as error:
            if not is_transient_database_error(error):
                raise
            # The slot was not recorded: the next tick enqueues the job (a scheduler must not die of a busy database).
            logger.warning("scheduled job postponed", extra={"job": job.name, "error": str(error)[:300]})
            continue
        logger.info("scheduled job enqueued", extra={"job": job.name, "slot": slot.isoformat()})
        enqueued.append(job.name)
    return enqueued
