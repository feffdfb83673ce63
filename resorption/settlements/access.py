"""The one way to fetch a site by its id (`resorption.accounts.access` explains the `access_*` functions)."""

from collections.abc import Callable

from resorption.accounts import permissions
from resorption.accounts.access import access_by_id, access_prepared_by_id
from resorption.core.prepared import PreparedQueries
from resorption.settlements.models import Site, SiteQuerySet

SITE_NOT_FOUND = "Ce site n'existe pas ou vous n'y avez pas accès."

# The shapes pages ask for by name (`access_site(…, shape=…)`); each one is compiled once per process and visible set
# of sites (`permissions.visible_sites_key`) instead of on every request.
SHAPES: dict[str, Callable[[], SiteQuerySet]] = {
    # What the site page, its printable version and the site form show: the commune, its département and EPCI.
    "page": lambda: Site.objects.with_list_data(),
    "commune": lambda: Site.objects.select_related("commune"),
    "departement": lambda: Site.objects.select_related("commune__departement"),
}
_PREPARED = PreparedQueries(Site)


def access_site(
    user,
    pk: object,
    *,
    for_update: bool = False,
    queryset: SiteQuerySet | None = None,
    shape: str | None = None,
) -> Site:
    """The site `pk` if the user sees it (`Site.objects.visible_to`: the rule « may read this site » of
    `permissions.visible_sites_q`), else `Http404` — missing, out of sight and not an id alike. What he may then do
    with it is asked to `permissions` (`can_update_site`, `can_close_site`…).

    The caller gives the shape it needs, by name (`shape`, one of `SHAPES`: the query is then compiled once, for the
    pages every user opens) or as a queryset (`queryset`: `Site.objects.select_related(…)`…); the visibility filter
    is applied on top of it. `for_update=True` locks the site's row (inside a transaction); the queryset must then
    hold no aggregate."""
    if shape is not None:
        if queryset is not None or for_update:
            raise TypeError("access_site takes a shape or a queryset, and locks only a queryset's row.")
        build = SHAPES[shape]
        return access_prepared_by_id(
            _PREPARED,
            (shape, permissions.visible_sites_key(user)),
            lambda: build().visible_to(user),
            pk,
            not_found=SITE_NOT_FOUND,
        )
    base = Site.objects.all() if queryset is None else queryset
    if base.model is not Site:
        raise TypeError(f"access_site needs a Site queryset, not one of {base.model.__name__}")
    return access_by_id(base.visible_to(user), pk, for_update=for_update, not_found=SITE_NOT_FOUND)
