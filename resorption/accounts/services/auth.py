"""Account services: signing in, password reset and charter acceptance (reference §B.5–B.7)."""

from datetime import datetime, timedelta
from typing import NoReturn

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from resorption.accounts import charter
from resorption.accounts.enums import SignInFailure, UserStatus
from resorption.accounts.models import SignInAttempt, User
from resorption.core.network import client_ip
from resorption.emails.services import email_queue

AUTHENTICATION_BACKEND = "resorption.accounts.backends.EmailBackend"

BAD_CREDENTIALS_MESSAGE = "Ces identifiants sont incorrects."
NOT_ACTIVE_MESSAGE = "Votre compte doit être activé avant utilisation."
ORGANIZATION_INACTIVE_MESSAGE = (
    "La structure à laquelle votre compte est rattaché n'est pas active sur la plateforme. "
    "Contactez l'équipe Résorption-bidonvilles pour la réactiver."
)
THROTTLED_MESSAGE = "Trop de tentatives de connexion. Réessayez après {time}."


class SignInError(Exception):
    """A refused sign-in. `message` is the French sentence to show; `reason` is what the sign-in log records."""

    def __init__(self, message: str, *, reason: SignInFailure):
        super().__init__(message)
        self.message = message
        self.reason = reason


def normalize_email(email: str) -> str:
    return email.strip().lower()


def user_sign_in(*, request: HttpRequest, email: str, password: str) -> User:
    """Signs a person in, or raises `SignInError`. Every attempt, accepted or not, is written to the sign-in log.

    Rules (reference §B.5):
    - unknown address and wrong password get the same answer, so that nobody can find out who has an account;
    - "not activated" and "organisation inactive" are told only to someone who typed the right password;
    - after SIGNIN_MAX_FAILURES_PER_EMAIL wrong passwords for one address (or SIGNIN_MAX_FAILURES_PER_IP from one IP
      address) within SIGNIN_WINDOW, attempts are refused, even with the right password, until the window has passed.
      Only wrong credentials count: refused attempts do not extend the block.

    Not atomic on purpose: the log row of a refused attempt must stay when the error is raised.
    """
    email = normalize_email(email)
    attempt = {
        "email": email[: SignInAttempt._meta.get_field("email").max_length],
        "ip_address": client_ip(request),
        "user_agent": request.headers.get("User-Agent", "")[: SignInAttempt._meta.get_field("user_agent").max_length],
    }
    user = User.objects.select_related("organization").filter(email=email).first()

    retry_at = _signin_blocked_until(email=email, ip_address=attempt["ip_address"])
    if retry_at is not None:
        _refuse(attempt, user=user, reason=SignInFailure.THROTTLED, message=_throttled_message(retry_at))

    if user is None:
        make_password(password)  # same hashing time as for a known address: response time tells nothing
        _refuse(attempt, user=None, reason=SignInFailure.BAD_CREDENTIALS, message=BAD_CREDENTIALS_MESSAGE)
    if not user.check_password(password):
        _refuse(attempt, user=user, reason=SignInFailure.BAD_CREDENTIALS, message=BAD_CREDENTIALS_MESSAGE)
    if user.status != UserStatus.ACTIVE:
        _refuse(attempt, user=user, reason=SignInFailure.NOT_ACTIVE, message=NOT_ACTIVE_MESSAGE)
    if not user.organization.active:
        _refuse(attempt, user=user, reason=SignInFailure.ORGANIZATION_INACTIVE, message=ORGANIZATION_INACTIVE_MESSAGE)

    # login() gives the session a new key (no session fixation) and records last_login.
    login(request, user, backend=AUTHENTICATION_BACKEND)
    SignInAttempt.objects.create(user=user, success=True, **attempt)
    if user.inactivity_alert_sent_at is not None:
        # Back after an inactivity alert: a later absence starts the 6-month count again (reference §B.9).
        user.inactivity_alert_sent_at = None
        user.save(update_fields=["inactivity_alert_sent_at"])
    return user


def _refuse(attempt: dict, *, user: User | None, reason: SignInFailure, message: str) -> NoReturn:
    SignInAttempt.objects.create(user=user, success=False, failure_reason=reason, **attempt)
    raise SignInError(message, reason=reason)


def _signin_blocked_until(*, email: str, ip_address: str | None) -> datetime | None:
    """When sign-in opens again for this address and IP, or None when it is open now."""
    window = settings.SIGNIN_WINDOW
    failures = SignInAttempt.objects.filter(
        success=False, failure_reason=SignInFailure.BAD_CREDENTIALS, created_at__gt=timezone.now() - window
    )
    limits = [(failures.filter(email=email), settings.SIGNIN_MAX_FAILURES_PER_EMAIL)]
    if ip_address is not None:
        limits.append((failures.filter(ip_address=ip_address), settings.SIGNIN_MAX_FAILURES_PER_IP))
    blocked_until = None
    for queryset, limit in limits:
        # Blocked while `limit` failures are in the window: it reopens when the limit-th most recent one leaves it.
        limiting = queryset.order_by("-created_at").values_list("created_at", flat=True)[limit - 1 : limit]
        for created_at in limiting:
            reopens_at = created_at + window
            blocked_until = reopens_at if blocked_until is None else max(blocked_until, reopens_at)
    return blocked_until


def _throttled_message(retry_at: datetime) -> str:
    local = timezone.localtime(retry_at)  # TIME_ZONE is Europe/Paris
    if local.second or local.microsecond:  # "after 14:32" must not refuse someone trying at 14:32:30
        local = local.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return THROTTLED_MESSAGE.format(time=f"{local:%H:%M}")


def _password_reset_users() -> QuerySet[User]:
    """Who may reset a password: users able to sign in (active account, active organisation)."""
    return User.objects.can_sign_in()


def user_request_password_reset(*, email: str) -> None:
    """Emails a password reset link when an active user has this address; does nothing otherwise.

    The caller shows the same page in both cases, so nobody can find out who has an account. The link carries Django's
    token: it expires after PASSWORD_RESET_TIMEOUT and works once, because it depends on the password hash.
    """
    user = _password_reset_users().filter(email=normalize_email(email)).first()
    if user is None:
        return
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("accounts:password_reset_confirm", kwargs={"uidb64": uidb64, "token": token})
    context = {
        "user": user,
        "reset_url": f"{settings.BASE_URL}{path}",
        "validity": _duration_label(settings.PASSWORD_RESET_TIMEOUT),
    }
    # Through the outbox: a mail server failure is retried later, never shown (an error page would tell that the
    # account exists).
    email_queue(to=[user.email], template="password_reset", context=context)


def _duration_label(seconds: int) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} heure{'s' if hours > 1 else ''}"
    minutes = max(1, seconds // 60)
    return f"{minutes} minute{'s' if minutes > 1 else ''}"


def password_reset_link_user(*, uidb64: str, token: str) -> User | None:
    """The user a reset link was made for, or None when the link is forged, expired or already used."""
    try:
        user_id = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, UnicodeDecodeError):  # binascii.Error is a ValueError
        return None
    if not 0 < user_id < 2**63:
        return None
    user = _password_reset_users().filter(pk=user_id).first()
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user


@transaction.atomic
def user_reset_password(*, user: User, password: str) -> None:
    """Sets a new password that follows the policy (§B.6), or raises ValidationError with the French reasons.

    Changing the hash makes the reset link unusable and ends the user's other sessions.
    """
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])


@transaction.atomic
def user_accept_charter(*, user: User, version: int) -> None:
    """Records that the user accepted the charter. Only the current version can be accepted (§B.7)."""
    current = charter.current_charter()
    if current is None or version != current.version:
        raise ValidationError(
            "Cette version de la charte d'engagement n'est plus la version en vigueur : "
            "lisez la nouvelle version avant de l'accepter.",
            code="charter_outdated",
        )
    user.charter_version_accepted = current.version
    user.charter_accepted_at = timezone.now()
    user.full_clean(exclude=["password"], validate_unique=False, validate_constraints=False)
    user.save(update_fields=["charter_version_accepted", "charter_accepted_at"])
