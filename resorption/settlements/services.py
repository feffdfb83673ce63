"""Every write on a site (reference §C.1–C.8): declare, update, close, correct the status of a closed site.

Views, admin, imports and the API call these functions; none of them writes a `Site` itself. Each one checks the
permission (`accounts.permissions`), the rules that need the clock, the user or the previous version, then
`full_clean()` (field and database-constraint rules, in French) and saves, the author recorded in the history.

Confidential fields (justice, owners — confidential.py) are refused, never silently dropped, when the user may not
write them: the forms do not offer them, so receiving one is an error to report, not to hide.
"""

import dataclasses
import datetime
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from resorption.accounts import permissions
from resorption.core.constraints import constraint_errors
from resorption.settlements import signals
from resorption.settlements.access import access_site
from resorption.settlements.confidential import JUSTICE_FIELDS
from resorption.settlements.enums import CensusStatus, ClosingCause, ClosingSolution, SiteStatus, tri_state_label
from resorption.settlements.models import STATUS_FIELDS, ClosingOrientation, Site, SiteOwner

# Fields only the services set (bookkeeping, closing through `site_close`, derived statuses).
_MANAGED_FIELDS: frozenset[str] = frozenset(
    {
        "id",
        "status",
        "closed_at",
        "closing_cause",
        "closed_with_solutions",
        "closing_context",
        "updated_at",
        "created_at",
        "created_by",
        "updated_by",
        "version",
        "search_text",
        *STATUS_FIELDS.values(),
    }
)
_M2M_FIELDS: tuple[str, ...] = ("incoming_sites",)
# What the declaration and update forms may write: every data field of §C.1–C.5, C.7.
EDITABLE_FIELDS: tuple[str, ...] = (
    *(field.name for field in Site._meta.concrete_fields if field.name not in _MANAGED_FIELDS),
    *_M2M_FIELDS,
)
_FIELD_KEYS: Mapping[str, str] = {
    **{field.name: field.name for field in Site._meta.concrete_fields},
    **{field.attname: field.name for field in Site._meta.concrete_fields},
}
# Dates that cannot be in the future (§C.2, §C.5).
_PAST_DATES: Mapping[str, str] = {
    "built_at": "La date d'installation ne peut pas être dans le futur.",
    "declared_at": "La date de signalement ne peut pas être dans le futur.",
    "justice_rendered_at": "La date de la décision ne peut pas être dans le futur.",
    "administrative_order_decision_at": "La date de l'arrêté ne peut pas être dans le futur.",
    "administrative_order_evacuation_at": "La date de l'évacuation ne peut pas être dans le futur.",
}
# Fields that are not the site's data: a change of them alone is not a change of the site (§C.1, §C.8).
BOOKKEEPING_FIELDS: frozenset[str] = frozenset(
    {"id", "version", "updated_at", "updated_by", "created_at", "created_by", "search_text", *STATUS_FIELDS.values()}
)

EMPTY_VALUE = "non renseigné"

# The field next to which the form shows each database constraint's message (the others go on top of the form).
CONSTRAINT_FIELDS: Mapping[str, str] = {
    f"site_{name}": field
    for name, field in {
        "address_required": "address",
        "name_length": "name",
        "name_without_brackets": "name",
        "latitude_range": "latitude",
        "longitude_range": "longitude",
        "declared_after_built": "declared_at",
        "census_date_required": "census_conducted_at",
        "census_operator_required": "census_conducted_by",
        "census_after_built": "census_conducted_at",
        "population_at_least_one": "population_total",
        "females_within_total": "population_total_females",
        "households_within_total": "population_couples",
        "minors_within_total": "population_minors",
        "minors_cover_age_brackets": "population_minors",
        "girls_within_minors": "population_minors_girls",
        "schooled_within_minors": "minors_in_school",
        "water_details_iff_other": "water_access_type_details",
        "water_public_asked": "water_access_is_public",
        "water_continuous_asked": "water_access_is_continuous",
        "water_continuous_details_iff": "water_access_is_continuous_details",
        "water_local_asked": "water_access_is_local",
        "water_is_close_asked": "water_access_is_close",
        "water_is_unequal_asked": "water_access_is_unequal",
        "water_has_stagnant_water_asked": "water_access_has_stagnant_water",
        "water_unequal_details_iff": "water_access_is_unequal_details",
        "toilet_types_asked": "sanitary_working_toilets",
        "sanitary_toilets_are_inside_asked": "sanitary_toilets_are_inside",
        "sanitary_toilets_are_lighted_asked": "sanitary_toilets_are_lighted",
        "sanitary_hand_washing_asked": "sanitary_hand_washing",
        "electricity_types_asked": "electricity_access",
        "electricity_unequal_asked": "electricity_access_is_unequal",
        "trash_evacuation_is_safe_asked": "trash_evacuation_is_safe",
        "trash_evacuation_is_regular_asked": "trash_evacuation_is_regular",
        "trash_bulky_is_piling_asked": "trash_bulky_is_piling",
        "justice_rendered_asked": "justice_rendered",
        "justice_decision_iff_rendered": "justice_rendered_at",
        "justice_challenged_asked": "justice_challenged",
        "justice_after_built": "justice_rendered_at",
        "administrative_order_asked": "administrative_order_decision_at",
        "administrative_order_after_built": "administrative_order_decision_at",
        "insalubrity_displayed_asked": "insalubrity_order_displayed",
        "police_asked": "police_status",
        "police_requested_date": "police_requested_at",
        "police_granted_date": "police_granted_at",
        "police_granted_after_requested": "police_granted_at",
        "litigation_asked": "existing_litigation",
        "closing_context_for_other": "closing_context",
        "resorbed_answer_when_closed": "closed_with_solutions",
        "closed_after_declared": "closed_at",
        "closed_after_built": "closed_at",
        "resorption_target_year": "resorption_target",
    }.items()
}


@dataclass(frozen=True)
class FieldChange:
    """A field changed by someone else since the user opened the form: its label, the value now stored and the value
    the user started from, both as users read them."""

    field: str
    label: str
    stored: str
    started_from: str
    # The same two values as stored in the database (`attname` values: a commune's code), for a form to carry over
    # the other person's changes to the fields its user did not touch. Not part of the comparison.
    stored_value: Any = dataclasses.field(default=None, compare=False, repr=False)
    started_value: Any = dataclasses.field(default=None, compare=False, repr=False)


class StaleSiteError(ValidationError):
    """The site changed since the user opened the form (`expected_version` is no longer the stored version): nothing
    was saved. `changes` lists what changed meanwhile, for the form to show next to the user's own input."""

    def __init__(self, *, changes: list[FieldChange]):
        super().__init__(
            "Ce site a été modifié par une autre personne pendant votre saisie : vos modifications n'ont pas été "
            "enregistrées. Vérifiez les changements ci-dessous avant d'enregistrer à nouveau.",
            code="stale",
        )
        self.changes = changes


# ---------------------------------------------------------------------------------------------------------------------
# Declare
# ---------------------------------------------------------------------------------------------------------------------


@transaction.atomic
def site_declare(*, user, values: Mapping[str, Any], owners: list[dict[str, Any]] | None = None) -> Site:
    """Declares a site (§C.1–C.5): permission to declare on its commune, justice fields only for justice readers,
    owners only for owners readers. The date of declaration defaults to today."""
    values = _normalized(values)
    commune = values.get("commune")
    if commune is None:
        raise ValidationError({"commune": "La commune du site est obligatoire."})
    if not permissions.can_declare_site(user, commune):
        raise PermissionDenied("Vous n'avez pas le droit de déclarer un site sur ce territoire.")

    errors: dict[str, list] = {}
    _refuse_unwritable(values, user=user, commune=commune, errors=errors)
    if owners and not permissions.can_access_owners(user, commune):
        _add(errors, "owners", "Vous n'avez pas accès aux propriétaires des sites de ce territoire.")

    incoming = values.pop("incoming_sites", None)
    site = Site(created_by=user, updated_by=user, version=1, updated_at=timezone.localdate())
    for name, value in values.items():
        setattr(site, name, value)
    if site.declared_at is None:
        site.declared_at = timezone.localdate()
    _check_past_dates(site, _PAST_DATES, errors)
    _check_census_date(site, errors)
    incoming_sites = _incoming_sites(incoming, user=user, site=None, errors=errors) if incoming is not None else None
    owner_rows = [_owner(site, owner, errors) for owner in owners or []]
    _validate(site, errors)

    site._history_user = user  # type: ignore[attr-defined]
    site.save()
    for owner in owner_rows:
        owner.site = site
        owner._history_user = user  # type: ignore[attr-defined]
        owner.save()
    if incoming_sites:
        site.incoming_sites.set(incoming_sites)
    signals.site_declared.send(sender=Site, site=site, user=user)
    return site


def nearby_sites(*, latitude: float, longitude: float, radius_m: float = 500, user) -> list[Site]:
    """The open sites the user sees within `radius_m` metres of a point, nearest first, each with its `distance` in
    metres — shown before a declaration is saved, to avoid declaring the same site twice (§C.7 « sites à
    proximité »)."""
    latitude_delta = radius_m / _METRES_PER_DEGREE
    longitude_delta = radius_m / (_METRES_PER_DEGREE * max(math.cos(math.radians(latitude)), 1e-6))
    candidates = (
        Site.objects.visible_to(user)
        .open()
        .filter(
            latitude__range=(latitude - latitude_delta, latitude + latitude_delta),
            longitude__range=(longitude - longitude_delta, longitude + longitude_delta),
        )
        .with_list_data()
    )
    found = []
    for site in candidates:
        distance = haversine_m(latitude, longitude, site.latitude, site.longitude)
        if distance <= radius_m:
            site.distance = round(distance)  # type: ignore[attr-defined]
            found.append(site)
    return sorted(found, key=lambda site: site.distance)  # type: ignore[attr-defined]


_EARTH_RADIUS_M = 6_371_008.8
_METRES_PER_DEGREE = math.pi * _EARTH_RADIUS_M / 180


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(math.sqrt(a))


# ---------------------------------------------------------------------------------------------------------------------
# Update
# ---------------------------------------------------------------------------------------------------------------------


@transaction.atomic
def site_update(
    *,
    user,
    site_id: int,
    expected_version: int,
    values: Mapping[str, Any],
    updated_at: datetime.date | None = None,
    without_change: bool = False,
    owners: list[dict[str, Any]] | None = None,
) -> Site:
    """Updates an open site (§C.1): permission to update on its commune; refused with `StaleSiteError` if someone
    saved it since the user's form was opened (`expected_version`); the update date may be back-dated, never to the
    future nor before the previous update; « mise à jour sans modification » (`without_change`) changes no field,
    any other update changes at least one. Justice fields are refused from a user who may not read them, and the
    stored ones kept untouched.

    `owners`, when given, is the whole new list of the site's owners (§C.2), each `{"id"?, "name", "owner_type"}`:
    rows with the id of a current owner update it, rows without id add one, current owners left out are deleted —
    each change kept in the owners' history. Refused from a user without owners access; `None` leaves them as
    they are."""
    site = _locked_site(user=user, site_id=site_id)
    if not permissions.can_update_site(user, site):
        raise PermissionDenied("Vous n'avez pas le droit de modifier un site sur ce territoire.")
    if site.is_closed:
        raise ValidationError(
            "Ce site est fermé : il ne peut plus être modifié. Si des personnes se sont réinstallées, déclarez un "
            "nouveau site.",
            code="closed",
        )
    _check_version(site, expected_version=expected_version, user=user)

    values = _normalized(values)
    errors: dict[str, list] = {}
    _refuse_unwritable(values, user=user, commune=site.commune, errors=errors)
    if (
        "commune" in values
        and values["commune"] != site.commune
        and not permissions.can_update_site(user, values["commune"])
    ):
        _add(errors, "commune", "Vous n'avez pas le droit de déplacer un site sur ce territoire.")

    incoming = values.pop("incoming_sites", None)
    changed = [name for name, value in values.items() if getattr(site, name) != value]
    incoming_sites = None
    if incoming is not None:
        incoming_sites = _incoming_sites(incoming, user=user, site=site, errors=errors)
        if {other.pk for other in incoming_sites} != set(site.incoming_sites.values_list("pk", flat=True)):
            changed.append("incoming_sites")
    owner_changes = None
    if owners is not None:
        if permissions.can_access_owners(user, site.commune):
            owner_changes = _owner_changes(site, owners, errors)
            if owner_changes:
                changed.append("owners")
        else:
            _add(errors, "owners", "Vous n'avez pas accès aux propriétaires des sites de ce territoire.")
    if without_change:
        for name in changed:
            _add(errors, name, "Une mise à jour sans modification ne peut pas changer ce champ.")
    elif not changed:
        _add(
            errors,
            NON_FIELD_ERRORS,
            "Aucune donnée n'a changé : pour confirmer que les données sont toujours exactes, choisissez « mise à "
            "jour sans modification ».",
        )

    today = timezone.localdate()
    updated_at = updated_at or today
    if updated_at > today:
        _add(errors, "updated_at", "La date de mise à jour ne peut pas être dans le futur.")
    elif updated_at < site.updated_at:
        _add(
            errors,
            "updated_at",
            f"La date de mise à jour ne peut pas précéder celle de la mise à jour précédente "
            f"({site.updated_at:%d/%m/%Y}).",
        )

    for name, value in values.items():
        setattr(site, name, value)
    _check_past_dates(site, {name: message for name, message in _PAST_DATES.items() if name in changed}, errors)
    if {"census_status", "census_conducted_at"} & set(changed):
        _check_census_date(site, errors)
    _validate(site, errors)

    site.updated_at = updated_at
    site.updated_by = user
    site.version += 1
    site._history_user = user  # type: ignore[attr-defined]
    site.save()
    if incoming_sites is not None and "incoming_sites" in changed:
        site.incoming_sites.set(incoming_sites)
    if owner_changes:
        owner_changes.apply(user=user)
    # The version the update saved last: its own row, or the row `incoming_sites.set` wrote after it.
    version_id = site.history.order_by("-history_id").values_list("history_id", flat=True).first()
    signals.site_updated.send(sender=Site, site=site, user=user, version_id=version_id, changed=tuple(changed))
    return site


# ---------------------------------------------------------------------------------------------------------------------
# Close and correct the status
# ---------------------------------------------------------------------------------------------------------------------


@transaction.atomic
def site_close(
    *,
    user,
    site_id: int,
    expected_version: int,
    closed_at: datetime.date | None,
    closing_cause: str,
    closed_with_solutions: bool | None,
    orientations: list[dict[str, Any]],
    closing_context: str = "",
) -> Site:
    """Declares an open site closed (§C.6): date (not in the future, not before the declaration, after the
    installation), cause, « résorbé définitivement ? », and where its households went, per closing solution (people ≥
    households ≥ 0, each solution once). A closed site is never reopened: people who settle again make a new site."""
    site = _locked_site(user=user, site_id=site_id)
    if not permissions.can_close_site(user, site):
        raise PermissionDenied("Vous n'avez pas le droit de fermer un site sur ce territoire.")
    if site.is_closed:
        raise ValidationError("Ce site est déjà marqué comme fermé.", code="already_closed")
    _check_version(site, expected_version=expected_version, user=user)

    errors: dict[str, list] = {}
    if closed_at is None:
        _add(errors, "closed_at", "La date de la fermeture du site est obligatoire.")
    elif closed_at > timezone.localdate():
        _add(errors, "closed_at", "La date de la fermeture ne peut pas être dans le futur.")
    _check_closing(closing_cause, closed_with_solutions, errors)
    rows = _orientations(site, orientations, errors)

    site.status = SiteStatus.CLOSED
    site.closed_at = closed_at
    site.closing_cause = closing_cause
    site.closed_with_solutions = closed_with_solutions
    site.closing_context = closing_context.strip()
    _validate(site, errors)

    site.updated_by = user
    site.updated_at = max(site.updated_at, timezone.localdate())
    site.version += 1
    site._history_user = user  # type: ignore[attr-defined]
    site.save()
    for row in rows:
        row._history_user = user  # type: ignore[attr-defined]
        row.save()
    signals.site_closed.send(sender=Site, site=site, user=user)
    return site


@transaction.atomic
def site_fix_status(
    *,
    user,
    site_id: int,
    expected_version: int,
    closed_with_solutions: bool,
    closing_cause: str | None = None,
    closing_context: str | None = None,
) -> Site:
    """« Corriger le statut » of a closed site (§C.6 `setClosedWithSolutions`, permission `fix_status`): résorbé or
    fermé, and optionally the cause of the closing. The site stays closed: it is not reopened."""
    site = _locked_site(user=user, site_id=site_id)
    if not permissions.can_fix_site_status(user, site):
        raise PermissionDenied("Vous n'avez pas le droit de corriger le statut de ce site.")
    if not site.is_closed:
        raise ValidationError("Seul le statut d'un site fermé peut être corrigé.", code="not_closed")
    _check_version(site, expected_version=expected_version, user=user)

    errors: dict[str, list] = {}
    cause = site.closing_cause if closing_cause is None else closing_cause
    _check_closing(cause, closed_with_solutions, errors)
    changed = closed_with_solutions != site.closed_with_solutions or cause != site.closing_cause
    site.closed_with_solutions = closed_with_solutions
    site.closing_cause = cause
    if closing_context is not None:
        changed = changed or closing_context.strip() != site.closing_context
        site.closing_context = closing_context.strip()
    if not changed:
        _add(errors, NON_FIELD_ERRORS, "Le statut indiqué est déjà celui du site.")
    _validate(site, errors)

    site.updated_by = user
    site.version += 1
    site._history_user = user  # type: ignore[attr-defined]
    site.save()
    return site


# ---------------------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------------------


def _add(errors: dict[str, list], field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _validate(instance: models.Model, errors: dict[str, list]) -> None:
    """Runs `full_clean()` and raises every error at once, the service's own and the model's, keyed by field: each
    database constraint's message goes to the field of `CONSTRAINT_FIELDS` (Django puts them all on top)."""
    try:
        instance.full_clean(validate_constraints=False)
    except ValidationError as exc:
        exc.update_error_dict(errors)
    for field, messages in constraint_errors(instance, fields=CONSTRAINT_FIELDS).items():
        errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _normalized(values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` keyed by field name (`commune_id` → `commune`); a field the forms may not write is a programming
    error, not something to drop."""
    result: dict[str, Any] = {}
    for key, value in values.items():
        name = _FIELD_KEYS.get(key, key)
        if name not in EDITABLE_FIELDS:
            raise ValueError(f"Le champ « {key} » ne peut pas être écrit par ce service.")
        if key != name:  # `commune_id`: an id
            value = Site._meta.get_field(name).related_model._default_manager.get(pk=value)
        result[name] = value
    return result


def _refuse_unwritable(values: Mapping[str, Any], *, user, commune, errors: dict[str, list]) -> None:
    """Refuses the justice fields from a user who may not read them on this commune (§A.6)."""
    if permissions.can_access_justice(user, commune):
        return
    for name in JUSTICE_FIELDS:
        if name in values:
            _add(errors, name, "Vous n'avez pas accès aux procédures judiciaires des sites de ce territoire.")


def _check_past_dates(site: Site, fields: Mapping[str, str], errors: dict[str, list]) -> None:
    today = timezone.localdate()
    for name, message in fields.items():
        value = getattr(site, name)
        if value is not None and value > today:
            _add(errors, name, message)


def _check_census_date(site: Site, errors: dict[str, list]) -> None:
    """§C.2: a census done is not in the future, a census planned is not in the past."""
    when, today = site.census_conducted_at, timezone.localdate()
    if when is None:
        return
    if site.census_status == CensusStatus.DONE and when > today:
        _add(errors, "census_conducted_at", "La date d'un diagnostic réalisé ne peut pas être dans le futur.")
    if site.census_status == CensusStatus.SCHEDULED and when < today:
        _add(errors, "census_conducted_at", "La date d'un diagnostic prévu ne peut pas être dans le passé.")


def _incoming_sites(incoming: Iterable[Any], *, user, site: Site | None, errors: dict[str, list]) -> list[Site]:
    """The sites the inhabitants came from (§C.2): existing sites the user can read, never the site itself."""
    ids = {other.pk if isinstance(other, Site) else int(other) for other in incoming}
    found = list(Site.objects.visible_to(user).filter(pk__in=ids))
    if len(found) != len(ids):
        _add(errors, "incoming_sites", "Un des sites d'origine n'existe pas ou ne vous est pas accessible.")
    if site is not None and site.pk in ids:
        _add(errors, "incoming_sites", "Un site ne peut pas être son propre site d'origine.")
    return found


def _owner(site: Site, values: Mapping[str, Any], errors: dict[str, list]) -> SiteOwner:
    owner = SiteOwner(name=(values.get("name") or "").strip(), owner_type=values.get("owner_type") or "unknown")
    try:
        owner.full_clean(exclude=["site"])
    except ValidationError as exc:
        for messages in exc.message_dict.values():
            for message in messages:
                _add(errors, "owners", message)
    return owner


@dataclass
class _OwnerChanges:
    """What an update does to the site's owners: rows to save (changed or new) and rows to delete."""

    saved: list[SiteOwner]
    deleted: list[SiteOwner]

    def __bool__(self) -> bool:
        return bool(self.saved or self.deleted)

    def apply(self, *, user) -> None:
        for owner in self.deleted:
            owner._history_user = user  # type: ignore[attr-defined]
            owner.delete()
        for owner in self.saved:
            owner._history_user = user  # type: ignore[attr-defined]
            owner.save()


def _owner_changes(site: Site, owners: list[dict[str, Any]], errors: dict[str, list]) -> _OwnerChanges:
    """Compares the new list of owners with the stored one (§C.2: owners are created, updated and deleted one by one,
    as the reference diffs them)."""
    current = {owner.pk: owner for owner in site.owners.all()}
    saved: list[SiteOwner] = []
    kept: set[int] = set()
    for values in owners:
        owner_id = values.get("id")
        if owner_id is None:
            owner = _owner(site, values, errors)
            owner.site = site
            saved.append(owner)
            continue
        stored = current.get(int(owner_id))
        if stored is None:
            _add(errors, "owners", "Un des propriétaires n'existe plus sur ce site : rechargez la page.")
            continue
        owner = stored
        kept.add(owner.pk)
        name, owner_type = (values.get("name") or "").strip(), values.get("owner_type") or "unknown"
        if (owner.name, owner.owner_type) != (name, owner_type):
            owner.name, owner.owner_type = name, owner_type
            try:
                owner.full_clean(exclude=["site"])
            except ValidationError as exc:
                for messages in exc.message_dict.values():
                    for message in messages:
                        _add(errors, "owners", message)
            saved.append(owner)
    deleted = [owner for pk, owner in current.items() if pk not in kept]
    return _OwnerChanges(saved=saved, deleted=deleted)


def _locked_site(*, user, site_id: int) -> Site:
    """The site, its row locked until the end of the transaction; `Http404` if missing or out of the user's sight."""
    return access_site(user, site_id, for_update=True, queryset=Site.objects.select_related("commune"))


def _check_version(site: Site, *, expected_version: int, user) -> None:
    if site.version != expected_version:
        raise StaleSiteError(changes=changes_since(site, version=expected_version, user=user))


def changes_since(site: Site, *, version: int, user) -> list[FieldChange]:
    """The fields of `site` that differ from its state at `version` (read from its history), without the justice
    fields when the user may not read them."""
    record = site.history.filter(version=version).order_by("-history_date", "-history_id").first()
    if record is None:
        return []
    before = record.instance
    hidden = set() if permissions.can_access_justice(user, site) else set(JUSTICE_FIELDS)
    changes = []
    for site_field in Site._meta.concrete_fields:
        if site_field.name in BOOKKEEPING_FIELDS or site_field.name in hidden:
            continue
        stored, started = getattr(site, site_field.attname), getattr(before, site_field.attname)
        if stored != started:
            changes.append(
                FieldChange(
                    field=site_field.name,
                    label=str(site_field.verbose_name),
                    stored=display_value(site, site_field),
                    started_from=display_value(before, site_field),
                    stored_value=stored,
                    started_value=started,
                )
            )
    return changes


def display_value(site: Site, field: models.Field) -> str:
    """A value as users read it in diffs (§C.8): « oui / non / inconnu », labels of choices, dates d/m/Y."""
    value = getattr(site, field.attname)
    if isinstance(field, models.BooleanField) and field.null:
        return tri_state_label(value).lower()
    if isinstance(field, models.BooleanField):
        return "oui" if value else "non"
    if value is None or value == "" or value == {}:
        return EMPTY_VALUE
    if field.is_relation:
        return str(getattr(site, field.name))
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, datetime.date):
        return f"{value:%d/%m/%Y}"
    return str(value)


def _check_closing(cause: str, closed_with_solutions: bool | None, errors: dict[str, list]) -> None:
    if cause not in ClosingCause.values:
        _add(errors, "closing_cause", "Choisissez la cause de la fermeture parmi celles proposées.")
    if closed_with_solutions is None:
        _add(errors, "closed_with_solutions", "Indiquez si le site a été résorbé définitivement.")


def _orientations(site: Site, orientations: list[dict[str, Any]], errors: dict[str, list]) -> list[ClosingOrientation]:
    """The households' orientations (§C.6): one per solution, people ≥ households ≥ 0."""
    rows: list[ClosingOrientation] = []
    seen: set[str] = set()
    for item in orientations:
        solution = item.get("solution")
        people, households = item.get("people_affected"), item.get("households_affected")
        if solution not in ClosingSolution.values:
            _add(errors, "orientations", "Choisissez chaque orientation parmi celles proposées.")
            continue
        label = ClosingSolution(solution).label
        if solution in seen:
            _add(errors, "orientations", f"L'orientation « {label} » est indiquée plusieurs fois.")
            continue
        seen.add(solution)
        if any(count is not None and count < 0 for count in (people, households)):
            _add(errors, "orientations", f"« {label} » : les nombres ne peuvent pas être négatifs.")
            continue
        if people is not None and households is not None and households > people:
            _add(
                errors,
                "orientations",
                f"« {label} » : le nombre de ménages ne peut pas dépasser le nombre de personnes.",
            )
            continue
        rows.append(
            ClosingOrientation(
                site=site,
                solution=solution,
                people_affected=people,
                households_affected=households,
                message=(item.get("message") or "").strip(),
            )
        )
    return rows
