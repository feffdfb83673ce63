"""The history page of a site (issue 4, item 5; reference §C.8): every version, newest first, with its author, its
date and what changed, as « label : old → new ». The versions, and what of them the reader may see, are built by
`resorption.settlements.site_page.site_versions` (shared with the PDF site sheet)."""

from django.shortcuts import render

from resorption.settlements.access import access_site
from resorption.settlements.site_page import site_versions


def site_history(request, pk: int):
    """Every version of the site, newest first. Out of the user's scope and missing look alike: 404."""
    site = access_site(request.user, pk, shape="commune")
    versions = site_versions(site, user=request.user)
    return render(request, "settlements/site_history.html", {"site": site, "versions": versions[::-1]})
