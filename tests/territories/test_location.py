"""The one rule of « in this territory » (resorption/territories/location.py), on a small map written out here:

    région 75 ─ département 33 ─ EPCI 243300316 (Bordeaux Métropole): Bordeaux 33063 (+ its arrondissement 33999),
              │                                                        Mérignac 33281
              │               ─ EPCI 200000001 (Pays Foyen, straddles 33 and 24): Sainte-Foy 33402
              │               ─ no EPCI: Arcachon 33009
              └ département 24 ─ EPCI 200000001: Port-Sainte-Foy 24335
    région 52 ─ département 44 ─ no EPCI: Nantes 44109

Every expected answer is a set of names written by hand from this map.
"""

import pytest

from resorption.accounts.enums import AreaType
from resorption.accounts.models import Organization, User
from resorption.notifications.models import NotificationEvent
from resorption.settlements.models import Site
from resorption.territories.location import (
    NATION,
    Territories,
    located_around_q,
    located_at_q,
    located_in_q,
    place_in,
    placed_in_q,
    sites_in_q,
    users_in_q,
)
from resorption.territories.models import Commune
from tests.accounts.factories import OrganizationFactory, UserFactory
from tests.settlements.factories import SiteFactory
from tests.territories.factories import CommuneFactory, DepartementFactory, EpciFactory, RegionFactory

pytestmark = pytest.mark.django_db

METROPOLE_EPCI = "243300316"
STRADDLING_EPCI = "200000001"


@pytest.fixture
def world():
    aquitaine = RegionFactory(code="75", name="Nouvelle-Aquitaine")
    loire = RegionFactory(code="52", name="Pays de la Loire")
    gironde = DepartementFactory(code="33", name="Gironde", region=aquitaine)
    dordogne = DepartementFactory(code="24", name="Dordogne", region=aquitaine)
    loire_atlantique = DepartementFactory(code="44", name="Loire-Atlantique", region=loire)
    metropole = EpciFactory(code=METROPOLE_EPCI, name="Bordeaux Métropole", departements=[gironde])
    straddling = EpciFactory(code=STRADDLING_EPCI, name="Pays Foyen", departements=[gironde, dordogne])

    def commune(code, name, departement, epci=None, main=None):
        return CommuneFactory(code=code, name=name, departement=departement, epci=epci, main=main)

    bordeaux = commune("33063", "Bordeaux", gironde, metropole)
    communes = {
        "Bordeaux": bordeaux,
        # Arrondissements carry their main commune's EPCI (territories loader).
        "Bordeaux arrondissement": commune("33999", "Bordeaux arrondissement", gironde, metropole, bordeaux),
        "Mérignac": commune("33281", "Mérignac", gironde, metropole),
        "Sainte-Foy": commune("33402", "Sainte-Foy", gironde, straddling),
        "Arcachon": commune("33009", "Arcachon", gironde),
        "Port-Sainte-Foy": commune("24335", "Port-Sainte-Foy", dordogne, straddling),
        "Nantes": commune("44109", "Nantes", loire_atlantique),
    }

    def organization(name, area_type, **place):
        fields = {"region": None, "departement": None, "epci": None, "commune": None, **place}
        return OrganizationFactory(name=name, area_type=area_type, with_area=False, **fields)

    organizations = [
        organization("Nationale", AreaType.NATION),
        organization("Région 75", AreaType.REGION, region=aquitaine),
        organization("Région 52", AreaType.REGION, region=loire),
        organization("Département 33", AreaType.DEPARTEMENT, departement=gironde),
        organization("Département 24", AreaType.DEPARTEMENT, departement=dordogne),
        organization("Département 44", AreaType.DEPARTEMENT, departement=loire_atlantique),
        organization("EPCI Métropole", AreaType.EPCI, epci=metropole),
        organization("EPCI Pays Foyen", AreaType.EPCI, epci=straddling),
        organization("Mairie de Bordeaux", AreaType.COMMUNE, commune=bordeaux),
        organization("Mairie d'arrondissement", AreaType.COMMUNE, commune=communes["Bordeaux arrondissement"]),
        organization("Mairie de Sainte-Foy", AreaType.COMMUNE, commune=communes["Sainte-Foy"]),
        organization("Mairie de Port-Sainte-Foy", AreaType.COMMUNE, commune=communes["Port-Sainte-Foy"]),
        organization("Mairie de Nantes", AreaType.COMMUNE, commune=communes["Nantes"]),
    ]
    for organization_ in organizations:
        UserFactory(organization=organization_, first_name=organization_.name)
    return communes


ALL_COMMUNES = {
    "Bordeaux",
    "Bordeaux arrondissement",
    "Mérignac",
    "Sainte-Foy",
    "Arcachon",
    "Port-Sainte-Foy",
    "Nantes",
}
GIRONDE = {"Bordeaux", "Bordeaux arrondissement", "Mérignac", "Sainte-Foy", "Arcachon"}

# Territories → the communes (and so the sites) in them.
COMMUNES_IN = [
    (NATION, ALL_COMMUNES),
    (Territories(), set()),
    (Territories(regions=frozenset({"75"})), GIRONDE | {"Port-Sainte-Foy"}),
    (Territories(departements=frozenset({"24"})), {"Port-Sainte-Foy"}),
    (Territories(epcis=frozenset({STRADDLING_EPCI})), {"Sainte-Foy", "Port-Sainte-Foy"}),
    (Territories(epcis=frozenset({METROPOLE_EPCI})), {"Bordeaux", "Bordeaux arrondissement", "Mérignac"}),
    (Territories(communes=frozenset({"33063"})), {"Bordeaux", "Bordeaux arrondissement"}),
    (Territories(communes=frozenset({"33999"})), {"Bordeaux arrondissement"}),
    (Territories(departements=frozenset({"44"}), communes=frozenset({"33281"})), {"Nantes", "Mérignac"}),
]


def _names(queryset, field="name") -> list[str]:
    return list(queryset.values_list(field, flat=True))


@pytest.mark.parametrize(("where", "expected"), COMMUNES_IN)
def test_sites_in_a_territory(world, where, expected):
    sites = {name: SiteFactory(commune=commune, name=f"Site à {name}") for name, commune in world.items()}

    found = _names(Site.objects.filter(sites_in_q(where)))

    assert sorted(found) == sorted(sites[name].name for name in expected)


@pytest.mark.parametrize(("where", "expected"), COMMUNES_IN)
def test_rows_placed_by_their_own_commune_and_departement_follow_the_same_rule(world, where, expected):
    """`placed_in_q` reads the rule on a row's own `commune` and `departement` columns (the activity's events)."""
    events = {
        name: NotificationEvent.objects.create(
            kind="site_declared", object_id=n, commune=commune, departement_id=commune.departement_id
        )
        for n, (name, commune) in enumerate(world.items(), start=1)
    }

    found = set(NotificationEvent.objects.filter(placed_in_q(where)).values_list("pk", flat=True))

    assert found == {events[name].pk for name in expected}


@pytest.mark.parametrize(("where", "expected"), COMMUNES_IN)
def test_communes_in_a_territory_and_the_predicate_agree(world, where, expected):
    # With an empty path the rule reads the communes themselves; `place_in` is its twin for one commune.
    assert set(_names(Commune.objects.filter(sites_in_q(where, "")))) == expected
    assert {name for name, commune in world.items() if place_in(where, commune)} == expected


def test_the_predicate_reads_a_communes_region_only_when_regions_are_asked(world, django_assert_num_queries):
    arcachon = Commune.objects.get(name="Arcachon")

    with django_assert_num_queries(0):
        assert place_in(Territories(departements=frozenset({"33"})), arcachon)
    with django_assert_num_queries(1):
        assert place_in(Territories(regions=frozenset({"75"})), arcachon)


# Territories → the organisations located in them (at them or below).
ORGANIZATIONS_IN = [
    (NATION, True, None),  # every one
    (
        Territories(regions=frozenset({"75"})),
        True,
        {
            "Région 75",
            "Département 33",
            "Département 24",
            "EPCI Métropole",
            "EPCI Pays Foyen",
            "Mairie de Bordeaux",
            "Mairie d'arrondissement",
            "Mairie de Sainte-Foy",
            "Mairie de Port-Sainte-Foy",
        },
    ),
    (
        Territories(regions=frozenset({"75"})),
        False,
        {
            "Région 75",
            "Département 33",
            "Département 24",
            "Mairie de Bordeaux",
            "Mairie d'arrondissement",
            "Mairie de Sainte-Foy",
            "Mairie de Port-Sainte-Foy",
        },
    ),
    (
        Territories(departements=frozenset({"24"})),
        True,
        {"Département 24", "EPCI Pays Foyen", "Mairie de Port-Sainte-Foy"},
    ),
    (Territories(departements=frozenset({"24"})), False, {"Département 24", "Mairie de Port-Sainte-Foy"}),
    (
        # The EPCI straddling both départements is found once.
        Territories(departements=frozenset({"24", "33"})),
        True,
        {
            "Département 33",
            "Département 24",
            "EPCI Métropole",
            "EPCI Pays Foyen",
            "Mairie de Bordeaux",
            "Mairie d'arrondissement",
            "Mairie de Sainte-Foy",
            "Mairie de Port-Sainte-Foy",
        },
    ),
    (
        Territories(epcis=frozenset({METROPOLE_EPCI})),
        True,
        {"EPCI Métropole", "Mairie de Bordeaux", "Mairie d'arrondissement"},
    ),
    (Territories(communes=frozenset({"33063"})), True, {"Mairie de Bordeaux", "Mairie d'arrondissement"}),
    (Territories(), True, set()),
]


@pytest.mark.parametrize(("where", "with_overlapping_epcis", "expected"), ORGANIZATIONS_IN)
def test_organizations_in_a_territory(world, where, with_overlapping_epcis, expected):
    found = _names(Organization.objects.filter(located_in_q(where, with_overlapping_epcis=with_overlapping_epcis)))

    assert len(found) == len(set(found))  # each once, without DISTINCT
    if expected is None:
        assert set(found) == set(_names(Organization.objects.all()))
    else:
        assert set(found) == expected


@pytest.mark.parametrize(
    ("where", "expected"), [(where, expected) for where, with_epcis, expected in ORGANIZATIONS_IN if with_epcis]
)
def test_users_are_where_their_organization_is(world, where, expected):
    found = _names(User.objects.filter(users_in_q(where)), "first_name")

    assert len(found) == len(set(found))  # each once: every join follows a foreign key
    if expected is None:
        assert set(found) == set(_names(Organization.objects.all()))
    else:
        assert set(found) == expected


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        (NATION, {"Nationale"}),
        (Territories(regions=frozenset({"75"})), {"Région 75"}),
        (Territories(departements=frozenset({"33", "44"})), {"Département 33", "Département 44"}),
        (Territories(epcis=frozenset({STRADDLING_EPCI})), {"EPCI Pays Foyen"}),
        (Territories(communes=frozenset({"33063"})), {"Mairie de Bordeaux"}),
        (Territories(), set()),
    ],
)
def test_organizations_at_a_territory(world, where, expected):
    assert set(_names(Organization.objects.filter(located_at_q(where)))) == expected


@pytest.mark.parametrize(
    ("commune", "whole_departement", "expected"),
    [
        (
            "Bordeaux arrondissement",
            False,
            {
                "Nationale",
                "Région 75",
                "Département 33",
                "EPCI Métropole",
                "Mairie de Bordeaux",
                "Mairie d'arrondissement",
            },
        ),
        (
            "Port-Sainte-Foy",
            False,
            {"Nationale", "Région 75", "Département 24", "EPCI Pays Foyen", "Mairie de Port-Sainte-Foy"},
        ),
        ("Arcachon", False, {"Nationale", "Région 75", "Département 33"}),
        ("Bordeaux arrondissement", True, {"Nationale", "Région 75", "Département 33"}),
        ("Nantes", True, {"Nationale", "Région 52", "Département 44"}),
    ],
)
def test_organizations_around_a_commune(world, commune, whole_departement, expected):
    around = located_around_q(world[commune], whole_departement=whole_departement)

    assert set(_names(Organization.objects.filter(around))) == expected


def test_a_path_leads_to_the_located_model(world):
    # Users by their organisation's path: the same answer as `users_in_q`.
    where = Territories(epcis=frozenset({STRADDLING_EPCI}))

    assert set(_names(User.objects.filter(located_in_q(where, "organization")), "first_name")) == {
        "EPCI Pays Foyen",
        "Mairie de Sainte-Foy",
        "Mairie de Port-Sainte-Foy",
    }


def test_territories_of_one_level():
    assert Territories.of("nation") == NATION
    assert Territories.of("departement", ["33", "24"]) == Territories(departements=frozenset({"33", "24"}))
    assert Territories.of(AreaType.COMMUNE, ["33063"]) == Territories(communes=frozenset({"33063"}))
    assert not Territories()
    assert NATION
    with pytest.raises(ValueError):
        Territories.of("canton", ["1"])
