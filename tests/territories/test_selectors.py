import pytest

from resorption.territories.selectors import TerritoryResult, search_territories
from tests.territories.factories import CommuneFactory, DepartementFactory, EpciFactory, RegionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def bordeaux():
    commune = CommuneFactory()
    commune.epci = EpciFactory(departements=[commune.departement])
    commune.save()
    return commune


def test_results_span_every_level_with_labels(bordeaux):
    CommuneFactory(code="45045", name="Bordeaux-en-Gâtinais", departement=DepartementFactory(code="45"), population=80)
    assert search_territories("bordeaux") == [
        TerritoryResult(level="commune", level_label="Commune", code="33063", name="Bordeaux", label="Bordeaux (33)"),
        TerritoryResult(
            level="epci",
            level_label="Intercommunalité",
            code="243300316",
            name="Bordeaux Métropole",
            label="Bordeaux Métropole",
        ),
        TerritoryResult(
            level="commune",
            level_label="Commune",
            code="45045",
            name="Bordeaux-en-Gâtinais",
            label="Bordeaux-en-Gâtinais (45)",
        ),
    ]


def test_equally_relevant_results_put_the_wider_level_first(bordeaux):
    RegionFactory(code="76", name="Gironde")  # not a real région: shares the département's name on purpose
    results = search_territories("gironde")
    assert [(result.level, result.code) for result in results] == [("region", "76"), ("departement", "33")]


def test_a_departement_code_gives_the_departement_then_its_communes(bordeaux):
    results = search_territories("33")
    assert [(result.level, result.label) for result in results] == [
        ("departement", "Gironde (33)"),
        ("commune", "Bordeaux (33)"),
    ]


def test_a_postal_code_finds_its_commune(bordeaux):
    assert [result.code for result in search_territories("33000")] == ["33063"]


def test_results_are_cut_to_the_limit():
    for number in range(12):
        CommuneFactory(code=f"33{number:03}", name=f"Saint-Test-{number}", postal_codes="")
    assert len(search_territories("saint test")) == 10
    assert len(search_territories("saint test", limit=3)) == 3


@pytest.mark.parametrize("term", ["", " ", "b", " b ", "\x00", "\x00b"])
def test_terms_shorter_than_two_characters_give_nothing(bordeaux, term):
    assert search_territories(term) == []


def test_one_query_per_level_whatever_the_number_of_matches(bordeaux, django_assert_num_queries):
    for number in range(20):
        CommuneFactory(code=f"33{number:03}", name=f"Bordeaux-{number}", postal_codes="")
        EpciFactory(code=f"2433{number:05}", name=f"CC Bordeaux {number}", departements=[bordeaux.departement])
    with django_assert_num_queries(4):
        assert len(search_territories("bordeaux")) == 10
