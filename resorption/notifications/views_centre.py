"""The notification centre (issue 5): `/notifications/`, the person's notifications newest first; following one marks
it read; « Marquer comme lue » and « Tout marquer comme lu » (POST, CSRF-checked).

A person only ever reaches her own notifications: anyone else's is a 404, like a missing one.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from resorption.core.dates import minute_in_words
from resorption.core.forms import parse_id
from resorption.core.navigation import url_maker
from resorption.core.pagination import pagination_links
from resorption.notifications import services
from resorption.notifications.models import Notification

PAGE_SIZE = 20


@dataclass(frozen=True)
class NotificationRow:
    """A notification as the centre lists it, its values already in words (the template reads each at once)."""

    text: str
    is_read: bool
    received_at: str  # « 3 décembre 2026 à 14:05 »
    read_at: str
    open_url: str
    read_url: str


@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = Notification.objects.filter(user=request.user).values("pk", "text", "created_at", "read_at")
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    # Each link from one `reverse()` per page rather than one per notification.
    open_url, read_url = url_maker("notifications:open", "pk"), url_maker("notifications:read", "pk")
    rows = [
        NotificationRow(
            text=each["text"],
            is_read=each["read_at"] is not None,
            received_at=minute_in_words(each["created_at"]),
            read_at=minute_in_words(each["read_at"]) if each["read_at"] else "",
            open_url=open_url(each["pk"]),
            read_url=read_url(each["pk"]),
        )
        for each in page.object_list
    ]
    return render(
        request,
        "notifications/centre.html",
        {"page": page, "rows": rows, "pagination": pagination_links(request.GET, page)},
    )


@require_GET
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Follows the notification's link, and marks it read. A GET, so the link works like any link (new tab, copy);
    marking one's own notification read is harmless if repeated."""
    try:
        notification = services.notification_mark_read(user=request.user, notification_id=pk)
    except Notification.DoesNotExist:
        raise Http404("Notification introuvable") from None
    # The link is written by the platform; checked anyway, so that it can only lead to the platform itself.
    if not url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None):
        return redirect("notifications:list")
    return redirect(notification.url)


@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.notification_mark_read(user=request.user, notification_id=pk)
    except Notification.DoesNotExist:
        raise Http404("Notification introuvable") from None
    messages.success(request, "La notification est marquée comme lue.")
    return redirect(_back(request))


@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notification_mark_all_read(user=request.user)
    if count:
        messages.success(request, "Toutes vos notifications sont marquées comme lues.")
    return redirect("notifications:list")


def _back(request: HttpRequest) -> str:
    """The page of the list the person was on (`page`, posted by the form), or the first."""
    page = parse_id(request.POST.get("page"))
    url = reverse("notifications:list")
    return f"{url}?page={page}" if page and page > 1 else url


urlpatterns = [
    path("", notification_list, name="list"),
    path("<int:pk>/", notification_open, name="open"),
    path("<int:pk>/lue/", notification_read, name="read"),
    path("tout-marquer-comme-lu/", notification_read_all, name="read_all"),
]
