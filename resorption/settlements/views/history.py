"""The history page of a site (issue 4, item 5; reference §C.8): every version, newest first, with its author, its
date and what changed, as « label : old → new ».

A version is every history row of one value of `Site.version`: a save and the `incoming_sites` change that follows it
in the same service call write two rows with the same version number. Owners' rows (`SiteOwner` history) and the
households' orientations (`ClosingOrientation` history, written by `site_close`) join the site version saved by the
same person just before them (the services save them in one transaction). Labels start with a capital, as the form's.

Confidential changes go through `confidential.strip_confidential`, like the site page: they are removed before
rendering, and the owners' history is not even read for a user who may not see owners. The orientations are not
confidential (§A.6): whoever reads the site reads them, on its page as in its history.
"""

import datetime
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import capfirst

from resorption.core.prepared import PreparedQueries
from resorption.settlements import confidential
from resorption.settlements.access import access_site
from resorption.settlements.history import (
    OWNERS,
    OWNERS_JOIN_WINDOW,
    Change,
    author_label,
    incoming_site_names,
    owner_changes,
    site_changes,
)
from resorption.settlements.models import ClosingOrientation, Site, SiteOwner
from resorption.settlements.services import EMPTY_VALUE, display_value

CLOSING_ORIENTATIONS = "closing_orientations"
# What a closing says of each orientation (§C.6), in the order of the close form.
ORIENTATION_FIELDS = [
    ClosingOrientation._meta.get_field(name) for name in ("people_affected", "households_affected", "message")
]


@dataclass
class Version:
    moment: datetime.datetime
    author: str
    author_id: int | None
    created: bool = False
    updated_at: datetime.date | None = None
    # field name (or "owners") → the changes of that field: the keys `strip_confidential` filters.
    changes: dict[str, list[Change]] = field(default_factory=dict)
    had_changes: bool = False
    shown: list[Change] = field(default_factory=list)

    @property
    def title(self) -> str:
        if self.created:
            return "Déclaration du site"
        if not self.had_changes:
            return "Mise à jour sans modification"
        return "Mise à jour"

    @property
    def back_dated_to(self) -> datetime.date | None:
        """The update date the author gave, when it is not the day it was saved (a back-dated update, §C.1)."""
        if self.updated_at is None or self.updated_at == timezone.localdate(self.moment):
            return None
        return self.updated_at


def site_history(request, pk: int):
    """Every version of the site, newest first. Out of the user's scope and missing look alike: 404."""
    site = access_site(request.user, pk, shape="commune")
    hidden = confidential.hidden_site_fields(user=request.user, commune=site.commune)

    records = _SITE_VERSIONS.fetch("page", _site_versions, site.pk)
    incoming = incoming_site_names(records, user=request.user)
    versions: list[Version] = []
    previous = None
    for _, group in groupby(records, key=lambda record: record.version):
        rows = list(group)
        first, last = rows[0], rows[-1]
        version = Version(
            moment=first.history_date,
            author=author_label(first.history_user),
            author_id=first.history_user_id,
            created=first.history_type == "+",
            updated_at=last.updated_at,
        )
        if previous is not None:
            version.changes = site_changes(previous, last, incoming)
        versions.append(version)
        previous = last

    if OWNERS not in hidden:
        _join_owners(versions, site_id=site.pk)
    _join_orientations(versions, site_id=site.pk)

    for version in versions:
        shown = confidential.strip_confidential(version.changes, user=request.user, commune=site.commune)
        version.shown = [change for changes in shown.values() for change in changes]
        # Decided on what the user sees: a version that changed only confidential data reads like any version
        # without visible change, so that it does not tell who touched the procedures or the owners, and when.
        version.had_changes = bool(version.shown)

    return render(
        request,
        "settlements/site_history.html",
        {"site": site, "versions": versions[::-1]},
    )


# The page's three history queries depend on the site's id alone: compiled once per process (resorption.core.prepared).
_SITE_VERSIONS = PreparedQueries("settlements.HistoricalSite", size=1)
_OWNER_VERSIONS = PreparedQueries("settlements.HistoricalSiteOwner", size=1)
_ORIENTATION_VERSIONS = PreparedQueries("settlements.HistoricalClosingOrientation", size=1)


def _site_versions(site_id: int) -> QuerySet:
    return (
        Site.history.filter(id=site_id)
        .select_related("history_user", "commune")
        .order_by("history_date", "history_id")
    )


def _versions_of_site_rows(model, site_id: int) -> QuerySet:
    """The saved versions of a site's owners or closing orientations, oldest first, with who saved them."""
    return model.history.filter(site_id=site_id).select_related("history_user").order_by("history_date", "history_id")


def _join_owners(versions: list[Version], *, site_id: int) -> None:
    """Adds each owner's change to the site version saved by the same person just before it, or makes it a version
    of its own (an owner edited alone)."""
    records = _OWNER_VERSIONS.fetch("page", lambda hole: _versions_of_site_rows(SiteOwner, hole), site_id)
    for record, change in owner_changes(records):
        _version_for(versions, record).changes.setdefault(OWNERS, []).append(change)


def _join_orientations(versions: list[Version], *, site_id: int) -> None:
    """Adds where the households went (§C.6 « Orientations des ménages ») to the closing version, one change per
    number or précision given, labelled by the orientation and the field: « Orientation des ménages « Mise à l'abri /
    hébergement d'urgence (CHU) » — Nombre de personnes : non renseigné → 12 »."""
    records = _ORIENTATION_VERSIONS.fetch(
        "page", lambda hole: _versions_of_site_rows(ClosingOrientation, hole), site_id
    )
    last_state: dict[int, Any] = {}
    for record in records:
        before = last_state.get(record.id)
        last_state[record.id] = record
        changes = _orientation_changes(
            None if before is None or before.history_type == "-" else before,
            None if record.history_type == "-" else record,
        )
        if changes:
            _version_for(versions, record).changes.setdefault(CLOSING_ORIENTATIONS, []).extend(changes)


def _orientation_changes(before, after) -> list[Change]:
    orientation = (after or before).get_solution_display()
    prefix = f"{capfirst(ClosingOrientation._meta.verbose_name)} « {orientation} »"
    changes = []
    for orientation_field in ORIENTATION_FIELDS:
        old = EMPTY_VALUE if before is None else display_value(before, orientation_field)
        new = EMPTY_VALUE if after is None else display_value(after, orientation_field)
        if old != new:
            changes.append(Change(f"{prefix} — {capfirst(orientation_field.verbose_name)}", old, new))
    return changes


def _version_for(versions: list[Version], record) -> Version:
    for version in reversed(versions):
        if version.moment <= record.history_date:
            if (
                version.author_id == record.history_user_id
                and record.history_date - version.moment <= OWNERS_JOIN_WINDOW
            ):
                return version
            break
    version = Version(
        moment=record.history_date, author=author_label(record.history_user), author_id=record.history_user_id
    )
    versions.append(version)
    versions.sort(key=lambda item: item.moment)
    return version
