"""The weekly digest job, enqueued by the scheduler (settings.SCHEDULED_JOBS `send_weekly_digests`)."""

from django.tasks import task
from django.utils import timezone

from resorption.notifications import digest


@task
def send_weekly_digests() -> int:
    return digest.weekly_digests_send(now=timezone.now())
