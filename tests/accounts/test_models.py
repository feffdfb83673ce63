"""Account rules written once on the model: who may sign in (`can_sign_in`) and which role applies
(`effective_role`)."""

import pytest

from resorption.accounts.enums import AdminRole, Role, UserStatus
from resorption.accounts.models import User, effective_role_q
from tests.accounts.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------------------------------------
# May sign in: an active account of an active organisation (reference §B.5)
# ---------------------------------------------------------------------------------------------------------------------


@pytest.fixture
def accounts():
    active_organization = OrganizationFactory(active=True)
    waiting_organization = OrganizationFactory(active=False)
    return {
        "active": UserFactory(organization=active_organization),
        "active, organisation not active": UserFactory(organization=waiting_organization),
        "new": UserFactory(organization=active_organization, status=UserStatus.NEW),
        "deactivated": UserFactory(organization=active_organization, status=UserStatus.INACTIVE),
        "new, organisation not active": UserFactory(organization=waiting_organization, status=UserStatus.NEW),
    }


def test_only_an_active_account_of_an_active_organisation_may_sign_in(accounts):
    may = set(User.objects.can_sign_in().values_list("pk", flat=True))

    assert may == {accounts["active"].pk}


def test_the_instance_says_the_same_as_the_queryset(accounts):
    for name, account in accounts.items():
        account = User.objects.get(pk=account.pk)
        assert account.can_sign_in is (name == "active"), name


def test_an_account_whose_organisation_is_deactivated_may_no_longer_sign_in(accounts):
    account = accounts["active"]
    account.organization.active = False
    account.organization.save()

    assert not User.objects.can_sign_in().exists()
    assert not User.objects.get(pk=account.pk).can_sign_in


# ---------------------------------------------------------------------------------------------------------------------
# The effective role: the admin role replaces the regular role (reference §A.3)
# ---------------------------------------------------------------------------------------------------------------------


@pytest.fixture
def people():
    return {
        "local admin": UserFactory(role=Role.INTERVENER, admin_role=AdminRole.LOCAL_ADMIN),
        "national admin": UserFactory(role=Role.DIRECT_COLLABORATOR, admin_role=AdminRole.NATIONAL_ADMIN),
        "intervener": UserFactory(role=Role.INTERVENER),
        "operator": UserFactory(role=Role.ASSOCIATION),
    }


def test_the_effective_role_is_the_admin_role_when_there_is_one(people):
    assert {name: person.effective_role for name, person in people.items()} == {
        "local admin": "local_admin",
        "national admin": "national_admin",
        "intervener": "intervener",
        "operator": "association",
    }


def test_the_role_shown_is_the_effective_one(people):
    assert {name: person.role_label for name, person in people.items()} == {
        "local admin": "Administrateur local",
        "national admin": "Administrateur national",
        "intervener": "Intervenant",
        "operator": "Opérateur",
    }


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        # An admin whose regular role is « Intervenant » is not counted as an intervener.
        ([Role.INTERVENER], {"intervener"}),
        ([AdminRole.LOCAL_ADMIN], {"local admin"}),
        ([AdminRole.LOCAL_ADMIN, Role.ASSOCIATION], {"local admin", "operator"}),
        ([Role.DIRECT_COLLABORATOR], set()),
        ([], set()),
    ],
)
def test_accounts_by_effective_role(people, roles, expected):
    names = {person.pk: name for name, person in people.items()}

    found = User.objects.filter(effective_role_q(roles)).values_list("pk", flat=True)

    assert {names[pk] for pk in found} == expected
