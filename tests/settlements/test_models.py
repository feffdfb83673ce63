import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction

from resorption.settlements.enums import (
    CensusStatus,
    ClosingCause,
    ClosingSolution,
    ElectricityAccessType,
    FieldType,
    LivingConditionStatus,
    Origin,
    OwnerType,
    PoliceStatus,
    SiteStatus,
    ToiletType,
    TriState,
    WaterAccessType,
    tri_state_label,
)
from resorption.settlements.models import STATUS_FIELDS, ClosingOrientation, Site, SiteActor
from resorption.territories.models import Commune
from resorption.territories.signals import territories_loaded
from tests.accounts.factories import UserFactory
from tests.settlements.factories import ClosingOrientationFactory, SiteFactory, SiteOwnerFactory
from tests.territories.factories import CommuneFactory, DepartementFactory, EpciFactory

pytestmark = pytest.mark.django_db

D = datetime.date


def every_field_values(commune):
    """A value for every editable field of a site, all rules of §C respected."""
    return {
        "address": "12 rue des Acacias 33000 Bordeaux",
        "commune": commune,
        "latitude": 44.85,
        "longitude": -0.57,
        "name": "Le Lac",
        "address_details": "Entrée par le chemin de halage",
        "built_at": D(2023, 1, 10),
        "declared_at": D(2023, 2, 1),
        "field_type": FieldType.BUILDING,
        "owner_type": OwnerType.PRIVATE,
        "is_reinstallation": True,
        "reinstallation_comments": "Venus d'un site fermé en 2022",
        "census_status": CensusStatus.DONE,
        "census_conducted_at": D(2023, 6, 1),
        "census_conducted_by": "Opérateur du diagnostic",
        "population_total": 60,
        "population_total_females": 28,
        "population_couples": 18,
        "population_minors": 25,
        "population_minors_girls": 12,
        "population_minors_0_3": 4,
        "population_minors_3_6": 5,
        "population_minors_6_12": 8,
        "population_minors_12_16": 5,
        "population_minors_16_18": 3,
        "minors_in_school": 14,
        "caravans": 6,
        "huts": 10,
        "tents": 2,
        "cars": 1,
        "mattresses": 30,
        "origin_french": True,
        "origin_european": True,
        "origin_extra_european": True,
        "water_access_type": WaterAccessType.OTHER,
        "water_access_type_details": "Tuyau tiré depuis la station-service",
        "water_access_is_public": False,
        "water_access_is_continuous": False,
        "water_access_is_continuous_details": "Coupé la nuit",
        "water_access_is_local": True,
        "water_access_is_close": False,
        "water_access_is_unequal": True,
        "water_access_is_unequal_details": "Le fond du terrain n'y a pas accès",
        "water_access_has_stagnant_water": True,
        "water_access_comments": "Pression faible",
        "sanitary_open_air_defecation": False,
        "sanitary_working_toilets": True,
        "sanitary_toilets_latrines": True,
        "sanitary_toilets_chemical": True,
        "sanitary_toilets_dry": True,
        "sanitary_toilets_flush": True,
        "sanitary_toilets_are_inside": True,
        "sanitary_toilets_are_lighted": False,
        "sanitary_hand_washing": True,
        "electricity_access": True,
        "electricity_generator": True,
        "electricity_urban_network": True,
        "electricity_building_installation": True,
        "electricity_access_is_unequal": False,
        "trash_is_piling": False,
        "trash_evacuation_is_close": True,
        "trash_evacuation_is_safe": True,
        "trash_evacuation_is_regular": False,
        "trash_bulky_is_piling": True,
        "pest_animals_presence": True,
        "pest_animals_details": "Rats",
        "fire_prevention_diagnostic": True,
        "owner_complaint": True,
        "justice_procedure": True,
        "justice_rendered": True,
        "justice_rendered_by": "Tribunal judiciaire",
        "justice_rendered_at": D(2023, 9, 1),
        "justice_challenged": False,
        "evacuation_under_time_limit": True,
        "administrative_order_decision_at": D(2023, 10, 1),
        "administrative_order_decision_rendered_by": "Préfecture",
        "administrative_order_evacuation_at": D(2023, 12, 1),
        "insalubrity_order": True,
        "insalubrity_order_displayed": True,
        "insalubrity_order_type": "Arrêté de mise en sécurité",
        "insalubrity_order_by": "Maire",
        "insalubrity_order_at": D(2023, 11, 1),
        "insalubrity_parcels": "AB 12, AB 13",
        "police_status": PoliceStatus.GRANTED,
        "police_requested_at": D(2023, 10, 15),
        "police_granted_at": D(2023, 11, 15),
        "existing_litigation": True,
        "bailiff": "Étude Durand",
        "heatwave": True,
        "resorption_target": 2026,
        "preparatory_phases": {"sociological_diagnosis": "2024-01-15", "political_validation": None},
        "status": SiteStatus.CLOSED,
        "closed_at": D(2024, 3, 1),
        "closing_cause": ClosingCause.OTHER,
        "closed_with_solutions": True,
        "closing_context": "Relogement progressif",
        "updated_at": D(2024, 3, 2),
        "version": 7,
    }


def editable_field_names():
    return {
        field.name
        for field in Site._meta.concrete_fields
        if field.editable and not field.primary_key and field.name not in {"created_by", "updated_by"}
    }


def test_every_field_round_trips():
    commune = CommuneFactory()
    values = every_field_values(commune)
    assert set(values) == editable_field_names(), "every_field_values must cover every editable field"
    site = Site(**values)
    site.full_clean()
    site.save()
    other = SiteFactory()
    site.incoming_sites.add(other)
    owner = SiteOwnerFactory(site=site, name="Commune de Bordeaux", owner_type=OwnerType.PUBLIC)
    orientation = ClosingOrientationFactory(site=site, solution=ClosingSolution.ORDINARY_HOUSING)

    stored = Site.objects.get(pk=site.pk)
    for name, value in values.items():
        assert getattr(stored, name) == value, name
    assert list(stored.incoming_sites.all()) == [other]
    assert list(other.reinstalled_sites.all()) == [stored]
    assert list(stored.owners.all()) == [owner]
    assert list(stored.closing_orientations.all()) == [orientation]
    assert stored.origins == list(Origin)
    assert stored.toilet_types == list(ToiletType)
    assert stored.electricity_access_types == list(ElectricityAccessType)
    assert stored.is_closed and stored.is_resorbed
    assert stored.water_status == LivingConditionStatus.TO_IMPROVE
    assert stored.pest_animals_status == LivingConditionStatus.BAD


def test_display_name_strips_postal_code_and_city():
    site = SiteFactory(address="12 rue des Acacias 33000 Bordeaux", name="Le Lac")
    assert site.address_simple == "12 rue des Acacias"
    assert str(site) == "12 rue des Acacias « Le Lac »"
    assert SiteFactory(address="33000 Bordeaux").display_name == "Pas d'adresse précise"


def test_tri_state_converts_both_ways():
    assert [TriState.from_bool(value) for value in (True, False, None)] == [
        TriState.YES,
        TriState.NO,
        TriState.UNKNOWN,
    ]
    assert [member.to_bool() for member in TriState] == [True, False, None]
    assert tri_state_label(None) == "Inconnu"


BAD_DATA = {
    "address_required": {"address": ""},
    "name_length": {"name": "x" * 36},
    "name_without_brackets": {"name": "<script>"},
    "latitude_range": {"latitude": 91},
    "longitude_range": {"longitude": -181},
    "declared_after_built": {"built_at": D(2024, 5, 1), "declared_at": D(2024, 4, 1)},
    "census_date_required": {"census_status": CensusStatus.SCHEDULED, "census_conducted_by": "X"},
    "census_operator_required": {"census_status": CensusStatus.DONE, "census_conducted_at": D(2024, 5, 1)},
    "census_after_built": {
        "census_status": CensusStatus.DONE,
        "census_conducted_at": D(2020, 1, 1),
        "census_conducted_by": "X",
    },
    "population_at_least_one": {"population_total": 0, "population_couples": None, "population_minors": None},
    "females_within_total": {"population_total_females": 41},
    "households_within_total": {"population_couples": 41},
    "minors_within_total": {"population_minors": 41},
    "minors_cover_age_brackets": {"population_minors": 5, "population_minors_0_3": 3, "population_minors_12_16": 3},
    "girls_within_minors": {"population_minors_girls": 16},
    "schooled_within_minors": {"minors_in_school": 16},
    "water_details_iff_other": {"water_access_type": WaterAccessType.OTHER},
    "water_public_asked": {"water_access_type": WaterAccessType.PUBLIC_FOUNTAIN, "water_access_is_public": False},
    "water_continuous_asked": {"water_access_is_continuous": True},
    "water_continuous_details_iff": {
        "water_access_type": WaterAccessType.NETWORK_TAP,
        "water_access_is_public": False,
        "water_access_is_continuous": False,
    },
    "water_local_asked": {"water_access_is_local": True},
    "water_is_close_asked": {"water_access_is_close": True},
    "water_unequal_details_iff": {"water_access_is_unequal_details": "Pour certains"},
    "toilet_types_asked": {"sanitary_working_toilets": False, "sanitary_toilets_flush": True},
    "sanitary_toilets_are_inside_asked": {
        "sanitary_working_toilets": True,
        "sanitary_toilets_latrines": True,
        "sanitary_toilets_are_inside": True,
    },
    "electricity_types_asked": {"electricity_access": None, "electricity_generator": True},
    "electricity_unequal_asked": {"electricity_access": True, "electricity_access_is_unequal": True},
    "trash_evacuation_is_safe_asked": {"trash_evacuation_is_close": False, "trash_evacuation_is_safe": True},
    "justice_rendered_asked": {"justice_procedure": False, "justice_rendered": False},
    "justice_decision_iff_rendered": {"justice_procedure": True, "justice_rendered": True},
    "justice_challenged_asked": {"justice_procedure": True, "justice_rendered": False, "justice_challenged": True},
    "justice_after_built": {
        "justice_procedure": True,
        "justice_rendered": True,
        "justice_rendered_by": "TJ",
        "justice_rendered_at": D(2023, 1, 1),
    },
    "administrative_order_asked": {"administrative_order_decision_at": D(2024, 6, 1)},
    "administrative_order_after_built": {
        "evacuation_under_time_limit": True,
        "administrative_order_decision_at": D(2020, 6, 1),
    },
    "insalubrity_displayed_asked": {"insalubrity_order": False, "insalubrity_order_displayed": True},
    "police_asked": {"police_status": PoliceStatus.NONE},
    "police_requested_date": {"justice_procedure": True, "police_status": PoliceStatus.REFUSED},
    "police_granted_date": {
        "justice_procedure": True,
        "police_status": PoliceStatus.GRANTED,
        "police_requested_at": D(2024, 6, 1),
    },
    "police_granted_after_requested": {
        "justice_procedure": True,
        "police_status": PoliceStatus.GRANTED,
        "police_requested_at": D(2024, 6, 1),
        "police_granted_at": D(2024, 5, 1),
    },
    "litigation_asked": {"justice_procedure": True, "police_status": PoliceStatus.NONE, "existing_litigation": True},
    "closed_iff_closing_data": {"status": SiteStatus.CLOSED},
    "closed_iff_closing_data_open_with_date": {"closed_at": D(2025, 1, 1)},
    "closing_context_for_other": {
        "status": SiteStatus.CLOSED,
        "closed_at": D(2025, 1, 1),
        "closing_cause": ClosingCause.OTHER,
    },
    "resorbed_answer_when_closed": {"closed_with_solutions": True},
    "closed_after_declared": {
        "status": SiteStatus.CLOSED,
        "closed_at": D(2024, 3, 15),
        "closing_cause": ClosingCause.UNKNOWN,
    },
    "closed_after_built": {
        "built_at": D(2024, 3, 1),
        "declared_at": D(2024, 3, 1),
        "status": SiteStatus.CLOSED,
        "closed_at": D(2024, 3, 1),
        "closing_cause": ClosingCause.UNKNOWN,
    },
    "resorption_target_year": {"resorption_target": 26},
}


@pytest.mark.parametrize("case", BAD_DATA)
def test_constraints_refuse_bad_data(case):
    constraint = next(c for c in Site._meta.constraints if c.name == "site_" + case.removesuffix("_open_with_date"))
    site = SiteFactory.build(commune=CommuneFactory(), **BAD_DATA[case])
    with pytest.raises(ValidationError) as error:
        site.validate_constraints()
    assert error.value.messages == [constraint.violation_error_message]
    # The database refuses it too: the check on SQLite; for the name length PostgreSQL's varchar(35) answers first.
    with transaction.atomic(), pytest.raises((IntegrityError, DataError)):
        site.save()


def test_the_default_factory_site_is_valid():
    SiteFactory.build(commune=CommuneFactory()).full_clean()
    SiteFactory.build(commune=CommuneFactory(), closed=True, with_justice=True, census_done=True).full_clean()
    SiteFactory.build(commune=CommuneFactory(), resorbed=True, good_living_conditions=True).full_clean()


def test_an_orientation_is_given_once_per_solution_with_households_within_people():
    orientation = ClosingOrientationFactory()
    with transaction.atomic(), pytest.raises(IntegrityError):
        ClosingOrientation.objects.create(site=orientation.site, solution=orientation.solution)
    with pytest.raises(ValidationError, match="ménages ne peut pas dépasser"):
        ClosingOrientationFactory.build(
            site=orientation.site, people_affected=2, households_affected=3, solution=ClosingSolution.DEDICATED_SCHEME
        ).full_clean()


def test_counts_cannot_be_negative():
    with transaction.atomic(), pytest.raises(IntegrityError):
        SiteFactory(caravans=-1)


def test_queryset_filters():
    gironde_site = SiteFactory(commune__epci=EpciFactory())
    closed = SiteFactory(closed=True)
    resorbed = SiteFactory(resorbed=True)
    toulouse = CommuneFactory(code="31555", name="Toulouse", departement=DepartementFactory(code="31"))
    elsewhere = SiteFactory(commune=toulouse)
    assert set(Site.objects.open()) == {gironde_site, elsewhere}
    assert set(Site.objects.closed()) == {closed, resorbed}
    assert list(Site.objects.resorbed()) == [resorbed]
    assert set(Site.objects.in_departement("31")) == {elsewhere}
    site = Site.objects.with_list_data().get(pk=gironde_site.pk)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert (site.commune.departement.name, site.commune.epci.name) == ("Gironde", "Bordeaux Métropole")
    assert len(queries) == 0


def test_status_fields_are_not_editable():
    assert all(not Site._meta.get_field(name).editable for name in STATUS_FIELDS.values())


def test_search_text_follows_address_name_and_commune_without_accents():
    site = SiteFactory(address="12 rue de l'Église 33000 Bordeaux", name="Les Hêtres")
    commune = site.commune
    commune_terms = f"bordeaux gironde {commune.postal_codes}"
    assert commune.postal_codes  # the commune's postal codes are searched too
    assert site.search_text == f"12 rue de l eglise 33000 bordeaux les hetres {commune_terms}"

    site.name = "Été"
    site.save(update_fields=["name"])
    site.refresh_from_db()
    assert site.search_text == f"12 rue de l eglise 33000 bordeaux ete {commune_terms}"


def test_search_text_follows_a_move_to_another_commune():
    site = SiteFactory(address="Chemin du Port", name="")
    site.commune = CommuneFactory(code="33281", name="Mérignac", postal_codes="33700")
    site.save(update_fields=["commune"])
    site.refresh_from_db()
    assert site.search_text == "chemin du port merignac gironde 33700"


def test_renamed_territories_are_searched_by_their_new_names():
    site = SiteFactory(address="Chemin du Port", name="")
    commune = site.commune
    Commune.objects.filter(pk=commune.pk).update(name="Bordeaux-la-Belle", search_name="bordeaux la belle")
    territories_loaded.send(sender=None, changed=1)
    site.refresh_from_db()
    assert site.search_text.startswith("chemin du port bordeaux la belle gironde ")


def test_a_user_is_actor_of_a_site_once_and_other_theme_reads_as_its_description():
    site, user = SiteFactory(), UserFactory()
    actor = SiteActor.objects.create(site=site, user=user, themes=["sante", "autre"], other_theme="Accès aux droits")

    assert actor.theme_labels == ["Santé", "Accès aux droits"]
    with pytest.raises(IntegrityError), transaction.atomic():
        SiteActor.objects.create(site=site, user=user)
