from django.urls import reverse

from resorption.core.navigation import MAIN_NAVIGATION


def navigation(request):
    """Main menu entries with the current one marked, for authenticated pages."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"main_navigation": []}
    items = []
    for item in MAIN_NAVIGATION:
        url = reverse(item.url_name)
        items.append({"label": item.label, "url": url, "current": request.path.startswith(url)})
    return {"main_navigation": items}
