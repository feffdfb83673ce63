"""The one way to fetch a site by its id (`resorption.accounts.access` explains the `access_*` functions)."""

from resorption.accounts.access import access_by_id
from resorption.settlements.models import Site, SiteQuerySet

SITE_NOT_FOUND = "Ce site n'existe pas ou vous n'y avez pas accès."


def access_site(user, pk: object, *, for_update: bool = False, queryset: SiteQuerySet | None = None) -> Site:
    """The site `pk` if the user sees it (`Site.objects.visible_to`: the rule « may read this site » of
    `permissions.visible_sites_q`), else `Http404` — missing, out of sight and not an id alike. What he may then do
    with it is asked to `permissions` (`can_update_site`, `can_close_site`…).

    `queryset` gives the shape the caller needs (`Site.objects.with_list_data()`, `.select_related("commune")`); the
    visibility filter is applied on top of it. `for_update=True` locks the site's row (inside a transaction); the
    queryset must then hold no aggregate."""
    base = Site.objects.all() if queryset is None else queryset
    if base.model is not Site:
        raise TypeError(f"access_site needs a Site queryset, not one of {base.model.__name__}")
    return access_by_id(base.visible_to(user), pk, for_update=for_update, not_found=SITE_NOT_FOUND)
