"""« Suivre ce site » (issue 11 item 3): the star of a site's page and of each row of the list.

A plain form posted to the server (works without JavaScript: back to the page it came from); with htmx the star is
swapped in place. The rules are in `settlements.following`.
"""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from resorption.settlements import following


@require_POST
def site_follow(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow (`suivre=1`) or stop following (`suivre=0`) the site. Any other value is « follow »: the button only
    ever sends these two."""
    follow = request.POST.get("suivre") != "0"
    site = following.site_follow(user=request.user, site_id=pk, follow=follow)
    site_url = reverse("settlements:detail", kwargs={"pk": site.pk})
    next_url = request.POST.get("next", "")
    # Back to a path of ours only (the page the star was on), never to another site nor to a view name.
    if not _is_own_path(next_url, request):
        next_url = site_url
    if not request.htmx:
        return HttpResponseRedirect(next_url)
    follow_url = reverse("settlements:follow", kwargs={"pk": site.pk})
    if request.POST.get("format") == "ligne":
        return HttpResponse(
            following.follow_button_html(
                follow_url=follow_url, followed=follow, csrf_token=get_token(request), next_url=next_url
            )
        )
    return render(
        request,
        "settlements/includes/follow_button.html",
        {"site": site, "is_followed": follow, "follow_url": follow_url},
    )


def _is_own_path(url: str, request: HttpRequest) -> bool:
    return (
        url.startswith("/")
        and "\x00" not in url
        and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()})
    )


urlpatterns = [path("<int:pk>/suivi/", site_follow, name="follow")]
