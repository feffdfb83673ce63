from django.tasks import task

from resorption.core.tasks import retry_on_transient_database_errors
from resorption.emails import services


@task
@retry_on_transient_database_errors
def deliver_email(email_id: int) -> bool:
    return services.email_deliver(email_id=email_id)


@task
@retry_on_transient_database_errors
def deliver_due_emails() -> int:
    return services.deliver_due_emails()
