"""The one definition of « these sites » shared by the list, its printout, the map and the exports (issue 11 item 1).

Every filter is a GET parameter (see `forms.SiteFilterForm`), combined with AND between filters and OR between the
values ticked within one filter. `select_sites(request)` starts from `Site.objects.visible_to(user)`, so nothing
built on it ever includes a site the user may not see; justice filters only ever match sites whose justice data the
user may read, so that filtering cannot reveal a procedure on any other site. The same query string therefore gives
the same sites on every page that reads it.
"""

import hashlib
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.core.cache import caches
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import HttpRequest, QueryDict
from django.utils.functional import SimpleLazyObject

from resorption.accounts import permissions
from resorption.accounts.enums import AreaType
from resorption.core.text import normalize_search
from resorption.settlements import forms
from resorption.settlements.enums import LivingConditionSection, LivingConditionStatus
from resorption.settlements.models import STATUS_FIELDS, Site, SiteActor
from resorption.territories.enums import OVERSEAS_REGION_CODES
from resorption.territories.location import Territories, sites_in_q
from resorption.territories.models import Commune, Departement, Epci

DEPARTEMENTS_CACHE_SECONDS = 60
# How long a process keeps the cleaned values of a list's filters (`filter_state`; they change only with the code).
FILTER_VALUES_SECONDS = 300
# Parameters that are not filters: they do not make the list « filtered ».
NOT_FILTERS = ("statut", "tri", "page")
SEARCH_MAX_WORDS = 10
ORIGIN_Q = {
    "francais": Q(origin_french=True),
    "europeens": Q(origin_european=True),
    "extracommunautaires": Q(origin_extra_european=True),
    # §C.9 « ressortissants européens uniquement »: European nationals and no one else.
    forms.EUROPEANS_ONLY: Q(origin_european=True, origin_french=False, origin_extra_european=False),
    # No origin ticked is how the form records « inconnues ».
    forms.ORIGINS_UNKNOWN: Q(origin_french=False, origin_european=False, origin_extra_european=False),
}
JUSTICE_Q = {
    "plainte": Q(owner_complaint=True),
    "procedure": Q(justice_procedure=True),
    "decision": Q(justice_rendered=True),
    "aucune": Q(justice_procedure=False) & ~Q(owner_complaint=True),
    "inconnu": Q(justice_procedure__isnull=True) & ~Q(owner_complaint=True),
}
OUTCOME_Q = {
    forms.OUTCOME_RESORBED: Q(closed_with_solutions=True),
    forms.OUTCOME_CLOSED: ~Q(closed_with_solutions=True),
}
SORTS = {
    forms.Sort.UPDATED: ("-updated_at", "-pk"),
    forms.Sort.COMMUNE: ("commune__name", "address", "pk"),
    forms.Sort.POPULATION: (F("population_total").desc(nulls_last=True), "-pk"),
    forms.Sort.DECLARED: ("-declared_at", "-pk"),
}
BAD_OR_UNKNOWN = (LivingConditionStatus.BAD, LivingConditionStatus.UNKNOWN)
WATER_FIELD = STATUS_FIELDS[LivingConditionSection.WATER]


@dataclass(frozen=True)
class _Territory:
    """A région or a département offered by the location filter: its code, and its name as `str()` gives it."""

    code: str
    label: str

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class SiteSelection:
    """The sites a request's filters select among those its user sees, with what was read to select them."""

    sites: QuerySet[Site]
    filters: dict  # the cleaned filter values
    tab: str  # forms.Tab: existing or closed sites
    state: "FilterState"


def select_sites(request: HttpRequest) -> SiteSelection:
    """The visible sites the query string's filters select: what the list, its printout, the map and the exports
    show for the same query string."""
    user = request.user
    state = filter_state(request)
    filters = state.cleaned_data
    tab = forms.SiteFilterForm.tab_of(filters)
    sites = filter_sites(Site.objects.visible_to(user), filters, tab=tab, user=user)
    return SiteSelection(sites=sites, filters=filters, tab=tab, state=state)


@dataclass(frozen=True)
class FilterState:
    """The list's filters as its page needs them: the cleaned values, the key of everything the filter panel shows
    (`key`: its rendering is kept in the fragments cache), the default location, and the bound filter form — built
    only when the panel must be rendered again (`form` is lazy when the values came from the cache)."""

    cleaned_data: dict
    key: str
    default_location: str
    form: forms.SiteFilterForm


def filter_state(request: HttpRequest) -> FilterState:
    """`filter_form`'s values without building the form when the same filters were cleaned a moment ago: binding and
    cleaning the dozen filter fields (their choices copied for each form) was a tenth of the list's CPU. The key is
    derived from everything the form is built from — the query string with the default location, the départements
    and régions offered, an EPCI or commune chosen, the justice filters — so a cached value is the form's own."""
    inputs = _filter_inputs(request)
    key = hashlib.sha256(repr(inputs).encode()).hexdigest()
    cleaned = caches["fragments"].get(f"list-filter-values:{key}")
    if cleaned is None:
        form = _bound_filter_form(inputs)
        cleaned = form.cleaned_data
        caches["fragments"].set(f"list-filter-values:{key}", cleaned, FILTER_VALUES_SECONDS)
    else:
        form = SimpleLazyObject(lambda: _bound_filter_form(inputs))
    return FilterState(cleaned_data=cleaned, key=key, default_location=inputs.default_location, form=form)


def filter_form(request: HttpRequest) -> tuple[forms.SiteFilterForm, str]:
    """The list's filter form bound to the query string, and the default location: without a `localisation`
    parameter, the list opens on the user's main intervention area (§C.9); "Tous vos territoires" is an explicit
    empty value."""
    inputs = _filter_inputs(request)
    return _bound_filter_form(inputs), inputs.default_location


@dataclass(frozen=True)
class _FilterInputs:
    """Everything the filter form is built from (its `repr` is the filter state's cache key)."""

    query: tuple[tuple[str, tuple[str, ...]], ...]  # the query string's values, the default location added
    departements: tuple[tuple[str, str, str, str], ...]  # code, name, région code, région name
    extra_location: tuple[str, str] | None
    with_justice: bool
    default_location: str


def _filter_inputs(request: HttpRequest) -> _FilterInputs:
    user = request.user
    visible = Site.objects.visible_to(user)
    default_location = main_area_location(user)
    query = request.GET
    if "localisation" not in query and default_location:
        query = query.copy()
        query["localisation"] = default_location
    # Read as plain values: a hundred départements and their régions built as model instances cost more than the
    # query itself, and the form only needs their codes and names. Kept a minute per process for everyone who sees
    # the same sites (2 ms of SQL on every list page at national scale): a site declared in a new département is
    # offered in the filter within the minute.
    key = "list-departements:" + hashlib.sha256(permissions.visible_sites_key(user).encode()).hexdigest()
    rows = caches["fragments"].get(key)
    if rows is None:
        rows = list(
            Departement.objects.filter(Exists(visible.filter(commune__departement_id=OuterRef("code"))))
            .order_by("code")
            .values_list("code", "name", "region_id", "region__name")
        )
        caches["fragments"].set(key, rows, DEPARTEMENTS_CACHE_SECONDS)
    return _FilterInputs(
        query=tuple((name, tuple(values)) for name, values in sorted(query.lists())),
        departements=tuple(tuple(row) for row in rows),
        extra_location=_epci_or_commune_choice(query.get("localisation", "")),
        with_justice=permissions.resolve(user, "shantytown_justice.access").anywhere,
        default_location=default_location,
    )


def _bound_filter_form(inputs: _FilterInputs) -> forms.SiteFilterForm:
    departements = [_Territory(code, f"{name} ({code})") for code, name, _, _ in inputs.departements]
    regions = sorted({_Territory(code, name) for _, _, code, name in inputs.departements}, key=lambda each: each.label)
    query = QueryDict(mutable=True)
    for name, values in inputs.query:
        query.setlist(name, list(values))
    return forms.SiteFilterForm.from_query(
        query,
        regions=regions,
        departements=departements,
        extra_location=inputs.extra_location,
        with_justice=inputs.with_justice,
    )


def main_area_location(user) -> str:
    """The location filter value of the user's main intervention area ("" — every territory — for a national one)."""
    area = permissions.main_intervention_area(user)
    if area is None or area[0] == AreaType.NATION:
        return ""
    area_type, code = area
    if area_type == AreaType.DEPARTEMENT:
        return code
    return f"{area_type}-{code}"


def _epci_or_commune_choice(value: str) -> tuple[str, str] | None:
    level, code = forms.Location.parse(value)
    model = {forms.Location.EPCI: Epci, forms.Location.COMMUNE: Commune}.get(level)
    territory = model.objects.filter(code=code).first() if model else None
    return (value, str(territory)) if territory else None


def filter_sites(sites: QuerySet[Site], filters: dict, *, tab: str, user) -> QuerySet[Site]:
    """`sites` narrowed by the tab and the cleaned filters. Filters of the other tab are ignored."""
    sites = sites.open() if tab == forms.Tab.OPEN else sites.closed()
    conditions = [
        _location_q(filters.get("localisation", "")),
        *(_word_q(word) for word in filters.get("q", "").split()[:SEARCH_MAX_WORDS]),
        _any(_population_q(value) for value in filters.get("population", [])),
        _any(Q(field_type=value) for value in filters.get("type", [])),
        _any(ORIGIN_Q[value] for value in filters.get("origines", [])),
        _yes_no_q(filters.get("objectif", ""), Q(resorption_target__isnull=False)),
        _any(Q(**{WATER_FIELD: value}) for value in filters.get("eau", [])),
        _any(Q(owner_type=value) for value in filters.get("proprietaire", [])),
    ]
    if tab == forms.Tab.OPEN:
        conditions += [
            _any(
                Q(**{f"{STATUS_FIELDS[LivingConditionSection(value)]}__in": BAD_OR_UNKNOWN})
                for value in filters.get("conditions", [])
            ),
            _yes_no_q(filters.get("intervenants", ""), Exists(SiteActor.objects.filter(site=OuterRef("pk")))),
            _yes_no_q(filters.get("canicule", ""), Q(heatwave=True)),
        ]
    else:
        conditions += [
            _any(Q(closing_cause=value) for value in filters.get("cause", [])),
            _any(OUTCOME_Q[value] for value in filters.get("issue", [])),
        ]
    justice = [
        _any(JUSTICE_Q[value] for value in filters.get("justice", [])),
        _any(_order_q("evacuation_under_time_limit", value) for value in filters.get("arrete", [])),
        _any(_order_q("insalubrity_order", value) for value in filters.get("rhi", [])),
    ]
    if any(justice):
        # Only sites whose procedures the user may read can match a justice filter (§A.6).
        conditions += [*justice, permissions.sites_q(user, "shantytown_justice.access")]
    return sites.filter(*(condition for condition in conditions if condition))


def _any(conditions) -> Q:
    """The OR of the conditions; an empty Q (no filter) when there are none."""
    return reduce(or_, conditions, Q())


def _location_q(value: str) -> Q:
    """Sites in the chosen territory (`territories.location`); a city with arrondissements takes in the sites of
    each of them."""
    level, code = forms.Location.parse(value)
    overseas = Territories(regions=OVERSEAS_REGION_CODES)
    if level == forms.Location.METROPOLE:
        return ~sites_in_q(overseas)
    if level == forms.Location.OVERSEAS:
        return sites_in_q(overseas)
    if level in (forms.Location.REGION, forms.Location.EPCI, forms.Location.COMMUNE, "departement"):
        return sites_in_q(Territories.of(level, [code]))
    return Q()


def _word_q(word: str) -> Q:
    """One word of the search, accents and case aside: in the address or the name, in the commune's or the
    département's name, or a postal code of the commune — all in `Site.search_text`, so that on PostgreSQL a word is
    one trigram index scan."""
    key = normalize_search(word)
    if not key:  # punctuation alone: not a word
        return Q()
    return Q(search_text__contains=key)


def _population_q(value: str) -> Q:
    if value == forms.POPULATION_UNKNOWN:
        return Q(population_total__isnull=True)
    _, low, high = forms.POPULATION_RANGES[value]
    condition = Q(population_total__isnull=False)
    if low is not None:
        condition &= Q(population_total__gte=low)
    if high is not None:
        condition &= Q(population_total__lte=high)
    return condition


def _yes_no_q(value: str, yes: Q) -> Q:
    if value == "oui":
        return yes
    if value == "non":
        return ~yes
    return Q()


def _order_q(field: str, value: str) -> Q:
    """An administrative order (evacuation or insalubrity): « en cours », « aucun » or unknown."""
    if value == "inconnu":
        return Q(**{f"{field}__isnull": True})
    return Q(**{field: value == "oui", f"{field}__isnull": False})


def comparable(value: Any) -> Any:
    """A cleaned filter value as a part of a cache key: lists and sets sorted, model instances by their id (the
    list's summary and the map's document are kept per filters)."""
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(sorted(repr(comparable(each)) for each in value))
    return getattr(value, "pk", value)
