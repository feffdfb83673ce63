"""The site list (issue 4, item 9; reference §C.9): two tabs, location, search, filters, sorts, pagination.

Every filter is a GET parameter (see `forms.SiteFilterForm`), combined with AND between filters and OR between the
values ticked within one filter. The list starts from `Site.objects.visible_to(user)`, so the counts, the summary and
the départements offered never include a site the user may not see; justice filters only ever match sites whose
justice data the user may read, so that filtering cannot reveal a procedure on any other site.
"""

import datetime
import hashlib
from dataclasses import dataclass
from functools import cached_property, lru_cache, reduce
from operator import or_
from typing import Any

from django.core.cache import caches
from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.encoding import force_str
from django.utils.formats import date_format
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language

from resorption.accounts import permissions
from resorption.accounts.enums import AreaType
from resorption.core.db import searches_planned_for_their_words
from resorption.core.navigation import url_maker
from resorption.core.pagination import pagination_links
from resorption.core.prepared import PreparedQueries
from resorption.core.text import normalize_search
from resorption.settlements import forms
from resorption.settlements.enums import LivingConditionSection, LivingConditionStatus, SiteStatus
from resorption.settlements.models import STATUS_FIELDS, Site, SiteActor, simple_address
from resorption.settlements.views.detail import STATUS_BADGES
from resorption.territories.enums import OVERSEAS_REGION_CODES
from resorption.territories.location import Territories, sites_in_q
from resorption.territories.models import Commune, Departement, Epci

PAGE_SIZE = 30
# How long a list's summary line is kept per process at most (`summary_of`).
SUMMARY_SECONDS = 120
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
# What a row shows (`list_row`, `with_row_data`), read as plain values: a site has about 110 columns, and building 30
# sites as model instances, even deferred to these columns, cost more than the rest of the rows' work
# (docs/decisions/0010-template-engine.md).
LIST_COLUMNS = (
    "pk",
    "address",
    "name",
    "heatwave",
    "commune__name",
    "commune__departement_id",
    "population_total",
    "field_type",
    "status",
    "closed_at",
    "closing_cause",
    "closed_with_solutions",
    "updated_at",
    *STATUS_FIELDS.values(),
)
_FIELD_TYPES = dict(Site._meta.get_field("field_type").flatchoices)
_CLOSING_CAUSES = dict(Site._meta.get_field("closing_cause").flatchoices)


@dataclass(frozen=True)
class Badge:
    label: str
    level: str


# The badge of each (section, status) pair, worded once rather than for each of 6 sections × 30 rows.
CONDITION_BADGES = {
    (section, status): Badge(f"{section.label} : {status.label.lower()}", STATUS_BADGES[status])
    for section in STATUS_FIELDS
    for status in LivingConditionStatus
}


@dataclass(frozen=True)
class _Territory:
    """A région or a département offered by the location filter: its code, and its name as `str()` gives it."""

    code: str
    label: str

    def __str__(self) -> str:
        return self.label


class _CountedPaginator(Paginator):
    """A paginator told the number of rows, which the summary query already counted."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


@searches_planned_for_their_words
def site_list(request: HttpRequest) -> HttpResponse:
    """The sites the user sees, existing or closed, filtered, sorted and paginated (30 per page)."""
    user = request.user
    visible = Site.objects.visible_to(user)
    state = filter_state(request)
    filters = state.cleaned_data
    tab = forms.SiteFilterForm.tab_of(filters)
    sites = filter_sites(visible, filters, tab=tab, user=user)
    summary = summary_of(sites, user=user, filters=filters)
    ordered = with_row_data(sites).order_by(*SORTS[filters.get("tri") or forms.Sort.UPDATED])
    page = _CountedPaginator(ordered, PAGE_SIZE, count=summary["sites"]).get_page(request.GET.get("page"))
    site_url = url_maker("settlements:detail", "pk")
    return render(
        request,
        "settlements/site_list.html",
        {
            "form": state.form,
            "tab": tab,
            "is_open_tab": tab == forms.Tab.OPEN,
            "tabs": _tabs(request.GET, tab),
            "summary": {key: value or 0 for key, value in summary.items()},
            "rows": [
                {"html": row_html(list_row(site, url=site_url(site["pk"])), is_open_tab=tab == forms.Tab.OPEN)}
                for site in page
            ],
            "page": page,
            "pagination": pagination_links(request.GET, page),
            "filters_cache_key": state.key,
            "filtered": any(
                value
                for name, value in filters.items()
                if name not in NOT_FILTERS and not (name == "localisation" and value == state.default_location)
            ),
            "clear_url": "?" + QueryDict.fromkeys(["statut"], tab).urlencode(),
            # Read only when the filter panel is rendered, not when it comes from the fragments cache.
            "tab_fields": SimpleLazyObject(lambda: [state.form[name] for name in _tab_filters(tab)]),
            "justice_fields": SimpleLazyObject(
                lambda: [state.form[name] for name in forms.JUSTICE_FILTERS if name in state.form.fields]
            ),
            # Who may not declare a site may still report one to the admins (§C.11).
            "can_declare_site": permissions.can_declare_site(user),
            "can_report_site": permissions.can_report_site(user),
        },
    )


def summarize(sites: QuerySet[Site]) -> dict:
    """Number of sites, people and minors of a filtered list. `Count("*")` rather than the primary key lets
    PostgreSQL answer from the `site_summary_filters_idx` index alone when no join is needed (docs/benchmarks.md)."""
    return sites.aggregate(sites=Count("*"), people=Sum("population_total"), minors=Sum("population_minors"))


def summary_of(sites: QuerySet[Site], *, user, filters: dict) -> dict:
    """`summarize(sites)` kept per process for the same visible sites (`permissions.visible_sites_key`), filters (and,
    with a justice filter, the same user: it reads his rights) and site data. The closed tab summed 25,000 sites on
    every request (9–19 ms of SQL at national scale, read again whatever page or sort was asked). The site data is
    named by the latest site version's id: every declaration, update, closing or deletion writes a version
    (django-simple-history), and reading it is one step down the versions' primary key. A change committed out of
    order can leave a summary a version late: it is kept `SUMMARY_SECONDS` at most."""
    shown = tuple(sorted((name, _comparable(value)) for name, value in filters.items() if name not in ("tri", "page")))
    reads_rights = any(filters.get(name) for name in forms.JUSTICE_FILTERS)
    key = (
        "list-summary:"
        + hashlib.sha256(
            repr(
                (permissions.visible_sites_key(user), shown, user.pk if reads_rights else None, _latest_site_version())
            ).encode()
        ).hexdigest()
    )
    summary = caches["fragments"].get(key)
    if summary is None:
        summary = summarize(sites)
        caches["fragments"].set(key, summary, SUMMARY_SECONDS)
    return summary


def _comparable(value: Any) -> Any:
    """A filter value as a key part: lists and sets sorted, model instances by their id."""
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(sorted(repr(_comparable(each)) for each in value))
    return getattr(value, "pk", value)


_LATEST_VERSION = PreparedQueries(Site.history.model, size=1)


def _latest_site_version() -> int | None:
    """The id of the latest site version (one row read from the end of the versions' primary key index)."""
    found = _LATEST_VERSION.fetch(
        "latest", lambda: Site.history.model.objects.order_by("-history_id").values_list("history_id", flat=True)[:1]
    )
    return found[0] if found else None


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
    default_location = _main_area_location(user)
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


def _main_area_location(user) -> str:
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


def _tab_filters(tab: str) -> tuple[str, ...]:
    return forms.OPEN_ONLY_FILTERS if tab == forms.Tab.OPEN else forms.CLOSED_ONLY_FILTERS


def _tabs(query: QueryDict, current: str) -> list[dict]:
    """The two tabs, each keeping the filters both tabs share."""
    tabs = []
    for value, label in ((forms.Tab.OPEN, "Sites existants"), (forms.Tab.CLOSED, "Sites fermés ou résorbés")):
        kept = query.copy()
        for name in ("statut", "page", *forms.OPEN_ONLY_FILTERS, *forms.CLOSED_ONLY_FILTERS):
            kept.pop(name, None)
        kept["statut"] = value
        tabs.append({"label": label, "url": f"?{kept.urlencode()}", "current": value == current})
    return tabs


def with_row_data(sites: QuerySet[Site]) -> QuerySet:
    """`sites` as dicts of what `list_row` reads and nothing else (`LIST_COLUMNS`)."""
    return sites.values(*LIST_COLUMNS)


def list_row(site: dict[str, Any], *, url: str = "") -> dict[str, Any]:
    """One line of the list (and of its printout) with its values already in words, from a site's values
    (`with_row_data`). A dict rather than the site itself: the template reads a dict key at once, while each
    `row.site.commune.name` tries a key, an attribute and an index on every object of the chain — most of the list's
    rendering time (docs/decisions/0010-template-engine.md)."""
    population = site["population_total"]
    row = {
        "url": url,
        "address": simple_address(site["address"]),
        "name": site["name"],
        "heatwave": site["heatwave"],
        "commune": f"{site['commune__name']} ({site['commune__departement_id']})",
        "population": "Inconnu" if population is None else population,
        "field_type": force_str(_FIELD_TYPES.get(site["field_type"], site["field_type"])),
        "updated_at": _day(site["updated_at"], get_language()),
    }
    if site["status"] == SiteStatus.CLOSED:
        closed_at, cause = site["closed_at"], site["closing_cause"]
        row |= {
            "conditions": [],
            # « Résorbé » iff declared resorbed for good (`Site.is_resorbed`).
            "is_resorbed": site["closed_with_solutions"] is True,
            "closed_at": _day(closed_at, get_language()) if closed_at else "",
            "closing_cause": force_str(_CLOSING_CAUSES.get(cause, cause)) if cause else "",
        }
    else:
        statuses = tuple(site[field] for field in STATUS_FIELDS.values())
        row |= {
            "conditions": [CONDITION_BADGES[pair] for pair in zip(STATUS_FIELDS, statuses, strict=True)],
            "conditions_badges": conditions_badges(statuses),
        }
    return row


# What a row of the list's table shows (`list_table.html#row`), in the order of `row_html`'s cache key.
ROW_SHOWN = (
    "url",
    "address",
    "name",
    "heatwave",
    "commune",
    "population",
    "field_type",
    "conditions_badges",
    "is_resorbed",
    "closed_at",
    "closing_cause",
    "updated_at",
)


def row_html(row: dict[str, Any], *, is_open_tab: bool) -> str:
    """A row of the list's table, rendered once per content and process: the markup depends on the row's values
    alone (no user: the URL is the site's, every value is already in words), and most people open the same first
    pages, so thirty rows are thirty look-ups instead of thirty renderings."""
    return _row_html(tuple(row.get(name, "") for name in ROW_SHOWN), is_open_tab)


@lru_cache(maxsize=4096)
def _row_html(values: tuple, is_open_tab: bool) -> str:
    return render_to_string(
        "settlements/includes/list_table.html#row",
        {"row": dict(zip(ROW_SHOWN, values, strict=True)), "is_open_tab": is_open_tab},
    )


@lru_cache(maxsize=4096)
def _day(day: datetime.date, language: str) -> str:
    """« 3 décembre 2026 »: formatted once per day and language — a page of rows repeats a few days, and formatting
    one costs more than the rest of its row."""
    return date_format(day, "j F Y")


@lru_cache(maxsize=1024)
def conditions_badges(statuses: tuple[str, ...]) -> str:
    """The badges group of a row's six living-condition statuses (in `STATUS_FIELDS` order), rendered once per
    combination and process. It depends on the statuses alone — no site, no user — so the same HTML serves every row
    and every user; six badges on each of 30 rows were the largest part of the list's template."""
    badges = [CONDITION_BADGES[pair] for pair in zip(STATUS_FIELDS, statuses, strict=True)]
    return render_to_string("settlements/includes/conditions_badges.html", {"badges": badges})
