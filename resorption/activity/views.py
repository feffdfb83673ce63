"""The activity feed (« Historique des activités », issue 11 item 6, reference §F.2): `/activites/`, open to every
signed-in user, lists what happened on the territory — within what he may see — newest first, 20 at a time.

Filters live in the query string (`type`, `localisation`); « Charger plus » is a link to the same page with the cursor
of the last item (`avant`): without JavaScript it opens the next items as a page, with htmx it appends them to the
list. A cursor or a filter the page never wrote is ignored (the first page, the default filters), never an error.
"""

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from resorption.activity.forms import ActivityFilterForm, location_choices
from resorption.activity.selectors import FEED_KINDS, Cursor, feed_page

CURSOR_PARAMETER = "avant"


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    locations = location_choices(request.user, _single(request.GET, "localisation"))
    form = ActivityFilterForm.from_query(request.GET, locations=locations)
    before = Cursor.parse(_single(request.GET, CURSOR_PARAMETER))
    page = feed_page(request.user, kinds=form.kinds, location=form.location, before=before)
    context = {
        "form": form,
        "page": page,
        "more_url": _feed_url(form, page.next_cursor) if page.next_cursor else "",
        "first_url": _feed_url(form),
        "filtered": bool(form.location) or len(form.kinds) < len(FEED_KINDS),
        "continued": before is not None,
        # The filter panel is kept rendered under everything it shows: the choices offered (the user's own areas,
        # then the régions and départements of everyone) and the values chosen.
        "filters_key": repr(([kind.value for kind in form.kinds], form.location, locations)),
    }
    if request.htmx and before is not None:
        response = render(request, "activity/includes/more.html", context)
    else:
        response = render(request, "activity/index.html", context)
    # The same address answers the page or, to htmx, the next items alone: caches must keep them apart.
    patch_vary_headers(response, ("HX-Request",))
    return response


def _single(query: QueryDict, name: str) -> str:
    value = query.get(name, "")
    return value if isinstance(value, str) else ""


def _feed_url(form: ActivityFilterForm, cursor: Cursor | None = None) -> str:
    """The link to the feed with the filters applied (those the form kept): its first items, or those after
    `cursor`."""
    query = QueryDict(mutable=True)
    if len(form.kinds) < len(FEED_KINDS):
        query.setlist("type", [kind.value for kind in form.kinds])
    if form.location:
        query["localisation"] = form.location
    if cursor is not None:
        query[CURSOR_PARAMETER] = str(cursor)
    url = reverse("activity:index")
    return f"{url}?{query.urlencode()}" if query else url
