"""Writes of an action (reference §E.1, §E.3): create, update, and its finances per year.

Each service checks the permission itself (`accounts.permissions`), then the rules that need the user, the clock or
other rows, then the model (`full_clean` and its constraints); every error is French and keyed by the form field it
belongs to, and nothing is written unless everything is valid. Each write bumps `Action.version` (a form opened on an
older version is refused: `StaleActionError`) and saves a version of the action, so that the history page groups the
pilots', operators', sites' and finances' changes under the action version saved just before them.
"""

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from resorption.accounts import permissions
from resorption.accounts.enums import UserStatus
from resorption.actions.access import access_action
from resorption.actions.enums import LocationType
from resorption.actions.models import (
    CONSTRAINT_FIELDS,
    METRIC_BOUNDS,
    METRIC_FIELDS,
    SCHOOLED_FIELDS,
    TOPIC_FIELDS,
    Action,
    ActionFinance,
    ActionManager,
    ActionMetrics,
    ActionOperator,
    ActionSite,
)
from resorption.core.constraints import constraint_errors
from resorption.settlements.models import Site

# The action's own columns a form writes; `topics`, `managers`, `operators` and `sites` are taken apart.
FIELDS = [
    "name",
    "started_at",
    "ended_at",
    "goals",
    "departement",
    "location_type",
    "location_eti",
    "location_eti_commune",
    "location_eti_latitude",
    "location_eti_longitude",
    "location_autre",
]
ETI_FIELDS = {
    "location_eti": "",
    "location_eti_commune": None,
    "location_eti_latitude": None,
    "location_eti_longitude": None,
}
# field name → column (`departement` → `departement_id`), to compare before and after without fetching relations.
_COLUMNS = {each.name: each.attname for each in Action._meta.concrete_fields if each.name in FIELDS}
FINANCE_FIELDS = ["year", "finance_type", "amount", "real_amount", "comments"]
FINANCE_RIGHTS_NEEDED = "Seules les personnes ayant accès aux financements de l'action peuvent changer {what}."


class StaleActionError(ValidationError):
    """The action changed since the user opened the form: nothing was saved."""

    def __init__(self):
        super().__init__(
            "Cette action a été modifiée par une autre personne pendant votre saisie : vos modifications n'ont pas "
            "été enregistrées. Rechargez la page pour voir la version enregistrée avant de recommencer.",
            code="stale",
        )


# ---------------------------------------------------------------------------------------------------------------------
# Create and update
# ---------------------------------------------------------------------------------------------------------------------


@transaction.atomic
def action_create(*, author, values: Mapping[str, Any]) -> Action:
    """Creates an action (§E.1) whose main département is one where the author holds `action.create`; pilots and
    operators are stored with their organisation of today, concerned sites must be sites the author reads."""
    departement = values.get("departement")
    if departement is None:
        raise ValidationError({"departement": "Le département d'intervention principal est obligatoire."})
    if not permissions.can_create_action(author, departement):
        raise PermissionDenied("Vous n'avez pas le droit de créer une action dans ce département.")

    errors: dict[str, list] = {}
    now = timezone.now()
    action = Action(created_by=author, updated_by=author, created_at=now, updated_at=now, version=1)
    _apply_fields(action, values)
    managers = _new_members(values.get("managers") or [], current=set(), field="managers", errors=errors)
    operators = _new_members(values.get("operators") or [], current=set(), field="operators", errors=errors)
    sites = _sites(action, values.get("sites") or [], author=author, current=set(), errors=errors)
    _check_location(action, errors)
    _validate(action, errors)

    action._history_user = author  # type: ignore[attr-defined,union-attr]
    action.save()
    _save_members(ActionManager, action, managers, author=author)
    _save_members(ActionOperator, action, operators, author=author)
    _save_sites(action, sites, author=author)
    return action


@transaction.atomic
def action_update(*, action_id: int, author, expected_version: int, values: Mapping[str, Any]) -> Action:
    """Updates an action: by those who hold `action.update` on it (admins of its territory, members of its pilot or
    operator organisations). The main département and the pilots change only for who may access its finances
    (§E.3 « canWriteManagersAndDepartement »), and a new département only where he may create an action; otherwise
    they are kept, and an attempt to change them is refused with a message next to the field. Concerned sites the
    author does not read are kept as they are."""
    action = _locked_action(author, action_id)
    if not permissions.can_update_action(author, action):
        raise PermissionDenied("Vous n'avez pas le droit de modifier cette action.")
    if action.version != expected_version:
        raise StaleActionError()

    errors: dict[str, list] = {}
    finance_rights = permissions.can_access_action_finances(author, action)
    departement = values.get("departement", action.departement)
    if departement is not None and departement.pk != action.departement_id:
        if not finance_rights:
            _add(errors, "departement", FINANCE_RIGHTS_NEEDED.format(what="le département d'intervention principal"))
        elif not permissions.can_create_action(author, departement):
            _add(errors, "departement", "Vous n'avez pas le droit de créer une action dans ce département.")

    current_managers = {member.user_id for member in action.managers.all()}
    current_operators = {member.user_id for member in action.operators.all()}
    current_sites = set(action.site_links.values_list("site_id", flat=True))
    managers = operators = None
    if "managers" in values:
        managers = _new_members(values["managers"], current=current_managers, field="managers", errors=errors)
        if {user.pk for user in managers} != current_managers and not finance_rights:
            _add(errors, "managers", FINANCE_RIGHTS_NEEDED.format(what="les pilotes"))
    if "operators" in values:
        operators = _new_members(values["operators"], current=current_operators, field="operators", errors=errors)

    before = {name: getattr(action, _COLUMNS[name]) for name in FIELDS}
    before_topics = action.topics
    _apply_fields(action, {name: value for name, value in values.items() if name in FIELDS or name == "topics"})
    sites = None
    if "sites" in values or action.location_type != LocationType.SUR_SITE:
        sites = _sites(action, values.get("sites") or [], author=author, current=current_sites, errors=errors)
    _check_location(action, errors)
    _check_finance_years(action, errors, finance_rights=finance_rights)
    _validate(action, errors)

    changed = (
        any(getattr(action, _COLUMNS[name]) != before[name] for name in FIELDS)
        or action.topics != before_topics
        or (managers is not None and {user.pk for user in managers} != current_managers)
        or (operators is not None and {user.pk for user in operators} != current_operators)
        or (sites is not None and sites != current_sites)
    )
    if not changed:
        raise ValidationError({NON_FIELD_ERRORS: ["Aucune donnée n'a changé."]}, code="unchanged")

    _save_action(action, author=author)
    if managers is not None:
        _save_members(ActionManager, action, managers, author=author)
    if operators is not None:
        _save_members(ActionOperator, action, operators, author=author)
    if sites is not None:
        _save_sites(action, sites, author=author)
    return action


# ---------------------------------------------------------------------------------------------------------------------
# Finances
# ---------------------------------------------------------------------------------------------------------------------


@transaction.atomic
def action_finances_update(*, action_id: int, author, expected_version: int, rows: list[Mapping[str, Any]]) -> Action:
    """Replaces the action's finances by `rows` (each `{"id"?, "year", "finance_type", "amount", "real_amount",
    "comments"}`): rows with the id of a current line update it, rows without id add one, current lines left out are
    deleted. Only for who may update the action and access its finances; each year within the action's years.
    Errors are keyed `rows.<index>.<field>`."""
    action = _locked_action(author, action_id)
    if not permissions.can_update_action(author, action) or not permissions.can_access_action_finances(author, action):
        raise PermissionDenied("Vous n'avez pas le droit de modifier les financements de cette action.")
    if action.version != expected_version:
        raise StaleActionError()

    errors: dict[str, list] = {}
    existing = {finance.pk: finance for finance in action.finances.all()}
    years = action.years
    kept: set[int] = set()
    to_save: list[ActionFinance] = []
    for index, row in enumerate(rows):
        key = f"rows.{index}"
        finance = ActionFinance(action=action)
        if row.get("id") is not None:
            if row["id"] not in existing or row["id"] in kept:
                _add(errors, f"{key}.id", "Ce financement n'existe plus : rechargez la page.")
                continue
            finance = existing[row["id"]]
            kept.add(finance.pk)
        previous = [getattr(finance, name) for name in FINANCE_FIELDS]
        for name in FINANCE_FIELDS:
            setattr(finance, name, row.get(name, "" if name == "comments" else None))
        finance.comments = (finance.comments or "").strip()
        if finance.year is not None and finance.year not in years:
            _add(errors, f"{key}.year", f"Choisissez une année de l'action, entre {years[0]} et {years[-1]}.")
        for name, message in (
            ("amount", "Le montant ne peut pas être négatif."),
            ("real_amount", "Les dépenses exécutées ne peuvent pas être négatives."),
        ):
            value = getattr(finance, name)
            if isinstance(value, (int, Decimal)) and value < 0:
                _add(errors, f"{key}.{name}", message)
        try:
            finance.full_clean(exclude=["action"], validate_constraints=False)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors.setdefault(f"{key}.{name}", []).extend(messages)
        if finance.pk is None or [getattr(finance, name) for name in FINANCE_FIELDS] != previous:
            to_save.append(finance)
    deleted = [finance for pk, finance in existing.items() if pk not in kept]
    if errors:
        raise ValidationError(errors)
    if not to_save and not deleted:
        raise ValidationError({NON_FIELD_ERRORS: ["Aucun financement n'a changé."]}, code="unchanged")

    _save_action(action, author=author)
    for finance in deleted:
        finance._history_user = author  # type: ignore[attr-defined,union-attr]
        finance.delete()
    for finance in to_save:
        finance._history_user = author  # type: ignore[attr-defined,union-attr]
        finance.save()
    return action


# ---------------------------------------------------------------------------------------------------------------------
# Indicators
# ---------------------------------------------------------------------------------------------------------------------


@transaction.atomic
def action_metrics_update(
    *, action_id: int, author, expected_version: int, year: int, values: Mapping[str, int | None]
) -> ActionMetrics:
    """Saves the action's indicators of `year` (§E.2): by who may update the action, for one of its years, each count
    within its total (`METRIC_BOUNDS`). Errors are keyed by field."""
    action = _locked_action(author, action_id)
    if not permissions.can_update_action(author, action):
        raise PermissionDenied("Vous n'avez pas le droit de modifier les indicateurs de cette action.")
    if action.version != expected_version:
        raise StaleActionError()
    years = action.years
    if year not in years:
        raise ValidationError({"year": f"Choisissez une année de l'action, entre {years[0]} et {years[-1]}."})

    metrics = ActionMetrics.objects.filter(action=action, year=year).first() or ActionMetrics(action=action, year=year)
    previous = [getattr(metrics, name) for name in METRIC_FIELDS]
    for name in METRIC_FIELDS:
        if name in values:
            setattr(metrics, name, values[name])
    errors: dict[str, list] = {}
    for name in METRIC_FIELDS:
        value = getattr(metrics, name)
        if value is not None and value < 0:
            _add(errors, name, "Saisissez un nombre positif ou nul.")
    if metrics.nombre_personnes == 0:
        _add(errors, "nombre_personnes", "Le nombre de personnes accompagnées est d'au moins 1.")
    for fields, bound in METRIC_BOUNDS:
        total, limit = [getattr(metrics, name) for name in fields], getattr(metrics, bound)
        if limit is not None and any(value is not None for value in total):
            if sum(value or 0 for value in total) > limit:
                _add(errors, fields[0], _bound_message(fields, bound))
    try:
        metrics.full_clean(exclude=["action"], validate_constraints=False)
    except ValidationError as error:
        error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)
    if metrics.pk is not None and [getattr(metrics, name) for name in METRIC_FIELDS] == previous:
        raise ValidationError({NON_FIELD_ERRORS: ["Aucun indicateur n'a changé."]}, code="unchanged")

    _save_action(action, author=author)
    metrics._history_user = author  # type: ignore[attr-defined]
    metrics.save()
    return metrics


# What a bounded sum counts, as the message names it.
_SUMS = {
    ("scolaire_mineurs_moins_de_trois_ans", "scolaire_mineurs_trois_ans_et_plus"): (
        "nombre de mineurs identifiés sur site (moins de 3 ans et 3 ans et plus)"
    ),
    tuple(SCHOOLED_FIELDS): (
        "nombre d'enfants scolarisés (maternelle, élémentaire, collège, lycée et dispositifs d'insertion)"
    ),
}


def _bound_message(fields: tuple[str, ...], bound: str) -> str:
    labels = {each.name: str(each.verbose_name) for each in ActionMetrics._meta.concrete_fields}
    counted = _SUMS.get(fields) or labels[fields[0]]
    return f"Le {counted} ne peut pas dépasser le {labels[bound]}."


# ---------------------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------------------


def _locked_action(author, action_id: int) -> Action:
    """The action, its row locked until the end of the transaction; `Http404` if the author may not read it."""
    return access_action(author, action_id, for_update=True, queryset=Action.objects.with_members())


def _add(errors: dict[str, list], field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _apply_fields(action: Action, values: Mapping[str, Any]) -> None:
    for name in FIELDS:
        if name in values:
            value = values[name]
            setattr(action, name, value.strip() if isinstance(value, str) else value)
    if "topics" in values:
        chosen = set(values["topics"] or [])
        for topic, field in TOPIC_FIELDS.items():
            setattr(action, field, topic.value in chosen)
    # The fields of the other location types are cleared: they no longer describe the action.
    if action.location_type != LocationType.ETI:
        for name, empty in ETI_FIELDS.items():
            setattr(action, name, empty)
    if action.location_type != LocationType.AUTRE:
        action.location_autre = ""


def _check_location(action: Action, errors: dict[str, list]) -> None:
    commune = action.location_eti_commune
    if action.location_type == LocationType.ETI and commune is not None and action.departement_id is not None:
        if commune.departement_id != action.departement_id:
            _add(errors, "location_eti_commune", "La commune de l'ETI doit être dans le département principal.")
    latitude, longitude = action.location_eti_latitude, action.location_eti_longitude
    if (latitude is None) != (longitude is None):
        _add(errors, "location_eti_latitude", "Saisissez la latitude et la longitude, ou aucune des deux.")


def _check_finance_years(action: Action, errors: dict[str, list], *, finance_rights: bool) -> None:
    """Dates that would leave finance lines outside the action's years are refused; the years are named only to who
    may read the finances."""
    if action.started_at is None:
        return
    years = action.years
    outside = sorted({year for year in action.finances.values_list("year", flat=True) if year not in years})
    if not outside:
        return
    if finance_rights:
        listed = ", ".join(str(year) for year in outside)
        message = f"Des financements sont saisis pour {listed} : modifiez-les avant de changer les dates."
    else:
        message = (
            "Des financements sont saisis en dehors de ces dates : une personne ayant accès aux financements doit "
            "les modifier avant."
        )
    _add(errors, "ended_at" if action.ended_at else "started_at", message)


def _new_members(users: Iterable, *, current: set[int], field: str, errors: dict[str, list]) -> list:
    """The chosen accounts; a newly added one must be active, with an organisation."""
    chosen = list({user.pk: user for user in users}.values())
    if not chosen:
        label = "pilote" if field == "managers" else "opérateur"
        _add(errors, field, f"Choisissez au moins un {label} de l'action.")
    for user in chosen:
        if user.pk not in current and (user.status != UserStatus.ACTIVE or user.organization_id is None):
            _add(errors, field, f"Le compte de {user.full_name} n'est pas actif : choisissez un compte actif.")
    return chosen


def _sites(action: Action, chosen: Iterable, *, author, current: set[int], errors: dict[str, list]) -> set[int]:
    """The ids of the concerned sites after the change: on site, the chosen ones (each one a site the author reads)
    plus the current ones he does not read (he cannot have meant to remove them); elsewhere, none."""
    if action.location_type != LocationType.SUR_SITE:
        return set()
    ids = {site.pk if isinstance(site, Site) else site for site in chosen}
    readable = set(Site.objects.visible_to(author).filter(pk__in=ids | current).values_list("pk", flat=True))
    result = (ids & readable) | (current - readable)
    if (ids - current) - readable:
        _add(errors, "sites", "Choisissez des sites parmi ceux que vous pouvez consulter.")
    elif not result:
        _add(errors, "sites", "Choisissez au moins un site concerné.")
    return result


def _validate(action: Action, errors: dict[str, list]) -> None:
    """`full_clean()` and the database constraints, every error at once and keyed by its form field."""
    try:
        action.full_clean(exclude=["created_by", "updated_by"], validate_constraints=False)
    except ValidationError as error:
        error.update_error_dict(errors)
    for field, messages in constraint_errors(action, fields=CONSTRAINT_FIELDS).items():
        errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _save_action(action: Action, *, author) -> None:
    action.updated_at = timezone.now()
    action.updated_by = author
    action.version += 1
    action._history_user = author  # type: ignore[attr-defined,union-attr]
    action.save()


def _save_members(model: type[ActionManager | ActionOperator], action: Action, users: list, *, author) -> None:
    """Removes the members left out and adds the new ones with their organisation of today; the others keep the
    organisation they had when they were added."""
    current = {member.user_id: member for member in model._default_manager.filter(action=action)}
    wanted = {user.pk: user for user in users}
    for user_id, member in current.items():
        if user_id not in wanted:
            member._history_user = author  # type: ignore[attr-defined,union-attr]
            member.delete()
    for user_id, user in wanted.items():
        if user_id not in current:
            member = model(action=action, user=user, organization_id=user.organization_id)
            member._history_user = author  # type: ignore[attr-defined,union-attr]
            member.save()


def _save_sites(action: Action, wanted: set[int], *, author) -> None:
    current = {link.site_id: link for link in action.site_links.all()}
    for site_id, link in current.items():
        if site_id not in wanted:
            link._history_user = author  # type: ignore[attr-defined,union-attr]
            link.delete()
    for site_id in wanted - set(current):
        link = ActionSite(action=action, site_id=site_id)
        link._history_user = author  # type: ignore[attr-defined,union-attr]
        link.save()
