"""« Signaler un site » (reference §C.11): a person who may not declare sites tells the admins of the département
about one. Nothing is stored as a site: the admins receive an email (`site_report_admin`, reply-to the person who
reported) with a link to the declaration form filled in with the reported values, and the person a confirmation
(`site_report_confirmation`).

The admins are those who process the département's access requests (`permissions.admins_responsible_for_departement`):
its active local admins, or the national admins when it has none — the reference sends to the national admins only;
the local admins are the ones who know the territory and can declare the site there.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from resorption.accounts import permissions
from resorption.accounts.models import User
from resorption.emails.services import email_queue
from resorption.settlements.enums import FieldType
from resorption.settlements.models import NAME_MAX_LENGTH
from resorption.territories.models import Commune

# The declaration form (issue 4, item 3) reads these query keys, the names of the `Site` fields, to pre-fill itself.
PREFILL_KEYS = ("address", "commune", "latitude", "longitude", "name", "field_type", "population_total")


def declaration_path() -> str:
    """The path of the declaration form, `/sites/nouveau/` (issue 4, item 3)."""
    return reverse("settlements:declare")


def declaration_url(
    *,
    address: str,
    commune: Commune,
    latitude: float | None,
    longitude: float | None,
    name: str,
    field_type: str,
    population_total: int | None,
) -> str:
    """The absolute link to the declaration form pre-filled with the reported values (empty ones left out)."""
    values = {
        "address": address,
        "commune": commune.pk,
        "latitude": latitude,
        "longitude": longitude,
        "name": name,
        "field_type": field_type,
        "population_total": population_total,
    }
    query = urlencode({key: values[key] for key in PREFILL_KEYS if values[key] not in (None, "")})
    return f"{settings.BASE_URL}{declaration_path()}?{query}"


@transaction.atomic
def site_report(
    *,
    user: User,
    address: str,
    commune: Commune,
    latitude: float | None = None,
    longitude: float | None = None,
    name: str = "",
    field_type: str = FieldType.UNKNOWN,
    population_total: int | None = None,
    notes: str = "",
) -> list[str]:
    """Sends the report to the admins of the commune's département and the confirmation to `user`; returns the
    addresses the report went to. Every signed-in role may report (`shantytown.report`)."""
    if not permissions.can_report_site(user):
        raise PermissionDenied("Vous n'avez pas le droit de signaler un site.")
    if not permissions.can_report_site(user, commune):
        raise ValidationError(
            {
                "commune": "Vous ne pouvez signaler un site que sur votre territoire d'intervention : cette commune "
                "n'en fait pas partie."
            }
        )
    address, name, notes = address.strip(), name.strip(), notes.strip()
    _check(
        address=address,
        latitude=latitude,
        longitude=longitude,
        name=name,
        field_type=field_type,
        population_total=population_total,
    )

    context = {
        "reporter": user,
        "reporter_organization": user.organization,
        "address": address,
        "commune": commune,
        "departement": commune.departement,
        "latitude": latitude,
        "longitude": longitude,
        "name": name,
        "field_type": FieldType(field_type).label,
        "population_total": population_total,
        "notes": notes,
        "reported_at": timezone.localtime(),
        "declaration_url": declaration_url(
            address=address,
            commune=commune,
            latitude=latitude,
            longitude=longitude,
            name=name,
            field_type=field_type,
            population_total=population_total,
        ),
    }
    admins = list(
        permissions.admins_responsible_for_departement(commune.departement_id, excluded=user).only(
            "email", "first_name"
        )
    )
    recipients = [(admin.email, admin.first_name) for admin in admins]
    if not recipients:
        # No admin on the platform yet: the team mailbox gets the report rather than nobody.
        recipients = [(settings.CONTACT_EMAIL, "")]
    for email, first_name in recipients:
        email_queue(
            to=[email],
            template="site_report_admin",
            context={**context, "greeting_name": first_name},
            reply_to=[user.email],
        )
    email_queue(to=[user.email], template="site_report_confirmation", context=context)
    return [email for email, _ in recipients]


def _check(
    *,
    address: str,
    latitude: float | None,
    longitude: float | None,
    name: str,
    field_type: str,
    population_total: int | None,
) -> None:
    """The rules a reported site shares with a declared one (§C.1–C.3), in French, keyed by field."""
    errors: dict[str, list[str]] = {}
    if not address:
        errors.setdefault("address", []).append("L'adresse du site est obligatoire.")
    if (latitude is None) != (longitude is None):
        field = "longitude" if longitude is None else "latitude"
        errors.setdefault(field, []).append("Indiquez la latitude et la longitude, ou aucune des deux.")
    if latitude is not None and not -90 <= latitude <= 90:
        errors.setdefault("latitude", []).append("La latitude doit être comprise entre -90 et 90.")
    if longitude is not None and not -180 <= longitude <= 180:
        errors.setdefault("longitude", []).append("La longitude doit être comprise entre -180 et 180.")
    if len(name) > NAME_MAX_LENGTH:
        errors.setdefault("name", []).append(f"L'appellation du site ne peut dépasser {NAME_MAX_LENGTH} caractères.")
    if "<" in name or ">" in name:
        errors.setdefault("name", []).append("L'appellation du site ne peut pas contenir les caractères < et >.")
    if field_type not in FieldType.values:
        errors.setdefault("field_type", []).append("Choisissez le type de site parmi ceux proposés.")
    if population_total is not None and population_total < 1:
        errors.setdefault("population_total", []).append("Le nombre de personnes doit être d'au moins 1.")
    if errors:
        raise ValidationError(errors)
