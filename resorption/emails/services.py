"""Queue and deliver emails. Bodies come from template files `emails/<template>.txt` and `emails/<template>.html`;
the subject is the first line of the text template, after "Objet :"."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from resorption.emails.models import EmailStatus, OutgoingEmail

logger = logging.getLogger("resorption.emails")

SUBJECT_PREFIX = "Objet :"
# Waits between delivery attempts: 1 min, 5 min, 15 min, 1 h, then every 4 h. After MAX_ATTEMPTS the email is shown as
# failed to national admins, who can send it again; it is never dropped silently.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1), timedelta(hours=4))
MAX_ATTEMPTS = 12


def render_email(template: str, context: dict) -> tuple[str, str, str]:
    """(subject, text, html) of a template; the text template starts with "Objet : …" then a blank line."""
    context = {"base_url": settings.BASE_URL, **context}
    text = render_to_string(f"emails/{template}.txt", context)
    first_line, _, body = text.lstrip().partition("\n")
    if not first_line.startswith(SUBJECT_PREFIX):
        raise ValueError(f"emails/{template}.txt must start with '{SUBJECT_PREFIX}'")
    subject = first_line.removeprefix(SUBJECT_PREFIX).strip()
    html = render_to_string(f"emails/{template}.html", {**context, "subject": subject})
    return subject, body.strip() + "\n", html


@transaction.atomic
def email_queue(
    *,
    to: list[str],
    template: str,
    context: dict,
    reply_to: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> OutgoingEmail:
    """Store the email in the outbox and deliver it once the current transaction commits."""
    subject, text, html = render_email(template, context)
    email = OutgoingEmail.objects.create(
        template=template,
        to=list(to),
        reply_to=list(reply_to or []),
        headers=dict(headers or {}),
        subject=subject,
        body_text=text,
        body_html=html,
    )
    transaction.on_commit(lambda: _enqueue_delivery(email.pk))
    return email


def _enqueue_delivery(email_id: int) -> None:
    from resorption.emails.tasks import deliver_email  # tasks import this module

    deliver_email.enqueue(email_id)


def email_deliver(*, email_id: int) -> bool:
    """One delivery attempt. True when the email is (or already was) sent; on failure, schedule the next attempt."""
    with transaction.atomic():
        email = OutgoingEmail.objects.select_for_update().filter(pk=email_id).first()
        if email is None or email.status == EmailStatus.SENT:
            return email is not None
        message = EmailMultiAlternatives(
            subject=email.subject,
            body=email.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=email.to,
            reply_to=email.reply_to or None,
            headers=email.headers or None,
        )
        if email.body_html:
            message.attach_alternative(email.body_html, "text/html")
        email.attempts += 1
        try:
            message.send()
        except Exception as error:  # any transport error: keep the email for a later attempt
            email.last_error = f"{type(error).__name__}: {error}"[:2000]
            if email.attempts >= MAX_ATTEMPTS:
                email.status = EmailStatus.FAILED
            email.next_attempt_at = timezone.now() + BACKOFF[min(email.attempts, len(BACKOFF)) - 1]
            email.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            logger.warning("email delivery failed", extra={"email_id": email.pk, "attempts": email.attempts})
            return False
        email.status = EmailStatus.SENT
        email.sent_at = timezone.now()
        email.last_error = ""
        email.save(update_fields=["attempts", "status", "sent_at", "last_error"])
        return True


def email_retry(*, email: OutgoingEmail) -> None:
    """Put a failed email back in the queue (national admins' "Renvoyer")."""
    email.status = EmailStatus.PENDING
    email.next_attempt_at = timezone.now()
    email.save(update_fields=["status", "next_attempt_at"])
    transaction.on_commit(lambda: _enqueue_delivery(email.pk))


def deliver_due_emails(*, now=None) -> int:
    """Retry every email whose next attempt is due (periodic job). Returns how many were sent."""
    return sum(email_deliver(email_id=pk) for pk in OutgoingEmail.objects.due(now).values_list("pk", flat=True))
