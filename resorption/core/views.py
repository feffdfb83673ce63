import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
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
