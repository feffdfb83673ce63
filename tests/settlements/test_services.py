import datetime

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from resorption.accounts.enums import AdminRole, Option, Role
from resorption.settlements.enums import ClosingCause, ClosingSolution, FieldType, OwnerType, SiteStatus
from resorption.settlements.models import ClosingOrientation, Site
from resorption.settlements.services import (
    CONSTRAINT_FIELDS,
    StaleSiteError,
    nearby_sites,
    site_close,
    site_declare,
    site_fix_status,
    site_update,
)
from tests.accounts.factories import OrganizationFactory, UserFactory
from tests.settlements.factories import SiteFactory
from tests.territories.factories import CommuneFactory, DepartementFactory, RegionFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def correspondent():
    return UserFactory(role=Role.DIRECT_COLLABORATOR)


@pytest.fixture
def partner():
    """A « Partenaire institutionnel » of Gironde: declares and updates, has no justice nor owners access."""
    return UserFactory(role=Role.COLLABORATOR)


@pytest.fixture
def toulouse():
    haute_garonne = DepartementFactory(
        code="31", name="Haute-Garonne", region=RegionFactory(code="76", name="Occitanie")
    )
    return CommuneFactory(code="31555", name="Toulouse", departement=haute_garonne, postal_codes="31000")


def declaration(**extra):
    return {
        "address": "3 chemin du Lac 33000 Bordeaux",
        "commune": CommuneFactory(),
        "latitude": 44.84,
        "longitude": -0.58,
        "built_at": datetime.date(2025, 1, 2),
        "declared_at": datetime.date(2025, 1, 15),
        "field_type": FieldType.LAND,
        "population_total": 20,
        **extra,
    }


def errors_of(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


# ---------------------------------------------------------------------------------------------------------------------
# Declare
# ---------------------------------------------------------------------------------------------------------------------


def test_a_correspondent_declares_a_site_with_its_author_in_history(correspondent):
    site = site_declare(user=correspondent, values=declaration(name="Le Lac"))

    site.refresh_from_db()
    assert (site.name, site.population_total, site.status, site.version) == ("Le Lac", 20, SiteStatus.OPEN, 1)
    assert site.created_by == correspondent and site.updated_by == correspondent
    record = site.history.get()
    assert (record.history_type, record.history_user) == ("+", correspondent)


def test_the_declaration_date_defaults_to_today(correspondent):
    values = declaration()
    del values["declared_at"]
    assert site_declare(user=correspondent, values=values).declared_at == TODAY


def test_an_operator_declares_only_with_the_option():
    operator = UserFactory(role=Role.ASSOCIATION)
    with pytest.raises(PermissionDenied):
        site_declare(user=operator, values=declaration())
    assert not Site.objects.exists()

    operator_with_option = UserFactory(role=Role.ASSOCIATION, options=[Option.CREATE_SHANTYTOWN])
    assert site_declare(user=operator_with_option, values=declaration()).pk


def test_declaring_outside_ones_territory_is_refused(toulouse):
    correspondent_of_toulouse = UserFactory(
        role=Role.DIRECT_COLLABORATOR, organization=OrganizationFactory(departement=toulouse.departement)
    )
    with pytest.raises(PermissionDenied):
        site_declare(user=correspondent_of_toulouse, values=declaration())
    assert site_declare(
        user=correspondent_of_toulouse, values=declaration(commune=toulouse, address="1 rue Alsace 31000 Toulouse")
    )


def test_justice_fields_are_refused_from_a_user_without_justice_access(partner):
    with pytest.raises(ValidationError) as excinfo:
        site_declare(user=partner, values=declaration(justice_procedure=True, owner_complaint=False))
    assert set(errors_of(excinfo)) == {"justice_procedure", "owner_complaint"}
    assert "procédures judiciaires" in errors_of(excinfo)["justice_procedure"][0]
    assert not Site.objects.exists()


def test_justice_fields_are_accepted_from_a_justice_reader(correspondent):
    partner_with_option = UserFactory(role=Role.COLLABORATOR, options=[Option.ACCESS_JUSTICE])
    for user in (correspondent, partner_with_option):
        site = site_declare(user=user, values=declaration(justice_procedure=True, owner_complaint=True))
        assert (site.justice_procedure, site.owner_complaint) == (True, True)


def test_owners_need_owners_access(correspondent, partner):
    owners = [{"name": "SCI du Lac", "owner_type": OwnerType.PRIVATE}]
    with pytest.raises(ValidationError) as excinfo:
        site_declare(user=partner, values=declaration(), owners=owners)
    assert "owners" in errors_of(excinfo)

    site = site_declare(user=correspondent, values=declaration(), owners=owners)
    owner = site.owners.get()
    assert (owner.name, owner.owner_type) == ("SCI du Lac", OwnerType.PRIVATE)
    assert owner.history.get().history_user == correspondent


def test_declaration_dates_are_not_in_the_future(correspondent):
    with pytest.raises(ValidationError) as excinfo:
        site_declare(user=correspondent, values=declaration(declared_at=TODAY + DAY, built_at=TODAY + DAY))
    assert set(errors_of(excinfo)) == {"declared_at", "built_at"}


def test_model_rules_come_back_in_french_keyed_by_field(correspondent):
    with pytest.raises(ValidationError) as excinfo:
        site_declare(user=correspondent, values=declaration(population_total=10, population_minors=12))
    assert errors_of(excinfo) == {
        "population_minors": ["Le nombre de mineurs ne peut pas dépasser le nombre de personnes."]
    }


def test_every_constraint_message_has_its_field():
    names = {constraint.name for constraint in Site._meta.constraints}
    assert set(CONSTRAINT_FIELDS) <= names
    assert names - set(CONSTRAINT_FIELDS) == {"site_closed_iff_closing_data"}
    site_fields = {field.name for field in Site._meta.get_fields()}
    assert set(CONSTRAINT_FIELDS.values()) <= site_fields


def test_incoming_sites_must_be_readable(partner, toulouse):
    seen = SiteFactory()
    unseen = SiteFactory(commune=toulouse)
    site = site_declare(user=partner, values=declaration(is_reinstallation=True, incoming_sites=[seen.pk]))
    assert list(site.incoming_sites.all()) == [seen]
    with pytest.raises(ValidationError) as excinfo:
        site_declare(user=partner, values=declaration(incoming_sites=[unseen.pk]))
    assert "incoming_sites" in errors_of(excinfo)


def test_a_field_the_forms_do_not_write_is_an_error(correspondent):
    with pytest.raises(ValueError):
        site_declare(user=correspondent, values=declaration(status=SiteStatus.CLOSED))


# ---------------------------------------------------------------------------------------------------------------------
# Nearby sites (duplicate guard)
# ---------------------------------------------------------------------------------------------------------------------


def test_nearby_sites_finds_open_visible_sites_within_the_radius(partner, toulouse):
    latitude, longitude = 44.8378, -0.5792
    metres = 1 / 111_195  # degrees of latitude per metre
    near = SiteFactory(latitude=latitude + 300 * metres, longitude=longitude)
    SiteFactory(latitude=latitude + 800 * metres, longitude=longitude)  # too far
    SiteFactory(latitude=latitude + 100 * metres, longitude=longitude, closed=True)  # closed
    SiteFactory(commune=toulouse, latitude=latitude, longitude=longitude)  # out of the partner's sight

    found = nearby_sites(latitude=latitude, longitude=longitude, user=partner)
    assert found == [near]
    assert 290 <= found[0].distance <= 310


# ---------------------------------------------------------------------------------------------------------------------
# Update
# ---------------------------------------------------------------------------------------------------------------------


def test_an_update_saves_bumps_the_version_and_records_its_author(partner):
    site = SiteFactory()
    updated = site_update(user=partner, site_id=site.pk, expected_version=1, values={"population_total": 50})

    updated.refresh_from_db()
    assert (updated.population_total, updated.version, updated.updated_by) == (50, 2, partner)
    newest = updated.history.first()
    assert (newest.history_user, newest.population_total, newest.version) == (partner, 50, 2)


def test_an_intervener_cannot_update():
    site = SiteFactory()
    intervener = UserFactory(role=Role.INTERVENER)
    with pytest.raises(PermissionDenied):
        site_update(user=intervener, site_id=site.pk, expected_version=1, values={"population_total": 50})


def test_updating_outside_ones_territory_is_refused(toulouse):
    site = SiteFactory(commune=toulouse)
    with pytest.raises(PermissionDenied):
        site_update(user=UserFactory(role=Role.DIRECT_COLLABORATOR), site_id=site.pk, expected_version=1, values={})


def test_a_site_out_of_sight_looks_missing(partner, toulouse):
    site = SiteFactory(commune=toulouse)
    with pytest.raises(Http404):
        site_update(user=partner, site_id=site.pk, expected_version=1, values={"population_total": 50})


def test_two_stale_edits_keep_the_first_and_refuse_the_second_with_the_diff(partner, correspondent):
    site = SiteFactory(population_total=40)
    site_update(user=partner, site_id=site.pk, expected_version=1, values={"population_total": 55})

    with pytest.raises(StaleSiteError) as excinfo:
        site_update(user=correspondent, site_id=site.pk, expected_version=1, values={"population_total": 70})

    changes = excinfo.value.changes
    assert [(c.field, c.label, c.stored, c.started_from) for c in changes] == [
        ("population_total", "Nombre de personnes", "55", "40")
    ]
    assert "modifié par une autre personne" in excinfo.value.messages[0]
    site.refresh_from_db()
    assert (site.population_total, site.version) == (55, 2)

    # once the user has seen the change, he saves against the current version
    site_update(user=correspondent, site_id=site.pk, expected_version=2, values={"population_total": 70})
    site.refresh_from_db()
    assert (site.population_total, site.version) == (70, 3)


def test_the_stale_diff_hides_justice_changes_from_non_readers(partner, correspondent):
    site = SiteFactory()
    site_update(
        user=correspondent,
        site_id=site.pk,
        expected_version=1,
        values={"justice_procedure": True, "population_total": 41},
    )
    with pytest.raises(StaleSiteError) as excinfo:
        site_update(user=partner, site_id=site.pk, expected_version=1, values={"population_total": 45})
    assert [c.field for c in excinfo.value.changes] == ["population_total"]
    with pytest.raises(StaleSiteError) as excinfo:
        site_update(user=correspondent, site_id=site.pk, expected_version=1, values={"population_total": 45})
    assert {c.field for c in excinfo.value.changes} == {"population_total", "justice_procedure"}
    assert next(c for c in excinfo.value.changes if c.field == "justice_procedure").stored == "oui"


def test_justice_is_refused_on_update_from_non_readers_and_kept_untouched(partner, correspondent):
    site = SiteFactory(with_justice=True)
    with pytest.raises(ValidationError) as excinfo:
        site_update(user=partner, site_id=site.pk, expected_version=1, values={"justice_procedure": False})
    assert "justice_procedure" in errors_of(excinfo)

    site_update(user=partner, site_id=site.pk, expected_version=1, values={"population_total": 41})
    site.refresh_from_db()
    assert (site.justice_procedure, site.bailiff) == (True, "Étude Durand")

    site_update(user=correspondent, site_id=site.pk, expected_version=2, values={"bailiff": "Étude Martin"})
    site.refresh_from_db()
    assert site.bailiff == "Étude Martin"


def test_the_update_date_may_be_back_dated_but_not_before_the_previous_update(partner):
    site = SiteFactory(updated_at=datetime.date(2025, 1, 10))
    with pytest.raises(ValidationError) as excinfo:
        site_update(
            user=partner,
            site_id=site.pk,
            expected_version=1,
            values={"population_total": 41},
            updated_at=datetime.date(2025, 1, 9),
        )
    assert errors_of(excinfo)["updated_at"] == [
        "La date de mise à jour ne peut pas précéder celle de la mise à jour précédente (10/01/2025)."
    ]

    updated = site_update(
        user=partner,
        site_id=site.pk,
        expected_version=1,
        values={"population_total": 41},
        updated_at=datetime.date(2025, 1, 10),
    )
    assert updated.updated_at == datetime.date(2025, 1, 10)


def test_the_update_date_is_not_in_the_future(partner):
    site = SiteFactory()
    with pytest.raises(ValidationError) as excinfo:
        site_update(
            user=partner,
            site_id=site.pk,
            expected_version=1,
            values={"population_total": 41},
            updated_at=TODAY + DAY,
        )
    assert errors_of(excinfo)["updated_at"] == ["La date de mise à jour ne peut pas être dans le futur."]
    assert site_update(user=partner, site_id=site.pk, expected_version=1, values={"population_total": 41}).updated_at


def test_an_update_without_change_confirms_the_data(partner):
    site = SiteFactory(updated_at=datetime.date(2025, 1, 10))
    updated = site_update(
        user=partner, site_id=site.pk, expected_version=1, values={"population_total": 40}, without_change=True
    )
    assert (updated.version, updated.updated_at, updated.population_total) == (2, TODAY, 40)
    assert updated.history.first().history_user == partner


def test_an_update_without_change_may_change_nothing(partner):
    site = SiteFactory()
    with pytest.raises(ValidationError) as excinfo:
        site_update(
            user=partner, site_id=site.pk, expected_version=1, values={"population_total": 41}, without_change=True
        )
    assert list(errors_of(excinfo)) == ["population_total"]


def test_an_ordinary_update_must_change_something(partner):
    site = SiteFactory()
    with pytest.raises(ValidationError) as excinfo:
        site_update(user=partner, site_id=site.pk, expected_version=1, values={"population_total": 40})
    assert "mise à jour sans modification" in errors_of(excinfo)[NON_FIELD_ERRORS][0]


def test_update_rules_of_the_model_apply(partner):
    site = SiteFactory()
    with pytest.raises(ValidationError) as excinfo:
        site_update(user=partner, site_id=site.pk, expected_version=1, values={"name": "x" * 36})
    assert "name" in errors_of(excinfo)
    site.refresh_from_db()
    assert (site.name, site.version) == ("", 1)


def test_a_closed_site_cannot_be_updated(partner):
    site = SiteFactory(closed=True)
    with pytest.raises(ValidationError) as excinfo:
        site_update(user=partner, site_id=site.pk, expected_version=1, values={"population_total": 41})
    assert "fermé" in excinfo.value.messages[0]


# ---------------------------------------------------------------------------------------------------------------------
# Close
# ---------------------------------------------------------------------------------------------------------------------


def close(user, site, **overrides):
    arguments = {
        "closed_at": datetime.date(2025, 6, 30),
        "closing_cause": ClosingCause.RESORBED,
        "closed_with_solutions": True,
        "orientations": [
            {"solution": ClosingSolution.INSERTION_HOUSING, "people_affected": 10, "households_affected": 3},
            {"solution": ClosingSolution.EMERGENCY_SHELTER, "people_affected": 5, "households_affected": 0},
        ],
        **overrides,
    }
    return site_close(user=user, site_id=site.pk, expected_version=site.version, **arguments)


def test_a_correspondent_closes_a_site_with_orientations(correspondent):
    site = SiteFactory()
    closed = close(correspondent, site)

    closed.refresh_from_db()
    assert (closed.status, closed.closing_cause, closed.is_resorbed, closed.version) == (
        SiteStatus.CLOSED,
        ClosingCause.RESORBED,
        True,
        2,
    )
    orientations = ClosingOrientation.objects.filter(site=site)
    assert {(o.solution, o.people_affected, o.households_affected) for o in orientations} == {
        (ClosingSolution.INSERTION_HOUSING, 10, 3),
        (ClosingSolution.EMERGENCY_SHELTER, 5, 0),
    }
    assert closed.history.first().history_user == correspondent


def test_closing_needs_the_permission(partner):
    with pytest.raises(PermissionDenied):
        close(partner, SiteFactory())
    partner_with_option = UserFactory(role=Role.COLLABORATOR, options=[Option.CLOSE_SHANTYTOWN])
    assert close(partner_with_option, SiteFactory()).is_closed


def test_a_closed_site_is_not_closed_again(correspondent):
    site = SiteFactory(closed=True)
    with pytest.raises(ValidationError) as excinfo:
        close(correspondent, site)
    assert excinfo.value.messages == ["Ce site est déjà marqué comme fermé."]


@pytest.mark.parametrize(
    ("closed_at", "field"),
    [
        (None, "closed_at"),
        (TODAY + DAY, "closed_at"),
        (datetime.date(2024, 4, 1), "closed_at"),  # before the declaration (2024-04-02)
        (datetime.date(2024, 3, 1), "closed_at"),  # the day of the installation
    ],
)
def test_the_closing_date_rules(correspondent, closed_at, field):
    site = SiteFactory()
    with pytest.raises(ValidationError) as excinfo:
        close(correspondent, site, closed_at=closed_at)
    assert field in errors_of(excinfo)
    site.refresh_from_db()
    assert site.status == SiteStatus.OPEN


def test_the_closing_date_may_be_the_declaration_day(correspondent):
    assert close(correspondent, SiteFactory(), closed_at=datetime.date(2024, 4, 2)).is_closed


def test_the_closing_cause_is_one_of_the_list(correspondent):
    with pytest.raises(ValidationError) as excinfo:
        close(correspondent, SiteFactory(), closing_cause="covered")
    assert "closing_cause" in errors_of(excinfo)


def test_an_other_cause_needs_its_context(correspondent):
    with pytest.raises(ValidationError):
        close(correspondent, SiteFactory(), closing_cause=ClosingCause.OTHER)
    site = close(correspondent, SiteFactory(), closing_cause=ClosingCause.OTHER, closing_context="Incendie")
    assert site.closing_context == "Incendie"


def test_resorbed_or_not_must_be_answered(correspondent):
    with pytest.raises(ValidationError) as excinfo:
        close(correspondent, SiteFactory(), closed_with_solutions=None)
    assert "closed_with_solutions" in errors_of(excinfo)
    site = close(correspondent, SiteFactory(), closed_with_solutions=False, closing_cause=ClosingCause.UNKNOWN)
    assert site.is_closed and not site.is_resorbed


@pytest.mark.parametrize(
    "orientation",
    [
        {"solution": ClosingSolution.INSERTION_HOUSING, "people_affected": 3, "households_affected": 4},
        {"solution": ClosingSolution.INSERTION_HOUSING, "people_affected": -1, "households_affected": None},
        {"solution": "prison", "people_affected": 3, "households_affected": 1},
    ],
)
def test_orientation_rules(correspondent, orientation):
    site = SiteFactory()
    with pytest.raises(ValidationError) as excinfo:
        close(correspondent, site, orientations=[orientation])
    assert "orientations" in errors_of(excinfo)
    assert not ClosingOrientation.objects.exists()


def test_each_solution_is_given_once(correspondent):
    twice = [{"solution": ClosingSolution.INSERTION_HOUSING, "people_affected": 3, "households_affected": 1}] * 2
    with pytest.raises(ValidationError) as excinfo:
        close(correspondent, SiteFactory(), orientations=twice)
    assert "plusieurs fois" in errors_of(excinfo)["orientations"][0]


def test_closing_a_stale_site_is_refused(correspondent, partner):
    site = SiteFactory()
    site_update(user=partner, site_id=site.pk, expected_version=1, values={"population_total": 41})
    with pytest.raises(StaleSiteError):
        close(correspondent, site)  # site.version is still 1 here
    site.refresh_from_db()
    assert site.status == SiteStatus.OPEN


# ---------------------------------------------------------------------------------------------------------------------
# Correct the status of a closed site
# ---------------------------------------------------------------------------------------------------------------------


@pytest.fixture
def national_admin():
    return UserFactory(admin_role=AdminRole.NATIONAL_ADMIN)


def test_a_national_admin_corrects_the_status_of_a_closed_site(national_admin):
    site = SiteFactory(closed=True)
    fixed = site_fix_status(user=national_admin, site_id=site.pk, expected_version=1, closed_with_solutions=True)
    fixed.refresh_from_db()
    assert (fixed.is_closed, fixed.is_resorbed, fixed.version) == (True, True, 2)
    assert fixed.history.first().history_user == national_admin


def test_only_national_admins_correct_the_status(correspondent):
    site = SiteFactory(closed=True)
    with pytest.raises(PermissionDenied):
        site_fix_status(user=correspondent, site_id=site.pk, expected_version=1, closed_with_solutions=True)


def test_the_status_of_an_open_site_is_not_corrected(national_admin):
    site = SiteFactory()
    with pytest.raises(ValidationError):
        site_fix_status(user=national_admin, site_id=site.pk, expected_version=1, closed_with_solutions=True)


def test_correcting_the_status_changes_something_and_keeps_the_rules(national_admin):
    site = SiteFactory(closed=True)
    with pytest.raises(ValidationError):
        site_fix_status(user=national_admin, site_id=site.pk, expected_version=1, closed_with_solutions=False)
    with pytest.raises(ValidationError) as excinfo:
        site_fix_status(
            user=national_admin,
            site_id=site.pk,
            expected_version=1,
            closed_with_solutions=True,
            closing_cause="covered",
        )
    assert "closing_cause" in errors_of(excinfo)


# ---------------------------------------------------------------------------------------------------------------------
# Dates that need the clock (§C.2, §C.5)
# ---------------------------------------------------------------------------------------------------------------------


def test_a_census_done_is_not_in_the_future_and_a_census_planned_not_in_the_past(correspondent):
    census = {"census_conducted_by": "Association Les Amis"}
    with pytest.raises(ValidationError) as excinfo:
        site_declare(
            user=correspondent,
            values=declaration(census_status="done", census_conducted_at=TODAY + DAY, **census),
        )
    assert "census_conducted_at" in errors_of(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        site_declare(
            user=correspondent,
            values=declaration(census_status="scheduled", census_conducted_at=datetime.date(2025, 2, 1), **census),
        )
    assert "census_conducted_at" in errors_of(excinfo)
    done = declaration(census_status="done", census_conducted_at=datetime.date(2025, 2, 1), **census)
    assert site_declare(user=correspondent, values=done).census_conducted_at == datetime.date(2025, 2, 1)
    planned = declaration(census_status="scheduled", census_conducted_at=TODAY + DAY, **census)
    assert site_declare(user=correspondent, values=planned).census_conducted_at == TODAY + DAY


def test_a_justice_decision_is_not_in_the_future(correspondent):
    site = SiteFactory(with_justice=True)
    with pytest.raises(ValidationError) as excinfo:
        site_update(
            user=correspondent, site_id=site.pk, expected_version=1, values={"justice_rendered_at": TODAY + DAY}
        )
    assert list(errors_of(excinfo)) == ["justice_rendered_at"]
    updated = site_update(
        user=correspondent, site_id=site.pk, expected_version=1, values={"justice_rendered_at": TODAY}
    )
    assert updated.justice_rendered_at == TODAY


def test_a_site_moves_only_to_a_commune_the_user_may_update(partner, toulouse):
    site = SiteFactory()
    with pytest.raises(ValidationError) as excinfo:
        site_update(user=partner, site_id=site.pk, expected_version=1, values={"commune": toulouse})
    assert "commune" in errors_of(excinfo)
    pessac = CommuneFactory(code="33318", name="Pessac", postal_codes="33600")
    assert (
        site_update(user=partner, site_id=site.pk, expected_version=1, values={"commune_id": pessac.pk}).commune
        == pessac
    )
