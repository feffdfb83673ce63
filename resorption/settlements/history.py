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
from django.utils import timezone
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


def field_changes(before, after) -> dict[str, list[Change]]:
    """The changes of the site's own fields from one version to another (history rows), by field name."""
    return {
        site_field.name: [
            Change(
                capfirst(str(site_field.verbose_name)),
                display_value(before, site_field),
                display_value(after, site_field),
            )
        ]
        for site_field in DIFFED_FIELDS
        if getattr(before, site_field.attname) != getattr(after, site_field.attname)
    }


def site_changes(before, after, incoming: Mapping[int, Mapping[int, str]]) -> dict[str, list[Change]]:
    """The changes from one site version to another (history rows), by field name — the keys that
    `confidential.strip_confidential` filters. `incoming`: `incoming_site_names` of both versions."""
    changes = field_changes(before, after)
    old, new = incoming.get(before.history_id, {}), incoming.get(after.history_id, {})
    if set(old) != set(new):
        changes[INCOMING_SITES] = [_incoming_change(old, new)]
    return changes


def _incoming_change(old: Mapping[int, str], new: Mapping[int, str]) -> Change:
    return Change(capfirst(str(Site._meta.get_field(INCOMING_SITES).verbose_name)), _names(old), _names(new))


def _names(sites: Mapping[int, str]) -> str:
    return ", ".join(sorted(sites.values())) or EMPTY_VALUE


def incoming_site_names(records: Iterable, *, user) -> dict[int, dict[int, str]]:
    """history id → {site id: how to name it}, in two queries whatever the number of versions. A site the user may
    not read is named by its number only."""
    ids_by_version = _incoming_ids([record.history_id for record in records])
    names = _site_names({site_id for ids in ids_by_version.values() for site_id in ids}, user=user)
    return {history_id: {pk: names[pk] for pk in ids} for history_id, ids in ids_by_version.items()}


def _incoming_ids(history_ids: Collection[int]) -> dict[int, frozenset[int]]:
    """history id → the ids of its incoming sites (versions without any are left out)."""
    through = apps.get_model("settlements", "HistoricalSite_incoming_sites")
    found: dict[int, set[int]] = {}
    for history_id, site_id in through.objects.filter(history_id__in=history_ids).values_list(
        "history_id", "to_site_id"
    ):
        found.setdefault(history_id, set()).add(site_id)
    return {history_id: frozenset(ids) for history_id, ids in found.items()}


def _site_names(site_ids: Collection[int], *, user) -> dict[int, str]:
    """How the history names these sites for `user`: a site he may not read by its number only."""
    if not site_ids:
        return {}
    names = {
        other.pk: other.display_name
        for other in Site.objects.visible_to(user).filter(pk__in=site_ids).only("pk", "address", "name")
    }
    return {pk: names.get(pk, f"site n° {pk}") for pk in site_ids}


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


@dataclass(frozen=True)
class VersionChanges:
    """What a site version changed since the one before it, for every reader: its fields and its owners' changes
    saved with it (`changes`, by field name, owners last), and its incoming sites before and after it, by id (their
    names depend on the reader)."""

    site_id: int
    changes: Mapping[str, tuple[Change, ...]]
    incoming_before: frozenset[int] = frozenset()
    incoming_after: frozenset[int] = frozenset()


# The versions' changes a process has computed, by history id (`update_changes`). A version, the one before it and
# the owners' versions joined to it never change once no owner version can join it any more (`OWNERS_JOIN_WINDOW`
# after it, with a margin for the transaction that wrote them): only then is it kept. Bounded, oldest dropped first.
SETTLED_AFTER = OWNERS_JOIN_WINDOW + datetime.timedelta(minutes=5)
SETTLED_KEPT = 20_000
_settled: dict[int, VersionChanges] = {}


def forget_settled_changes() -> None:
    """Computes every version's changes again on next use (tests: their databases reuse history ids)."""
    _settled.clear()


def update_changes(version_ids: Collection[int], *, user, sites: Mapping[int, Site]) -> dict[int, list[Change]]:
    """What each of these site versions (history ids, as `signals.site_updated` names them) changed since the
    version before it, as the site's history page shows it to `user`: its fields, its incoming sites and its owners'
    changes saved with it, without the confidential changes he may not see on the site's commune of today (the page's
    rule). `sites`: id → site, with its commune and département loaded — the sites the user reads; versions of other
    sites are left out. A version's changes are computed once per process when they can no longer change
    (`_settled`); else five queries at most for up to 20 versions, and one more when an incoming site changed."""
    found = {history_id: _settled[history_id] for history_id in version_ids if history_id in _settled}
    missing = sorted(set(version_ids) - set(found))
    if missing:
        found |= _compute_changes(missing)
    shown = {history_id: each for history_id, each in found.items() if each.site_id in sites}
    moved = [each for each in shown.values() if each.incoming_before != each.incoming_after]
    names = _site_names({pk for each in moved for pk in each.incoming_before | each.incoming_after}, user=user)
    result: dict[int, list[Change]] = {}
    for history_id, each in shown.items():
        changes = {name: list(values) for name, values in each.changes.items()}
        if each.incoming_before != each.incoming_after:
            incoming = _incoming_change(
                {pk: names[pk] for pk in each.incoming_before}, {pk: names[pk] for pk in each.incoming_after}
            )
            # In the history page's order: the site's fields, its incoming sites, then its owners.
            owners = changes.pop(OWNERS, None)
            changes[INCOMING_SITES] = [incoming]
            if owners is not None:
                changes[OWNERS] = owners
        commune = sites[each.site_id].commune
        kept = confidential.strip_confidential(changes, user=user, commune=commune)
        result[history_id] = [change for values in kept.values() for change in values]
    return result


def _compute_changes(version_ids: list[int]) -> dict[int, VersionChanges]:
    """The changes of these versions, for every reader, in four queries for up to 20 versions; the settled ones are
    kept in `_settled`."""
    records = _versions("updates", version_ids)
    previous = {
        record.history_id: record
        for record in _versions(
            "previous", sorted(record.previous_id for record in records if record.previous_id is not None)
        )
    }
    incoming = _incoming_ids([*(record.history_id for record in records), *previous])
    changes: dict[int, dict[str, list[Change]]] = {
        record.history_id: field_changes(previous[record.previous_id], record)
        if record.previous_id in previous
        else {}
        for record in records
    }
    _join_owner_changes(records, changes)
    settled_before = timezone.now() - SETTLED_AFTER
    computed = {}
    for record in records:
        before = incoming.get(record.previous_id, frozenset()) if record.previous_id in previous else frozenset()
        after = incoming.get(record.history_id, frozenset()) if record.previous_id in previous else frozenset()
        each = VersionChanges(
            site_id=record.id,
            changes={name: tuple(values) for name, values in changes[record.history_id].items()},
            incoming_before=before,
            incoming_after=after,
        )
        computed[record.history_id] = each
        if record.history_date < settled_before:
            if len(_settled) >= SETTLED_KEPT:
                del _settled[next(iter(_settled))]
            _settled[record.history_id] = each
    return computed


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


def _join_owner_changes(records: list, changes: dict[int, dict[str, list[Change]]]) -> None:
    """Adds to each version the owners' changes its author saved with it: after it, within `OWNERS_JOIN_WINDOW`
    and before the site's next version (the history page's rule, `site_page._version_for`). For every reader:
    `update_changes` removes them for those who may not see owners."""
    if not records:
        return
    by_site: dict[int, list] = {}
    for record in records:
        by_site.setdefault(record.id, []).append(record)
    owner_versions = SiteOwner.history.filter(site_id__in=sorted(by_site)).order_by("history_date", "history_id")
    for owner_record, change in owner_changes(owner_versions):
        moment = owner_record.history_date
        for record in by_site.get(owner_record.site_id, []):
            if (
                record.history_user_id == owner_record.history_user_id
                and record.history_date <= moment <= record.history_date + OWNERS_JOIN_WINDOW
                and (record.next_version_at is None or moment < record.next_version_at)
            ):
                changes[record.history_id].setdefault(OWNERS, []).append(change)
