"""Where to centre the map for what a user types: a région, a département, an intercommunality, a commune, or an
address (reference §G « recherche par adresse / commune / département »).

`geocode(query)` answers first from our own territories (`search_territory_places`: no outside call, always on), then,
when `settings.ADDRESS_API_URL` is set, from the national address API (`search_addresses`: the BAN, or the IGN
geocoder which answers in the same format). The address API is an outside system: it is called from the server with
the words typed and nothing else (no user, no site), with a short timeout, and its failure only leaves the territories.

Régions and départements are centred on their chef-lieu (`territories.centres`). Communes and intercommunalities have
no coordinates of their own in our data: a result for one names the map's location filter that shows its sites
(`location`, the list's `localisation` value), the map then fits them, and its département's chef-lieu is where the
map goes when none is shown.
"""

import json
import logging
import math
from dataclasses import dataclass
from urllib.error import URLError
from urllib.parse import urlencode, urlsplit
from urllib.request import Request, urlopen

from django.conf import settings

from resorption.settlements.forms import Location
from resorption.territories.centres import DEPARTEMENT_CENTRES, REGION_CENTRES
from resorption.territories.enums import TerritoryLevel
from resorption.territories.models import Commune, Epci, clean_search_term
from resorption.territories.selectors import search_territories

logger = logging.getLogger(__name__)

# The zoom level (Leaflet's, 0 = the world) the map shows each kind of place at.
ZOOMS = {
    TerritoryLevel.REGION: 8,
    TerritoryLevel.DEPARTEMENT: 9,
    TerritoryLevel.EPCI: 11,
    TerritoryLevel.COMMUNE: 12,
    # The BAN's result types.
    "municipality": 13,
    "locality": 15,
    "street": 16,
    "housenumber": 17,
}
ADDRESS_KIND = "adresse"
# Where the map opens when no site is drawn and no territory is chosen: the whole métropole.
FRANCE = (46.6, 2.4, 6)
TERRITORY_RESULTS = 6
ADDRESS_RESULTS = 5
# The BAN refuses a query shorter than 3 characters, and one longer than 200.
ADDRESS_MIN_LENGTH = 3
ADDRESS_API_TIMEOUT_SECONDS = 3
# A larger answer is not the address API's: it is not read.
ADDRESS_API_MAX_BYTES = 200_000


@dataclass(frozen=True)
class Result:
    """A place to show: its label, what it is (a territory level or « adresse »), a point and a zoom level; for a
    territory without coordinates, the location filter value showing its sites."""

    label: str
    kind: str
    latitude: float
    longitude: float
    zoom: int
    location: str = ""


def geocode(query: str) -> list[Result]:
    """The places matching `query`: our territories, then addresses when the address API is set."""
    results = search_territory_places(query)
    if settings.ADDRESS_API_URL:
        results += search_addresses(query, url=settings.ADDRESS_API_URL)
    return results


def search_territory_places(query: str, *, limit: int = TERRITORY_RESULTS) -> list[Result]:
    """Régions, départements, intercommunalities and communes matching `query` (`territories.selectors`), with where
    the map goes for each. Six queries at most: one per level (the search), and the départements of the communes and
    of the intercommunalities found."""
    found = search_territories(query, limit=limit)
    communes = dict(
        Commune.objects.filter(code__in=[each.code for each in found if each.level == TerritoryLevel.COMMUNE])
        .order_by()
        .values_list("code", "departement_id")
    )
    epcis: dict[str, str] = {}
    for code, departement in (
        Epci.departements.through.objects.filter(
            epci_id__in=[each.code for each in found if each.level == TerritoryLevel.EPCI]
        )
        .order_by("departement_id")
        .values_list("epci_id", "departement_id")
    ):
        epcis.setdefault(code, departement)
    results = []
    for territory in found:
        level = TerritoryLevel(territory.level)
        label = f"{territory.label} — {territory.level_label}"
        if level == TerritoryLevel.REGION:
            point, location = REGION_CENTRES.get(territory.code), ""
        elif level == TerritoryLevel.DEPARTEMENT:
            point, location = DEPARTEMENT_CENTRES.get(territory.code), ""
        else:
            departement = (communes if level == TerritoryLevel.COMMUNE else epcis).get(territory.code)
            point, location = DEPARTEMENT_CENTRES.get(departement or ""), f"{level.value}-{territory.code}"
        if point is None:  # a territory of a collectivité our table does not place
            continue
        results.append(Result(label, level.value, point[0], point[1], ZOOMS[level], location))
    return results


def search_addresses(query: str, *, url: str, limit: int = ADDRESS_RESULTS) -> list[Result]:
    """Addresses matching `query` from the address API at `url` (GeoJSON features with a `label`, a `type` and a point,
    as the BAN answers). Nothing when the API fails, answers something else or is too slow: the search then shows the
    territories alone, and the failure is logged."""
    query = clean_search_term(query)
    if len(query) < ADDRESS_MIN_LENGTH:
        return []
    address = f"{url}{'&' if urlsplit(url).query else '?'}{urlencode({'q': query, 'limit': limit})}"
    request = Request(address, headers={"Accept": "application/json"})
    try:
        with urlopen(request, timeout=ADDRESS_API_TIMEOUT_SECONDS) as response:  # noqa: S310 (the URL is a setting)
            body = response.read(ADDRESS_API_MAX_BYTES + 1)
        if len(body) > ADDRESS_API_MAX_BYTES:
            raise ValueError("answer too large")
        features = json.loads(body)["features"]
        if not isinstance(features, list):
            raise ValueError("features is not a list")
    except (URLError, OSError, ValueError, KeyError, TypeError) as error:
        logger.warning("address API failed", extra={"error": repr(error)[:200]})
        return []
    return [result for feature in features[:limit] if (result := _address_result(feature)) is not None]


def _address_result(feature) -> Result | None:
    """A feature of the answer as a result, or None when it is not a labelled point within the world's bounds."""
    try:
        properties, geometry = feature["properties"], feature["geometry"]
        longitude, latitude = (float(value) for value in geometry["coordinates"][:2])
        label = str(properties["label"])[:200]
        kind = str(properties.get("type", ""))
    except (KeyError, TypeError, ValueError, IndexError):
        return None
    if not (math.isfinite(latitude) and math.isfinite(longitude)) or abs(latitude) > 90 or abs(longitude) > 180:
        return None
    if not label.strip():
        return None
    return Result(label, ADDRESS_KIND, latitude, longitude, ZOOMS.get(kind, ZOOMS["street"]))


def location_centre(value: str) -> tuple[float, float, int]:
    """Where the map opens for the location filter `value` (the list's `localisation`) when it draws no site: the
    chosen territory's chef-lieu, its département's for a commune or an intercommunality, else the métropole."""
    level, code = Location.parse(value)
    if level == Location.REGION and code in REGION_CENTRES:
        return (*REGION_CENTRES[code], ZOOMS[TerritoryLevel.REGION])
    if level in (Location.COMMUNE, Location.EPCI):
        found = (
            Commune.objects.filter(code=code).values_list("departement_id", flat=True)
            if level == Location.COMMUNE
            else Epci.departements.through.objects.filter(epci_id=code)
            .order_by("departement_id")
            .values_list("departement_id", flat=True)
        )
        code = found.first() or ""
    if code in DEPARTEMENT_CENTRES:
        return (*DEPARTEMENT_CENTRES[code], ZOOMS[TerritoryLevel.DEPARTEMENT])
    return FRANCE
