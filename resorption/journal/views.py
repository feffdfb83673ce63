"""The journal of a site (reference §D): the page with its two tabs (« Messages », « Suivi sanitaire », which opens
with the territorial messages addressed to the site's département, §I.2), the tag filter and the form to post, whose
custom audience is picked through a search (`recipients`, htmx); editing and deleting a message; downloading an
attachment.

Every view fetches the site through `access_site` (404 out of scope), an entry through `access_journal_entry` (an
entry the user may not read is a 404, like a missing one), checks the permission, then calls one service.
"""

import uuid
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from resorption.accounts import permissions
from resorption.core.forms import parse_id
from resorption.core.pagination import pagination_links
from resorption.journal import services, territorial
from resorption.journal.access import access_journal_entry
from resorption.journal.enums import EntryKind
from resorption.journal.forms import JournalEntryDeleteForm, JournalEntryEditForm, JournalEntryForm
from resorption.journal.models import Attachment, JournalEntry, Tag
from resorption.journal.views_territorial import territorial_rows
from resorption.settlements.access import access_site
from resorption.settlements.models import Site
from resorption.territories.models import clean_search_term

PAGE_SIZE = 20
# Query-string values of the tabs (French, as users see them in the address bar).
TABS = {"messages": EntryKind.MESSAGE, "sanitaire": EntryKind.HEALTH}
TAB_LABELS = {"messages": "Messages", "sanitaire": "Suivi sanitaire"}
NO_JOURNAL_ACCESS = "Vous n'avez pas accès au journal de ce site."
# The latest territorial messages shown above the health follow-ups; the others are on the territorial page.
TERRITORIAL_SHOWN = 5
# The custom audience picker's search field, and its « Rechercher » button (which posts the form without JavaScript).
RECIPIENTS_QUERY = "q"
SEARCH_RECIPIENTS = "destinataires_recherche"


@dataclass(frozen=True)
class EntryRow:
    """An entry with what the user may do with it, for the templates (which never re-derive a rule)."""

    entry: JournalEntry
    can_edit: bool
    can_delete: bool


def entry_rows(user, entries) -> list[EntryRow]:
    return [
        EntryRow(
            entry,
            can_edit=permissions.can_edit_journal_entry(user, entry),
            can_delete=permissions.can_delete_journal_entry(user, entry),
        )
        for entry in entries
    ]


def _site(request: HttpRequest, site_id: int) -> Site:
    site = access_site(request.user, site_id, queryset=Site.objects.select_related("commune__departement"))
    if not permissions.can_read_journal(request.user, site):
        raise PermissionDenied(NO_JOURNAL_ACCESS)
    return site


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
    tags = list(Tag.objects.active())
    can_post = permissions.can_post_in_journal(user, site)

    form = None
    recipients_query = ""
    suggestions = None
    if can_post:
        organizations, users = services.audience_choices(site)
        data = request.POST if request.method == "POST" else None
        files = request.FILES if request.method == "POST" else None
        form = JournalEntryForm(
            data, files, tags=tags, organizations=organizations, users=users, initial={"kind": kind}
        )
        if request.method == "POST":
            recipients_query = clean_search_term(request.POST.get(RECIPIENTS_QUERY, ""))
        if request.method == "POST" and SEARCH_RECIPIENTS in request.POST:
            # « Rechercher » without JavaScript sends the whole form here: it comes back as typed, unchecked, with the
            # people and organisations found; nothing is posted.
            form = JournalEntryForm(tags=tags, organizations=organizations, users=users, initial=form.typed_values())
            suggestions = services.audience_search(site, recipients_query, exclude=form.chosen)
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

    known_tags = {tag.uid: tag for tag in tags}
    selected_tag = known_tags.get(request.GET.get("etiquette", ""))
    entries = services.entries_for(user, site, kind=kind, tag=selected_tag.uid if selected_tag else None)
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
            "rows": entry_rows(user, page.object_list),
            "pagination": pagination_links(request.GET, page),
            "form": form,
            "recipients_query": recipients_query,
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
    site = access_site(request.user, site_id, queryset=Site.objects.select_related("commune"))
    if not permissions.can_post_in_journal(request.user, site):
        raise Http404("Site introuvable")
    chosen = services.audience_chosen(
        site,
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
            "suggestions": services.audience_search(site, query, exclude=chosen),
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
        {"site": site, "entry": entry, "form": form, "back_url": _journal_url(site, _tab_of(entry))},
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
    return render(
        request,
        "journal/entry_delete.html",
        {
            "site": site,
            # Shown as a reminder of what is deleted, without its own « Modifier » and « Supprimer » links.
            "row": EntryRow(entry, can_edit=False, can_delete=False),
            "form": form,
            "moderating": moderating,
            "back_url": _journal_url(site, _tab_of(entry), f"message-{entry.pk}"),
        },
    )


@require_http_methods(["GET"])
def attachment(request: HttpRequest, site_id: int, attachment_uuid: uuid.UUID) -> FileResponse:
    """Streams an attachment to who may read its message (404 for anyone else, as for a missing file). Images are
    shown inline with `?apercu=1` (the previews of the journal); everything else is downloaded."""
    site = access_site(request.user, site_id, queryset=Site.objects.select_related("commune"))
    try:
        found = services.attachment_for(request.user, site, attachment_uuid)
    except Attachment.DoesNotExist:
        raise Http404("Pièce jointe introuvable") from None
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
