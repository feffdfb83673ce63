"""The one-click unsubscribe link of the weekly digest: `/notifications/desabonnement/<token>/`.

The signed token is the credential (see `digest.unsubscribe_token`): the page opens without signing in, GET shows a
confirmation button, POST turns the category off. POST is exempt from CSRF on purpose: forging it requires the token,
which only the recipient's mailbox holds, and mail clients send RFC 8058 one-click POSTs
(`List-Unsubscribe=One-Click`) without any CSRF token. An altered token is a French error page with status 400.
"""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from resorption.notifications import digest


@login_not_required
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user, category = digest.unsubscribe_target(token)
    except digest.InvalidUnsubscribeLink:
        return render(request, "notifications/unsubscribe_invalid.html", status=400)
    # The address is not shown: a forwarded digest would otherwise reveal it to whoever opens the link.
    context = {"category_label": category.label, "preferences_url": reverse("accounts:preferences")}
    if request.method == "POST":
        digest.user_unsubscribe(user=user, category=category)
        return render(request, "notifications/unsubscribe_done.html", context)
    return render(
        request,
        "notifications/unsubscribe.html",
        {**context, "already_unsubscribed": digest.is_unsubscribed(user, category)},
    )


urlpatterns = [
    path("desabonnement/<str:token>/", unsubscribe, name="unsubscribe"),
]
