"""Where the map goes for what a user types (`resorption.maps.geocoding`): our territories always, the national
address API when `ADDRESS_API_URL` is set — here a small HTTP server on loopback standing in for it."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.urls import reverse

from resorption.maps import geocoding
from resorption.maps.geocoding import Result
from tests.accounts.factories import UserFactory
from tests.territories.factories import CommuneFactory, DepartementFactory, EpciFactory, RegionFactory

pytestmark = pytest.mark.django_db

# Two answers of the BAN (https://api-adresse.data.gouv.fr/search/?q=…), cut to what is read.
BAN_ANSWER = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [-0.548, 44.836]},
            "properties": {"label": "14 Quai de la Souys 33100 Bordeaux", "type": "housenumber", "score": 0.9},
        },
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [-0.5495, 44.8378]},
            "properties": {"label": "Quai de la Souys 33100 Bordeaux", "type": "street"},
        },
        # Not places: skipped.
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [200, 44]}, "properties": {"label": "Loin"}},
        {"type": "Feature", "geometry": None, "properties": {"label": "Sans point"}},
        {"type": "Feature", "geometry": {"coordinates": [1, 2]}, "properties": {}},
        "pas un objet",
    ],
}


class AddressApi:
    """An HTTP server on loopback answering like the address API; `answer` sets what it sends next."""

    def __init__(self):
        self.requests: list[dict] = []
        self.status, self.body, self.delay = 200, json.dumps(BAN_ANSWER).encode(), 0.0
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                api.requests.append({"path": urlsplit(self.path).path, **parse_qs(urlsplit(self.path).query)})
                time.sleep(api.delay)
                try:
                    self.send_response(api.status)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(api.body)
                except OSError:  # the client gave up waiting
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/search/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def address_api():
    with AddressApi() as api:
        yield api


@pytest.fixture
def territories():
    gironde = DepartementFactory()  # 33, in Nouvelle-Aquitaine (75)
    bordeaux = CommuneFactory(code="33063", name="Bordeaux", departement=gironde, postal_codes="33000", population=26)
    EpciFactory(code="243300316", name="Bordeaux Métropole", departements=[gironde])
    RegionFactory(code="76", name="Occitanie")
    return bordeaux


# Our territories (the default: no outside call)


def test_a_departement_is_centred_on_its_prefecture(territories):
    assert geocoding.search_territory_places("Gironde") == [
        Result("Gironde (33) — Département", "departement", 44.8378, -0.5792, 9)
    ]


def test_a_region_is_centred_on_its_chef_lieu(territories):
    assert geocoding.search_territory_places("Occitanie") == [
        Result("Occitanie — Région", "region", 43.6047, 1.4442, 8)  # Toulouse
    ]


def test_a_commune_or_an_intercommunality_names_the_filter_showing_its_sites(territories):
    """Neither has coordinates of its own: the map shows its sites, or its département's chef-lieu when it has none."""
    assert geocoding.search_territory_places("Bordeaux") == [
        Result("Bordeaux (33) — Commune", "commune", 44.8378, -0.5792, 12, "commune-33063"),
        Result("Bordeaux Métropole — Intercommunalité", "epci", 44.8378, -0.5792, 11, "epci-243300316"),
    ]


def test_the_search_of_places_costs_six_queries_at_most(territories, django_assert_max_num_queries):
    """One per territory level, and the départements of the communes and of the intercommunalities found."""
    with django_assert_max_num_queries(6):
        assert len(geocoding.search_territory_places("Bordeaux")) == 2


@pytest.mark.parametrize("query", ["", "b", "\x00", "x" * 5000, "%", "zzzzzz"])
def test_nothing_matching_gives_no_place(territories, query):
    assert geocoding.search_territory_places(query) == []


def test_without_an_address_api_the_search_finds_territories_only(territories, settings, address_api):
    settings.ADDRESS_API_URL = ""

    assert [result.kind for result in geocoding.geocode("Bordeaux")] == ["commune", "epci"]
    assert address_api.requests == []


@pytest.mark.parametrize(
    ("value", "centre"),
    [
        ("33", (44.8378, -0.5792, 9)),
        ("region-76", (43.6047, 1.4442, 8)),
        ("commune-33063", (44.8378, -0.5792, 9)),
        ("epci-243300316", (44.8378, -0.5792, 9)),
        ("", geocoding.FRANCE),
        ("metropole", geocoding.FRANCE),
        ("commune-00000", geocoding.FRANCE),
    ],
)
def test_the_map_opens_on_the_chosen_territory(territories, value, centre):
    assert geocoding.location_centre(value) == centre


# The address API


def test_with_an_address_api_the_search_adds_its_addresses(territories, settings, address_api):
    settings.ADDRESS_API_URL = address_api.url

    assert geocoding.geocode("quai de la Souys Bordeaux") == [
        Result("14 Quai de la Souys 33100 Bordeaux", "adresse", 44.836, -0.548, 17),
        Result("Quai de la Souys 33100 Bordeaux", "adresse", 44.8378, -0.5495, 16),
    ]
    (request,) = address_api.requests
    assert request == {"path": "/search/", "q": ["quai de la Souys Bordeaux"], "limit": ["5"]}


def test_the_query_sent_is_cleaned_and_a_short_one_is_not_sent(address_api):
    geocoding.search_addresses("  rue\x00 des Lilas " + "x" * 5000, url=address_api.url)
    assert geocoding.search_addresses("ab", url=address_api.url) == []

    (request,) = address_api.requests
    # Control characters out, 100 characters at most, spaces around removed.
    assert request["q"] == ["rue des Lilas " + "x" * 84]


def test_an_address_api_url_with_a_query_string_keeps_it(address_api):
    geocoding.search_addresses("rue des Lilas", url=f"{address_api.url}?type=housenumber")

    assert address_api.requests[0]["type"] == ["housenumber"]
    assert address_api.requests[0]["q"] == ["rue des Lilas"]


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (500, b'{"error": "down"}'),
        (200, b"<html>pas du JSON</html>"),
        (200, b'{"features": {"not": "a list"}}'),
        (200, b'{"type": "FeatureCollection"}'),
        (200, b"[1, 2]"),
        (200, b'{"features": []}' + b" " * 300_000),  # larger than any answer of the API
    ],
)
def test_an_address_api_that_fails_gives_no_address_and_no_error(address_api, status, body, caplog):
    address_api.status, address_api.body = status, body

    assert geocoding.search_addresses("rue des Lilas", url=address_api.url) == []
    assert "address API failed" in caplog.text


def test_an_address_api_too_slow_is_not_waited_for(address_api, monkeypatch):
    monkeypatch.setattr(geocoding, "ADDRESS_API_TIMEOUT_SECONDS", 0.2)
    address_api.delay = 2

    started = time.monotonic()
    assert geocoding.search_addresses("rue des Lilas", url=address_api.url) == []
    assert time.monotonic() - started < 1.5


def test_an_address_api_that_cannot_be_reached_gives_no_address():
    # A port of loopback that nothing listens on (the server is closed before the search).
    with AddressApi() as api:
        url = api.url
    assert geocoding.search_addresses("rue des Lilas", url=url) == []


# The search endpoint of the page


def test_the_place_search_lists_buttons_that_centre_the_map(client, territories, settings, address_api):
    settings.ADDRESS_API_URL = address_api.url
    client.force_login(UserFactory())
    html = client.get(reverse("maps:search"), {"q": "Bordeaux"}).content.decode()

    assert html.count("data-place") == 4
    assert 'data-location="commune-33063"' in html
    assert 'data-latitude="44.836000"' in html and 'data-longitude="-0.548000"' in html and 'data-zoom="17"' in html
    assert "14 Quai de la Souys 33100 Bordeaux" in html


def test_the_place_search_says_when_nothing_is_found(client, territories, settings):
    settings.ADDRESS_API_URL = ""
    client.force_login(UserFactory())

    assert "Aucun lieu trouvé." in client.get(reverse("maps:search"), {"q": "zzzz"}).content.decode()
    assert "Aucun lieu trouvé." not in client.get(reverse("maps:search"), {"q": ""}).content.decode()


@pytest.mark.parametrize("query", ["\x00", "x" * 5000, "9" * 5000, "'; DROP TABLE", "\ud800"])
def test_the_place_search_answers_any_input(client, territories, query):
    client.force_login(UserFactory())
    # A lone surrogate goes as the invalid UTF-8 a broken client sends.
    sent = urlencode([("q", query)], encoding="utf-8", errors="surrogatepass")
    response = client.get(f"{reverse('maps:search')}?{sent}")
    assert response.status_code == 200
