"""Activation of an account (reference §B.3–B.4): an admin sends a link, the person chooses a password and accepts the
charter.

Links: the token only travels in the email; the database keeps its SHA-256, so a copy of the database gives no working
link. A link works once, until it expires (settings.ACTIVATION_LINK_DAYS), and only while it is the latest link sent to
that person: sending a new link makes the older ones unusable, so an admin who renews a link knows which one counts.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from resorption.accounts import charter, signals
from resorption.accounts.enums import AccountEventKind, UserStatus
from resorption.accounts.models import User, UserAccess
from resorption.accounts.services.auth import user_accept_charter
from resorption.accounts.services.history import account_event_record
from resorption.core.dates import french_datetime
from resorption.emails.services import email_queue

# Longer than any token we make (43 characters): anything longer is not worth a query.
_MAX_TOKEN_LENGTH = 100


class ActivationLinkError(ValidationError):
    """An activation link that cannot be used. `code` says why (one of the constants below); the message, in French,
    says what to do next."""

    INVALID = "invalid"
    USED = "used"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"
    ALREADY_ACTIVE = "already_active"
    CLOSED = "closed"

    def __init__(self, message: str, *, code: str, access: UserAccess | None = None):
        super().__init__(message, code=code)
        self.access = access


def activation_link_days() -> int:
    return getattr(settings, "ACTIVATION_LINK_DAYS", 7)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def was_ever_activated(user: User) -> bool:
    """Whether this person has already used the platform: an activation link used, or a sign-in."""
    return user.last_login is not None or user.accesses.filter(used_at__isnull=False).exists()


@transaction.atomic
def access_link_send(*, user: User, sent_by: User) -> UserAccess:
    """Emails an activation link to a person whose account is not activated yet, and returns the link.

    Allowed for accounts with status "new" (a request, or an account created by an admin), and for deactivated
    accounts that were never activated (a link left to expire, a request closed then reopened); an account that was
    used before is reactivated instead. Sending a link reopens a refused request.

    The returned object carries the clear token as `token`, for the caller's convenience only: it is never stored.
    """
    if user.anonymized_at is not None:
        raise ValidationError("Ce compte a été anonymisé : il ne peut plus être activé.", code="anonymized")
    if user.status == UserStatus.ACTIVE:
        raise ValidationError("Ce compte est déjà activé.", code="already_active")
    if user.status == UserStatus.INACTIVE and was_ever_activated(user):
        raise ValidationError(
            "Ce compte a déjà été utilisé puis désactivé : réactivez-le au lieu d'envoyer un lien d'activation.",
            code="was_active",
        )

    now = timezone.now()
    token = secrets.token_urlsafe(32)
    access = UserAccess(
        user=user,
        sent_by=sent_by,
        token_hash=_token_hash(token),
        created_at=now,
        expires_at=now + timedelta(days=activation_link_days()),
    )
    access.full_clean()
    access.save()
    access.token = token  # type: ignore[attr-defined]  # transient, never saved

    if user.access_refused_at is not None:
        user.access_refused_at = None
        user.save(update_fields=["access_refused_at"])
    expires_label = french_datetime(access.expires_at)
    account_event_record(
        user=user, actor=sent_by, kind=AccountEventKind.LINK_SENT, detail=f"Valable jusqu'au {expires_label}."
    )
    email_queue(
        to=[user.email],
        template="access_granted",
        context={
            "user": user,
            "admin": sent_by,
            "activation_url": f"{settings.BASE_URL}{reverse('accounts:activate', kwargs={'token': token})}",
            "expires_label": expires_label,
        },
        # A question about the access goes to the admin who granted it.
        reply_to=[sent_by.email],
    )
    return access


def access_link_check(*, token: str) -> UserAccess:
    """The activation link of this token, when it can be used now; else raises ActivationLinkError saying why."""
    access = None
    if token and len(token) <= _MAX_TOKEN_LENGTH:
        access = (
            UserAccess.objects.select_related("user__organization", "sent_by")
            .filter(token_hash=_token_hash(token))
            .first()
        )
    if access is None:
        raise ActivationLinkError(
            "Ce lien d'activation n'est pas valide. Vérifiez que vous avez copié l'adresse complète reçue par "
            "courriel, ou demandez un nouveau lien à l'administrateur de votre territoire.",
            code=ActivationLinkError.INVALID,
        )
    user = access.user
    if access.used_at is not None:
        raise _used_error(access)
    if user.status == UserStatus.ACTIVE:
        raise ActivationLinkError(
            "Votre compte est déjà activé : connectez-vous avec votre adresse électronique et votre mot de passe.",
            code=ActivationLinkError.ALREADY_ACTIVE,
            access=access,
        )
    if _closed_after(user, access.created_at):
        raise ActivationLinkError(
            "Ce lien n'est plus valable : votre accès a été fermé par un administrateur après son envoi. "
            "Contactez l'administrateur de votre territoire si vous pensez qu'il s'agit d'une erreur.",
            code=ActivationLinkError.CLOSED,
            access=access,
        )
    latest = UserAccess.objects.filter(user=user).order_by("-created_at", "-pk").values_list("pk", flat=True).first()
    if latest != access.pk:
        raise ActivationLinkError(
            "Ce lien a été remplacé par un lien plus récent : utilisez le dernier courriel « Activer mon compte » "
            "que vous avez reçu.",
            code=ActivationLinkError.SUPERSEDED,
            access=access,
        )
    if not access.is_valid_at(timezone.now()):
        raise ActivationLinkError(
            f"Ce lien a expiré le {french_datetime(access.expires_at)}, demandez un nouveau lien à votre "
            "administrateur.",
            code=ActivationLinkError.EXPIRED,
            access=access,
        )
    return access


def _used_error(access: UserAccess) -> ActivationLinkError:
    return ActivationLinkError(
        "Ce lien a déjà été utilisé : il ne sert qu'une seule fois. Si vous avez activé votre compte, "
        "connectez-vous avec votre adresse électronique et le mot de passe que vous avez choisi.",
        code=ActivationLinkError.USED,
        access=access,
    )


def _closed_after(user: User, moment: datetime) -> bool:
    """Whether an admin refused the request, deactivated or anonymised the account after `moment`."""
    return any(
        closed_at is not None and closed_at >= moment
        for closed_at in (user.access_refused_at, user.deactivated_at, user.anonymized_at)
    )


@transaction.atomic
def user_activate(*, token: str, password: str, accept_charter: bool, charter_version: int | None = None) -> User:
    """Activates the account of a valid link: the password (policy of §B.6, 16 characters for admins) and the
    acceptance of the current charter are required. The organisation becomes active with its first activated user.

    Raises ActivationLinkError for an unusable link, ValidationError keyed by "password" or "accept_charter" for bad
    input; nothing changes then. `charter_version`, when given, is the version the person read: activation is refused
    if a newer one was published in the meantime.
    """
    access = access_link_check(token=token)
    # Lock the link, then read it again: of two submissions of the same form, the second finds it used.
    if UserAccess.objects.select_for_update().filter(pk=access.pk).values_list("used_at", flat=True).get():
        raise _used_error(access)
    user = access.user

    errors = {}
    try:
        validate_password(password, user)
    except ValidationError as error:
        errors["password"] = error.error_list
    current = charter.current_charter()
    if current is not None and not accept_charter:
        errors["accept_charter"] = [
            ValidationError("Cochez la case pour accepter la charte d'engagement.", code="charter_required")
        ]
    if errors:
        raise ValidationError(errors)
    if current is not None:
        try:
            user_accept_charter(user=user, version=current.version if charter_version is None else charter_version)
        except ValidationError as error:
            raise ValidationError({"accept_charter": error.error_list}) from error

    now = timezone.now()
    user.set_password(password)
    user.status = UserStatus.ACTIVE
    user.deactivated_at = None
    user.inactivity_alert_sent_at = None
    user.full_clean(exclude=["password"], validate_unique=False, validate_constraints=False)
    user.save(update_fields=["password", "status", "deactivated_at", "inactivity_alert_sent_at"])
    access.used_at = now
    access.save(update_fields=["used_at"])
    organization = user.organization
    if not organization.active:
        organization.active = True
        organization.save(update_fields=["active"])
    account_event_record(user=user, actor=user, kind=AccountEventKind.ACTIVATED)
    signals.user_activated.send(sender=User, user=user)

    email_queue(
        to=[user.email],
        template="account_activated_welcome",
        context={"user": user, "login_url": f"{settings.BASE_URL}{reverse('accounts:login')}"},
    )
    admin = access.sent_by
    if admin is not None and admin.status == UserStatus.ACTIVE:
        email_queue(
            to=[admin.email],
            template="admin_account_activated",
            context={
                "admin": admin,
                "user": user,
                "activated_label": french_datetime(now),
                "account_url": f"{settings.BASE_URL}{reverse('accounts:user_detail', kwargs={'pk': user.pk})}",
            },
        )
    return user
