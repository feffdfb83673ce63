"""Data retention (reference §B.5, §B.9): inactivity alert and deactivation, anonymisation, sign-in log purge. The
clock is moved by passing `now` to each sweep."""

import logging
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.tasks import Task
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string

from resorption.accounts.enums import AccountEventKind, SignInFailure, UserStatus
from resorption.accounts.models import AccountEvent, SignInAttempt, User
from resorption.accounts.services.retention import (
    add_months,
    anonymous_email,
    inactive_users_alert,
    inactive_users_deactivate,
    signin_attempts_purge,
    users_anonymize,
)
from resorption.accounts.tasks import check_inactive_users
from resorption.core import scheduler
from tests.accounts.factories import DEFAULT_PASSWORD, UserAccessFactory, UserFactory

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
T0 = datetime(2026, 1, 15, 10, 0, tzinfo=PARIS)
LONG_AGO = T0 - timedelta(days=400)
MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)

ALERT_SUBJECT = "Votre compte Résorption-bidonvilles sera bientôt désactivé"
DEACTIVATED_SUBJECT = "Votre compte Résorption-bidonvilles a été désactivé"


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Runs a sweep at `now`; returns (its count, the (recipient, subject) pairs of the emails it sent)."""

    def run(sweep, now):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            count = sweep(now=now)
        return count, sorted((message.to[0], message.subject) for message in mail.outbox)

    return run


def user_last_seen(at, **fields):
    """An active user created long before `at`, whose last sign-in was at `at`."""
    return UserFactory(created_at=LONG_AGO, last_login=at, **fields)


def test_months_are_calendar_months_in_paris_time():
    assert add_months(T0, 6) == datetime(2026, 7, 15, 10, 0, tzinfo=PARIS)  # across the change to summer time
    assert add_months(datetime(2026, 8, 31, 12, 0, tzinfo=PARIS), -6) == datetime(2026, 2, 28, 12, 0, tzinfo=PARIS)
    assert add_months(datetime(2026, 1, 31, 12, 0, tzinfo=PARIS), 13) == datetime(2027, 2, 28, 12, 0, tzinfo=PARIS)


# --- Inactivity alert ------------------------------------------------------------------------------------------------


def test_an_active_user_without_sign_in_for_6_months_is_alerted_once(run):
    user = user_last_seen(T0, first_name="Camille")
    six_months = add_months(T0, 6)

    assert run(inactive_users_alert, six_months - MINUTE) == (0, [])
    assert run(inactive_users_alert, six_months) == (1, [(user.email, ALERT_SUBJECT)])
    assert run(inactive_users_alert, six_months) == (0, [])
    assert run(inactive_users_alert, six_months + 10 * DAY) == (0, [])

    user.refresh_from_db()
    assert user.inactivity_alert_sent_at == six_months
    assert user.status == UserStatus.ACTIVE
    assert AccountEvent.objects.filter(user=user, kind=AccountEventKind.INACTIVITY_ALERT).count() == 1


def test_the_alert_gives_the_deactivation_date_and_the_sign_in_link(run):
    user_last_seen(datetime(2026, 1, 1, 5, 0, tzinfo=PARIS))

    run(inactive_users_alert, datetime(2026, 7, 1, 6, 0, tzinfo=PARIS))

    [message] = mail.outbox
    assert "Bonjour Camille," in message.body
    assert "d'ici le 1er août 2026" in message.body
    login_url = f"{settings.BASE_URL}{reverse('accounts:login')}"
    assert login_url in message.body
    assert f'href="{login_url}"' in message.alternatives[0].content


@pytest.mark.parametrize(
    "opened",
    [
        pytest.param(lambda user: UserAccessFactory(user=user, used_at=T0, created_at=T0 - DAY), id="link used"),
        pytest.param(
            lambda user: AccountEvent.objects.create(user=user, kind=AccountEventKind.ACTIVATED, created_at=T0),
            id="activated",
        ),
        pytest.param(
            lambda user: AccountEvent.objects.create(user=user, kind=AccountEventKind.REACTIVATED, created_at=T0),
            id="reactivated",
        ),
        pytest.param(lambda user: User.objects.filter(pk=user.pk).update(created_at=T0), id="created"),
    ],
)
def test_without_sign_in_inactivity_counts_from_the_activation_reactivation_or_creation(run, opened):
    user = user_last_seen(LONG_AGO)  # signed in long ago, or never: then the account was (re)opened at T0
    opened(user)

    assert run(inactive_users_alert, add_months(T0, 6) - MINUTE)[0] == 0
    assert run(inactive_users_alert, add_months(T0, 6))[0] == 1


def test_a_user_never_signed_in_is_alerted_6_months_after_the_account_was_created(run):
    user = UserFactory(created_at=T0, last_login=None)

    assert run(inactive_users_alert, add_months(T0, 6) - MINUTE)[0] == 0
    assert run(inactive_users_alert, add_months(T0, 6)) == (1, [(user.email, ALERT_SUBJECT)])


@pytest.mark.parametrize("status", [UserStatus.NEW, UserStatus.INACTIVE])
def test_accounts_not_active_get_no_inactivity_alert(run, status):
    user_last_seen(T0, status=status)

    assert run(inactive_users_alert, add_months(T0, 8)) == (0, [])


# --- Deactivation ----------------------------------------------------------------------------------------------------


def test_a_user_still_absent_a_month_after_the_alert_is_deactivated_once(run):
    user = user_last_seen(T0)
    alert = add_months(T0, 6)
    run(inactive_users_alert, alert)

    assert run(inactive_users_deactivate, add_months(alert, 1) - MINUTE) == (0, [])
    assert run(inactive_users_deactivate, add_months(alert, 1)) == (1, [(user.email, DEACTIVATED_SUBJECT)])
    assert run(inactive_users_deactivate, add_months(alert, 1) + DAY) == (0, [])

    user.refresh_from_db()
    assert user.status == UserStatus.INACTIVE
    assert user.deactivated_at == add_months(alert, 1)
    [event] = AccountEvent.objects.filter(user=user, kind=AccountEventKind.DEACTIVATED)
    assert event.actor is None
    assert event.detail.startswith("Inactivité")
    # Deactivated accounts get no further alert.
    assert run(inactive_users_alert, add_months(alert, 3)) == (0, [])


def test_the_deactivation_email_gives_the_alert_and_anonymisation_dates(run):
    user_last_seen(T0)
    run(inactive_users_alert, datetime(2026, 7, 15, 11, 0, tzinfo=PARIS))

    run(inactive_users_deactivate, datetime(2026, 8, 15, 11, 0, tzinfo=PARIS))

    [message] = mail.outbox
    assert "Le 15 juillet 2026, nous vous avons écrit" in message.body
    assert "anonymisées à partir du 15 février 2027" in message.body
    assert settings.CONTACT_EMAIL in message.alternatives[0].content


def test_a_user_who_signs_in_after_the_alert_is_not_deactivated_and_is_alerted_again_after_a_new_absence(run):
    user = user_last_seen(T0)
    alert = add_months(T0, 6)
    run(inactive_users_alert, alert)
    came_back = alert + 3 * DAY
    User.objects.filter(pk=user.pk).update(last_login=came_back)  # the alert date is left as it was

    assert run(inactive_users_deactivate, add_months(alert, 2)) == (0, [])
    assert run(inactive_users_alert, add_months(came_back, 6) - MINUTE) == (0, [])
    assert run(inactive_users_alert, add_months(came_back, 6)) == (1, [(user.email, ALERT_SUBJECT)])
    user.refresh_from_db()
    assert user.status == UserStatus.ACTIVE


def test_a_user_reactivated_after_an_inactivity_deactivation_is_not_deactivated_again_at_once(run):
    user = user_last_seen(T0)
    alert = add_months(T0, 6)
    run(inactive_users_alert, alert)
    run(inactive_users_deactivate, add_months(alert, 1))
    reactivated = add_months(alert, 2)
    User.objects.filter(pk=user.pk).update(status=UserStatus.ACTIVE, deactivated_at=None)
    AccountEvent.objects.create(user=user, kind=AccountEventKind.REACTIVATED, created_at=reactivated)

    assert run(inactive_users_deactivate, reactivated + DAY) == (0, [])
    assert run(inactive_users_alert, reactivated + DAY) == (0, [])
    assert run(inactive_users_alert, add_months(reactivated, 6))[0] == 1


def test_signing_in_clears_the_inactivity_alert(client, run):
    """Needs the sign-in service to clear `inactivity_alert_sent_at` (see resorption/accounts/services/auth.py)."""
    user = user_last_seen(T0)
    run(inactive_users_alert, add_months(T0, 6))

    response = client.post(reverse("accounts:login"), {"email": user.email, "password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.inactivity_alert_sent_at is None


def test_command_checks_inactive_users_at_the_given_moment(django_capture_on_commit_callbacks):
    alerted = user_last_seen(T0)
    deactivated = user_last_seen(T0 - timedelta(days=300), inactivity_alert_sent_at=T0 - 45 * DAY)
    out = StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("check_inactive_users", "--now", add_months(T0, 6).isoformat(), stdout=out)

    assert out.getvalue().strip() == "Comptes désactivés : 1 ; alertes d'inactivité envoyées : 1"
    assert User.objects.get(pk=alerted.pk).inactivity_alert_sent_at == add_months(T0, 6)
    assert User.objects.get(pk=deactivated.pk).status == UserStatus.INACTIVE
    assert sorted(message.subject for message in mail.outbox) == [DEACTIVATED_SUBJECT, ALERT_SUBJECT]


# --- Anonymisation ---------------------------------------------------------------------------------------------------


def deactivated_user(at, **fields):
    """A user deactivated at `at`, who last signed in long before, with personal data in every field."""
    defaults = {
        "status": UserStatus.INACTIVE,
        "created_at": LONG_AGO,
        "last_login": at - 200 * DAY,
        "deactivated_at": at,
        "email": "camille.martin@exemple.test",
        "phone": "0601020304",
        "position": "Cheffe de projet",
        "admin_note": "Rencontrée au comité du 3 mars.",
        "access_request_message": "Je travaille sur le bidonville de la rue X.",
        "referral_detail": "Recommandée par Jeanne Dupont",
    }
    return UserFactory(**{**defaults, **fields})


def test_an_account_deactivated_6_months_ago_is_anonymised_once(run):
    user = deactivated_user(T0)
    old_email = user.email
    own_attempt = SignInAttempt.objects.create(email=old_email, user=user, success=True)
    typed_before = SignInAttempt.objects.create(
        email=old_email, success=False, failure_reason=SignInFailure.BAD_CREDENTIALS
    )
    someone_else = SignInAttempt.objects.create(email="autre@exemple.test", success=True)
    six_months = add_months(T0, 6)

    assert run(users_anonymize, six_months - MINUTE) == (0, [])
    assert run(users_anonymize, six_months) == (1, [])

    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("Utilisateur", "Désactivé")
    assert user.email == anonymous_email(user.pk) == f"utilisateur.desactive.{user.pk}@anonyme.fr"
    assert (user.phone, user.position, user.admin_note, user.access_request_message, user.referral_detail) == (
        ("",) * 5
    )
    assert not user.has_usable_password()
    assert user.anonymized_at == six_months
    assert user.status == UserStatus.INACTIVE
    [event] = AccountEvent.objects.filter(user=user, kind=AccountEventKind.ANONYMIZED)
    assert event.actor is None

    own_attempt.refresh_from_db()
    typed_before.refresh_from_db()
    someone_else.refresh_from_db()
    assert (own_attempt.email, own_attempt.user_id) == (user.email, user.pk)
    assert typed_before.email == user.email
    assert someone_else.email == "autre@exemple.test"
    assert not User.objects.filter(email=old_email).exists()

    assert run(users_anonymize, six_months + DAY) == (0, [])
    user.refresh_from_db()
    assert user.anonymized_at == six_months
    assert AccountEvent.objects.filter(user=user, kind=AccountEventKind.ANONYMIZED).count() == 1


def test_a_recent_sign_in_before_deactivation_delays_anonymisation_to_6_months_after_the_later_of_both(run):
    user = deactivated_user(T0, last_login=None)
    User.objects.filter(pk=user.pk).update(last_login=T0 + 10 * DAY, deactivated_at=T0)

    assert run(users_anonymize, add_months(T0, 6))[0] == 0
    assert run(users_anonymize, add_months(T0 + 10 * DAY, 6))[0] == 1


def test_an_account_deactivated_on_request_of_anonymisation_is_anonymised_at_the_next_run(run):
    user = deactivated_user(T0, anonymization_requested_at=T0)

    assert run(users_anonymize, T0 + 5 * 60 * MINUTE) == (1, [])
    user.refresh_from_db()
    assert user.anonymized_at is not None
    assert AccountEvent.objects.get(user=user, kind=AccountEventKind.ANONYMIZED).detail == (
        "À la demande de la personne."
    )


@pytest.mark.parametrize("status", [UserStatus.ACTIVE, UserStatus.NEW])
def test_accounts_not_deactivated_are_never_anonymised(run, status):
    user = deactivated_user(T0, anonymization_requested_at=T0)
    User.objects.filter(pk=user.pk).update(status=status)

    assert run(users_anonymize, add_months(T0, 24)) == (0, [])
    assert User.objects.get(pk=user.pk).anonymized_at is None


def test_an_account_holding_the_anonymous_address_is_skipped_without_stopping_the_others(run, caplog):
    blocked = deactivated_user(T0)
    UserFactory(email=anonymous_email(blocked.pk))
    other = UserFactory(status=UserStatus.INACTIVE, created_at=LONG_AGO, deactivated_at=T0)

    with caplog.at_level(logging.WARNING, logger="resorption.accounts"):
        assert run(users_anonymize, add_months(T0, 6))[0] == 1

    assert User.objects.get(pk=blocked.pk).anonymized_at is None
    assert User.objects.get(pk=blocked.pk).first_name == "Camille"
    assert User.objects.get(pk=other.pk).anonymized_at is not None
    assert "anonymisation skipped" in caplog.text


def test_command_anonymizes_at_the_given_moment():
    user = deactivated_user(T0)
    out = StringIO()

    call_command("anonymize_users", "--now", add_months(T0, 6).isoformat(), stdout=out)

    assert out.getvalue().strip() == "Comptes anonymisés : 1"
    assert User.objects.get(pk=user.pk).email == anonymous_email(user.pk)


# --- Sign-in log purge -----------------------------------------------------------------------------------------------


def test_sign_in_attempts_older_than_12_months_are_deleted(run):
    limit = add_months(T0, -12)
    old = SignInAttempt.objects.create(email="ancien@exemple.test", success=True, created_at=limit - MINUTE)
    kept = SignInAttempt.objects.create(email="recent@exemple.test", success=True, created_at=limit + MINUTE)

    assert run(signin_attempts_purge, T0) == (1, [])
    assert run(signin_attempts_purge, T0) == (0, [])
    assert not SignInAttempt.objects.filter(pk=old.pk).exists()
    assert SignInAttempt.objects.filter(pk=kept.pk).exists()


def test_command_purges_the_sign_in_log_at_the_given_moment():
    SignInAttempt.objects.create(email="ancien@exemple.test", success=True, created_at=T0 - 400 * DAY)
    out = StringIO()

    call_command("purge_signin_log", "--now", T0.isoformat(), stdout=out)

    assert out.getvalue().strip() == "Tentatives de connexion supprimées : 1"
    assert not SignInAttempt.objects.exists()


# --- Schedule --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("job", "daily_at"),
    [("check_inactive_users", "06:00"), ("anonymize_users", "11:00"), ("purge_signin_log", "04:00")],
)
def test_retention_jobs_are_scheduled_daily_tasks(job, daily_at):
    spec = settings.SCHEDULED_JOBS[job]
    assert spec["daily_at"] == daily_at
    assert isinstance(import_string(spec["task"]), Task)
    assert spec["task"] == f"resorption.accounts.tasks.{job}"


def test_the_scheduler_runs_the_retention_jobs_with_the_real_clock(django_capture_on_commit_callbacks):
    """The tasks read the current time: an account deactivated 7 months ago is anonymised by the 11:00 run."""
    user = deactivated_user(add_months(timezone.now(), -7))
    local = timezone.localtime()
    late_morning = local.replace(hour=11, minute=30)

    with django_capture_on_commit_callbacks(execute=True):
        enqueued = scheduler.tick(late_morning)

    assert {"check_inactive_users", "anonymize_users", "purge_signin_log"} <= set(enqueued)
    assert User.objects.get(pk=user.pk).anonymized_at is not None


def test_the_inactivity_task_reports_what_it_did():
    user_last_seen(add_months(timezone.now(), -7))

    assert check_inactive_users.enqueue().return_value == {"deactivated": 0, "alerted": 1}
