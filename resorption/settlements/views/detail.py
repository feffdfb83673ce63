"""The read-only page of a site; what it shows is built by `resorption.settlements.site_page`."""

from django.shortcuts import render
from django.urls import reverse

from resorption.accounts import permissions
from resorption.settlements import following
from resorption.settlements.access import access_site
from resorption.settlements.site_page import STATUS_BADGES, site_page_context

__all__ = ["STATUS_BADGES", "detail"]


def detail(request, pk: int):
    """The read-only page of a site (issue 4, item 10), with the actions the user may take on it. Out of the user's
    scope and missing look alike: 404. The number of queries does not depend on the number of owners, orientations or
    actors (tests/settlements/test_views.py)."""
    site = access_site(request.user, pk, shape="page")
    context = site_page_context(site, user=request.user)
    can_follow = permissions.can_follow_sites(request.user)
    context |= {
        "can_follow": can_follow,
        "is_followed": can_follow and following.is_followed(request.user, site),
        "follow_url": reverse("settlements:follow", kwargs={"pk": site.pk}) if can_follow else "",
    }
    return render(request, "settlements/site_detail.html", context)
