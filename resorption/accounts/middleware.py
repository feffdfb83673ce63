from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from resorption.accounts import charter

# Pages a signed-in user may still open before accepting the charter: the charter itself, signing out, and the
# legal notices the charter refers to.
_OPEN_URL_NAMES = ("accounts:charter", "accounts:logout", "core:legal", "core:privacy", "core:accessibility")
_OPEN_PREFIXES = ("/static/", "/healthz")


class AccountGateMiddleware:
    """Sends a signed-in user who has not accepted the current charter to the charter page before anything else.

    Costs no query: the current charter version comes with the user (see `EmailBackend.get_user`).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._open_paths: frozenset[str] | None = None

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not self._is_open(request.path) and not charter.is_up_to_date(user):
            url = reverse("accounts:charter")
            if request.method == "GET":
                url = f"{url}?{urlencode({'next': request.get_full_path()})}"
            if request.headers.get("HX-Request") == "true":
                # A plain redirect would be swapped into the page fragment: ask htmx to load the whole page.
                return HttpResponseClientRedirect(url)
            return redirect(url)
        return self.get_response(request)

    def _is_open(self, path: str) -> bool:
        if self._open_paths is None:  # resolved on first use: reversing at start-up would import the URLconf early
            self._open_paths = frozenset(reverse(name) for name in _OPEN_URL_NAMES)
        return path in self._open_paths or path.startswith(_OPEN_PREFIXES)
