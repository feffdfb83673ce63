"""An action's past versions, with what changed in each (§E.3 « historique », like the site's §C.8).

Every service call saves one version of the action (`Action.version` bumped), then the rows of its pilots,
operators, concerned sites and finances it changed, in the same transaction: each row's version joins the last action
version saved at or before it. The pilots, operators, sites and finances of a version are compared as whole lists
(« Pilotes de l'action : A, B → A, C »).

Finances are confidential (§A.6): for a reader without `action_finances.access` on the action their history is not
even read, and a version that changed only them is not shown.
"""

import datetime
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.text import capfirst

from resorption.accounts import permissions
from resorption.actions.models import (
    METRIC_FIELDS,
    TOPIC_FIELDS,
    Action,
    ActionFinance,
    ActionManager,
    ActionMetrics,
    ActionOperator,
    ActionSite,
    euros,
)
from resorption.settlements.models import Site

EMPTY_VALUE = "non renseigné"
UNKNOWN_AUTHOR = "Auteur inconnu"
ANONYMIZED_AUTHOR = "Utilisateur anonymisé"
BOOKKEEPING_FIELDS = {"id", "created_at", "created_by", "updated_at", "updated_by", "version"}
DIFFED_FIELDS = [
    each
    for each in Action._meta.concrete_fields
    if each.name not in BOOKKEEPING_FIELDS and each.name not in TOPIC_FIELDS.values()
]
TOPICS_LABEL = "Champs d'intervention"


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str


@dataclass
class Version:
    moment: datetime.datetime
    author: str
    created: bool
    changes: list[Change] = field(default_factory=list)

    @property
    def title(self) -> str:
        if self.created:
            return "Création de l'action"
        return "Mise à jour"


def action_versions(action: Action, *, user) -> list[Version]:
    """The versions of the action the user reads, newest first."""
    records = list(
        Action.history.filter(id=action.pk)
        .select_related("history_user", "departement", "location_eti_commune")
        .order_by("history_date", "history_id")
    )
    versions = [
        Version(moment=record.history_date, author=_author(record.history_user), created=record.history_type == "+")
        for record in records
    ]
    for index in range(1, len(records)):
        versions[index].changes = _field_changes(records[index - 1], records[index])

    _join_rows(versions, ActionManager, "Pilotes de l'action", _member_label, action=action)
    _join_rows(versions, ActionOperator, "Opérateurs de l'action", _member_label, action=action)
    site_names = _site_names(action, user=user)
    _join_rows(
        versions,
        ActionSite,
        "Sites concernés",
        lambda row: site_names.get(row.site_id, f"site n° {row.site_id}"),
        action=action,
        related=(),
    )
    if permissions.can_access_action_finances(user, action):
        _join_rows(versions, ActionFinance, "Financements", _finance_label, action=action, related=())
    _join_metrics(versions, action=action)
    for version in versions:
        if version.created:
            version.changes = []  # the creation shows what the action is on its page, not a diff from nothing
    # Every service call changes something (an unchanged save is refused): a version without a change the user may
    # see changed only the finances, and is left out so that it does not tell who touched them, and when.
    return [version for version in versions[::-1] if version.created or version.changes]


def display_value(record, model_field) -> str:
    """A value as users read it: labels of choices, dates d/m/Y, names of related rows, « non renseigné »."""
    value = getattr(record, model_field.attname)
    if value is None or value == "":
        return EMPTY_VALUE
    if model_field.is_relation:
        return str(getattr(record, model_field.name))
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, datetime.date):
        return f"{value:%d/%m/%Y}"
    return str(value)


def _field_changes(before, after) -> list[Change]:
    changes = []
    for model_field in DIFFED_FIELDS:
        if getattr(before, model_field.attname) != getattr(after, model_field.attname):
            changes.append(
                Change(
                    capfirst(str(model_field.verbose_name)),
                    display_value(before, model_field),
                    display_value(after, model_field),
                )
            )
    old, new = _topics(before), _topics(after)
    if old != new:
        changes.append(Change(TOPICS_LABEL, old, new))
    return changes


def _topics(record) -> str:
    return ", ".join(str(topic.label) for topic, name in TOPIC_FIELDS.items() if getattr(record, name)) or EMPTY_VALUE


def _join_rows(
    versions: list[Version],
    model,
    label: str,
    label_of: Callable,
    *,
    action: Action,
    related: tuple[str, ...] = ("user", "organization"),
) -> None:
    """Replays the versions of the action's `model` rows: each joins the last action version saved at or before it,
    and a version whose list of labels differs afterwards gets one change « label : before → after »."""
    if not versions:
        return
    records = model.history.filter(action_id=action.pk).order_by("history_date", "history_id")
    if related:
        records = records.select_related(*related)
    moments = [version.moment for version in versions]
    state: dict[int, str] = {}
    current_index, before = None, []
    for record in records:
        index = max(bisect_right(moments, record.history_date) - 1, 0)
        if index != current_index:
            _compare(versions, current_index, before, state, label)
            current_index, before = index, sorted(state.values())
        if record.history_type == "-":
            state.pop(record.id, None)
        else:
            state[record.id] = label_of(record)
    _compare(versions, current_index, before, state, label)


def _join_metrics(versions: list[Version], *, action: Action) -> None:
    """Each indicator changed, with its year: « Indicateurs 2025 — Nombre de personnes accompagnées : 30 → 42 »."""
    if not versions:
        return
    moments = [version.moment for version in versions]
    last: dict[int, object] = {}
    for record in ActionMetrics.history.filter(action_id=action.pk).order_by("history_date", "history_id"):
        before = last.get(record.id)
        last[record.id] = record
        index = max(bisect_right(moments, record.history_date) - 1, 0)
        for name in METRIC_FIELDS:
            old = getattr(before, name) if before is not None and before.history_type != "-" else None
            new = None if record.history_type == "-" else getattr(record, name)
            if old != new:
                label = capfirst(str(ActionMetrics._meta.get_field(name).verbose_name))
                versions[index].changes.append(
                    Change(f"Indicateurs {record.year} — {label}", _number(old), _number(new))
                )


def _number(value: int | None) -> str:
    return EMPTY_VALUE if value is None else str(value)


def _compare(versions: list[Version], index: int | None, before: list[str], state: dict[int, str], label: str) -> None:
    after = sorted(state.values())
    if index is not None and after != before:
        old, new = "; ".join(before) or EMPTY_VALUE, "; ".join(after) or EMPTY_VALUE
        versions[index].changes.append(Change(label, old, new))


def _member_label(record) -> str:
    return f"{_author(record.user)} ({record.organization.name})"


def _finance_label(record) -> str:
    text = (
        f"{record.year}, {record.get_finance_type_display()} : {euros(record.amount)} "
        f"(dépenses exécutées : {euros(record.real_amount)})"
    )
    return f"{text}, « {record.comments} »" if record.comments else text


def _site_names(action: Action, *, user) -> dict[int, str]:
    """The sites the action ever concerned that the user reads, by id; the others are named by their number only."""
    ids = ActionSite.history.filter(action_id=action.pk).values("site_id")
    return {
        site.pk: site.display_name
        for site in Site.objects.visible_to(user).filter(pk__in=ids).only("pk", "address", "name")
    }


def _author(person) -> str:
    if person is None:
        return UNKNOWN_AUTHOR
    if person.anonymized_at is not None:
        return ANONYMIZED_AUTHOR
    return person.full_name
