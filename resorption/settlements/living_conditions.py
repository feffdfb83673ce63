"""The status of each living-condition section (reference §C.4 « statuses », §L.5), computed here and nowhere else.

Each sub-question an inhabitant's situation answers contributes an impact: good, to improve, bad or unknown. A
section's status is the first of bad → unknown → to improve found among its impacts, else good (§C.4: "section status
= first of bad → unknown → toImprove found, else good"). A sub-question is only looked at when the form asks it — the
same conditions the model constraints enforce — so an unasked question never makes a section unknown.

The functions read attributes only (a `Site`, a historical site, or any object with the same attribute names), so
they serve the site page, the stored status columns, exports at a past date and the tests alike. Where §C.4 gives the
rule it is quoted; where it says "inferred" or gives nothing, the docstring says "ours" and why.
"""

from collections.abc import Iterable
from typing import Any

from resorption.settlements.enums import ElectricityAccessType, LivingConditionSection, LivingConditionStatus
from resorption.settlements.enums import WaterAccessType as Water

Status = LivingConditionStatus
# The water section's answers, in the order the form asks them (the site form and the export list them so).
WATER_FIELDS = (
    "water_access_type",
    "water_access_type_details",
    "water_access_is_public",
    "water_access_is_continuous",
    "water_access_is_continuous_details",
    "water_access_is_local",
    "water_access_is_close",
    "water_access_is_unequal",
    "water_access_is_unequal_details",
    "water_access_has_stagnant_water",
    "water_access_comments",
)
GOOD, TO_IMPROVE, BAD, UNKNOWN = Status.GOOD, Status.TO_IMPROVE, Status.BAD, Status.UNKNOWN


def combine(impacts: Iterable[Status]) -> Status:
    """The section status from its impacts: mauvais > inconnu > à améliorer > bon (§C.4, §L.5)."""
    found = set(impacts)
    for status in (BAD, UNKNOWN, TO_IMPROVE):
        if status in found:
            return status
    return GOOD


def _answer(value: bool | None, *, yes: Status, no: Status) -> Status:
    """The impact of a yes/no answer; an unknown answer (NULL) is always « inconnu »."""
    if value is None:
        return UNKNOWN
    return yes if value else no


def water_status(site: Any) -> Status:
    """« Eau » (§C.4 water examples).

    - Access type: « Robinet connecté au réseau d'eau » or « Autre » ⇒ bon; « Inconnu » ⇒ inconnu; any other type
      (fontaine, borne incendie, bouteilles, réservoir) ⇒ mauvais.
    - Asked for a tap or « autre »: a water point on the public road ⇒ mauvais, not public ⇒ bon.
    - Asked when not public: access not continuous ⇒ à améliorer; access off site ⇒ mauvais.
    - Asked when on site: far from the farthest home ⇒ à améliorer; unequal access ⇒ à améliorer and stagnant water
      ⇒ à améliorer (the reference counts both negative, "inferred"; we rate them « à améliorer », like distance,
      because the site does have water on it).
    """
    access_type = site.water_access_type
    if access_type in ("", None, Water.UNKNOWN):
        return UNKNOWN
    if access_type not in (Water.NETWORK_TAP, Water.OTHER):
        return BAD
    impacts = [GOOD, _answer(site.water_access_is_public, yes=BAD, no=GOOD)]
    if site.water_access_is_public is False:
        impacts.append(_answer(site.water_access_is_continuous, yes=GOOD, no=TO_IMPROVE))
        impacts.append(_answer(site.water_access_is_local, yes=GOOD, no=BAD))
        if site.water_access_is_local:
            impacts.append(_answer(site.water_access_is_close, yes=GOOD, no=TO_IMPROVE))
            impacts.append(_answer(site.water_access_is_unequal, yes=TO_IMPROVE, no=GOOD))
            impacts.append(_answer(site.water_access_has_stagnant_water, yes=TO_IMPROVE, no=GOOD))
    return combine(impacts)


def sanitary_status(site: Any) -> Status:
    """« Toilettes » (§C.4 gives the questions, not the rule: ours, on the same pattern as water).

    - Marks of open-air defecation ⇒ mauvais.
    - No working and used toilets ⇒ mauvais.
    - Working toilets: none of the types ticked ⇒ inconnu; latrines built by the inhabitants only ⇒ à améliorer.
    - Asked when other toilets are installed: not inside the site, not lit and lockable, or no hand washing nearby
      ⇒ à améliorer each.
    """
    impacts = [
        _answer(site.sanitary_open_air_defecation, yes=BAD, no=GOOD),
        _answer(site.sanitary_working_toilets, yes=GOOD, no=BAD),
    ]
    if site.sanitary_working_toilets:
        installed = [site.sanitary_toilets_chemical, site.sanitary_toilets_dry, site.sanitary_toilets_flush]
        if any(installed):
            impacts.append(_answer(site.sanitary_toilets_are_inside, yes=GOOD, no=TO_IMPROVE))
            impacts.append(_answer(site.sanitary_toilets_are_lighted, yes=GOOD, no=TO_IMPROVE))
            impacts.append(_answer(site.sanitary_hand_washing, yes=GOOD, no=TO_IMPROVE))
        elif site.sanitary_toilets_latrines:
            impacts.append(TO_IMPROVE)
        else:
            impacts.append(UNKNOWN)
    return combine(impacts)


def electricity_status(site: Any) -> Status:
    """« Électricité » (ours, §C.4 gives the questions only).

    - No electrical installation ⇒ mauvais.
    - An installation whose source is not given ⇒ inconnu; a generator only ⇒ à améliorer (fuel, noise and fire risk);
      the urban network or the building's installation ⇒ bon.
    - Unequal access observed ⇒ à améliorer.
    """
    impacts = [_answer(site.electricity_access, yes=GOOD, no=BAD)]
    if site.electricity_access:
        types = electricity_access_types(site)
        if not types:
            impacts.append(UNKNOWN)
        else:
            impacts.append(TO_IMPROVE if types == [ElectricityAccessType.GENERATOR] else GOOD)
            impacts.append(_answer(site.electricity_access_is_unequal, yes=TO_IMPROVE, no=GOOD))
    return combine(impacts)


def trash_status(site: Any) -> Status:
    """« Déchets » (ours, §C.4 gives the questions only).

    - Household waste piling up ⇒ mauvais; no household-waste collection ⇒ mauvais.
    - Asked when there is a collection: bins in bad repair, irregular collection, or bulky waste piling up ⇒ à
      améliorer each.
    """
    impacts = [
        _answer(site.trash_is_piling, yes=BAD, no=GOOD),
        _answer(site.trash_evacuation_is_close, yes=GOOD, no=BAD),
    ]
    if site.trash_evacuation_is_close:
        impacts.append(_answer(site.trash_evacuation_is_safe, yes=GOOD, no=TO_IMPROVE))
        impacts.append(_answer(site.trash_evacuation_is_regular, yes=GOOD, no=TO_IMPROVE))
        impacts.append(_answer(site.trash_bulky_is_piling, yes=TO_IMPROVE, no=GOOD))
    return combine(impacts)


def pest_animals_status(site: Any) -> Status:
    """« Nuisibles » (ours): pests on or near the site ⇒ mauvais, none ⇒ bon."""
    return _answer(site.pest_animals_presence, yes=BAD, no=GOOD)


def fire_prevention_status(site: Any) -> Status:
    """« Prévention incendie » (ours): no fire-prevention diagnostic carried out ⇒ mauvais, one done ⇒ bon."""
    return _answer(site.fire_prevention_diagnostic, yes=GOOD, no=BAD)


SECTION_RULES = {
    LivingConditionSection.WATER: water_status,
    LivingConditionSection.SANITARY: sanitary_status,
    LivingConditionSection.ELECTRICITY: electricity_status,
    LivingConditionSection.TRASH: trash_status,
    LivingConditionSection.PEST_ANIMALS: pest_animals_status,
    LivingConditionSection.FIRE_PREVENTION: fire_prevention_status,
}


def site_living_conditions(site: Any) -> dict[LivingConditionSection, Status]:
    """Every section's status, in the order of the form."""
    return {section: rule(site) for section, rule in SECTION_RULES.items()}


def electricity_access_types(site: Any) -> list[ElectricityAccessType]:
    """The ticked electricity sources, in the order of the choices."""
    flags = {
        ElectricityAccessType.GENERATOR: site.electricity_generator,
        ElectricityAccessType.URBAN_NETWORK: site.electricity_urban_network,
        ElectricityAccessType.BUILDING_INSTALLATION: site.electricity_building_installation,
    }
    return [kind for kind, ticked in flags.items() if ticked]
