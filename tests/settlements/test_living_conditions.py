from types import SimpleNamespace

import pytest

from resorption.settlements import living_conditions as lc
from resorption.settlements.enums import LivingConditionSection as Section
from resorption.settlements.enums import LivingConditionStatus as S
from resorption.settlements.enums import WaterAccessType as Water
from tests.settlements.factories import SiteFactory

BLANK = {
    "water_access_type": Water.UNKNOWN,
    "water_access_is_public": None,
    "water_access_is_continuous": None,
    "water_access_is_local": None,
    "water_access_is_close": None,
    "water_access_is_unequal": None,
    "water_access_has_stagnant_water": None,
    "sanitary_open_air_defecation": None,
    "sanitary_working_toilets": None,
    "sanitary_toilets_latrines": False,
    "sanitary_toilets_chemical": False,
    "sanitary_toilets_dry": False,
    "sanitary_toilets_flush": False,
    "sanitary_toilets_are_inside": None,
    "sanitary_toilets_are_lighted": None,
    "sanitary_hand_washing": None,
    "electricity_access": None,
    "electricity_generator": False,
    "electricity_urban_network": False,
    "electricity_building_installation": False,
    "electricity_access_is_unequal": None,
    "trash_is_piling": None,
    "trash_evacuation_is_close": None,
    "trash_evacuation_is_safe": None,
    "trash_evacuation_is_regular": None,
    "trash_bulky_is_piling": None,
    "pest_animals_presence": None,
    "fire_prevention_diagnostic": None,
}
GOOD_WATER = {
    "water_access_type": Water.NETWORK_TAP,
    "water_access_is_public": False,
    "water_access_is_continuous": True,
    "water_access_is_local": True,
    "water_access_is_close": True,
    "water_access_is_unequal": False,
    "water_access_has_stagnant_water": False,
}
GOOD_SANITARY = {
    "sanitary_open_air_defecation": False,
    "sanitary_working_toilets": True,
    "sanitary_toilets_flush": True,
    "sanitary_toilets_are_inside": True,
    "sanitary_toilets_are_lighted": True,
    "sanitary_hand_washing": True,
}
GOOD_ELECTRICITY = {
    "electricity_access": True,
    "electricity_urban_network": True,
    "electricity_access_is_unequal": False,
}
GOOD_TRASH = {
    "trash_is_piling": False,
    "trash_evacuation_is_close": True,
    "trash_evacuation_is_safe": True,
    "trash_evacuation_is_regular": True,
    "trash_bulky_is_piling": False,
}


def answers(**values):
    return SimpleNamespace(**{**BLANK, **values})


def test_precedence_is_bad_then_unknown_then_to_improve():
    assert lc.combine([S.GOOD, S.TO_IMPROVE, S.UNKNOWN, S.BAD]) == S.BAD
    assert lc.combine([S.GOOD, S.TO_IMPROVE, S.UNKNOWN]) == S.UNKNOWN
    assert lc.combine([S.TO_IMPROVE, S.GOOD]) == S.TO_IMPROVE
    assert lc.combine([S.GOOD, S.GOOD]) == S.GOOD
    assert lc.combine([]) == S.GOOD


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (GOOD_WATER, S.GOOD),
        (
            {
                "water_access_type": Water.OTHER,
                "water_access_is_public": False,
                "water_access_is_continuous": True,
                "water_access_is_local": True,
                "water_access_is_close": True,
                "water_access_is_unequal": False,
                "water_access_has_stagnant_water": False,
            },
            S.GOOD,
        ),
        ({}, S.UNKNOWN),
        ({"water_access_type": Water.PUBLIC_FOUNTAIN}, S.BAD),
        ({"water_access_type": Water.FIRE_HYDRANT}, S.BAD),
        ({"water_access_type": Water.BOTTLES}, S.BAD),
        ({"water_access_type": Water.TANK}, S.BAD),
        ({"water_access_type": Water.NETWORK_TAP, "water_access_is_public": True}, S.BAD),
        ({"water_access_type": Water.NETWORK_TAP}, S.UNKNOWN),
        ({**GOOD_WATER, "water_access_is_continuous": False}, S.TO_IMPROVE),
        ({**GOOD_WATER, "water_access_is_close": False}, S.TO_IMPROVE),
        ({**GOOD_WATER, "water_access_is_unequal": True}, S.TO_IMPROVE),
        ({**GOOD_WATER, "water_access_has_stagnant_water": True}, S.TO_IMPROVE),
        ({**GOOD_WATER, "water_access_is_close": None}, S.UNKNOWN),
        # Off site: the on-site questions are not asked, and off site is bad.
        ({**GOOD_WATER, "water_access_is_local": False, "water_access_is_close": None}, S.BAD),
        # Bad wins over unknown and to-improve.
        ({**GOOD_WATER, "water_access_is_continuous": None, "water_access_is_local": False}, S.BAD),
        # Unknown wins over to-improve.
        ({**GOOD_WATER, "water_access_is_continuous": False, "water_access_is_close": None}, S.UNKNOWN),
    ],
)
def test_water(values, expected):
    assert lc.water_status(answers(**values)) == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (GOOD_SANITARY, S.GOOD),
        ({}, S.UNKNOWN),
        ({**GOOD_SANITARY, "sanitary_open_air_defecation": True}, S.BAD),
        ({"sanitary_open_air_defecation": False, "sanitary_working_toilets": False}, S.BAD),
        ({**GOOD_SANITARY, "sanitary_open_air_defecation": None}, S.UNKNOWN),
        ({**GOOD_SANITARY, "sanitary_toilets_are_inside": False}, S.TO_IMPROVE),
        ({**GOOD_SANITARY, "sanitary_toilets_are_lighted": False}, S.TO_IMPROVE),
        ({**GOOD_SANITARY, "sanitary_hand_washing": False}, S.TO_IMPROVE),
        ({**GOOD_SANITARY, "sanitary_hand_washing": None}, S.UNKNOWN),
        (
            {
                "sanitary_open_air_defecation": False,
                "sanitary_working_toilets": True,
                "sanitary_toilets_latrines": True,
            },
            S.TO_IMPROVE,
        ),
        ({"sanitary_open_air_defecation": False, "sanitary_working_toilets": True}, S.UNKNOWN),
    ],
)
def test_sanitary(values, expected):
    assert lc.sanitary_status(answers(**values)) == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (GOOD_ELECTRICITY, S.GOOD),
        (
            {
                "electricity_access": True,
                "electricity_building_installation": True,
                "electricity_access_is_unequal": False,
            },
            S.GOOD,
        ),
        ({}, S.UNKNOWN),
        ({"electricity_access": False}, S.BAD),
        ({"electricity_access": True}, S.UNKNOWN),
        (
            {"electricity_access": True, "electricity_generator": True, "electricity_access_is_unequal": False},
            S.TO_IMPROVE,
        ),
        ({**GOOD_ELECTRICITY, "electricity_generator": True}, S.GOOD),
        ({**GOOD_ELECTRICITY, "electricity_access_is_unequal": True}, S.TO_IMPROVE),
        ({**GOOD_ELECTRICITY, "electricity_access_is_unequal": None}, S.UNKNOWN),
    ],
)
def test_electricity(values, expected):
    assert lc.electricity_status(answers(**values)) == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (GOOD_TRASH, S.GOOD),
        ({}, S.UNKNOWN),
        ({**GOOD_TRASH, "trash_is_piling": True}, S.BAD),
        ({"trash_is_piling": False, "trash_evacuation_is_close": False}, S.BAD),
        ({**GOOD_TRASH, "trash_evacuation_is_safe": False}, S.TO_IMPROVE),
        ({**GOOD_TRASH, "trash_evacuation_is_regular": False}, S.TO_IMPROVE),
        ({**GOOD_TRASH, "trash_bulky_is_piling": True}, S.TO_IMPROVE),
        ({**GOOD_TRASH, "trash_evacuation_is_regular": None}, S.UNKNOWN),
        ({**GOOD_TRASH, "trash_is_piling": True, "trash_evacuation_is_regular": None}, S.BAD),
    ],
)
def test_trash(values, expected):
    assert lc.trash_status(answers(**values)) == expected


@pytest.mark.parametrize(("answer", "expected"), [(False, S.GOOD), (True, S.BAD), (None, S.UNKNOWN)])
def test_pest_animals(answer, expected):
    assert lc.pest_animals_status(answers(pest_animals_presence=answer)) == expected


@pytest.mark.parametrize(("answer", "expected"), [(True, S.GOOD), (False, S.BAD), (None, S.UNKNOWN)])
def test_fire_prevention(answer, expected):
    assert lc.fire_prevention_status(answers(fire_prevention_diagnostic=answer)) == expected


def test_every_section_has_a_rule():
    assert list(lc.site_living_conditions(answers())) == list(Section)
    assert set(lc.site_living_conditions(answers()).values()) == {S.UNKNOWN}


@pytest.mark.django_db
def test_saving_a_site_stores_the_statuses_for_list_filters():
    site = SiteFactory(good_living_conditions=True)
    assert {site.water_status, site.sanitary_status, site.trash_status, site.fire_prevention_status} == {S.GOOD}
    site.pest_animals_presence = True
    site.save(update_fields=["pest_animals_presence"])
    site.refresh_from_db()
    assert site.pest_animals_status == S.BAD
    assert site.water_status == S.GOOD
