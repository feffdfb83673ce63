"""The journal pages through the HTTP client: who sees what, posting with files, editing, deleting, downloading."""

import datetime
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.base import ContentFile
from django.db import connection
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from resorption.accounts.enums import AdminRole, AreaType, Role
from resorption.accounts.models import OrganizationType, User
from resorption.journal.enums import Audience, EntryKind
from resorption.journal.models import Attachment, JournalEntry, Tag, TerritorialMessage
from tests.accounts.factories import OrganizationFactory, UserFactory
from tests.accounts.helpers import text
from tests.journal import files
from tests.journal.factories import AttachmentFactory, JournalEntryFactory, TagFactory
from tests.journal.files import upload
from tests.settlements.factories import SiteFactory
from tests.territories.factories import CommuneFactory, DepartementFactory, RegionFactory

pytestmark = pytest.mark.django_db

SECRET = "Réunion confidentielle avec la préfecture mardi"


def _page_queries(client, url: str) -> int:
    """The queries of one GET of `url`, which must answer 200."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def journal_url(site, **query) -> str:
    url = reverse("journal:journal", kwargs={"site_id": site.pk})
    return url + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def attachment_url(attachment, preview: bool = False) -> str:
    return attachment.get_absolute_url() + ("?apercu=1" if preview else "")


def page(client, user, site, **query) -> str:
    client.force_login(user)
    response = client.get(journal_url(site, **query))
    assert response.status_code == 200
    return text(response)


def stored_files() -> list[Path]:
    media = Path(settings.MEDIA_ROOT)
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


@pytest.fixture
def targeted(site, author, target):
    """A message to `target` alone, with a PDF."""
    entry = JournalEntryFactory(site=site, author=author, targeted=True, target_users=[target], body=SECRET)
    AttachmentFactory(
        entry=entry,
        file=ContentFile(files.PDF, name="x.pdf"),
        original_name="ordre du jour.pdf",
        size=len(files.PDF),
        content_type="application/pdf",
    )
    return entry


# Reading -------------------------------------------------------------------------------------------------------------


def test_the_journal_shows_the_messages_with_author_tags_and_the_form(client, author, bystander, site):
    canicule = TagFactory(uid="canicule")
    JournalEntryFactory(site=site, author=bystander, body="Forte chaleur, distribution d'eau.", tags=[canicule])

    html = page(client, author, site)

    assert "Journal du site" in html
    assert "Forte chaleur, distribution d'eau." in html
    assert "Bastien Passant" in html and bystander.organization.name in html
    assert "fr-badge--error" in html and "Canicule" in html
    assert "Nouveau message" in html
    assert "Tous les intervenants du site" in html
    assert "ni nom, ni âge, ni origine, ni état de santé d'une personne" in html


def test_an_observer_reads_without_a_form(client, observer, site):
    JournalEntryFactory(site=site, body="Passage de la maraude.")

    html = page(client, observer, site)

    assert "Passage de la maraude." in html
    assert "Nouveau message" not in html and 'enctype="multipart/form-data"' not in html
    client.force_login(observer)
    assert client.post(journal_url(site), {"body": "Bonjour", "audience": "public"}).status_code == 403


def test_deleted_messages_are_never_shown(client, author, site):
    JournalEntryFactory(site=site, author=author, body="Message retiré", deleted_at=timezone.now())

    assert "Message retiré" not in page(client, author, site)


@pytest.mark.parametrize("name", ["journal:journal", "journal:edit", "journal:delete", "journal:attachment"])
def test_a_site_out_of_sight_is_not_found_on_every_journal_page(client, outsider, site, name):
    attachment = AttachmentFactory(entry=JournalEntryFactory(site=site))
    kwargs = {"site_id": site.pk}
    if name in ("journal:edit", "journal:delete"):
        kwargs["entry_id"] = attachment.entry_id
    if name == "journal:attachment":
        kwargs["attachment_uuid"] = attachment.uuid
    client.force_login(outsider)

    assert client.get(reverse(name, kwargs=kwargs)).status_code == 404


def test_an_anonymous_visitor_is_sent_to_login(site):
    response = Client().get(journal_url(site))

    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


# Targeted messages (§A.6) --------------------------------------------------------------------------------------------


def test_a_targeted_message_and_its_file_are_hidden_from_who_is_not_in_its_audience(client, bystander, targeted, site):
    html = page(client, bystander, site)

    assert SECRET not in html and "ordre du jour.pdf" not in html
    attachment = targeted.attachments.get()
    assert client.get(attachment_url(attachment)).status_code == 404
    assert client.get(reverse("journal:edit", kwargs={"site_id": site.pk, "entry_id": targeted.pk})).status_code == 404


@pytest.mark.parametrize("reader", ["target", "author", "correspondent"])
def test_a_targeted_message_and_its_file_reach_its_target_its_author_and_private_readers(
    client, request, targeted, site, reader
):
    user = request.getfixturevalue(reader)

    html = page(client, user, site)

    assert SECRET in html and "Message ciblé" in html
    assert "Destinataires : Théo Destinataire" in html
    response = client.get(attachment_url(targeted.attachments.get()))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == files.PDF


def test_a_message_to_an_organisation_reaches_its_members(client, author, bystander, prefecture, site):
    agent = UserFactory(role="intervener", organization=prefecture)
    JournalEntryFactory(
        site=site, author=author, audience=Audience.PREFECTURE_DDETS, target_organizations=[prefecture], body=SECRET
    )

    assert SECRET in page(client, agent, site)
    assert SECRET not in page(client, bystander, site)


# Posting -------------------------------------------------------------------------------------------------------------


def test_posting_a_targeted_message_with_files(client, author, target, site):
    TagFactory(uid="sante", label="Santé")
    client.force_login(author)

    response = client.post(
        journal_url(site),
        {
            "kind": "message",
            "body": "Vaccination prévue jeudi.",
            "audience": "custom",
            "target_users": [target.pk],
            "tags": ["sante"],
            "files": [upload("photo.png", files.PNG), upload("note.pdf", files.PDF)],
        },
    )

    entry = JournalEntry.objects.get()
    assert response.status_code == 302
    assert response["Location"] == journal_url(site) + f"#message-{entry.pk}"
    assert entry.author == author and not entry.is_public and entry.target_user_ids == {target.pk}
    assert [tag.uid for tag in entry.tags.all()] == ["sante"]
    assert sorted(entry.attachments.values_list("original_name", flat=True)) == ["note.pdf", "photo.png"]
    html = text(client.get(response["Location"]))
    assert "Votre publication a été ajoutée au journal du site." in html
    assert "Vaccination prévue jeudi." in html
    preview = entry.attachments.get(original_name="photo.png")
    assert f'src="{attachment_url(preview, preview=True)}"' in html
    assert 'alt="Aperçu de photo.png"' in html


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "rapport.pdf",
            files.EXE,
            "Le fichier « rapport.pdf » a été refusé : son contenu n'est pas celui d'un fichier .pdf.",
        ),
        (
            "gros.pdf",
            files.PDF + b"0" * (10 * 1024 * 1024),
            "Le fichier « gros.pdf » dépasse la taille maximale de 10 Mo",
        ),
        ("virus.exe", files.EXE, "Le format du fichier « virus.exe » n'est pas accepté."),
    ],
)
def test_a_refused_file_comes_back_next_to_the_field_and_nothing_is_saved(
    client, author, site, name, content, message
):
    client.force_login(author)

    response = client.post(
        journal_url(site),
        {"kind": "message", "body": "Voir pièce jointe.", "audience": "public", "files": [upload(name, content)]},
    )

    assert response.status_code == 200
    html = text(response)
    assert message in html
    assert 'id="id_files-desc-error"' in html
    assert "Voir pièce jointe." in html  # the text typed is kept
    assert not JournalEntry.objects.exists() and not Attachment.objects.exists()
    assert stored_files() == []


def test_a_custom_audience_without_targets_is_refused_in_french(client, author, site):
    client.force_login(author)

    response = client.post(journal_url(site), {"kind": "message", "body": "Bonjour", "audience": "custom"})

    assert response.status_code == 200
    assert "Choisissez au moins une structure ou une personne destinataire." in text(response)
    assert not JournalEntry.objects.exists()


def test_a_health_follow_up_is_posted_in_its_own_tab(client, author, site):
    client.force_login(author)
    day = timezone.localdate() - datetime.timedelta(days=1)
    form_page = text(client.get(journal_url(site, onglet="sanitaire")))
    assert "Nouveau suivi sanitaire" in form_page and "Sensibilisation à la vaccination" in form_page
    assert "Précisions sur l'intervention" in form_page

    response = client.post(
        journal_url(site, onglet="sanitaire"),
        {
            "kind": "health",
            "health_date": day.isoformat(),
            "health_interventions": ["equipe_mobile_vaccination"],
            "body": "Dix personnes vaccinées.",
            "audience": "public",
        },
    )

    entry = JournalEntry.objects.get()
    assert response.status_code == 302 and entry.kind == EntryKind.HEALTH and entry.health_date == day
    assert "Dix personnes vaccinées." in page(client, author, site, onglet="sanitaire")
    assert "Dix personnes vaccinées." not in page(client, author, site)


def test_a_health_follow_up_without_date_comes_back_in_its_tab(client, author, site):
    client.force_login(author)

    response = client.post(
        journal_url(site, onglet="sanitaire"),
        {"kind": "health", "body": "Passage.", "audience": "public", "health_interventions": ["equipe_maraude"]},
    )

    html = text(response)
    assert response.status_code == 200
    assert "La date de l'intervention est obligatoire." in html and "Nouveau suivi sanitaire" in html


def test_the_tag_filter_keeps_the_tagged_messages(client, author, site):
    canicule = TagFactory(uid="canicule")
    JournalEntryFactory(site=site, body="Chaleur", tags=[canicule])
    JournalEntryFactory(site=site, body="Rentrée scolaire")

    html = page(client, author, site, etiquette="canicule")

    assert "Chaleur" in html and "Rentrée scolaire" not in html


# The custom audience's picker ---------------------------------------------------------------------------------------


class CheckboxReader(HTMLParser):
    """{(name, value): checked} for the recipient checkboxes of a page or fragment."""

    def __init__(self):
        super().__init__()
        self.boxes: dict[tuple[str, str], bool] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") == "checkbox" and attrs.get("name", "").startswith("target_"):
            self.boxes[(attrs["name"], attrs["value"])] = "checked" in attrs


def recipient_boxes(html_text: str) -> dict[tuple[str, str], bool]:
    reader = CheckboxReader()
    reader.feed(html_text)
    return reader.boxes


def recipients_url(site, **query) -> str:
    return reverse("journal:recipients", kwargs={"site_id": site.pk}) + "?" + urlencode(query, doseq=True)


def test_the_form_lists_none_of_the_departements_people_and_offers_a_search(client, author, target, prefecture, site):
    html = page(client, author, site)

    assert "Théo Destinataire" not in html and "Préfecture de la Gironde" not in html
    assert recipient_boxes(html) == {}
    assert "Liste personnalisée" in html and "Aucun destinataire choisi pour l'instant." in html
    assert '<label class="fr-label" for="destinataires-recherche">' in html
    assert f'hx-get="{reverse("journal:recipients", kwargs={"site_id": site.pk})}"' in html


def test_the_recipient_search_suggests_the_organisations_and_people_of_the_departement(
    client, author, target, prefecture, outsider, site
):
    UserFactory(first_name="Théa", last_name="Destinataire", organization=outsider.organization)  # Haute-Garonne
    UserFactory(first_name="Tom", last_name="Destinataire", inactive=True)
    client.force_login(author)

    people = text(client.get(recipients_url(site, q="destinataire")))
    organizations = text(client.get(recipients_url(site, q="prefecture gironde")))  # accents and case aside

    assert recipient_boxes(people) == {("target_users", str(target.pk)): False}
    assert "Théo Destinataire" in people and target.organization.name in people
    assert recipient_boxes(organizations) == {("target_organizations", str(prefecture.pk)): False}
    assert "Préfecture de la Gironde" in organizations


def test_the_recipient_search_keeps_the_chosen_ones_apart(client, author, target, prefecture, outsider, site):
    colleague = UserFactory(first_name="Léa", last_name="Destinataire")
    client.force_login(author)

    html = text(
        client.get(
            recipients_url(
                site,
                q="destinataire",
                target_users=[target.pk, outsider.pk, "9" * 30],  # someone out of the audience, a forged id
                target_organizations=[prefecture.pk],
            )
        )
    )

    # The chosen list comes back out of band, with what the audience holds; the suggestions leave it out.
    chosen, suggestions = html.split('hx-swap-oob="true"')[1], html.split('hx-swap-oob="true"')[0]
    assert recipient_boxes(chosen) == {
        ("target_organizations", str(prefecture.pk)): True,
        ("target_users", str(target.pk)): True,
    }
    assert recipient_boxes(suggestions) == {("target_users", str(colleague.pk)): False}


def test_the_recipient_search_asks_for_two_characters_and_says_when_nothing_matches(client, author, site):
    client.force_login(author)

    assert "Saisissez au moins 2 caractères." in text(client.get(recipients_url(site, q="d")))
    assert "Aucune structure ni personne du département ne correspond à « zzz »." in text(
        client.get(recipients_url(site, q="zzz"))
    )


@pytest.mark.parametrize("who", ["outsider", "observer"])
def test_the_recipient_search_is_not_found_for_who_may_not_post_in_the_journal(client, request, target, site, who):
    client.force_login(request.getfixturevalue(who))

    response = client.get(recipients_url(site, q="destinataire"))

    assert response.status_code == 404
    assert "Théo Destinataire" not in text(response)


def test_the_recipient_search_sends_an_anonymous_visitor_to_login(site):
    response = Client().get(recipients_url(site, q="destinataire"))

    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_the_recipient_search_costs_the_same_number_of_queries_whatever_the_number_of_people(
    client, author, target, prefecture, site
):
    client.force_login(author)
    url = recipients_url(site, q="dupont", target_users=[target.pk], target_organizations=[prefecture.pk])

    def add_people(numbers: range) -> None:
        for number in numbers:
            organization = OrganizationFactory(name=f"Dupont et fils {number}")
            UserFactory(last_name=f"Dupont {number}", organization=organization)

    def count_queries() -> tuple[int, str]:
        client.get(url)  # warm-up: the first page after sign-in stores the permission context
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries), text(response)

    add_people(range(2))
    few, _ = count_queries()
    add_people(range(2, 27))
    many, html = count_queries()

    assert many == few
    assert few <= 7, few
    assert len(recipient_boxes(html)) == 2 + 2 * 10  # the chosen ones, and ten of each kind
    assert "D'autres structures correspondent : précisez votre recherche." in html
    assert "D'autres personnes correspondent : précisez votre recherche." in html


def test_posting_to_recipients_chosen_through_the_search(client, author, target, prefecture, site):
    client.force_login(author)

    response = client.post(
        journal_url(site),
        {
            "kind": "message",
            "body": "Réunion jeudi.",
            "audience": "custom",
            "target_users": [target.pk],
            "target_organizations": [prefecture.pk],
            "q": "destinataire",
        },
    )

    entry = JournalEntry.objects.get()
    assert response.status_code == 302
    assert entry.target_user_ids == {target.pk} and entry.target_organization_ids == {prefecture.pk}


@pytest.mark.parametrize("forged", ["out_of_the_departement", "inactive", "huge"])
@pytest.mark.parametrize("field", ["target_users", "target_organizations"])
def test_a_recipient_out_of_the_audience_is_refused_next_to_its_field_and_nothing_is_written(
    client, author, outsider, site, field, forged
):
    if forged == "huge":
        value = "9" * 30
    elif field == "target_users":
        value = outsider.pk if forged == "out_of_the_departement" else UserFactory(inactive=True).pk
    else:
        value = (
            outsider.organization.pk if forged == "out_of_the_departement" else OrganizationFactory(active=False).pk
        )
    client.force_login(author)

    response = client.post(
        journal_url(site), {"kind": "message", "body": "Bonjour", "audience": "custom", field: [value]}
    )

    assert response.status_code == 200
    html = text(response)
    assert f'<p class="fr-message fr-message--error" id="id_{field}-desc-error">' in html
    assert f"Sélectionnez un choix valide. {value} n’en fait pas partie." in html
    assert "Bonjour" in html  # the text typed is kept
    assert not JournalEntry.objects.exists()


def test_without_javascript_the_search_button_shows_the_form_again_with_what_it_found(
    client, author, target, prefecture, site
):
    client.force_login(author)

    response = client.post(
        journal_url(site, onglet="sanitaire"),
        {
            "kind": "health",
            "body": "Passage de l'équipe mobile.",
            "health_interventions": ["equipe_maraude"],
            "audience": "custom",
            "target_organizations": [prefecture.pk],
            "q": "destinataire",
            "destinataires_recherche": "",
        },
    )

    assert response.status_code == 200
    html = text(response)
    assert not JournalEntry.objects.exists()
    assert "Nouveau suivi sanitaire" in html and "Passage de l'équipe mobile." in html
    assert recipient_boxes(html) == {
        ("target_organizations", str(prefecture.pk)): True,
        ("target_users", str(target.pk)): False,
    }
    assert 'value="destinataire"' in html
    # Nothing was checked: the missing date is not reported yet.
    assert "La date de l'intervention est obligatoire." not in html


def test_the_journal_page_does_not_grow_with_the_people_of_the_departement(client, author, site):
    client.force_login(author)

    def measure() -> tuple[int, int]:
        client.get(journal_url(site))  # warm-up: the first page after sign-in stores the permission context
        with CaptureQueriesContext(connection) as queries:
            response = client.get(journal_url(site))
        assert response.status_code == 200
        return len(queries), len(response.content)

    UserFactory()
    few = measure()
    for number in range(30):
        UserFactory(last_name=f"Voisin {number}", organization=OrganizationFactory(name=f"Association {number}"))
    many = measure()

    assert many == few  # the same queries and the same bytes


# Editing and deleting ------------------------------------------------------------------------------------------------


def test_the_author_edits_his_message(client, author, site):
    entry = JournalEntryFactory(site=site, author=author, body="Texte initial")
    url = reverse("journal:edit", kwargs={"site_id": site.pk, "entry_id": entry.pk})
    client.force_login(author)
    assert "Texte initial" in text(client.get(url))

    response = client.post(url, {"body": "Texte corrigé"})

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.body == "Texte corrigé" and entry.edited
    assert "(modifié)" in page(client, author, site)


def test_someone_else_may_not_edit(client, author, correspondent, site):
    entry = JournalEntryFactory(site=site, author=author, body="Texte initial")
    url = reverse("journal:edit", kwargs={"site_id": site.pk, "entry_id": entry.pk})
    client.force_login(correspondent)

    assert client.get(url).status_code == 403
    assert client.post(url, {"body": "Piraté"}).status_code == 403
    entry.refresh_from_db()
    assert entry.body == "Texte initial"


def test_edit_and_delete_links_are_shown_only_to_who_may_use_them(client, author, bystander, local_admin, site):
    entry = JournalEntryFactory(site=site, author=author)
    edit = reverse("journal:edit", kwargs={"site_id": site.pk, "entry_id": entry.pk})
    delete = reverse("journal:delete", kwargs={"site_id": site.pk, "entry_id": entry.pk})

    as_author, as_bystander, as_admin = (page(client, user, site) for user in (author, bystander, local_admin))

    assert edit in as_author and delete in as_author
    assert edit not in as_bystander and delete not in as_bystander
    assert edit not in as_admin and delete in as_admin


def test_the_author_deletes_his_message(client, author, site):
    entry = JournalEntryFactory(site=site, author=author, body="À retirer")
    url = reverse("journal:delete", kwargs={"site_id": site.pk, "entry_id": entry.pk})
    client.force_login(author)
    confirmation = text(client.get(url))
    assert "À retirer" in confirmation and "Motif de la suppression" not in confirmation

    response = client.post(url)

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.deleted_at is not None
    assert "À retirer" not in page(client, author, site)


def test_a_moderator_deletes_with_a_reason_and_the_author_is_emailed(
    client, author, local_admin, site, django_capture_on_commit_callbacks
):
    entry = JournalEntryFactory(site=site, author=author, body="Nom d'un habitant")
    url = reverse("journal:delete", kwargs={"site_id": site.pk, "entry_id": entry.pk})
    client.force_login(local_admin)

    without = client.post(url, {"reason": ""})
    assert without.status_code == 200
    assert "Vous devez préciser le motif de suppression du message." in text(without)
    entry.refresh_from_db()
    assert entry.deleted_at is None

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "Donnée personnelle"})

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.deleted_at is not None and entry.deletion_reason == "Donnée personnelle"
    [sent] = mail.outbox
    assert sent.to == [author.email] and "Donnée personnelle" in sent.body and "Nom d'un habitant" in sent.body


def test_someone_who_is_no_moderator_may_not_delete(client, author, bystander, site):
    entry = JournalEntryFactory(site=site, author=author)
    url = reverse("journal:delete", kwargs={"site_id": site.pk, "entry_id": entry.pk})
    client.force_login(bystander)

    assert client.get(url).status_code == 403
    assert client.post(url, {"reason": "Hors sujet"}).status_code == 403


# Attachments ---------------------------------------------------------------------------------------------------------


def test_files_are_downloaded_with_their_name_and_images_previewed_inline(client, author, site):
    entry = JournalEntryFactory(site=site, author=author)
    image = AttachmentFactory(entry=entry, original_name="photo du site.png")
    client.force_login(author)

    download = client.get(attachment_url(image))
    preview = client.get(attachment_url(image, preview=True))

    assert download.status_code == 200 and preview.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert (
        "photo%20du%20site.png" in download["Content-Disposition"]
        or "photo du site.png" in download["Content-Disposition"]
    )
    assert preview["Content-Disposition"].startswith("inline;")
    assert preview["Content-Type"] == "image/png"
    assert download["Cache-Control"] == "private, no-store"
    assert b"".join(preview.streaming_content) == files.PNG
    download.close()
    preview.close()


def test_only_images_are_shown_inline(client, author, targeted, site):
    client.force_login(author)

    response = client.get(attachment_url(targeted.attachments.get(), preview=True))

    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/pdf"
    response.close()


def test_files_of_deleted_messages_and_of_other_sites_are_not_found(client, author, site):
    deleted = AttachmentFactory(entry=JournalEntryFactory(site=site, author=author, deleted_at=timezone.now()))
    elsewhere = AttachmentFactory(entry=JournalEntryFactory(site=SiteFactory(), author=author))
    client.force_login(author)

    assert client.get(attachment_url(deleted)).status_code == 404
    wrong_site = reverse("journal:attachment", kwargs={"site_id": site.pk, "attachment_uuid": elsewhere.uuid})
    assert client.get(wrong_site).status_code == 404


# Query budget --------------------------------------------------------------------------------------------------------


def test_the_journal_page_costs_the_same_number_of_queries_whatever_the_number_of_entries(
    client, author, target, prefecture, site
):
    tags = [TagFactory() for _ in range(3)]

    def add_entries(count: int) -> None:
        for _ in range(count):
            entry = JournalEntryFactory(
                site=site,
                author=UserFactory(),
                targeted=True,
                target_users=[author, target],
                target_organizations=[prefecture],
                tags=tags,
            )
            AttachmentFactory(entry=entry)
            AttachmentFactory(entry=entry, original_name="autre.png")

    client.force_login(author)

    def count_queries() -> int:
        return _page_queries(client, journal_url(site))

    add_entries(2)
    few = count_queries()
    add_entries(10)
    many = count_queries()

    assert many == few
    assert few <= 20, few


# The site page's include ---------------------------------------------------------------------------------------------


def test_the_latest_messages_tag_shows_what_the_user_may_read(author, bystander, target, site):
    JournalEntryFactory(site=site, body="Premier message", created_at=timezone.now() - datetime.timedelta(days=3))
    JournalEntryFactory(site=site, author=author, targeted=True, target_users=[target], body=SECRET)
    JournalEntryFactory(site=site, body="Dernier message")
    template = Template("{% load journal_tags %}{% journal_latest site %}")

    def render(user) -> str:
        request = RequestFactory().get("/")
        request.user = user
        return template.render(Context({"request": request, "site": site}))

    for_bystander = render(bystander)
    for_target = render(target)

    assert "Dernier message" in for_bystander and "Premier message" in for_bystander and SECRET not in for_bystander
    assert SECRET in for_target and "Premier message" in for_target
    assert reverse("journal:journal", kwargs={"site_id": site.pk}) in for_bystander
    assert "Écrire un message" in for_bystander


def test_the_latest_messages_show_their_tags_in_the_tags_order_with_the_alerts_in_red(bystander, site):
    water = TagFactory(label="Eau, assainissement", position=2)
    heat = TagFactory(label="Canicule", position=1, is_alert=True)
    built = TagFactory(label="Bâti « précaire »", position=1)
    JournalEntryFactory(site=site, body="Message étiqueté", tags=[water, heat, built])
    JournalEntryFactory(site=site, body="Message sans étiquette")
    request = RequestFactory().get("/")
    request.user = bystander

    html = Template("{% load journal_tags %}{% journal_latest site %}").render(
        Context({"request": request, "site": site})
    )

    badges = re.findall(r'<p class="fr-badge fr-badge--sm ([^"]*)">\s*(.*?)\s*</p>', html)
    assert [(unescape(label), "fr-badge--error" in classes) for classes, label in badges] == [
        ("Bâti « précaire »", False),
        ("Canicule", True),
        ("Eau, assainissement", False),
    ]


def test_the_latest_messages_tag_costs_the_same_number_of_queries_whatever_the_journal_holds(author, target, site):
    template = Template("{% load journal_tags %}{% journal_latest site %}")
    request = RequestFactory().get("/")
    request.user = author

    def count_queries() -> int:
        request.user = User.objects.get(pk=author.pk)  # a fresh object: permissions not cached
        with CaptureQueriesContext(connection) as queries:
            template.render(Context({"request": request, "site": site}))
        return len(queries)

    def add_entries(count: int) -> None:
        for _ in range(count):
            entry = JournalEntryFactory(
                site=site, targeted=True, target_users=[author, target], tags=[TagFactory(), TagFactory()]
            )
            AttachmentFactory(entry=entry)

    add_entries(1)
    count_queries()  # warm-up: the first resolution stores the permission context with the account
    few = count_queries()
    add_entries(6)

    assert count_queries() == few


def test_only_who_may_export_gets_the_export_link(client, author, local_admin, site):
    export = reverse("journal:export")

    assert export not in page(client, author, site)
    assert f'href="{export}?departement={site.commune.departement_id}"' in page(client, local_admin, site)


# Territorial messages in the « Suivi sanitaire » tab (§I.2) ----------------------------------------------------------

VACCINATION = "Campagne de vaccination : l'équipe mobile passera sur les sites de Gironde et des Landes."


def territorial_message(author, codes, body=VACCINATION, **fields) -> TerritorialMessage:
    """A territorial message as `territorial_message_post` writes it, without its checks (the author's reach is
    tested in test_territorial.py)."""
    message = TerritorialMessage.objects.create(author=author, organization=author.organization, body=body, **fields)
    message.departements.set(codes)
    return message


@pytest.fixture
def ars_member():
    """A member of the ARS of Nouvelle-Aquitaine, whose area is the région."""
    region = RegionFactory(code="75")
    for code, name in (("33", "Gironde"), ("40", "Landes")):
        DepartementFactory(code=code, name=name, region=region)
    organization = OrganizationFactory(
        type=OrganizationType.objects.get(uid="ars"),
        name="ARS Nouvelle-Aquitaine",
        area_type=AreaType.REGION,
        region=region,
        departement=None,
    )
    return UserFactory(organization=organization, first_name="Aurore", last_name="Santé")


@pytest.fixture
def toulouse_site():
    haute_garonne = DepartementFactory(code="31", name="Haute-Garonne", region=RegionFactory(code="76"))
    return SiteFactory(commune=CommuneFactory(code="31555", name="Toulouse", departement=haute_garonne))


@pytest.fixture
def national_reader():
    """A national admin: reads the journals of every site."""
    organization = OrganizationFactory(area_type=AreaType.NATION, departement=None, name="Dihal")
    return UserFactory(role=Role.DIRECT_COLLABORATOR, admin_role=AdminRole.NATIONAL_ADMIN, organization=organization)


def test_the_health_tab_shows_the_territorial_messages_addressed_to_the_sites_departement(
    client, author, ars_member, site
):
    territorial_message(ars_member, ["33", "40"])

    html = page(client, author, site, onglet="sanitaire")

    assert "Messages territoriaux" in html and "Message territorial" in html
    assert VACCINATION in html
    assert "Aurore Santé" in html and "ARS Nouvelle-Aquitaine" in html
    assert "Gironde (33), Landes (40)" in html
    assert f'href="{reverse("journal:territorial")}?departement=33"' in html
    assert "Écrire un message territorial" in html  # an opérateur of Gironde writes to the sites of Gironde
    assert VACCINATION not in page(client, author, site)  # not in the « Messages » tab


def test_the_health_tab_of_a_site_of_another_departement_does_not_show_it(
    client, ars_member, national_reader, site, toulouse_site
):
    territorial_message(ars_member, ["33", "40"])
    territorial_message(ars_member, ["40"], body="Pour les Landes seules")
    territorial_message(ars_member, ["33"], body="Message retiré", deleted_at=timezone.now())

    assert VACCINATION in page(client, national_reader, site, onglet="sanitaire")
    html = page(client, national_reader, toulouse_site, onglet="sanitaire")
    assert VACCINATION not in html
    assert "Aucun message territorial n'a été adressé aux sites de ce département." in html
    bordeaux = page(client, national_reader, site, onglet="sanitaire")
    assert "Pour les Landes seules" not in bordeaux and "Message retiré" not in bordeaux
    assert "Écrire un message territorial" not in bordeaux  # national users write none


def test_the_health_tab_shows_only_the_latest_territorial_messages(client, author, ars_member, site):
    for number in range(7):
        territorial_message(
            ars_member,
            ["33"],
            body=f"Message territorial n° {number}",
            created_at=timezone.now() - datetime.timedelta(hours=10 - number),
        )

    html = page(client, author, site, onglet="sanitaire")

    assert "Message territorial n° 6" in html and "Message territorial n° 2" in html
    assert "Message territorial n° 1" not in html


def test_the_health_tab_costs_the_same_number_of_queries_whatever_the_territorial_messages(
    client, author, ars_member, site
):
    def add(count: int) -> None:
        for _ in range(count):
            territorial_message(ars_member, ["33", "40"])
            territorial_message(UserFactory(), ["33"])
            JournalEntryFactory(site=site, health=True, author=UserFactory())

    client.force_login(author)

    def count_queries() -> int:
        client.get(
            journal_url(site, onglet="sanitaire")
        )  # warm-up: the first page after sign-in stores the permission context
        with CaptureQueriesContext(connection) as queries:
            response = client.get(journal_url(site, onglet="sanitaire"))
        assert response.status_code == 200
        return len(queries)

    add(1)
    few = count_queries()
    add(6)
    many = count_queries()

    assert many == few
    # The « Messages » tab's budget (above) and two more: the territorial messages and their départements.
    assert few <= 22, few


# What the page costs: the blank form rendered once, the entries read as plain values ---------------------------------


class TagBoxReader(HTMLParser):
    """The tag boxes of the posting form, in their order: [(value, label)]."""

    def __init__(self):
        super().__init__()
        self.boxes: list[tuple[str, str]] = []
        self._labels: dict[str, str] = {}
        self._label_for: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") == "tags":
            self.boxes.append((attrs["value"], attrs["id"]))
        if tag == "label":
            self._label_for = attrs.get("for")

    def handle_data(self, data):
        if self._label_for and data.strip():
            self._labels[self._label_for] = data.strip()
            self._label_for = None

    def offered(self) -> list[tuple[str, str]]:
        return [(value, self._labels[box_id]) for value, box_id in self.boxes]


def without_csrf_token(html_text: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html_text)


def checked_boxes(html_text: str, name: str) -> list[str]:
    """The values of the checked boxes or radios of this name."""
    inputs = re.findall(rf'<input[^>]*name="{name}"[^>]*>', html_text)
    return [re.search(r'value="([^"]*)"', each)[1] for each in inputs if re.search(r"\schecked[\s>]", each)]


def posting_form(html_text: str) -> str:
    return html_text.split('class="journal-entry-form"', 1)[1].split("</form>", 1)[0]


def tags_offered(client, site, **query) -> list[tuple[str, str]]:
    reader = TagBoxReader()
    reader.feed(posting_form(text(client.get(journal_url(site, **query)))))
    return reader.offered()


FORM_FIELD_TEMPLATES = ("django/forms/", "dsfr/form_field_snippets/")


def field_templates(response) -> list[str]:
    """The templates of form fields the response rendered (Django's test instrumentation records each render)."""
    return [template.name for template in response.templates if template.name.startswith(FORM_FIELD_TEMPLATES)]


def test_the_blank_form_follows_the_tags_offered_renamed_added_retired_or_moved(client, author, site):
    Tag.objects.all().delete()  # the tags of the data migration
    TagFactory(uid="canicule", label="Canicule", position=1)
    TagFactory(uid="sante", label="Santé", position=2)
    client.force_login(author)
    assert tags_offered(client, site) == [("canicule", "Canicule"), ("sante", "Santé")]

    Tag.objects.filter(uid="canicule").update(label="Forte chaleur")
    assert tags_offered(client, site) == [("canicule", "Forte chaleur"), ("sante", "Santé")]

    TagFactory(uid="incendie", label="Incendie", position=0)
    assert tags_offered(client, site) == [("incendie", "Incendie"), ("canicule", "Forte chaleur"), ("sante", "Santé")]

    Tag.objects.filter(uid="incendie").update(active=False)
    assert tags_offered(client, site) == [("canicule", "Forte chaleur"), ("sante", "Santé")]

    Tag.objects.filter(uid="sante").update(position=0)
    assert tags_offered(client, site) == [("sante", "Santé"), ("canicule", "Forte chaleur")]


def test_each_tab_has_its_own_blank_form(client, author, site):
    client.force_login(author)

    messages_form = posting_form(text(client.get(journal_url(site))))
    health_form = posting_form(text(client.get(journal_url(site, onglet="sanitaire"))))
    messages_again = posting_form(text(client.get(journal_url(site))))

    assert 'name="kind" value="message"' in messages_form and "Date de l'intervention" not in messages_form
    assert 'name="kind" value="health"' in health_form and "Date de l'intervention" in health_form
    assert "Précisions sur l'intervention" in health_form and "Sensibilisation à la vaccination" in health_form
    assert without_csrf_token(messages_again) == without_csrf_token(messages_form)


def test_the_blank_form_is_rendered_once_and_shown_on_every_site(client, author, site):
    other_site = SiteFactory()
    client.force_login(author)

    first = client.get(journal_url(site))
    again = client.get(journal_url(site))
    elsewhere = client.get(journal_url(other_site))

    assert field_templates(first)
    assert field_templates(again) == [] and field_templates(elsewhere) == []
    # The parts naming the site or the request are the page's own.
    assert posting_form(text(first)) != posting_form(text(elsewhere))
    assert posting_form(text(elsewhere)).count(f'hx-get="/sites/{other_site.pk}/journal/destinataires/"') == 2
    assert f'action="/sites/{other_site.pk}/journal/"' in text(elsewhere)
    assert text(again).count('name="csrfmiddlewaretoken"') == 2  # the posting form and the page's sign-out


def test_a_form_sent_back_with_errors_shows_them_with_what_was_typed(client, author, site):
    TagFactory(uid="canicule", label="Canicule")
    TagFactory(uid="sante", label="Santé")
    client.force_login(author)
    client.get(journal_url(site))  # the blank form is rendered and kept

    response = client.post(
        journal_url(site),
        {"kind": "message", "body": "Texte tapé avant l'erreur", "audience": "custom", "tags": ["sante"]},
    )

    html = text(response)
    assert response.status_code == 200 and field_templates(response)
    assert "Choisissez au moins une structure ou une personne destinataire." in html
    assert "Texte tapé avant l'erreur" in html
    assert checked_boxes(html, "audience") == ["custom"]
    assert checked_boxes(html, "tags") == ["sante"]
    assert not JournalEntry.objects.exists()


def test_an_entry_shows_its_retired_tags_which_are_no_longer_offered(client, author, site):
    Tag.objects.all().delete()  # the tags of the data migration
    retired = TagFactory(uid="ancienne", label="Ancienne étiquette", active=False)
    TagFactory(uid="sante", label="Santé")
    JournalEntryFactory(site=site, body="Message étiqueté autrefois", tags=[retired])

    html = page(client, author, site)

    assert "Ancienne étiquette" in html.split("Message étiqueté autrefois")[0].rsplit("<article", 1)[1]
    assert 'value="ancienne"' not in html  # neither a box of the form nor an option of the filter
    assert tags_offered(client, site) == [("sante", "Santé")]


def test_the_badges_escape_the_tag_labels(client, author, site):
    JournalEntryFactory(site=site, tags=[TagFactory(label="<i>Chaleur</i>", is_alert=True)], health=True)
    client.force_login(author)

    content = client.get(journal_url(site, onglet="sanitaire")).content.decode()

    assert "&lt;i&gt;Chaleur&lt;/i&gt;" in content and "<i>Chaleur</i>" not in content
    badges = content.split('<ul class="fr-badges-group fr-mb-1w">', 1)[1].split("</ul>", 1)[0]
    assert "Suivi sanitaire" in badges and "Message ciblé" not in badges and "fr-badge--error" in badges


def test_the_dates_are_shown_in_french_time(client, author, site):
    JournalEntryFactory(
        site=site,
        health=True,
        created_at=datetime.datetime(2026, 7, 14, 8, 30, 59, tzinfo=datetime.UTC),
        health_date=datetime.date(2026, 7, 3),
    )

    html = page(client, author, site, onglet="sanitaire")

    assert "Publié le 14 juillet 2026 à 10:30" in html
    assert "Date de l'intervention :</strong> 3 juillet 2026" in html


def test_the_targets_are_listed_organisations_first_then_people_by_name(client, author, site):
    zebre, alpha = OrganizationFactory(name="Zèbre solidaire"), OrganizationFactory(name="Alpha secours")
    zed = UserFactory(first_name="Bob", last_name="Zed", organization=alpha)
    martin = UserFactory(first_name="Alice", last_name="Martin", organization=zebre)
    JournalEntryFactory(
        site=site, author=author, targeted=True, target_organizations=[zebre, alpha], target_users=[zed, martin]
    )

    html = page(client, author, site)

    assert (
        "Destinataires : Alpha secours, Zèbre solidaire, Alice Martin (Zèbre solidaire), Bob Zed (Alpha secours)"
        in html
    )


def test_on_a_targeted_message_the_links_follow_the_rules_too(client, author, target, local_admin, site):
    entry = JournalEntryFactory(site=site, author=author, targeted=True, target_users=[target], body=SECRET)
    edit = reverse("journal:edit", kwargs={"site_id": site.pk, "entry_id": entry.pk})
    delete = reverse("journal:delete", kwargs={"site_id": site.pk, "entry_id": entry.pk})

    as_author, as_target, as_admin = (page(client, user, site) for user in (author, target, local_admin))

    assert SECRET in as_author and edit in as_author and delete in as_author
    assert SECRET in as_target and edit not in as_target and delete not in as_target
    assert SECRET in as_admin and edit not in as_admin and delete in as_admin


def test_the_delete_page_shows_the_message_as_the_journal_does_without_its_links(client, author, target, site):
    canicule = TagFactory(label="Canicule")
    entry = JournalEntryFactory(site=site, author=author, targeted=True, target_users=[target], tags=[canicule])
    AttachmentFactory(entry=entry, original_name="photo du site.png")
    delete = reverse("journal:delete", kwargs={"site_id": site.pk, "entry_id": entry.pk})
    client.force_login(author)

    html = text(client.get(delete))

    shown = html.split(f'<article id="message-{entry.pk}"', 1)[1].split("</article>", 1)[0]
    assert "Canicule" in shown and "Message ciblé" in shown and "Destinataires : Théo Destinataire" in shown
    assert "photo du site.png" in shown and "Alix Auteur" in shown
    assert "Modifier" not in shown and delete not in shown


@pytest.mark.parametrize("targeted", [False, True], ids=["public", "targeted"])
def test_the_journal_page_reads_the_same_queries_for_one_entry_or_a_full_page(
    client, author, target, prefecture, site, targeted
):
    tags = [TagFactory(), TagFactory(active=False)]

    def add_entries(count: int) -> None:
        for number in range(count):
            entry = JournalEntryFactory(
                site=site,
                author=UserFactory(),
                tags=tags,
                # A page with a targeted message holds public ones too.
                **(
                    {"targeted": True, "target_users": [author], "target_organizations": [prefecture]}
                    if targeted and number % 2 == 0
                    else {}
                ),
            )
            AttachmentFactory(entry=entry)

    client.force_login(author)

    def count_queries() -> int:
        return _page_queries(client, journal_url(site))

    add_entries(1)
    client.get(journal_url(site))  # warm-up: the first page after sign-in stores the permission context
    one = count_queries()
    add_entries(19)
    full = count_queries()

    assert full == one
    # The frame (2), the site, the tags, the count, the entries, their tags and attachments; their targets (2).
    assert one <= (10 if targeted else 8), one


def test_a_page_without_targeted_messages_does_not_read_targets(client, author, target, site):
    JournalEntryFactory(site=site)
    client.force_login(author)
    client.get(journal_url(site))  # warm-up

    def count_queries() -> int:
        return _page_queries(client, journal_url(site))

    public_only = count_queries()
    JournalEntryFactory(site=site, author=author, targeted=True, target_users=[target])

    assert count_queries() == public_only + 2  # the organisations and the people it targets


# Pages of entries and markup kept per process (issue 8) --------------------------------------------------------------


def _messages_shown(html_text: str) -> list[str]:
    return re.findall(r"Message numéro (\d+)\b", html_text)


def test_the_journal_is_paged_newest_first_among_what_the_reader_may_read(client, author, bystander, target, site):
    now = timezone.now()
    for number in range(1, 26):  # 25 public messages, number 25 the newest
        JournalEntryFactory(
            site=site, body=f"Message numéro {number}", created_at=now - datetime.timedelta(hours=30 - number)
        )
    for number in range(26, 31):  # 5 newer messages to `target` alone
        JournalEntryFactory(
            site=site,
            body=f"Message numéro {number}",
            targeted=True,
            target_users=[target],
            created_at=now - datetime.timedelta(minutes=31 - number),
        )

    assert _messages_shown(page(client, target, site)) == [str(number) for number in range(30, 10, -1)]
    assert _messages_shown(page(client, target, site, page=2)) == [str(number) for number in range(10, 0, -1)]
    # The bystander's pages hold the public messages only, counted without the others.
    first = page(client, bystander, site)
    assert _messages_shown(first) == [str(number) for number in range(25, 5, -1)]
    assert 'title="Page 2"' in first and 'title="Page 3"' not in first
    assert _messages_shown(page(client, bystander, site, page=2)) == [str(number) for number in range(5, 0, -1)]
    # A tag narrows the pages and their count.
    canicule = TagFactory(uid="canicule")
    JournalEntryFactory(site=site, body="Message numéro 31", tags=[canicule])
    tagged = page(client, bystander, site, etiquette="canicule")
    assert _messages_shown(tagged) == ["31"] and 'title="Page 2"' not in tagged


def test_a_message_is_rendered_once_per_content_and_again_when_it_changes(client, author, bystander, site):
    entry = JournalEntryFactory(site=site, author=author, body="Première version")
    client.force_login(author)

    def contents(response) -> int:
        # Django's test instrumentation records each render; a partial under its own name.
        return sum(1 for each in response.templates if each.name == "content")

    first = client.get(journal_url(site))
    again = client.get(journal_url(site))
    assert contents(first) == 1 and contents(again) == 0
    assert "Première version" in text(again) and "Modifier" in text(again)

    # Another reader may do other things with it: his own markup, without the author's links.
    client.force_login(bystander)
    theirs = client.get(journal_url(site))
    assert contents(theirs) == 1
    assert "Première version" in text(theirs) and "Modifier<" not in theirs.content.decode()

    # Edited, it is rendered again with its new words.
    client.force_login(author)
    response = client.post(
        reverse("journal:edit", kwargs={"site_id": site.pk, "entry_id": entry.pk}), {"body": "Seconde version"}
    )
    assert response.status_code == 302
    edited = client.get(journal_url(site))
    assert contents(edited) == 1
    assert "Seconde version" in text(edited) and "Première version" not in text(edited)
