import datetime

import factory

from resorption.settlements.enums import (
    CensusStatus,
    ClosingCause,
    ClosingSolution,
    FieldType,
    OwnerType,
    PoliceStatus,
    SiteStatus,
    WaterAccessType,
)
from resorption.settlements.models import ClosingOrientation, Site, SiteOwner
from tests.territories.factories import CommuneFactory


class SiteFactory(factory.django.DjangoModelFactory):
    """An open site in Bordeaux, with its population known and living conditions not filled in."""

    class Meta:
        model = Site
        skip_postgeneration_save = True

    address = factory.Sequence(lambda n: f"{n} rue des Acacias 33000 Bordeaux")
    commune = factory.SubFactory(CommuneFactory)
    latitude = 44.8378
    longitude = -0.5792
    name = ""
    built_at = datetime.date(2024, 3, 1)
    declared_at = datetime.date(2024, 4, 2)
    field_type = FieldType.LAND
    owner_type = OwnerType.PUBLIC
    population_total = 40
    population_couples = 12
    population_minors = 15
    origin_european = True

    class Params:
        closed = factory.Trait(
            status=SiteStatus.CLOSED,
            closed_at=datetime.date(2025, 6, 30),
            closing_cause=ClosingCause.CLOSED_BY_PREF_ADMIN,
            closed_with_solutions=False,
        )
        resorbed = factory.Trait(
            status=SiteStatus.CLOSED,
            closed_at=datetime.date(2025, 9, 15),
            closing_cause=ClosingCause.RESORBED,
            closed_with_solutions=True,
        )
        with_justice = factory.Trait(
            owner_complaint=True,
            justice_procedure=True,
            justice_rendered=True,
            justice_rendered_by="Tribunal judiciaire de Bordeaux",
            justice_rendered_at=datetime.date(2024, 9, 12),
            justice_challenged=False,
            police_status=PoliceStatus.REQUESTED,
            police_requested_at=datetime.date(2024, 10, 1),
            bailiff="Étude Durand",
        )
        good_living_conditions = factory.Trait(
            water_access_type=WaterAccessType.NETWORK_TAP,
            water_access_is_public=False,
            water_access_is_continuous=True,
            water_access_is_local=True,
            water_access_is_close=True,
            water_access_is_unequal=False,
            water_access_has_stagnant_water=False,
            sanitary_open_air_defecation=False,
            sanitary_working_toilets=True,
            sanitary_toilets_dry=True,
            sanitary_toilets_are_inside=True,
            sanitary_toilets_are_lighted=True,
            sanitary_hand_washing=True,
            electricity_access=True,
            electricity_urban_network=True,
            electricity_access_is_unequal=False,
            trash_is_piling=False,
            trash_evacuation_is_close=True,
            trash_evacuation_is_safe=True,
            trash_evacuation_is_regular=True,
            trash_bulky_is_piling=False,
            pest_animals_presence=False,
            fire_prevention_diagnostic=True,
        )
        census_done = factory.Trait(
            census_status=CensusStatus.DONE,
            census_conducted_at=datetime.date(2024, 5, 20),
            census_conducted_by="Association Les Amis",
        )


class SiteOwnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SiteOwner

    site = factory.SubFactory(SiteFactory)
    name = factory.Sequence(lambda n: f"SCI Propriétaire {n}")
    owner_type = OwnerType.PRIVATE


class ClosingOrientationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClosingOrientation

    site = factory.SubFactory(SiteFactory, resorbed=True)
    solution = ClosingSolution.INSERTION_HOUSING
    people_affected = 10
    households_affected = 3
