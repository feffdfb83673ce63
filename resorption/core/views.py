import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_GET

logger = logging.getLogger("resorption.health")


@login_not_required
def home(request):
    """Public landing page; signed-in users go straight to their dashboard."""
    if request.user.is_authenticated:
        return redirect("dashboard:index")
    return render(request, "core/home.html")


@login_not_required
@require_GET
@never_cache
def healthz(request):
    """200 when the database answers, 503 otherwise (for the load balancer and uptime checks)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("health check: database unreachable")
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@login_not_required
def legal(request):
    return render(request, "core/legal.html", {"contact_email": settings.CONTACT_EMAIL})


@login_not_required
def accessibility(request):
    return render(request, "core/accessibility.html")


@login_not_required
def privacy(request):
    return render(request, "core/privacy.html")


# ---------------------------------------------------------------------------------------------------------------------
# Error pages: French DSFR pages with the header, a sentence and a way back (config/urls.py points Django's handlers
# here, settings.CSRF_FAILURE_VIEW the CSRF refusal). They answer whatever the user may see: no « not found » page
# tells that an object exists, and no page shows an exception text that is not ours.
# ---------------------------------------------------------------------------------------------------------------------


@requires_csrf_token
def bad_request(request, exception=None) -> HttpResponse:
    return render(request, "400.html", status=400)


@requires_csrf_token
def permission_denied(request, exception=None) -> HttpResponse:
    """403. Our code refuses with a French sentence, shown as the reason:
    `PermissionDenied("Vous n'avez pas le droit de fermer ce site.")`."""
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


@requires_csrf_token
def page_not_found(request, exception=None) -> HttpResponse:
    # The exception text (« No Site matches the given query. ») is English and names the model: never shown.
    return render(request, "404.html", status=404)


def too_many_requests(request, *, retry_after_seconds: int | None = None) -> HttpResponse:
    """429, for a limit reached outside a form (a form that limits shows its own message next to its fields)."""
    response = render(request, "429.html", status=429)
    if retry_after_seconds:
        response["Retry-After"] = str(retry_after_seconds)
    return response


@requires_csrf_token
def server_error(request) -> HttpResponse:
    """500, rendered without the request (no context processor: the database or a template tag may be what broke),
    from a page that needs nothing but static files."""
    return HttpResponseServerError(loader.get_template("500.html").render())


@requires_csrf_token
def csrf_failure(request, reason: str = "") -> HttpResponse:
    """The CSRF refusal (a form sent from a page left open too long, cookies blocked): 403, in French."""
    return render(request, "403_csrf.html", status=403)
