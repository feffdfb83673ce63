"""The permission engine against the reference matrix (§A.4–A.6).

The expected table below is transcribed from §A.5 by hand, independently of `ROLE_MATRIX`: a test derived from the
engine's own data would prove nothing. Each case checks the predicate (`can`) and the queryset filter (`*_q`) on the
same object, so that the two ways of asking never disagree.
"""

import itertools
from types import SimpleNamespace

import pytest

from resorption.accounts import permissions as perms
from resorption.accounts.enums import AdminRole, AreaType, Option, Role
from resorption.accounts.models import InterventionArea, User
from resorption.settlements.models import Site
from resorption.territories.models import Commune, Departement, Epci, Region
from tests.accounts.factories import (
    InterventionAreaFactory,
    OrganizationFactory,
    PermissionOverrideFactory,
    UserFactory,
)
from tests.db import rolled_back_afterwards
from tests.settlements.factories import SiteFactory
from tests.territories.factories import CommuneFactory, DepartementFactory, EpciFactory, RegionFactory

pytestmark = pytest.mark.django_db

ROLE_COLUMNS = [
    "national_admin",
    "local_admin",
    "direct_collaborator",
    "national_establisment",
    "collaborator",
    "association",
    "intervener",
    "external_observator",
]
# Columns: the feature, R(eading)/W(riting) (reading widens commune/EPCI areas to the département), then the roles in
# the order of ROLE_COLUMNS. Cells: N national, L local, A actions piloted/operated by the user's organisation, O:x
# with option x (see OPTIONS), - refused. The "?" cells of §A.5 are resolved as the module's comments explain.
EXPECTED_TABLE = """
shantytown.list                | R | N | N | N | N | L            | L            | L            | L
shantytown.create              | W | N | L | L | - | L            | O:create     | -            | -
shantytown.update              | W | N | L | L | - | L            | L            | -            | -
shantytown.close               | W | N | L | L | - | O:close      | O:close      | -            | -
shantytown.export              | R | N | N | N | N | L            | L            | -            | -
shantytown.delete              | W | N | - | - | - | -            | -            | -            | -
shantytown.report              | R | N | L | L | L | L            | L            | L            | L
shantytown.fix_status          | W | N | - | - | - | -            | -            | -            | -
shantytown_justice.access      | R | N | L | N | N | O:justice    | O:justice    | O:justice    | -
shantytown_owner.access        | R | N | L | L | - | -            | -            | -            | -
shantytown_comment.list        | R | N | L | L | L | L            | L            | L            | L
shantytown_comment.create      | W | N | L | L | L | L            | L            | L            | -
shantytown_comment.listPrivate | R | N | L | L | - | -            | -            | -            | -
shantytown_comment.moderate    | W | N | L | - | - | -            | -            | -            | -
shantytown_comment.export      | R | N | L | - | - | -            | -            | -            | -
shantytown_actor.export        | R | N | L | - | - | -            | -            | -            | -
action.read                    | R | N | N | N | N | L            | L            | L            | L
action.create                  | W | N | L | L | L | L            | L            | L            | -
action.update                  | W | N | L | A | A | A            | A            | A            | -
action.export                  | R | N | L | L | - | -            | -            | -            | -
action_comment.read            | R | N | N | L | L | L            | L            | L            | L
action_comment.create          | W | N | L | A | A | A            | A            | A            | -
action_comment.export          | R | N | L | - | - | -            | -            | -            | -
action_finances.access         | R | N | L | L | N | A+O:finances | A+O:finances | A+O:finances | -
user.list                      | R | N | L | - | - | -            | -            | -            | -
user.read                      | R | N | L | - | - | -            | -            | -            | -
user.create                    | W | N | L | - | - | -            | -            | -            | -
user.activate                  | W | N | L | - | - | -            | -            | -            | -
user.deactivate                | W | N | L | - | - | -            | -            | -            | -
user.delete                    | W | N | - | - | - | -            | -            | -            | -
user.export                    | R | N | L | - | - | -            | -            | -            | -
stats.read                     | R | N | L | L | N | -            | -            | -            | -
stats.export                   | R | N | L | - | - | -            | -            | -            | -
land_registry.access           | R | N | L | L | - | -            | -            | -            | -
"""
EXPECTED = {}
for line in EXPECTED_TABLE.strip().splitlines():
    key, nature, *cells = (cell.strip() for cell in line.split("|"))
    EXPECTED[key] = SimpleNamespace(reading=nature == "R", cells=dict(zip(ROLE_COLUMNS, cells, strict=True)))

# §A.4: the options of the "O:" cells, and where they give their feature.
OPTIONS = {
    "create": ("create_shantytown", "L"),
    "close": ("close_shantytown", "L"),
    "justice": ("access_justice", "L"),
    "finances": ("access_action_finances", "N"),
}
# §A.4: members of a pilot ("piloted") or operator ("operated") organisation get these on the action.
ACTION_LEVEL = {
    "action.read": {"piloted", "operated"},
    "action.update": {"piloted", "operated"},
    "action_comment.read": {"piloted", "operated"},
    "action_comment.create": {"piloted", "operated"},
    "action_finances.access": {"piloted"},
}
DEPARTEMENT_FEATURES = {"action.create", "stats.read", "stats.export", "land_registry.access"}


def target_of(key):
    if key in DEPARTEMENT_FEATURES:
        return "departement"
    if key.startswith("action"):
        return "action"
    if key.startswith("user."):
        return "user"
    return "site"


PLACES = {
    # Seen from a user whose area is the commune of Bordeaux, or the département of Gironde (33).
    "site": ["area", "departement", "region", "far"],
    "departement": ["departement", "region", "far"],
    "action": ["departement", "region", "far", "piloted", "operated"],
    "user": ["area", "departement", "region", "far"],
}


def expected(key, role, *, area_kind, place, with_option):
    row = EXPECTED[key]
    tokens = row.cells[role].split("+")
    scope = next((token for token in tokens if token in {"N", "L", "A"}), None)
    option = next((token[2:] for token in tokens if token.startswith("O:")), None)
    if with_option and option:
        scope = OPTIONS[option][1]  # an option beats the role
    if scope is None:
        return False
    if scope == "N":
        return True
    if place in {"piloted", "operated"}:
        return place in ACTION_LEVEL.get(key, set())
    inside = place == "area" or (place == "departement" and (area_kind == "departement" or row.reading))
    return scope == "L" and inside


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Two régions, three départements, an EPCI, and communes including Paris and its arrondissements: written once
    for the module; what each test writes is rolled back with its savepoint."""
    with rolled_back_afterwards(django_db_blocker):
        yield _places()


def _places() -> SimpleNamespace:
    aquitaine = RegionFactory(code="75", name="Nouvelle-Aquitaine")
    idf = RegionFactory(code="11", name="Île-de-France")
    gironde = DepartementFactory(code="33", name="Gironde", region=aquitaine)
    dordogne = DepartementFactory(code="24", name="Dordogne", region=aquitaine)
    paris_departement = DepartementFactory(code="75", name="Paris", region=idf)
    metropole = EpciFactory(code="243300316", name="Bordeaux Métropole", departements=[gironde])
    paris = CommuneFactory(code="75056", name="Paris", departement=paris_departement, postal_codes="")
    return SimpleNamespace(
        aquitaine=aquitaine,
        idf=idf,
        gironde=gironde,
        dordogne=dordogne,
        paris_departement=paris_departement,
        metropole=metropole,
        bordeaux=CommuneFactory(code="33063", name="Bordeaux", departement=gironde, epci=metropole),
        merignac=CommuneFactory(code="33281", name="Mérignac", departement=gironde, epci=metropole),
        libourne=CommuneFactory(code="33243", name="Libourne", departement=gironde),
        perigueux=CommuneFactory(code="24322", name="Périgueux", departement=dordogne),
        paris=paris,
        paris_1=CommuneFactory(code="75101", name="Paris 1er", departement=paris_departement, main=paris),
        paris_2=CommuneFactory(code="75102", name="Paris 2e", departement=paris_departement, main=paris),
    )


def organization_in(place, **kwargs):
    """An organisation located and working on one place: a Commune, an Epci, a Departement, a Region, or the nation
    (None)."""
    if place is None:
        return OrganizationFactory(area_type=AreaType.NATION, departement=None, **kwargs)
    name = {Commune: "commune", Epci: "epci", Departement: "departement", Region: "region"}[type(place)]
    return OrganizationFactory(area_type=name, **{"departement": None, name: place, **kwargs})


def user_with(role, place, **kwargs):
    """A user of the given role (regular or admin) in an organisation working on `place`."""
    organization = kwargs.pop("organization", None) or organization_in(place)
    if role in AdminRole.values:
        return UserFactory(organization=organization, role=Role.COLLABORATOR, admin_role=role, **kwargs)
    return UserFactory(organization=organization, role=role, **kwargs)


def fresh(user):
    """The same account as a new request would load it: no cached grants."""
    return User.objects.get(pk=user.pk)


# ---------------------------------------------------------------------------------------------------------------------
# Helpers that ask the same question both ways: predicate and queryset filter
# ---------------------------------------------------------------------------------------------------------------------


def site_answers(user, key, commune):
    by_q = Commune.objects.filter(perms.sites_q(user, key, commune_path="")).filter(pk=commune.pk).exists()
    return perms.can(user, key, commune=commune), by_q


def departement_answers(user, key, departement):
    by_q = (
        Departement.objects.filter(perms.departements_q(user, key, departement_path=""))
        .filter(pk=departement.pk)
        .exists()
    )
    return perms.can(user, key, departement=departement), by_q


def action_answers(user, key, departement, *, involvement=None, other_organization):
    """An action located in `departement`, piloted or operated by the user's organisation (or by another one).

    There is no Action model yet: an intervention area row stands in for it, located by its `departement` and linked to
    an organisation through the user who owns it (`user__organization`). The filter gets that path for the involvement
    being tested, and the always-empty `organization` path (rows owned by users have none) for the other."""
    organization = user.organization if involvement else other_organization
    carrier = UserFactory(organization=organization, use_custom_intervention_area=True)
    row = InterventionArea.objects.create(user=carrier, area_type=AreaType.DEPARTEMENT, departement=departement)
    linked, unlinked = "user__organization", "organization"
    q = perms.actions_q(
        user,
        key,
        departement_path="departement",
        manager_organizations_path=linked if involvement == "piloted" else unlinked,
        operator_organizations_path=linked if involvement == "operated" else unlinked,
    )
    by_q = InterventionArea.objects.filter(q).filter(pk=row.pk).exists()
    action = perms.ActionTarget(
        departement_id=departement.pk,
        manager_organization_ids=frozenset({organization.pk}) if involvement == "piloted" else frozenset(),
        operator_organization_ids=frozenset({organization.pk}) if involvement == "operated" else frozenset(),
    )
    return perms.can(user, key, action=action), by_q


def user_answers(admin, key, target):
    by_q = User.objects.filter(perms.visible_users_q(admin, key)).filter(pk=target.pk).exists()
    return perms.can_manage_user(admin, target, key), by_q


# ---------------------------------------------------------------------------------------------------------------------
# The whole matrix
# ---------------------------------------------------------------------------------------------------------------------


def _matrix_params():
    for area_kind in ("commune", "departement"):
        for role in ROLE_COLUMNS:
            for key in EXPECTED:
                yield pytest.param(area_kind, role, key, id=f"{area_kind}-{role}-{key}")


@pytest.mark.parametrize(("area_kind", "role", "key"), list(_matrix_params()))
def test_matrix(world, area_kind, role, key):
    """Every role × feature × place (in the area, elsewhere in its département, in another département of the région,
    far away; for actions also piloted or operated far away), without and then with the option of its cell."""
    area = world.bordeaux if area_kind == "commune" else world.gironde
    user = user_with(role, area)
    other_organization = organization_in(world.dordogne)
    target = target_of(key)
    places = {
        "site": {
            "area": world.bordeaux,
            "departement": world.libourne,
            "region": world.perigueux,
            "far": world.paris_1,
        },
        "departement": {"departement": world.gironde, "region": world.dordogne, "far": world.paris_departement},
        "action": {
            "departement": world.gironde,
            "region": world.dordogne,
            "far": world.paris_departement,
            "piloted": world.paris_departement,
            "operated": world.paris_departement,
        },
        "user": {
            "area": world.bordeaux,
            "departement": world.gironde,
            "region": world.dordogne,
            "far": world.paris_departement,
        },
    }[target]
    user_targets = {place: UserFactory(organization=organization_in(where)) for place, where in places.items()}

    option = next((token[2:] for token in EXPECTED[key].cells[role].split("+") if token.startswith("O:")), None)
    runs = [False, True] if option else [False]
    failures = []
    for with_option in runs:
        if with_option:
            user.options = [OPTIONS[option][0]]
            user.save()
            user = fresh(user)
        for place in PLACES[target]:
            where = places[place]
            if target == "site":
                answers = site_answers(user, key, where)
            elif target == "departement":
                answers = departement_answers(user, key, where)
            elif target == "action":
                involvement = place if place in {"piloted", "operated"} else None
                answers = action_answers(
                    user, key, where, involvement=involvement, other_organization=other_organization
                )
            else:
                answers = user_answers(user, key, user_targets[place])
            wanted = expected(key, role, area_kind=area_kind, place=place, with_option=with_option)
            if answers != (wanted, wanted):
                failures.append(f"{place} (option: {with_option}): predicate, filter = {answers}, expected {wanted}")
    assert not failures, failures


def test_expected_table_covers_the_whole_catalogue():
    assert list(EXPECTED) == [feature.key for feature in perms.FEATURES]
    assert [str(role) for role in perms.ROLES] == ROLE_COLUMNS
    for key, row in EXPECTED.items():
        assert perms.FEATURES_BY_KEY[key].is_writing is not row.reading, key


def test_role_options_match_the_reference():
    assert {role: {str(option) for option in perms.allowed_options(role)} for role in ROLE_COLUMNS} == {
        "national_admin": set(),
        "local_admin": set(),
        "direct_collaborator": set(),
        "national_establisment": set(),
        "collaborator": {"close_shantytown", "access_justice", "access_action_finances"},
        "association": {"create_shantytown", "close_shantytown", "access_justice", "access_action_finances"},
        "intervener": {"access_justice", "access_action_finances"},
        "external_observator": set(),
    }
    # Every option a role may receive shows in its cells, and the other way round.
    for role in ROLE_COLUMNS:
        in_cells = {
            OPTIONS[token[2:]][0]
            for row in EXPECTED.values()
            for token in row.cells[role].split("+")
            if token.startswith("O:")
        }
        assert in_cells == {str(option) for option in perms.allowed_options(role)}, role


# ---------------------------------------------------------------------------------------------------------------------
# The territorial rule
# ---------------------------------------------------------------------------------------------------------------------


def test_commune_area_reads_the_whole_departement_but_writes_only_in_the_commune(world):
    partner = user_with(Role.COLLABORATOR, world.bordeaux)
    assert perms.can_read_site(partner, world.libourne)
    assert perms.can_read_journal(partner, world.libourne)
    assert not perms.can_update_site(partner, world.libourne)
    assert not perms.can_declare_site(partner, world.libourne)
    assert perms.can_update_site(partner, world.bordeaux)
    assert not perms.can_read_site(partner, world.perigueux)


def test_epci_area_writes_in_its_communes_and_reads_all_its_departements(world):
    world.metropole.departements.add(world.dordogne)  # an EPCI across two départements
    partner = user_with(Role.COLLABORATOR, world.metropole)
    assert perms.can_update_site(partner, world.merignac)
    assert not perms.can_update_site(partner, world.libourne)
    assert perms.can_read_site(partner, world.libourne)
    assert perms.can_read_site(partner, world.perigueux)
    assert not perms.can_read_site(partner, world.paris_1)
    assert not perms.can_create_action(partner, world.gironde)  # a writing feature on a whole département


def test_region_area_covers_its_departements(world):
    partner = user_with(Role.COLLABORATOR, world.aquitaine)
    assert perms.can_update_site(partner, world.perigueux)
    assert perms.can_update_site(partner, world.libourne)
    assert perms.can_create_action(partner, world.dordogne)
    assert not perms.can_update_site(partner, world.paris_1)


def test_an_arrondissement_belongs_to_its_main_commune_area(world):
    parisian = user_with(Role.COLLABORATOR, world.paris)
    assert perms.can_update_site(parisian, world.paris_1)
    assert perms.can_update_site(parisian, world.paris)

    first = user_with(Role.COLLABORATOR, world.paris_1)
    assert perms.can_update_site(first, world.paris_1)
    assert not perms.can_update_site(first, world.paris_2)
    assert not perms.can_update_site(first, world.paris)
    assert perms.can_read_site(first, world.paris_2)  # reading: the whole département


def test_a_nation_area_makes_local_scopes_national(world):
    partner = user_with(Role.COLLABORATOR, None)
    grant = perms.resolve(partner, "shantytown.update")
    assert grant.national
    assert perms.can_update_site(partner, world.paris_1)
    assert perms.can_update_site(partner, world.perigueux)


def test_custom_user_areas_replace_the_organisation_areas(world):
    partner = user_with(Role.COLLABORATOR, world.gironde, use_custom_intervention_area=True)
    InterventionAreaFactory(user=partner, departement=world.dordogne)
    partner = fresh(partner)
    assert perms.can_update_site(partner, world.perigueux)
    assert not perms.can_update_site(partner, world.bordeaux)
    assert not perms.can_read_site(partner, world.bordeaux)


def test_a_user_without_area_holds_local_features_nowhere(world):
    partner = user_with(Role.COLLABORATOR, world.gironde, organization=organization_in(world.gironde, with_area=False))
    grant = perms.resolve(partner, "shantytown.update")
    assert grant.allowed and not grant.anywhere
    assert not perms.can_declare_site(partner)
    assert not Commune.objects.filter(perms.sites_q(partner, "shantytown.update", commune_path="")).exists()
    assert perms.can_list_sites(partner) is False


def test_an_admin_role_replaces_the_regular_role(world):
    admin = UserFactory(organization=organization_in(world.gironde), role=Role.INTERVENER, admin_role="local_admin")
    assert perms.can_update_site(admin, world.bordeaux)
    assert perms.can_moderate_journal(admin, world.bordeaux)
    assert perms.can_list_users(admin)


def test_anonymous_visitors_hold_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    visitor = AnonymousUser()
    assert not perms.can_list_sites(visitor)
    assert not perms.can_read_site(visitor, world.bordeaux)
    assert not Commune.objects.filter(perms.visible_sites_q(visitor, commune_path="")).exists()
    assert perms.assignable_roles(visitor) == ()
    assert perms.confidential_classes_visible(visitor, commune=world.bordeaux) == frozenset()


def test_unknown_features_are_a_programming_error(world):
    with pytest.raises(KeyError, match="shantytown.burn"):
        perms.resolve(user_with(Role.COLLABORATOR, world.gironde), "shantytown.burn")


def test_predicates_accept_anything_located_in_a_commune(world):
    correspondent = user_with(Role.DIRECT_COLLABORATOR, world.gironde)
    site = SimpleNamespace(commune=world.bordeaux)
    assert perms.can_close_site(correspondent, site)
    assert not perms.can_close_site(correspondent, SimpleNamespace(commune=world.perigueux))


@pytest.mark.parametrize(
    "area",
    ["bordeaux", "merignac", "metropole", "gironde", "aquitaine", "paris", "paris_1", None],
)
def test_site_predicate_and_filter_agree_on_every_commune(world, area):
    user = user_with(Role.ASSOCIATION, getattr(world, area) if area else None, options=["close_shantytown"])
    communes = list(Commune.objects.all())
    for feature in perms.FEATURES:
        if feature.target != perms.Target.SITE:
            continue
        by_q = set(Commune.objects.filter(perms.sites_q(user, feature.key, commune_path="")))
        by_predicate = {commune for commune in communes if perms.can(user, feature.key, commune=commune)}
        assert by_q == by_predicate, feature.key


# ---------------------------------------------------------------------------------------------------------------------
# Options and overrides: user > option > organisation > role
# ---------------------------------------------------------------------------------------------------------------------


def test_an_option_lets_an_operator_close_sites_in_his_area_only(world):
    operator = user_with(Role.ASSOCIATION, world.gironde)
    assert not perms.can_close_site(operator, world.bordeaux)
    operator.options = [Option.CLOSE_SHANTYTOWN]
    operator.save()
    operator = fresh(operator)
    assert perms.can_close_site(operator, world.bordeaux)
    assert not perms.can_close_site(operator, world.perigueux)
    assert perms.resolve(operator, "shantytown.close").source == perms.Source.OPTION


def test_an_option_the_role_may_not_receive_is_ignored(world):
    intervener = user_with(Role.INTERVENER, world.gironde, options=[Option.CLOSE_SHANTYTOWN])
    assert not perms.can_close_site(intervener, world.bordeaux)


def test_justice_option_is_widened_to_the_departement(world):
    operator = user_with(Role.ASSOCIATION, world.bordeaux, options=[Option.ACCESS_JUSTICE])
    assert perms.can_access_justice(operator, world.libourne)
    assert not perms.can_access_justice(operator, world.perigueux)


def test_finances_option_is_national(world):
    partner = user_with(Role.COLLABORATOR, world.gironde, options=[Option.ACCESS_ACTION_FINANCES])
    far_action = perms.ActionTarget(departement_id="75")
    assert perms.can_access_action_finances(partner, far_action)


def test_organisation_override_beats_the_role_and_user_override_beats_both(world):
    partner = user_with(Role.COLLABORATOR, world.gironde)
    PermissionOverrideFactory(organization=partner.organization, key="shantytown.create", allowed=False)
    partner = fresh(partner)
    assert not perms.can_declare_site(partner, world.bordeaux)
    assert perms.resolve(partner, "shantytown.create").source == perms.Source.ORGANIZATION_OVERRIDE

    PermissionOverrideFactory(user=partner, key="shantytown.create", allowed=True)
    partner = fresh(partner)
    assert perms.can_declare_site(partner, world.bordeaux)
    assert not perms.can_declare_site(partner, world.perigueux)
    assert perms.resolve(partner, "shantytown.create").source == perms.Source.USER_OVERRIDE


def test_option_beats_organisation_override_and_user_override_beats_option(world):
    operator = user_with(Role.ASSOCIATION, world.gironde, options=[Option.CLOSE_SHANTYTOWN])
    PermissionOverrideFactory(organization=operator.organization, key="shantytown.close", allowed=False)
    operator = fresh(operator)
    assert perms.can_close_site(operator, world.bordeaux)

    PermissionOverrideFactory(user=operator, key="shantytown.close", allowed=False)
    operator = fresh(operator)
    assert not perms.can_close_site(operator, world.bordeaux)


def test_a_national_override_reaches_everywhere(world):
    partner = user_with(Role.COLLABORATOR, world.gironde)
    PermissionOverrideFactory(user=partner, key="shantytown.update", allowed=True, national=True)
    intervener = user_with(Role.INTERVENER, world.gironde)
    PermissionOverrideFactory(organization=intervener.organization, key="shantytown.export", national=True)
    partner, intervener = fresh(partner), fresh(intervener)
    assert perms.can_update_site(partner, world.paris_1)
    assert perms.can(intervener, "shantytown.export", commune=world.paris_1)


def test_a_refusing_override_also_removes_action_level_grants(world):
    operator = user_with(Role.ASSOCIATION, world.gironde)
    piloted = perms.ActionTarget(departement_id="75", manager_organization_ids=frozenset({operator.organization_id}))
    assert perms.can_update_action(operator, piloted)
    PermissionOverrideFactory(user=operator, key="action.update", allowed=False)
    assert not perms.can_update_action(fresh(operator), piloted)


# ---------------------------------------------------------------------------------------------------------------------
# Actions, accounts, journal, confidential data
# ---------------------------------------------------------------------------------------------------------------------


def test_pilots_and_operators_act_on_their_actions_wherever_they_are(world):
    partner = user_with(Role.COLLABORATOR, world.gironde)
    own = partner.organization_id
    piloted = perms.ActionTarget(departement_id="75", manager_organization_ids=frozenset({own}))
    operated = perms.ActionTarget(departement_id="75", operator_organization_ids=frozenset({own}))
    local = perms.ActionTarget(departement_id="33")
    for action in (piloted, operated):
        assert perms.can_read_action(partner, action)
        assert perms.can_update_action(partner, action)
        assert perms.can_comment_action(partner, action)
    assert perms.can_access_action_finances(partner, piloted)
    assert not perms.can_access_action_finances(partner, operated)
    assert perms.can_read_action(partner, local)
    assert not perms.can_update_action(partner, local)  # "A": only actions of his organisation


def test_local_admin_sees_accounts_of_organisations_located_in_his_areas(world):
    admin = user_with(AdminRole.LOCAL_ADMIN, world.gironde)
    inside = [
        UserFactory(organization=organization_in(world.gironde)),
        UserFactory(organization=organization_in(world.bordeaux)),
        UserFactory(organization=organization_in(world.metropole)),
    ]
    outside = [
        UserFactory(organization=organization_in(world.dordogne)),
        UserFactory(organization=organization_in(world.aquitaine)),
        UserFactory(organization=organization_in(None)),
        UserFactory(organization=organization_in(world.paris_1)),
    ]
    visible = set(User.objects.filter(perms.visible_users_q(admin)))
    assert set(inside) <= visible
    assert not visible & set(outside)
    assert all(perms.can_manage_user(admin, user) for user in inside)
    assert not any(perms.can_manage_user(admin, user) for user in outside)
    assert not perms.can_manage_user(admin, inside[0], "user.delete")


def test_national_admin_sees_every_account_and_others_none(world):
    national = user_with(AdminRole.NATIONAL_ADMIN, None)
    someone = UserFactory(organization=organization_in(world.paris_1))
    assert set(User.objects.filter(perms.visible_users_q(national))) == set(User.objects.all())
    assert perms.can_manage_user(national, someone, "user.delete")
    partner = user_with(Role.COLLABORATOR, world.paris_departement)
    assert not User.objects.filter(perms.visible_users_q(partner)).exists()
    assert not perms.can_list_users(partner)


def test_a_local_admin_never_manages_a_national_admin(world):
    admin = user_with(AdminRole.LOCAL_ADMIN, world.gironde)
    national = user_with(AdminRole.NATIONAL_ADMIN, world.gironde)
    assert User.objects.filter(perms.visible_users_q(admin), pk=national.pk).exists()
    assert not perms.can_manage_user(admin, national, "user.deactivate")


def test_visible_users_q_refuses_features_that_are_not_about_accounts(world):
    with pytest.raises(ValueError):
        perms.visible_users_q(user_with(AdminRole.LOCAL_ADMIN, world.gironde), "shantytown.list")


def test_assignable_roles(world):
    assert perms.assignable_roles(user_with(AdminRole.NATIONAL_ADMIN, None)) == tuple(Role)
    assert perms.assignable_roles(user_with(AdminRole.LOCAL_ADMIN, world.gironde)) == (Role.INTERVENER,)
    assert perms.assignable_roles(user_with(Role.DIRECT_COLLABORATOR, world.gironde)) == ()


def test_targeted_journal_messages(world):
    """Journal entries do not exist yet: intervention areas stand in for them (commune = the site's commune,
    is_main_area = public, user = author or targeted user, organization = targeted organisation)."""
    operator = user_with(Role.ASSOCIATION, world.gironde)
    correspondent = user_with(Role.DIRECT_COLLABORATOR, world.gironde)
    stranger = UserFactory(organization=organization_in(world.gironde))
    other = organization_in(world.dordogne)

    def entry(commune, *, public=False, user=None, organization=None):
        row = InterventionArea.objects.create(
            area_type=AreaType.COMMUNE, commune=commune, is_main_area=public, user=user, organization=organization
        )
        fake = SimpleNamespace(
            commune=commune,
            is_public=public,
            author_id=user.pk if user else None,
            target_user_ids={user.pk} if user else set(),
            target_organization_ids={organization.pk} if organization else set(),
        )
        return row, fake

    entries = {
        "public": entry(world.bordeaux, public=True, user=stranger),
        "to_someone_else": entry(world.bordeaux, user=stranger),
        "to_another_organisation": entry(world.bordeaux, organization=other),
        "to_the_operator": entry(world.bordeaux, user=operator),
        "to_his_organisation": entry(world.libourne, organization=operator.organization),
        "public_far_away": entry(world.perigueux, public=True, user=stranger),
    }
    readers = {
        operator: {"public", "to_the_operator", "to_his_organisation"},
        correspondent: {"public", "to_someone_else", "to_another_organisation", "to_the_operator"}
        | {"to_his_organisation"},
    }
    paths = {
        "commune_path": "commune",
        "public_path": "is_main_area",
        "author_path": "user",
        "target_users_path": "user",
        "target_organizations_path": "organization",
    }
    for reader, wanted in readers.items():
        by_q = set(InterventionArea.objects.filter(perms.journal_entries_q(reader, **paths)))
        assert {name for name, (row, _) in entries.items() if row in by_q} == wanted
        assert {name for name, (_, fake) in entries.items() if perms.can_read_journal_entry(reader, fake)} == wanted


def test_confidential_data_classes(world):
    C = perms.ConfidentialData
    correspondent = user_with(Role.DIRECT_COLLABORATOR, world.gironde)
    assert perms.confidential_classes_visible(correspondent, commune=world.bordeaux) == {
        C.JUSTICE,
        C.OWNERS,
        C.TARGETED_MESSAGES,
        C.LAND_REGISTRY,
    }
    # Far away the correspondent keeps only his national justice read.
    assert perms.confidential_classes_visible(correspondent, commune=world.perigueux) == {C.JUSTICE}

    operator = user_with(Role.ASSOCIATION, world.gironde)
    assert perms.confidential_classes_visible(operator, commune=world.bordeaux) == frozenset()
    piloted = perms.ActionTarget(departement_id="75", manager_organization_ids=frozenset({operator.organization_id}))
    assert perms.confidential_classes_visible(operator, action=piloted) == {C.ACTION_FINANCES}
    assert perms.confidential_classes_visible(operator, action=perms.ActionTarget(departement_id="33")) == frozenset()

    with_justice = user_with(Role.ASSOCIATION, world.bordeaux, options=[Option.ACCESS_JUSTICE])
    assert perms.confidential_classes_visible(with_justice, departement=world.gironde) == {C.JUSTICE}
    assert perms.confidential_classes_visible(with_justice) == frozenset()

    national = user_with(AdminRole.NATIONAL_ADMIN, None)
    assert perms.confidential_classes_visible(national) == set(C)


# ---------------------------------------------------------------------------------------------------------------------
# Cost
# ---------------------------------------------------------------------------------------------------------------------


def test_grants_are_resolved_once_per_user_in_three_queries_at_most(world, django_assert_num_queries):
    organization = organization_in(world.bordeaux)
    InterventionAreaFactory(organization=organization, area_type=AreaType.EPCI, departement=None, epci=world.metropole)
    InterventionAreaFactory(organization=organization, area_type=AreaType.REGION, departement=None, region=world.idf)
    partner = user_with(Role.ASSOCIATION, None, organization=organization, options=[Option.CLOSE_SHANTYTOWN])
    PermissionOverrideFactory(organization=organization, key="shantytown.create")
    PermissionOverrideFactory(user=partner, key="shantytown.export", allowed=False)
    partner = fresh(partner)

    # Areas, overrides, départements of the région and of the EPCI, then the UPDATE that stores the result.
    with django_assert_num_queries(4):
        every = perms.grants(partner)
    reloaded = fresh(partner)  # the next request reads what was stored with the account
    with django_assert_num_queries(0):
        perms.grants(partner)
        perms.grants(reloaded)
        for commune in (world.bordeaux, world.perigueux, world.paris_1):
            perms.can_update_site(partner, commune)
            perms.can_access_justice(partner, commune)
            perms.confidential_classes_visible(partner, commune=commune)
    assert every["shantytown.create"].source == perms.Source.ORGANIZATION_OVERRIDE
    assert perms.can_declare_site(partner, world.merignac)
    assert perms.can_read_site(partner, world.libourne)  # the EPCI widened to Gironde
    assert perms.can_update_site(partner, world.paris_2)  # the Île-de-France région
    assert not perms.can_export_sites(partner)


def test_two_queries_when_there_is_nothing_to_expand(world, django_assert_max_num_queries):
    partner = fresh(user_with(Role.COLLABORATOR, world.gironde))
    with django_assert_max_num_queries(3):  # areas, overrides, and the UPDATE that stores them
        perms.grants(partner)


# ---------------------------------------------------------------------------------------------------------------------
# The context stored with the account
# ---------------------------------------------------------------------------------------------------------------------


def test_a_new_area_of_the_organisation_reaches_its_members_at_their_next_request(world):
    partner = user_with(Role.COLLABORATOR, world.gironde)
    assert not perms.can_update_site(fresh(partner), world.perigueux)

    InterventionAreaFactory(organization=partner.organization, departement=world.dordogne)

    assert perms.can_update_site(fresh(partner), world.perigueux)


def test_removed_areas_and_overrides_stop_granting_at_the_next_request(world):
    partner = user_with(Role.COLLABORATOR, world.gironde)
    override = PermissionOverrideFactory(user=partner, key="shantytown.delete", allowed=True, national=True)
    extra = InterventionAreaFactory(organization=partner.organization, departement=world.dordogne)
    loaded = fresh(partner)
    assert perms.can_delete_site(loaded, world.perigueux) and perms.can_update_site(loaded, world.perigueux)

    override.delete()
    InterventionArea.objects.filter(pk=extra.pk).delete()  # a queryset delete, as the administration services do

    loaded = fresh(partner)
    assert not perms.can_delete_site(loaded, world.perigueux)
    assert not perms.can_update_site(loaded, world.perigueux)
    assert perms.can_update_site(loaded, world.bordeaux)


def test_an_organisation_override_reaches_every_member(world):
    first = user_with(Role.COLLABORATOR, world.gironde)
    second = UserFactory(organization=first.organization, role=Role.COLLABORATOR)
    for member in (first, second):
        assert not perms.can_export_journal(fresh(member), world.bordeaux)

    PermissionOverrideFactory(organization=first.organization, key="shantytown_comment.export", allowed=True)

    for member in (first, second):
        assert perms.can_export_journal(fresh(member), world.bordeaux)


def test_a_change_of_role_or_options_on_the_account_row_is_seen_without_clearing(world):
    operator = user_with(Role.ASSOCIATION, world.gironde)
    assert not perms.can_close_site(fresh(operator), world.bordeaux)  # stored now

    User.objects.filter(pk=operator.pk).update(options=[Option.CLOSE_SHANTYTOWN])
    assert perms.can_close_site(fresh(operator), world.bordeaux)

    User.objects.filter(pk=operator.pk).update(options=[], admin_role=AdminRole.NATIONAL_ADMIN)
    assert perms.can_delete_site(fresh(operator), world.bordeaux)


def test_a_full_save_of_an_account_loaded_earlier_keeps_the_clearing(world):
    partner = user_with(Role.COLLABORATOR, world.gironde)
    perms.grants(fresh(partner))
    loaded_before = fresh(partner)
    InterventionAreaFactory(organization=partner.organization, departement=world.dordogne)

    loaded_before.position = "Cheffe de projet"
    loaded_before.save()

    assert fresh(partner).permissions_cache is None
    assert fresh(partner).position == "Cheffe de projet"
    assert perms.can_update_site(fresh(partner), world.perigueux)


def test_a_context_computed_while_areas_change_is_not_stored(world):
    partner = user_with(Role.COLLABORATOR, world.gironde)
    loaded_before = fresh(partner)
    InterventionAreaFactory(organization=partner.organization, departement=world.dordogne)
    InterventionArea.objects.filter(organization=partner.organization, departement=world.dordogne).delete()
    # As if this request had read the account, then the areas, while an admin was changing them.
    InterventionAreaFactory(organization=partner.organization, departement=world.dordogne)

    perms.grants(loaded_before)

    assert fresh(partner).permissions_cache is None


@pytest.mark.parametrize("custom", [False, True])
def test_the_main_area_comes_with_the_context_and_is_the_first_area_shown(world, custom):
    partner = user_with(Role.COLLABORATOR, world.gironde)
    owner = {"user": partner} if custom else {"organization": partner.organization}
    InterventionArea.objects.filter(organization=partner.organization).update(is_main_area=False)
    if custom:
        InterventionAreaFactory(user=partner, departement=world.gironde)
        User.objects.filter(pk=partner.pk).update(use_custom_intervention_area=True)
    InterventionAreaFactory(
        **owner, area_type=AreaType.EPCI, departement=None, epci=world.metropole, is_main_area=True
    )
    InterventionAreaFactory(**owner, departement=world.dordogne)
    loaded = fresh(partner)

    first = perms.intervention_areas(loaded)[0]
    assert (
        perms.main_intervention_area(loaded) == ("epci", world.metropole.pk) == (first.area_type, first.territory_code)
    )

    InterventionArea.objects.filter(**owner, is_main_area=True).delete()
    assert perms.main_intervention_area(fresh(partner)) == ("departement", "33")


def test_no_area_no_main_area_and_a_nation_area_has_no_code(world):
    nowhere = UserFactory(organization=OrganizationFactory(with_area=False))
    assert perms.main_intervention_area(fresh(nowhere)) is None
    assert perms.main_intervention_area(fresh(user_with(Role.COLLABORATOR, None))) == ("nation", "")


def test_reloaded_territories_clear_every_stored_context(world):
    from resorption.territories.signals import territories_loaded

    partner = user_with(Role.COLLABORATOR, world.gironde)
    perms.grants(fresh(partner))
    assert fresh(partner).permissions_cache is not None

    territories_loaded.send(sender=None, changed=1)

    assert fresh(partner).permissions_cache is None


def test_a_malformed_stored_context_is_computed_again(world):
    partner = user_with(Role.COLLABORATOR, world.gironde)
    perms.grants(fresh(partner))
    stored = fresh(partner).permissions_cache
    User.objects.filter(pk=partner.pk).update(permissions_cache={"stamp": stored["stamp"], "context": {"role": 1}})

    assert perms.can_update_site(fresh(partner), world.bordeaux)
    assert fresh(partner).permissions_cache == stored


def test_forget_permissions_reloads_after_a_change(world):
    operator = user_with(Role.ASSOCIATION, world.gironde)
    assert not perms.can_close_site(operator, world.bordeaux)
    operator.options = [Option.CLOSE_SHANTYTOWN]
    assert not perms.can_close_site(operator, world.bordeaux)  # cached for the request
    perms.forget_permissions(operator)
    assert perms.can_close_site(operator, world.bordeaux)


def test_the_visible_sites_key_is_shared_exactly_by_users_who_see_the_same_sites():
    haute_garonne = DepartementFactory(code="31", name="Haute-Garonne")
    SiteFactory()
    SiteFactory(commune=CommuneFactory(code="31555", name="Toulouse", departement=haute_garonne))
    users = [
        UserFactory(role=Role.ASSOCIATION),
        UserFactory(role=Role.ASSOCIATION, organization=OrganizationFactory(name="Autre opérateur")),
        UserFactory(role=Role.ASSOCIATION, organization=OrganizationFactory(departement=haute_garonne)),
        UserFactory(
            role=Role.NATIONAL_ESTABLISHMENT,
            organization=OrganizationFactory(area_type=AreaType.NATION, departement=None),
        ),
    ]

    keys = [perms.visible_sites_key(user) for user in users]
    visible = [frozenset(Site.objects.visible_to(user).values_list("pk", flat=True)) for user in users]

    assert len(set(visible)) == 3  # the two Gironde operators see the same sites, the others not
    for first, second in itertools.combinations(range(len(users)), 2):
        assert (keys[first] == keys[second]) == (visible[first] == visible[second])
