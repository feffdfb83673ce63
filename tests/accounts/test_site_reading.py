"""« May read this site » is one rule (issue 9, item 3): whoever sees a site in the list opens its page, may be its
actor, is offered as one, and — in the site's territory — is told when it is declared; nobody else is. Checked over
the 8 roles, in and out of the site's département, and with permission overrides that set the reading feature apart
from the role (the case where two features for « read » used to drift apart)."""

import datetime
from dataclasses import dataclass

import pytest
from django.http import Http404

from resorption.accounts import permissions
from resorption.accounts.enums import AdminRole, Role
from resorption.accounts.models import User
from resorption.notifications.catalogue import SiteDeclared
from resorption.settlements import actors
from resorption.settlements.access import access_site
from resorption.settlements.enums import FieldType
from resorption.settlements.models import Site
from resorption.settlements.services import site_declare
from tests.accounts.factories import OrganizationFactory, PermissionOverrideFactory, UserFactory
from tests.notifications.world import told
from tests.territories.factories import CommuneFactory, DepartementFactory, RegionFactory

pytestmark = pytest.mark.django_db

# The 8 roles of §A.5, written out: (admin role, regular role).
ROLES = [
    (AdminRole.NATIONAL_ADMIN, Role.ASSOCIATION),
    (AdminRole.LOCAL_ADMIN, Role.ASSOCIATION),
    ("", Role.DIRECT_COLLABORATOR),
    ("", Role.NATIONAL_ESTABLISHMENT),
    ("", Role.COLLABORATOR),
    ("", Role.ASSOCIATION),
    ("", Role.INTERVENER),
    ("", Role.EXTERNAL_OBSERVER),
]
# §A.5, row « shantytown.list / read »: N N N N L L L L — the first four read every site, the others their territory.
READ_EVERYWHERE = {
    AdminRole.NATIONAL_ADMIN,
    AdminRole.LOCAL_ADMIN,
    Role.DIRECT_COLLABORATOR,
    Role.NATIONAL_ESTABLISHMENT,
}


@dataclass(frozen=True)
class Person:
    user: User
    in_gironde: bool  # his organisation is located in the site's département
    sees: bool  # expected, from §A.5 and the override he holds


def member(departement, admin_role: str, role: str) -> User:
    """An account of an organisation located (and working) in the département."""
    return UserFactory(admin_role=admin_role, role=role, organization=OrganizationFactory(departement=departement))


@pytest.fixture
def people():
    gironde = DepartementFactory()
    haute_garonne = DepartementFactory(code="31", name="Haute-Garonne", region=RegionFactory(code="76"))
    found = []
    for admin_role, role in ROLES:
        for departement in (gironde, haute_garonne):
            in_gironde = departement == gironde
            # By his role.
            found.append(
                Person(
                    member(departement, admin_role, role),
                    in_gironde,
                    (admin_role or role) in READ_EVERYWHERE or in_gironde,
                )
            )
            # Refused the reading feature by an override of his own: sees nothing, wherever he is.
            refused = member(departement, admin_role, role)
            PermissionOverrideFactory(user=refused, key="shantytown.list", allowed=False)
            found.append(Person(refused, in_gironde, False))
            # Granted it nationally by an override of his organisation: sees every site.
            granted = member(departement, admin_role, role)
            PermissionOverrideFactory(
                organization=granted.organization, key="shantytown.list", allowed=True, national=True
            )
            found.append(Person(granted, in_gironde, True))
    return found


@pytest.fixture
def site(people, django_capture_on_commit_callbacks):
    """A site of Bordeaux, declared — and told about — by a national admin located in neither département."""
    declarer = UserFactory(
        admin_role=AdminRole.NATIONAL_ADMIN,
        organization=OrganizationFactory(departement=DepartementFactory(code="75", name="Paris")),
    )
    with django_capture_on_commit_callbacks(execute=True):
        return site_declare(
            user=declarer,
            values={
                "address": "3 chemin du Lac 33000 Bordeaux",
                "commune": CommuneFactory(),
                "latitude": 44.84,
                "longitude": -0.58,
                "built_at": datetime.date(2025, 1, 2),
                "declared_at": datetime.date(2025, 1, 15),
                "field_type": FieldType.LAND,
                "population_total": 20,
            },
        )


def fresh(user: User) -> User:
    """The account as a new request loads it (no cached permissions)."""
    return User.objects.get(pk=user.pk)


def test_the_world_holds_both_answers_for_every_role(people):
    for admin_role, role in ROLES:
        answers = {
            person.sees for person in people if (person.user.admin_role, person.user.role) == (admin_role, role)
        }
        assert answers == {True, False}, (admin_role, role)


def test_who_sees_the_site_in_the_list_opens_it_and_may_join_its_actors(people, site):
    for person in people:
        user = fresh(person.user)
        label = (user.admin_role or user.role, person)
        assert Site.objects.visible_to(user).filter(pk=site.pk).exists() == person.sees, label
        assert permissions.can_read_site(user, site) == person.sees, label
        assert permissions.can_join_site_actors(user, site) == person.sees, label
        if person.sees:
            assert access_site(user, site.pk) == site
        else:
            with pytest.raises(Http404):
                access_site(user, site.pk)


def test_who_sees_the_site_is_offered_as_its_actor_and_nobody_else(people, site):
    everyone = {person.user for person in people}
    seeing = {person.user for person in people if person.sees}

    assert set(User.objects.filter(permissions.site_readers_q(site.commune))) & everyone == seeing
    adder = UserFactory(admin_role=AdminRole.NATIONAL_ADMIN)
    assert set(actors.site_actor_candidates(user=adder, site=site)) & everyone == seeing


def test_in_the_sites_territory_who_sees_it_is_told_of_its_declaration_and_nobody_else(people, site):
    in_territory = {person.user for person in people if person.in_gironde}
    seeing_there = {person.user for person in people if person.in_gironde and person.sees}

    assert seeing_there and seeing_there != in_territory  # both answers occur
    assert told(SiteDeclared.name, site.pk) == seeing_there
