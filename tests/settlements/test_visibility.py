import pytest

from resorption.accounts.enums import Role
from resorption.settlements.models import Site
from tests.accounts.factories import OrganizationFactory, UserFactory
from tests.settlements.factories import SiteFactory
from tests.territories.factories import CommuneFactory, DepartementFactory, RegionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sites():
    haute_garonne = DepartementFactory(
        code="31", name="Haute-Garonne", region=RegionFactory(code="76", name="Occitanie")
    )
    toulouse = CommuneFactory(code="31555", name="Toulouse", departement=haute_garonne, postal_codes="31000")
    return {
        "bordeaux": SiteFactory(),
        "bordeaux_closed": SiteFactory(closed=True),
        "toulouse": SiteFactory(commune=toulouse, address="1 allée Jean Jaurès 31000 Toulouse"),
    }


def test_an_operator_of_gironde_sees_the_sites_of_gironde_only(sites):
    operator = UserFactory(role=Role.ASSOCIATION, organization=OrganizationFactory(departement=DepartementFactory()))
    assert set(Site.objects.visible_to(operator)) == {sites["bordeaux"], sites["bordeaux_closed"]}


def test_a_national_actor_sees_every_site(sites):
    actor = UserFactory(role=Role.NATIONAL_ESTABLISHMENT)
    assert set(Site.objects.visible_to(actor)) == set(sites.values())


def test_an_anonymous_visitor_sees_none(sites):
    from django.contrib.auth.models import AnonymousUser

    assert not Site.objects.visible_to(AnonymousUser()).exists()


def test_visibility_combines_with_the_other_filters(sites):
    operator = UserFactory(role=Role.ASSOCIATION)
    assert list(Site.objects.visible_to(operator).open().with_list_data()) == [sites["bordeaux"]]
