"""`access_site`, the one way to fetch a site by its id: the site if the user sees it, else a 404 — the same for a
missing site, a site out of sight and an id that is not one."""

import pytest
from django.db import transaction
from django.http import Http404
from django.urls import reverse

from resorption.accounts.enums import AdminRole, Role
from resorption.accounts.models import Organization
from resorption.settlements.access import SHAPES, access_site
from resorption.settlements.models import Site
from tests.accounts.factories import UserFactory
from tests.settlements.factories import SiteFactory
from tests.territories.factories import CommuneFactory, DepartementFactory, RegionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    return SiteFactory()  # Bordeaux, Gironde


@pytest.fixture
def partner():
    """An institutional partner of Gironde: sees the sites of Gironde only."""
    return UserFactory(role=Role.COLLABORATOR)


@pytest.fixture
def toulouse_site():
    haute_garonne = DepartementFactory(code="31", name="Haute-Garonne", region=RegionFactory(code="76"))
    return SiteFactory(commune=CommuneFactory(code="31555", name="Toulouse", departement=haute_garonne))


def test_the_user_gets_a_site_he_sees(partner, site):
    assert access_site(partner, site.pk) == site
    assert access_site(partner, str(site.pk)) == site  # as a URL or a form sends it


def test_a_site_out_of_sight_and_a_missing_site_are_the_same_404(partner, toulouse_site):
    with pytest.raises(Http404) as out_of_sight:
        access_site(partner, toulouse_site.pk)
    with pytest.raises(Http404) as missing:
        access_site(partner, toulouse_site.pk + 1000)

    assert str(out_of_sight.value) == str(missing.value)
    # Whoever sees it gets it: the site exists, the 404 was about the partner.
    assert access_site(UserFactory(admin_role=AdminRole.NATIONAL_ADMIN), toulouse_site.pk) == toulouse_site


@pytest.mark.parametrize("pk", ["abc", "", None, -1, 0, "1.5", "١", 10**30, "9" * 40, " ", True, [1], "1\x00"])
def test_anything_but_an_id_is_a_404_not_a_server_error(partner, site, pk):
    with pytest.raises(Http404):
        access_site(partner, pk)


def test_the_callers_queryset_gives_the_shape_never_the_scope(partner, site, toulouse_site, django_assert_num_queries):
    # Even an unfiltered queryset goes through the visibility filter.
    with pytest.raises(Http404):
        access_site(partner, toulouse_site.pk, queryset=Site.objects.all())
    # The shape is kept: the commune and its département come with the site, in the same query.
    with django_assert_num_queries(1):
        found = access_site(partner, site.pk, queryset=Site.objects.with_list_data())
        assert found.commune.departement.name == "Gironde"
    # A narrower queryset narrows.
    with pytest.raises(Http404):
        access_site(partner, site.pk, queryset=Site.objects.closed())


def test_only_a_site_queryset_is_accepted(partner, site):
    with pytest.raises(TypeError):
        access_site(partner, site.pk, queryset=Organization.objects.all())


def test_a_site_is_locked_inside_a_transaction(partner, site):
    # Outside a transaction, a lock is refused: tests/accounts/test_access.py.
    with transaction.atomic():
        assert access_site(partner, site.pk, for_update=True) == site


@pytest.mark.parametrize(
    "name",
    [
        "settlements:detail",
        "settlements:update",
        "settlements:close",
        "settlements:history",
        "settlements:print_site",
        "settlements:actor_self",
    ],
)
def test_a_site_number_too_large_for_the_database_is_a_404_page(client, partner, name):
    client.force_login(partner)

    url = reverse(name, kwargs={"pk": 1}).replace("/1/", f"/{10**30}/")
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_a_named_shape_gives_the_same_site_and_the_same_404_as_its_queryset(partner, site, toulouse_site, shape):
    national = UserFactory(admin_role=AdminRole.NATIONAL_ADMIN)
    for _ in range(2):  # the first call compiles the query, the second reuses it
        shaped = access_site(partner, site.pk, shape=shape)
        assert shaped == site
        assert {field.attname: getattr(shaped, field.attname) for field in Site._meta.concrete_fields} == {
            field.attname: getattr(site, field.attname) for field in Site._meta.concrete_fields
        }
        assert shaped.commune.name == "Bordeaux"
        # The national admin's query is kept beside the partner's, never instead of it.
        assert access_site(national, toulouse_site.pk, shape=shape) == toulouse_site
        with pytest.raises(Http404, match="n'existe pas ou vous n'y avez pas accès"):
            access_site(partner, toulouse_site.pk, shape=shape)
        with pytest.raises(Http404):
            access_site(partner, "abc", shape=shape)


def test_a_named_shape_loads_the_site_with_its_relations_in_one_query(partner, site, django_assert_num_queries):
    access_site(partner, site.pk, shape="page")  # his permissions are resolved once per request
    with django_assert_num_queries(1):
        shaped = access_site(partner, site.pk, shape="page")
        assert (shaped.commune.departement.name, shaped.commune.epci_id) == (site.commune.departement.name, None)


def test_two_users_share_a_compiled_query_only_when_they_see_the_same_sites(partner, site, toulouse_site):
    toulousain = UserFactory(role=Role.COLLABORATOR, organization__departement=toulouse_site.commune.departement)

    assert access_site(partner, site.pk, shape="commune") == site
    assert access_site(toulousain, toulouse_site.pk, shape="commune") == toulouse_site
    with pytest.raises(Http404):
        access_site(toulousain, site.pk, shape="commune")
    with pytest.raises(Http404):
        access_site(partner, toulouse_site.pk, shape="commune")


def test_a_shape_is_not_locked_nor_mixed_with_a_queryset(partner, site):
    with pytest.raises(TypeError), transaction.atomic():
        access_site(partner, site.pk, shape="page", for_update=True)
    with pytest.raises(TypeError):
        access_site(partner, site.pk, shape="page", queryset=Site.objects.all())
