"""A site's past states (reference §C.8), read from the django-simple-history tables (docs/decisions/0005).

Every save of a `Site`, `SiteOwner` or `ClosingOrientation` writes a version row; a change of `incoming_sites`
writes a site version too. The author of a version is `history_user`: services set `site._history_user` before
saving (the journal of changes shows who and when).
"""

import datetime
from dataclasses import dataclass

from resorption.core.prepared import PreparedQueries
from resorption.settlements.models import ClosingOrientation, Site, SiteOwner


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
