"""The site form on its own: the shape of the answers, the mapping between form fields and site columns, where the
services' errors are shown, what is offered to whom, and the initial values (stored site, query string)."""

import datetime

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import QueryDict
from django.utils import timezone

from resorption.accounts.enums import Role
from resorption.settlements import site_form
from resorption.settlements.enums import OwnerType, PreparatoryPhase
from resorption.settlements.site_form import Offer, SiteForm
from tests.accounts.factories import OrganizationFactory, UserFactory
from tests.settlements.factories import SiteFactory
from tests.settlements.reference import JUSTICE_FIELDS
from tests.territories.factories import CommuneFactory, DepartementFactory, RegionFactory

pytestmark = pytest.mark.django_db

EVERYTHING = Offer(justice=True, owners=True, phases=True)
NOTHING_CONFIDENTIAL = Offer(justice=False, owners=False, phases=False)


def answers(**changes) -> dict:
    """A valid declaration as posted, in Bordeaux, every question unknown."""
    data = {
        "address": "1 rue Neuve 33000 Bordeaux",
        "commune": "33063",
        "latitude": "44.84",
        "longitude": "-0.58",
        "declared_at": "2025-01-15",
        "field_type": "land",
        "owner_type": "unknown",
        "water_access_type": "inconnu",
        **{name: "-1" for name in site_form.TRI_STATE_FIELDS},
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def bound(offer: Offer = EVERYTHING, **changes) -> SiteForm:
    """The form bound to `answers(**changes)`, with an empty owners formset when the offer has owners."""
    CommuneFactory()
    if offer.owners:
        changes = {"owners-TOTAL_FORMS": "2", "owners-INITIAL_FORMS": "0", **changes}
    return SiteForm(_querydict(answers(**changes)), offer=offer)


def _querydict(data: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    for name, value in data.items():
        if isinstance(value, list):
            query.setlist(name, value)
        else:
            query[name] = value
    return query


# ---------------------------------------------------------------------------------------------------------------------
# Answers → site values
# ---------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("posted", "value"), [("1", True), ("0", False), ("-1", None)])
def test_yes_no_questions_are_stored_as_true_false_or_null(posted, value):
    form = bound(justice_procedure=posted)

    assert form.is_valid(), form.errors
    assert form.site_values()["justice_procedure"] is value


def test_a_yes_no_question_left_without_answer_asks_for_one_in_french():
    form = bound(electricity_access=None)

    assert not form.is_valid()
    assert form.errors["electricity_access"] == ["Choisissez une réponse, « Inconnu » si vous ne savez pas."]


def test_ticked_choices_become_one_column_each():
    form = bound(
        origins=["french", "other"],
        toilet_types=["toilettes_seches"],
        electricity_access_types=["reseau_urbain", "electrogene"],
    )

    assert form.is_valid(), form.errors
    values = form.site_values()
    assert (values["origin_french"], values["origin_european"], values["origin_extra_european"]) == (True, False, True)
    assert [values[name] for name in site_form.TICK_GROUPS["toilet_types"][1].values()] == [False, False, True, False]
    assert (values["electricity_generator"], values["electricity_urban_network"]) == (True, True)
    assert values["electricity_building_installation"] is False
    assert not {"origins", "toilet_types", "electricity_access_types"} & set(values)


def test_preparatory_phases_are_stored_with_their_end_dates():
    form = bound(
        preparatory_phases=["sociological_diagnosis"],
        preparatory_phase_technical_diagnosis_at="2025-03-04",
    )

    assert form.is_valid(), form.errors
    assert form.site_values()["preparatory_phases"] == {
        "sociological_diagnosis": None,
        "technical_diagnosis": "2025-03-04",
    }


def test_the_commune_is_read_from_its_code_its_name_or_both():
    bordeaux = CommuneFactory()
    DepartementFactory(code="31", name="Haute-Garonne", region=RegionFactory(code="76"))
    for text in ("33063", "Bordeaux (33063)", "bordeaux", "Bordeaux (33)", "  BORDEAUX "):
        assert site_form.commune_from_text(text) == bordeaux, text
    assert site_form.commune_from_text("Bordeaux (31)") is None
    assert site_form.commune_from_text("") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("99999", "Aucune commune n'a le code INSEE « 99999 » : vérifiez-le"),
        ("Atlantis", "Aucune commune ne s'appelle « Atlantis » : indiquez son code INSEE"),
        ("Saint-Denis", "Plusieurs communes s'appellent « Saint-Denis » : précisez son code INSEE"),
    ],
)
def test_an_unreadable_commune_is_explained_in_french(text, message):
    CommuneFactory(overseas=True)  # Saint-Denis (97411)
    seine_saint_denis = DepartementFactory(code="93", name="Seine-Saint-Denis", region=RegionFactory(code="11"))
    CommuneFactory(code="93066", name="Saint-Denis", departement=seine_saint_denis)

    form = bound(commune=text)

    assert not form.is_valid()
    assert message in form.errors["commune"][0]


def test_origin_sites_are_numbers_separated_by_commas_or_spaces():
    form = bound(incoming_sites="12, 34 #56;12")
    assert form.is_valid(), form.errors
    assert form.site_values()["incoming_sites"] == [12, 34, 56]

    form = bound(incoming_sites="12, le grand")
    assert not form.is_valid()
    assert "« le » n'est pas un numéro de site" in form.errors["incoming_sites"][0]


def test_text_line_breaks_from_browsers_are_stored_as_line_feeds():
    form = bound(address_details="Portail vert\r\nà gauche")

    assert form.is_valid(), form.errors
    assert form.site_values()["address_details"] == "Portail vert\nà gauche"


def test_owner_rows_leave_out_deleted_and_empty_rows():
    form = bound(
        **{
            "owners-TOTAL_FORMS": "4",
            "owners-INITIAL_FORMS": "2",
            "owners-0-id": "7",
            "owners-0-name": "SCI Gardée",
            "owners-0-owner_type": "private",
            "owners-1-id": "8",
            "owners-1-name": "SCI Supprimée",
            "owners-1-owner_type": "private",
            "owners-1-DELETE": "on",
            "owners-2-name": "",
            "owners-2-owner_type": "public",
            "owners-3-name": "",
            "owners-3-owner_type": "unknown",
        }
    )

    assert form.is_valid(), (form.errors, form.owners.errors)
    assert form.owner_rows() == [
        {"id": 7, "name": "SCI Gardée", "owner_type": "private"},
        {"id": None, "name": "", "owner_type": "public"},
    ]


# ---------------------------------------------------------------------------------------------------------------------
# What is offered (§A.6, §C.7)
# ---------------------------------------------------------------------------------------------------------------------


def test_without_justice_and_owners_the_form_holds_none_of_their_fields():
    form = bound(NOTHING_CONFIDENTIAL, **dict.fromkeys(JUSTICE_FIELDS))

    assert form.is_valid(), form.errors
    assert not set(JUSTICE_FIELDS) & set(form.fields)
    assert form.owners is None and form.owner_rows() is None
    assert not set(JUSTICE_FIELDS) & set(form.site_values())
    assert [section.title for section in form.sections] == [
        "Localisation",
        "Caractéristiques",
        "Habitants",
        "Conditions de vie",
    ]


def test_justice_fields_posted_without_the_offer_are_refused():
    form = bound(NOTHING_CONFIDENTIAL, **{**dict.fromkeys(JUSTICE_FIELDS), "bailiff": "Étude Martin"})

    assert not form.is_valid()
    assert "Vous n'avez pas accès aux procédures judiciaires" in form.non_field_errors()[0]


def test_blank_or_unknown_answers_to_a_section_not_offered_are_no_data():
    # A declaration form opened before the commune was chosen may post them; they write nothing.
    form = bound(
        NOTHING_CONFIDENTIAL,
        **{**dict.fromkeys(JUSTICE_FIELDS), "justice_procedure": "-1", "bailiff": " "},
        **{"owners-TOTAL_FORMS": "1", "owners-0-name": "", "owners-0-owner_type": "unknown"},
    )

    assert form.is_valid(), form.errors
    assert not set(JUSTICE_FIELDS) & set(form.site_values())
    assert form.owner_rows() is None


def test_owners_posted_without_the_offer_are_refused():
    form = bound(NOTHING_CONFIDENTIAL, **dict.fromkeys(JUSTICE_FIELDS), **{"owners-0-name": "SCI X"})

    assert not form.is_valid()
    assert "Vous n'avez pas accès aux propriétaires" in form.non_field_errors()[0]


def test_what_the_form_offers_follows_the_users_rights_on_the_commune():
    bordeaux = CommuneFactory()
    loire_atlantique = DepartementFactory(code="44", name="Loire-Atlantique", region=RegionFactory(code="52"))
    nantes = CommuneFactory(code="44109", name="Nantes", departement=loire_atlantique)
    correspondent = UserFactory(role=Role.DIRECT_COLLABORATOR)
    partner = UserFactory(role=Role.COLLABORATOR)

    assert site_form.offer_for(correspondent, bordeaux) == Offer(justice=True, owners=True, phases=False)
    assert site_form.offer_for(partner, bordeaux) == Offer(justice=False, owners=False, phases=False)
    # A correspondent's owners access is local (Gironde); his justice access follows his national reading.
    assert site_form.offer_for(correspondent, nantes) == Offer(justice=True, owners=False, phases=True)
    # Before the commune is chosen: the rights held anywhere.
    assert site_form.offer_for(correspondent, None) == Offer(justice=True, owners=True, phases=False)
    assert site_form.offer_for(partner, None) == Offer(justice=False, owners=False, phases=False)


def test_the_update_form_adds_the_date_the_kind_and_the_version_of_the_update():
    form = SiteForm(offer=NOTHING_CONFIDENTIAL, updating=True, previous_update=datetime.date(2025, 1, 10))

    assert {"updated_at", "without_change", "expected_version"} <= set(form.fields)
    assert "(le 10/01/2025)" in form.fields["updated_at"].help_text
    assert "updated_at" not in SiteForm(offer=NOTHING_CONFIDENTIAL).fields


# ---------------------------------------------------------------------------------------------------------------------
# Errors of the services
# ---------------------------------------------------------------------------------------------------------------------


def test_service_errors_are_put_next_to_their_fields():
    form = bound()
    assert form.is_valid(), form.errors

    form.add_service_errors(
        ValidationError(
            {
                "population_couples": ["Trop de ménages."],
                "sanitary_toilets_dry": ["Pas de toilettes sèches ici."],
                "owners": ["Propriétaire refusé."],
                NON_FIELD_ERRORS: ["Aucune donnée n'a changé."],
            }
        )
    )

    assert form.errors["population_couples"] == ["Trop de ménages."]
    assert form.errors["toilet_types"] == ["Pas de toilettes sèches ici."]
    assert form.service_errors_on_owners == ["Propriétaire refusé."]
    assert form.non_field_errors() == ["Aucune donnée n'a changé."]
    assert [link.anchor for link in form.error_links] == [
        "section-proprietaires",
        "id_population_couples",
        "id_toilet_types_0",
    ]


def test_service_errors_on_fields_not_on_the_page_go_on_top_with_their_label():
    form = bound(NOTHING_CONFIDENTIAL, **dict.fromkeys(JUSTICE_FIELDS))
    assert form.is_valid(), form.errors

    form.add_service_errors(
        ValidationError({"justice_procedure": ["Refusé."], "owners": ["Pas d'accès aux propriétaires."]})
    )

    assert form.non_field_errors() == [
        "Existence d'une procédure judiciaire : Refusé.",
        "Propriétaires : Pas d'accès aux propriétaires.",
    ]


def test_a_service_error_without_fields_goes_on_top():
    form = bound()
    assert form.is_valid()

    form.add_service_errors(ValidationError("Ce site est fermé."))

    assert form.non_field_errors() == ["Ce site est fermé."]


# ---------------------------------------------------------------------------------------------------------------------
# Initial values
# ---------------------------------------------------------------------------------------------------------------------


def test_a_stored_site_fills_the_form():
    origin = SiteFactory(latitude=45.1)
    site = SiteFactory(
        good_living_conditions=True,
        water_access_is_unequal=None,
        preparatory_phases={"social_assessment": "2025-02-01", "political_validation": None},
    )
    site.incoming_sites.set([origin])

    initial = site_form.initial_from_values(site_form.site_field_values(site))

    assert (initial["water_access_is_public"], initial["water_access_is_close"]) == ("0", "1")
    assert initial["water_access_is_unequal"] == "-1"
    assert initial["origins"] == ["european"]
    assert initial["toilet_types"] == ["toilettes_seches"]
    assert initial["electricity_access_types"] == ["reseau_urbain"]
    assert sorted(initial["preparatory_phases"]) == ["political_validation", "social_assessment"]
    assert initial["preparatory_phase_social_assessment_at"] == "2025-02-01"
    assert "preparatory_phase_political_validation_at" not in initial
    assert initial["incoming_sites"] == [origin.pk]
    form = SiteForm(initial=initial, offer=EVERYTHING)
    assert form["commune"].value() == "Bordeaux (33063)"
    assert form["incoming_sites"].value() == str(origin.pk)


def test_the_query_string_prefills_by_model_field_name():
    bordeaux = CommuneFactory()
    query = QueryDict(
        "commune=33063&address=2+rue+Haute&justice_procedure=oui&electricity_access=0&water_access_is_public=inconnu"
        "&sanitary_toilets_dry=1&origins=french&origins=other&population_total=12&unknown_key=1&version=9"
        "&heatwave=on&trash_is_piling=peut-etre"
    )

    initial = site_form.initial_from_query(query)

    assert initial == {
        "commune": bordeaux,
        "address": "2 rue Haute",
        "justice_procedure": "1",
        "electricity_access": "0",
        "water_access_is_public": "-1",
        "toilet_types": ["toilettes_seches"],
        "origins": ["french", "other"],
        "population_total": "12",
        "heatwave": True,
    }
    assert site_form.initial_from_query(QueryDict("heatwave=0")) == {"heatwave": False}


def test_a_new_declaration_starts_from_today_and_unknown_answers():
    initial = site_form.declaration_initial()

    assert initial["declared_at"] == timezone.localdate()
    assert initial["justice_procedure"] == initial["electricity_access"] == "-1"
    assert initial["owner_type"] == OwnerType.UNKNOWN
    assert set(PreparatoryPhase.values) == set(site_form.PHASE_DATE_FIELDS)


def test_a_correspondent_of_another_departement_is_not_offered_owners_there():
    haute_garonne = DepartementFactory(code="31", name="Haute-Garonne", region=RegionFactory(code="76"))
    toulouse = CommuneFactory(code="31555", name="Toulouse", departement=haute_garonne)
    user = UserFactory(role=Role.DIRECT_COLLABORATOR, organization=OrganizationFactory(departement=haute_garonne))

    assert site_form.offer_for(user, toulouse).owners is True
    assert site_form.offer_for(user, CommuneFactory()).owners is False
