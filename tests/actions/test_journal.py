"""The journal of an action (§E.3): who reads it and who writes in it, its audiences, attachments, edition,
moderation and notifications.

The people and actions are those of tests/actions/conftest.py (`world`): `own` (Gironde, piloted by the partner's
organisation, operated by the operator's), `same` (Gironde, other organisations), `far` (Haute-Garonne, other
organisations), `far_own` (Haute-Garonne, piloted and operated like `own`). The expected answers are written by hand
from the matrix: « lire les commentaires d'une action » is national for admins, local for every other role, plus the
actions of one's organisation; « commenter une action » is national for the national admin, local for local admins,
and only on the actions of one's organisation for the other roles but observers.
"""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from resorption.accounts.enums import EmailSubscription
from resorption.actions import urls
from resorption.actions.journal import action_entry_post
from resorption.actions.models import ActionEntry, ActionEntryAttachment
from resorption.journal.enums import Audience
from resorption.notifications.catalogue import ActionMessagePosted
from resorption.notifications.models import Delivery, DeliveryStatus
from tests.accounts.helpers import text
from tests.journal.conftest import organization_of_type
from tests.journal.files import EXE, PNG
from tests.notifications.world import emailed, notified_in_app, told

pytestmark = pytest.mark.django_db

ACTIONS = ("own", "same", "far", "far_own")
# person → what the journal page answers for own / same / far / far_own: "post" (200 with the form), "read" (200
# without it), 403 (reads the action, not its journal) or 404 (does not read the action).
JOURNAL = {
    "national_admin": ("post", "post", "post", "post"),
    "local_admin": ("post", "post", "read", "read"),
    "correspondent": ("read", "read", 403, 403),
    "partner": ("post", "read", 404, "post"),
    "operator": ("post", "read", 404, "post"),
    "unrelated": (404, 404, 404, 404),
    "national_actor": ("read", "read", 403, 403),
    "observer": ("read", "read", 404, 404),
    "finance_reader": ("read", "read", 404, 404),
}
FORM_TITLE = "Nouveau message"


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    """Runs the block, then what waits for its commit: the fan-out task (immediate in tests) and the emails."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def journal_url(action) -> str:
    return reverse("actions:journal", kwargs={"pk": action.pk})


def post(world, after_commit, *, user=None, action=None, **values) -> ActionEntry:
    with after_commit():
        return action_entry_post(
            user=user or world.partner,
            action_id=(action or world.own).pk,
            **{"body": "Réunion de suivi avec les familles jeudi.", **values},
        )


@pytest.mark.parametrize("person", list(JOURNAL))
def test_who_reads_and_who_writes_in_the_journal(client, world, person):
    client.force_login(getattr(world, person))
    answers = []
    for name in ACTIONS:
        response = client.get(journal_url(getattr(world, name)))
        if response.status_code != 200:
            answers.append(response.status_code)
        else:
            answers.append("post" if FORM_TITLE in text(response) else "read")
    assert tuple(answers) == JOURNAL[person]


@pytest.mark.parametrize("person", ["correspondent", "observer", "finance_reader"])
def test_a_reader_who_may_not_comment_cannot_post_by_hand(client, world, person):
    client.force_login(getattr(world, person))
    response = client.post(journal_url(world.own), {"body": "Message", "audience": Audience.PUBLIC})
    assert response.status_code == 403
    assert not ActionEntry.objects.exists()


def test_the_action_page_links_to_its_journal_for_its_readers_only(client, world):
    client.force_login(world.correspondent)
    assert journal_url(world.own) in text(client.get(reverse("actions:detail", kwargs={"pk": world.own.pk})))
    assert journal_url(world.far) not in text(client.get(reverse("actions:detail", kwargs={"pk": world.far.pk})))


def test_a_pilot_posts_a_message_that_the_actions_readers_read(client, world, after_commit):
    client.force_login(world.partner)
    with after_commit():
        response = client.post(
            journal_url(world.own), {"body": "Réunion de suivi jeudi à 10 h.", "audience": Audience.PUBLIC}
        )
    entry = ActionEntry.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{journal_url(world.own)}#message-{entry.pk}"
    assert (entry.action, entry.author, entry.is_public) == (world.own, world.partner, True)
    client.force_login(world.observer)
    assert "Réunion de suivi jeudi à 10 h." in text(client.get(journal_url(world.own)))
    # Another action's journal does not show it.
    assert "Réunion de suivi jeudi" not in text(client.get(journal_url(world.same)))


def test_a_public_message_reaches_pilots_operators_and_the_regions_correspondents(world, after_commit):
    entry = post(world, after_commit)

    # Not the author (the partner, a pilot), not the admins, not the members of other organisations of the Gironde.
    expected = {world.operator, world.correspondent}
    assert told(ActionMessagePosted.name, entry.pk) == expected
    assert notified_in_app(ActionMessagePosted.name, entry.pk) == expected
    assert emailed() == {user.email for user in expected}
    message = next(message for message in mail.outbox if world.operator.email in message.to)
    assert message.subject == f"Nouveau message sur l'action « {world.own.name} »"
    assert "Réunion de suivi avec les familles jeudi." in message.body
    assert f"{journal_url(world.own)}#message-{entry.pk}" in message.body


def test_the_correspondents_of_another_region_are_not_told(world, after_commit):
    entry = post(world, after_commit, user=world.national_admin, action=world.far_own)

    # In the Haute-Garonne: its pilots and operators (members of the partner's and operator's organisations); the
    # correspondent of the Gironde is of another région.
    assert told(ActionMessagePosted.name, entry.pk) == {world.partner, world.operator}


def test_a_targeted_message_is_read_and_told_only_to_its_audience(client, world, after_commit):
    entry = post(
        world,
        after_commit,
        body="Point budgétaire réservé à l'opérateur.",
        audience=Audience.CUSTOM,
        target_organization_ids=[world.operator.organization_id],
    )

    assert told(ActionMessagePosted.name, entry.pk) == {world.operator}
    for person, reads in [
        ("operator", True),
        ("partner", True),  # its author
        ("correspondent", False),
        ("national_admin", False),
        ("observer", False),
    ]:
        client.force_login(getattr(world, person))
        assert ("Point budgétaire" in text(client.get(journal_url(world.own)))) is reads, person


def test_opting_out_of_action_emails_keeps_the_in_app_notification_only(world, after_commit):
    world.operator.email_unsubscriptions = [EmailSubscription.ACTION_COMMENT_NOTIFICATION]
    world.operator.save()
    # Turning off the site journals' emails changes nothing for the actions'.
    world.correspondent.email_unsubscriptions = [EmailSubscription.COMMENT_NOTIFICATION]
    world.correspondent.save()

    entry = post(world, after_commit)

    assert emailed() == {world.correspondent.email}
    delivery = Delivery.objects.get(
        event__object_id=entry.pk, event__kind=ActionMessagePosted.name, user=world.operator
    )
    assert (delivery.email, delivery.status) == (None, DeliveryStatus.OPTED_OUT)
    assert world.operator in notified_in_app(ActionMessagePosted.name, entry.pk)


def test_the_prefecture_and_ddets_audience_targets_those_of_the_actions_departement(client, world, after_commit):
    prefecture = organization_of_type("prefecture_departement", "Préfecture de la Gironde", departement=world.gironde)
    ddets = organization_of_type("ddets", "DDETS de la Gironde", departement=world.gironde)
    entry = post(world, after_commit, audience=Audience.PREFECTURE_DDETS)
    assert set(entry.target_organizations.all()) == {prefecture, ddets}
    assert not entry.is_public


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"body": "   "}, "body", "Le message ne peut pas être vide."),
        ({"audience": Audience.CUSTOM}, "destinataires", "Choisissez au moins une structure ou une personne"),
        ({"audience": Audience.PREFECTURE_DDETS}, "audience", "Ni la préfecture ni la DDETS de ce département"),
        ({"audience": "tout le monde"}, "audience", "Sélectionnez un choix valide"),
        ({"audience": Audience.CUSTOM, "target_users": ["abc"]}, "destinataires", "Sélectionnez un choix valide"),
    ],
)
def test_bad_input_gets_a_french_message_and_posts_nothing(client, world, values, field, message):
    client.force_login(world.partner)
    response = client.post(journal_url(world.own), {"body": "Un message", "audience": Audience.PUBLIC, **values})
    assert response.status_code == 200
    assert message in text(response)
    assert not ActionEntry.objects.exists()


def test_a_refused_file_is_named_and_nothing_is_posted(client, world):
    client.force_login(world.partner)
    upload = SimpleUploadedFile("outil.exe", EXE, content_type="application/pdf")
    response = client.post(journal_url(world.own), {"body": "Voir le fichier", "audience": "public", "files": upload})
    assert response.status_code == 200
    assert "outil.exe" in text(response)
    assert not ActionEntry.objects.exists()
    assert not ActionEntryAttachment.objects.exists()


def test_an_attachment_is_served_to_who_reads_its_message_only(client, world, after_commit):
    image = SimpleUploadedFile("plan.png", PNG, content_type="image/png")
    entry = post(
        world,
        after_commit,
        audience=Audience.CUSTOM,
        target_user_ids=[world.operator.pk],
        files=[image],
    )
    attachment = entry.attachments.get()
    assert attachment.file.name.startswith("actions/")
    url = reverse("actions:attachment", kwargs={"pk": world.own.pk, "attachment_uuid": attachment.uuid})
    client.force_login(world.operator)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Cache-Control"] == "private, no-store"
    # A reader of the action who is not among the message's audience, and the same file through another action.
    client.force_login(world.correspondent)
    assert client.get(url).status_code == 404
    client.force_login(world.operator)
    other = reverse("actions:attachment", kwargs={"pk": world.far_own.pk, "attachment_uuid": attachment.uuid})
    assert client.get(other).status_code == 404


def test_only_the_author_edits_his_message(client, world, after_commit):
    entry = post(world, after_commit)
    url = reverse("actions:journal_edit", kwargs={"pk": world.own.pk, "entry_id": entry.pk})
    client.force_login(world.operator)
    assert client.get(url).status_code == 403
    assert client.post(url, {"body": "Changé par un autre"}).status_code == 403
    client.force_login(world.partner)
    assert client.post(url, {"body": "  "}).status_code == 200
    response = client.post(url, {"body": "Réunion déplacée à vendredi."})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.body, entry.edited) == ("Réunion déplacée à vendredi.", True)


def test_a_moderator_deletes_with_a_reason_emailed_to_the_author(client, world, after_commit):
    entry = post(world, after_commit)
    mail.outbox.clear()
    url = reverse("actions:journal_delete", kwargs={"pk": world.own.pk, "entry_id": entry.pk})
    # The operator reads it but is neither its author nor a moderator.
    client.force_login(world.operator)
    assert client.get(url).status_code == 403
    client.force_login(world.local_admin)
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert "Vous devez préciser le motif de suppression du message." in text(response)
    entry.refresh_from_db()
    assert entry.deleted_at is None

    with after_commit():
        response = client.post(url, {"reason": "Contient le nom d'une personne."})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.deleted_by, entry.deletion_reason) == (world.local_admin, "Contient le nom d'une personne.")
    (email,) = mail.outbox
    assert email.to == [world.partner.email]
    assert "Contient le nom d'une personne." in email.body
    assert "Réunion de suivi avec les familles jeudi." in email.body
    client.force_login(world.operator)
    assert "Réunion de suivi avec les familles" not in text(client.get(journal_url(world.own)))


def test_the_author_deletes_his_message_without_a_reason(client, world, after_commit):
    entry = post(world, after_commit)
    mail.outbox.clear()
    client.force_login(world.partner)
    url = reverse("actions:journal_delete", kwargs={"pk": world.own.pk, "entry_id": entry.pk})
    assert client.post(url, {}).status_code == 302
    entry.refresh_from_db()
    assert entry.deleted_by == world.partner
    assert mail.outbox == []


@pytest.mark.parametrize("entry_id", ["9" * 30, "0"])
def test_a_message_that_is_not_there_is_a_404(client, world, entry_id):
    client.force_login(world.national_admin)
    url = f"{journal_url(world.own)}{entry_id}/modifier/"
    assert client.get(url).status_code == 404


def test_a_message_of_another_action_is_a_404_through_this_one(client, world, after_commit):
    entry = post(world, after_commit)
    client.force_login(world.partner)
    url = reverse("actions:journal_edit", kwargs={"pk": world.far_own.pk, "entry_id": entry.pk})
    assert client.get(url).status_code == 404


def test_the_notification_centre_shows_the_message_and_leads_to_it(client, world, after_commit):
    entry = post(world, after_commit, audience=Audience.CUSTOM, target_user_ids=[world.operator.pk])
    client.force_login(world.operator)
    page = text(client.get(reverse("notifications:list")))
    assert f"a publié un message ciblé dans le journal de l'action « {world.own.name} »" in page
    notification = world.operator.notifications.get()
    opened = client.get(reverse("notifications:open", kwargs={"pk": notification.pk}))
    assert reverse("notifications:open", kwargs={"pk": notification.pk}) in page
    assert opened["Location"] == f"{journal_url(world.own)}#message-{entry.pk}"


def test_outside_the_actions_sight_every_action_url_is_a_404(client, world, after_commit):
    """Every route of the actions that names an action — its page, forms, history, journal, messages, files and
    exports, those added later included — answers 404 to GET and POST for a user who does not read it."""
    image = SimpleUploadedFile("plan.png", PNG, content_type="image/png")
    entry = post(world, after_commit, files=[image])
    values = {"pk": world.own.pk, "entry_id": entry.pk, "attachment_uuid": entry.attachments.get().uuid}
    named = [pattern for pattern in urls.urlpatterns if "pk" in pattern.pattern.converters]
    assert len(named) >= 13  # the filter finds them all (13 when this was written)
    client.force_login(world.unrelated)
    for pattern in named:
        url = reverse(f"actions:{pattern.name}", kwargs={name: values[name] for name in pattern.pattern.converters})
        # A method a route does not take is refused before any lookup (405): the other one must say 404.
        answers = {client.get(url).status_code, client.post(url, {"body": "x", "reason": "x"}).status_code}
        assert 404 in answers and answers <= {404, 405}, (url, answers)
    # Nothing was written by the attempts.
    assert ActionEntry.objects.filter(deleted_at__isnull=True).count() == 1
