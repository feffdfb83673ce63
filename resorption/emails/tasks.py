from django.tasks import task

from resorption.emails import services


@task
def deliver_email(email_id: int) -> bool:
    return services.email_deliver(email_id=email_id)


@task
def deliver_due_emails() -> int:
    return services.deliver_due_emails()
