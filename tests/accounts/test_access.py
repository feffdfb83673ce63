"""`access_user_account`: an account the actor may see in the administration, else a 404 (see also
tests/settlements/test_access.py and tests/journal/test_access.py for the other `access_*` functions)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.transaction import TransactionManagementError
from django.http import Http404

from resorption.accounts.access import access_by_id, access_user_account
from resorption.accounts.enums import AdminRole, AreaType, Role
from resorption.accounts.models import Organization, User
from tests.accounts.factories import OrganizationFactory, UserFactory
from tests.territories.factories import DepartementFactory, RegionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def gironde_person():
    return UserFactory(role=Role.ASSOCIATION)


@pytest.fixture
def toulouse_person():
    haute_garonne = DepartementFactory(code="31", name="Haute-Garonne", region=RegionFactory(code="76"))
    return UserFactory(role=Role.ASSOCIATION, organization=OrganizationFactory(departement=haute_garonne))


def test_a_local_admin_reaches_the_accounts_of_his_territory_only(gironde_person, toulouse_person):
    local_admin = UserFactory(admin_role=AdminRole.LOCAL_ADMIN)

    assert access_user_account(local_admin, gironde_person.pk) == gironde_person
    with pytest.raises(Http404):
        access_user_account(local_admin, toulouse_person.pk)


def test_a_national_admin_reaches_everyone_and_nobody_else_reaches_anyone(gironde_person, toulouse_person):
    national_admin = UserFactory(
        admin_role=AdminRole.NATIONAL_ADMIN,
        organization=OrganizationFactory(area_type=AreaType.NATION, departement=None),
    )
    assert access_user_account(national_admin, toulouse_person.pk) == toulouse_person
    for someone in (gironde_person, UserFactory(role=Role.DIRECT_COLLABORATOR)):
        with pytest.raises(Http404):
            access_user_account(someone, gironde_person.pk)


@pytest.mark.parametrize("pk", ["x", -3, 0, 10**20, None])
def test_a_bad_id_is_a_404(gironde_person, pk):
    with pytest.raises(Http404):
        access_user_account(UserFactory(admin_role=AdminRole.LOCAL_ADMIN), pk)


def test_the_callers_queryset_gives_the_shape_never_the_scope(gironde_person, toulouse_person):
    local_admin = UserFactory(admin_role=AdminRole.LOCAL_ADMIN)

    with pytest.raises(Http404):
        access_user_account(local_admin, toulouse_person.pk, queryset=User.objects.all())
    with pytest.raises(TypeError):
        access_user_account(local_admin, gironde_person.pk, queryset=Organization.objects.all())
    with transaction.atomic():
        assert access_user_account(local_admin, gironde_person.pk, for_update=True) == gironde_person


# Without pytest-django's wrapping transaction, to see what a lock outside a transaction does; no row is written.
@pytest.mark.usefixtures("_database_kept_whole")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_lock_outside_a_transaction_is_refused_on_every_database():
    # PostgreSQL refuses it by itself; SQLite would silently lock nothing, so access_by_id refuses it first.
    with pytest.raises(TransactionManagementError):
        access_by_id(User.objects.all(), 1, for_update=True)
    with pytest.raises(TransactionManagementError):
        access_user_account(AnonymousUser(), 1, for_update=True)
