"""What the map draws: the sites a query string selects (`settlements.filters.select_sites`, the list's own
definition), as one compact JSON document.

The document holds, for each site, only what its marker shows: its id (to open its panel, which checks again who may
read it), its point rounded to five decimals (about a metre), its type, its water access and its population — as
arrays, with the type and water access as indexes into the lists given once at the top:

    {"types": ["unknown", "land", "building"], "water": ["good", "to_improve", "bad", "unknown"],
     "sites": [[12, 44.836, -0.548, 1, 2, 62], …]}

Nothing confidential is read (no justice, owner or finance column), whoever asks: the columns are fixed here. At
national scale (5,000 open sites) the document weighs about 170 KB.
"""

import hashlib
import json

from django.core.cache import caches
from django.http import HttpRequest

from resorption.accounts import permissions
from resorption.settlements import filters
from resorption.settlements.enums import FieldType, LivingConditionSection, LivingConditionStatus
from resorption.settlements.forms import JUSTICE_FILTERS
from resorption.settlements.history import latest_site_version
from resorption.settlements.models import STATUS_FIELDS

COORDINATE_DECIMALS = 5
TYPES: tuple[str, ...] = tuple(FieldType.values)
WATER: tuple[str, ...] = tuple(LivingConditionStatus.values)
_TYPE_INDEX = {value: index for index, value in enumerate(TYPES)}
_WATER_INDEX = {value: index for index, value in enumerate(WATER)}
COLUMNS = (
    "pk",
    "latitude",
    "longitude",
    "field_type",
    STATUS_FIELDS[LivingConditionSection.WATER],
    "population_total",
)
# Filters that change nothing the map shows: the list's sort and page.
NOT_SHOWN = ("tri", "page")
# How long a process may keep a document once a newer site version exists without having been seen (a change
# committed out of order: see `settlements.history.latest_site_version`).
DOCUMENT_SECONDS = 120


def map_sites_json(request: HttpRequest) -> bytes:
    """The map's document for the request's query string (see the module docstring)."""
    selection = filters.select_sites(request)
    return _cached_document(selection, user=request.user)


def _cached_document(selection: filters.SiteSelection, *, user) -> bytes:
    """The document kept per process for everyone who sees the same sites (`permissions.visible_sites_key`) with the
    same filters — and, with a justice filter, for the same user alone, since it reads his rights. It is rebuilt when
    a site changed: every declaration, update, closing or deletion writes a site version (django-simple-history), and
    the document remembers the latest version id it was built after. The key leaves the version out, so that a site
    changed replaces the documents of the map instead of adding new ones to the process's memory."""
    shown = tuple(
        sorted((name, filters.comparable(value)) for name, value in selection.filters.items() if name not in NOT_SHOWN)
    )
    reads_rights = any(selection.filters.get(name) for name in JUSTICE_FILTERS)
    key = (
        "map-sites:"
        + hashlib.sha256(
            repr((permissions.visible_sites_key(user), shown, user.pk if reads_rights else None)).encode()
        ).hexdigest()
    )
    version = latest_site_version()
    kept = caches["fragments"].get(key)
    if kept is not None and kept[0] == version:
        return kept[1]
    document = build_document(selection.sites.order_by("pk").values_list(*COLUMNS))
    caches["fragments"].set(key, (version, document), DOCUMENT_SECONDS)
    return document


def build_document(rows) -> bytes:
    """The JSON document of `rows` (tuples of `COLUMNS`). Each marker is written by one f-string, its point with
    `COORDINATE_DECIMALS` fixed decimals: a third faster than `json.dumps` of rounded floats, which was most of the
    time to build the national document (5,000 sites). Every value is a number the database typed (ids, floats,
    counts) or an index: nothing here needs JSON escaping."""
    unknown_type, unknown_water = _TYPE_INDEX[FieldType.UNKNOWN], _WATER_INDEX[LivingConditionStatus.UNKNOWN]
    types, water_index = _TYPE_INDEX, _WATER_INDEX
    markers = ",".join(
        f"[{pk},{latitude:.5f},{longitude:.5f},{types.get(field_type, unknown_type)},"
        f"{water_index.get(water, unknown_water)},{'null' if population is None else population}]"
        for pk, latitude, longitude, field_type, water, population in rows
    )
    head = json.dumps({"types": TYPES, "water": WATER}, separators=(",", ":"))[:-1]
    return f'{head},"sites":[{markers}]}}'.encode()
