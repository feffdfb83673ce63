"""The rules of the account administration in accounts.permissions (reference §A.3, §A.7)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from resorption.accounts import permissions as perms
from resorption.accounts.enums import AdminRole, AreaType, Role
from resorption.accounts.models import Organization
from tests.accounts.factories import OrganizationFactory, UserFactory
from tests.territories.factories import CommuneFactory, DepartementFactory, EpciFactory, RegionFactory

pytestmark = pytest.mark.django_db


def haute_garonne():
    return DepartementFactory(code="31", name="Haute-Garonne", region=RegionFactory(code="76", name="Occitanie"))


@pytest.fixture
def local_admin():
    """Local admin of the Gironde (33)."""
    return UserFactory(admin_role=AdminRole.LOCAL_ADMIN)


@pytest.fixture
def national_admin():
    return UserFactory(
        organization=OrganizationFactory(area_type=AreaType.NATION, departement=None),
        admin_role=AdminRole.NATIONAL_ADMIN,
    )


@pytest.fixture
def gironde_user():
    return UserFactory()


@pytest.fixture
def toulouse_user():
    return UserFactory(organization=OrganizationFactory(departement=haute_garonne()))


# Roles


@pytest.mark.parametrize("role", list(Role))
def test_national_admin_gives_any_role(national_admin, gironde_user, role):
    assert perms.can_assign_role(national_admin, gironde_user, role)


@pytest.mark.parametrize("role", list(Role))
def test_local_admin_gives_only_intervenant(local_admin, gironde_user, role):
    assert perms.can_assign_role(local_admin, gironde_user, role) is (role == Role.INTERVENER)


def test_local_admin_gives_no_role_outside_his_territory(local_admin, toulouse_user):
    assert not perms.can_assign_role(local_admin, toulouse_user, Role.INTERVENER)


def test_local_admin_leaves_the_role_of_admins_alone(local_admin, national_admin):
    colleague = UserFactory(admin_role=AdminRole.LOCAL_ADMIN)
    assert not perms.can_assign_role(local_admin, colleague, Role.INTERVENER)
    assert not perms.can_assign_role(local_admin, national_admin, Role.INTERVENER)
    assert perms.can_assign_role(national_admin, colleague, Role.INTERVENER)


def test_users_who_are_not_admins_give_no_role(gironde_user):
    assert not perms.can_assign_role(UserFactory(role=Role.DIRECT_COLLABORATOR), gironde_user, Role.INTERVENER)
    assert not perms.can_assign_role(AnonymousUser(), gironde_user, Role.INTERVENER)


# Admin roles


def test_only_national_admins_change_admin_roles(local_admin, national_admin, gironde_user, toulouse_user):
    assert perms.can_change_admin_role(national_admin, gironde_user)
    assert perms.can_change_admin_role(national_admin, toulouse_user)
    assert perms.can_change_admin_role(national_admin, local_admin)
    assert not perms.can_change_admin_role(local_admin, gironde_user)
    assert not perms.can_change_admin_role(AnonymousUser(), gironde_user)


def test_nobody_demotes_a_national_admin(national_admin):
    assert not perms.can_change_admin_role(national_admin, UserFactory(admin_role=AdminRole.NATIONAL_ADMIN))
    assert not perms.can_change_admin_role(national_admin, national_admin)


# Intervention areas


def test_nobody_edits_his_own_areas(local_admin, national_admin):
    assert not perms.can_set_intervention_areas(local_admin, local_admin)
    assert not perms.can_set_intervention_areas(national_admin, national_admin)


def test_areas_of_accounts_follow_the_admin_scope(local_admin, national_admin, gironde_user, toulouse_user):
    assert perms.can_set_intervention_areas(local_admin, gironde_user)
    assert not perms.can_set_intervention_areas(local_admin, toulouse_user)
    assert perms.can_set_intervention_areas(national_admin, toulouse_user)


def test_only_national_admins_edit_the_areas_of_an_admin(local_admin, national_admin):
    colleague = UserFactory(admin_role=AdminRole.LOCAL_ADMIN)
    assert not perms.can_set_intervention_areas(local_admin, colleague)
    assert perms.can_set_intervention_areas(national_admin, colleague)


def test_local_admin_assigns_areas_only_inside_his_own(local_admin):
    gironde = DepartementFactory()
    toulouse = haute_garonne()
    bordeaux = CommuneFactory()
    blagnac = CommuneFactory(code="31069", name="Blagnac", departement=toulouse, postal_codes="31700")
    metropole = EpciFactory(departements=[gironde])
    straddling = EpciFactory(code="200000000", name="Entre deux", departements=[gironde, toulouse])

    def may(area_type, territory):
        return perms.can_assign_area(local_admin, area_type=area_type, territory=territory)

    assert may(AreaType.DEPARTEMENT, gironde)
    assert may(AreaType.COMMUNE, bordeaux)
    assert may(AreaType.EPCI, metropole)
    assert not may(AreaType.DEPARTEMENT, toulouse)
    assert not may(AreaType.COMMUNE, blagnac)
    assert not may(AreaType.EPCI, straddling)
    assert not may(AreaType.REGION, gironde.region)
    assert not may(AreaType.NATION, None)


def test_a_local_admin_of_a_region_assigns_it():
    gironde = DepartementFactory()
    region_admin = UserFactory(
        admin_role=AdminRole.LOCAL_ADMIN,
        organization=OrganizationFactory(area_type=AreaType.REGION, departement=None, region=RegionFactory()),
    )
    assert perms.can_assign_area(region_admin, area_type=AreaType.REGION, territory=gironde.region)
    assert perms.can_assign_area(region_admin, area_type=AreaType.DEPARTEMENT, territory=gironde)
    assert not perms.can_assign_area(region_admin, area_type=AreaType.DEPARTEMENT, territory=haute_garonne())


def test_national_admin_assigns_areas_anywhere(national_admin):
    assert perms.can_assign_area(national_admin, area_type=AreaType.DEPARTEMENT, territory=haute_garonne())
    assert perms.can_assign_area(national_admin, area_type=AreaType.NATION, territory=None)


def test_users_who_are_not_admins_assign_no_area(gironde_user):
    assert not perms.can_assign_area(gironde_user, area_type=AreaType.DEPARTEMENT, territory=DepartementFactory())


# Deactivation


def test_deactivation_follows_the_scope_but_never_oneself(local_admin, national_admin, gironde_user, toulouse_user):
    assert perms.can_deactivate_account(local_admin, gironde_user)
    assert not perms.can_deactivate_account(local_admin, toulouse_user)
    assert not perms.can_deactivate_account(local_admin, national_admin)
    assert not perms.can_deactivate_account(local_admin, local_admin)
    assert perms.can_deactivate_account(national_admin, toulouse_user)
    assert not perms.can_deactivate_account(AnonymousUser(), gironde_user)


# National-only pages


@pytest.mark.parametrize(
    "predicate", [perms.can_create_organization, perms.can_read_email_outbox, perms.can_read_signin_log]
)
def test_national_only_pages(predicate, local_admin, national_admin, gironde_user):
    assert predicate(national_admin)
    assert not predicate(local_admin)
    assert not predicate(gironde_user)
    assert not predicate(AnonymousUser())


# Organisations offered when creating an account


def test_manageable_organisations_follow_the_admin_scope(local_admin, national_admin, gironde_user, toulouse_user):
    def pks(admin):
        return set(Organization.objects.filter(perms.manageable_organizations_q(admin)).values_list("pk", flat=True))

    assert gironde_user.organization_id in pks(local_admin)
    assert toulouse_user.organization_id not in pks(local_admin)
    assert {gironde_user.organization_id, toulouse_user.organization_id} <= pks(national_admin)
    assert pks(gironde_user) == set()


def test_manageable_organisations_refuse_features_not_on_accounts(local_admin):
    with pytest.raises(ValueError, match="not a feature on accounts"):
        perms.manageable_organizations_q(local_admin, "shantytown.list")
