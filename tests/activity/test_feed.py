"""The activity feed `/activites/` (issue 11 item 6, reference §F.2): what each person sees of the scenario of
conftest.py, the filters, hostile input and its query budget. « Charger plus »: test_feed_paging.py.

The scenario is written once for the module (`world`): each test reads it, and what a test writes is rolled back
with its savepoint."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from resorption.accounts.enums import UserStatus
from resorption.accounts.models import User
from resorption.actions.models import Action
from resorption.actions.services import action_finances_update
from resorption.activity.selectors import (
    ACTION_MESSAGE,
    FEED_KINDS,
    NEW_USER,
    SITE_CLOSED,
    SITE_DECLARED,
    SITE_MESSAGE,
    SITE_UPDATED,
    feed_events,
    latest_activities,
)
from resorption.notifications.models import NotificationEvent
from resorption.settlements import history
from tests.accounts.factories import InterventionAreaFactory
from tests.activity.conftest import (
    BAILIFF,
    DELETED_BODY,
    OWNER_NAME,
    TARGETED_ACTION_BODY,
    TARGETED_BODY,
    declare,
    make_people,
    make_places,
    make_scenario,
    make_sites,
)
from tests.db import rolled_back_afterwards

pytestmark = pytest.mark.django_db

URL = reverse("activity:index")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with rolled_back_afterwards(django_db_blocker):
        places = make_places()
        people, sites = make_people(places), make_sites(places)
        yield SimpleNamespace(places=places, people=people, sites=sites, scenario=make_scenario(places, people, sites))


@pytest.fixture
def places(world):
    return world.places


@pytest.fixture
def people(world):
    return world.people


@pytest.fixture
def sites(world):
    return world.sites


@pytest.fixture
def scenario(world):
    return world.scenario


def feed(client, user, query=None, **headers):
    client.force_login(user)
    response = client.get(URL, query or {}, headers=headers)
    assert response.status_code == 200
    return response


def activities(client, user, query=None) -> list:
    return feed(client, user, query).context["page"].activities


def html(client, user, query=None) -> str:
    return feed(client, user, query).content.decode()


def count(items, kind) -> int:
    return sum(1 for item in items if item.kind == kind)


def subjects(items) -> set[str]:
    return {item.subject for item in items}


# Who sees what ------------------------------------------------------------------------------------------------------


def test_the_feed_lists_what_happened_newest_first(client, scenario, people):
    items = activities(client, people.national_admin)

    assert [item.kind for item in items] == [
        SITE_CLOSED,
        NEW_USER,
        ACTION_MESSAGE,  # the public one: the targeted one is addressed to its pilot alone
        SITE_MESSAGE,
        SITE_MESSAGE,
        SITE_MESSAGE,  # not the deleted one
        *[SITE_UPDATED] * 5,
        SITE_DECLARED,
        SITE_DECLARED,
    ]
    assert items[0].title == "Site fermé" and items[0].details == (
        "Cause : Résorption progressive du site",
        "Résorbé définitivement",
    )
    assert items[1].subject == "Nina Nouvelle de Association Nouvelle a rejoint la plateforme"
    assert items[-1].subject == "10 rue des Étangs — Bordeaux (33)"
    assert items[-1].author == "Camille Correspondante (Structure Correspondante)"
    assert items[-1].url == reverse("settlements:detail", kwargs={"pk": scenario.bordeaux.pk})


def test_a_site_out_of_sight_and_its_messages_are_never_shown(client, scenario, people):
    gironde = subjects(activities(client, people.operator))
    toulouse = subjects(activities(client, people.toulouse_operator))

    toulouse_site = "20 avenue de Muret — Toulouse (31)"
    assert toulouse_site not in gironde and "10 rue des Étangs — Bordeaux (33)" in gironde
    # The Toulouse site's declaration and message, and the newcomer, whom everyone sees.
    assert toulouse == {toulouse_site, "Nina Nouvelle de Association Nouvelle a rejoint la plateforme"}
    assert "Distribution d'eau à Toulouse." not in html(client, people.operator)


# Events of each kind each reader may see: declared, updated, closed sites, site messages, action messages, newcomers.
SEEN = {
    "national_admin": (2, 5, 1, 3, 1, 1),  # every site; not the action message addressed to its pilot
    "correspondent": (2, 5, 1, 2, 1, 1),  # every site, justice nationally; journals and owners of Gironde
    "operator": (1, 3, 1, 1, 1, 1),  # Gironde, without justice, owners nor others' targeted messages
    "justice_reader": (1, 4, 1, 1, 1, 1),
    "target": (1, 3, 1, 2, 1, 1),
    "author": (1, 3, 1, 2, 1, 1),
    "toulouse_operator": (1, 0, 0, 1, 0, 1),
}


@pytest.mark.parametrize("reader", SEEN)
def test_the_events_query_itself_keeps_only_what_each_reader_may_see(scenario, people, reader):
    """Decided in SQL, before anything is loaded: so that a page of 20 is 20 items its reader sees."""
    events = feed_events(getattr(people, reader))

    assert tuple(events.filter(kind=kind.event_kind).count() for kind in FEED_KINDS) == SEEN[reader]
    assert not events.filter(kind="journal_message_posted", object_id=scenario.deleted.pk).exists()


def test_the_events_query_keeps_the_pilots_own_targeted_action_message(scenario):
    assert feed_events(scenario.pilot).filter(kind="action_message_posted").count() == 2


@pytest.mark.parametrize(
    ("reader", "reads"),
    [("target", True), ("author", True), ("correspondent", True), ("operator", False), ("toulouse_operator", False)],
)
def test_a_targeted_message_reaches_only_its_audience(client, scenario, people, reader, reads):
    """Its author, its target and who reads every targeted message of Gironde (the correspondent); not another reader
    of the journal."""
    page = html(client, getattr(people, reader))

    assert (TARGETED_BODY in page) is reads
    assert ("Message ciblé" in page) is reads


@pytest.mark.parametrize("reader", ["national_admin", "author", "correspondent"])
def test_a_deleted_message_is_shown_to_nobody(client, scenario, people, reader):
    assert DELETED_BODY not in html(client, getattr(people, reader))


def _changes(items) -> list[list[tuple[str, str, str]]]:
    """The changes of each update, oldest first."""
    updates = [item for item in items if item.kind == SITE_UPDATED][::-1]
    return [[(change.label, change.old, change.new) for change in item.changes] for item in updates]


def test_confidential_changes_reach_only_who_may_see_them(client, scenario, people):
    """Five updates: population; owner's complaint (justice); owners; population and bailiff (justice); population
    and owners. An update whose every change is hidden is not shown; the others show their other changes only."""
    population = ("Nombre de personnes", "20", "35")
    complaint = ("Dépôt de plainte par le propriétaire", "inconnu", "oui")
    public_owner = ("Propriétaire", "non renseigné", "Commune de Bordeaux (Public)")
    private_owner = ("Propriétaire", "non renseigné", f"{OWNER_NAME} (Privé)")
    bailiff = ("Nom de l'étude d'huissiers", "non renseigné", BAILIFF)

    assert _changes(activities(client, people.operator)) == [
        [population],
        [("Nombre de personnes", "35", "36")],
        [("Nombre de personnes", "36", "37")],
    ]
    assert _changes(activities(client, people.justice_reader)) == [
        [population],
        [complaint],
        [("Nombre de personnes", "35", "36"), bailiff],
        [("Nombre de personnes", "36", "37")],
    ]
    assert _changes(activities(client, people.correspondent)) == [
        [population],
        [complaint],
        [public_owner],
        [("Nombre de personnes", "35", "36"), bailiff],
        [("Nombre de personnes", "36", "37"), private_owner],
    ]
    operator_page = html(client, people.operator)
    for secret in (BAILIFF, OWNER_NAME, "Commune de Bordeaux", "Dépôt de plainte"):
        assert secret not in operator_page
    assert OWNER_NAME not in html(client, people.justice_reader)


def test_an_action_message_follows_the_action_journal_rule(client, scenario, people):
    """A reader of the actions of Gironde reads its public message; the targeted one only its audience (the pilot,
    who posted it to himself); Haute-Garonne reads neither."""
    assert count(activities(client, people.operator), ACTION_MESSAGE) == 1
    assert TARGETED_ACTION_BODY not in html(client, people.operator)
    pilot = activities(client, scenario.pilot)
    assert [item.body for item in pilot if item.kind == ACTION_MESSAGE] == [
        TARGETED_ACTION_BODY,
        "Lancement de l'action.",
    ]
    assert count(activities(client, people.toulouse_operator), ACTION_MESSAGE) == 0


def test_a_change_of_an_actions_finances_is_never_in_the_feed(client, scenario, people):
    before = NotificationEvent.objects.count()
    action = Action.objects.get(pk=scenario.action.pk)
    action_finances_update(
        action_id=action.pk,
        author=scenario.pilot,
        expected_version=action.version,
        rows=[{"year": 2025, "finance_type": "dedie", "amount": Decimal("73519"), "real_amount": Decimal(0)}],
    )

    assert NotificationEvent.objects.count() == before
    page = html(client, people.correspondent)
    assert "73519" not in page and "73 519" not in page


def test_a_newcomer_is_shown_to_everyone_until_his_account_is_anonymised(client, scenario, people):
    joined = "Nina Nouvelle de Association Nouvelle a rejoint la plateforme"
    assert joined in subjects(activities(client, people.toulouse_operator))

    newcomer = User.objects.get(pk=scenario.newcomer.pk)
    newcomer.status = UserStatus.INACTIVE
    newcomer.anonymized_at = timezone.now()
    newcomer.save()

    assert count(activities(client, people.national_admin), NEW_USER) == 0


# Filters -------------------------------------------------------------------------------------------------------------

EXPECTED_BY_KIND = {SITE_DECLARED: 2, SITE_UPDATED: 5, SITE_CLOSED: 1, SITE_MESSAGE: 3, ACTION_MESSAGE: 1, NEW_USER: 1}


@pytest.mark.parametrize("kind", FEED_KINDS, ids=lambda kind: kind.value)
def test_each_kind_filter_narrows_to_its_kind(client, scenario, people, kind):
    items = activities(client, people.national_admin, {"type": kind.value})

    assert [item.kind for item in items] == [kind] * EXPECTED_BY_KIND[kind]


def test_the_kind_filters_add_up_and_every_kind_is_offered_ticked_by_default(client, scenario, people):
    items = activities(client, people.national_admin, {"type": [SITE_DECLARED.value, SITE_CLOSED.value]})
    assert sorted(item.title for item in items) == ["Nouveau site déclaré", "Nouveau site déclaré", "Site fermé"]
    # A kind the form does not know (a stale link) is left out, the others still filter.
    assert [
        item.kind for item in activities(client, people.national_admin, {"type": ["inconnu", "sites-fermes"]})
    ] == [SITE_CLOSED]

    page = html(client, people.national_admin)
    for label in (
        "Sites déclarés",
        "Sites modifiés",
        "Sites fermés",
        "Messages des journaux de sites",
        "Messages des journaux d&#x27;actions",
        "Nouveaux utilisateurs",
    ):
        assert label in page
    assert page.count('name="type"') == page.count('name="type" value="') == 6
    assert page.count("checked") >= 6


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("", 14),
        ("metropole", 13),
        ("outre-mer", 1),
        ("region-75", 11),  # Gironde: everything but the Toulouse site, its message and La Réunion
        ("region-76", 2),
        ("31", 2),
        ("33", 11),
        # Bordeaux Métropole: the Bordeaux site's declaration, updates and messages — not Libourne's closing, nor
        # the action and the newcomer, located in Gironde only.
        ("epci-243300316", 8),
        ("commune-33243", 1),
    ],
)
def test_each_territory_level_narrows_to_its_events(client, scenario, people, places, location, expected):
    declare(people.national_admin, places.saint_denis, "5 rue de la Source 97400 Saint-Denis")

    items = activities(client, people.national_admin, {"localisation": location})

    assert len(items) == expected
    assert ("5 rue de la Source — Saint-Denis (974)" in subjects(items)) is (location in ("", "outre-mer"))


def test_the_users_own_intercommunality_is_offered(client, places, people):
    InterventionAreaFactory(organization=people.operator.organization, area_type="epci", epci=places.metropole)

    page = html(client, people.operator)

    assert '<option value="epci-243300316">Bordeaux Métropole</option>' in page


def test_the_filter_panel_shows_the_values_of_each_request_though_kept_rendered(client, people, places):
    """The panel is kept in the fragments cache under the values chosen: never those of a former request."""
    for location, kinds in (("33", ["sites-fermes"]), ("region-75", []), ("33", ["sites-fermes"]), ("", [])):
        page = html(client, people.operator, {"localisation": location, "type": kinds})

        selected = [option for option in page.split("<option ") if " selected" in option.split(">")[0]]
        assert [option.split('"')[1] for option in selected] == [location]
        ticked = [box for box in page.split("<input ") if 'name="type"' in box and " checked" in box.split(">")[0]]
        assert len(ticked) == (len(kinds) or 6)


# Bad input -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"avant": "demain"},
        {"avant": "1767225600000000-"},
        {"avant": "-1-2"},
        {"avant": "9" * 30 + "-1"},
        {"avant": "1767225600000000-" + "9" * 30},
        {"avant": "0-0"},
        {"avant": "1767225600000000-1\x00"},
        {"avant": ["1767225600000000-1", "x"]},
        {"type": ["inconnu", "sites-fermes"]},
        {"type": "a\x00b"},
        {"localisation": "region-\x00"},
        {"localisation": "epci-" + "9" * 200},
        {"localisation": "commune-2A\x00"},
        {"localisation": ["metropole", "33"]},
        {"localisation": "x" * 100_000},
    ],
)
def test_bad_input_never_fails(client, scenario, people, query):
    response = feed(client, people.correspondent, query)

    assert response.context["page"].activities  # the defaults apply to what the page could not read


def test_a_cursor_the_page_never_wrote_shows_the_first_items(client, scenario, people):
    assert activities(client, people.national_admin, {"avant": "demain"}) == activities(client, people.national_admin)


def test_the_page_needs_signing_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


# Query budget and the dashboard --------------------------------------------------------------------------------------


def _queries(client) -> int:
    client.get(URL)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_first_page_compiled_once_follows_a_change_of_the_readers_areas(client, scenario, people, places):
    """The first page runs a query compiled once per reader's permissions: a new area is a new query, not the old
    one with his former territory in it."""
    in_gironde = {item.subject for item in activities(client, people.operator)}
    assert any("Bordeaux" in subject for subject in in_gironde)
    assert not any("Toulouse" in subject for subject in in_gironde)

    area = people.operator.organization.intervention_areas.get()
    area.departement = places.haute_garonne
    area.save()  # as the admin's page saves it: the stored permissions are cleared

    in_haute_garonne = {item.subject for item in activities(client, User.objects.get(pk=people.operator.pk))}
    assert any("Toulouse" in subject for subject in in_haute_garonne)
    assert not any("Bordeaux" in subject for subject in in_haute_garonne)
    # Another reader of Gironde still gets his own query.
    assert {item.subject for item in activities(client, people.justice_reader)} >= in_gironde


def test_the_query_count_stays_flat_as_events_pile_up(client, scenario, people, sites):
    """A handful of events of every kind, then 750 more, of every kind, among which many the operator may not see: a
    page is still 20 items he may see, read with the same queries."""
    client.force_login(people.operator)
    few = _queries(client)
    assert len(activities(client, people.operator)) == 8

    # Copies of every event of the scenario — those he sees and those he may not — in 50 rounds, the newest last.
    events = list(NotificationEvent.objects.order_by("pk"))
    start = timezone.now()
    NotificationEvent.objects.bulk_create(
        NotificationEvent(
            kind=event.kind,
            object_id=event.object_id,
            actor_id=event.actor_id,
            commune_id=event.commune_id,
            departement_id=event.departement_id,
            changed_open_data=event.changed_open_data,
            changed_justice=event.changed_justice,
            changed_owners=event.changed_owners,
            site_id=event.site_id,
            is_public=event.is_public,
            created_at=start + datetime.timedelta(seconds=round_, microseconds=n),
        )
        for round_ in range(50)
        for n, event in enumerate(events)
    )

    many = _queries(client)
    items = activities(client, people.operator)
    assert many == few <= 16
    assert len(items) == 20 and {item.kind for item in items} == set(FEED_KINDS)
    assert TARGETED_BODY not in html(client, people.operator)


def _version_reads(client, user) -> int:
    """The queries of a feed request that read site versions."""
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL).status_code == 200
    return sum(1 for query in captured.captured_queries if "settlements_historicalsite" in query["sql"])


@pytest.mark.parametrize("first", ["correspondent", "operator"])
def test_settled_changes_are_computed_once_and_still_shown_to_each_reader_by_his_rights(
    client, scenario, people, monkeypatch, first
):
    """Once a version can no longer change (`history.SETTLED_AFTER`, here at once), its changes are computed once per
    process for every reader: whoever reads them first, the owners' changes reach only who may see owners, and the
    next reads need no version."""
    monkeypatch.setattr(history, "SETTLED_AFTER", datetime.timedelta(0))
    expected = {
        reader: _changes(activities(client, getattr(people, reader))) for reader in ("correspondent", "operator")
    }
    history.forget_settled_changes()

    assert _version_reads(client, getattr(people, first)) > 0
    assert _version_reads(client, getattr(people, first)) == 0
    # The versions both see were computed for the first: the other reads them as his rights show them.
    for reader, changes in expected.items():
        assert _changes(activities(client, getattr(people, reader))) == changes
    assert _version_reads(client, people.correspondent) == _version_reads(client, people.operator) == 0
    assert OWNER_NAME in expected["correspondent"][-1][-1][2]
    assert OWNER_NAME not in html(client, people.operator)


def test_a_recent_version_is_computed_again_until_it_is_settled(client, scenario, people):
    """An owner's row saved within `OWNERS_JOIN_WINDOW` of a version still joins it: until then, nothing is kept."""
    assert _version_reads(client, people.correspondent) > 0
    assert _version_reads(client, people.correspondent) > 0


def test_the_dashboard_reads_the_latest_activities(client, scenario, people):
    latest = latest_activities(people.operator, limit=5)

    assert latest == activities(client, people.operator)[:5]
    assert [item.kind for item in latest] == [SITE_CLOSED, NEW_USER, ACTION_MESSAGE, SITE_MESSAGE, SITE_UPDATED]


def test_the_main_navigation_leads_to_the_feed(client, people):
    page = html(client, people.operator)
    assert f'href="{URL}"' in page and "Activités" in page
