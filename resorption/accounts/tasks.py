"""Periodic account jobs, enqueued by the scheduler (settings.SCHEDULED_JOBS); each is also a management command."""

from django.tasks import task
from django.utils import timezone

from resorption.accounts.services import retention
from resorption.core.tasks import retry_on_transient_database_errors


@task
@retry_on_transient_database_errors
def send_access_reminders() -> int:
    return retention.access_reminders_send(now=timezone.now())


@task
@retry_on_transient_database_errors
def check_inactive_users() -> dict[str, int]:
    now = timezone.now()
    return {
        "deactivated": retention.inactive_users_deactivate(now=now),
        "alerted": retention.inactive_users_alert(now=now),
    }


@task
@retry_on_transient_database_errors
def anonymize_users() -> int:
    return retention.users_anonymize(now=timezone.now())


@task
@retry_on_transient_database_errors
def purge_signin_log() -> int:
    return retention.signin_attempts_purge(now=timezone.now())
