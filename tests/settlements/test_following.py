"""« Sites suivis » (issue 11 item 3, §A.3): star a site from its page or the list; not for interveners and external
observers; only sites one sees."""

import re

import pytest
from django.urls import reverse

from resorption.accounts.enums import AreaType, Role
from resorption.settlements import following
from resorption.settlements.models import FollowedSite
from tests.accounts.factories import OrganizationFactory, UserFactory
from tests.settlements.factories import SiteFactory
from tests.territories.factories import CommuneFactory, DepartementFactory, RegionFactory

pytestmark = pytest.mark.django_db


def _follow_url(site) -> str:
    return reverse("settlements:follow", kwargs={"pk": site.pk})


@pytest.fixture
def correspondent():
    """A correspondent of Gironde (the factories' default territory)."""
    return UserFactory(role=Role.DIRECT_COLLABORATOR)


@pytest.fixture
def elsewhere():
    haute_garonne = DepartementFactory(code="31", name="Haute-Garonne", region=RegionFactory(code="76"))
    return SiteFactory(commune=CommuneFactory(code="31555", name="Toulouse", departement=haute_garonne))


def test_a_correspondent_follows_a_site_from_its_page_and_stops(client, correspondent):
    site = SiteFactory()
    client.force_login(correspondent)
    page = reverse("settlements:detail", kwargs={"pk": site.pk})
    assert "Suivre ce site" in client.get(page).content.decode()

    response = client.post(_follow_url(site), {"suivre": "1"})

    assert response.status_code == 302 and response.url == page
    assert FollowedSite.objects.filter(user=correspondent, site=site).count() == 1
    assert "Ne plus suivre ce site" in client.get(page).content.decode()

    client.post(_follow_url(site), {"suivre": "0"})
    assert not FollowedSite.objects.exists()
    assert "Ne plus suivre ce site" not in client.get(page).content.decode()


def test_following_twice_keeps_one_row_and_unfollowing_an_unfollowed_site_is_harmless(client, correspondent):
    site = SiteFactory()
    client.force_login(correspondent)
    client.post(_follow_url(site), {"suivre": "1"})
    client.post(_follow_url(site), {"suivre": "1"})
    assert FollowedSite.objects.count() == 1
    client.post(_follow_url(site), {"suivre": "0"})
    assert client.post(_follow_url(site), {"suivre": "0"}).status_code == 302
    assert not FollowedSite.objects.exists()


@pytest.mark.parametrize("role", [Role.INTERVENER, Role.EXTERNAL_OBSERVER])
def test_interveners_and_observers_follow_no_site(client, role):
    """§A.3 EXCLUDED_ROLES: no star on the page nor the list, and a forged post is refused with nothing written."""
    site = SiteFactory()
    user = UserFactory(role=role)
    client.force_login(user)

    assert "Suivre ce site" not in client.get(reverse("settlements:detail", kwargs={"pk": site.pk})).content.decode()
    assert "Suivre ce site" not in client.get(reverse("settlements:list")).content.decode()
    assert client.post(_follow_url(site), {"suivre": "1"}).status_code == 403
    assert not FollowedSite.objects.exists()


def test_a_site_out_of_sight_cannot_be_followed(client, correspondent, elsewhere):
    operator = UserFactory(role=Role.ASSOCIATION)  # an operator of Gironde sees only its sites
    client.force_login(operator)

    assert client.post(_follow_url(elsewhere), {"suivre": "1"}).status_code == 404
    assert client.post("/sites/99999999999999999999/suivi/", {"suivre": "1"}).status_code == 404
    assert not FollowedSite.objects.exists()


def test_only_a_post_follows(client, correspondent):
    site = SiteFactory()
    client.force_login(correspondent)
    assert client.get(_follow_url(site), {"suivre": "1"}).status_code == 405
    assert not FollowedSite.objects.exists()


def test_htmx_swaps_the_star_in_place_on_the_page_and_in_the_list(client, correspondent):
    site = SiteFactory()
    client.force_login(correspondent)

    on_page = client.post(_follow_url(site), {"suivre": "1"}, headers={"HX-Request": "true"})
    assert on_page.status_code == 200
    assert "Ne plus suivre ce site" in on_page.content.decode()
    assert 'name="suivre" value="0"' in on_page.content.decode()

    in_row = client.post(
        _follow_url(site), {"suivre": "0", "format": "ligne", "next": "/sites/?page=2"}, headers={"HX-Request": "true"}
    )
    html = in_row.content.decode()
    assert 'class="site-follow"' in html and "fr-icon-star-line" in html and 'value="/sites/?page=2"' in html
    assert not FollowedSite.objects.exists()


@pytest.mark.parametrize(
    "next_url", ["https://ailleurs.example/", "//ailleurs.example/x", "javascript:alert(1)", "99999", "/a\x00b"]
)
def test_a_foreign_next_address_sends_back_to_the_site(client, correspondent, next_url):
    site = SiteFactory()
    client.force_login(correspondent)
    response = client.post(_follow_url(site), {"suivre": "1", "next": next_url})
    assert response.url == reverse("settlements:detail", kwargs={"pk": site.pk})


def test_the_list_stars_each_row_as_the_user_follows_it_and_keeps_its_address(client, correspondent):
    followed, other = SiteFactory(), SiteFactory()
    FollowedSite.objects.create(user=correspondent, site=followed)
    client.force_login(correspondent)

    html = client.get(reverse("settlements:list"), {"tri": "commune"}).content.decode()

    forms = dict(re.findall(r'action="/sites/(\d+)/suivi/".*?name="suivre" value="(\d)"', html))
    assert forms == {str(followed.pk): "0", str(other.pk): "1"}
    assert 'name="next" value="/sites/?tri=commune"' in html
    response = client.post(_follow_url(other), {"suivre": "1", "next": "/sites/?tri=commune"})
    assert response.url == "/sites/?tri=commune"


def test_the_followed_sites_are_those_the_user_still_sees_most_recently_changed_first(correspondent, elsewhere):
    older, newer = SiteFactory(address="1 rue Ancienne"), SiteFactory(address="2 rue Récente")
    closed = SiteFactory(address="3 rue Fermée", closed=True)
    for site in (older, newer, closed, elsewhere):
        FollowedSite.objects.create(user=correspondent, site=site)
    newer.population_total = 41
    newer.save()  # a new version: the latest change
    national = UserFactory(
        role=Role.NATIONAL_ESTABLISHMENT,
        organization=OrganizationFactory(area_type=AreaType.NATION, departement=None),
    )
    FollowedSite.objects.create(user=national, site=older)

    rows = following.followed_sites(correspondent)

    # The correspondent sees the whole country: Toulouse too. An operator of Gironde would not.
    assert [row.address for row in rows][0] == "2 rue Récente"
    assert {row.url for row in rows} == {f"/sites/{site.pk}/" for site in (older, newer, closed, elsewhere)}
    assert next(row for row in rows if row.address == "3 rue Fermée").is_closed
    operator = UserFactory(role=Role.ASSOCIATION)
    FollowedSite.objects.create(user=operator, site=elsewhere)
    assert following.followed_sites(operator) == []
