from types import SimpleNamespace

import pytest

from resorption.accounts.enums import AdminRole, Option, Role
from tests.accounts.factories import OrganizationFactory, UserFactory
from tests.actions.factories import ActionFactory
from tests.territories.factories import DepartementFactory, RegionFactory


@pytest.fixture
def world(db):
    return make_world()


def make_world() -> SimpleNamespace:
    """People of each kind and four actions (see test_permissions_matrix.py for who they are)."""
    gironde = DepartementFactory()
    haute_garonne = DepartementFactory(
        code="31", name="Haute-Garonne", region=RegionFactory(code="76", name="Occitanie")
    )
    loire_atlantique = DepartementFactory(
        code="44", name="Loire-Atlantique", region=RegionFactory(code="52", name="Pays de la Loire")
    )
    national_admin = UserFactory(admin_role=AdminRole.NATIONAL_ADMIN, role=Role.DIRECT_COLLABORATOR)
    local_admin = UserFactory(admin_role=AdminRole.LOCAL_ADMIN, role=Role.DIRECT_COLLABORATOR)
    correspondent = UserFactory(role=Role.DIRECT_COLLABORATOR)
    partner = UserFactory(role=Role.COLLABORATOR, organization=OrganizationFactory(name="Préfecture de la Gironde"))
    operator = UserFactory(role=Role.ASSOCIATION, organization=OrganizationFactory(name="Association Rives"))
    unrelated = UserFactory(role=Role.ASSOCIATION, organization=OrganizationFactory(departement=loire_atlantique))
    other_gironde = UserFactory(role=Role.ASSOCIATION, organization=OrganizationFactory(name="Autre structure"))
    national_actor = UserFactory(role=Role.NATIONAL_ESTABLISHMENT)
    observer = UserFactory(role=Role.EXTERNAL_OBSERVER)
    finance_reader = UserFactory(role=Role.ASSOCIATION, options=[Option.ACCESS_ACTION_FINANCES])
    toulouse = UserFactory(role=Role.ASSOCIATION, organization=OrganizationFactory(departement=haute_garonne))
    return SimpleNamespace(
        gironde=gironde,
        haute_garonne=haute_garonne,
        loire_atlantique=loire_atlantique,
        national_admin=national_admin,
        local_admin=local_admin,
        correspondent=correspondent,
        partner=partner,
        operator=operator,
        unrelated=unrelated,
        national_actor=national_actor,
        observer=observer,
        finance_reader=finance_reader,
        other_gironde=other_gironde,
        toulouse=toulouse,
        # Piloted by the partner's organisation, operated by the operator's, in the Gironde.
        own=ActionFactory(name="Action pilotée en Gironde", managers=[partner], operators=[operator]),
        # In the Gironde, without any of them.
        same=ActionFactory(name="Autre action en Gironde", managers=[other_gironde], operators=[other_gironde]),
        # In the Haute-Garonne, without any of them.
        far=ActionFactory(
            name="Action à Toulouse", departement=haute_garonne, managers=[toulouse], operators=[toulouse]
        ),
        # In the Haute-Garonne, piloted and operated by the same organisations as `own`.
        far_own=ActionFactory(
            name="Action pilotée à Toulouse", departement=haute_garonne, managers=[partner], operators=[operator]
        ),
    )
