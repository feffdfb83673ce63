"""The weekly digest job, enqueued by the scheduler (settings.SCHEDULED_JOBS `send_weekly_digests`)."""

from django.tasks import task
from django.utils import timezone

from resorption.core.tasks import retry_on_transient_database_errors
from resorption.notifications import digest


@task
@retry_on_transient_database_errors
def send_weekly_digests() -> int:
    return digest.weekly_digests_send(now=timezone.now())
