from dataclasses import asdict

from django.http import JsonResponse
from django.views.decorators.http import require_GET

from resorption.core.db import searches_planned_for_their_words
from resorption.territories.selectors import search_territories


@require_GET
@searches_planned_for_their_words
def search(request):
    """Territories matching `?q=`, for the territory pickers: `{"results": [{level, code, label, …}]}`."""
    results = search_territories(request.GET.get("q", ""))
    return JsonResponse({"results": [asdict(result) for result in results]})
