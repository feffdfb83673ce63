"""Site exports (§H.4, §C.8 « export à une date passée »): asking for one, and writing its file in the background.

`site_export_request` checks the right, records the request (the `SiteExport` row is also the export log counted on
the public statistics page) and queues `tasks.run_site_export` after commit. `site_export_run` selects the sites —
the list's selection for the same query string, among those the requester may export — reads each one's version in
force at the export's moment (now, or the end of the chosen day: figures are computed one way), and writes the xlsx
with `core.xlsx_stream`'s streaming writer, 500 sites at a time: owners, orientations, actors and journal messages
are read per batch, so memory and the number of queries per batch stay flat whatever the number of sites.
"""

import datetime
import logging
import tempfile
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import HttpRequest, QueryDict
from django.utils import timezone

from resorption.accounts import permissions
from resorption.accounts.models import User
from resorption.core import xlsx_stream
from resorption.exports import exports
from resorption.exports.enums import ExportOption, ExportStatus
from resorption.exports.models import SiteExport
from resorption.journal.models import JournalEntry
from resorption.settlements import filters, forms, living_conditions
from resorption.settlements.enums import LivingConditionSection, SiteStatus
from resorption.settlements.models import ClosingOrientation, Site, SiteActor, SiteOwner
from resorption.settlements.snapshots import end_of_day, versions_in_force
from resorption.territories.models import Commune

logger = logging.getLogger("resorption.exports")

BATCH_SIZE = 500
# §H.4: an export at a date before the platform's history began would be empty, not an answer.
EARLIEST_DATE = datetime.date(2019, 1, 1)
KEEP_FILES = datetime.timedelta(hours=24)
SHEET_TITLE = "Sites"
# Section titles, then column titles, stay in view when scrolling.
HEADER_ROWS = 2
NO_RIGHT = "Vous n'avez pas le droit d'exporter des sites."
# Filters of the list that read what a site's versions do not keep, applied otherwise at a past date (see
# `_versions_at`): the search words (`search_text`), the derived living-condition statuses, the actors.
SEARCH_FILTER = "q"
STATUS_FILTERS = ("eau", "conditions")
ACTORS_FILTER = "intervenants"


class _Versions(QuerySet):
    """Site versions read with the list's filters: `filters.filter_sites` asks the queryset for its tab."""

    def open(self) -> "_Versions":
        return self.filter(status=SiteStatus.OPEN)

    def closed(self) -> "_Versions":
        return self.filter(status=SiteStatus.CLOSED)


def _as_versions(queryset: QuerySet) -> _Versions:
    # `versions_in_force` gives a plain QuerySet of the historical model: the same rows, with the two tab methods.
    assert type(queryset) is QuerySet
    versions: Any = queryset.all()
    versions.__class__ = _Versions
    return versions


# ---------------------------------------------------------------------------------------------------------------- ask


@transaction.atomic
def site_export_request(*, user: User, query: str, sections: Iterable[str], as_of: datetime.date | None) -> SiteExport:
    """Records the export of the sites the list's `query` string selects (its `statut` says open or closed sites),
    with the optional `sections`, as they stood at the end of `as_of` (None: now), and queues its writing."""
    if not permissions.can_export_sites(user):
        raise PermissionDenied(NO_RIGHT)
    sections = list(dict.fromkeys(sections))
    unknown = [each for each in sections if each not in ExportOption.values]
    if unknown:
        raise ValidationError({"sections": "Section inconnue : " + ", ".join(unknown[:3]) + "."})
    allowed = set(exports.options_for(user))
    if any(each not in allowed for each in sections):
        raise ValidationError({"sections": "Vous n'avez pas le droit d'exporter certaines des sections choisies."})
    if as_of is not None and as_of > timezone.localdate():
        raise ValidationError({"as_of": "La date ne peut pas être dans le futur."})
    if as_of is not None and as_of < EARLIEST_DATE:
        raise ValidationError({"as_of": f"La date ne peut pas précéder le {EARLIEST_DATE:%d/%m/%Y}."})
    params = QueryDict(query)
    export = SiteExport(
        requested_by=user,
        query=query,
        # Read from the query string as given: printable characters only (PostgreSQL refuses NUL in text).
        location="".join(char for char in params.get("localisation", "") if char.isprintable())[:255],
        closed=params.get("statut") == forms.Tab.CLOSED,
        as_of=as_of,
        sections=sections,
    )
    export.full_clean()
    export.save()
    transaction.on_commit(lambda: _enqueue(export.pk))
    return export


def _enqueue(export_id) -> None:
    from resorption.exports.tasks import run_site_export  # tasks import this module

    run_site_export.enqueue(str(export_id))


def file_available(export: SiteExport, *, now: datetime.datetime | None = None) -> bool:
    """Whether the export's file may still be downloaded: written, and for 24 hours after."""
    now = now or timezone.now()
    return (
        export.status == ExportStatus.DONE
        and bool(export.file)
        and export.finished_at is not None
        and now - export.finished_at < KEEP_FILES
    )


def site_exports_sweep(*, now: datetime.datetime | None = None) -> int:
    """Deletes the files of exports finished more than 24 hours ago; the rows stay (they are the exports' log).
    Returns how many files were deleted."""
    now = now or timezone.now()
    deleted = 0
    for export in SiteExport.objects.filter(finished_at__lte=now - KEEP_FILES).exclude(file=""):
        export.file.delete(save=False)
        SiteExport.objects.filter(pk=export.pk).update(file="")
        deleted += 1
    return deleted


# ----------------------------------------------------------------------------------------------------------- select


def _selection_request(user: User, query: str) -> HttpRequest:
    """A request carrying the list's query string, read by `filters.select_sites` as the list reads it."""
    request = HttpRequest()
    request.method = "GET"
    request.GET = QueryDict(query)
    request.user = user
    return request


def selected_versions(user: User, *, query: str, as_of: datetime.date | None, moment: datetime.datetime) -> list:
    """The history ids of the versions to export, in the file's order: the sites the list's query string selects
    among those the user may export, each in its version in force at `moment`."""
    exportable = Site.objects.filter(permissions.sites_q(user, "shantytown.export")).values("pk")
    selection = filters.select_sites(_selection_request(user, query))
    if as_of is None:
        versions = versions_in_force(moment).filter(id__in=selection.sites.values("pk")).filter(id__in=exportable)
    else:
        versions = _versions_at(user, moment, selection, exportable)
    ordered = versions.order_by("commune__departement_id", "commune__name", "address", "id").values_list(
        "history_id", "id"
    )
    if as_of is not None and _status_filters(selection):
        return _with_statuses(ordered, selection)
    return [history_id for history_id, _ in ordered]


def _versions_at(user: User, moment: datetime.datetime, selection, exportable) -> QuerySet:
    """The list's filters applied to the versions in force at a past moment, on the sites the user may export
    (and see) today. The versions keep every column the filters read but three: the search words are matched on
    today's `search_text` (an address or name changed since is found by its new words); the living-condition
    filters are matched in Python on the statuses of the version (`_with_statuses`); the actors filter, an EXISTS on
    the site's id that would compare history ids here and whose actors have no history, is left out."""
    later = {SEARCH_FILTER, ACTORS_FILTER, *STATUS_FILTERS}
    kept = {name: value for name, value in selection.filters.items() if name not in later}
    visible = Site.objects.visible_to(user).values("pk")
    versions: QuerySet = _as_versions(versions_in_force(moment)).filter(id__in=exportable).filter(id__in=visible)
    versions = filters.filter_sites(versions, kept, tab=selection.tab, user=user)
    words = selection.filters.get(SEARCH_FILTER, "")
    if words:
        # The words alone, on either tab of today's sites: `filter_sites` always applies a tab.
        searched = {SEARCH_FILTER: words}
        matching = [
            filters.filter_sites(Site.objects.all(), searched, tab=tab, user=user).values("pk")
            for tab in (forms.Tab.OPEN, forms.Tab.CLOSED)
        ]
        versions = versions.filter(Q(id__in=matching[0]) | Q(id__in=matching[1]))
    return versions


def _status_filters(selection) -> dict:
    values = {name: selection.filters.get(name) for name in STATUS_FILTERS if selection.filters.get(name)}
    if selection.tab != forms.Tab.OPEN:
        values.pop("conditions", None)  # an open-tab filter, as in `filters.filter_sites`
    return values


def _with_statuses(ordered, selection) -> list:
    """The history ids whose version matches the living-condition filters, with the rule of `filters.filter_sites`:
    « eau » lists water statuses, each « conditions » section matches a bad or unknown status."""
    wanted = _status_filters(selection)
    history_ids = [history_id for history_id, _ in ordered]
    kept = []
    for start in range(0, len(history_ids), BATCH_SIZE):
        batch = Site.history.model.objects.filter(history_id__in=history_ids[start : start + BATCH_SIZE])
        matching = set()
        for version in batch.iterator(chunk_size=BATCH_SIZE):
            statuses = living_conditions.site_living_conditions(version)
            if "eau" in wanted and statuses[LivingConditionSection.WATER] not in wanted["eau"]:
                continue
            if "conditions" in wanted and not any(
                statuses[LivingConditionSection(value)] in filters.BAD_OR_UNKNOWN for value in wanted["conditions"]
            ):
                continue
            matching.add(version.history_id)
        kept += [history_id for history_id in history_ids[start : start + BATCH_SIZE] if history_id in matching]
    return kept


# ------------------------------------------------------------------------------------------------------------ write


def site_export_run(export_id) -> None:
    """Writes the export's file, updating how many sites are done after each batch; marks it done or failed."""
    claimed = SiteExport.objects.filter(pk=export_id, status=ExportStatus.PENDING).update(status=ExportStatus.RUNNING)
    if not claimed:  # already run, or unknown
        return
    export = SiteExport.objects.select_related("requested_by").get(pk=export_id)
    try:
        _write(export)
    except Exception:
        logger.exception("Site export %s failed", export.pk)
        SiteExport.objects.filter(pk=export.pk).update(status=ExportStatus.FAILED, finished_at=timezone.now())
        raise


def _write(export: SiteExport) -> None:
    user = export.requested_by
    if not permissions.can_export_sites(user):
        raise PermissionDenied(NO_RIGHT)
    moment = end_of_day(export.as_of) if export.as_of else timezone.now()
    history_ids = selected_versions(user, query=export.query, as_of=export.as_of, moment=moment)
    SiteExport.objects.filter(pk=export.pk).update(total=len(history_ids))
    sections = exports.sections_for(user, options=export.sections, closed=export.closed)
    columns = exports.columns_of(sections)
    values = [column.value for column in columns]
    communes: dict[str, Commune] = {}
    with tempfile.TemporaryFile() as output:
        with xlsx_stream.SheetWriter(
            output, title=SHEET_TITLE, columns=_sheet_columns(columns), frozen_rows=HEADER_ROWS
        ) as sheet:
            sheet.append(_section_titles(sections), bold=True)
            sheet.append([column.title for column in columns], bold=True)
            done = 0
            for batch in _chunks(history_ids, BATCH_SIZE):
                for row in _batch_rows(batch, user=user, moment=moment, sections=sections, communes=communes):
                    sheet.append([value(row) for value in values])
                done += len(batch)
                SiteExport.objects.filter(pk=export.pk).update(done=done)
        output.seek(0)
        export.file.save(_filename(export), File(output), save=False)
    SiteExport.objects.filter(pk=export.pk).update(
        file=export.file.name, status=ExportStatus.DONE, finished_at=timezone.now()
    )


def _sheet_columns(columns: list[exports.Column]) -> list[xlsx_stream.Column]:
    """How the file shows each column: its width, its dates' format, whether its text wraps."""
    return [xlsx_stream.Column(column.width, column.number_format, column.wrap) for column in columns]


def _section_titles(sections: list[exports.Section]) -> list:
    """The first header row: each section's title above its first column."""
    titles: list = []
    for section in sections:
        titles += [section.title] + [None] * (len(section.columns) - 1)
    return titles


def _filename(export: SiteExport) -> str:
    kind = "fermes" if export.closed else "existants"
    day = export.as_of or timezone.localdate(export.requested_at)
    return f"sites-{kind}-{day:%Y-%m-%d}-{export.pk.hex[:8]}.xlsx"


def _chunks(values: list, size: int) -> Iterator[list]:
    iterator = iter(values)
    while batch := list(islice(iterator, size)):
        yield batch


def _batch_rows(
    history_ids: list,
    *,
    user: User,
    moment: datetime.datetime,
    sections: list[exports.Section],
    communes: dict[str, Commune],
) -> list[exports.ExportRow]:
    """The rows of one batch of versions, in the given order, with what their sections need: a fixed number of
    queries per batch. `communes` keeps the communes read by the batches before (with département and EPCI): a
    commune's sites are spread over the batches."""
    keys = {section.key for section in sections}
    versions = {
        version.history_id: version for version in Site.history.model.objects.filter(history_id__in=history_ids)
    }
    _attach_communes(versions.values(), communes)
    site_ids = [version.id for version in versions.values()]
    rows = {
        version.id: exports.ExportRow(site=version, requester_organization_id=user.organization_id)
        for version in versions.values()
    }
    if "owners" in keys:
        for owner in _related_at(SiteOwner, site_ids, moment):
            rows[owner.site_id].owners.append(owner)
        for site_id in _covered(user, "shantytown_owner.access", site_ids):
            rows[site_id].owners_visible = True
    if "orientations" in keys:
        for orientation in _related_at(ClosingOrientation, site_ids, moment):
            rows[orientation.site_id].orientations.append(orientation)
    if "justice" in keys:
        for site_id in _covered(user, "shantytown_justice.access", site_ids):
            rows[site_id].justice_visible = True
    if "actors" in keys:
        _add_actors(rows, site_ids=site_ids, moment=moment)
    if "comments" in keys:
        # The one rule of who reads which message (§A.6): a targeted message reaches only its audience.
        _add_messages(rows, user=user, site_ids=site_ids, moment=moment)
    return [rows[versions[history_id].id] for history_id in history_ids if history_id in versions]


def _attach_communes(versions: Iterable, communes: dict[str, Commune]) -> None:
    """Gives each version its commune, read once per export: joining the communes to the versions cost more than
    the versions themselves."""
    missing = {version.commune_id for version in versions} - communes.keys()
    if missing:
        communes.update(
            (commune.pk, commune)
            for commune in Commune.objects.filter(pk__in=missing).select_related("departement", "epci")
        )
    for version in versions:
        if version.commune_id in communes:
            version.commune = communes[version.commune_id]


def _add_actors(rows: dict, *, site_ids: list[int], moment: datetime.datetime) -> None:
    """Each site's actors (« intervenants ») who had joined it by `moment`, in the order they joined, read as plain
    values."""
    actors = (
        SiteActor.objects.filter(site_id__in=site_ids, created_at__lt=moment)
        .order_by("created_at", "pk")
        .values_list(
            "site_id",
            "user__first_name",
            "user__last_name",
            "user__organization_id",
            "user__organization__name",
            "themes",
            "other_theme",
        )
    )
    for site_id, first_name, last_name, organization_id, organization, themes, other_theme in actors:
        rows[site_id].actors.append(
            exports.ExportActor(f"{first_name} {last_name}", organization_id, organization, themes, other_theme)
        )


def _add_messages(rows: dict, *, user: User, site_ids: list[int], moment: datetime.datetime) -> None:
    """Each site's latest messages the user may read (the one rule of who reads which message, §A.6: a targeted
    message reaches only its audience) and how many there are. Read as plain values, the latest few per site only:
    a national export covers hundreds of thousands of messages, and a cell holds 32,000 characters at most."""
    entries = (
        JournalEntry.objects.alive()
        .readable_by(user)
        .filter(site_id__in=site_ids, created_at__lt=moment)
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("site_id")], order_by=[F("created_at").desc(), F("pk").desc()]),
            count=Window(Count("*"), partition_by=[F("site_id")]),
        )
        .filter(rank__lte=exports.MESSAGES_PER_SITE)
        .order_by("created_at", "pk")
        .values_list("site_id", "count", "created_at", "author__first_name", "author__last_name", "author_id", "body")
    )
    paris = timezone.get_current_timezone()
    for site_id, count, created_at, first_name, last_name, author_id, body in entries:
        author = f"{first_name} {last_name}" if author_id else "Utilisateur supprimé"
        row = rows[site_id]
        row.message_count = count
        row.entries.append(exports.ExportMessage(created_at.astimezone(paris).replace(tzinfo=None), author, body))


def _covered(user: User, feature: str, site_ids: list[int]) -> set[int]:
    """The sites among `site_ids` on which the user holds `feature` (today's rule on the site's commune)."""
    return set(
        Site.objects.filter(pk__in=site_ids).filter(permissions.sites_q(user, feature)).values_list("pk", flat=True)
    )


def _related_at(model, site_ids: list[int], moment: datetime.datetime) -> list:
    """The rows of `model` (owners, orientations) of these sites as they stood just before `moment`: each row's
    latest version written before it, deleted ones left out."""
    versions = model.history.filter(site_id__in=site_ids, history_date__lt=moment).order_by(
        "id", F("history_date").desc(), F("history_id").desc()
    )
    latest: dict[int, Any] = {}
    for version in versions:
        latest.setdefault(version.id, version)
    return sorted(
        (version for version in latest.values() if version.history_type != "-"), key=lambda version: version.id
    )
