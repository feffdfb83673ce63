"""The one record of events (issue 11 item 6): the services record each event, with its place, through their signals;
the kinds recorded for the feed alone tell nobody; events recorded before their place was kept get it back."""

import importlib

import pytest
from django.apps import apps
from django.core.management import call_command

from resorption.accounts.enums import AreaType
from resorption.accounts.models import User
from resorption.activity.selectors import ACTION_MESSAGE, NEW_USER, SITE_DECLARED, SITE_MESSAGE, feed_page
from resorption.emails.models import OutgoingEmail
from resorption.notifications.models import Delivery, Notification, NotificationEvent
from resorption.notifications.services import event_fan_out
from resorption.settlements.models import Site, SiteActor
from resorption.settlements.services import site_update
from tests.accounts.factories import OrganizationFactory, UserFactory
from tests.activity.conftest import activate, update

pytestmark = pytest.mark.django_db


def test_the_services_record_each_event_with_its_place(scenario):
    events = [
        (event.kind, event.commune_id, event.departement_id)
        for event in NotificationEvent.objects.order_by("created_at", "pk")
    ]

    bordeaux, toulouse, libourne = ("33063", "33"), ("31555", "31"), ("33243", "33")
    assert events == [
        ("site_declared", *bordeaux),
        ("site_declared", *toulouse),
        *[("site_updated", *bordeaux)] * 5,
        *[("journal_message_posted", *bordeaux)] * 3,
        ("journal_message_posted", *toulouse),
        # An action is located in its département, a newcomer where her organisation is (a département here).
        *[("action_message_posted", None, "33")] * 2,
        ("user_activated", None, "33"),
        ("site_closed", *libourne),
    ]
    objects = {
        (event.kind, event.object_id)
        for event in NotificationEvent.objects.exclude(kind="site_updated").exclude(kind="journal_message_posted")
    }
    assert objects >= {
        ("site_declared", scenario.bordeaux.pk),
        ("action_message_posted", scenario.action_targeted.pk),
        ("user_activated", scenario.newcomer.pk),
        ("site_closed", scenario.closed.pk),
    }


def test_the_services_record_the_site_of_each_event_and_whether_a_message_was_public(scenario):
    events = [(event.kind, event.site_id, event.is_public) for event in NotificationEvent.objects.order_by("pk")]

    bordeaux, toulouse, closed = scenario.bordeaux.pk, scenario.toulouse.pk, scenario.closed.pk
    assert events == [
        ("site_declared", bordeaux, True),
        ("site_declared", toulouse, True),
        *[("site_updated", bordeaux, True)] * 5,
        # Public, targeted, then deleted (public when posted); the Toulouse operator's public message.
        ("journal_message_posted", bordeaux, True),
        ("journal_message_posted", bordeaux, False),
        ("journal_message_posted", bordeaux, True),
        ("journal_message_posted", toulouse, True),
        # An action's messages concern no site: the pilot's public one, then the one targeted to himself.
        ("action_message_posted", None, True),
        ("action_message_posted", None, False),
        ("user_activated", None, True),
        ("site_closed", closed, True),
    ]


def test_a_site_moved_to_another_commune_takes_its_events_along(scenario, client, people, places):
    """The feed decides who sees an event about a site by the event's place: it must stay the site's."""
    bordeaux = scenario.bordeaux
    of_bordeaux = NotificationEvent.objects.filter(site=bordeaux)
    assert of_bordeaux.count() == 9  # declared, 5 updates, 3 messages
    seen_in_gironde = {item.event_id for item in feed_page(people.operator).activities}
    assert set(of_bordeaux.values_list("pk", flat=True)) & seen_in_gironde

    update(people.national_admin, bordeaux, commune=places.toulouse)

    assert set(of_bordeaux.values_list("commune_id", "departement_id")) == {("31555", "31")}
    # The events of the other sites stayed where they were.
    assert NotificationEvent.objects.get(kind="site_closed").commune_id == "33243"
    in_gironde = {item.event_id for item in feed_page(people.operator).activities}
    in_haute_garonne = {item.event_id for item in feed_page(people.toulouse_operator).activities}
    declaration = of_bordeaux.get(kind="site_declared").pk
    assert declaration not in in_gironde
    assert declaration in in_haute_garonne


def test_an_update_records_the_version_it_saved_and_which_kinds_of_data_it_changed(scenario):
    updates = NotificationEvent.objects.filter(kind="site_updated").order_by("created_at", "pk")

    versions = [Site.history.get(history_id=event.object_id) for event in updates]
    assert [(version.id, version.version) for version in versions] == [(scenario.bordeaux.pk, n) for n in range(2, 7)]
    assert [version.population_total for version in versions] == [35, 35, 35, 36, 37]
    # (data anyone reading the site sees, justice, owners)
    assert [(e.changed_open_data, e.changed_justice, e.changed_owners) for e in updates] == [
        (True, False, False),  # population
        (False, True, False),  # owner's complaint
        (False, False, True),  # owners
        (True, True, False),  # population and bailiff
        (True, False, True),  # population and owners
    ]


def test_an_update_without_change_changed_nothing_to_show(places, people, sites):
    site_update(
        user=people.correspondent, site_id=sites.bordeaux.pk, expected_version=1, values={}, without_change=True
    )

    event = NotificationEvent.objects.get(kind="site_updated")
    assert (event.changed_open_data, event.changed_justice, event.changed_owners) == (False, False, False)
    assert feed_page(people.national_admin).activities == []


def test_a_newcomer_of_an_organisation_wider_than_a_departement_has_no_place(places, people):
    region = OrganizationFactory(area_type=AreaType.REGION, region=places.gironde.region, departement=None)
    at_commune = OrganizationFactory(area_type=AreaType.COMMUNE, commune=places.libourne, departement=None)
    for organization in (region, at_commune):
        activate(UserFactory(new=True, organization=organization), admin=people.national_admin)

    places_of_newcomers = NotificationEvent.objects.filter(kind="user_activated").order_by("pk")
    assert [(event.commune_id, event.departement_id) for event in places_of_newcomers] == [
        (None, None),
        ("33243", "33"),
    ]


@pytest.mark.parametrize("kind", ["site_updated", "user_activated"])
def test_the_kinds_of_the_feed_alone_are_fanned_out_to_nobody(
    kind, places, people, sites, django_capture_on_commit_callbacks
):
    """Everyone of Gironde watches its sites, and a newcomer's organisation is in Gironde: still nobody is told."""
    with django_capture_on_commit_callbacks(execute=True):  # the fan-out task runs at commit, as in production
        update(people.correspondent, sites.bordeaux, population_total=50)
        activate(UserFactory(new=True), admin=people.local_admin)
    event = NotificationEvent.objects.get(kind=kind)
    emails = OutgoingEmail.objects.count()

    assert event.fanned_out_at is not None
    assert event_fan_out(event_id=event.pk) == 0  # once more: nothing either
    assert not Delivery.objects.filter(event=event).exists()
    assert not Notification.objects.filter(event=event).exists()
    assert OutgoingEmail.objects.count() == emails
    # The activation's own emails only: the link, the welcome, the note to the admin who sent the link.
    assert set(OutgoingEmail.objects.values_list("template", flat=True)) == {
        "access_granted",
        "account_activated_welcome",
        "admin_account_activated",
    }


def _places_of_events() -> dict[int, tuple]:
    return {event.pk: (event.commune_id, event.departement_id) for event in NotificationEvent.objects.all()}


def test_events_recorded_before_their_place_was_kept_get_it_from_their_object(scenario, people, sites):
    recorded = _places_of_events()  # as the services record them
    actor = SiteActor.objects.create(site=sites.toulouse, user=people.toulouse_operator, themes=["sante"])
    added = NotificationEvent.objects.create(kind="site_actor_added", object_id=actor.pk)
    territorial = NotificationEvent.objects.create(kind="territorial_message_posted", object_id=1)
    expected = {**recorded, added.pk: ("31555", "31"), territorial.pk: (None, None)}
    NotificationEvent.objects.update(commune=None, departement=None)

    importlib.import_module("resorption.notifications.migrations.0003_fill_event_place").fill_places(apps, None)

    # Updates and newcomers are recorded with their place since that migration: none existed before it.
    older = NotificationEvent.objects.exclude(kind__in=["site_updated", "user_activated"]).values_list("pk", flat=True)
    filled = _places_of_events()
    assert {pk: filled[pk] for pk in older} == {pk: expected[pk] for pk in older}


def test_events_recorded_before_their_site_was_kept_get_it_and_their_sites_place_of_today(scenario, people, sites):
    actor = SiteActor.objects.create(site=sites.toulouse, user=people.toulouse_operator, themes=["sante"])
    added = NotificationEvent.objects.create(kind="site_actor_added", object_id=actor.pk)
    recorded = {
        event.pk: (event.site_id, event.is_public, event.commune_id, event.departement_id)
        for event in NotificationEvent.objects.all()
    }
    expected = {**recorded, added.pk: (sites.toulouse.pk, True, "31555", "31")}
    # As 0005 found them: no site, every message public, and a place that is no longer the site's.
    NotificationEvent.objects.update(site=None, is_public=True)
    NotificationEvent.objects.filter(site__isnull=True, kind="journal_message_posted").update(
        commune_id="31555", departement_id="31"
    )

    migration = importlib.import_module("resorption.notifications.migrations.0005_fill_event_site_and_audience")
    migration.fill(apps, None)

    assert {
        event.pk: (event.site_id, event.is_public, event.commune_id, event.departement_id)
        for event in NotificationEvent.objects.all()
    } == expected


def test_the_demo_yields_items_of_every_kind_it_writes():
    call_command("load_demo_data", verbosity=0)
    correspondent = User.objects.get(email="correspondant-33@demo.test")

    kinds = {activity.kind for activity in feed_page(correspondent, size=200).activities}

    assert {SITE_DECLARED, SITE_MESSAGE, ACTION_MESSAGE, NEW_USER} <= kinds
