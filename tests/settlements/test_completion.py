import pytest

from resorption.settlements.completion import CRITERIA, completion_percent, completion_rate, missing_criteria
from resorption.settlements.enums import CensusStatus, FieldType, OwnerType
from resorption.settlements.models import Site
from tests.settlements.factories import SiteFactory

pytestmark = pytest.mark.django_db


def _complete_site(**overrides) -> Site:
    """Every criterion filled: precise address, types known, census status, counts, origins, four sections known."""
    return SiteFactory.build(good_living_conditions=True, **{"census_status": CensusStatus.NONE, **overrides})


def test_there_are_twelve_criteria():
    assert len(CRITERIA) == 12


def test_a_complete_site_is_at_100_percent():
    site = _complete_site()
    site.refresh_living_condition_statuses()

    assert completion_rate(site) == 1
    assert completion_percent(site) == 100
    assert missing_criteria(site) == []


@pytest.mark.parametrize(
    ("overrides", "missing"),
    [
        ({"address": "33000 Bordeaux"}, "Adresse précise"),
        ({"field_type": FieldType.UNKNOWN}, "Type de site"),
        ({"owner_type": OwnerType.UNKNOWN}, "Type de propriétaire"),
        ({"census_status": ""}, "Statut du diagnostic social"),
        ({"population_total": None}, "Nombre de personnes"),
        ({"population_couples": None}, "Nombre de ménages"),
        ({"population_minors": None}, "Nombre de mineurs"),
        ({"origin_european": False}, "Origines"),
        ({"water_access_type": "inconnu"}, "Accès à l'eau"),
        ({"sanitary_working_toilets": None}, "Toilettes"),
        ({"electricity_access": None}, "Électricité"),
        ({"trash_is_piling": None}, "Évacuation des déchets"),
    ],
)
def test_each_criterion_counts_for_one_twelfth_floored_to_two_decimals(overrides, missing):
    site = _complete_site(**overrides)
    site.refresh_living_condition_statuses()

    assert missing_criteria(site) == [missing]
    assert completion_rate(site) == 0.91  # 11/12 = 0.9166…, floored
    assert completion_percent(site) == 91


def test_an_empty_record_is_at_zero_and_the_rate_is_floored():
    site = SiteFactory.build(
        address="33000 Bordeaux",
        field_type=FieldType.UNKNOWN,
        owner_type=OwnerType.UNKNOWN,
        population_total=None,
        population_couples=None,
        population_minors=None,
        origin_european=False,
    )
    site.refresh_living_condition_statuses()
    assert completion_rate(site) == 0

    site.population_total = 30  # 1/12 = 0.0833…
    assert completion_rate(site) == 0.08
    site.origin_french = True  # 2/12 = 0.1666…
    assert completion_rate(site) == 0.16


def test_the_factory_site_misses_census_and_living_conditions():
    site = SiteFactory()

    assert missing_criteria(site) == [
        "Statut du diagnostic social",
        "Accès à l'eau",
        "Toilettes",
        "Électricité",
        "Évacuation des déchets",
    ]
    assert completion_percent(site) == 58  # 7/12 = 0.5833…
