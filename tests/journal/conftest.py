"""The people of the journal tests, all in Gironde unless said otherwise, each in his own organisation."""

import pytest

from resorption.accounts.enums import AdminRole, Role
from resorption.accounts.models import OrganizationType
from tests.accounts.factories import OrganizationFactory, UserFactory
from tests.settlements.factories import SiteFactory
from tests.territories.factories import DepartementFactory, RegionFactory


@pytest.fixture
def site():
    return SiteFactory()  # Bordeaux, Gironde


@pytest.fixture
def author():
    """An opérateur of Gironde: reads and writes in the journals of Gironde, not the targeted messages of others."""
    return UserFactory(role=Role.ASSOCIATION, first_name="Alix", last_name="Auteur")


@pytest.fixture
def target():
    return UserFactory(role=Role.ASSOCIATION, first_name="Théo", last_name="Destinataire")


@pytest.fixture
def bystander():
    """Reads the journal like the others, but is targeted by nothing."""
    return UserFactory(role=Role.ASSOCIATION, first_name="Bastien", last_name="Passant")


@pytest.fixture
def correspondent():
    """A correspondant of Gironde: holds « lire tous les messages ciblés » there."""
    return UserFactory(role=Role.DIRECT_COLLABORATOR, first_name="Corinne", last_name="Correspondante")


@pytest.fixture
def local_admin():
    """A local admin of Gironde: moderates the journals there."""
    return UserFactory(role=Role.DIRECT_COLLABORATOR, admin_role=AdminRole.LOCAL_ADMIN, last_name="Modératrice")


@pytest.fixture
def observer():
    """An external observer of Gironde: reads the journal, may not write in it."""
    return UserFactory(role=Role.EXTERNAL_OBSERVER)


@pytest.fixture
def outsider():
    """An opérateur of Haute-Garonne: the sites of Gironde are out of his sight."""
    haute_garonne = DepartementFactory(code="31", name="Haute-Garonne", region=RegionFactory(code="76"))
    return UserFactory(role=Role.ASSOCIATION, organization=OrganizationFactory(departement=haute_garonne))


def organization_of_type(uid: str, name: str, **kwargs):
    """An organisation of one of the types the accounts migration creates (préfecture, DDETS…), in Gironde."""
    return OrganizationFactory(type=OrganizationType.objects.get(uid=uid), name=name, **kwargs)


@pytest.fixture
def prefecture():
    return organization_of_type("prefecture_departement", "Préfecture de la Gironde")


@pytest.fixture
def ddets():
    return organization_of_type("ddets", "DDETS de la Gironde")
