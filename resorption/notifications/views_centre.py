"""The notification centre (issue 5): `/notifications/`, the person's notifications newest first; following one marks
it read; « Marquer comme lue » and « Tout marquer comme lu » (POST, CSRF-checked).

A person only ever reaches her own notifications: anyone else's is a 404, like a missing one.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from resorption.core.forms import parse_id
from resorption.core.pagination import pagination_links
from resorption.notifications import services
from resorption.notifications.models import Notification

PAGE_SIZE = 20


@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = Notification.objects.filter(user=request.user).only(
        "pk", "text", "url", "created_at", "read_at", "user_id"
    )
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/centre.html",
        {"page": page, "pagination": pagination_links(request.GET, page)},
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
