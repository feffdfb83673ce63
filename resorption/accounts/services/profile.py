"""What a person changes in "Mon compte" (reference §B.8–B.9): identity, password, email preferences, deactivation."""

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from resorption.accounts.enums import AccountEventKind, AdminRole, EmailSubscription, UserStatus
from resorption.accounts.models import User
from resorption.accounts.services.history import account_event_record
from resorption.accounts.validators import validate_french_phone
from resorption.core.dates import french_datetime
from resorption.emails.services import email_queue


@transaction.atomic
def user_profile_update(*, user: User, first_name: str, last_name: str, phone: str, position: str) -> User:
    """Changes the person's name, phone and position. The email, organisation and role are the admins' business."""
    phone = phone.strip()
    if phone:
        try:
            validate_french_phone(phone)
        except ValidationError as error:
            raise ValidationError({"phone": error.error_list}) from error
    user.first_name = first_name.strip()
    user.last_name = last_name.strip()
    user.phone = phone
    user.position = position.strip()
    user.full_clean(exclude=["password"], validate_unique=False, validate_constraints=False)
    user.save(update_fields=["first_name", "last_name", "phone", "position"])
    return user


@transaction.atomic
def user_password_change(*, user: User, current_password: str, new_password: str) -> None:
    """Replaces the password when the current one is given right and the new one follows the policy (§B.6).

    Raises ValidationError keyed by "current_password" or "new_password". The new hash ends every other session of
    the user; the caller keeps the current one with `update_session_auth_hash`.
    """
    if not user.check_password(current_password):
        raise ValidationError({"current_password": "Le mot de passe actuel saisi est incorrect."})
    try:
        validate_password(new_password, user)
    except ValidationError as error:
        raise ValidationError({"new_password": error.error_list}) from error
    user.set_password(new_password)
    user.save(update_fields=["password"])


@transaction.atomic
def user_preferences_update(*, user: User, subscriptions: Iterable[str]) -> None:
    """Keeps the emails the person wants: the others are stored as turned off (`email_unsubscriptions`)."""
    wanted = set(subscriptions)
    unknown = wanted - set(EmailSubscription.values)
    if unknown:
        raise ValidationError({"subscriptions": "Ce choix de notification n'existe pas."})
    user.email_unsubscriptions = [value for value in EmailSubscription.values if value not in wanted]
    user.save(update_fields=["email_unsubscriptions"])


@transaction.atomic
def user_self_deactivate(*, user: User, request_anonymization: bool) -> None:
    """Closes one's own account ("auto-désactivation", §B.9), optionally asking for the anonymisation of one's data,
    which the anonymisation job then carries out. The last active national admin cannot leave: nobody could then
    administer the platform."""
    if user.status != UserStatus.ACTIVE:
        raise ValidationError("Votre compte n'est pas actif.", code="not_active")
    if (
        user.admin_role == AdminRole.NATIONAL_ADMIN
        and not User.objects.can_sign_in().filter(admin_role=AdminRole.NATIONAL_ADMIN).exclude(pk=user.pk).exists()
    ):
        raise ValidationError(
            "Vous êtes le dernier administrateur national actif : nommez un autre administrateur national avant de "
            "désactiver votre compte.",
            code="last_national_admin",
        )
    now = timezone.now()
    user.status = UserStatus.INACTIVE
    user.deactivated_at = now
    fields = ["status", "deactivated_at"]
    if request_anonymization:
        user.anonymization_requested_at = now
        fields.append("anonymization_requested_at")
    user.save(update_fields=fields)
    account_event_record(
        user=user, actor=user, kind=AccountEventKind.DEACTIVATED, detail="À la demande de la personne elle-même."
    )
    if request_anonymization:
        account_event_record(user=user, actor=user, kind=AccountEventKind.ANONYMIZATION_REQUESTED)
    email_queue(
        to=[user.email],
        template="account_deactivation_confirmation",
        context={
            "user": user,
            "deactivated_label": french_datetime(now),
            "anonymization_requested": request_anonymization,
            "contact_email": settings.CONTACT_EMAIL,
        },
    )
