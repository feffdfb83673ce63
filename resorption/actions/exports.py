"""Export of the actions as an xlsx workbook (reference §E.3 « Export », §H.4 « Actions xlsx »).

What a user exports: the actions on which he holds `action.export` (`Action.objects.visible_to(user,
"action.export")`: admins and correspondents, on their territory), narrowed by the list's filters. One row per action
and year of the action (from its start to its end, or to this year while it runs), since indicators and finances
are yearly; one sheet « Tous », then one sheet per département (« Dépt 33 »).

Finances are confidential (§A.6): they are read only for the actions on which the user holds
`action_finances.access` (the same rule, `visible_to(user, "action_finances.access")`, applied in the query that
reads them); on the other rows the finance cells stay empty — never an amount, never a zero.

The comments (section COMMENTAIRES) are the messages of each action's journal the user reads
(`ActionEntry.objects.alive().readable_by(user)`): a targeted message reaches only the file of its author and of
those it targets, a deleted one no file.

The journal of one action is also exported alone (`action_journal_workbook`, §A.7 `actionComment.exportList`), for
who holds `action_comment.export` on it: one row per message the user reads, oldest first.

The columns are a spec (`SECTIONS`), written by openpyxl in write-only mode (docs/decisions/0007-xlsx-library.md),
as the journal's export does; the rows are read in a fixed number of queries whatever the number of actions.
"""

import datetime
import io
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.text import capfirst
from openpyxl import Workbook
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter

from resorption.accounts.models import User
from resorption.actions.enums import FinanceType, Topic
from resorption.actions.models import (
    METRIC_SECTIONS,
    Action,
    ActionEntry,
    ActionFinance,
    ActionMetrics,
    ActionQuerySet,
)
from resorption.core.xlsx import cell, wall_clock

ALL_SHEET = "Tous"
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
EUROS_FORMAT = '#,##0.00\\ "€"'
SCHOOLED_TOTAL_FIELDS = [  # « Autre » (jeunes en dispositif d'insertion) is not schooling: left out of the total
    "scolaire_nombre_maternelle",
    "scolaire_nombre_elementaire",
    "scolaire_nombre_college",
    "scolaire_nombre_lycee",
]
CELL_LIMIT = 32_767  # the most characters a spreadsheet cell holds (Excel); longer text makes the file "damaged"
CUT_COMMENTS = "\n\n[…] Suite tronquée : le journal de l'action se lit en entier sur la plateforme."


@dataclass
class Row:
    """One action in one of its years, with what the export shows of that year."""

    action: Action
    year: int
    metrics: ActionMetrics | None
    # finance type → (amount, executed), summed over the year's lines of that type (a type without lines is left
    # out: an empty cell); None when the user may not read the action's finances: every finance cell empty.
    finances: dict[str, tuple[Decimal, Decimal]] | None = field(default=None)
    # The messages of the action's journal the user reads, oldest first (the same on each year of the action).
    comments: tuple[ActionEntry, ...] = ()


@dataclass(frozen=True)
class Column:
    title: str
    value: Callable[[Row], Any]
    width: int = 18
    number_format: str | None = None
    wrap: bool = False


@dataclass(frozen=True)
class Section:
    title: str
    columns: tuple[Column, ...]


def _members(members) -> str:
    return "\n".join(f"{member.user.full_name} ({member.organization.name})" for member in members.all())


def _place(row: Row) -> str:
    action = row.action
    if action.location_type == "eti":
        commune = action.location_eti_commune
        return f"{action.location_eti}, {commune.name}" if commune else action.location_eti
    return action.location_autre


def _metric(name: str) -> Column:
    label = capfirst(ActionMetrics._meta.get_field(name).verbose_name)
    return Column(label, lambda row: getattr(row.metrics, name) if row.metrics else None, 22)


def _schooled_total(row: Row) -> int | None:
    """Minors schooled in the year, maternelle to lycée (« Autre », the insertion schemes, is not counted)."""
    if row.metrics is None:
        return None
    values = [getattr(row.metrics, name) for name in SCHOOLED_TOTAL_FIELDS]
    return None if all(value is None for value in values) else sum(value or 0 for value in values)


def _finance(finance_type: str, index: int) -> Callable[[Row], Decimal | None]:
    def value(row: Row) -> Decimal | None:
        if row.finances is None:  # not readable by the user: an empty cell
            return None
        amounts = row.finances.get(finance_type)
        return amounts[index] if amounts else None

    return value


def _author(entry: ActionEntry) -> str:
    """« Prénom Nom (Structure) », or « Utilisateur supprimé » when the author's account is gone."""
    author = entry.author
    return f"{author.full_name} ({author.organization.name})" if author else "Utilisateur supprimé"


def _comments(row: Row) -> str | None:
    """Every message, oldest first, as « JJ/MM/AAAA — Prénom Nom (Structure) : texte », a blank line between two;
    cut to what a cell holds."""
    if not row.comments:
        return None
    text = "\n\n".join(
        f"{timezone.localtime(entry.created_at):%d/%m/%Y} — {_author(entry)} : {entry.body}" for entry in row.comments
    )
    if len(text) > CELL_LIMIT:  # a long journal: its beginning, and a word that the rest is on the platform
        text = text[: CELL_LIMIT - len(CUT_COMMENTS)] + CUT_COMMENTS
    return text


def _last_comment(row: Row) -> str | None:
    return row.comments[-1].body if row.comments else None


def _last_comment_at(row: Row) -> datetime.datetime | None:
    return wall_clock(row.comments[-1].created_at) if row.comments else None


_METRIC_TITLES = {
    None: "INDICATEURS GÉNÉRAUX",
    Topic.HEALTH: "SANTÉ",
    Topic.WORK: "EMPLOI",
    Topic.HOUSING: "HÉBERGEMENT/LOGEMENT",
    Topic.SCHOOL: "SCOLARISATION",
}


def _sections() -> tuple[Section, ...]:
    sections = [
        Section(
            "ACTION",
            (
                Column("Département", lambda row: row.action.departement.code, 12),
                Column("Nom du département", lambda row: row.action.departement.name, 20),
                Column("Code région", lambda row: row.action.departement.region_id, 10),
                Column("Région", lambda row: row.action.departement.region.name, 24),
                Column("ID action", lambda row: row.action.pk, 10),
                Column("Nom de l'action", lambda row: row.action.name, 40, wrap=True),
                Column("Année", lambda row: row.year, 8),
                Column("Statut", lambda row: row.action.status_label, 12),
                Column("Date de début", lambda row: row.action.started_at, 14, DATE_FORMAT),
                Column("Date de fin", lambda row: row.action.ended_at, 14, DATE_FORMAT),
                Column("Lieu", lambda row: row.action.get_location_type_display(), 24, wrap=True),
                Column("Précision du lieu", _place, 30, wrap=True),
                Column("Champs d'intervention", lambda row: row.action.topic_labels, 30, wrap=True),
                Column("Objectifs", lambda row: row.action.goals, 60, wrap=True),
            ),
        ),
        Section(
            "OPÉRATEURS",
            (
                Column("Pilotes", lambda row: _members(row.action.managers), 40, wrap=True),
                Column("Opérateurs", lambda row: _members(row.action.operators), 40, wrap=True),
            ),
        ),
    ]
    for _, topic, names in METRIC_SECTIONS:
        columns = [_metric(name) for name in names]
        if topic == Topic.SCHOOL:
            columns.append(Column("Total des mineurs scolarisés (hors dispositif d'insertion)", _schooled_total, 22))
        sections.append(Section(_METRIC_TITLES[topic], tuple(columns)))
    sections.append(
        Section(
            "FINANCEMENT",
            tuple(
                column
                for finance_type, label in FinanceType.choices
                for column in (
                    Column(f"{label} — montant", _finance(finance_type, 0), 20, EUROS_FORMAT),
                    Column(f"{label} — dépense", _finance(finance_type, 1), 20, EUROS_FORMAT),
                )
            ),
        )
    )
    sections.append(
        Section(
            "COMMENTAIRES",
            (
                Column("Commentaires", _comments, 80, wrap=True),
                Column("Dernier commentaire", _last_comment, 60, wrap=True),
                Column("Date du dernier commentaire", _last_comment_at, 18, DATETIME_FORMAT),
            ),
        )
    )
    sections.append(
        Section(
            "MISE À JOUR",
            (
                Column("Action mise à jour le", lambda row: wall_clock(row.action.updated_at), 18, DATETIME_FORMAT),
                Column(
                    "Indicateurs mis à jour le",
                    lambda row: wall_clock(row.metrics.updated_at) if row.metrics else None,
                    18,
                    DATETIME_FORMAT,
                ),
            ),
        )
    )
    return tuple(sections)


SECTIONS = _sections()
COLUMNS: tuple[Column, ...] = tuple(column for section in SECTIONS for column in section.columns)


# ---------------------------------------------------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------------------------------------------------


def export_rows(user: User, actions: ActionQuerySet) -> list[Row]:
    """The rows of these actions (already narrowed to what the user may export), by département, name and year. Seven
    queries at most: the actions, their pilots, their operators, their indicators, the actions whose finances the
    user may read, those finances, and the journals' messages he reads (with their authors)."""
    actions = list(
        actions.select_related("departement__region", "location_eti_commune")
        .with_members()
        .order_by("departement_id", "name", "pk")
    )
    ids = [action.pk for action in actions]
    history = ActionMetrics.history.model  # type: ignore[attr-defined]
    metrics = {
        (row.action_id, row.year): row
        for row in ActionMetrics.objects.filter(action_id__in=ids).annotate(
            updated_at=Subquery(
                history.objects.filter(id=OuterRef("pk")).order_by("-history_date").values("history_date")[:1]
            )
        )
    }
    # The finances only of the actions whose finances the user may read: the others' amounts are never fetched.
    finance_readable = set(
        Action.objects.visible_to(user, "action_finances.access").filter(pk__in=ids).values_list("pk", flat=True)
    )
    finances: dict[int, dict[int, dict[str, tuple[Decimal, Decimal]]]] = defaultdict(lambda: defaultdict(dict))
    if finance_readable:
        lines = ActionFinance.objects.filter(action_id__in=finance_readable).values_list(
            "action_id", "year", "finance_type", "amount", "real_amount"
        )
        for action_id, year, finance_type, line_amount, line_real in lines:
            amount, real = finances[action_id][year].get(finance_type, (Decimal(0), Decimal(0)))
            finances[action_id][year][finance_type] = (amount + line_amount, real + line_real)
    # One query for the messages of every exported action, grouped here; never a message the user does not read.
    comments: dict[int, list[ActionEntry]] = defaultdict(list)
    if ids:
        entries = (
            ActionEntry.objects.alive()
            .readable_by(user)
            .filter(action_id__in=ids)
            .select_related("author__organization")
            .only(
                "action",
                "body",
                "created_at",
                "author__first_name",
                "author__last_name",
                "author__organization__name",
            )
            .order_by("created_at", "pk")
        )
        for entry in entries:
            comments[entry.action_id].append(entry)
    return [
        Row(
            action=action,
            year=year,
            metrics=metrics.get((action.pk, year)),
            finances=dict(finances[action.pk][year]) if action.pk in finance_readable else None,
            comments=tuple(comments[action.pk]),
        )
        for action in actions
        for year in action.years
    ]


# ---------------------------------------------------------------------------------------------------------------------
# Workbook
# ---------------------------------------------------------------------------------------------------------------------

_SECTION_FILL = PatternFill("solid", start_color="E3E3FD")


def _write_sheet(workbook: Workbook, title: str, rows: Iterable[Row]) -> None:
    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "G3"  # the sections and titles, the département and the action's id and name stay in view
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    section_row = []
    for section in SECTIONS:
        for position in range(len(section.columns)):
            title = cell(sheet, section.title if position == 0 else None, bold=True, wrap=True)
            title.fill = _SECTION_FILL
            section_row.append(title)
    sheet.append(section_row)
    sheet.append([cell(sheet, column.title, bold=True, wrap=True) for column in COLUMNS])
    for row in rows:
        sheet.append(
            [
                cell(sheet, column.value(row), number_format=column.number_format, wrap=column.wrap)
                for column in COLUMNS
            ]
        )


def sheet_title(departement_code: str) -> str:
    return f"Dépt {departement_code}"


def actions_workbook(rows: list[Row]) -> bytes:
    """The xlsx file: « Tous » with every row, then one sheet per département in code order."""
    workbook = Workbook(write_only=True)
    _write_sheet(workbook, ALL_SHEET, rows)
    by_departement: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_departement[row.action.departement_id].append(row)
    for code in sorted(by_departement):
        _write_sheet(workbook, sheet_title(code), by_departement[code])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_filename(today: datetime.date) -> str:
    return f"actions-{today:%Y-%m-%d}.xlsx"


# ---------------------------------------------------------------------------------------------------------------------
# The journal of one action
# ---------------------------------------------------------------------------------------------------------------------

JOURNAL_SHEET = "Journal de l'action"
PUBLIC_AUDIENCE = "Tous les utilisateurs ayant accès aux messages de l'action"


@dataclass(frozen=True)
class EntryColumn:
    title: str
    value: Callable[[ActionEntry], Any]
    width: int = 20
    number_format: str | None = None
    wrap: bool = False


def _recipients(entry: ActionEntry) -> str:
    return PUBLIC_AUDIENCE if entry.is_public else "\n".join(entry.target_labels)


JOURNAL_COLUMNS: tuple[EntryColumn, ...] = (
    EntryColumn("Date", lambda entry: wall_clock(entry.created_at), 18, DATETIME_FORMAT),
    EntryColumn("Auteur", lambda entry: entry.author.full_name if entry.author else "Utilisateur supprimé", 24),
    EntryColumn("Structure", lambda entry: entry.author.organization.name if entry.author else "", 30, wrap=True),
    EntryColumn("Destinataires", _recipients, 40, wrap=True),
    EntryColumn("Message", lambda entry: entry.body, 80, wrap=True),
    EntryColumn("Pièces jointes", lambda entry: len(entry.attachments.all()), 14),
)


def action_journal_workbook(entries: Iterable[ActionEntry]) -> bytes:
    """The xlsx file of an action's journal: one header row (frozen), one row per message, in the order given (the
    caller passes the messages the user reads, oldest first, with their authors, targets and attachments)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(JOURNAL_SHEET)
    sheet.freeze_panes = "A2"
    for index, column in enumerate(JOURNAL_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.append([cell(sheet, column.title, bold=True) for column in JOURNAL_COLUMNS])
    for entry in entries:
        sheet.append(
            [
                cell(sheet, column.value(entry), number_format=column.number_format, wrap=column.wrap)
                for column in JOURNAL_COLUMNS
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def action_journal_filename(action: Action, today: datetime.date) -> str:
    return f"journal-action-{action.pk}-{today:%Y-%m-%d}.xlsx"
