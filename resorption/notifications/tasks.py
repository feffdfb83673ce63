"""Notification tasks: the fan-out of one event, enqueued after the commit of the change that caused it, and the
periodic sweep that fans out the events whose task failed or was lost (`fan_out_pending_notifications`, also a
management command)."""

from django.tasks import task

from resorption.core.tasks import retry_on_transient_database_errors
from resorption.notifications import services


@task
@retry_on_transient_database_errors
def fan_out_notification(event_id: int) -> int:
    return services.event_fan_out(event_id=event_id)


@task
@retry_on_transient_database_errors
def fan_out_pending_notifications() -> int:
    return services.events_fan_out_pending()
