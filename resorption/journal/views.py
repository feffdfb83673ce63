"""The journal of a site (reference §D): the page with its two tabs (« Messages », « Suivi sanitaire », which opens
with the territorial messages addressed to the site's département, §I.2), the tag filter and the form to post, whose
custom audience is picked through a search (`recipients`, htmx); editing and deleting a message; downloading an
attachment.

Every view fetches the site through `access_site` (404 out of scope), an entry through `access_journal_entry` (an
entry the user may not read is a 404, like a missing one), checks the permission, then calls one service.
"""

import datetime
import hashlib
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache

from django.contrib import messages
from django.core.cache import caches
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods

from resorption.accounts import permissions
from resorption.core.dates import minute_in_words
from resorption.core.forms import parse_id
from resorption.core.navigation import url_maker
from resorption.core.pagination import pagination_links
from resorption.core.prepared import PreparedQueries
from resorption.journal import services, territorial
from resorption.journal.access import access_journal_entry
from resorption.journal.enums import EntryKind, HealthIntervention
from resorption.journal.forms import JournalEntryDeleteForm, JournalEntryEditForm, JournalEntryForm
from resorption.journal.models import Attachment, JournalEntry, StoredAttachment, Tag
from resorption.journal.views_territorial import territorial_rows
from resorption.settlements.access import access_site
from resorption.settlements.models import Site
from resorption.territories.models import Commune, clean_search_term

PAGE_SIZE = services.PAGE_SIZE
# Query-string values of the tabs (French, as users see them in the address bar).
TABS = {"messages": EntryKind.MESSAGE, "sanitaire": EntryKind.HEALTH}
TAB_LABELS = {"messages": "Messages", "sanitaire": "Suivi sanitaire"}
NO_JOURNAL_ACCESS = "Vous n'avez pas accès au journal de ce site."
# The latest territorial messages shown above the health follow-ups; the others are on the territorial page.
TERRITORIAL_SHOWN = 5
# The custom audience picker's search field, and its « Rechercher » button (which posts the form without JavaScript).
RECIPIENTS_QUERY = "q"
SEARCH_RECIPIENTS = "destinataires_recherche"
# How long a process keeps the rendered fields of a blank posting form (their key changes with the tags anyway).
BLANK_FORM_SECONDS = 3600
# How many rendered entries a process keeps (`entry_html`): a few megabytes, the entries of the journals read lately.
ENTRY_HTML_CACHE = 4096


@dataclass(frozen=True)
class AttachmentLink:
    url: str
    name: str
    size: str  # « 1,2 Mo »
    is_image: bool


@dataclass(frozen=True)
class EntryRow:
    """An entry as the page shows it, its values already in words, with what the user may do with it (the templates
    never re-derive a rule). Plain values rather than the entry: each step of a template's `entry.author.full_name`
    tries a key, an attribute and an index (docs/decisions/0010-template-engine.md)."""

    pk: int
    author: str  # « Prénom Nom », "" when the account is gone
    organization: str
    posted_at: str  # « 3 décembre 2026 à 14:05 »
    edited: bool
    badges: str  # the badges group, rendered (`entry_badges`)
    is_public: bool
    targets: tuple[str, ...]  # organisations, then people with their organisation
    is_health: bool
    health_date: str
    health_interventions: tuple[str, ...]
    body: str
    attachments: tuple[AttachmentLink, ...]
    can_edit: bool
    can_delete: bool
    edit_url: str
    delete_url: str

    @property
    def html(self) -> str:
        """The entry's content, rendered (`entry_html`)."""
        return entry_html(self)


@dataclass(frozen=True)
class _Readable:
    """An entry as the journal's rules read it (`permissions.JournalEntryLike`), with the targets of its details."""

    commune: Commune
    is_public: bool
    author_id: int | None
    target_user_ids: Collection[int]
    target_organization_ids: Collection[int]


class _Urls:
    """The addresses of the site's entries and attachments, each from one `reverse()` per page rather than one per
    link."""

    def __init__(self, site_id: int):
        self.edit = url_maker("journal:edit", "entry_id", site_id=site_id)
        self.delete = url_maker("journal:delete", "entry_id", site_id=site_id)
        self.attachment = url_maker("journal:attachment", "attachment_uuid", marker=uuid.UUID(int=0), site_id=site_id)


def entry_rows(
    user, site: Site, entries: Sequence[dict], *, tags: Sequence[Tag], actions: bool = True
) -> list[EntryRow]:
    """The rows of a page of the site's entries (dicts of `services.entries_for`), their tags taken among `tags`
    (every tag: an entry keeps a retired one). `actions=False` leaves out the « Modifier » and « Supprimer » links."""
    details = services.entry_details(entries, tags=tags)
    urls = _Urls(site.pk)
    language = get_language()
    rows = []
    for entry in entries:
        pk, is_public = entry["pk"], entry["is_public"]
        around = details[pk]
        readable = _Readable(
            commune=site.commune,
            is_public=is_public,
            author_id=entry["author_id"],
            target_user_ids=around.target_users.keys(),
            target_organization_ids=around.target_organizations.keys(),
        )
        is_health = entry["kind"] == EntryKind.HEALTH
        interventions = entry["health_interventions"]
        rows.append(
            EntryRow(
                pk=pk,
                author=f"{entry['author__first_name']} {entry['author__last_name']}" if entry["author_id"] else "",
                organization=entry["author__organization__name"] or "",
                posted_at=minute_in_words(entry["created_at"]),
                edited=entry["edited"],
                badges=entry_badges(
                    is_health=is_health,
                    targeted=not is_public,
                    tags=tuple((tag.label, tag.is_alert) for tag in around.tags),
                ),
                is_public=is_public,
                targets=tuple(around.target_labels),
                is_health=is_health,
                health_date=_day(entry["health_date"], language) if entry["health_date"] else "",
                health_interventions=tuple(label for value, label in _INTERVENTIONS if value in interventions),
                body=entry["body"],
                attachments=tuple(
                    AttachmentLink(urls.attachment(each.uuid), each.name, filesizeformat(each.size), each.is_image)
                    for each in around.attachments
                ),
                can_edit=actions and permissions.can_edit_journal_entry(user, readable),
                can_delete=actions and permissions.can_delete_journal_entry(user, readable),
                edit_url=urls.edit(pk),
                delete_url=urls.delete(pk),
            )
        )
    return rows


_INTERVENTIONS = tuple(HealthIntervention.choices)
_TAGS = PreparedQueries(Tag, size=1)


def _every_tag() -> list[Tag]:
    """Every tag, retired ones included, in their order (one query, compiled once per process)."""
    return _TAGS.fetch("every tag", Tag.objects.all)


@lru_cache(maxsize=ENTRY_HTML_CACHE)
def entry_html(row: EntryRow) -> str:
    """The content of an entry's article (journal/includes/entry.html, partial `content`), rendered once per process
    for each content: the row holds everything it shows, in words, and what the reader may do with it, so that two
    equal rows are the same markup. The page's twenty entries were the largest part of its rendering."""
    return render_to_string("journal/includes/entry.html#content", {"row": row})


@lru_cache(maxsize=1024)
def entry_badges(*, is_health: bool, targeted: bool, tags: tuple[tuple[str, bool], ...]) -> str:
    """The badges group of an entry — « Suivi sanitaire », « Message ciblé », its tags (label, is alert) — rendered
    once per combination and process: it depends on nothing else, no entry, no user."""
    return render_to_string(
        "journal/includes/entry.html#badges", {"is_health": is_health, "targeted": targeted, "tags": tags}
    )


@lru_cache(maxsize=4096)
def _day(day: datetime.date, language: str) -> str:
    return date_format(day, "j F Y")


@dataclass(frozen=True)
class BlankFormFields:
    """The posting form's fields of a blank form, rendered: those before the custom audience, and those after it."""

    before_recipients: str
    after_recipients: str


def blank_form_fields(form: JournalEntryForm, *, kind: str, tags: list[Tag]) -> BlankFormFields:
    """The fields of a blank posting form (a GET), rendered once per process: a dozen DSFR field groups (17 tag
    boxes, the audience's radios…) were the largest part of the page's rendering, and they are the same on every site
    and for every user of a tab. The key is derived from everything they show besides the code: the tab (`kind`),
    the tags offered (uid, label, in their order: a renamed, added, retired or moved tag gives another key) and the
    language. What names the site or the request — the form's address, the CSRF token, the custom audience's search
    (journal/includes/recipients.html) — is rendered with the page."""
    offered = [(tag.uid, tag.label) for tag in tags]
    key = "journal-form:" + hashlib.sha256(repr((kind, offered, get_language())).encode()).hexdigest()
    fields = caches["fragments"].get(key)
    if fields is None:
        template = "journal/includes/entry_form.html#fields-"
        fields = BlankFormFields(
            before_recipients=render_to_string(template + "before-recipients", {"form": form}),
            after_recipients=render_to_string(template + "after-recipients", {"form": form}),
        )
        caches["fragments"].set(key, fields, BLANK_FORM_SECONDS)
    return fields


def _site(request: HttpRequest, site_id: int) -> Site:
    site = access_site(request.user, site_id, shape="departement")
    if not permissions.can_read_journal(request.user, site):
        raise PermissionDenied(NO_JOURNAL_ACCESS)
    return site


def _journal_words(site: Site) -> dict[str, str]:
    """How the pages shared with the actions' journal (journal/entry_edit.html, entry_delete.html) name this one."""
    return {
        "journal_label": "journal du site",
        "back_label": "Retour au journal du site",
        "lead": f"{site.display_name} — {site.commune.name} ({site.commune.departement_id})",
    }


def _journal_url(site: Site, tab: str = "messages", anchor: str = "") -> str:
    url = reverse("journal:journal", kwargs={"site_id": site.pk})
    if tab != "messages":
        url += f"?onglet={tab}"
    return url + (f"#{anchor}" if anchor else "")


@require_http_methods(["GET", "POST"])
def journal(request: HttpRequest, site_id: int) -> HttpResponse:
    """The site's journal: the entries the user may read, newest first, in two tabs and filtered by tag; above them,
    for those who may write, the form to post a message or a health follow-up."""
    site = _site(request, site_id)
    user = request.user
    tab = request.GET.get("onglet", "")
    if tab not in TABS:
        tab = "messages"
    kind = TABS[tab]
    # Every tag in one query: the active ones are offered (form, filter), retired ones still show on their entries.
    every_tag = _every_tag()
    tags = [tag for tag in every_tag if tag.active]
    can_post = permissions.can_post_in_journal(user, site)
    departement_id = site.commune.departement_id

    form = None
    recipients_query = ""
    suggestions = None
    if can_post:
        data = request.POST if request.method == "POST" else None
        files = request.FILES if request.method == "POST" else None
        form = JournalEntryForm(data, files, tags=tags, departement_id=departement_id, initial={"kind": kind})
        if request.method == "POST":
            recipients_query = clean_search_term(request.POST.get(RECIPIENTS_QUERY, ""))
        if request.method == "POST" and SEARCH_RECIPIENTS in request.POST:
            # « Rechercher » without JavaScript sends the whole form here: it comes back as typed, unchecked, with the
            # people and organisations found; nothing is posted.
            form = JournalEntryForm(tags=tags, departement_id=departement_id, initial=form.typed_values())
            suggestions = services.audience_search(departement_id, recipients_query, exclude=form.chosen)
        elif request.method == "POST" and form.is_valid():
            values = form.cleaned_data
            try:
                entry = services.journal_entry_post(
                    user=user,
                    site_id=site.pk,
                    kind=values["kind"],
                    body=values["body"],
                    audience=values["audience"],
                    target_organization_ids=values["target_organizations"],
                    target_user_ids=values["target_users"],
                    tags=values["tags"],
                    files=values["files"],
                    health_date=values["health_date"],
                    health_interventions=values["health_interventions"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                posted_tab = "sanitaire" if entry.kind == EntryKind.HEALTH else "messages"
                messages.success(request, "Votre publication a été ajoutée au journal du site.")
                return redirect(_journal_url(site, posted_tab, f"message-{entry.pk}"))
        if request.method == "POST":
            tab = "sanitaire" if form.is_health else "messages"
            kind = TABS[tab]
    elif request.method == "POST":
        raise PermissionDenied(services.NO_RIGHT_TO_POST)

    # A form sent back (errors, the recipients' search) shows what was typed: its fields are rendered with the page.
    blank_fields = blank_form_fields(form, kind=kind, tags=tags) if form and request.method == "GET" else None
    known_tags = {tag.uid: tag for tag in tags}
    selected_tag = known_tags.get(request.GET.get("etiquette", ""))
    entries = services.ReadableEntries(user, site, kind=kind, tag=selected_tag.uid if selected_tag else None)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    # The health tab opens with the territorial messages addressed to the site's département (§I.2).
    territorial_messages = None
    if kind == EntryKind.HEALTH:
        latest = territorial.territorial_messages_for_site(user, site)[:TERRITORIAL_SHOWN]
        territorial_messages = territorial_rows(user, latest)
    return render(
        request,
        "journal/journal.html",
        {
            "site": site,
            "tab": tab,
            "tabs": [
                {"value": value, "label": label, "url": _journal_url(site, value), "current": value == tab}
                for value, label in TAB_LABELS.items()
            ],
            "tags": tags,
            "selected_tag": selected_tag,
            "page": page,
            "rows": entry_rows(user, site, list(page.object_list), tags=every_tag),
            "pagination": pagination_links(request.GET, page),
            "form": form,
            "blank_form_fields": blank_fields,
            "recipients_query": recipients_query,
            "recipients_url": reverse("journal:recipients", kwargs={"site_id": site.pk}),
            "suggestions": suggestions,
            # Admins of the territory see who was notified of each message (notification_tags).
            "can_see_notified": permissions.can_see_who_was_notified(user, site),
            "can_export_journal": permissions.can_export_journal(user, site),
            "territorial_messages": territorial_messages,
            "can_post_territorial_message": permissions.can_post_territorial_message(user),
            "territorial_url": reverse("journal:territorial") + f"?departement={site.commune.departement_id}",
        },
    )


@require_GET
def recipients(request: HttpRequest, site_id: int) -> HttpResponse:
    """The suggestions of the posting form's custom audience picker (htmx): the organisations and people of the
    site's audience matching `?q=`, without those already chosen (`target_organizations`, `target_users`, sent back
    by the picker and listed again as chosen, out of band). For who may post in the site's journal only: anyone else
    gets a 404, as for a site out of sight. A fixed number of queries whatever the number of people."""
    site = access_site(request.user, site_id, shape="commune")
    if not permissions.can_post_in_journal(request.user, site):
        raise Http404("Site introuvable")
    return recipients_found(request, site.commune.departement_id)


def recipients_found(request: HttpRequest, departement_id: str) -> HttpResponse:
    """The picker's suggestions among the custom audience of a journal of this département (a site's or an
    action's), and the chosen ones listed again, out of band. Two queries whatever the number of people."""
    chosen = services.audience_chosen(
        departement_id,
        organization_ids=_ids(request.GET.getlist("target_organizations")),
        user_ids=_ids(request.GET.getlist("target_users")),
    )
    query = clean_search_term(request.GET.get(RECIPIENTS_QUERY, ""))
    return render(
        request,
        "journal/includes/recipients_found.html",
        {
            "chosen": chosen,
            "recipients_query": query,
            "suggestions": services.audience_search(departement_id, query, exclude=chosen),
        },
    )


def _ids(values: list[str]) -> set[int]:
    return {parse_id(value) for value in values} - {None}


def _entry(request: HttpRequest, site: Site, entry_id: int) -> JournalEntry:
    """The entry of this site's journal, if the user may read it (404 otherwise)."""
    return access_journal_entry(
        request.user, entry_id, site=site, queryset=site.journal_entries.with_display_data(site_known=True)
    )


def _tab_of(entry: JournalEntry) -> str:
    return "sanitaire" if entry.kind == EntryKind.HEALTH else "messages"


@require_http_methods(["GET", "POST"])
def entry_edit(request: HttpRequest, site_id: int, entry_id: int) -> HttpResponse:
    """« Modifier » a message: its author only (403 for anyone else who reads it)."""
    site = _site(request, site_id)
    entry = _entry(request, site, entry_id)
    if not permissions.can_edit_journal_entry(request.user, entry):
        raise PermissionDenied(services.ONLY_THE_AUTHOR_EDITS)
    tags = list(Tag.objects.active())
    current_tags = list(entry.tags.all())
    offered = tags + [tag for tag in current_tags if tag not in tags]
    if request.method == "POST":
        form = JournalEntryEditForm(request.POST, tags=offered)
        if form.is_valid():
            try:
                services.journal_entry_edit(
                    user=request.user,
                    entry_id=entry.pk,
                    body=form.cleaned_data["body"],
                    tags=form.cleaned_data["tags"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Le message a été modifié.")
                return redirect(_journal_url(site, _tab_of(entry), f"message-{entry.pk}"))
    else:
        form = JournalEntryEditForm(
            initial={"body": entry.body, "tags": [tag.uid for tag in current_tags]}, tags=offered
        )
    return render(
        request,
        "journal/entry_edit.html",
        {"entry": entry, "form": form, "back_url": _journal_url(site, _tab_of(entry)), **_journal_words(site)},
    )


@require_http_methods(["GET", "POST"])
def entry_delete(request: HttpRequest, site_id: int, entry_id: int) -> HttpResponse:
    """« Supprimer » a message: its author, or a moderator who gives a reason (403 for anyone else)."""
    site = _site(request, site_id)
    entry = _entry(request, site, entry_id)
    user = request.user
    if not permissions.can_delete_journal_entry(user, entry):
        raise PermissionDenied(services.NO_RIGHT_TO_DELETE)
    moderating = entry.author_id != user.pk
    if request.method == "POST":
        form = JournalEntryDeleteForm(request.POST, reason_required=moderating)
        if form.is_valid():
            try:
                services.journal_entry_delete(user=user, entry_id=entry.pk, reason=form.cleaned_data.get("reason", ""))
            except ValidationError as error:
                form.add_error(None, error)
            else:
                done = "Le message a été supprimé."
                if moderating and entry.author is not None and entry.author.is_active:
                    done += " Son auteur en a été informé par courriel, avec le motif."
                messages.success(request, done)
                return redirect(_journal_url(site, _tab_of(entry)))
    else:
        form = JournalEntryDeleteForm(reason_required=moderating)
    # Shown as a reminder of what is deleted, as the journal shows it, without its « Modifier » and « Supprimer ».
    shown = list(services.entries_for(user, site).filter(pk=entry.pk))
    return render(
        request,
        "journal/entry_delete.html",
        {
            **_journal_words(site),
            "row": entry_rows(user, site, shown, tags=_every_tag(), actions=False)[0],
            "form": form,
            "moderating": moderating,
            "back_url": _journal_url(site, _tab_of(entry), f"message-{entry.pk}"),
        },
    )


@require_http_methods(["GET"])
def attachment(request: HttpRequest, site_id: int, attachment_uuid: uuid.UUID) -> FileResponse:
    """Streams an attachment to who may read its message (404 for anyone else, as for a missing file). Images are
    shown inline with `?apercu=1` (the previews of the journal); everything else is downloaded."""
    site = access_site(request.user, site_id, shape="commune")
    try:
        found = services.attachment_for(request.user, site, attachment_uuid)
    except Attachment.DoesNotExist:
        raise Http404("Pièce jointe introuvable") from None
    return attachment_response(request, found)


def attachment_response(request: HttpRequest, found: StoredAttachment) -> FileResponse:
    """The file of an attachment whose message the user may read (checked by the caller): images inline with
    `?apercu=1`, everything else downloaded, never kept by a shared cache; 404 when the file is gone."""
    inline = found.is_image and request.GET.get("apercu") == "1"
    try:
        stream = found.file.open("rb")
    except FileNotFoundError:
        raise Http404("Pièce jointe introuvable") from None
    response = FileResponse(
        stream, as_attachment=not inline, filename=found.original_name, content_type=found.content_type
    )
    # Files of targeted messages are confidential: no shared cache may keep them.
    response["Cache-Control"] = "private, no-store"
    return response
