import pytest

from resorption.territories.models import Commune, Departement, Epci, Region, parse_departement_code
from tests.territories.factories import CommuneFactory, DepartementFactory, EpciFactory, RegionFactory

pytestmark = pytest.mark.django_db


def codes(queryset):
    return [territory.code for territory in queryset]


@pytest.fixture
def gironde():
    """Bordeaux and two other Gironde communes."""
    return {
        "bordeaux": CommuneFactory(),
        "saint_medard": CommuneFactory(
            code="33449", name="Saint-Médard-en-Jalles", postal_codes="33160", population=32910
        ),
        "merignac": CommuneFactory(code="33281", name="Mérignac", postal_codes="33700", population=74000),
    }


def test_save_fills_search_name_without_accents_hyphens_or_apostrophes():
    commune = CommuneFactory(code="95306", name="L'Isle-Adam", departement=DepartementFactory(code="95"))
    assert commune.search_name == "l isle adam"


def test_search_ignores_accents_case_and_hyphens(gironde):
    for term in ("saint medard", "Saint-Médard", "SAINT MÉDARD EN JALLES", "saint-medard-en-jalles"):
        assert codes(Commune.objects.search(term)) == ["33449"], term


def test_search_matches_every_word_in_any_order(gironde):
    assert codes(Commune.objects.search("jalles saint")) == ["33449"]
    assert codes(Commune.objects.search("saint jalles paris")) == []


def test_search_spells_out_saint_abbreviations(gironde):
    assert codes(Commune.objects.search("st medard")) == ["33449"]


def test_search_finds_a_commune_by_insee_code(gironde):
    assert codes(Commune.objects.search("33063")) == ["33063"]


def test_search_finds_a_commune_by_any_of_its_postal_codes(gironde):
    assert codes(Commune.objects.search("33000")) == ["33063"]
    assert codes(Commune.objects.search("33800")) == ["33063"]


def test_search_matches_postal_codes_from_their_start_only(gironde):
    assert codes(Commune.objects.search("3370")) == ["33281"]
    # "300" is inside "33000" but starts none of the postal codes.
    assert codes(Commune.objects.search("300")) == []


def test_search_by_code_prefix_orders_communes_by_population(gironde):
    assert codes(Commune.objects.search("33")) == ["33063", "33281", "33449"]


def test_search_puts_exact_names_before_longer_ones():
    CommuneFactory(code="33449", name="Saint-Médard-en-Jalles", postal_codes="33160", population=32910)
    CommuneFactory(code="16333", name="Saint-Médard", departement=DepartementFactory(code="16"), population=300)
    assert codes(Commune.objects.search("saint medard")) == ["16333", "33449"]


def test_search_puts_name_starts_before_words_inside_names():
    CommuneFactory(code="33003", name="Artigues-près-Bordeaux", postal_codes="33370", population=8900)
    CommuneFactory(code="45045", name="Bordeaux-en-Gâtinais", departement=DepartementFactory(code="45"), population=80)
    assert codes(Commune.objects.search("bordeaux")) == ["45045", "33003"]


def test_search_finds_regions_with_or_without_accents():
    RegionFactory(code="11", name="Île-de-France")
    RegionFactory()
    for term in ("ile de france", "Île-de-France", "ILE-DE-FRANCE", "11"):
        assert codes(Region.objects.search(term)) == ["11"], term


def test_search_finds_departements_by_name_and_corsican_code():
    DepartementFactory()
    DepartementFactory(code="2A", name="Corse-du-Sud", region=RegionFactory(code="94", name="Corse"))
    assert codes(Departement.objects.search("gironde")) == ["33"]
    assert codes(Departement.objects.search("2a")) == ["2A"]


def test_search_finds_epci_by_name_and_siren():
    EpciFactory()
    assert codes(Epci.objects.search("bordeaux metropole")) == ["243300316"]
    assert codes(Epci.objects.search("2433")) == ["243300316"]


@pytest.mark.parametrize("term", ["", "   ", "-", "'", "\x00"])
def test_search_without_words_finds_nothing(gironde, term):
    assert codes(Commune.objects.search(term)) == []


def test_search_drops_control_characters(gironde):
    assert codes(Commune.objects.search("bor\x00deaux")) == ["33063"]


def test_overseas_and_metropole_split_regions_departements_and_communes():
    bordeaux = CommuneFactory()
    saint_denis = CommuneFactory(overseas=True)
    assert codes(Region.objects.overseas()) == ["04"]
    assert codes(Region.objects.metropole()) == ["75"]
    assert codes(Departement.objects.overseas()) == ["974"]
    assert codes(Departement.objects.metropole()) == ["33"]
    assert codes(Commune.objects.overseas()) == [saint_denis.code]
    assert codes(Commune.objects.metropole()) == [bordeaux.code]


@pytest.mark.parametrize("code", ["01", "02", "03", "04", "06"])
def test_the_five_drom_regions_are_overseas(code):
    region = RegionFactory(code=code, name="Outre-mer")
    assert region.is_overseas
    assert codes(Region.objects.overseas()) == [code]
    assert codes(Region.objects.metropole()) == []


def test_corsica_is_in_metropole():
    region = RegionFactory(code="94", name="Corse")
    assert not region.is_overseas
    assert codes(Region.objects.metropole()) == ["94"]


def test_labels_show_the_departement_code():
    commune = CommuneFactory()
    assert str(commune) == "Bordeaux (33)"
    assert str(commune.departement) == "Gironde (33)"
    assert str(commune.departement.region) == "Nouvelle-Aquitaine"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("33", "33"), ("2a", "2A"), (" 974 ", "974"), ("", None), ("3", None), ("9740", None), ("3\x00", None)]
    + [("٣٣", None), ("33; --", None), (None, None), (["33"], None)],
)
def test_a_departement_code_is_read_from_its_written_shape_only(value, expected):
    assert parse_departement_code(value) == expected
