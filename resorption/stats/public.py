"""The figures of the public statistics page (issue 12 item 3, reference §H.3): how much the platform is used, and
the national site figures with small numbers suppressed.

Anyone may read them, without signing in, so two rules hold here and not in the template:
- no per-site figure leaves this module: sites are only counted and summed, nationally or per région;
- a figure of a territory below the national level that is below `SMALL_NUMBER` is suppressed (`None`, shown
  « < 5 »): it could point at one site or one family; so is a sum over fewer than `SMALL_NUMBER` sites (the people of
  a région with two sites). National figures are shown whole.

Site figures read the sites as they stand now through `settlements.snapshots`, the one reading every statistic
shares. The whole set is computed in a fixed number of queries and kept `CACHE_SECONDS` in the default cache, under
a key that changes every `CACHE_SECONDS`: every visitor of a time slot reads the same figures.
"""

import datetime
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, F, Q, Sum, Window
from django.db.models.functions import Coalesce, Lag, TruncMonth
from django.utils import timezone

from resorption.accounts.models import SignInAttempt, User
from resorption.directory.models import DirectoryView
from resorption.exports.models import SiteExport
from resorption.journal.models import JournalEntry
from resorption.settlements.enums import SiteStatus
from resorption.settlements.snapshots import HistoricalSite, open_at
from resorption.territories.models import Region

# Below this, a figure of a territory below the national level is not shown.
SMALL_NUMBER = 5
CACHE_SECONDS = 300
# The monthly table: the current month and the 11 before it (the sign-in log is kept 12 months, so older months
# would lose their active users).
MONTHS = 12
# « Active »: an open account that signed in within this many days.
ACTIVE_DAYS = 365
WEEK_DAYS = 7

DECLARATION, UPDATE = "+", "~"


@dataclass(frozen=True)
class MonthFigures:
    """What happened on the platform during one month (its first day in `month`)."""

    month: datetime.date
    active_users: int
    declarations: int
    updates: int
    closings: int
    exports: int
    messages: int
    directory_views: int

    @property
    def operations(self) -> int:
        return self.declarations + self.updates + self.closings


@dataclass(frozen=True)
class RegionFigures:
    """A région's open sites and the people living there, as they may be published: `None` for a suppressed figure.
    The sites are suppressed below `SMALL_NUMBER`; the people too, and also when they live on fewer than
    `SMALL_NUMBER` sites (`few_sites`): the people of one or two sites are those sites' own figures."""

    name: str
    open_sites: int | None
    people: int | None

    @property
    def few_sites(self) -> bool:
        return self.open_sites is None


@dataclass(frozen=True)
class PublicFigures:
    computed_at: datetime.datetime
    # Platform use
    active_users: int
    weekly_active_users: int
    organizations: int
    declarations: int
    updates: int
    closings: int
    exports: int
    messages: int
    directory_views: int
    months: tuple[MonthFigures, ...]
    # Sites today, nationally
    open_sites: int
    people: int
    minors: int
    departements: int
    regions: tuple[RegionFigures, ...]

    @property
    def operations(self) -> int:
        """Operations on sites: declarations, updates and closings."""
        return self.declarations + self.updates + self.closings


def public_figures(*, now: datetime.datetime | None = None) -> PublicFigures:
    """The public figures, computed at most once per `CACHE_SECONDS` time slot (the slot `now` falls in)."""
    moment = now or timezone.now()
    key = cache_key(moment)
    figures = cache.get(key)
    if figures is None:
        figures = compute_public_figures(moment)
        cache.set(key, figures, CACHE_SECONDS)
    return figures


def cache_key(now: datetime.datetime) -> str:
    """The key of the figures of `now`'s time slot: a new one every `CACHE_SECONDS`, so figures are never older than
    that even in a cache that would keep them longer."""
    return f"public-stats:v1:{int(now.timestamp()) // CACHE_SECONDS}"


def suppressed(value: int) -> int | None:
    """A territory's figure as it may be published: `None` below `SMALL_NUMBER`."""
    return value if value >= SMALL_NUMBER else None


def compute_public_figures(now: datetime.datetime) -> PublicFigures:
    """Every figure of the page at `now`, in a fixed number of queries whatever the amount of data."""
    first_month = _first_month(now)
    users = _active_users(now)
    operations = _operation_totals()
    sites = open_at(now).aggregate(
        open_sites=Count("*"),
        people=Coalesce(Sum("population_total"), 0),
        minors=Coalesce(Sum("population_minors"), 0),
        departements=Count("commune__departement", distinct=True),
    )
    return PublicFigures(
        computed_at=now,
        active_users=users.count(),
        weekly_active_users=_signed_in_users(since=now - datetime.timedelta(days=WEEK_DAYS)),
        organizations=users.values("organization").distinct().count(),
        declarations=operations["declarations"],
        updates=operations["updates"],
        closings=operations["closings"],
        exports=SiteExport.objects.count(),
        messages=_messages().count(),
        directory_views=DirectoryView.objects.count(),
        months=_months(first_month, now),
        regions=_regions(now),
        **sites,
    )


def _first_month(now: datetime.datetime) -> datetime.date:
    """The first day of the table's first month, in the platform's time zone."""
    month = timezone.localdate(now).replace(day=1)
    for _ in range(MONTHS - 1):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    return month


def _month_start(month: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(month, datetime.time()))


def _active_users(now: datetime.datetime):
    """Active users: accounts that may sign in (active, of an active organisation) and signed in within the last
    `ACTIVE_DAYS` days."""
    return User.objects.can_sign_in().filter(last_login__gte=now - datetime.timedelta(days=ACTIVE_DAYS))


def _sign_ins():
    return SignInAttempt.objects.filter(success=True, user__isnull=False)


def _signed_in_users(*, since: datetime.datetime) -> int:
    """Distinct users who signed in since `since` (the sign-in log)."""
    return _sign_ins().filter(created_at__gte=since).values("user").distinct().count()


def _messages():
    """Messages posted in the site journals and not deleted."""
    return JournalEntry.objects.alive()


def _closing_versions() -> Q:
    """The site versions that closed their site: closed, when the site's previous version was open. Status
    corrections of a closed site, and updates of a closed site, are not closings."""
    previous = HistoricalSite.objects.annotate(
        previous_status=Window(
            Lag("status"), partition_by=[F("id")], order_by=[F("history_date").asc(), F("history_id").asc()]
        )
    )
    closing = previous.filter(previous_status=SiteStatus.OPEN).values("history_id")
    return Q(history_type=UPDATE, status=SiteStatus.CLOSED, history_id__in=closing)


def _operation_counts() -> dict:
    closings = _closing_versions()
    return {
        "declarations": Count("history_id", filter=Q(history_type=DECLARATION)),
        "updates": Count("history_id", filter=Q(history_type=UPDATE) & ~closings),
        "closings": Count("history_id", filter=closings),
    }


def _operation_totals() -> dict:
    """Operations on sites since the platform began: declarations, updates and closings (each a site version)."""
    return HistoricalSite.objects.aggregate(**_operation_counts())


def _per_month(queryset, date_field: str, since: datetime.datetime, **counts) -> dict[datetime.date, dict]:
    """`counts` of `queryset` grouped by the month of `date_field` (platform time zone), from `since`."""
    rows = (
        queryset.filter(**{f"{date_field}__gte": since})
        .annotate(month=TruncMonth(date_field))
        .values("month")
        .annotate(**counts)
        .order_by()
    )
    return {_as_date(row.pop("month")): row for row in rows}


def _as_date(month: datetime.datetime | datetime.date) -> datetime.date:
    if isinstance(month, datetime.datetime):
        return timezone.localtime(month).date() if timezone.is_aware(month) else month.date()
    return month


def _months(first_month: datetime.date, now: datetime.datetime) -> tuple[MonthFigures, ...]:
    """The monthly table, from `first_month` to the current month, oldest first; a month without activity has
    zeros."""
    since = _month_start(first_month)
    per_month = {
        "active_users": _per_month(_sign_ins(), "created_at", since, value=Count("user", distinct=True)),
        "operations": _per_month(HistoricalSite.objects.all(), "history_date", since, **_operation_counts()),
        "exports": _per_month(SiteExport.objects.all(), "requested_at", since, value=Count("pk")),
        "messages": _per_month(_messages(), "created_at", since, value=Count("pk")),
        "directory_views": _per_month(DirectoryView.objects.all(), "viewed_at", since, value=Count("pk")),
    }
    months = []
    month = first_month
    while month <= timezone.localdate(now):
        operations = per_month["operations"].get(month, {})

        def value(name: str, month=month) -> int:
            return per_month[name].get(month, {}).get("value", 0)

        months.append(
            MonthFigures(
                month=month,
                active_users=value("active_users"),
                declarations=operations.get("declarations", 0),
                updates=operations.get("updates", 0),
                closings=operations.get("closings", 0),
                exports=value("exports"),
                messages=value("messages"),
                directory_views=value("directory_views"),
            )
        )
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return tuple(months)


def _regions(now: datetime.datetime) -> tuple[RegionFigures, ...]:
    """Every région, with its open sites and their people, suppressed as `RegionFigures` says (a région without
    sites too: that it has none is a small number as well)."""
    rows = (
        open_at(now)
        .values(region=F("commune__departement__region"))
        .annotate(open_sites=Count("*"), people=Coalesce(Sum("population_total"), 0))
        .order_by()
    )
    counts = {row["region"]: (row["open_sites"], row["people"]) for row in rows}
    return tuple(
        _region_figures(region.name, *counts.get(region.code, (0, 0)))
        for region in Region.objects.order_by("search_name").only("name")
    )


def _region_figures(name: str, open_sites: int, people: int) -> RegionFigures:
    return RegionFigures(
        name=name,
        open_sites=suppressed(open_sites),
        people=suppressed(people) if open_sites >= SMALL_NUMBER else None,
    )
