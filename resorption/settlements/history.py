"""A site's past states (reference §C.8), read from the django-simple-history tables (docs/decisions/0005).

Every save of a `Site`, `SiteOwner` or `ClosingOrientation` writes a version row; a change of `incoming_sites`
writes a site version too. The author of a version is `history_user`: services set `site._history_user` before
saving (the journal of changes shows who and when).

What a version changed, as « label : old → new » (`Change`), is built here once for the site's history page
(`views/history.py`, every version of one site) and for the activity feed (`update_changes`, the versions that a
page of events names, across sites).
"""

import datetime
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.text import capfirst

from resorption.core.prepared import PreparedQueries, padded
from resorption.settlements import confidential
from resorption.settlements.models import ClosingOrientation, Site, SiteOwner
from resorption.settlements.services import BOOKKEEPING_FIELDS, EMPTY_VALUE, display_value


@dataclass(frozen=True)
class SiteState:
    """A site as it was at a moment: the site row (an unsaved `Site`), its owners and its households' orientations.
    `owners` is confidential (see confidential.py)."""

    site: Site
    owners: list[SiteOwner]
    closing_orientations: list[ClosingOrientation]
    incoming_site_ids: list[int]


def site_as_of(site_id: int, moment: datetime.datetime) -> SiteState:
    """The state of the site at `moment` (historical exports, §C.8 « export à une date passée »). Raises
    `Site.DoesNotExist` if the site had not been declared yet, or was deleted, at that moment."""
    record = Site.history.filter(id=site_id, history_date__lte=moment).order_by("-history_date", "-history_id").first()
    if record is None or record.history_type == "-":
        raise Site.DoesNotExist(f"Le site {site_id} n'existait pas le {moment:%d/%m/%Y à %H:%M}.")
    owners = SiteOwner.history.as_of(moment).filter(site_id=site_id).order_by("id")
    orientations = ClosingOrientation.history.as_of(moment).filter(site_id=site_id).order_by("solution")
    incoming = sorted(row.to_site_id for row in record.incoming_sites.all())
    return SiteState(
        site=record.instance,
        owners=list(owners),
        closing_orientations=list(orientations),
        incoming_site_ids=incoming,
    )


_LATEST_VERSION = PreparedQueries(Site.history.model, size=1)


def latest_site_version() -> int | None:
    """The id of the latest site version (one row read from the end of the versions' primary key index): every
    declaration, update, closing or deletion writes one, so caches of site data name the data they hold by it."""
    found = _LATEST_VERSION.fetch(
        "latest", lambda: Site.history.model.objects.order_by("-history_id").values_list("history_id", flat=True)[:1]
    )
    return found[0] if found else None


# ---------------------------------------------------------------------------------------------------------------------
# What a version changed (§C.8 « Historique des modifications »)
# ---------------------------------------------------------------------------------------------------------------------

ANONYMIZED_AUTHOR = "Utilisateur anonymisé"
UNKNOWN_AUTHOR = "Auteur inconnu"
OWNER_LABEL = "Propriétaire"
INCOMING_SITES = "incoming_sites"
# The key of the owners' changes: the name `confidential.OWNER_FIELDS` gives them.
OWNERS = "owners"
# How long after a site version an owner's row, by the same person, still belongs to it (same transaction: far less).
OWNERS_JOIN_WINDOW = datetime.timedelta(minutes=1)
# The fields a version shows: the site's data, not the bookkeeping (as the stale-edit diff of services.py).
DIFFED_FIELDS = [each for each in Site._meta.concrete_fields if each.name not in BOOKKEEPING_FIELDS]


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str


def author_label(user) -> str:
    """Who saved a version, as the history shows him."""
    if user is None:
        return UNKNOWN_AUTHOR
    if user.anonymized_at is not None:
        return ANONYMIZED_AUTHOR
    return user.full_name


def site_changes(before, after, incoming: Mapping[int, Mapping[int, str]]) -> dict[str, list[Change]]:
    """The changes from one site version to another (history rows), by field name — the keys that
    `confidential.strip_confidential` filters. `incoming`: `incoming_site_names` of both versions."""
    changes: dict[str, list[Change]] = {}
    for site_field in DIFFED_FIELDS:
        if getattr(before, site_field.attname) != getattr(after, site_field.attname):
            changes[site_field.name] = [
                Change(
                    capfirst(str(site_field.verbose_name)),
                    display_value(before, site_field),
                    display_value(after, site_field),
                )
            ]
    old, new = incoming.get(before.history_id, {}), incoming.get(after.history_id, {})
    if set(old) != set(new):
        label = capfirst(str(Site._meta.get_field(INCOMING_SITES).verbose_name))
        changes[INCOMING_SITES] = [Change(label, _names(old), _names(new))]
    return changes


def _names(sites: Mapping[int, str]) -> str:
    return ", ".join(sorted(sites.values())) or EMPTY_VALUE


def incoming_site_names(records: Iterable, *, user) -> dict[int, dict[int, str]]:
    """history id → {site id: how to name it}, in two queries whatever the number of versions. A site the user may
    not read is named by its number only."""
    through = apps.get_model("settlements", "HistoricalSite_incoming_sites")
    rows = list(through.objects.filter(history_id__in=[record.history_id for record in records]))
    ids = {row.to_site_id for row in rows}
    names = {
        other.pk: other.display_name
        for other in Site.objects.visible_to(user).filter(pk__in=ids).only("pk", "address", "name")
    }
    result: dict[int, dict[int, str]] = {}
    for row in rows:
        result.setdefault(row.history_id, {})[row.to_site_id] = names.get(row.to_site_id, f"site n° {row.to_site_id}")
    return result


def owner_changes(records: Iterable) -> Iterator[tuple[Any, Change]]:
    """Each owner version that changed how the owner reads (name and type), with its change, from versions of owners
    oldest first — of one site or several: an owner's versions follow one another by his id."""
    last_state: dict[int, Any] = {}
    for record in records:
        before = last_state.get(record.id)
        old = owner_label(before) if before is not None and before.history_type != "-" else EMPTY_VALUE
        new = EMPTY_VALUE if record.history_type == "-" else owner_label(record)
        last_state[record.id] = record
        if old != new:
            yield record, Change(OWNER_LABEL, old, new)


def owner_label(record) -> str:
    return f"{record.name or 'Nom inconnu'} ({record.get_owner_type_display()})"


def update_changes(version_ids: Collection[int], *, user, sites: Mapping[int, Site]) -> dict[int, list[Change]]:
    """What each of these site versions (history ids, as `signals.site_updated` names them) changed since the
    version before it, as the site's history page shows it to `user`: its fields, its incoming sites and its owners'
    changes saved with it, without the confidential changes he may not see on the site's commune of today (the page's
    rule; the owners' history is not even read then). `sites`: id → site, with its commune and département loaded —
    the sites the user reads; versions of other sites are left out. Five queries at most for up to 20 versions."""
    records = [record for record in _versions("updates", sorted(version_ids)) if record.id in sites]
    previous = {
        record.history_id: record
        for record in _versions(
            "previous", sorted(record.previous_id for record in records if record.previous_id is not None)
        )
    }
    incoming = incoming_site_names([*records, *previous.values()], user=user)
    changes: dict[int, dict[str, list[Change]]] = {
        record.history_id: site_changes(previous[record.previous_id], record, incoming)
        if record.previous_id in previous
        else {}
        for record in records
    }
    _join_owner_changes(records, changes, sites=sites, user=user)
    result: dict[int, list[Change]] = {}
    for record in records:
        commune = sites[record.id].commune
        shown = confidential.strip_confidential(changes[record.history_id], user=user, commune=commune)
        result[record.history_id] = [change for each in shown.values() for change in each]
    return result


# The two reads of `update_changes`, compiled once per process (`core.prepared`): a site version has some 150 columns,
# and compiling its query cost more than running it. `_VERSIONS_AT_ONCE` ids per query.
_VERSIONS = PreparedQueries(Site.history.model, size=2)
_VERSIONS_AT_ONCE = 20


def _build_updates(*ids: int) -> QuerySet:
    """These versions, each with the id of the version before it (`previous_id`) and the date of the one after it
    (`next_version_at`)."""
    versions_of_site = Site.history.model.objects.filter(id=OuterRef("id"))
    return (
        Site.history.model.objects.filter(history_id__in=ids)
        .select_related("commune")
        .annotate(
            previous_id=Subquery(
                versions_of_site.filter(version__lt=OuterRef("version"))
                .order_by("-history_id")
                .values("history_id")[:1]
            ),
            next_version_at=Subquery(
                versions_of_site.filter(version__gt=OuterRef("version"))
                .order_by("history_id")
                .values("history_date")[:1]
            ),
        )
    )


def _build_previous(*ids: int) -> QuerySet:
    return Site.history.model.objects.filter(history_id__in=ids).select_related("commune")


def _versions(name: str, ids: list[int]) -> list:
    """The versions of these history ids, read by the query `name` ("updates" or "previous")."""
    build = _build_updates if name == "updates" else _build_previous
    found = []
    for start in range(0, len(ids), _VERSIONS_AT_ONCE):
        found += _VERSIONS.fetch(name, build, *padded(ids[start : start + _VERSIONS_AT_ONCE], _VERSIONS_AT_ONCE))
    return found


def _join_owner_changes(
    records: list, changes: dict[int, dict[str, list[Change]]], *, sites: Mapping[int, Site], user
) -> None:
    """Adds to each version the owners' changes its author saved with it: after it, within `OWNERS_JOIN_WINDOW`
    and before the site's next version (the history page's rule, `views.history._version_for`), for the sites
    whose owners the user may see."""
    readable = {
        record.id
        for record in records
        if OWNERS not in confidential.hidden_site_fields(user=user, commune=sites[record.id].commune)
    }
    if not readable:
        return
    by_site: dict[int, list] = {}
    for record in records:
        by_site.setdefault(record.id, []).append(record)
    owner_versions = SiteOwner.history.filter(site_id__in=sorted(readable)).order_by("history_date", "history_id")
    for owner_record, change in owner_changes(owner_versions):
        moment = owner_record.history_date
        for record in by_site.get(owner_record.site_id, []):
            if (
                record.history_user_id == owner_record.history_user_id
                and record.history_date <= moment <= record.history_date + OWNERS_JOIN_WINDOW
                and (record.next_version_at is None or moment < record.next_version_at)
            ):
                changes[record.history_id].setdefault(OWNERS, []).append(change)
