import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from resorption.accounts.enums import AdminRole, Role
from resorption.accounts.middleware import RENEWED_AT_KEY
from resorption.accounts.models import SignInAttempt
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory

LOGIN_URL = reverse("accounts:login")
DASHBOARD_URL = reverse("dashboard:index")

pytestmark = pytest.mark.django_db


def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


@pytest.mark.parametrize("signed_in", [False, True])
def test_pages_carry_the_security_headers(client, signed_in):
    if signed_in:
        client.force_login(UserFactory())
    response = client.get(DASHBOARD_URL if signed_in else LOGIN_URL)

    assert response.status_code == 200
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    directives = csp_directives(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in directives["script-src"]


def test_scripts_are_same_origin_files_or_carry_the_nonce_of_the_policy(client):
    response = client.get(LOGIN_URL)

    [nonce_source] = [value for value in csp_directives(response)["script-src"] if value.startswith("'nonce-")]
    nonce = nonce_source.removeprefix("'nonce-").removesuffix("'")
    scripts = re.findall(r"<script\b[^>]*>", response.content.decode())
    sources = [re.search(r'\ssrc="([^"]*)"', script) for script in scripts]
    # A file from this site is allowed by 'self'; anything inline needs the nonce.
    assert all(source is None or re.match(r"/[^/]", source.group(1)) for source in sources)
    assert all(f'nonce="{nonce}"' in script for script, source in zip(scripts, sources, strict=True) if source is None)
    assert any(f'nonce="{nonce}"' in script for script in scripts)  # htmx: the nonce reaches the page


def test_nonce_changes_on_every_response(client):
    first = csp_directives(client.get(LOGIN_URL))["script-src"]
    second = csp_directives(client.get(LOGIN_URL))["script-src"]

    assert first != second


def test_login_refuses_a_post_without_csrf_token():
    user = UserFactory()
    browser = Client(enforce_csrf_checks=True)

    response = browser.post(LOGIN_URL, {"email": user.email, "password": DEFAULT_PASSWORD})

    assert response.status_code == 403
    assert SESSION_KEY not in browser.session
    assert not SignInAttempt.objects.exists()


def test_login_accepts_a_post_with_the_token_of_the_form():
    user = UserFactory()
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(LOGIN_URL).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    response = browser.post(
        LOGIN_URL, {"email": user.email, "password": DEFAULT_PASSWORD, "csrfmiddlewaretoken": token}
    )

    assert response.status_code == 302
    assert browser.session[SESSION_KEY] == str(user.pk)


def test_logout_refuses_a_post_without_csrf_token():
    user = UserFactory()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)

    assert browser.post(reverse("accounts:logout")).status_code == 403
    assert browser.session[SESSION_KEY] == str(user.pk)


def test_session_cookie_is_http_only_lax_and_ends_with_the_browser(client):
    user = UserFactory()

    response = client.post(LOGIN_URL, {"email": user.email, "password": DEFAULT_PASSWORD})

    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == ""
    assert cookie["expires"] == ""


def _session(client) -> Session:
    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)


def test_session_idle_longer_than_the_timeout_is_signed_out(client):
    client.post(LOGIN_URL, {"email": UserFactory().email, "password": DEFAULT_PASSWORD})
    assert client.get(DASHBOARD_URL).status_code == 200
    # As if the last request had been made SESSION_COOKIE_AGE seconds and one more ago.
    Session.objects.filter(pk=_session(client).pk).update(expire_date=timezone.now() - timedelta(seconds=1))

    response = client.get(DASHBOARD_URL)

    assert response.status_code == 302
    assert response.url == f"{LOGIN_URL}?next={DASHBOARD_URL}"


def _idle_for(client, seconds: int) -> None:
    """As if the last renewal of the client's session had been `seconds` ago."""
    store = SessionStore(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)
    store[RENEWED_AT_KEY] = store[RENEWED_AT_KEY] - seconds
    store.save()
    Session.objects.filter(pk=store.session_key).update(
        expire_date=timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - seconds)
    )


def test_activity_pushes_the_timeout_back(client):
    client.post(LOGIN_URL, {"email": UserFactory().email, "password": DEFAULT_PASSWORD})
    _idle_for(client, settings.SESSION_COOKIE_AGE - 60)  # idle for all but the last minute of the allowed time
    before = timezone.now()

    assert client.get(DASHBOARD_URL).status_code == 200

    renewed = _session(client).expire_date
    assert renewed >= before + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert settings.SESSION_COOKIE_AGE == 30 * 60


def test_a_page_within_a_minute_of_the_last_renewal_writes_nothing(client):
    client.post(LOGIN_URL, {"email": UserFactory().email, "password": DEFAULT_PASSWORD})
    # 45 s rather than 59: the seconds the test itself takes on a loaded machine count as idle time too (at 59 s, one
    # slow second crossed the minute and renewed the session in one CI-like run).
    _idle_for(client, 45)
    expiry = _session(client).expire_date

    with CaptureQueriesContext(connection) as queries:
        assert client.get(DASHBOARD_URL).status_code == 200

    assert _session(client).expire_date == expiry
    assert [query["sql"] for query in queries.captured_queries if not query["sql"].startswith("SELECT")] == []


def test_the_first_page_a_minute_after_the_last_renewal_renews(client):
    client.post(LOGIN_URL, {"email": UserFactory().email, "password": DEFAULT_PASSWORD})
    _idle_for(client, 60)
    before = timezone.now()

    assert client.get(DASHBOARD_URL).status_code == 200

    assert _session(client).expire_date >= before + timedelta(seconds=settings.SESSION_COOKIE_AGE)


def test_a_session_idle_just_under_the_timeout_stays_signed_in(client):
    client.post(LOGIN_URL, {"email": UserFactory().email, "password": DEFAULT_PASSWORD})
    _idle_for(client, settings.SESSION_COOKIE_AGE - 5)

    assert client.get(DASHBOARD_URL).status_code == 200


@pytest.mark.parametrize("name", ["dashboard:index", "settlements:list", "accounts:profile", "core:legal"])
def test_no_cache_keeps_what_a_signed_in_person_reads(client, name):
    client.force_login(UserFactory())

    response = client.get(reverse(name))

    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    assert "private" in response.headers["Cache-Control"]


def test_a_site_page_its_history_and_the_journal_export_are_not_cached(client):
    from tests.settlements.factories import SiteFactory

    site = SiteFactory(with_justice=True)
    client.force_login(UserFactory(role=Role.DIRECT_COLLABORATOR, admin_role=AdminRole.LOCAL_ADMIN))
    for url in (
        reverse("settlements:detail", kwargs={"pk": site.pk}),
        reverse("settlements:history", kwargs={"pk": site.pk}),
        reverse("settlements:print_site", kwargs={"pk": site.pk}),
        reverse("journal:export"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response.headers["Cache-Control"], url


def test_public_pages_for_visitors_are_left_to_the_usual_rules(client):
    response = client.get(reverse("core:home"))

    assert "no-store" not in response.headers.get("Cache-Control", "")
