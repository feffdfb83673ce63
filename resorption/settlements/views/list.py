"""The site list (issue 4, item 9; reference §C.9): two tabs, location, search, filters, sorts, pagination.

Which sites it shows is `resorption.settlements.filters.select_sites` (shared with the printout, the map and the
exports); this module pages, sums and renders them.
"""

import datetime
import hashlib
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from django.core.cache import caches
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet, Sum
from django.http import HttpRequest, HttpResponse, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.encoding import force_str
from django.utils.formats import date_format
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language

from resorption.accounts import permissions
from resorption.core.db import searches_planned_for_their_words
from resorption.core.navigation import url_maker
from resorption.core.pagination import pagination_links
from resorption.settlements import filters, following, forms
from resorption.settlements.enums import LivingConditionStatus, SiteStatus
from resorption.settlements.history import latest_site_version
from resorption.settlements.models import STATUS_FIELDS, Site, simple_address
from resorption.settlements.views.detail import STATUS_BADGES

PAGE_SIZE = 30
# How long a list's summary line is kept per process at most (`summary_of`).
SUMMARY_SECONDS = 120
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
    selection = filters.select_sites(request)
    state, tab, sites = selection.state, selection.tab, selection.sites
    cleaned = selection.filters
    summary = summary_of(sites, user=user, cleaned=cleaned)
    ordered = with_row_data(sites).order_by(*filters.SORTS[cleaned.get("tri") or forms.Sort.UPDATED])
    page = _CountedPaginator(ordered, PAGE_SIZE, count=summary["sites"]).get_page(request.GET.get("page"))
    can_follow = permissions.can_follow_sites(user)
    return render(
        request,
        "settlements/site_list.html",
        {
            "form": state.form,
            "tab": tab,
            "is_open_tab": tab == forms.Tab.OPEN,
            "tabs": _tabs(request.GET, tab),
            "summary": {key: value or 0 for key, value in summary.items()},
            "rows": _rows(request, page, is_open_tab=tab == forms.Tab.OPEN, can_follow=can_follow),
            "can_follow": can_follow,
            "page": page,
            "pagination": pagination_links(request.GET, page),
            "filters_cache_key": state.key,
            "filtered": any(
                value
                for name, value in cleaned.items()
                if name not in filters.NOT_FILTERS and not (name == "localisation" and value == state.default_location)
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
            "can_export": permissions.can_export_sites(user),
        },
    )


def _rows(request: HttpRequest, page, *, is_open_tab: bool, can_follow: bool) -> list[dict]:
    """The page's rows: each one's cells (`row_html`) and, for who may follow sites, its star (one query for the
    page)."""
    site_url = url_maker("settlements:detail", "pk")
    rows = [{"html": row_html(list_row(site, url=site_url(site["pk"])), is_open_tab=is_open_tab)} for site in page]
    if can_follow:
        followed = following.followed_ids(request.user, (site["pk"] for site in page))
        follow_url = url_maker("settlements:follow", "pk")
        button = following.follow_button_maker(csrf_token=get_token(request), next_url=request.get_full_path())
        for row, site in zip(rows, page, strict=True):
            row["follow"] = button(follow_url(site["pk"]), site["pk"] in followed)
    return rows


def summarize(sites: QuerySet[Site]) -> dict:
    """Number of sites, people and minors of a filtered list. `Count("*")` rather than the primary key lets
    PostgreSQL answer from the `site_summary_filters_idx` index alone when no join is needed (docs/benchmarks.md)."""
    return sites.aggregate(sites=Count("*"), people=Sum("population_total"), minors=Sum("population_minors"))


def summary_of(sites: QuerySet[Site], *, user, cleaned: dict) -> dict:
    """`summarize(sites)` kept per process for the same visible sites (`permissions.visible_sites_key`), filters (and,
    with a justice filter, the same user: it reads his rights) and site data. The closed tab summed 25,000 sites on
    every request (9–19 ms of SQL at national scale, read again whatever page or sort was asked). The site data is
    named by the latest site version's id: every declaration, update, closing or deletion writes a version
    (django-simple-history), and reading it is one step down the versions' primary key. A change committed out of
    order can leave a summary a version late: it is kept `SUMMARY_SECONDS` at most."""
    shown = tuple(
        sorted((name, filters.comparable(value)) for name, value in cleaned.items() if name not in ("tri", "page"))
    )
    reads_rights = any(cleaned.get(name) for name in forms.JUSTICE_FILTERS)
    key = (
        "list-summary:"
        + hashlib.sha256(
            repr(
                (permissions.visible_sites_key(user), shown, user.pk if reads_rights else None, latest_site_version())
            ).encode()
        ).hexdigest()
    )
    summary = caches["fragments"].get(key)
    if summary is None:
        summary = summarize(sites)
        caches["fragments"].set(key, summary, SUMMARY_SECONDS)
    return summary


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
