from functools import cache

from django.urls import get_urlconf, reverse

from resorption.core.navigation import MAIN_NAVIGATION


@cache
def _menu(urlconf: str | None) -> tuple[tuple[str, str], ...]:
    # The menu's URLs do not change while a process runs: reversed once per URLconf, not on every page.
    return tuple((item.label, reverse(item.url_name, urlconf=urlconf)) for item in MAIN_NAVIGATION)


def navigation(request):
    """Main menu entries with the current one marked, for authenticated pages."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"main_navigation": []}
    items = [
        {"label": label, "url": url, "current": request.path.startswith(url)} for label, url in _menu(get_urlconf())
    ]
    return {"main_navigation": items}
