"""Time-based account jobs: access reminders (reference §B.3) and data retention (§B.5, §B.9).

Every job is a sweep: "do what is due at `now` and has not been done yet". `now` is a parameter so that tests move the
clock and an operator can replay a day by hand (`manage.py send_access_reminders --now …`). A sweep may run twice, late
or in parallel with itself without doing anything twice:
- each reminder is claimed by inserting a `SentReminder` row (unique per kind, user and link) in the same transaction
  as its emails are queued; a second run finds the row, a concurrent one hits the unique constraint;
- each account change is a compare-and-set update that only the first run wins.
Each item is handled in its own transaction: one failure does not undo what was done for the others, and a long sweep
does not hold a long transaction.

A reminder is sent from its date until the next reminder of the same series is due, and no more than CATCH_UP after
its date: a scheduler down for a day catches up, but imported or very old accounts do not receive stale reminders
("your link expires tomorrow" for a link that expired last year).
"""

import calendar
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import timezone

from resorption.accounts import permissions
from resorption.accounts.enums import AccountEventKind, ReminderKind, UserStatus
from resorption.accounts.models import AccountEvent, SentReminder, SignInAttempt, User, UserAccess
from resorption.accounts.services.history import account_event_record
from resorption.accounts.validators import ANONYMOUS_EMAIL_DOMAIN
from resorption.core.dates import french_date, french_datetime
from resorption.emails.services import email_queue

logger = logging.getLogger("resorption.accounts")

# Access reminders (§B.3).
REQUEST_PENDING_REMINDERS = (
    (ReminderKind.ADMIN_PENDING_1, "admin_request_pending_1", timedelta(days=3)),
    (ReminderKind.ADMIN_PENDING_2, "admin_request_pending_2", timedelta(days=10)),
)
LINK_PENDING_AFTER = timedelta(days=5)  # after the link was sent
LINK_EXPIRES_SOON_BEFORE = timedelta(days=1)  # before the link expires
CATCH_UP = timedelta(days=7)

# Retention (§B.5, §B.9).
INACTIVITY_ALERT_AFTER_MONTHS = 6
DEACTIVATION_AFTER_ALERT_MONTHS = 1
ANONYMIZATION_AFTER_MONTHS = 6
SIGNIN_LOG_RETENTION_MONTHS = 12
INACTIVITY_DEACTIVATION_DETAIL = "Inactivité : aucune connexion dans le mois qui a suivi l'alerte d'inactivité."

# Anonymised accounts keep their row (authors of journal messages, history) under a fixed name and a unique address.
ANONYMOUS_FIRST_NAME = "Utilisateur"
ANONYMOUS_LAST_NAME = "Désactivé"


def anonymous_email(user_id: int) -> str:
    return f"utilisateur.desactive.{user_id}@{ANONYMOUS_EMAIL_DOMAIN}"


# --- Access reminders ------------------------------------------------------------------------------------------------


def access_reminders_send(*, now: datetime) -> int:
    """Sends the access reminders due at `now`; returns how many reminders were sent (one may have several emails).

    - a request still unprocessed 3 and 10 days after it was made: the admins responsible for the requester;
    - an unused activation link, 5 days after it was sent and the day before it expires: the user;
    - an activation link that expired unused: the user and the admin who sent it.
    Only the latest link of a user counts: a renewed link starts the series again.
    """
    return _request_reminders_send(now=now) + _link_reminders_send(now=now)


def _pending_requests() -> QuerySet[User]:
    """Access requests nobody has processed: no link sent, not refused, the person still waiting (status new).

    Accounts created by an admin are not requests: that admin sends the link himself.
    """
    first_request = (
        AccountEvent.objects.filter(user=OuterRef("pk"), kind=AccountEventKind.REQUESTED)
        .order_by("created_at")
        .values("created_at")[:1]
    )
    return (
        User.objects.filter(status=UserStatus.NEW, access_refused_at__isnull=True)
        .filter(~Exists(UserAccess.objects.filter(user=OuterRef("pk"))))
        .filter(~Exists(AccountEvent.objects.filter(user=OuterRef("pk"), kind=AccountEventKind.CREATED)))
        .annotate(requested_at=Coalesce(Subquery(first_request), F("created_at")))
        .select_related("organization")
    )


def _request_reminders_send(*, now: datetime) -> int:
    sent = 0
    for index, (kind, template, after) in enumerate(REQUEST_PENDING_REMINDERS):
        due = (
            _pending_requests()
            .filter(requested_at__lte=now - after, requested_at__gt=now - after - CATCH_UP)
            .filter(~Exists(SentReminder.objects.filter(kind=kind, user=OuterRef("pk"))))
        )
        if index + 1 < len(REQUEST_PENDING_REMINDERS):  # the next reminder replaces this one once due
            due = due.filter(requested_at__gt=now - REQUEST_PENDING_REMINDERS[index + 1][2])
        for account in due:
            context = {
                "account": account,
                "requested_label": french_date(account.requested_at),
                "account_url": _account_url(account),
                "contact_email": settings.CONTACT_EMAIL,
            }
            emails = _emails_to_admins(list(permissions.admins_responsible_for(account)), template, context)
            sent += _reminder_send(kind=kind, user=account, access=None, now=now, emails=emails)
    return sent


def _latest_unused_links() -> QuerySet[UserAccess]:
    """The latest link of each person still waiting to activate, when it is unused.

    Waiting: not activated (status new — or deactivated, for a person never activated to whom an admin sent a new
    link), and not refused, deactivated or anonymised since the link was sent (which makes the link unusable).
    """
    latest = UserAccess.objects.filter(user=OuterRef("user")).order_by("-created_at", "-pk").values("pk")[:1]
    return (
        UserAccess.objects.filter(pk=Subquery(latest), used_at__isnull=True)
        .filter(user__status__in=[UserStatus.NEW, UserStatus.INACTIVE], user__anonymized_at__isnull=True)
        .filter(Q(user__access_refused_at__isnull=True) | Q(user__access_refused_at__lt=F("created_at")))
        .filter(Q(user__deactivated_at__isnull=True) | Q(user__deactivated_at__lt=F("created_at")))
        .select_related("user__organization", "sent_by")
    )


def _link_reminders_send(*, now: datetime) -> int:
    stages = (
        # 5 days after sending, unless the "expires tomorrow" reminder is due already (links shorter than 6 days).
        (
            ReminderKind.USER_LINK_PENDING,
            Q(created_at__lte=now - LINK_PENDING_AFTER, created_at__gt=now - LINK_PENDING_AFTER - CATCH_UP)
            & Q(expires_at__gt=now + LINK_EXPIRES_SOON_BEFORE),
        ),
        # The day before expiry, for links sent before that day (a 1-day link gets no "expires tomorrow").
        (
            ReminderKind.USER_LINK_EXPIRES_SOON,
            Q(expires_at__lte=now + LINK_EXPIRES_SOON_BEFORE, expires_at__gt=now)
            & Q(created_at__lt=F("expires_at") - LINK_EXPIRES_SOON_BEFORE),
        ),
        (ReminderKind.LINK_EXPIRED, Q(expires_at__lte=now, expires_at__gt=now - CATCH_UP)),
    )
    sent = 0
    for kind, condition in stages:
        due = (
            _latest_unused_links()
            .filter(condition)
            .filter(~Exists(SentReminder.objects.filter(kind=kind, access=OuterRef("pk"))))
        )
        for access in due:
            sent += _reminder_send(
                kind=kind, user=access.user, access=access, now=now, emails=_link_emails(kind, access)
            )
    return sent


def _link_emails(kind: ReminderKind, access: UserAccess) -> list[tuple[list[str], str, dict]]:
    user = access.user
    # Only the hash of the token is stored, so a reminder cannot repeat the link: it points to the first email and to
    # the person who can send a new link.
    sender = access.sent_by if _is_active_admin(access.sent_by) else None
    labels = {"sent_label": french_date(access.created_at), "expires_label": french_datetime(access.expires_at)}
    context = {"user": user, "sender": sender, "contact_email": settings.CONTACT_EMAIL, **labels}
    if kind == ReminderKind.USER_LINK_PENDING:
        hours_left = round((access.expires_at - access.created_at - LINK_PENDING_AFTER) / timedelta(hours=1))
        return [([user.email], "user_link_pending", {**context, "hours_left": hours_left})]
    if kind == ReminderKind.USER_LINK_EXPIRES_SOON:
        return [([user.email], "user_link_expires_soon", context)]
    # Expired: the user, and the admin who sent the link — or, when he is no longer an admin, those now responsible.
    admins = [sender] if sender is not None else list(permissions.admins_responsible_for(user))
    admin_context = {"account": user, "account_url": _account_url(user), **labels}
    return [
        ([user.email], "user_link_expired", context),
        *_emails_to_admins(admins, "admin_link_expired", admin_context),
    ]


def _is_active_admin(user: User | None) -> bool:
    return user is not None and user.status == UserStatus.ACTIVE and user.is_admin


def _account_url(account: User) -> str:
    return settings.BASE_URL + reverse("accounts:user_detail", kwargs={"pk": account.pk})


def _emails_to_admins(admins: list[User], template: str, context: dict) -> list[tuple[list[str], str, dict]]:
    """One email per admin, addressed by name; the team mailbox when there is no admin to tell."""
    if not admins:
        return [([settings.CONTACT_EMAIL], template, {**context, "admin": None})]
    return [([admin.email], template, {**context, "admin": admin}) for admin in admins]


def _reminder_send(
    *,
    kind: ReminderKind,
    user: User,
    access: UserAccess | None,
    now: datetime,
    emails: list[tuple[list[str], str, dict]],
) -> int:
    """Records the reminder and queues its emails in one transaction. 0 when it had been sent already."""
    with transaction.atomic():
        try:
            with transaction.atomic():  # the unique constraint is the guard against a concurrent run
                SentReminder.objects.create(kind=kind, user=user, access=access, sent_at=now)
        except IntegrityError:
            return 0
        for to, template, context in emails:
            email_queue(to=to, template=template, context=context)
    return 1


# --- Inactivity ------------------------------------------------------------------------------------------------------


def add_months(moment: datetime, months: int) -> datetime:
    """The same local wall-clock time `months` later (earlier when negative); the 31st becomes the month's last day."""
    local = timezone.localtime(moment)
    year, month_index = divmod(local.year * 12 + local.month - 1 + months, 12)
    day = min(local.day, calendar.monthrange(year, month_index + 1)[1])
    return timezone.make_aware(local.replace(tzinfo=None, year=year, month=month_index + 1, day=day))


def _with_last_activity(users: QuerySet[User]) -> QuerySet[User]:
    """Annotates `last_activity`: the latest sign-in, activation or reactivation, else the creation of the account.

    An account activated or reactivated recently is not "inactive" because its owner signed in long ago.
    """
    reopened = (
        AccountEvent.objects.filter(
            user=OuterRef("pk"), kind__in=[AccountEventKind.ACTIVATED, AccountEventKind.REACTIVATED]
        )
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    link_used = (
        UserAccess.objects.filter(user=OuterRef("pk"), used_at__isnull=False)
        .order_by("-used_at")
        .values("used_at")[:1]
    )
    created = F("created_at")
    # Greatest() is NULL on SQLite as soon as one argument is: each one falls back to the creation date.
    return users.annotate(
        last_activity=Greatest(
            Coalesce("last_login", created),
            Coalesce(Subquery(reopened), created),
            Coalesce(Subquery(link_used), created),
        )
    )


def inactive_users_alert(*, now: datetime) -> int:
    """Warns active users without sign-in for 6 months that their account will be deactivated in a month (§B.9).

    An alert older than the last activity no longer counts (the user came back since): a new absence alerts again.
    Returns how many users were alerted.
    """
    due = (
        _with_last_activity(User.objects.filter(status=UserStatus.ACTIVE))
        .filter(last_activity__lte=add_months(now, -INACTIVITY_ALERT_AFTER_MONTHS))
        .filter(Q(inactivity_alert_sent_at__isnull=True) | Q(inactivity_alert_sent_at__lt=F("last_activity")))
    )
    return sum(_inactive_user_alert(user=user, now=now) for user in due)


@transaction.atomic
def _inactive_user_alert(*, user: User, now: datetime) -> bool:
    # Compare-and-set: only one run moves the alert date from the value this run read.
    claimed = User.objects.filter(
        pk=user.pk, status=UserStatus.ACTIVE, inactivity_alert_sent_at=user.inactivity_alert_sent_at
    ).update(inactivity_alert_sent_at=now)
    if not claimed:
        return False
    account_event_record(user=user, actor=None, kind=AccountEventKind.INACTIVITY_ALERT)
    context = {
        "user": user,
        "deactivation_label": french_date(add_months(now, DEACTIVATION_AFTER_ALERT_MONTHS)),
        "login_url": settings.BASE_URL + reverse("accounts:login"),
    }
    email_queue(to=[user.email], template="inactive_user_alert", context=context)
    return True


def inactive_users_deactivate(*, now: datetime) -> int:
    """Deactivates the users alerted a month ago or more who have not signed in since (§B.9). Returns how many."""
    due = (
        _with_last_activity(User.objects.filter(status=UserStatus.ACTIVE))
        .filter(inactivity_alert_sent_at__lte=add_months(now, -DEACTIVATION_AFTER_ALERT_MONTHS))
        .filter(last_activity__lte=F("inactivity_alert_sent_at"))
    )
    return sum(_inactive_user_deactivate(user=user, now=now) for user in due)


@transaction.atomic
def _inactive_user_deactivate(*, user: User, now: datetime) -> bool:
    claimed = User.objects.filter(
        pk=user.pk, status=UserStatus.ACTIVE, inactivity_alert_sent_at=user.inactivity_alert_sent_at
    ).update(status=UserStatus.INACTIVE, deactivated_at=now)
    if not claimed:
        return False
    account_event_record(
        user=user, actor=None, kind=AccountEventKind.DEACTIVATED, detail=INACTIVITY_DEACTIVATION_DETAIL
    )
    context = {
        "user": user,
        "alert_label": french_date(user.inactivity_alert_sent_at),
        "anonymization_label": french_date(add_months(now, ANONYMIZATION_AFTER_MONTHS)),
        "contact_email": settings.CONTACT_EMAIL,
    }
    email_queue(to=[user.email], template="inactive_user_deactivated", context=context)
    return True


# --- Anonymisation and sign-in log -----------------------------------------------------------------------------------


def users_anonymize(*, now: datetime) -> int:
    """Anonymises deactivated accounts (§B.9): those who asked for it, and those deactivated and unused for 6 months.

    "Unused" counts from the later of the last sign-in and the deactivation, so that an admin has 6 months to
    reactivate someone he has just deactivated, whatever the date of that person's last sign-in. Returns how many were
    anonymised.
    """
    created = F("created_at")
    due = (
        User.objects.filter(status=UserStatus.INACTIVE, anonymized_at__isnull=True)
        .annotate(last_use=Greatest(Coalesce("last_login", created), Coalesce("deactivated_at", created)))
        .filter(
            Q(anonymization_requested_at__isnull=False) | Q(last_use__lte=add_months(now, -ANONYMIZATION_AFTER_MONTHS))
        )
    )
    anonymized = 0
    for user in due:
        try:
            anonymized += user_anonymize(user=user, now=now)
        except ValidationError as error:  # e.g. someone registered the anonymous address: skip, keep the others going
            logger.warning("anonymisation skipped", extra={"user_id": user.pk, "error": str(error)})
    return anonymized


@transaction.atomic
def user_anonymize(*, user: User, now: datetime) -> bool:
    """Replaces the personal data of a deactivated account; the row stays for history. False if done already."""
    if not User.objects.filter(pk=user.pk, anonymized_at__isnull=True).update(anonymized_at=now):
        return False
    old_email = user.email
    requested = user.anonymization_requested_at is not None
    user.first_name = ANONYMOUS_FIRST_NAME
    user.last_name = ANONYMOUS_LAST_NAME
    user.email = anonymous_email(user.pk)
    user.phone = ""
    user.position = ""
    user.admin_note = ""
    user.access_request_message = ""
    user.referral_detail = ""  # may name the person who recommended the platform
    user.anonymized_at = now
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    # The sign-in log keeps its rows (and their link to the account) until purged, without the address.
    SignInAttempt.objects.filter(Q(user=user) | Q(email=old_email)).update(email=user.email)
    account_event_record(
        user=user,
        actor=None,
        kind=AccountEventKind.ANONYMIZED,
        detail="À la demande de la personne." if requested else "Compte désactivé et inutilisé depuis six mois.",
    )
    return True


def signin_attempts_purge(*, now: datetime) -> int:
    """Deletes the sign-in log rows older than 12 months (§B.5). Returns how many were deleted."""
    deleted, _ = SignInAttempt.objects.filter(created_at__lt=add_months(now, -SIGNIN_LOG_RETENTION_MONTHS)).delete()
    return deleted
