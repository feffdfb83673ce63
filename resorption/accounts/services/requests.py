"""The public contact and access-request form (reference §B.1): who gets an account request, who gets an email."""

import ipaddress
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone

from resorption.accounts import permissions
from resorption.accounts.enums import AccountEventKind, Referral, UserStatus
from resorption.accounts.models import Organization, OrganizationType, User
from resorption.accounts.services.history import account_event_record
from resorption.emails.services import email_queue

# Spam defence: at most this many requests from one IP address (one /64 network in IPv6) within the window. Counted in
# Django's cache rather than in the database: no table keeps the requester's IP address, and keeping it only for the
# window is all the rule needs (reference §J.5 asks for no third-party captcha).
RATE_LIMIT_MAX_REQUESTS = 5
RATE_LIMIT_WINDOW = timedelta(hours=1)
RATE_LIMITED_MESSAGE = (
    "Vous avez envoyé trop de demandes depuis cette connexion. Réessayez dans une heure, ou écrivez-nous à {email}."
)
EXISTING_ACCOUNT_MESSAGE = (
    "Un compte ou une demande d'accès existe déjà avec cette adresse électronique. Si vous avez oublié votre mot de "
    "passe, utilisez « Mot de passe oublié ? » sur la page de connexion ; sinon, écrivez-nous à {email}."
)


class RequestType(models.TextChoices):
    """What the person asks for (reference §B.1 `request_type`, in the wording of the public site)."""

    ACCESS = "access-request", "Demander un accès à la plateforme"
    INFORMATION = "info-request", "Demander des informations"
    REPORT = "report", "Signaler un site ou une situation"
    HELP = "help", "Proposer de l'aide"


class AccessRequestRateLimited(Exception):
    """Too many requests from one IP address: nothing was recorded nor sent."""

    def __init__(self):
        self.message = RATE_LIMITED_MESSAGE.format(email=settings.CONTACT_EMAIL)
        super().__init__(self.message)


@transaction.atomic
def access_request_submit(
    *,
    request_type: RequestType,
    is_actor: bool,
    first_name: str,
    last_name: str,
    email: str,
    phone: str,
    organization: Organization | None,
    organization_type: OrganizationType | None,
    other_organization_name: str,
    other_organization_territory: str,
    position: str,
    message: str,
    referral: Referral,
    referral_detail: str,
    ip_address: str | None,
) -> User | None:
    """Handles one submission of the public form. Returns the account created, or None when the team handles it.

    - An access request by an actor of a listed organisation creates an account with status *new* and the default role
      of the organisation's type; the admins responsible for it (local admins of its département, else national
      admins) are told, and will send the activation link or refuse.
    - Anything else (not an actor, an organisation missing from the list, another request type) is emailed to the team
      mailbox, answerable by replying.
    The requester is sent an acknowledgment in both cases. An access request for an address that already has an
    account is refused (ValidationError on `email`). Raises AccessRequestRateLimited past the limit per IP address:
    refused attempts count too, so the "existing account" answer cannot be used to test many addresses.
    """
    if not _rate_limit_allows(ip_address):
        raise AccessRequestRateLimited
    email = email.strip().lower()
    is_access_request = request_type == RequestType.ACCESS
    if is_access_request and User.objects.filter(email=email).exists():
        raise ValidationError({"email": EXISTING_ACCOUNT_MESSAGE.format(email=settings.CONTACT_EMAIL)})
    if referral not in (Referral.OTHER, Referral.WORD_OF_MOUTH):
        referral_detail = ""

    user = None
    if is_access_request and is_actor and organization is not None:
        user = _create_requested_account(
            first_name=first_name,
            last_name=last_name,
            email=email,
            phone=phone,
            organization=organization,
            position=position,
            message=message,
            referral=referral,
            referral_detail=referral_detail,
        )
    else:
        context = {
            "request_type": RequestType(request_type).label,
            "is_actor": is_actor,
            "first_name": first_name,
            "last_name": last_name,
            "email": email,
            "phone": phone,
            "organization": organization,
            "organization_type": organization_type,
            "other_organization_name": other_organization_name,
            "other_organization_territory": other_organization_territory,
            "position": position,
            "message": message,
            "referral": Referral(referral).label,
            "referral_detail": referral_detail,
        }
        email_queue(to=[settings.CONTACT_EMAIL], template="contact_request", context=context, reply_to=[email])
    email_queue(
        to=[email],
        template="access_request_confirmation",
        context={"is_access_request": is_access_request, "account_created": user is not None},
    )
    return user


def _create_requested_account(
    *,
    first_name: str,
    last_name: str,
    email: str,
    phone: str,
    organization: Organization,
    position: str,
    message: str,
    referral: Referral,
    referral_detail: str,
) -> User:
    user = User(
        email=email,
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        position=position,
        organization=organization,
        status=UserStatus.NEW,
        role=organization.type.default_role,
        access_request_message=message,
        referral=referral,
        referral_detail=referral_detail,
    )
    # The person chooses a password when activating the account (reference §B.4); until then nobody can sign in.
    user.set_unusable_password()
    user.full_clean()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # the same address sent twice at once: the second one finds the first
        raise ValidationError({"email": EXISTING_ACCOUNT_MESSAGE.format(email=settings.CONTACT_EMAIL)}) from None
    account_event_record(user=user, actor=None, kind=AccountEventKind.REQUESTED)

    context = {
        "requester": user,
        "organization": organization,
        "organization_type": organization.type,
        "review_url": settings.BASE_URL + reverse("accounts:user_detail", args=[user.pk]),
    }
    admins = list(permissions.admins_responsible_for(user).only("email", "first_name"))
    for admin in admins:
        email_queue(
            to=[admin.email], template="admin_new_request", context={**context, "greeting_name": admin.first_name}
        )
    if not admins:
        # No admin on the platform yet: the team mailbox gets the request rather than nobody.
        email_queue(
            to=[settings.CONTACT_EMAIL], template="admin_new_request", context={**context, "greeting_name": ""}
        )
    return user


def _rate_limit_allows(ip_address: str | None) -> bool:
    """Records one request from this address; False (and nothing recorded) when its limit is reached.

    Without an address (a Unix socket) there is nothing to count by. A sliding window: the timestamps of the recent
    requests are kept under the address's key, and expire with it.
    """
    key = _rate_limit_key(ip_address)
    if key is None:
        return True
    now = timezone.now().timestamp()
    window = RATE_LIMIT_WINDOW.total_seconds()
    recent = [moment for moment in cache.get(key, []) if moment > now - window]
    if len(recent) >= RATE_LIMIT_MAX_REQUESTS:
        return False
    cache.set(key, [*recent, now], timeout=int(window))
    return True


def _rate_limit_key(ip_address: str | None) -> str | None:
    try:
        address = ipaddress.ip_address(ip_address or "")
    except ValueError:
        return None
    if address.version == 6:
        # One IPv6 subscriber usually holds a whole /64: counting single addresses would not limit anything.
        address = ipaddress.ip_network(f"{address}/64", strict=False).network_address
    return f"access-request:{address}"
