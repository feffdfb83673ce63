"""« Sites suivis » (§A.3 favourites, issue 11 item 3): a user stars the sites he follows from the list or a site's
page, and finds them on his dashboard with their last change.

Who may follow is `permissions.can_follow_sites` (everyone who lists sites but interveners and external
observers); which sites: those he sees — a followed site that leaves his sight (his areas changed) is not shown,
and comes back if it returns into it.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from resorption.accounts import permissions
from resorption.core.navigation import url_maker
from resorption.core.prepared import PreparedQueries
from resorption.settlements.access import access_site
from resorption.settlements.enums import SiteStatus
from resorption.settlements.models import FollowedSite, Site, simple_address

NOT_ALLOWED = "Votre rôle ne permet pas de suivre des sites."
# The dashboard lists this many followed sites, most recently changed first.
DASHBOARD_LIMIT = 20


def site_follow(*, user, site_id: object, follow: bool) -> Site:
    """Start (`follow=True`) or stop following the site `site_id`. Doing it twice changes nothing. A site out of the
    user's sight is a 404 (`access_site`); a role that follows no site is refused."""
    if not permissions.can_follow_sites(user):
        raise PermissionDenied(NOT_ALLOWED)
    site = access_site(user, site_id, shape="commune")
    if follow:
        FollowedSite.objects.get_or_create(user=user, site=site)
    else:
        FollowedSite.objects.filter(user=user, site=site).delete()
    return site


def followed_ids(user, site_ids: Iterable[int]) -> set[int]:
    """Which of `site_ids` the user follows (one query; none for a role that follows no site)."""
    ids = list(site_ids)
    if not ids or not permissions.can_follow_sites(user):
        return set()
    return set(FollowedSite.objects.filter(user=user, site_id__in=ids).values_list("site_id", flat=True))


def is_followed(user, site: Site) -> bool:
    return bool(followed_ids(user, [site.pk]))


@dataclass(frozen=True)
class FollowedRow:
    url: str
    address: str
    name: str
    commune: str
    is_closed: bool
    changed_at: object  # the datetime of the site's latest version
    population: int | None


# The dashboard's followed sites, read by a query compiled once per process for the users who see the same sites.
_FOLLOWED = PreparedQueries(Site)


def followed_sites(user, *, limit: int = DASHBOARD_LIMIT) -> list[FollowedRow]:
    """The sites the user follows and sees, most recently changed first, each with the time of its last change (its
    latest history version: a declaration, an update, a closing). One query."""
    if not permissions.can_follow_sites(user):
        return []

    def build(follower_id: int) -> QuerySet:
        latest = (
            Site.history.model.objects.filter(id=OuterRef("pk")).order_by("-history_id").values("history_date")[:1]
        )
        return (
            Site.objects.visible_to(user)
            .filter(followers__user_id=follower_id)
            .annotate(changed_at=Subquery(latest))
            .order_by("-changed_at", "-pk")
            .values(
                "pk",
                "address",
                "name",
                "commune__name",
                "commune__departement_id",
                "status",
                "population_total",
                "changed_at",
            )[:limit]
        )

    rows = _FOLLOWED.fetch((permissions.visible_sites_key(user), limit), build, user.pk)
    site_url = url_maker("settlements:detail", "pk")
    return [
        FollowedRow(
            url=site_url(row["pk"]),
            address=simple_address(row["address"]),
            name=row["name"],
            commune=f"{row['commune__name']} ({row['commune__departement_id']})",
            is_closed=row["status"] == SiteStatus.CLOSED,
            changed_at=row["changed_at"],
            population=row["population_total"],
        )
        for row in rows
    ]


def follow_button_html(*, follow_url: str, followed: bool, csrf_token: str, next_url: str) -> str:
    """The list row's star: a form posting to `follow_url` (works without JavaScript; htmx swaps it in place)."""
    return follow_button_maker(csrf_token=csrf_token, next_url=next_url)(follow_url, followed)


_URL_MARKER = "\x00follow-url\x00"


def follow_button_maker(*, csrf_token: str, next_url: str) -> Callable[[str, bool], str]:
    """`follow_button_html` for the rows of one page: the two forms (followed or not) are written once, escaped once,
    and each row only puts its URL in — thirty `format_html` calls were a third of the list's CPU (issue 8). The
    URL is one of ours (`url_maker`: a path and a number), so it needs no escaping."""
    variants = {}
    for followed in (False, True):
        label = "Ne plus suivre ce site" if followed else "Suivre ce site"
        icon = "fr-icon-star-fill" if followed else "fr-icon-star-line"
        variants[followed] = str(
            format_html(
                '<form method="post" action="{url}" hx-post="{url}" hx-swap="outerHTML" class="site-follow">'
                '<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
                '<input type="hidden" name="suivre" value="{value}">'
                '<input type="hidden" name="next" value="{next}">'
                '<input type="hidden" name="format" value="ligne">'
                '<button type="submit" class="fr-btn fr-btn--tertiary-no-outline fr-btn--sm {icon}" title="{label}">'
                "{label}</button></form>",
                url=_URL_MARKER,
                token=csrf_token,
                value="0" if followed else "1",
                next=next_url,
                icon=icon,
                label=label,
            )
        )

    def button(follow_url: str, followed: bool) -> str:
        return mark_safe(variants[followed].replace(_URL_MARKER, follow_url))  # noqa: S308 - escaped above, URL ours

    return button
