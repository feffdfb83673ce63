"""Access reminders (reference §B.3): each fires at its date, once, to the right people, and not after the situation
changed. The clock is moved by passing `now` to the sweep."""

from datetime import datetime, timedelta
from email import message_from_bytes, policy
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import CommandError, call_command
from django.tasks import Task
from django.utils import timezone
from django.utils.module_loading import import_string

from resorption.accounts.enums import AccountEventKind, AdminRole, ReminderKind, UserStatus
from resorption.accounts.models import AccountEvent, SentReminder
from resorption.accounts.services.retention import access_reminders_send
from resorption.accounts.tasks import send_access_reminders
from resorption.emails.models import EmailStatus, OutgoingEmail
from resorption.emails.services import BACKOFF, deliver_due_emails
from tests.accounts.factories import OrganizationFactory, UserAccessFactory, UserFactory
from tests.territories.factories import DepartementFactory, RegionFactory

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
T0 = datetime(2026, 3, 2, 9, 30, tzinfo=PARIS)
MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)

PENDING_1 = "Une demande d'accès attend depuis 3 jours"
PENDING_2 = "Une demande d'accès attend depuis 10 jours"
LINK_PENDING = "Expiration de votre lien d'activation dans 48 h"
LINK_EXPIRES_SOON = "Votre lien d'activation expire demain"
USER_LINK_EXPIRED = "Votre lien d'accès a expiré"
ADMIN_LINK_EXPIRED = "Une personne n'a pas activé son accès"


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """Runs the reminders at `now`; returns the (recipient, subject) pairs of the emails it sent, sorted."""

    def run(now):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            access_reminders_send(now=now)
        return sorted((message.to[0], message.subject) for message in mail.outbox)

    return run


@pytest.fixture
def gironde_admins():
    """Two local admins of Gironde (33), where the factories' organisations are."""
    return [UserFactory(admin_role=AdminRole.LOCAL_ADMIN, first_name=name) for name in ("Alix", "Bastien")]


@pytest.fixture
def other_admins():
    """Admins who must not be told about Gironde: a national admin and a local admin of Haute-Garonne (31)."""
    occitanie = RegionFactory(code="76", name="Occitanie")
    haute_garonne = DepartementFactory(code="31", name="Haute-Garonne", region=occitanie)
    return [
        UserFactory(admin_role=AdminRole.NATIONAL_ADMIN),
        UserFactory(admin_role=AdminRole.LOCAL_ADMIN, organization=OrganizationFactory(departement=haute_garonne)),
    ]


def request_access(at=T0, **fields):
    """A person who asked for access at `at` (as the access-request service records it)."""
    person = UserFactory(new=True, created_at=at, first_name="Dominique", last_name="Requérant", **fields)
    AccountEvent.objects.create(user=person, kind=AccountEventKind.REQUESTED, created_at=at)
    return person


def emails_to(people, subject):
    return sorted((person.email, subject) for person in people)


# --- Requests waiting for an admin -----------------------------------------------------------------------------------


def test_unprocessed_request_reminds_the_responsible_admins_at_3_then_10_days_once_each(
    sweep, gironde_admins, other_admins
):
    person = request_access()

    assert sweep(T0 + 3 * DAY - MINUTE) == []
    assert sweep(T0 + 3 * DAY) == emails_to(gironde_admins, PENDING_1)
    assert sweep(T0 + 3 * DAY) == []  # the same run again
    assert sweep(T0 + 3 * DAY + 15 * MINUTE) == []  # the next run
    assert sweep(T0 + 9 * DAY) == []
    assert sweep(T0 + 10 * DAY - MINUTE) == []
    assert sweep(T0 + 10 * DAY) == emails_to(gironde_admins, PENDING_2)
    assert sweep(T0 + 12 * DAY) == []
    assert set(SentReminder.objects.filter(user=person).values_list("kind", flat=True)) == {
        ReminderKind.ADMIN_PENDING_1,
        ReminderKind.ADMIN_PENDING_2,
    }


def test_request_reminder_names_the_person_and_links_to_the_account(sweep, gironde_admins):
    person = request_access(at=datetime(2026, 4, 1, 10, 0, tzinfo=PARIS))

    sweep(datetime(2026, 4, 4, 10, 0, tzinfo=PARIS))

    message = next(message for message in mail.outbox if message.to == [gironde_admins[0].email])
    account_url = f"{settings.BASE_URL}/administration/comptes/{person.pk}/"
    assert "Bonjour Alix," in message.body
    assert f"Dominique Requérant ({person.organization.name})" in message.body
    assert "le 1er avril 2026" in message.body
    assert account_url in message.body
    html = message.alternatives[0].content
    assert f'href="{account_url}"' in html and "Requérant" in html


def test_request_reminder_goes_to_national_admins_when_the_departement_has_no_local_admin(sweep, other_admins):
    national, _ = other_admins
    request_access()

    assert sweep(T0 + 3 * DAY) == [(national.email, PENDING_1)]


def test_request_reminder_goes_to_the_team_mailbox_when_there_is_no_admin(sweep):
    request_access()

    assert sweep(T0 + 3 * DAY) == [(settings.CONTACT_EMAIL, PENDING_1)]
    assert mail.outbox[0].body.splitlines()[0] == "Bonjour,"


def test_a_late_run_sends_only_the_reminder_due_now(sweep, gironde_admins):
    request_access()

    assert sweep(T0 + 11 * DAY) == emails_to(gironde_admins, PENDING_2)
    assert "reçue le 2 mars 2026, attend toujours une réponse" in mail.outbox[0].body
    assert settings.CONTACT_EMAIL in mail.outbox[0].body  # to pass the request on: the sender address is no-reply
    assert sweep(T0 + 11 * DAY + MINUTE) == []


def test_requests_older_than_the_catch_up_window_get_no_reminder(sweep, gironde_admins):
    """An old request (imported, or a scheduler stopped for weeks) does not get a stale "3 days" reminder."""
    request_access()

    assert sweep(T0 + 40 * DAY) == []


def test_request_date_defaults_to_account_creation(sweep, gironde_admins):
    UserFactory(new=True, created_at=T0)  # no REQUESTED event (account from before the history existed)

    assert sweep(T0 + 3 * DAY) == emails_to(gironde_admins, PENDING_1)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda person: UserAccessFactory(user=person, created_at=T0 + DAY), id="link sent"),
        pytest.param(lambda person: setattr(person, "access_refused_at", T0 + DAY), id="refused"),
        pytest.param(lambda person: setattr(person, "status", UserStatus.ACTIVE), id="activated"),
        pytest.param(lambda person: setattr(person, "status", UserStatus.INACTIVE), id="deactivated"),
    ],
)
def test_processed_requests_get_no_reminder(sweep, gironde_admins, change):
    person = request_access()
    change(person)
    person.save()

    subjects = {subject for moment in (T0 + 3 * DAY, T0 + 10 * DAY) for _, subject in sweep(moment)}
    assert not subjects & {PENDING_1, PENDING_2}
    assert not SentReminder.objects.filter(kind__in=[ReminderKind.ADMIN_PENDING_1, ReminderKind.ADMIN_PENDING_2])


def test_accounts_created_by_an_admin_are_not_waiting_requests(sweep, gironde_admins):
    person = UserFactory(new=True, created_at=T0)
    AccountEvent.objects.create(user=person, actor=gironde_admins[0], kind=AccountEventKind.CREATED, created_at=T0)

    assert sweep(T0 + 3 * DAY) == []


# --- Activation links ------------------------------------------------------------------------------------------------


def test_unused_link_reminds_the_user_at_5_days_and_the_day_before_expiry_then_tells_both_at_expiry(sweep):
    access = UserAccessFactory(created_at=T0)  # valid 7 days
    person, admin = access.user, access.sent_by

    assert sweep(T0 + 5 * DAY - MINUTE) == []
    assert sweep(T0 + 5 * DAY) == [(person.email, LINK_PENDING)]
    assert sweep(T0 + 5 * DAY) == []
    assert sweep(T0 + 5 * DAY + 2 * MINUTE) == []
    assert sweep(T0 + 6 * DAY - MINUTE) == []
    assert sweep(T0 + 6 * DAY) == [(person.email, LINK_EXPIRES_SOON)]
    assert sweep(T0 + 6 * DAY + 12 * 60 * MINUTE) == []
    assert sweep(T0 + 7 * DAY - MINUTE) == []
    assert sweep(T0 + 7 * DAY) == sorted([(person.email, USER_LINK_EXPIRED), (admin.email, ADMIN_LINK_EXPIRED)])
    assert sweep(T0 + 7 * DAY + 15 * MINUTE) == []
    assert sweep(T0 + 9 * DAY) == []
    assert SentReminder.objects.filter(user=person, access=access).count() == 3


def test_link_reminders_give_the_dates_and_who_can_send_a_new_link_but_not_the_link(sweep):
    admin = UserFactory(admin_role=AdminRole.LOCAL_ADMIN, first_name="Alix", last_name="Admin")
    access = UserAccessFactory(created_at=datetime(2026, 6, 1, 9, 5, tzinfo=PARIS), sent_by=admin)

    sweep(access.created_at + 5 * DAY)
    [message] = mail.outbox
    assert f"Bonjour {access.user.first_name}," in message.body
    assert "Le 1er juin 2026, nous vous avons envoyé un courriel" in message.body
    assert "Il expire le 8 juin 2026 à 9 h 05." in message.body
    assert f"demandez un nouveau lien à Alix Admin, qui vous l'a envoyé : {admin.email}" in message.body
    assert "/activer-mon-compte/" not in message.body + message.alternatives[0].content

    sweep(access.expires_at)
    user_message, admin_message = sorted(mail.outbox, key=lambda message: message.to != [access.user.email])
    assert "a expiré le 8 juin 2026 à 9 h 05 sans avoir été utilisé" in user_message.body
    assert admin_message.to == [admin.email]
    assert "Bonjour Alix," in admin_message.body
    assert f"{settings.BASE_URL}/administration/comptes/{access.user.pk}/" in admin_message.body


def test_expired_link_goes_to_the_admins_responsible_when_the_sender_is_no_longer_admin(sweep, gironde_admins):
    former_admin = UserFactory(admin_role="")
    access = UserAccessFactory(created_at=T0, sent_by=former_admin)

    assert sweep(T0 + 7 * DAY) == sorted(
        [(access.user.email, USER_LINK_EXPIRED), *emails_to(gironde_admins, ADMIN_LINK_EXPIRED)]
    )
    # The user is told to write to the team, not to the former admin.
    user_message = next(message for message in mail.outbox if message.to == [access.user.email])
    assert settings.CONTACT_EMAIL in user_message.body and former_admin.email not in user_message.body


def test_a_late_run_sends_only_the_link_reminder_due_now(sweep):
    access = UserAccessFactory(created_at=T0)

    assert sweep(T0 + 6 * DAY + 2 * 60 * MINUTE) == [(access.user.email, LINK_EXPIRES_SOON)]
    assert sweep(T0 + 6 * DAY + 3 * 60 * MINUTE) == []


def test_links_expired_long_ago_get_no_reminder(sweep):
    UserAccessFactory(created_at=T0)

    assert sweep(T0 + 30 * DAY) == []


def test_a_one_day_link_gets_no_expires_tomorrow_reminder(sweep):
    access = UserAccessFactory(created_at=T0, expires_at=T0 + DAY)

    assert sweep(T0 + 5 * MINUTE) == []
    assert sweep(T0 + DAY) == sorted(
        [(access.user.email, USER_LINK_EXPIRED), (access.sent_by.email, ADMIN_LINK_EXPIRED)]
    )


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda access: (
                setattr(access, "used_at", T0 + DAY),
                setattr(access.user, "status", UserStatus.ACTIVE),
            ),
            id="activated",
        ),
        pytest.param(lambda access: setattr(access.user, "access_refused_at", T0 + DAY), id="refused"),
        pytest.param(
            lambda access: (
                setattr(access.user, "status", UserStatus.INACTIVE),
                setattr(access.user, "deactivated_at", T0 + DAY),
            ),
            id="deactivated",
        ),
    ],
)
def test_no_link_reminder_once_the_situation_changed(sweep, change):
    access = UserAccessFactory(created_at=T0)
    change(access)
    access.save()
    access.user.save()

    for moment in (T0 + 5 * DAY, T0 + 6 * DAY, T0 + 7 * DAY):
        assert sweep(moment) == []
    assert not SentReminder.objects.exists()


def test_a_person_never_activated_who_gets_a_new_link_after_deactivation_is_reminded(sweep):
    access = UserAccessFactory(created_at=T0, user__status=UserStatus.INACTIVE, user__deactivated_at=T0 - 30 * DAY)

    assert sweep(T0 + 5 * DAY) == [(access.user.email, LINK_PENDING)]


def test_a_renewed_link_starts_the_reminders_over_and_the_old_one_gets_none(sweep):
    first = UserAccessFactory(created_at=T0)
    person = first.user

    assert sweep(T0 + 5 * DAY) == [(person.email, LINK_PENDING)]
    renewed_at = T0 + 5 * DAY + 60 * MINUTE
    renewed = UserAccessFactory(user=person, sent_by=first.sent_by, created_at=renewed_at)

    assert sweep(T0 + 6 * DAY) == []  # the first link's "expires tomorrow"
    assert sweep(T0 + 7 * DAY) == []  # the first link's expiry
    assert sweep(renewed_at + 5 * DAY) == [(person.email, LINK_PENDING)]
    assert sweep(renewed_at + 6 * DAY) == [(person.email, LINK_EXPIRES_SOON)]
    assert sweep(renewed_at + 7 * DAY) == sorted(
        [(person.email, USER_LINK_EXPIRED), (first.sent_by.email, ADMIN_LINK_EXPIRED)]
    )
    assert set(SentReminder.objects.filter(access=first).values_list("kind", flat=True)) == {
        ReminderKind.USER_LINK_PENDING
    }
    assert SentReminder.objects.filter(access=renewed).count() == 3


# --- Delivery, command, schedule -------------------------------------------------------------------------------------


def test_a_reminder_due_while_the_mail_server_is_down_is_delivered_once_after_it_restarts(
    smtp_server, django_capture_on_commit_callbacks
):
    access = UserAccessFactory(created_at=T0)
    smtp_server.stop()

    with django_capture_on_commit_callbacks(execute=True):
        assert access_reminders_send(now=T0 + 5 * DAY) == 1

    [email] = OutgoingEmail.objects.all()
    assert (email.status, email.to, email.subject) == (EmailStatus.PENDING, [access.user.email], LINK_PENDING)
    assert SentReminder.objects.filter(kind=ReminderKind.USER_LINK_PENDING, access=access).exists()
    assert smtp_server.envelopes == []

    smtp_server.start()
    later = timezone.now() + BACKOFF[0] + timedelta(seconds=1)
    assert deliver_due_emails(now=later) == 1
    assert deliver_due_emails(now=later + timedelta(hours=1)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert access_reminders_send(now=T0 + 5 * DAY + 15 * MINUTE) == 0

    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == [access.user.email]
    assert message_from_bytes(envelope.content, policy=policy.default)["Subject"] == LINK_PENDING
    assert OutgoingEmail.objects.get().status == EmailStatus.SENT


def test_command_sends_the_reminders_due_at_the_given_moment(django_capture_on_commit_callbacks, gironde_admins):
    request_access()
    out = StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_access_reminders", "--now", "2026-03-05T09:30", stdout=out)  # naive: Paris time
    assert out.getvalue().strip() == "Relances envoyées : 1"
    assert len(mail.outbox) == len(gironde_admins)

    out = StringIO()
    call_command("send_access_reminders", "--now", "2026-03-05T08:45:00+00:00", stdout=out)
    assert out.getvalue().strip() == "Relances envoyées : 0"


def test_command_refuses_a_moment_that_is_not_iso_8601():
    with pytest.raises(CommandError, match="n'est pas une date ISO 8601"):
        call_command("send_access_reminders", "--now", "demain matin")


def test_reminders_are_a_scheduled_task_that_runs_at_the_current_time(django_capture_on_commit_callbacks):
    job = settings.SCHEDULED_JOBS["send_access_reminders"]
    assert import_string(job["task"]) is send_access_reminders
    assert isinstance(send_access_reminders, Task)
    assert job["every"] <= 15 * 60

    access = UserAccessFactory(created_at=timezone.now() - 5 * DAY - MINUTE)
    with django_capture_on_commit_callbacks(execute=True):
        result = send_access_reminders.enqueue()
    assert result.return_value == 1
    assert [message.to for message in mail.outbox] == [[access.user.email]]
