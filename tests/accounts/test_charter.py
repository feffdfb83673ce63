from datetime import date
from urllib.parse import urlencode

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, URLResolver, get_resolver, reverse

from resorption.accounts.services.auth import user_accept_charter
from tests.accounts.factories import CharterFactory, UserFactory
from tests.accounts.helpers import text

CHARTER_URL = reverse("accounts:charter")
CHECKBOX_LABEL = "J'ai lu et j'accepte la charte d'engagement"
# Pages a signed-in user may open before accepting (see AccountGateMiddleware).
OPEN_URL_NAMES = {
    "accounts:charter",
    "accounts:logout",
    "core:legal",
    "core:privacy",
    "core:accessibility",
    "core:healthz",
}

pytestmark = pytest.mark.django_db


def _page_names(patterns=None, namespace=""):
    """Every named URL of the project that takes no argument."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _page_names(pattern.url_patterns, inner)
        elif pattern.name:
            name = f"{namespace}{pattern.name}"
            try:
                reverse(name)
            except NoReverseMatch:
                continue
            yield name


GATED_URL_NAMES = sorted(set(_page_names()) - OPEN_URL_NAMES)


@pytest.fixture
def charter():
    return CharterFactory(version=1, published_at=date(2024, 3, 1), body="Premier engagement.\n\nSecond engagement.")


def test_every_page_is_listed():
    assert {"dashboard:index", "core:home", "accounts:login"} <= set(GATED_URL_NAMES)


@pytest.mark.parametrize("url_name", GATED_URL_NAMES)
def test_user_who_has_not_accepted_is_sent_to_the_charter_from_every_page(client, charter, url_name):
    client.force_login(UserFactory())
    url = reverse(url_name)

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{CHARTER_URL}?{urlencode({'next': url})}"


def test_gate_keeps_the_query_string_in_next(client, charter):
    client.force_login(UserFactory())

    response = client.get(reverse("dashboard:index"), {"onglet": "sites"})

    assert response.url == f"{CHARTER_URL}?{urlencode({'next': '/tableau-de-bord/?onglet=sites'})}"


def test_gate_asks_htmx_to_load_the_whole_charter_page(client, charter):
    client.force_login(UserFactory())

    response = client.get(reverse("dashboard:index"), headers={"HX-Request": "true"})

    assert response.headers["HX-Redirect"].startswith(CHARTER_URL)


def test_gate_refuses_posts_too(client, charter):
    client.force_login(UserFactory())

    response = client.post(reverse("dashboard:index"))

    assert response.status_code == 302
    assert response.url == CHARTER_URL


@pytest.mark.parametrize("url_name", sorted(OPEN_URL_NAMES - {"accounts:logout", "accounts:charter"}))
def test_legal_pages_stay_open_before_accepting(client, charter, url_name):
    client.force_login(UserFactory())

    assert client.get(reverse(url_name)).status_code == 200


def test_logout_stays_possible_before_accepting(client, charter):
    client.force_login(UserFactory())

    assert client.post(reverse("accounts:logout")).url == reverse("core:home")


def test_no_charter_published_means_no_gate(client):
    client.force_login(UserFactory())

    assert client.get(reverse("dashboard:index")).status_code == 200
    assert "Aucune charte d'engagement n'est publiée" in text(client.get(CHARTER_URL))


def test_charter_page_asks_to_accept(client, charter):
    client.force_login(UserFactory())

    response = client.get(CHARTER_URL, {"next": "/territoires/recherche/"})

    page = text(response)
    assert response.status_code == 200
    assert "Version 1 du 1 mars 2024" in page
    assert "<p>Premier engagement.</p>" in page
    assert CHECKBOX_LABEL in page
    assert 'type="checkbox"' in page
    assert 'name="next" value="/territoires/recherche/"' in page


def test_accepting_records_the_version_and_goes_to_next(client, charter):
    user = UserFactory()
    client.force_login(user)

    response = client.post(CHARTER_URL, {"accepted": "on", "version": "1", "next": "/territoires/recherche/?q=a"})

    assert response.status_code == 302
    assert response.url == "/territoires/recherche/?q=a"
    user.refresh_from_db()
    assert user.charter_version_accepted == 1
    assert user.charter_accepted_at is not None
    assert client.get(reverse("dashboard:index")).status_code == 200
    assert "Vous avez accepté cette version de la charte le" in text(client.get(CHARTER_URL))


def test_accepting_without_next_or_with_an_unsafe_one_goes_to_dashboard(client, charter):
    user = UserFactory()
    client.force_login(user)

    response = client.post(CHARTER_URL, {"accepted": "on", "version": "1", "next": "https://pirate.example/"})

    assert response.url == reverse("dashboard:index")


def test_checkbox_is_required(client, charter):
    user = UserFactory()
    client.force_login(user)

    response = client.post(CHARTER_URL, {"version": "1"})

    assert response.status_code == 200
    assert "Cochez la case pour accepter la charte d'engagement." in text(response)
    user.refresh_from_db()
    assert user.charter_version_accepted is None


def test_new_version_gates_again(client, charter):
    user = UserFactory(charter_version_accepted=1)
    client.force_login(user)
    assert client.get(reverse("dashboard:index")).status_code == 200

    CharterFactory(version=2)

    assert client.get(reverse("dashboard:index")).url.startswith(CHARTER_URL)
    assert "Version 2" in text(client.get(CHARTER_URL))


def test_accepting_an_older_version_is_refused(client, charter):
    user = UserFactory(charter_version_accepted=None)
    client.force_login(user)
    CharterFactory(version=2)

    response = client.post(CHARTER_URL, {"accepted": "on", "version": "1"})

    assert response.status_code == 200
    page = text(response)
    assert "n'est plus la version en vigueur" in page
    assert 'name="version" value="2"' in page
    user.refresh_from_db()
    assert user.charter_version_accepted is None


@pytest.mark.parametrize("version", [1, 3])
def test_service_accepts_only_the_current_version(charter, version):
    CharterFactory(version=2)
    user = UserFactory()

    with pytest.raises(ValidationError):
        user_accept_charter(user=user, version=version)
    user_accept_charter(user=user, version=2)

    user.refresh_from_db()
    assert user.charter_version_accepted == 2


def test_service_refuses_when_no_charter_exists():
    with pytest.raises(ValidationError):
        user_accept_charter(user=UserFactory(), version=1)


def test_anonymous_visitor_can_read_the_charter(client, charter):
    response = client.get(CHARTER_URL)

    page = text(response)
    assert response.status_code == 200
    assert "Premier engagement." in page
    assert CHECKBOX_LABEL not in page


def test_anonymous_visitor_cannot_accept(client, charter):
    response = client.post(CHARTER_URL, {"accepted": "on", "version": "1"})

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_user_up_to_date_posting_again_is_sent_on(client, charter):
    client.force_login(UserFactory(charter_version_accepted=1))

    assert client.post(CHARTER_URL, {}).url == reverse("dashboard:index")


def test_gate_reads_the_charter_version_with_the_user_without_a_query_of_its_own(client, charter):
    client.force_login(UserFactory(charter_version_accepted=1))

    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("dashboard:index")).status_code == 200

    charter_table = '"accounts_charter"'
    user_table = '"accounts_user"'
    reading_charter = [query["sql"] for query in queries if charter_table in query["sql"]]
    assert reading_charter
    assert all(user_table in sql for sql in reading_charter)
