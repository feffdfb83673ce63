"""Export of journal messages as an xlsx workbook (reference §D.3 « export of all journal comments », §A.7
`shantytownComment.exportList`, §H.4 « site comments xlsx »).

What a user exports is what he may read (§A.6): `JournalEntry.objects.alive().readable_by(user)` on the sites he
sees (`Site.objects.visible_to`), inside the territory of his export right (`shantytown_comment.export`). A targeted
message he is not addressed never reaches the file. The columns are a spec (`COLUMNS`); the workbook is written by
openpyxl in write-only mode (docs/decisions/0007-xlsx-library.md), from rows read in a fixed number of queries.
"""

import datetime
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from resorption.accounts import permissions
from resorption.accounts.models import User
from resorption.core.xlsx import cell, wall_clock
from resorption.journal.models import JournalEntry
from resorption.settlements.models import Site
from resorption.territories.location import Territories, sites_in_q

SHEET_TITLE = "Messages des journaux"


@dataclass(frozen=True)
class Column:
    title: str
    value: Callable[[JournalEntry], Any]
    width: int = 20
    number_format: str | None = None
    wrap: bool = False


def _author(entry: JournalEntry) -> str:
    return entry.author.full_name if entry.author else "Utilisateur supprimé"


def _organization(entry: JournalEntry) -> str:
    return entry.author.organization.name if entry.author else ""


COLUMNS: tuple[Column, ...] = (
    Column("Date", lambda entry: wall_clock(entry.created_at), 18, number_format="dd/mm/yyyy hh:mm"),
    Column("Département", lambda entry: str(entry.site.commune.departement), 22),
    Column("Commune", lambda entry: entry.site.commune.name, 22),
    Column("Site", lambda entry: entry.site.display_name, 40, wrap=True),
    Column("Auteur", _author, 24),
    Column("Structure", _organization, 30),
    Column("Destinataires", lambda entry: entry.get_audience_display(), 30, wrap=True),
    Column("Structures et personnes ciblées", lambda entry: ", ".join(entry.target_labels), 40, wrap=True),
    Column("Type", lambda entry: entry.get_kind_display(), 16),
    Column("Étiquettes", lambda entry: ", ".join(tag.label for tag in entry.tags.all()), 24),
    Column("Date de l'intervention", lambda entry: entry.health_date, 14, number_format="dd/mm/yyyy"),
    Column("Interventions", lambda entry: ", ".join(entry.health_intervention_labels), 40, wrap=True),
    Column("Message", lambda entry: entry.body, 80, wrap=True),
)


def entries_to_export(
    user: User,
    *,
    departement: str | None = None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> QuerySet[JournalEntry]:
    """The messages the user may export, newest first: those he reads, on sites he sees, where he holds the export
    right; optionally in one département and between two days (Paris time, both included). Everything a row shows
    is loaded in a fixed number of queries."""
    entries = (
        JournalEntry.objects.alive()
        .readable_by(user)
        .filter(site__in=Site.objects.visible_to(user).values("pk"))
        .filter(permissions.sites_q(user, "shantytown_comment.export", commune_path="site__commune"))
    )
    if departement:
        entries = entries.filter(sites_in_q(Territories(departements=frozenset({departement})), "site__commune"))
    if start:
        entries = entries.filter(
            created_at__gte=timezone.make_aware(datetime.datetime.combine(start, datetime.time()))
        )
    if end:
        day_after = end + datetime.timedelta(days=1)
        entries = entries.filter(
            created_at__lt=timezone.make_aware(datetime.datetime.combine(day_after, datetime.time()))
        )
    return (
        entries.select_related("author__organization", "site__commune__departement")
        .prefetch_related(
            "tags",
            "target_organizations",
            Prefetch("target_users", queryset=User.objects.select_related("organization")),
        )
        .order_by("-created_at", "-pk")
    )


def journal_workbook(entries: Iterable[JournalEntry]) -> bytes:
    """The xlsx file of these entries: one header row (frozen), one row per entry, in the order given."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    sheet.freeze_panes = "A2"
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.append([cell(sheet, column.title, bold=True) for column in COLUMNS])
    for entry in entries:
        sheet.append(
            [
                cell(sheet, column.value(entry), number_format=column.number_format, wrap=column.wrap)
                for column in COLUMNS
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_filename(today: datetime.date) -> str:
    return f"journal-des-sites-{today:%Y-%m-%d}.xlsx"
