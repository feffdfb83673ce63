"""The dashboard's figures (issue 11 item 4, §H.1): the user's main area at a glance.

Every figure counts the sites the list would show for a query string (`settlements.filters`), so that each one links
to the list that shows the same sites, and none counts a site the user may not see.
"""

import datetime
import hashlib
from dataclasses import dataclass

from django.core.cache import caches
from django.db.models import Count, Q, Sum
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from resorption.accounts import permissions
from resorption.settlements import filters, forms
from resorption.settlements.enums import LivingConditionSection, LivingConditionStatus
from resorption.settlements.history import latest_site_version
from resorption.settlements.models import STATUS_FIELDS, Site

# A figure is kept this long per process at most for the same visible sites and site data.
FIGURES_SECONDS = 120
RECENT_DAYS = 30
# A site not updated for this long asks for an update (§C.7 « out of date », the threshold the platform shows).
STALE_MONTHS = 6
GOOD = LivingConditionStatus.GOOD


@dataclass(frozen=True)
class Figure:
    label: str
    value: int
    url: str = ""  # the list showing these sites, when it can


def area_figures(user, *, today: datetime.date | None = None) -> list[Figure]:
    """The figures of the user's main intervention area: open sites, people, minors, sites whose water, electricity
    and toilets are judged good, sites to update, sites reported and closed in the last 30 days."""
    today = today or timezone.localdate()
    location = filters.main_area_location(user)
    key = (
        "dashboard-figures:"
        + hashlib.sha256(
            repr((permissions.visible_sites_key(user), location, latest_site_version(), today)).encode()
        ).hexdigest()
    )
    counts = caches["fragments"].get(key)
    if counts is None:
        counts = _counts(user, location, today)
        caches["fragments"].set(key, counts, FIGURES_SECONDS)
    return _figures(counts, location)


def _counts(user, location: str, today: datetime.date) -> dict:
    visible = Site.objects.visible_to(user)
    where = {"localisation": location}
    recent = today - datetime.timedelta(days=RECENT_DAYS)
    stale = _months_before(today, STALE_MONTHS)
    counts = filters.filter_sites(visible, where, tab=forms.Tab.OPEN, user=user).aggregate(
        sites=Count("*"),
        people=Sum("population_total"),
        minors=Sum("population_minors"),
        water=Count("pk", filter=Q(**{STATUS_FIELDS[LivingConditionSection.WATER]: GOOD})),
        electricity=Count("pk", filter=Q(**{STATUS_FIELDS[LivingConditionSection.ELECTRICITY]: GOOD})),
        toilets=Count("pk", filter=Q(**{STATUS_FIELDS[LivingConditionSection.SANITARY]: GOOD})),
        stale=Count("pk", filter=Q(updated_at__lt=stale)),
        reported=Count("pk", filter=Q(declared_at__gte=recent)),
    )
    closed = filters.filter_sites(visible, where, tab=forms.Tab.CLOSED, user=user).filter(closed_at__gte=recent)
    counts["closed"] = closed.count()
    return {name: value or 0 for name, value in counts.items()}


def _figures(counts: dict, location: str) -> list[Figure]:
    def url(**params) -> str:
        query = QueryDict(mutable=True)
        query.update({"localisation": location, **params})
        return f"{reverse('settlements:list')}?{query.urlencode()}"

    return [
        Figure("sites existants", counts["sites"], url()),
        Figure("personnes", counts["people"]),
        Figure("mineurs", counts["minors"]),
        Figure("sites avec un accès à l'eau jugé bon", counts["water"], url(eau=GOOD.value)),
        Figure("sites avec un accès à l'électricité jugé bon", counts["electricity"]),
        Figure("sites avec des toilettes jugées bonnes", counts["toilets"]),
        Figure(f"sites mis à jour il y a plus de {STALE_MONTHS} mois", counts["stale"]),
        Figure(f"sites signalés ces {RECENT_DAYS} derniers jours", counts["reported"], url(tri=forms.Sort.DECLARED)),
        Figure(f"sites fermés ces {RECENT_DAYS} derniers jours", counts["closed"], url(statut=forms.Tab.CLOSED)),
    ]


def _months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` earlier (the month's last day when that day does not exist)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    for last in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month + 1, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")
