"""The map « Cartographie » (issue 11 item 2, reference §G): the page `/carte/`, the sites it draws
(`/carte/sites.json`), the panel of a site clicked (`/carte/sites/<id>/`) and the place search (`/carte/recherche/`).

Which sites the map shows is `settlements.filters.select_sites`, the list's own definition: the same query string gives
the same sites on the list, its printout and the map, and « Voir la liste » / « Voir sur la carte » carry it from one
to the other. The page's filters are a GET form of the list's parameters, so that it works without JavaScript.
"""

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET

from resorption.core.db import searches_planned_for_their_words
from resorption.core.navigation import url_maker
from resorption.maps import geocoding
from resorption.maps.selectors import TYPES, WATER, map_sites_json
from resorption.settlements import filters
from resorption.settlements.access import access_site
from resorption.settlements.enums import FieldType, LivingConditionStatus
from resorption.settlements.forms import SiteFilterForm
from resorption.settlements.models import STATUS_FIELDS

# The filters of §G the page shows, with the list's location and search; `statut` is drawn as two radios.
SHOWN_FILTERS = ("q", "localisation", "eau", "type", "population", "proprietaire")
# Shown in the « Filtres » accordion (the others stay in sight).
FOLDED_FILTERS = ("eau", "type", "population", "proprietaire")
# The list's other filters: kept as hidden fields when a link brought them, so that filtering again on the map keeps
# them, as « Voir la liste » does. The list's sort and page change nothing on the map.
NOT_KEPT = ("statut", "tri", "page", *SHOWN_FILTERS)
# The badge of a living-condition status, as on the site page.
BADGE_LEVELS = {
    LivingConditionStatus.GOOD: "success",
    LivingConditionStatus.TO_IMPROVE: "warning",
    LivingConditionStatus.BAD: "error",
    LivingConditionStatus.UNKNOWN: "info",
}
# The words of §G for water access (« Accès à l'eau : Oui / À améliorer / Non / Inconnu »), in `WATER` order.
WATER_LABELS = {
    LivingConditionStatus.GOOD: "Oui",
    LivingConditionStatus.TO_IMPROVE: "À améliorer",
    LivingConditionStatus.BAD: "Non",
    LivingConditionStatus.UNKNOWN: "Inconnu",
}


@dataclass(frozen=True)
class Badge:
    label: str
    level: str


def index(request: HttpRequest) -> HttpResponse:
    """The map of the sites the user sees, with the filters of §G. Every signed-in user opens it: one who may read no
    site sees an empty map, as he sees an empty list."""
    selection = filters.select_sites(request)
    state, tab = selection.state, selection.tab
    query = request.GET.urlencode()
    config = {
        "sitesUrl": f"{reverse('maps:sites')}?{query}",
        "panelUrl": url_maker("maps:site_panel", "pk")("{id}"),
        "tiles": {"url": settings.MAP_TILE_URL, "attribution": settings.MAP_TILE_ATTRIBUTION},
        # In the order of the document's indexes (`selectors.TYPES`, `selectors.WATER`).
        "types": [{"code": code, "label": FieldType(code).label} for code in TYPES],
        "water": [WATER_LABELS[LivingConditionStatus(code)] for code in WATER],
        "centre": geocoding.location_centre(selection.filters.get("localisation", "")),
    }
    return render(
        request,
        "maps/map.html",
        {
            # The filter panel is kept in the fragments cache under the key of everything it shows, as the list's is
            # (`filters.filter_state`): the form is built only when the panel is rendered.
            "filters_cache_key": state.key,
            "visible_fields": SimpleLazyObject(lambda: [state.form[name] for name in ("q", "localisation")]),
            "folded_fields": SimpleLazyObject(lambda: [state.form[name] for name in FOLDED_FILTERS]),
            # The accordion opens on the filters when one of them is in use.
            "folded_in_use": any(selection.filters.get(name) for name in FOLDED_FILTERS),
            "tabs": [
                {"value": value, "label": label, "checked": value == tab}
                for value, label in SiteFilterForm.base_fields["statut"].choices
            ],
            "kept": _kept_filters(selection.filters),
            "list_url": f"{reverse('settlements:list')}?{query}",
            "config": config,
            "types": [{"code": code, "label": FieldType(code).label} for code in TYPES],
        },
    )


def _kept_filters(cleaned: dict) -> list[tuple[str, str]]:
    """The list's filters the page does not show, as (name, value) pairs of hidden fields: their cleaned values only,
    never what the query string held."""
    pairs = []
    for name, value in cleaned.items():
        if name in NOT_KEPT:
            continue
        for each in value if isinstance(value, list) else [value]:
            if each not in ("", None):
                pairs.append((name, str(each)))
    return pairs


@searches_planned_for_their_words
def sites_json(request: HttpRequest) -> HttpResponse:
    """The sites the query string selects, as the map's compact document (`selectors.map_sites_json`)."""
    return HttpResponse(map_sites_json(request), content_type="application/json")


def site_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The summary of a site shown beside the map when its marker is clicked; 404 for a site out of sight."""
    site = access_site(request.user, pk, shape="commune")
    if site.is_closed:
        badges = [Badge("Résorbé", "success") if site.is_resorbed else Badge("Fermé", "info")]
    else:
        badges = [
            Badge(
                f"{section.label} : {LivingConditionStatus(getattr(site, field)).label.lower()}",
                BADGE_LEVELS[LivingConditionStatus(getattr(site, field))],
            )
            for section, field in STATUS_FIELDS.items()
        ]
    return render(
        request,
        "maps/includes/site_panel.html",
        {
            "site": site,
            "commune": f"{site.commune.name} ({site.commune.departement_id})",
            "field_type": site.get_field_type_display(),
            "population": "Inconnu" if site.population_total is None else site.population_total,
            "badges": badges,
            "updated_at": date_format(site.updated_at, "j F Y"),
            "closed_at": date_format(site.closed_at, "j F Y") if site.closed_at else "",
        },
    )


@require_GET
@searches_planned_for_their_words
def place_search(request: HttpRequest) -> HttpResponse:
    """Places matching `?q=` to centre the map on (`geocoding.geocode`), as the list of buttons under the search
    field."""
    query = request.GET.get("q", "")
    results = geocoding.geocode(query)
    return render(request, "maps/includes/search_results.html", {"results": results, "searched": bool(query.strip())})
