"""Outside the territory is a 404, the same as a missing object (STYLE: permissions in one place)."""

import pytest
from django.urls import reverse

from resorption.accounts.enums import AdminRole, AreaType
from tests.accounts.factories import OrganizationFactory, UserFactory
from tests.territories.factories import DepartementFactory, RegionFactory

pytestmark = pytest.mark.django_db


def url(user):
    return reverse("accounts:user_detail", args=[user.pk])


@pytest.fixture
def gironde_account():
    return UserFactory(first_name="Jeanne", last_name="Lacoste")


@pytest.fixture
def haute_garonne_account():
    occitanie = RegionFactory(code="76", name="Occitanie")
    organization = OrganizationFactory(
        departement=DepartementFactory(code="31", name="Haute-Garonne", region=occitanie)
    )
    return UserFactory(organization=organization, first_name="Marc", last_name="Sabatier")


def test_local_admin_sees_an_account_of_his_departement(client, gironde_account):
    client.force_login(UserFactory(admin_role=AdminRole.LOCAL_ADMIN))
    response = client.get(url(gironde_account))
    assert response.status_code == 200
    assert "Jeanne Lacoste" in response.content.decode()


def test_local_admin_gets_404_outside_his_territory(client, haute_garonne_account):
    client.force_login(UserFactory(admin_role=AdminRole.LOCAL_ADMIN))
    outside = client.get(url(haute_garonne_account))
    missing = client.get(reverse("accounts:user_detail", args=[999999]))
    assert outside.status_code == missing.status_code == 404
    assert "Sabatier" not in outside.content.decode()


def test_national_admin_sees_every_account(client, haute_garonne_account):
    dihal = OrganizationFactory(area_type=AreaType.NATION, departement=None)
    client.force_login(UserFactory(organization=dihal, admin_role=AdminRole.NATIONAL_ADMIN))
    assert client.get(url(haute_garonne_account)).status_code == 200


def test_non_admin_gets_404_even_in_his_own_departement(client, gironde_account):
    client.force_login(UserFactory())
    assert client.get(url(gironde_account)).status_code == 404
