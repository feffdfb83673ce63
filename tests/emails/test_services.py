"""The outbox: emails survive a mail server outage, are delivered once it is back, and never twice."""

from datetime import timedelta
from email import message_from_bytes, policy
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from resorption.emails.models import EmailStatus, OutgoingEmail
from resorption.emails.services import BACKOFF, MAX_ATTEMPTS, deliver_due_emails, email_queue, email_retry

pytestmark = pytest.mark.django_db
CONTEXT = {"user": {"first_name": "Camille"}, "reset_url": "https://exemple.test/lien", "validity": "24 heures"}


def queue(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return email_queue(to=["camille@exemple.test"], template="password_reset", context=CONTEXT)


def test_email_is_rendered_from_templates_and_delivered_after_commit(smtp_server, django_capture_on_commit_callbacks):
    email = queue(django_capture_on_commit_callbacks)

    email.refresh_from_db()
    assert email.status == EmailStatus.SENT and email.attempts == 1 and email.sent_at is not None
    [envelope] = smtp_server.envelopes
    message = message_from_bytes(envelope.content, policy=policy.default)
    assert message["Subject"] == "Réinitialisation de votre mot de passe Résorption-bidonvilles"
    assert "Camille" in message.get_body(preferencelist=("plain",)).get_content()
    assert "https://exemple.test/lien" in message.get_body(preferencelist=("html",)).get_content()


def test_extra_headers_are_kept_and_sent(smtp_server, django_capture_on_commit_callbacks):
    unsubscribe = "<https://exemple.test/notifications/desabonnement/jeton/>"
    with django_capture_on_commit_callbacks(execute=True):
        email = email_queue(
            to=["camille@exemple.test"],
            template="password_reset",
            context=CONTEXT,
            headers={"List-Unsubscribe": unsubscribe, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
        )

    email.refresh_from_db()
    assert email.headers["List-Unsubscribe"] == unsubscribe
    [envelope] = smtp_server.envelopes
    message = message_from_bytes(envelope.content, policy=policy.default)
    assert message["List-Unsubscribe"] == unsubscribe
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_nothing_is_queued_or_sent_when_the_transaction_rolls_back(smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                email_queue(to=["camille@exemple.test"], template="password_reset", context=CONTEXT)
                raise RuntimeError("the change that caused the email failed")
        except RuntimeError:
            pass
    assert not OutgoingEmail.objects.exists()
    assert smtp_server.envelopes == []


def test_smtp_outage_keeps_the_email_then_delivers_it_once_after_restart(
    smtp_server, django_capture_on_commit_callbacks
):
    smtp_server.stop()
    email = queue(django_capture_on_commit_callbacks)
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.PENDING, 1)
    assert "Error" in email.last_error or "refused" in email.last_error.lower()

    # Before the back-off delay nothing is retried.
    assert deliver_due_emails(now=timezone.now()) == 0

    smtp_server.start()
    later = timezone.now() + BACKOFF[0] + timedelta(seconds=1)
    assert deliver_due_emails(now=later) == 1
    assert deliver_due_emails(now=later + timedelta(hours=1)) == 0  # already sent: not sent again
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.SENT, 2)
    assert len(smtp_server.envelopes) == 1


def test_after_max_attempts_the_email_is_failed_not_dropped_and_can_be_sent_again(
    smtp_server, django_capture_on_commit_callbacks
):
    smtp_server.stop()
    email = queue(django_capture_on_commit_callbacks)
    moment = timezone.now()
    for _ in range(MAX_ATTEMPTS - 1):
        moment += timedelta(days=1)
        deliver_due_emails(now=moment)
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.FAILED, MAX_ATTEMPTS)
    assert deliver_due_emails(now=moment + timedelta(days=1)) == 0  # failed emails wait for a person

    smtp_server.start()
    with django_capture_on_commit_callbacks(execute=True):
        email_retry(email=email)
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT
    assert len(smtp_server.envelopes) == 1


def test_the_command_delivers_the_due_emails(smtp_server):
    email = OutgoingEmail.objects.create(
        template="password_reset", to=["camille@exemple.test"], subject="Objet", body_text="Bonjour"
    )
    out = StringIO()

    call_command("deliver_due_emails", stdout=out)

    email.refresh_from_db()
    assert email.status == EmailStatus.SENT
    assert out.getvalue().strip() == "Courriels envoyés : 1"
    assert len(smtp_server.envelopes) == 1
