"""Who reads, updates and sees the finances of which action, through the pages (§A.4–A.5).

The expected answers are written out by hand from the reference matrix, not derived from the engine: `national_admin`,
`local_admin` (Gironde) and `correspondent` (Gironde) read every action (N); the partner and the operator read the
Gironde's actions (L) and those their organisation pilots or operates anywhere (A); a member of an organisation of the
Loire-Atlantique reads none of them. Updates: national admin everywhere, local admin on the Gironde, the others only
on actions of their organisation. Finances: national admin, local admin and correspondent on their territory, the
pilot's organisation (the partner) on its actions — not the operator. The national actor reads every action and its
finances and updates none; the external observer (Gironde) reads the Gironde's actions only, without finances, and
updates none; an operator's member holding the option « Accéder aux financements des actions » (Gironde) reads the
finances of every action he reads.

The actions (tests/actions/conftest.py): `own` (Gironde, piloted by the partner's organisation, operated by the
operator's), `same` (Gironde, other organisations), `far` (Haute-Garonne, other organisations), `far_own`
(Haute-Garonne, piloted and operated like `own`), written once for the module: each test reads them, and what a test
writes is rolled back with its savepoint.
"""

import pytest
from django.urls import reverse

from tests.accounts.helpers import text
from tests.actions.conftest import make_world
from tests.actions.factories import ActionFinanceFactory
from tests.db import rolled_back_afterwards

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with rolled_back_afterwards(django_db_blocker):
        yield make_world()


ACTIONS = ["own", "same", "far", "far_own"]
# person → status of the action page, for own / same / far / far_own
READ = {
    "national_admin": (200, 200, 200, 200),
    "local_admin": (200, 200, 200, 200),
    "correspondent": (200, 200, 200, 200),
    "partner": (200, 200, 404, 200),
    "operator": (200, 200, 404, 200),
    "unrelated": (404, 404, 404, 404),
    "national_actor": (200, 200, 200, 200),
    "observer": (200, 200, 404, 404),
    "finance_reader": (200, 200, 404, 404),
}
# person → status of the update form
UPDATE = {
    "national_admin": (200, 200, 200, 200),
    "local_admin": (200, 200, 403, 403),
    "correspondent": (403, 403, 403, 403),
    "partner": (200, 403, 404, 200),
    "operator": (200, 403, 404, 200),
    "unrelated": (404, 404, 404, 404),
    "national_actor": (403, 403, 403, 403),
    "observer": (403, 403, 404, 404),
    "finance_reader": (403, 403, 404, 404),
}
# person → whether the action page shows its finances (for pages he reads)
FINANCES = {
    "national_admin": (True, True, True, True),
    "local_admin": (True, True, False, False),
    "correspondent": (True, True, False, False),
    "partner": (True, False, None, True),
    "operator": (False, False, None, False),
    "unrelated": (None, None, None, None),
    "national_actor": (True, True, True, True),
    "observer": (False, False, None, None),
    "finance_reader": (True, True, None, None),
}
AMOUNT = "48\u00a0250,00\u00a0€"


def _cases(table):
    return [(person, action, table[person][index]) for person in table for index, action in enumerate(ACTIONS)]


@pytest.mark.parametrize(("person", "action", "expected"), _cases(READ))
def test_who_reads_the_action_page(client, world, person, action, expected):
    client.force_login(getattr(world, person))
    pk = getattr(world, action).pk
    assert client.get(reverse("actions:detail", kwargs={"pk": pk})).status_code == expected
    assert client.get(reverse("actions:history", kwargs={"pk": pk})).status_code == expected
    if expected == 404:  # every URL of the action: out of sight is « not found »
        for name in ("update", "finances"):
            assert client.get(reverse(f"actions:{name}", kwargs={"pk": pk})).status_code == 404


@pytest.mark.parametrize("pk", ["9" * 30, "-1", "abc", None, 10**6])
def test_access_action_answers_404_to_what_is_not_an_action_id(world, pk):
    from django.http import Http404

    from resorption.actions.access import access_action

    with pytest.raises(Http404):
        access_action(world.national_admin, pk)


@pytest.mark.parametrize(("person", "action", "expected"), _cases(UPDATE))
def test_who_may_update_the_action(client, world, person, action, expected):
    client.force_login(getattr(world, person))
    target = getattr(world, action)
    response = client.get(reverse("actions:update", kwargs={"pk": target.pk}))
    assert response.status_code == expected
    # A refused POST changes nothing either.
    response = client.post(reverse("actions:update", kwargs={"pk": target.pk}), {"name": "Renommée"})
    assert response.status_code == (200 if expected == 200 else expected)
    target.refresh_from_db()
    assert target.name != "Renommée"


@pytest.mark.parametrize(("person", "action", "expected"), _cases(FINANCES))
def test_who_sees_the_finances(client, world, person, action, expected):
    target = getattr(world, action)
    ActionFinanceFactory(action=target)
    client.force_login(getattr(world, person))
    response = client.get(reverse("actions:detail", kwargs={"pk": target.pk}))
    if expected is None:
        assert response.status_code == 404
        return
    page = text(response)
    assert (AMOUNT in page) is expected
    assert ("Lecteurs des financements" in page) is expected
    finances_page = client.get(reverse("actions:finances", kwargs={"pk": target.pk}))
    may_edit = expected and UPDATE[person][ACTIONS.index(action)] == 200
    assert finances_page.status_code == (200 if may_edit else 403)


@pytest.mark.parametrize("person", list(READ))
def test_the_list_shows_what_the_page_lets_read(client, world, person):
    client.force_login(getattr(world, person))
    page = text(client.get(reverse("actions:list")))
    for index, action in enumerate(ACTIONS):
        assert (getattr(world, action).name in page) is (READ[person][index] == 200), action


def test_an_observer_may_not_create_an_action(client, world):
    from resorption.accounts.enums import Role
    from tests.accounts.factories import UserFactory

    client.force_login(UserFactory(role=Role.EXTERNAL_OBSERVER))
    assert client.get(reverse("actions:create")).status_code == 403
