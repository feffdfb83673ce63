import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.accounts.factories import UserFactory
from tests.territories.factories import CommuneFactory, DepartementFactory, EpciFactory, RegionFactory

pytestmark = pytest.mark.django_db

URL = reverse("territories:search")


@pytest.fixture
def signed_in(client):
    client.force_login(UserFactory())
    return client


def test_search_returns_matching_territories_as_json(signed_in):
    CommuneFactory()
    response = signed_in.get(URL, {"q": "bordeaux"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "results": [
            {
                "level": "commune",
                "level_label": "Commune",
                "code": "33063",
                "name": "Bordeaux",
                "label": "Bordeaux (33)",
            }
        ]
    }


def test_search_finds_by_postal_code_and_without_accents(signed_in):
    CommuneFactory(code="33449", name="Saint-Médard-en-Jalles", postal_codes="33160", population=32910)
    assert [result["code"] for result in signed_in.get(URL, {"q": "saint medard"}).json()["results"]] == ["33449"]
    assert [result["code"] for result in signed_in.get(URL, {"q": "33160"}).json()["results"]] == ["33449"]


def test_anonymous_user_is_sent_to_login(client):
    response = client.get(URL, {"q": "bordeaux"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "b"}, {"q": "   "}, {"q": "\x00"}, {"q": "%"}, {"q": "_"}])
def test_missing_short_or_meaningless_query_gives_no_results(signed_in, params):
    CommuneFactory()
    response = signed_in.get(URL, params)
    assert response.status_code == 200
    assert response.json() == {"results": []}


def test_very_long_query_is_answered(signed_in):
    CommuneFactory()
    response = signed_in.get(URL, {"q": "bordeaux " * 500})
    assert response.status_code == 200
    assert [result["code"] for result in response.json()["results"]] == ["33063"]


def test_only_get_is_allowed(signed_in):
    assert signed_in.post(URL, {"q": "bordeaux"}).status_code == 405


def test_query_count_stays_flat_as_territories_grow(signed_in, django_assert_num_queries):
    def add_matches(start, count):
        for number in range(start, start + count):
            region = RegionFactory(code=f"R{number}", name=f"Sainte Région {number}")
            departement = DepartementFactory(code=f"D{number}", name=f"Sainte Département {number}", region=region)
            EpciFactory(code=f"E{number}", name=f"CC Sainte {number}", departements=[departement])
            CommuneFactory(code=f"C{number}", name=f"Sainte-Commune-{number}", departement=departement)

    params = {"q": "sainte"}
    add_matches(0, 1)
    signed_in.get(URL, params)  # the first request of a session may read and write more than the next ones
    with CaptureQueriesContext(connection) as few_rows:
        assert len(signed_in.get(URL, params).json()["results"]) == 4

    add_matches(1, 15)
    with django_assert_num_queries(len(few_rows)):
        assert len(signed_in.get(URL, params).json()["results"]) == 10
