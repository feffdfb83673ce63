import time
from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
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


# Where the session remembers when its expiry was last pushed back (seconds since the epoch).
RENEWED_AT_KEY = "_renewed_at"


class SessionRenewalMiddleware:
    """Pushes a session's expiry back (the idle timeout, reference §B.5) at most once every SESSION_RENEWAL_SECONDS.

    Django's SESSION_SAVE_EVERY_REQUEST writes the session on every page; here a page writes it only when the last
    renewal is a minute old or more. The idle rule stays exact to that minute: a session expires between
    SESSION_COOKIE_AGE minus a minute and SESSION_COOKIE_AGE after the last request. Sessions that Django writes anyway
    (sign-in, messages) are stamped on the way, which saves the next write.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.interval = settings.SESSION_RENEWAL_SECONDS

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only sessions that exist and hold something: a visitor's empty session is never created by this.
        if session is None or session.session_key is None or session.is_empty():
            return response
        now = int(time.time())
        renewed_at = session.get(RENEWED_AT_KEY)
        if session.modified or not isinstance(renewed_at, int) or now - renewed_at >= self.interval:
            session[RENEWED_AT_KEY] = now
        return response


def stamp_renewal_at_sign_in(sender, request, user, **kwargs) -> None:
    """`user_logged_in` receiver: a new session starts renewed, so the pages right after signing in write nothing."""
    if request is not None and hasattr(request, "session"):
        request.session[RENEWED_AT_KEY] = int(time.time())


class PrivatePagesMiddleware:
    """Every answer to a signed-in person is kept by no cache, shared or private (`Cache-Control: no-store`).

    Signed-in pages and exports hold what only their reader may see — justice procedures, owners, targeted messages,
    accounts — and a shared computer's browser cache or a proxy must not keep them (issue 9, item 5). Set here for
    every signed-in answer rather than view by view, so that no new page can forget it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "no-store" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)
        return response
