"""Posting, editing and deleting journal entries: who may, which audiences, tags, health follow-ups, files."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from resorption.accounts.enums import AdminRole, Role
from resorption.emails.models import OutgoingEmail
from resorption.journal.enums import Audience, EntryKind
from resorption.journal.models import Attachment, JournalEntry
from resorption.journal.services import (
    NO_PREFECTURE_NOR_DDETS,
    NO_RIGHT_TO_POST,
    REASON_REQUIRED,
    TARGETS_REQUIRED,
    journal_entry_delete,
    journal_entry_edit,
    journal_entry_post,
)
from tests.accounts.factories import OrganizationFactory, UserFactory
from tests.journal import files
from tests.journal.factories import JournalEntryFactory, TagFactory
from tests.journal.files import upload

pytestmark = pytest.mark.django_db


def post(user, site, **values):
    return journal_entry_post(user=user, site_id=site.pk, **{"body": "Distribution d'eau ce matin.", **values})


def errors_of(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def stored_files() -> list[Path]:
    media = Path(settings.MEDIA_ROOT)
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


# Posting -------------------------------------------------------------------------------------------------------------


def test_a_user_who_may_write_posts_a_public_message(author, site):
    entry = post(author, site, body="  Passage de l'équipe ce matin.  ")

    entry.refresh_from_db()
    assert entry.site == site and entry.author == author
    assert entry.body == "Passage de l'équipe ce matin."
    assert entry.kind == EntryKind.MESSAGE
    assert entry.audience == Audience.PUBLIC and entry.is_public
    assert not entry.edited and entry.deleted_at is None


def test_an_external_observer_may_not_post(observer, site):
    with pytest.raises(PermissionDenied, match=NO_RIGHT_TO_POST):
        post(observer, site)
    assert not JournalEntry.objects.exists()


def test_a_site_out_of_sight_does_not_exist_for_the_user(outsider, site):
    with pytest.raises(Http404):
        post(outsider, site)


def test_posting_needs_a_message(author, site):
    assert errors_of(lambda: post(author, site, body="   ")) == {"body": ["Le message ne peut pas être vide."]}


def test_tags_come_from_the_active_list(author, site):
    canicule = TagFactory(uid="canicule")  # the data migration's tag
    retired = TagFactory(uid="ancienne", active=False)

    entry = post(author, site, tags=["canicule"])
    assert list(entry.tags.all()) == [canicule]
    assert canicule.label == "Canicule" and canicule.is_alert

    assert errors_of(lambda: post(author, site, tags=[retired.uid])) == {
        "tags": ["Choisissez les étiquettes parmi celles proposées."]
    }
    assert errors_of(lambda: post(author, site, tags=["inconnue"]))["tags"]


# Audiences -----------------------------------------------------------------------------------------------------------


def test_a_custom_audience_stores_its_target_organisations_and_users(author, target, prefecture, site):
    entry = post(
        author, site, audience=Audience.CUSTOM, target_user_ids=[target.pk], target_organization_ids=[prefecture.pk]
    )

    assert not entry.is_public
    assert entry.target_user_ids == {target.pk}
    assert entry.target_organization_ids == {prefecture.pk}


def test_a_custom_audience_needs_at_least_one_target(author, site):
    assert errors_of(lambda: post(author, site, audience=Audience.CUSTOM)) == {"audience": [TARGETS_REQUIRED]}


def test_custom_targets_must_be_active(author, site):
    inactive_user = UserFactory(inactive=True)
    inactive_organization = OrganizationFactory(active=False)

    errors = errors_of(
        lambda: post(
            author,
            site,
            audience=Audience.CUSTOM,
            target_user_ids=[inactive_user.pk],
            target_organization_ids=[inactive_organization.pk, 999_999],
        )
    )

    assert errors == {
        "target_users": ["Une des personnes choisies n'existe pas ou n'a plus de compte actif."],
        "target_organizations": ["Une des structures choisies n'existe pas ou n'est plus active."],
    }
    assert not JournalEntry.objects.exists()


def test_prefecture_and_ddets_are_resolved_from_the_sites_departement(author, prefecture, ddets, site):
    from tests.journal.conftest import organization_of_type
    from tests.territories.factories import DepartementFactory

    dordogne = DepartementFactory(code="24", name="Dordogne")
    organization_of_type("prefecture_departement", "Préfecture de la Dordogne", departement=dordogne)
    OrganizationFactory(name="Association de Gironde")

    entry = post(author, site, audience=Audience.PREFECTURE_DDETS, target_user_ids=[author.pk])

    assert entry.target_organization_ids == {prefecture.pk, ddets.pk}
    assert entry.target_user_ids == frozenset()  # targets only count for a custom list
    assert not entry.is_public


def test_prefecture_and_ddets_must_be_on_the_platform(author, site):
    assert errors_of(lambda: post(author, site, audience=Audience.PREFECTURE_DDETS)) == {
        "audience": [NO_PREFECTURE_NOR_DDETS]
    }


# Health follow-up ----------------------------------------------------------------------------------------------------


def test_a_health_follow_up_has_its_date_and_interventions(author, site):
    day = timezone.localdate() - datetime.timedelta(days=2)

    entry = post(
        author,
        site,
        kind=EntryKind.HEALTH,
        health_date=day,
        health_interventions=["sensibilisation_vaccination", "equipe_maraude"],
    )

    assert entry.kind == EntryKind.HEALTH and entry.health_date == day
    assert entry.health_interventions == ["equipe_maraude", "sensibilisation_vaccination"]
    assert entry.health_intervention_labels == ["Équipe de maraude", "Sensibilisation à la vaccination"]


def test_a_health_follow_up_needs_a_past_date_after_the_site_was_built_and_an_intervention(author, site):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    errors = errors_of(lambda: post(author, site, kind=EntryKind.HEALTH, health_date=tomorrow))
    assert errors == {
        "health_date": ["La date de l'intervention ne peut pas être dans le futur."],
        "health_interventions": ["Cochez au moins une intervention."],
    }
    before_built = site.built_at - datetime.timedelta(days=1)
    errors = errors_of(
        lambda: post(author, site, kind=EntryKind.HEALTH, health_date=before_built, health_interventions=["x"])
    )
    assert errors == {
        "health_date": ["La date de l'intervention ne peut pas précéder la date d'installation du site."],
        "health_interventions": ["Choisissez les interventions parmi celles proposées."],
    }
    assert errors_of(lambda: post(author, site, kind=EntryKind.HEALTH, health_interventions=["equipe_maraude"])) == {
        "health_date": ["La date de l'intervention est obligatoire."]
    }


def test_a_message_carries_no_health_data(author, site):
    entry = post(author, site, health_date=timezone.localdate(), health_interventions=["equipe_maraude"])

    assert entry.health_date is None and entry.health_interventions == []


# Files ---------------------------------------------------------------------------------------------------------------


def test_valid_files_are_stored_under_random_names_with_their_checked_type(author, site):
    entry = post(
        author,
        site,
        files=[
            upload("compte rendu.pdf", files.PDF),
            upload("photo.png", files.PNG),
            upload("bilan.docx", files.DOCX, "application/pdf"),
        ],
    )

    attachments = list(entry.attachments.order_by("pk"))
    assert [(a.original_name, a.content_type, a.size) for a in attachments] == [
        ("compte rendu.pdf", "application/pdf", len(files.PDF)),
        ("photo.png", "image/png", len(files.PNG)),
        ("bilan.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", len(files.DOCX)),
    ]
    for attachment in attachments:
        assert attachment.file.name.startswith("journal/")
        assert "compte" not in attachment.file.name and "photo" not in attachment.file.name
        assert len(Path(attachment.file.name).stem) == 32  # a random UUID
    with attachments[0].file.open("rb") as stored:
        assert stored.read() == files.PDF
    assert len(stored_files()) == 3


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "rapport.pdf",
            files.EXE,
            "Le fichier « rapport.pdf » a été refusé : son contenu n'est pas celui d'un fichier .pdf.",
        ),
        (
            "lourd.pdf",
            files.PDF + b"0" * (10 * 1024 * 1024 + 1 - len(files.PDF)),
            "Le fichier « lourd.pdf » dépasse la taille maximale de 10 Mo par fichier.",
        ),
        ("script.exe", files.EXE, "Le format du fichier « script.exe » n'est pas accepté."),
    ],
)
def test_a_refused_file_stores_nothing(author, site, name, content, message):
    errors = errors_of(lambda: post(author, site, files=[upload("ok.pdf", files.PDF), upload(name, content)]))

    assert list(errors) == ["files"]
    assert errors["files"][0].startswith(message)
    assert not JournalEntry.objects.exists()
    assert not Attachment.objects.exists()
    assert stored_files() == []


def test_at_most_five_files(author, site):
    errors = errors_of(lambda: post(author, site, files=[upload(f"{n}.pdf", files.PDF) for n in range(6)]))

    assert errors == {"files": ["Vous pouvez joindre au plus 5 fichiers à un message."]}


def test_stored_files_are_removed_when_the_entry_cannot_be_saved(author, site, monkeypatch):
    def fail(self, *args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(Attachment, "save", fail)

    with pytest.raises(RuntimeError):
        post(author, site, files=[upload("photo.png", files.PNG), upload("note.pdf", files.PDF)])

    assert not JournalEntry.objects.exists()
    assert stored_files() == []


# Editing -------------------------------------------------------------------------------------------------------------


def test_the_author_edits_the_text_and_tags(author, site):
    entry = JournalEntryFactory(site=site, author=author, tags=[TagFactory(uid="sante")])
    TagFactory(uid="scolarisation")

    journal_entry_edit(user=author, entry_id=entry.pk, body="Texte corrigé.", tags=["scolarisation"])

    entry.refresh_from_db()
    assert entry.body == "Texte corrigé." and entry.edited
    assert [tag.uid for tag in entry.tags.all()] == ["scolarisation"]


def test_nobody_but_the_author_edits_not_even_a_moderator(author, correspondent, local_admin, site):
    entry = JournalEntryFactory(site=site, author=author)

    for someone in (correspondent, local_admin):
        with pytest.raises(PermissionDenied, match="Seul l'auteur d'un message peut le modifier."):
            journal_entry_edit(user=someone, entry_id=entry.pk, body="Autre texte.")
    entry.refresh_from_db()
    assert not entry.edited


def test_an_edit_keeps_a_text(author, site):
    entry = JournalEntryFactory(site=site, author=author)

    assert errors_of(lambda: journal_entry_edit(user=author, entry_id=entry.pk, body=" ")) == {
        "body": ["Le message ne peut pas être vide."]
    }


def test_a_targeted_message_cannot_be_reached_by_someone_outside_its_audience(author, bystander, site):
    entry = JournalEntryFactory(site=site, author=author, targeted=True, target_users=[author])

    with pytest.raises(Http404):
        journal_entry_edit(user=bystander, entry_id=entry.pk, body="Autre.")
    with pytest.raises(Http404):
        journal_entry_delete(user=bystander, entry_id=entry.pk)


# Deleting ------------------------------------------------------------------------------------------------------------


def test_the_author_deletes_his_message_without_reason_and_nobody_is_emailed(
    author, site, django_capture_on_commit_callbacks
):
    entry = JournalEntryFactory(site=site, author=author)

    with django_capture_on_commit_callbacks(execute=True):
        journal_entry_delete(user=author, entry_id=entry.pk)

    entry.refresh_from_db()
    assert entry.deleted_at is not None and entry.deleted_by == author and entry.deletion_reason == ""
    assert not OutgoingEmail.objects.exists() and mail.outbox == []


def test_someone_else_who_is_no_moderator_may_not_delete(author, bystander, correspondent, site):
    entry = JournalEntryFactory(site=site, author=author)

    for someone in (bystander, correspondent):
        with pytest.raises(PermissionDenied, match="Vous n'avez pas le droit de supprimer ce message."):
            journal_entry_delete(user=someone, entry_id=entry.pk, reason="Hors sujet")
    entry.refresh_from_db()
    assert entry.deleted_at is None


def test_a_moderator_must_give_a_reason(author, local_admin, site):
    entry = JournalEntryFactory(site=site, author=author)

    assert errors_of(lambda: journal_entry_delete(user=local_admin, entry_id=entry.pk, reason="  ")) == {
        "reason": [REASON_REQUIRED]
    }
    entry.refresh_from_db()
    assert entry.deleted_at is None


def test_a_moderator_deletion_emails_the_author_the_reason_and_the_message(
    author, local_admin, site, django_capture_on_commit_callbacks
):
    entry = JournalEntryFactory(site=site, author=author, body="Monsieur X., 45 ans, est malade.")

    with django_capture_on_commit_callbacks(execute=True):
        journal_entry_delete(user=local_admin, entry_id=entry.pk, reason="Données personnelles sur un habitant.")

    entry.refresh_from_db()
    assert entry.deleted_by == local_admin and entry.deletion_reason == "Données personnelles sur un habitant."
    [email] = OutgoingEmail.objects.all()
    assert email.to == [author.email] and email.template == "journal_entry_deleted"
    [sent] = mail.outbox
    assert sent.to == [author.email]
    assert sent.subject == "Un de vos messages du journal a été supprimé"
    assert "Données personnelles sur un habitant." in sent.body
    assert "Monsieur X., 45 ans, est malade." in sent.body
    assert f"/sites/{site.pk}/journal/" in sent.body
    html = sent.alternatives[0][0]
    assert "Données personnelles sur un habitant." in html and "Monsieur X., 45 ans, est malade." in html


def test_an_inactive_author_is_not_emailed(local_admin, site, django_capture_on_commit_callbacks):
    entry = JournalEntryFactory(site=site, author=UserFactory(role=Role.ASSOCIATION))
    entry.author.status = "inactive"
    entry.author.save()

    with django_capture_on_commit_callbacks(execute=True):
        journal_entry_delete(user=local_admin, entry_id=entry.pk, reason="Hors sujet")

    assert not OutgoingEmail.objects.exists()
    entry.refresh_from_db()
    assert entry.deleted_at is not None


def test_a_local_admin_of_another_departement_does_not_moderate(author, site):
    from tests.accounts.factories import OrganizationFactory as Organizations
    from tests.territories.factories import DepartementFactory

    landes = DepartementFactory(code="40", name="Landes")
    admin = UserFactory(admin_role=AdminRole.LOCAL_ADMIN, organization=Organizations(departement=landes))
    entry = JournalEntryFactory(site=site, author=author)

    with pytest.raises((PermissionDenied, Http404)):
        journal_entry_delete(user=admin, entry_id=entry.pk, reason="Hors sujet")
    entry.refresh_from_db()
    assert entry.deleted_at is None


def test_a_deleted_message_can_be_neither_edited_nor_deleted_again(author, site):
    entry = JournalEntryFactory(site=site, author=author)
    journal_entry_delete(user=author, entry_id=entry.pk)

    with pytest.raises(Http404):
        journal_entry_edit(user=author, entry_id=entry.pk, body="Retour")
    with pytest.raises(Http404):
        journal_entry_delete(user=author, entry_id=entry.pk)
