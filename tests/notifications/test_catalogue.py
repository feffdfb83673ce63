"""Who is told of what (reference §D.4, §F.3, §C.10): each notification class of the catalogue, through the real
flow — the domain service sends its signal, the event is fanned out after commit, emails leave through the outbox."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from resorption.accounts.enums import EmailSubscription, Role, UserStatus
from resorption.journal.enums import Audience, EntryKind
from resorption.journal.services import journal_entry_delete, journal_entry_post
from resorption.journal.territorial import territorial_message_post
from resorption.notifications import registry
from resorption.notifications.catalogue import (
    JournalMessagePosted,
    SiteActorAdded,
    SiteClosed,
    SiteDeclared,
    TerritorialMessagePosted,
)
from resorption.notifications.models import Delivery, DeliveryStatus, NotificationEvent
from resorption.notifications.services import event_fan_out
from resorption.settlements import actors
from resorption.settlements.enums import ClosingCause, FieldType
from resorption.settlements.models import SiteActor
from resorption.settlements.services import site_close, site_declare
from tests.accounts.factories import UserFactory
from tests.journal.factories import TagFactory
from tests.notifications.world import build_world, emailed, notified_in_app, told

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    """Runs the block, then what waits for its commit: the fan-out task (immediate in tests) and the emails."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def post(world, after_commit, user=None, **values):
    with after_commit():
        return journal_entry_post(
            user=user or world.author,
            site_id=world.site.pk,
            **{"body": "Passage de l'équipe de médiation ce matin.", **values},
        )


def test_every_class_is_registered_under_its_name():
    assert registry.get("journal_message_posted") is JournalMessagePosted
    assert [kind.name for kind in registry.kinds()] == [
        "journal_message_posted",
        "action_message_posted",
        "territorial_message_posted",
        "site_declared",
        "site_closed",
        "site_updated",
        "site_actor_added",
        "user_activated",
    ]
    with pytest.raises(KeyError):
        registry.get("unknown")


# Journal message -----------------------------------------------------------------------------------------------------


def test_a_public_message_reaches_the_sites_watchers_who_read_it_but_not_its_author(world, after_commit):
    # A member of a région-level organisation watches the site once he is its actor; a national actor of another
    # département does not read the journals of Gironde: being an actor does not make him a reader.
    SiteActor.objects.create(site=world.site, user=world.region_member, themes=["sante"])
    SiteActor.objects.create(site=world.site, user=world.far_actor, themes=["sante"])

    entry = post(world, after_commit)

    watchers = {
        world.departement_member,
        world.commune_member,
        world.libourne_member,  # a commune of the département, outside the EPCI
        world.epci_member,
        world.region_admin,
        world.correspondent,
        world.region_member,
    }
    assert told(JournalMessagePosted.name, entry.pk) == watchers
    assert notified_in_app(JournalMessagePosted.name, entry.pk) == watchers
    assert emailed() == {user.email for user in watchers}
    # Not told: the author, people outside the territory, inactive accounts and members of inactive organisations.
    assert world.author.email not in emailed()


def test_a_reader_of_the_journal_who_does_not_watch_the_site_is_not_told(world, after_commit):
    entry = post(world, after_commit)

    # He reads every site of his région, but his organisation is located at the région level and he is no actor.
    assert world.region_member not in told(JournalMessagePosted.name, entry.pk)
    assert world.region_member.email not in emailed()


def test_a_targeted_message_reaches_only_its_audience(world, after_commit):
    SiteActor.objects.create(site=world.site, user=world.region_member, themes=["sante"])

    entry = post(
        world,
        after_commit,
        body="Point sur la procédure, réservé à quelques personnes.",
        audience=Audience.CUSTOM,
        target_user_ids=[world.departement_member.pk],
    )

    # The target, and the watchers who may read every targeted message here (correspondent, local admin); not the
    # other watchers, the site's actor among them.
    audience = {world.departement_member, world.correspondent, world.region_admin}
    assert told(JournalMessagePosted.name, entry.pk) == audience
    assert notified_in_app(JournalMessagePosted.name, entry.pk) == audience
    assert emailed() == {user.email for user in audience}
    for message in mail.outbox:
        assert "Ce message est ciblé" in message.body
        assert "Point sur la procédure" in message.body


def test_the_email_shows_the_author_the_tags_the_message_and_links_to_it(world, after_commit, settings):
    canicule = TagFactory(uid="canicule", label="Canicule")
    entry = post(world, after_commit, body="Distribution d'eau renforcée.", tags=["canicule"])

    [message] = [message for message in mail.outbox if message.to == [world.departement_member.email]]
    assert message.subject == f"Nouveau message dans le journal du site {world.site.address_simple} à Bordeaux"
    assert "Bonjour Denise," in message.body
    assert f"Alix Auteur ({world.author.organization.name}) a publié un message" in message.body
    assert f"Étiquette : {canicule.label}" in message.body
    assert "Distribution d'eau renforcée." in message.body
    link = f"{settings.BASE_URL}/sites/{world.site.pk}/journal/#message-{entry.pk}"
    assert link in message.body
    assert f'href="{link}"' in message.alternatives[0][0]
    assert f"{settings.BASE_URL}/mon-compte/notifications/" in message.body


def test_the_email_offers_to_contact_the_author_through_the_directory(world, after_commit, settings, client):
    """« Contacter X » (§F.1): the author's card in the directory, which the recipient may open."""
    post(world, after_commit)

    [message] = [message for message in mail.outbox if message.to == [world.departement_member.email]]
    card = f"/annuaire/personne/{world.author.pk}/"
    assert f"Contacter Alix Auteur (ses coordonnées dans l'annuaire) :\n{settings.BASE_URL}{card}" in message.body
    assert f'href="{settings.BASE_URL}{card}">Contacter Alix Auteur</a>' in message.alternatives[0][0]
    client.force_login(world.departement_member)
    assert world.author.email in client.get(card).content.decode()


def test_an_author_who_left_is_not_offered_as_a_contact(world, after_commit):
    """Deactivated between his message and its fan-out: out of the directory, so no link to it."""
    with after_commit():
        journal_entry_post(user=world.author, site_id=world.site.pk, body="Dernier message.")
        type(world.author).objects.filter(pk=world.author.pk).update(status=UserStatus.INACTIVE)
    assert mail.outbox and all("Contacter" not in message.body for message in mail.outbox)


def test_a_health_follow_up_links_to_its_tab(world, after_commit):
    entry = post(
        world,
        after_commit,
        kind=EntryKind.HEALTH,
        health_date=timezone.localdate(),
        health_interventions=["equipe_maraude"],
    )

    [notification] = world.departement_member.notifications.all()
    assert notification.url == f"/sites/{world.site.pk}/journal/?onglet=sanitaire#message-{entry.pk}"
    assert notification.text.startswith(f"Alix Auteur ({world.author.organization.name}) a publié un suivi sanitaire")
    [message] = [message for message in mail.outbox if message.to == [world.departement_member.email]]
    assert message.subject.startswith("Nouveau suivi sanitaire dans le journal du site")


def test_opting_out_of_journal_emails_keeps_the_in_app_notification_only(world, after_commit):
    world.departement_member.email_unsubscriptions = [EmailSubscription.COMMENT_NOTIFICATION]
    world.departement_member.save()
    # Another category turned off changes nothing for journal messages.
    world.epci_member.email_unsubscriptions = [EmailSubscription.SHANTYTOWN_CREATION]
    world.epci_member.save()

    entry = post(world, after_commit)

    assert world.departement_member.email not in emailed()
    assert world.epci_member.email in emailed()
    delivery = Delivery.objects.get(event__object_id=entry.pk, user=world.departement_member)
    assert (delivery.email, delivery.status) == (None, DeliveryStatus.OPTED_OUT)
    assert world.departement_member.notifications.count() == 1


def test_a_message_deleted_before_its_fan_out_is_told_to_nobody(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        entry = journal_entry_post(user=world.author, site_id=world.site.pk, body="Message publié par erreur.")
    journal_entry_delete(user=world.author, entry_id=entry.pk)
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()

    event = NotificationEvent.objects.get(kind=JournalMessagePosted.name, object_id=entry.pk)
    assert event.fanned_out_at is not None
    assert not event.deliveries.exists() and mail.outbox == []


# Sites declared and closed -------------------------------------------------------------------------------------------


def declare(world, user, after_commit):
    with after_commit():
        return site_declare(
            user=user,
            values={
                "address": "3 chemin du Lac 33000 Bordeaux",
                "commune": world.bordeaux,
                "latitude": 44.84,
                "longitude": -0.58,
                "built_at": datetime.date(2025, 1, 2),
                "declared_at": datetime.date(2025, 1, 15),
                "field_type": FieldType.LAND,
                "population_total": 20,
            },
        )


def test_a_territorial_message_reaches_the_organisations_of_its_departements_but_not_its_author(world, after_commit):
    with after_commit():
        message = territorial_message_post(
            user=world.author, departement_codes=["33"], body="Campagne de vaccination la semaine prochaine."
        )

    in_gironde = {
        world.departement_member,
        world.commune_member,
        world.libourne_member,
        world.epci_member,
        world.correspondent,
    }
    # Not told: its author, région-level organisations, people outside Gironde, inactive accounts.
    assert told(TerritorialMessagePosted.name, message.pk) == in_gironde
    assert emailed() == {user.email for user in in_gironde}
    email = next(email for email in mail.outbox if email.to == [world.epci_member.email])
    assert email.subject == "Message territorial aux sites de : Gironde (33)"
    assert "Campagne de vaccination" in email.body and "Alix Auteur" in email.body
    [notification] = world.epci_member.notifications.all()
    assert notification.url == message.get_absolute_url()


def test_a_declared_site_is_told_to_the_territorys_organisations_but_not_to_who_declared_it(world, after_commit):
    site = declare(world, world.correspondent, after_commit)

    territory = {
        world.author,
        world.departement_member,
        world.commune_member,
        world.libourne_member,
        world.epci_member,
    }
    # Not told: who declared it, région-level organisations (its admin included), people outside the territory.
    assert told(SiteDeclared.name, site.pk) == territory
    assert emailed() == {user.email for user in territory}
    message = next(message for message in mail.outbox if message.to == [world.epci_member.email])
    assert message.subject == "Nouveau site déclaré à Bordeaux (33)"
    assert "Corinne Correspondante" in message.body and "3 chemin du Lac" in message.body
    assert f"/sites/{site.pk}/" in message.body
    [notification] = world.epci_member.notifications.all()
    assert notification.text.startswith("Nouveau site déclaré à Bordeaux (33) : 3 chemin du Lac")
    assert notification.url == f"/sites/{site.pk}/"


def test_a_declaration_reaches_only_who_may_read_the_site(world, after_commit):
    """A member of a Gironde organisation whose own areas lie elsewhere does not read the site: he is not told."""
    elsewhere = UserFactory(
        role=Role.ASSOCIATION,
        organization=world.departement_member.organization,
        use_custom_intervention_area=True,
    )
    site = declare(world, world.correspondent, after_commit)

    assert elsewhere not in told(SiteDeclared.name, site.pk)
    assert world.departement_member in told(SiteDeclared.name, site.pk)


def test_opting_out_of_declarations_stops_their_emails(world, after_commit):
    world.commune_member.email_unsubscriptions = [EmailSubscription.SHANTYTOWN_CREATION]
    world.commune_member.save()

    declare(world, world.correspondent, after_commit)

    assert world.commune_member.email not in emailed()
    assert world.departement_member.email in emailed()


def test_a_closed_site_is_told_to_the_territory_but_not_to_who_closed_it(world, after_commit):
    world.epci_member.email_unsubscriptions = [EmailSubscription.SHANTYTOWN_CLOSURE]
    world.epci_member.save()
    site = world.site

    with after_commit():
        site_close(
            user=world.correspondent,
            site_id=site.pk,
            expected_version=site.version,
            closed_at=datetime.date(2025, 6, 30),
            closing_cause=ClosingCause.RESORBED,
            closed_with_solutions=True,
            orientations=[],
        )

    territory = {
        world.author,
        world.departement_member,
        world.commune_member,
        world.libourne_member,
        world.epci_member,
    }
    assert told(SiteClosed.name, site.pk) == territory
    assert emailed() == {user.email for user in territory - {world.epci_member}}  # opted out of closures
    message = next(message for message in mail.outbox if message.to == [world.author.email])
    assert message.subject == "Site résorbé à Bordeaux (33)"
    assert "Corinne Correspondante" in message.body and "30 juin 2025" in message.body
    [notification] = world.epci_member.notifications.all()
    assert "a été déclaré résorbé par Corinne Correspondante" in notification.text


# Site actors ---------------------------------------------------------------------------------------------------------


def test_a_person_added_as_actor_is_told_and_may_answer_who_added_her(world, after_commit):
    with after_commit():
        actor = actors.site_actor_add(
            user=world.author, site_id=world.site.pk, actor_id=world.epci_member.pk, themes=["sante"]
        )

    assert told(SiteActorAdded.name, actor.pk) == {world.epci_member}
    [message] = mail.outbox
    assert message.to == [world.epci_member.email] and message.reply_to == [world.author.email]
    [notification] = world.epci_member.notifications.all()
    assert notification.url == f"/sites/{world.site.pk}/#intervenants"
    assert notification.text.startswith(
        f"Alix Auteur ({world.author.organization.name}) vous a ajouté aux intervenants"
    )


def test_declaring_oneself_actor_tells_nobody(world, after_commit):
    with after_commit():
        actors.site_actor_declare(user=world.epci_member, site_id=world.site.pk, themes=["sante"])

    assert not NotificationEvent.objects.exists()
    assert mail.outbox == []


def test_an_event_whose_object_is_gone_is_closed_without_telling_anyone(world):
    event = NotificationEvent.objects.create(kind=SiteActorAdded.name, object_id=999_999, actor=world.author)

    assert event_fan_out(event_id=event.pk) == 0

    event.refresh_from_db()
    assert event.fanned_out_at is not None and not event.deliveries.exists()
