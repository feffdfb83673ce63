"""The declaration and update pages through the HTTP client: every field saved and read back, the rules of §C shown
next to their fields with nothing saved, confidential sections, the duplicate guard, concurrent edits, update dates,
permissions and the query budget."""

import datetime
import html
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from resorption.accounts.enums import Role
from resorption.settlements.enums import (
    CensusStatus,
    FieldType,
    OwnerType,
    PoliceStatus,
    SiteStatus,
    WaterAccessType,
)
from resorption.settlements.models import Site, SiteOwner
from resorption.settlements.services import EDITABLE_FIELDS, site_update
from tests.accounts.factories import OrganizationFactory, UserFactory
from tests.settlements.factories import SiteFactory, SiteOwnerFactory
from tests.settlements.reference import JUSTICE_FIELDS
from tests.territories.factories import CommuneFactory, DepartementFactory, RegionFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
DECLARE_URL = reverse("settlements:declare")
# Far enough (≈ 2 km) from the factory sites (44.8378, -0.5792) for the duplicate guard to stay silent.
LONELY_POINT = {"latitude": "44.8550", "longitude": "-0.5500"}


def update_url(site) -> str:
    return reverse("settlements:update", kwargs={"pk": site.pk})


# ---------------------------------------------------------------------------------------------------------------------
# Helpers: what a browser posts
# ---------------------------------------------------------------------------------------------------------------------


def form_data(form) -> dict:
    """What a browser would send back for the form as shown (answers, hidden initial values, owners' rows)."""
    data: dict = {}
    for bound in form:
        _put(data, bound)
    if form.owners is not None:
        for bound in form.owners.management_form:
            data[bound.html_name] = bound.value()
        for owner_form in form.owners:
            for bound in owner_form:
                _put(data, bound)
    return data


def _put(data: dict, bound) -> None:
    value = bound.value()
    if value is None:
        value = [] if bound.widget_type == "checkboxselectmultiple" else ""
    if bound.widget_type == "checkbox":
        if value:
            data[bound.html_name] = "on"
    else:
        data[bound.html_name] = value
    if bound.field.show_hidden_initial:
        posted = bound.form.data.get(bound.html_initial_name) if bound.form.is_bound else None
        data[bound.html_initial_name] = value if posted is None else posted


def opened(client, url: str) -> dict:
    """Open the page and return what submitting it unchanged would send."""
    response = client.get(url)
    assert response.status_code == 200
    return form_data(response.context["form"])


def edited(data: dict, **changes) -> dict:
    """`data` with answers changed: None removes a key, True ticks a checkbox, lists for multiple choices."""
    data = dict(data)
    for name, value in changes.items():
        if value is None or value is False:
            data.pop(name, None)
        elif value is True:
            data[name] = "on"
        else:
            data[name] = value
    return data


def field_errors(page: str, field: str) -> str:
    """The text of the error block next to `field` in the raw HTML ("" when there is none)."""
    match = re.search(rf'id="id_{re.escape(field)}-desc-error"[^>]*>(.*?)</div>', page, re.DOTALL)
    return html.unescape(match.group(1)) if match else ""


def top_alert(page: str) -> str:
    match = re.search(r'id="erreurs-formulaire">(.*?)</div>', page, re.DOTALL)
    return html.unescape(match.group(1)) if match else ""


# ---------------------------------------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------------------------------------


@pytest.fixture
def correspondent():
    """A correspondant of Gironde: declares and updates there, justice and owners access."""
    return UserFactory(role=Role.DIRECT_COLLABORATOR)


@pytest.fixture
def partner():
    """A partenaire institutionnel of Gironde: declares and updates, neither justice nor owners access."""
    return UserFactory(role=Role.COLLABORATOR)


@pytest.fixture
def bordeaux():
    return CommuneFactory()


@pytest.fixture
def loire_atlantique():
    """Loire-Atlantique, where the preparatory phases of resorption are shown (§C.7), and its correspondent."""
    departement = DepartementFactory(
        code="44", name="Loire-Atlantique", region=RegionFactory(code="52", name="Pays de la Loire")
    )
    nantes = CommuneFactory(code="44109", name="Nantes", departement=departement, postal_codes="44000")
    saint_nazaire = CommuneFactory(code="44184", name="Saint-Nazaire", departement=departement, postal_codes="44600")
    user = UserFactory(role=Role.DIRECT_COLLABORATOR, organization=OrganizationFactory(departement=departement))
    return nantes, saint_nazaire, user


def declaration(client, **changes) -> dict:
    """The declaration form as opened, with a valid minimum filled in (in Bordeaux) and `changes` on top."""
    CommuneFactory()
    data = opened(client, DECLARE_URL)
    return edited(
        data, **{"address": "7 rue des Saules 33000 Bordeaux", "commune": "33063", **LONELY_POINT, **changes}
    )


# ---------------------------------------------------------------------------------------------------------------------
# Every field round-trips
# ---------------------------------------------------------------------------------------------------------------------

# Declared in Nantes: every answer given, each conditional question in the case where it is asked.
FULL_DECLARATION = {
    "address": "12 rue du Test 44000 Nantes",
    "commune": "Nantes (44109)",
    "latitude": "47.2184",
    "longitude": "-1.5536",
    "name": "Les Tilleuls",
    "address_details": "Portail vert",
    "built_at": "2024-01-10",
    "declared_at": "2024-02-01",
    "field_type": FieldType.LAND,
    "owner_type": OwnerType.PRIVATE,
    "is_reinstallation": "1",
    "reinstallation_comments": "Venus d'un site voisin",
    "census_status": CensusStatus.DONE,
    "census_conducted_at": "2024-03-01",
    "census_conducted_by": "CCAS de Nantes",
    "heatwave": True,
    "resorption_target": "2027",
    "preparatory_phases": ["sociological_diagnosis", "social_assessment"],
    "preparatory_phase_sociological_diagnosis_at": "2024-10-01",
    "population_total": "50",
    "population_total_females": "20",
    "population_couples": "12",
    "population_minors": "20",
    "population_minors_girls": "9",
    "population_minors_0_3": "3",
    "population_minors_3_6": "4",
    "population_minors_6_12": "5",
    "population_minors_12_16": "4",
    "population_minors_16_18": "2",
    "minors_in_school": "10",
    "caravans": "5",
    "huts": "6",
    "tents": "2",
    "cars": "1",
    "mattresses": "30",
    "origins": ["french", "european", "other"],
    "water_access_type": WaterAccessType.OTHER,
    "water_access_type_details": "Citerne du voisin",
    "water_access_is_public": "0",
    "water_access_is_continuous": "0",
    "water_access_is_continuous_details": "Coupures la nuit",
    "water_access_is_local": "1",
    "water_access_is_close": "1",
    "water_access_is_unequal": "1",
    "water_access_is_unequal_details": "Une partie du site seulement",
    "water_access_has_stagnant_water": "0",
    "water_access_comments": "Point d'eau partagé",
    "sanitary_open_air_defecation": "1",
    "sanitary_working_toilets": "1",
    "toilet_types": ["latrines", "toilettes_chimiques", "toilettes_seches", "toilettes_a_chasse"],
    "sanitary_toilets_are_inside": "1",
    "sanitary_toilets_are_lighted": "0",
    "sanitary_hand_washing": "1",
    "electricity_access": "1",
    "electricity_access_types": ["electrogene", "reseau_urbain", "installation_du_bati"],
    "electricity_access_is_unequal": "0",
    "trash_is_piling": "1",
    "trash_evacuation_is_close": "1",
    "trash_evacuation_is_safe": "0",
    "trash_evacuation_is_regular": "1",
    "trash_bulky_is_piling": "0",
    "pest_animals_presence": "1",
    "pest_animals_details": "Rats",
    "fire_prevention_diagnostic": "0",
    "owner_complaint": "1",
    "justice_procedure": "1",
    "justice_rendered": "1",
    "justice_rendered_by": "Tribunal judiciaire de Nantes",
    "justice_rendered_at": "2024-06-01",
    "justice_challenged": "0",
    "evacuation_under_time_limit": "1",
    "administrative_order_decision_at": "2024-07-01",
    "administrative_order_decision_rendered_by": "Préfet de Loire-Atlantique",
    "administrative_order_evacuation_at": "2024-08-01",
    "insalubrity_order": "1",
    "insalubrity_order_displayed": "1",
    "insalubrity_order_type": "Arrêté de mise en sécurité",
    "insalubrity_order_by": "Maire de Nantes",
    "insalubrity_order_at": "2024-05-01",
    "insalubrity_parcels": "AB 12, AB 13",
    "police_status": PoliceStatus.GRANTED,
    "police_requested_at": "2024-08-15",
    "police_granted_at": "2024-09-01",
    "existing_litigation": "1",
    "bailiff": "Étude Durand",
    "owners-0-name": "SCI Les Acacias",
    "owners-0-owner_type": OwnerType.PRIVATE,
    "owners-1-name": "Nantes Métropole",
    "owners-1-owner_type": OwnerType.PUBLIC,
}


def full_declaration_expected(nantes, origin_site) -> dict:
    return {
        "address": "12 rue du Test 44000 Nantes",
        "commune": nantes,
        "latitude": 47.2184,
        "longitude": -1.5536,
        "name": "Les Tilleuls",
        "address_details": "Portail vert",
        "built_at": datetime.date(2024, 1, 10),
        "declared_at": datetime.date(2024, 2, 1),
        "field_type": FieldType.LAND,
        "owner_type": OwnerType.PRIVATE,
        "is_reinstallation": True,
        "reinstallation_comments": "Venus d'un site voisin",
        "incoming_sites": [origin_site.pk],
        "census_status": CensusStatus.DONE,
        "census_conducted_at": datetime.date(2024, 3, 1),
        "census_conducted_by": "CCAS de Nantes",
        "heatwave": True,
        "resorption_target": 2027,
        "preparatory_phases": {"sociological_diagnosis": "2024-10-01", "social_assessment": None},
        "population_total": 50,
        "population_total_females": 20,
        "population_couples": 12,
        "population_minors": 20,
        "population_minors_girls": 9,
        "population_minors_0_3": 3,
        "population_minors_3_6": 4,
        "population_minors_6_12": 5,
        "population_minors_12_16": 4,
        "population_minors_16_18": 2,
        "minors_in_school": 10,
        "caravans": 5,
        "huts": 6,
        "tents": 2,
        "cars": 1,
        "mattresses": 30,
        "origin_french": True,
        "origin_european": True,
        "origin_extra_european": True,
        "water_access_type": WaterAccessType.OTHER,
        "water_access_type_details": "Citerne du voisin",
        "water_access_is_public": False,
        "water_access_is_continuous": False,
        "water_access_is_continuous_details": "Coupures la nuit",
        "water_access_is_local": True,
        "water_access_is_close": True,
        "water_access_is_unequal": True,
        "water_access_is_unequal_details": "Une partie du site seulement",
        "water_access_has_stagnant_water": False,
        "water_access_comments": "Point d'eau partagé",
        "sanitary_open_air_defecation": True,
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
        "trash_is_piling": True,
        "trash_evacuation_is_close": True,
        "trash_evacuation_is_safe": False,
        "trash_evacuation_is_regular": True,
        "trash_bulky_is_piling": False,
        "pest_animals_presence": True,
        "pest_animals_details": "Rats",
        "fire_prevention_diagnostic": False,
        "owner_complaint": True,
        "justice_procedure": True,
        "justice_rendered": True,
        "justice_rendered_by": "Tribunal judiciaire de Nantes",
        "justice_rendered_at": datetime.date(2024, 6, 1),
        "justice_challenged": False,
        "evacuation_under_time_limit": True,
        "administrative_order_decision_at": datetime.date(2024, 7, 1),
        "administrative_order_decision_rendered_by": "Préfet de Loire-Atlantique",
        "administrative_order_evacuation_at": datetime.date(2024, 8, 1),
        "insalubrity_order": True,
        "insalubrity_order_displayed": True,
        "insalubrity_order_type": "Arrêté de mise en sécurité",
        "insalubrity_order_by": "Maire de Nantes",
        "insalubrity_order_at": datetime.date(2024, 5, 1),
        "insalubrity_parcels": "AB 12, AB 13",
        "police_status": PoliceStatus.GRANTED,
        "police_requested_at": datetime.date(2024, 8, 15),
        "police_granted_at": datetime.date(2024, 9, 1),
        "existing_litigation": True,
        "bailiff": "Étude Durand",
    }


# The same site updated in every field, to Saint-Nazaire, each conditional question where it is asked or left out.
FULL_UPDATE = {
    "address": "8 avenue du Port 44600 Saint-Nazaire",
    "commune": "44184",
    "latitude": "47.2735",
    "longitude": "-2.2138",
    "name": "Le Port",
    "address_details": "",
    "built_at": "2023-05-05",
    "declared_at": "2023-06-06",
    "field_type": FieldType.BUILDING,
    "owner_type": OwnerType.PUBLIC,
    "is_reinstallation": "0",
    "reinstallation_comments": "",
    "incoming_sites": "",
    "census_status": CensusStatus.SCHEDULED,
    "census_conducted_at": (TODAY + 30 * DAY).isoformat(),
    "census_conducted_by": "Association Le Relais",
    "heatwave": False,
    "resorption_target": "2028",
    "preparatory_phases": ["technical_diagnosis"],
    "preparatory_phase_sociological_diagnosis_at": "",
    "preparatory_phase_technical_diagnosis_at": "2025-02-03",
    "population_total": "60",
    "population_total_females": "25",
    "population_couples": "15",
    "population_minors": "22",
    "population_minors_girls": "10",
    "population_minors_0_3": "4",
    "population_minors_3_6": "5",
    "population_minors_6_12": "6",
    "population_minors_12_16": "5",
    "population_minors_16_18": "1",
    "minors_in_school": "12",
    "caravans": "6",
    "huts": "7",
    "tents": "3",
    "cars": "2",
    "mattresses": "31",
    "origins": [],
    "water_access_type": WaterAccessType.NETWORK_TAP,
    "water_access_type_details": "",
    "water_access_is_public": "1",
    "water_access_is_continuous": "-1",
    "water_access_is_continuous_details": "",
    "water_access_is_local": "-1",
    "water_access_is_close": "-1",
    "water_access_is_unequal": "-1",
    "water_access_is_unequal_details": "",
    "water_access_has_stagnant_water": "-1",
    "water_access_comments": "Eau coupée l'été",
    "sanitary_open_air_defecation": "0",
    "sanitary_working_toilets": "0",
    "toilet_types": [],
    "sanitary_toilets_are_inside": "-1",
    "sanitary_toilets_are_lighted": "-1",
    "sanitary_hand_washing": "-1",
    "electricity_access": "0",
    "electricity_access_types": [],
    "electricity_access_is_unequal": "-1",
    "trash_is_piling": "0",
    "trash_evacuation_is_close": "0",
    "trash_evacuation_is_safe": "-1",
    "trash_evacuation_is_regular": "-1",
    "trash_bulky_is_piling": "-1",
    "pest_animals_presence": "0",
    "pest_animals_details": "",
    "fire_prevention_diagnostic": "1",
    "owner_complaint": "0",
    "justice_procedure": "0",
    "justice_rendered": "-1",
    "justice_rendered_by": "",
    "justice_rendered_at": "",
    "justice_challenged": "-1",
    "evacuation_under_time_limit": "0",
    "administrative_order_decision_at": "",
    "administrative_order_decision_rendered_by": "",
    "administrative_order_evacuation_at": "",
    "insalubrity_order": "0",
    "insalubrity_order_displayed": "-1",
    "insalubrity_order_type": "",
    "insalubrity_order_by": "",
    "insalubrity_order_at": "",
    "insalubrity_parcels": "",
    "police_status": "",
    "police_requested_at": "",
    "police_granted_at": "",
    "existing_litigation": "-1",
    "bailiff": "",
}


def full_update_expected(saint_nazaire) -> dict:
    return {
        "address": "8 avenue du Port 44600 Saint-Nazaire",
        "commune": saint_nazaire,
        "latitude": 47.2735,
        "longitude": -2.2138,
        "name": "Le Port",
        "address_details": "",
        "built_at": datetime.date(2023, 5, 5),
        "declared_at": datetime.date(2023, 6, 6),
        "field_type": FieldType.BUILDING,
        "owner_type": OwnerType.PUBLIC,
        "is_reinstallation": False,
        "reinstallation_comments": "",
        "incoming_sites": [],
        "census_status": CensusStatus.SCHEDULED,
        "census_conducted_at": TODAY + 30 * DAY,
        "census_conducted_by": "Association Le Relais",
        "heatwave": False,
        "resorption_target": 2028,
        "preparatory_phases": {"technical_diagnosis": "2025-02-03"},
        "population_total": 60,
        "population_total_females": 25,
        "population_couples": 15,
        "population_minors": 22,
        "population_minors_girls": 10,
        "population_minors_0_3": 4,
        "population_minors_3_6": 5,
        "population_minors_6_12": 6,
        "population_minors_12_16": 5,
        "population_minors_16_18": 1,
        "minors_in_school": 12,
        "caravans": 6,
        "huts": 7,
        "tents": 3,
        "cars": 2,
        "mattresses": 31,
        "origin_french": False,
        "origin_european": False,
        "origin_extra_european": False,
        "water_access_type": WaterAccessType.NETWORK_TAP,
        "water_access_type_details": "",
        "water_access_is_public": True,
        "water_access_is_continuous": None,
        "water_access_is_continuous_details": "",
        "water_access_is_local": None,
        "water_access_is_close": None,
        "water_access_is_unequal": None,
        "water_access_is_unequal_details": "",
        "water_access_has_stagnant_water": None,
        "water_access_comments": "Eau coupée l'été",
        "sanitary_open_air_defecation": False,
        "sanitary_working_toilets": False,
        "sanitary_toilets_latrines": False,
        "sanitary_toilets_chemical": False,
        "sanitary_toilets_dry": False,
        "sanitary_toilets_flush": False,
        "sanitary_toilets_are_inside": None,
        "sanitary_toilets_are_lighted": None,
        "sanitary_hand_washing": None,
        "electricity_access": False,
        "electricity_generator": False,
        "electricity_urban_network": False,
        "electricity_building_installation": False,
        "electricity_access_is_unequal": None,
        "trash_is_piling": False,
        "trash_evacuation_is_close": False,
        "trash_evacuation_is_safe": None,
        "trash_evacuation_is_regular": None,
        "trash_bulky_is_piling": None,
        "pest_animals_presence": False,
        "pest_animals_details": "",
        "fire_prevention_diagnostic": True,
        "owner_complaint": False,
        "justice_procedure": False,
        "justice_rendered": None,
        "justice_rendered_by": "",
        "justice_rendered_at": None,
        "justice_challenged": None,
        "evacuation_under_time_limit": False,
        "administrative_order_decision_at": None,
        "administrative_order_decision_rendered_by": "",
        "administrative_order_evacuation_at": None,
        "insalubrity_order": False,
        "insalubrity_order_displayed": None,
        "insalubrity_order_type": "",
        "insalubrity_order_by": "",
        "insalubrity_order_at": None,
        "insalubrity_parcels": "",
        "police_status": "",
        "police_requested_at": None,
        "police_granted_at": None,
        "existing_litigation": None,
        "bailiff": "",
    }


def stored(site: Site) -> dict:
    site = Site.objects.get(pk=site.pk)
    values = {name: getattr(site, name) for name in EDITABLE_FIELDS if name != "incoming_sites"}
    values["incoming_sites"] = sorted(site.incoming_sites.values_list("pk", flat=True))
    return values


def test_every_field_is_declared_then_updated_and_read_back(client, loire_atlantique):
    nantes, saint_nazaire, user = loire_atlantique
    origin_site = SiteFactory(commune=nantes, latitude=47.1, longitude=-1.4)
    client.force_login(user)

    data = edited(opened(client, DECLARE_URL), incoming_sites=str(origin_site.pk), **FULL_DECLARATION)
    response = client.post(DECLARE_URL, data)

    assert response.status_code == 302, top_alert(response.content.decode())
    site = Site.objects.exclude(pk=origin_site.pk).get()
    assert response["Location"] == reverse("settlements:detail", kwargs={"pk": site.pk})
    expected = full_declaration_expected(nantes, origin_site)
    assert set(expected) == set(EDITABLE_FIELDS)  # the test covers every field the form writes
    assert stored(site) == expected
    assert sorted(site.owners.values_list("name", "owner_type")) == [
        ("Nantes Métropole", OwnerType.PUBLIC),
        ("SCI Les Acacias", OwnerType.PRIVATE),
    ]
    assert (site.created_by, site.version) == (user, 1)

    # The update form shows every stored answer: sending it back with every field changed saves every change.
    data = opened(client, update_url(site))
    assert str(data["preparatory_phase_sociological_diagnosis_at"]) == "2024-10-01"
    assert data["incoming_sites"] == str(origin_site.pk)
    first_owner = site.owners.get(name="SCI Les Acacias")
    rows = {data[f"owners-{index}-id"]: index for index in range(2)}
    kept, deleted = rows[first_owner.pk], 1 - rows[first_owner.pk]
    data = edited(
        data,
        **FULL_UPDATE,
        **{
            f"owners-{kept}-name": "SCI Les Acacias Nord",
            f"owners-{deleted}-DELETE": True,
            "owners-2-name": "Département de Loire-Atlantique",
            "owners-2-owner_type": OwnerType.PUBLIC,
        },
    )
    response = client.post(update_url(site), data)

    assert response.status_code == 302, top_alert(response.content.decode())
    expected = full_update_expected(saint_nazaire)
    assert set(expected) == set(EDITABLE_FIELDS)
    assert stored(site) == expected
    assert sorted(site.owners.values_list("pk", "name", "owner_type"))[0] == (
        first_owner.pk,
        "SCI Les Acacias Nord",
        OwnerType.PRIVATE,
    )
    assert sorted(site.owners.values_list("name", flat=True)) == [
        "Département de Loire-Atlantique",
        "SCI Les Acacias Nord",
    ]
    site.refresh_from_db()
    assert (site.version, site.updated_by, site.updated_at) == (2, user, TODAY)
    # Each owner change is in the owners' history, with its author.
    assert {record.history_type for record in SiteOwner.history.filter(history_user=user)} == {"+", "~", "-"}


def test_a_declaration_redirects_to_the_site_page_with_a_message(client, correspondent):
    client.force_login(correspondent)

    response = client.post(DECLARE_URL, declaration(client), follow=True)

    site = Site.objects.get()
    assert response.redirect_chain == [(reverse("settlements:detail", kwargs={"pk": site.pk}), 302)]
    assert "Le site a été déclaré." in response.content.decode()
    assert (site.address, site.commune_id, site.declared_at, site.status) == (
        "7 rue des Saules 33000 Bordeaux",
        "33063",
        TODAY,
        SiteStatus.OPEN,
    )


def test_the_commune_may_be_typed_by_name(client, correspondent, bordeaux):
    client.force_login(correspondent)

    response = client.post(DECLARE_URL, declaration(client, commune="bordeaux"))

    assert response.status_code == 302
    assert Site.objects.get().commune == bordeaux


def test_an_unknown_commune_is_a_french_error_next_to_the_field(client, correspondent):
    client.force_login(correspondent)

    page = client.post(DECLARE_URL, declaration(client, commune="99999")).content.decode()

    assert "Aucune commune n'a le code INSEE « 99999 »" in field_errors(page, "commune")
    assert not Site.objects.exists()


def test_the_query_string_prefills_the_declaration(client, correspondent, bordeaux):
    client.force_login(correspondent)
    query = (
        "?address=5+rue+Neuve+33000+Bordeaux&commune=33063&latitude=44.85&population_total=12"
        "&electricity_access=oui&origin_european=1&field_type=building"
    )

    response = client.get(DECLARE_URL + query)

    form = response.context["form"]
    assert form["address"].value() == "5 rue Neuve 33000 Bordeaux"
    assert form["commune"].value() == "Bordeaux (33063)"
    assert (form["latitude"].value(), form["population_total"].value()) == ("44.85", "12")
    assert form["electricity_access"].value() == "1"
    assert form["origins"].value() == ["european"]
    assert form["field_type"].value() == FieldType.BUILDING
    page = response.content.decode()
    assert 'value="5 rue Neuve 33000 Bordeaux"' in page
    assert not Site.objects.exists()


# ---------------------------------------------------------------------------------------------------------------------
# Rules of §C: the message next to its field, nothing saved
# ---------------------------------------------------------------------------------------------------------------------

FAILING = [
    pytest.param(
        {"population_total": "10", "population_couples": "11"},
        "population_couples",
        "Le nombre de ménages doit être d'au moins 1 et ne peut pas dépasser le nombre de personnes.",
        id="households-over-total",
    ),
    pytest.param(
        {"population_total": "10", "population_minors": "12"},
        "population_minors",
        "Le nombre de mineurs ne peut pas dépasser le nombre de personnes.",
        id="minors-over-total",
    ),
    pytest.param(
        {"population_minors": "3", "population_minors_0_3": "2", "population_minors_6_12": "2"},
        "population_minors",
        "Le nombre de mineurs ne peut pas être inférieur à la somme des tranches d'âge.",
        id="minors-under-age-brackets",
    ),
    pytest.param(
        {"water_access_type": WaterAccessType.OTHER, "water_access_type_details": ""},
        "water_access_type_details",
        "Les modalités d'accès à l'eau sont à préciser quand, et seulement quand, l'accès est « Autre ».",
        id="water-other-without-details",
    ),
    pytest.param(
        {"water_access_type": WaterAccessType.NETWORK_TAP, "water_access_is_continuous": "1"},
        "water_access_is_continuous",
        "La continuité de l'accès ne se renseigne que pour un point d'eau hors voie publique.",
        id="water-continuity-not-asked",
    ),
    pytest.param(
        {"sanitary_working_toilets": "0", "toilet_types": ["toilettes_seches"]},
        "sanitary_working_toilets",
        "Les types de toilettes ne se renseignent qu'en présence de toilettes fonctionnelles.",
        id="toilet-types-without-toilets",
    ),
    pytest.param(
        {"sanitary_working_toilets": "1", "toilet_types": ["latrines"], "sanitary_hand_washing": "1"},
        "sanitary_hand_washing",
        "Cette question ne se pose que pour des toilettes autres que des latrines.",
        id="hand-washing-for-latrines",
    ),
    pytest.param(
        {"electricity_access": "0", "electricity_access_types": ["electrogene"]},
        "electricity_access",
        "La source de l'électricité ne se renseigne qu'en présence d'une installation électrique.",
        id="electricity-source-without-installation",
    ),
    pytest.param(
        {"trash_evacuation_is_close": "-1", "trash_evacuation_is_safe": "1"},
        "trash_evacuation_is_safe",
        "Cette question ne se pose qu'en présence d'un dispositif de ramassage des ordures.",
        id="trash-state-without-collection",
    ),
    pytest.param(
        {"justice_procedure": "1", "justice_rendered": "1", "justice_rendered_by": "TJ de Bordeaux"},
        "justice_rendered_at",
        "L'origine et la date de la décision sont obligatoires quand, et seulement quand, une décision est rendue.",
        id="justice-decision-without-date",
    ),
    pytest.param(
        {"justice_procedure": "0", "justice_rendered": "1"},
        "justice_rendered",
        "La décision de justice ne se renseigne qu'en cas de procédure judiciaire.",
        id="justice-decision-without-procedure",
    ),
    pytest.param(
        {"police_status": PoliceStatus.REQUESTED, "police_requested_at": "2024-05-01"},
        "police_status",
        "Le concours de la force publique ne se renseigne qu'en cas de procédure judiciaire, administrative ou "
        "d'arrêté d'insalubrité.",
        id="police-without-procedure",
    ),
    pytest.param(
        {"justice_procedure": "1", "police_status": PoliceStatus.GRANTED, "police_requested_at": "2024-05-01"},
        "police_granted_at",
        "La date d'octroi du concours de la force publique est obligatoire.",
        id="police-granted-without-date",
    ),
    pytest.param(
        {"census_status": CensusStatus.DONE, "census_conducted_by": "CCAS"},
        "census_conducted_at",
        "La date du diagnostic est obligatoire lorsqu'il est prévu ou réalisé.",
        id="census-done-without-date",
    ),
    pytest.param(
        {
            "census_status": CensusStatus.SCHEDULED,
            "census_conducted_at": "2024-05-01",
            "census_conducted_by": "CCAS",
        },
        "census_conducted_at",
        "La date d'un diagnostic prévu ne peut pas être dans le passé.",
        id="census-planned-in-the-past",
    ),
    pytest.param(
        {"built_at": "2024-05-02", "declared_at": "2024-05-01"},
        "declared_at",
        "La date de signalement ne peut pas précéder la date d'installation.",
        id="declared-before-built",
    ),
    pytest.param(
        {"built_at": (TODAY + DAY).isoformat()},
        "built_at",
        "La date d'installation ne peut pas être dans le futur.",
        id="built-in-the-future",
    ),
    pytest.param(
        {"name": "Le <grand> terrain"},
        "name",
        "L'appellation du site ne peut pas contenir les caractères < et >.",
        id="name-with-brackets",
    ),
    pytest.param(
        {"latitude": "95"},
        "latitude",
        "Assurez-vous que cette valeur est inférieure ou égale à 90.",
        id="latitude-out-of-range",
    ),
    # Numbers and dates out of the bounds of resorption/core/forms.py: too large for the database (OverflowError),
    # or out of what date arithmetic handles. Refused by the form, next to the field.
    pytest.param(
        {"population_total": "9" * 30},
        "population_total",
        "Saisissez un nombre entre 0 et 100\u00a0000.",
        id="population-too-large-for-the-database",
    ),
    pytest.param(
        {"population_minors": "100001"},
        "population_minors",
        "Saisissez un nombre entre 0 et 100\u00a0000.",
        id="population-past-the-bound",
    ),
    pytest.param(
        {"population_couples": "-1"},
        "population_couples",
        "Saisissez un nombre entre 0 et 100\u00a0000.",
        id="population-negative",
    ),
    pytest.param(
        {"incoming_sites": "9" * 30},
        "incoming_sites",
        "n'est pas un numéro de site",
        id="incoming-site-number-too-large",
    ),
    pytest.param(
        {"incoming_sites": "12, ²"},
        "incoming_sites",
        "« ² » n'est pas un numéro de site",
        id="incoming-site-number-not-ascii",
    ),
    pytest.param(
        {"built_at": "0001-01-01"},
        "built_at",
        "Saisissez une date entre le 01/01/1900 et le 31/12/2100.",
        id="date-before-1900",
    ),
    pytest.param(
        {"resorption_target": "9" * 30},
        "resorption_target",
        "Saisissez une année entre 2000 et 2100.",
        id="resorption-target-too-large",
    ),
]


@pytest.mark.parametrize(("answers", "field", "message"), FAILING)
def test_a_declaration_breaking_a_rule_shows_its_message_next_to_the_field(
    client, correspondent, answers, field, message
):
    client.force_login(correspondent)

    response = client.post(DECLARE_URL, declaration(client, **answers))

    assert response.status_code == 200
    page = response.content.decode()
    assert message in field_errors(page, field)
    assert "Le site n'a pas été enregistré" in page
    assert not Site.objects.exists()


@pytest.mark.parametrize(("answers", "field", "message"), FAILING)
def test_an_update_breaking_a_rule_shows_its_message_next_to_the_field(client, correspondent, answers, field, message):
    site = SiteFactory(population_total=None, population_couples=None, population_minors=None, built_at=None)
    client.force_login(correspondent)

    response = client.post(update_url(site), edited(opened(client, update_url(site)), **answers))

    assert response.status_code == 200
    assert message in field_errors(response.content.decode(), field)
    assert Site.objects.get(pk=site.pk).version == 1


PASSING = [
    pytest.param({"population_total": "10", "population_couples": "10", "population_minors": "10"}, id="totals"),
    pytest.param(
        {"population_minors": "4", "population_minors_0_3": "2", "population_minors_6_12": "2"}, id="age-brackets"
    ),
    pytest.param(
        {"water_access_type": WaterAccessType.OTHER, "water_access_type_details": "Citerne"}, id="water-other"
    ),
    pytest.param(
        {
            "water_access_type": WaterAccessType.NETWORK_TAP,
            "water_access_is_public": "0",
            "water_access_is_continuous": "0",
            "water_access_is_continuous_details": "Coupures",
        },
        id="water-continuity",
    ),
    pytest.param(
        {
            "sanitary_working_toilets": "1",
            "toilet_types": ["latrines", "toilettes_seches"],
            "sanitary_hand_washing": "1",
        },
        id="toilets",
    ),
    pytest.param(
        {"electricity_access": "1", "electricity_access_types": ["electrogene"], "electricity_access_is_unequal": "1"},
        id="electricity",
    ),
    pytest.param({"trash_evacuation_is_close": "1", "trash_evacuation_is_safe": "1"}, id="trash"),
    pytest.param(
        {
            "justice_procedure": "1",
            "justice_rendered": "1",
            "justice_rendered_by": "TJ de Bordeaux",
            "justice_rendered_at": "2024-06-01",
        },
        id="justice-decision",
    ),
    pytest.param(
        {
            "evacuation_under_time_limit": "1",
            "police_status": PoliceStatus.GRANTED,
            "police_requested_at": "2024-05-01",
            "police_granted_at": "2024-05-20",
            "existing_litigation": "0",
        },
        id="police",
    ),
    pytest.param(
        {"census_status": CensusStatus.DONE, "census_conducted_at": "2024-05-01", "census_conducted_by": "CCAS"},
        id="census",
    ),
    pytest.param({"built_at": "2024-05-01", "declared_at": "2024-05-01"}, id="dates"),
]


@pytest.mark.parametrize("answers", PASSING)
def test_a_declaration_following_the_rules_is_saved(client, correspondent, answers):
    client.force_login(correspondent)

    response = client.post(DECLARE_URL, declaration(client, **answers))

    assert response.status_code == 302, top_alert(response.content.decode())
    assert Site.objects.count() == 1


# ---------------------------------------------------------------------------------------------------------------------
# Confidential sections (§A.6)
# ---------------------------------------------------------------------------------------------------------------------


def test_the_forms_of_a_user_without_justice_nor_owners_access_hold_none_of_them(client, partner):
    site = SiteFactory(with_justice=True)
    SiteOwnerFactory(site=site, name="SCI Témoin-3317")
    client.force_login(partner)

    for url in (DECLARE_URL, update_url(site)):
        page = client.get(url).content.decode()
        for name in JUSTICE_FIELDS:
            assert name not in page, (url, name)
        assert "Procédures judiciaires" not in page
        assert "Étude Durand" not in page
        assert "owners-" not in page
        assert "section-proprietaires" not in page
        assert "SCI Témoin-3317" not in page


def test_a_correspondent_is_offered_justice_and_owners(client, correspondent):
    site = SiteFactory(with_justice=True)
    client.force_login(correspondent)

    for url in (DECLARE_URL, update_url(site)):
        page = client.get(url).content.decode()
        assert 'name="justice_procedure"' in page
        assert 'name="owners-0-name"' in page


def test_justice_posted_anyway_by_a_user_without_access_is_refused_on_declaration(client, partner):
    client.force_login(partner)

    data = declaration(client, justice_procedure="1", bailiff="Étude Martin")
    response = client.post(DECLARE_URL, data)

    assert response.status_code == 200
    assert "Vous n'avez pas accès aux procédures judiciaires" in top_alert(response.content.decode())
    assert not Site.objects.exists()


def test_justice_posted_anyway_by_a_user_without_access_is_refused_on_update(client, partner):
    site = SiteFactory(with_justice=True)
    client.force_login(partner)

    data = edited(opened(client, update_url(site)), population_total="41", justice_procedure="0")
    response = client.post(update_url(site), data)

    assert "Vous n'avez pas accès aux procédures judiciaires" in top_alert(response.content.decode())
    site.refresh_from_db()
    assert (site.population_total, site.justice_procedure, site.version) == (40, True, 1)


def test_owners_posted_anyway_by_a_user_without_access_are_refused(client, partner):
    client.force_login(partner)

    data = declaration(
        client,
        **{
            "owners-TOTAL_FORMS": "1",
            "owners-INITIAL_FORMS": "0",
            "owners-0-name": "SCI X",
            "owners-0-owner_type": "private",
        },
    )
    response = client.post(DECLARE_URL, data)

    assert "Vous n'avez pas accès aux propriétaires" in top_alert(response.content.decode())
    assert not Site.objects.exists()


def test_an_update_by_a_user_without_justice_access_keeps_the_stored_justice(client, partner):
    site = SiteFactory(with_justice=True)
    client.force_login(partner)

    response = client.post(update_url(site), edited(opened(client, update_url(site)), population_total="41"))

    assert response.status_code == 302
    site.refresh_from_db()
    assert (site.population_total, site.justice_procedure, site.bailiff) == (41, True, "Étude Durand")


# ---------------------------------------------------------------------------------------------------------------------
# Duplicate guard (§C.7 « sites à proximité »)
# ---------------------------------------------------------------------------------------------------------------------


def test_sites_within_500_metres_are_shown_before_saving_then_the_declaration_is_confirmed(client, correspondent):
    neighbour = SiteFactory(address="3 quai des Chartrons 33000 Bordeaux", name="Les Quais")
    far = SiteFactory(address="40 rue Lointaine 33000 Bordeaux", latitude=44.90, longitude=-0.50)
    client.force_login(correspondent)
    data = declaration(client, latitude="44.8390", longitude="-0.5790")

    response = client.post(DECLARE_URL, data)

    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "Un site existe déjà à moins de 500 m" in page
    assert "3 quai des Chartrons 33000 Bordeaux « Les Quais »" in page
    assert reverse("settlements:detail", kwargs={"pk": neighbour.pk}) in page
    assert re.search(r"à 1\d\d m", page)  # ≈ 135 m
    assert far.address not in page
    assert "Déclarer quand même" in page
    assert Site.objects.count() == 2

    confirm = response.context["nearby_point"]
    response = client.post(DECLARE_URL, {**data, "confirm_nearby": confirm})

    assert response.status_code == 302
    assert Site.objects.count() == 3


def test_a_confirmation_given_for_other_coordinates_does_not_skip_the_guard(client, correspondent):
    SiteFactory()
    client.force_login(correspondent)

    data = declaration(client, latitude="44.8390", longitude="-0.5790", confirm_nearby="44.9,-0.5")
    response = client.post(DECLARE_URL, data)

    assert "Un site existe déjà à moins de 500 m" in html.unescape(response.content.decode())
    assert Site.objects.count() == 1


def test_a_closed_site_nearby_does_not_stop_the_declaration(client, correspondent):
    SiteFactory(closed=True)
    client.force_login(correspondent)

    response = client.post(DECLARE_URL, declaration(client, latitude="44.8390", longitude="-0.5790"))

    assert response.status_code == 302


# ---------------------------------------------------------------------------------------------------------------------
# Concurrent edits: nothing lost
# ---------------------------------------------------------------------------------------------------------------------


def test_two_concurrent_edits_keep_the_first_and_show_the_second_what_changed(client, partner, correspondent):
    site = SiteFactory(population_total=40, name="")
    client.force_login(partner)
    first = opened(client, update_url(site))
    client.force_login(correspondent)
    second = opened(client, update_url(site))
    assert first["expected_version"] == second["expected_version"] == 1

    client.force_login(partner)
    assert client.post(update_url(site), edited(first, population_total="55")).status_code == 302

    client.force_login(correspondent)
    response = client.post(update_url(site), edited(second, name="Terrain du Lac"))

    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "modifié par une autre personne" in page
    assert re.search(r"<th scope=\"row\">Nombre de personnes</th>\s*<td>55</td>\s*<td>40</td>", page)
    site.refresh_from_db()
    assert (site.population_total, site.name, site.version) == (55, "", 2)
    # The form now carries the current version, the other person's change and the user's own.
    form = response.context["form"]
    assert (form["expected_version"].value(), form["population_total"].value()) == (2, 55)
    assert form["name"].value() == "Terrain du Lac"

    response = client.post(update_url(site), form_data(form))

    assert response.status_code == 302
    site.refresh_from_db()
    assert (site.population_total, site.name, site.version) == (55, "Terrain du Lac", 3)


def test_a_field_both_changed_keeps_the_second_persons_answer_marked_for_checking(client, partner, correspondent):
    site = SiteFactory(population_total=40)
    client.force_login(partner)
    first = opened(client, update_url(site))
    client.force_login(correspondent)
    second = opened(client, update_url(site))
    client.force_login(partner)
    client.post(update_url(site), edited(first, population_total="55"))

    client.force_login(correspondent)
    response = client.post(update_url(site), edited(second, population_total="70"))

    assert "Votre saisie, à vérifier" in html.unescape(response.content.decode())
    assert response.context["form"]["population_total"].value() == 70
    assert Site.objects.get(pk=site.pk).population_total == 55


def test_owners_added_meanwhile_are_kept_when_the_second_person_saves(client, correspondent):
    site = SiteFactory()
    owner = SiteOwnerFactory(site=site, name="SCI Ancienne")
    other = UserFactory(role=Role.DIRECT_COLLABORATOR)
    client.force_login(other)
    first = opened(client, update_url(site))
    client.force_login(correspondent)
    second = opened(client, update_url(site))

    client.force_login(other)
    response = client.post(
        update_url(site), edited(first, **{"owners-0-name": "SCI Renommée", "owners-1-name": "SCI Nouvelle"})
    )
    assert response.status_code == 302

    client.force_login(correspondent)
    response = client.post(update_url(site), edited(second, population_total="44"))
    assert "SCI Ancienne (Privé)" in html.unescape(response.content.decode())  # the starting point, in the table
    response = client.post(update_url(site), form_data(response.context["form"]))

    assert response.status_code == 302
    assert sorted(site.owners.values_list("name", flat=True)) == ["SCI Nouvelle", "SCI Renommée"]
    assert site.owners.get(name="SCI Renommée").pk == owner.pk
    assert Site.objects.get(pk=site.pk).population_total == 44


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ({"owners-TOTAL_FORMS": "-1"}, "La liste des propriétaires envoyée est incomplète : rechargez la page."),
        ({"owners-TOTAL_FORMS": "0", "owners-INITIAL_FORMS": "1"}, "propriétaires envoyée est incomplète"),
        ({"owners-TOTAL_FORMS": "²"}, "propriétaires envoyée est incomplète"),
        ({"owners-TOTAL_FORMS": "9" * 30}, "Un site compte au plus 50 propriétaires."),
    ],
)
def test_a_forged_count_of_owner_rows_is_refused_and_deletes_no_owner(client, correspondent, counts, message):
    """The row counts come back from the page: a negative one made every stored owner vanish from the form, and the
    service delete them; a huge one built thousands of rows."""
    site = SiteFactory()
    SiteOwnerFactory(site=site, name="SCI Gardée")
    client.force_login(correspondent)

    response = client.post(update_url(site), edited(opened(client, update_url(site)), population_total="41", **counts))

    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    assert list(site.owners.values_list("name", flat=True)) == ["SCI Gardée"]
    assert Site.objects.get(pk=site.pk).population_total == 40


# ---------------------------------------------------------------------------------------------------------------------
# Owners through `site_update` (the service behind the owners part of the update form)
# ---------------------------------------------------------------------------------------------------------------------


def test_site_update_diffs_owners_one_by_one_with_history(correspondent):
    site = SiteFactory()
    kept = SiteOwnerFactory(site=site, name="SCI Gardée", owner_type=OwnerType.PRIVATE)
    renamed = SiteOwnerFactory(site=site, name="SCI Ancienne")
    removed = SiteOwnerFactory(site=site, name="SCI Partie")

    site_update(
        user=correspondent,
        site_id=site.pk,
        expected_version=1,
        values={},
        owners=[
            {"id": kept.pk, "name": "SCI Gardée", "owner_type": OwnerType.PRIVATE},
            {"id": renamed.pk, "name": "SCI Nouvelle", "owner_type": OwnerType.PUBLIC},
            {"id": None, "name": "Commune de Bordeaux", "owner_type": OwnerType.PUBLIC},
        ],
    )

    assert sorted(site.owners.values_list("name", "owner_type")) == [
        ("Commune de Bordeaux", OwnerType.PUBLIC),
        ("SCI Gardée", OwnerType.PRIVATE),
        ("SCI Nouvelle", OwnerType.PUBLIC),
    ]
    assert site.owners.get(name="SCI Nouvelle").pk == renamed.pk
    assert not SiteOwner.objects.filter(pk=removed.pk).exists()
    changes = {(record.id, record.history_type) for record in SiteOwner.history.filter(history_user=correspondent)}
    assert (renamed.pk, "~") in changes and (removed.pk, "-") in changes
    assert not any(owner_id == kept.pk for owner_id, _ in changes)  # unchanged: no new version
    assert Site.objects.get(pk=site.pk).version == 2


def test_site_update_refuses_owners_from_a_user_without_owners_access(partner):
    site = SiteFactory()
    owner = SiteOwnerFactory(site=site)

    with pytest.raises(ValidationError) as excinfo:
        site_update(
            user=partner,
            site_id=site.pk,
            expected_version=1,
            values={"population_total": 41},
            owners=[{"id": owner.pk, "name": "SCI Autre", "owner_type": OwnerType.PRIVATE}],
        )

    assert excinfo.value.message_dict["owners"] == [
        "Vous n'avez pas accès aux propriétaires des sites de ce territoire."
    ]
    assert SiteOwner.objects.get(pk=owner.pk).name == owner.name


def test_an_owners_change_is_a_change_of_the_site(correspondent):
    site = SiteFactory()
    owner = SiteOwnerFactory(site=site)
    new_owners = [{"id": owner.pk, "name": "SCI Renommée", "owner_type": owner.owner_type}]

    with pytest.raises(ValidationError) as excinfo:
        site_update(
            user=correspondent, site_id=site.pk, expected_version=1, values={}, owners=new_owners, without_change=True
        )
    assert "owners" in excinfo.value.message_dict

    with pytest.raises(ValidationError) as excinfo:  # the same owners again: nothing changes
        site_update(
            user=correspondent,
            site_id=site.pk,
            expected_version=1,
            values={},
            owners=[{"id": owner.pk, "name": owner.name, "owner_type": owner.owner_type}],
        )
    assert "mise à jour sans modification" in excinfo.value.messages[0]

    site_update(user=correspondent, site_id=site.pk, expected_version=1, values={}, owners=new_owners)
    assert SiteOwner.objects.get(pk=owner.pk).name == "SCI Renommée"


def test_an_owner_deleted_meanwhile_is_reported(correspondent):
    site = SiteFactory()

    with pytest.raises(ValidationError) as excinfo:
        site_update(
            user=correspondent,
            site_id=site.pk,
            expected_version=1,
            values={},
            owners=[{"id": 999_999, "name": "SCI Fantôme", "owner_type": OwnerType.PRIVATE}],
        )

    assert "Un des propriétaires n'existe plus sur ce site" in excinfo.value.message_dict["owners"][0]


# ---------------------------------------------------------------------------------------------------------------------
# Update date and « mise à jour sans modification »
# ---------------------------------------------------------------------------------------------------------------------


def test_the_update_may_be_back_dated(client, partner):
    site = SiteFactory(updated_at=TODAY - 20 * DAY)
    client.force_login(partner)
    back_dated = TODAY - 5 * DAY

    data = edited(opened(client, update_url(site)), population_total="41", updated_at=back_dated.isoformat())
    response = client.post(update_url(site), data)

    assert response.status_code == 302
    site.refresh_from_db()
    assert (site.updated_at, site.population_total) == (back_dated, 41)


def test_the_update_date_defaults_to_today(client, partner):
    site = SiteFactory(updated_at=TODAY - 20 * DAY)
    client.force_login(partner)

    data = opened(client, update_url(site))

    assert data["updated_at"] == TODAY


@pytest.mark.parametrize(
    ("updated_at", "message"),
    [
        (TODAY + DAY, "La date de mise à jour ne peut pas être dans le futur."),
        (TODAY - 30 * DAY, "La date de mise à jour ne peut pas précéder celle de la mise à jour précédente"),
    ],
    ids=["future", "before-previous"],
)
def test_an_update_date_in_the_future_or_before_the_previous_one_is_refused(client, partner, updated_at, message):
    site = SiteFactory(updated_at=TODAY - 20 * DAY)
    client.force_login(partner)

    data = edited(opened(client, update_url(site)), population_total="41", updated_at=updated_at.isoformat())
    response = client.post(update_url(site), data)

    assert message in field_errors(response.content.decode(), "updated_at")
    assert Site.objects.get(pk=site.pk).population_total == 40


def test_an_update_without_change_confirms_the_data(client, partner):
    site = SiteFactory(updated_at=TODAY - 20 * DAY)
    client.force_login(partner)

    response = client.post(update_url(site), edited(opened(client, update_url(site)), without_change=True))

    assert response.status_code == 302
    site.refresh_from_db()
    assert (site.version, site.updated_at, site.updated_by, site.population_total) == (2, TODAY, partner, 40)


def test_an_update_without_change_may_not_change_a_field(client, partner):
    site = SiteFactory()
    client.force_login(partner)

    data = edited(opened(client, update_url(site)), without_change=True, population_total="41")
    response = client.post(update_url(site), data)

    message = "Une mise à jour sans modification ne peut pas changer ce champ."
    assert message in field_errors(response.content.decode(), "population_total")
    assert Site.objects.get(pk=site.pk).version == 1


def test_an_update_that_changes_nothing_asks_for_without_change(client, partner):
    site = SiteFactory()
    client.force_login(partner)

    response = client.post(update_url(site), opened(client, update_url(site)))

    assert "choisissez « mise à jour sans modification »" in top_alert(response.content.decode())
    assert Site.objects.get(pk=site.pk).version == 1


def test_text_sent_back_with_browser_line_breaks_is_not_a_change(client, partner):
    site = SiteFactory(address_details="Portail vert\nà gauche")
    client.force_login(partner)

    data = edited(opened(client, update_url(site)), address_details="Portail vert\r\nà gauche", without_change=True)
    response = client.post(update_url(site), data)

    assert response.status_code == 302


# ---------------------------------------------------------------------------------------------------------------------
# Permissions
# ---------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["settlements:declare", "settlements:update"])
def test_an_anonymous_visitor_is_sent_to_login(client, url_name):
    kwargs = {"pk": SiteFactory().pk} if url_name == "settlements:update" else {}

    response = client.get(reverse(url_name, kwargs=kwargs))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_site_out_of_scope_or_missing_is_not_found(client, correspondent):
    haute_garonne = DepartementFactory(code="31", name="Haute-Garonne", region=RegionFactory(code="76"))
    toulouse = CommuneFactory(code="31555", name="Toulouse", departement=haute_garonne)
    user = UserFactory(role=Role.COLLABORATOR, organization=OrganizationFactory(departement=haute_garonne))
    client.force_login(user)

    assert client.get(update_url(SiteFactory())).status_code == 404
    assert client.post(update_url(SiteFactory()), {"population_total": "3"}).status_code == 404
    assert client.get(reverse("settlements:update", kwargs={"pk": 999_999})).status_code == 404
    assert (
        client.get(update_url(SiteFactory(commune=toulouse, address="1 rue Rose 31000 Toulouse"))).status_code == 200
    )


@pytest.mark.parametrize("role", [Role.INTERVENER, Role.EXTERNAL_OBSERVER, Role.NATIONAL_ESTABLISHMENT])
def test_roles_without_the_right_are_refused_declaration_and_update(client, role):
    site = SiteFactory()
    client.force_login(UserFactory(role=role))

    for url in (DECLARE_URL, update_url(site)):
        response = client.get(url)
        assert response.status_code == 403
        assert "Votre compte ne permet pas" in response.content.decode()
        assert 'name="address"' not in response.content.decode()
    response = client.post(update_url(site), {"population_total": "41"})
    assert response.status_code == 403
    assert Site.objects.get(pk=site.pk).version == 1


def test_an_operator_declares_only_with_the_option(client):
    client.force_login(UserFactory(role=Role.ASSOCIATION))
    assert client.get(DECLARE_URL).status_code == 403

    client.force_login(UserFactory(role=Role.ASSOCIATION, options=["create_shantytown"]))
    assert client.get(DECLARE_URL).status_code == 200


def test_declaring_outside_ones_territory_is_refused_next_to_the_commune(client, partner):
    haute_garonne = DepartementFactory(code="31", name="Haute-Garonne", region=RegionFactory(code="76"))
    CommuneFactory(code="31555", name="Toulouse", departement=haute_garonne)
    client.force_login(partner)

    data = declaration(client, commune="31555", address="1 rue Rose 31000 Toulouse", latitude="43.6", longitude="1.44")
    response = client.post(DECLARE_URL, data)

    message = "Vous n'avez pas le droit de déclarer un site sur ce territoire."
    assert message in field_errors(response.content.decode(), "commune")
    assert not Site.objects.exists()


def test_a_closed_site_is_not_offered_for_update(client, correspondent):
    site = SiteFactory(closed=True)
    client.force_login(correspondent)

    response = client.get(update_url(site), follow=True)

    assert response.redirect_chain == [(reverse("settlements:detail", kwargs={"pk": site.pk}), 302)]
    assert "Ce site est fermé" in html.unescape(response.content.decode())


# ---------------------------------------------------------------------------------------------------------------------
# Query budget
# ---------------------------------------------------------------------------------------------------------------------


def test_the_update_form_runs_the_same_queries_however_many_owners_and_origin_sites(
    client, correspondent, django_assert_num_queries, django_assert_max_num_queries
):
    small = SiteFactory()
    SiteOwnerFactory(site=small)
    large = SiteFactory()
    SiteOwnerFactory.create_batch(12, site=large)
    large.incoming_sites.set([SiteFactory(latitude=45.0) for _ in range(5)])
    client.force_login(correspondent)
    client.get(update_url(small))  # the session and permissions of the user, loaded once

    with django_assert_max_num_queries(12) as captured:
        assert client.get(update_url(small)).status_code == 200
    with django_assert_num_queries(len(captured)):
        assert client.get(update_url(large)).status_code == 200


def test_commune_suggestions_list_matching_communes(client, correspondent, bordeaux):
    CommuneFactory(code="33318", name="Pessac", postal_codes="33600")
    client.force_login(correspondent)

    response = client.get(reverse("settlements:commune_suggestions"), {"commune": "bord"})

    assert response.status_code == 200
    assert '<option value="Bordeaux (33063)">' in response.content.decode()
    assert "Pessac" not in response.content.decode()
