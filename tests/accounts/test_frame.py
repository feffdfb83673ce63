"""The signed-in frame: what every page costs before its own work (issue 8, item 1).

Session + user + everything the header and the permission engine need: at most 2 queries, and no write on a GET.
"""

import html
import os

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config.env import cache_setting, session_engine
from resorption.accounts.enums import AdminRole, AreaType, Role
from tests.accounts.factories import InterventionAreaFactory, PermissionOverrideFactory, UserFactory
from tests.notifications.test_views_centre import notify
from tests.territories.factories import DepartementFactory

pytestmark = pytest.mark.django_db

# A plain signed-in page: the DSFR layout, the header (menu, administration link, bell) and nothing of its own.
PLAIN_PAGE = reverse("core:legal")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _frame_queries(client: Client) -> list[str]:
    client.get(PLAIN_PAGE)  # the first page may renew the session; the next ones within a minute do not
    with CaptureQueriesContext(connection) as queries:
        response = client.get(PLAIN_PAGE)
    assert response.status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def _partner_with_areas_overrides_and_notifications():
    partner = UserFactory(role=Role.COLLABORATOR)
    for code in ("31", "44"):
        InterventionAreaFactory(organization=partner.organization, departement=DepartementFactory(code=code))
    InterventionAreaFactory(organization=partner.organization, area_type=AreaType.NATION, departement=None)
    PermissionOverrideFactory(organization=partner.organization, key="shantytown.create")
    PermissionOverrideFactory(user=partner, key="shantytown.close", allowed=True)
    for _ in range(3):
        notify(partner)
    notify(partner, read=True)
    return partner


@pytest.mark.parametrize("role", ["national_admin", "local_admin", "partner"])
def test_a_signed_in_page_costs_the_session_and_the_user_and_writes_nothing(client, role):
    if role == "partner":
        user = _partner_with_areas_overrides_and_notifications()
    else:
        admin_role = AdminRole.NATIONAL_ADMIN if role == "national_admin" else AdminRole.LOCAL_ADMIN
        user = UserFactory(role=Role.COLLABORATOR, admin_role=admin_role)
    client.force_login(user)

    queries = _frame_queries(client)

    assert len(queries) == 2, queries
    assert 'FROM "django_session"' in queries[0]
    assert 'FROM "accounts_user"' in queries[1]


def test_the_bell_counts_unread_notifications_from_the_user_query(client):
    partner = _partner_with_areas_overrides_and_notifications()
    client.force_login(partner)

    page = html.unescape(client.get(PLAIN_PAGE).content.decode())
    assert "Notifications, 3 non lues" in page

    notify(partner)
    page = html.unescape(client.get(PLAIN_PAGE).content.decode())
    assert "Notifications, 4 non lues" in page


def test_the_administration_link_follows_the_stored_permissions(client):
    user = UserFactory(role=Role.COLLABORATOR)
    client.force_login(user)
    administration = reverse("accounts:admin_users")
    assert administration not in client.get(PLAIN_PAGE).content.decode()

    PermissionOverrideFactory(user=user, key="user.list", allowed=True)

    assert administration in client.get(PLAIN_PAGE).content.decode()


@pytest.fixture
def redis_sessions(settings):
    """Sessions in Redis alone (SESSION_STORE=cache, CACHE_URL=redis://…), in a key space of this test's own."""
    import redis

    server = redis.Redis.from_url(REDIS_URL)
    server.ping()  # Redis runs on every machine of this project (scripts/ensure-redis.sh in CI)
    prefix = f"test-{os.getpid()}-{id(settings)}"
    settings.CACHES = {**settings.CACHES, "default": {**cache_setting(REDIS_URL), "KEY_PREFIX": prefix}}
    settings.SESSION_ENGINE = session_engine("cache", settings.CACHES["default"])
    yield server
    for key in server.scan_iter(f"{prefix}:*"):
        server.delete(key)


def test_with_sessions_in_redis_a_page_costs_one_query_and_any_process_reads_the_session(redis_sessions):
    user = _partner_with_areas_overrides_and_notifications()
    first_process, second_process = Client(), Client()
    first_process.force_login(user)
    second_process.cookies = first_process.cookies  # the same browser, answered by another process or host

    queries = _frame_queries(second_process)

    assert len(queries) == 1, queries
    assert 'FROM "accounts_user"' in queries[0]
    first_process.post(reverse("accounts:logout"))
    assert second_process.get(PLAIN_PAGE).status_code == 200  # legal notices are public…
    assert second_process.get(reverse("dashboard:index")).status_code == 302  # …but the session is gone everywhere


def test_cache_and_session_settings_come_from_the_environment():
    assert cache_setting("redis://cache.internal:6379/1") == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://cache.internal:6379/1",
    }
    assert cache_setting("db")["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert cache_setting("locmem")["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert session_engine("db", cache_setting("locmem")) == "resorption.accounts.sessions"
    assert session_engine("cached_db", cache_setting("db")) == "django.contrib.sessions.backends.cached_db"
    with pytest.raises(ImproperlyConfigured):
        cache_setting("memcached://somewhere")
    with pytest.raises(ImproperlyConfigured):
        session_engine("cache", cache_setting("db"))  # sessions would be lost with the cache table's culling
    with pytest.raises(ImproperlyConfigured):
        session_engine("files", cache_setting("db"))


def test_the_session_timeout_setting_is_thirty_minutes_renewed_at_most_every_minute():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_RENEWAL_SECONDS == 60
    assert not getattr(settings, "SESSION_SAVE_EVERY_REQUEST", False)
