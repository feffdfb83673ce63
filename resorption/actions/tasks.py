"""Periodic action jobs, enqueued by the scheduler (settings.SCHEDULED_JOBS `send_action_reminders`, daily at 05:00);
each is also a management command of the same name."""

from django.tasks import task
from django.utils import timezone

from resorption.actions.notifications import action_reminders_send
from resorption.core.tasks import retry_on_transient_database_errors


@task
@retry_on_transient_database_errors
def send_action_reminders() -> int:
    return action_reminders_send(now=timezone.now())
