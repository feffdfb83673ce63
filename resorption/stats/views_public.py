"""The public statistics page `/statistiques-publiques/` (issue 12 item 3, reference §H.3): open to anyone, signed
in or not. It shows only what `stats.public` computes: national figures and suppressed small numbers per région."""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from resorption.stats.public import ACTIVE_DAYS, SMALL_NUMBER, WEEK_DAYS, public_figures


@login_not_required
@require_GET
def public_statistics(request):
    """The platform's use and the sites open today, for the public."""
    return render(
        request,
        "stats/public.html",
        {
            "figures": public_figures(),
            "small_number": SMALL_NUMBER,
            "active_days": ACTIVE_DAYS,
            "week_days": WEEK_DAYS,
        },
    )
