"""Every site page answers the same way to who may not see it: 404 outside the territory or for a missing site (the
two are indistinguishable), and the login page for anonymous visitors."""

import pytest
from django.test import Client
from django.urls import reverse

from resorption.accounts.enums import Role
from tests.accounts.factories import OrganizationFactory, UserFactory
from tests.settlements.factories import SiteFactory
from tests.territories.factories import DepartementFactory, RegionFactory

pytestmark = pytest.mark.django_db
SITE_PAGES = [
    "settlements:detail",
    "settlements:history",
    "settlements:close",
    "settlements:fix_status",
    "settlements:actor_self",
    "settlements:actor_add",
    "settlements:print_site",
    "settlements:update",
]


@pytest.mark.parametrize("page", SITE_PAGES)
def test_a_site_outside_the_users_territory_is_not_found(client, page):
    site = SiteFactory()  # in Gironde
    haute_garonne = DepartementFactory(code="31", name="Haute-Garonne", region=RegionFactory(code="76"))
    client.force_login(UserFactory(role=Role.ASSOCIATION, organization=OrganizationFactory(departement=haute_garonne)))

    assert client.get(reverse(page, kwargs={"pk": site.pk})).status_code == 404


@pytest.mark.parametrize("page", SITE_PAGES)
def test_a_missing_site_is_not_found(client, page):
    client.force_login(UserFactory(role=Role.ASSOCIATION))

    assert client.get(reverse(page, kwargs={"pk": 999_999})).status_code == 404


@pytest.mark.parametrize("page", SITE_PAGES)
def test_an_anonymous_visitor_is_sent_to_login(page):
    response = Client().get(reverse(page, kwargs={"pk": SiteFactory().pk}))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
