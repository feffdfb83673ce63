"""The journal of an action (reference §E.3): its page — the messages the user may read, newest first, and the form to
post for who may comment the action —, the custom audience's search, editing, deleting, and attachments. The pieces
are the site journal's: its form and picker, its message markup (`journal.views.EntryRow`, `entry_html`), its
edit and delete pages.

Each view fetches the action through `access_action` (404 out of sight), checks `permissions` (403 for a reader of
the action without the journal, or without the right to act), and calls one service of `actions.journal`.
"""

import logging
import uuid
from collections.abc import Sequence

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from resorption.accounts import permissions
from resorption.actions import exports
from resorption.actions import journal as services
from resorption.actions.access import access_action, access_action_entry
from resorption.actions.forms import ActionEntryEditForm, ActionEntryForm
from resorption.actions.models import Action, ActionEntry, ActionEntryAttachment
from resorption.core.dates import minute_in_words
from resorption.core.navigation import url_maker
from resorption.core.pagination import pagination_links
from resorption.core.xlsx import XLSX_CONTENT_TYPE
from resorption.journal import services as journal_services
from resorption.journal.forms import JournalEntryDeleteForm
from resorption.journal.views import (
    RECIPIENTS_QUERY,
    SEARCH_RECIPIENTS,
    AttachmentLink,
    EntryRow,
    attachment_response,
    entry_badges,
    recipients_found,
)
from resorption.territories.models import clean_search_term

PAGE_SIZE = 20
logger = logging.getLogger("resorption.actions")


def _action(request: HttpRequest, pk: int) -> Action:
    action = access_action(request.user, pk, queryset=Action.objects.with_members().select_related("departement"))
    if not permissions.can_read_action_journal(request.user, action):
        raise PermissionDenied(services.NO_JOURNAL_ACCESS)
    return action


def _journal_url(action: Action, anchor: str = "") -> str:
    return reverse("actions:journal", kwargs={"pk": action.pk}) + (f"#{anchor}" if anchor else "")


def _words(action: Action) -> dict[str, str]:
    """How the site journal's edit and delete pages name this journal."""
    return {
        "journal_label": "journal de l'action",
        "back_label": "Retour au journal de l'action",
        "lead": f"{action.name} ({action.departement_id})",
    }


def entry_rows(user, action: Action, entries: Sequence[ActionEntry], *, actions: bool = True) -> list[EntryRow]:
    """The messages as the site journal shows its own (`EntryRow`), with what this user may do with each."""
    edit = url_maker("actions:journal_edit", "entry_id", pk=action.pk)
    delete = url_maker("actions:journal_delete", "entry_id", pk=action.pk)
    attachment = url_maker("actions:attachment", "attachment_uuid", marker=uuid.UUID(int=0), pk=action.pk)
    rows = []
    for entry in entries:
        entry.action = action  # already read, with what the rules read of it
        author = entry.author
        rows.append(
            EntryRow(
                pk=entry.pk,
                author=author.full_name if author else "",
                organization=author.organization.name if author else "",
                posted_at=minute_in_words(entry.created_at),
                edited=entry.edited,
                badges=entry_badges(is_health=False, targeted=not entry.is_public, tags=()),
                is_public=entry.is_public,
                targets=tuple(entry.target_labels),
                is_health=False,
                health_date="",
                health_interventions=(),
                body=entry.body,
                attachments=tuple(
                    AttachmentLink(attachment(each.uuid), each.original_name, filesizeformat(each.size), each.is_image)
                    for each in entry.attachments.all()
                ),
                can_edit=actions and permissions.can_edit_action_entry(user, entry),
                can_delete=actions and permissions.can_delete_action_entry(user, entry),
                edit_url=edit(entry.pk),
                delete_url=delete(entry.pk),
            )
        )
    return rows


@require_http_methods(["GET", "POST"])
def action_journal(request: HttpRequest, pk: int) -> HttpResponse:
    """The action's journal: the messages the user may read, newest first, and — for who may comment the action —
    the form to post one, with the site journal's audiences and files."""
    user = request.user
    action = _action(request, pk)
    can_post = permissions.can_comment_action(user, action)
    form = None
    recipients_query = ""
    suggestions = None
    if can_post:
        data = request.POST if request.method == "POST" else None
        files = request.FILES if request.method == "POST" else None
        form = ActionEntryForm(data, files, departement_id=action.departement_id)
        if request.method == "POST":
            recipients_query = clean_search_term(request.POST.get(RECIPIENTS_QUERY, ""))
        if request.method == "POST" and SEARCH_RECIPIENTS in request.POST:
            # « Rechercher » without JavaScript: the form comes back as typed with what was found; nothing is posted.
            form = ActionEntryForm(departement_id=action.departement_id, initial=form.typed_values())
            suggestions = journal_services.audience_search(
                action.departement_id, recipients_query, exclude=form.chosen
            )
        elif request.method == "POST" and form.is_valid():
            values = form.cleaned_data
            try:
                entry = services.action_entry_post(
                    user=user,
                    action_id=action.pk,
                    body=values["body"],
                    audience=values["audience"],
                    target_organization_ids=values["target_organizations"],
                    target_user_ids=values["target_users"],
                    files=values["files"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Votre message a été ajouté au journal de l'action.")
                return redirect(_journal_url(action, f"message-{entry.pk}"))
    elif request.method == "POST":
        raise PermissionDenied(services.NO_RIGHT_TO_POST)

    page = Paginator(services.entries_for(user, action), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "actions/action_journal.html",
        {
            "action": action,
            "page": page,
            "rows": entry_rows(user, action, list(page.object_list)),
            "pagination": pagination_links(request.GET, page),
            "form": form,
            "tab": "messages",
            "recipients_query": recipients_query,
            "recipients_url": reverse("actions:journal_recipients", kwargs={"pk": action.pk}),
            "suggestions": suggestions,
            "can_export_journal": permissions.can_export_action_journal(user, action),
        },
    )


@require_GET
def recipients(request: HttpRequest, pk: int) -> HttpResponse:
    """The custom audience picker's suggestions (htmx), among the organisations and people of the action's main
    département; for who may comment the action only (404 for anyone else)."""
    action = access_action(request.user, pk, queryset=Action.objects.with_members())
    if not permissions.can_comment_action(request.user, action):
        raise Http404("Action introuvable")
    return recipients_found(request, action.departement_id)


@require_http_methods(["GET", "POST"])
def entry_edit(request: HttpRequest, pk: int, entry_id: int) -> HttpResponse:
    """« Modifier » a message: its author only (403 for anyone else who reads it)."""
    action = _action(request, pk)
    entry = access_action_entry(request.user, action, entry_id)
    if not permissions.can_edit_action_entry(request.user, entry):
        raise PermissionDenied(journal_services.ONLY_THE_AUTHOR_EDITS)
    if request.method == "POST":
        form = ActionEntryEditForm(request.POST)
        if form.is_valid():
            try:
                services.action_entry_edit(
                    user=request.user, action_id=action.pk, entry_id=entry.pk, body=form.cleaned_data["body"]
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Le message a été modifié.")
                return redirect(_journal_url(action, f"message-{entry.pk}"))
    else:
        form = ActionEntryEditForm(initial={"body": entry.body})
    return render(
        request,
        "journal/entry_edit.html",
        {"entry": entry, "form": form, "back_url": _journal_url(action), **_words(action)},
    )


@require_http_methods(["GET", "POST"])
def entry_delete(request: HttpRequest, pk: int, entry_id: int) -> HttpResponse:
    """« Supprimer » a message: its author, or a moderator who gives a reason (403 for anyone else)."""
    user = request.user
    action = _action(request, pk)
    entry = access_action_entry(user, action, entry_id)
    if not permissions.can_delete_action_entry(user, entry):
        raise PermissionDenied(journal_services.NO_RIGHT_TO_DELETE)
    moderating = entry.author_id != user.pk
    if request.method == "POST":
        form = JournalEntryDeleteForm(request.POST, reason_required=moderating)
        if form.is_valid():
            try:
                services.action_entry_delete(
                    user=user, action_id=action.pk, entry_id=entry.pk, reason=form.cleaned_data.get("reason", "")
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                done = "Le message a été supprimé."
                if moderating and entry.author is not None and entry.author.is_active:
                    done += " Son auteur en a été informé par courriel, avec le motif."
                messages.success(request, done)
                return redirect(_journal_url(action))
    else:
        form = JournalEntryDeleteForm(reason_required=moderating)
    shown = list(services.entries_for(user, action).filter(pk=entry.pk))
    return render(
        request,
        "journal/entry_delete.html",
        {
            **_words(action),
            "row": entry_rows(user, action, shown, actions=False)[0],
            "form": form,
            "moderating": moderating,
            "back_url": _journal_url(action, f"message-{entry.pk}"),
        },
    )


@require_GET
def attachment(request: HttpRequest, pk: int, attachment_uuid: uuid.UUID) -> FileResponse:
    """Streams an attachment to who may read its message (404 for anyone else, as for a missing file), as the site
    journal does."""
    action = access_action(request.user, pk, queryset=Action.objects.with_members())
    try:
        found = services.attachment_for(request.user, action, attachment_uuid)
    except ActionEntryAttachment.DoesNotExist:
        raise Http404("Pièce jointe introuvable") from None
    return attachment_response(request, found)


@require_GET
def journal_export(request: HttpRequest, pk: int) -> HttpResponse:
    """« Exporter le journal (xlsx) » (§A.7 `actionComment.exportList`): the messages of the action's journal the user
    reads, oldest first, as an xlsx file; for who holds `action_comment.export` on the action (403 for another reader
    of the action, 404 out of sight)."""
    user = request.user
    action = access_action(user, pk, queryset=Action.objects.with_members())
    if not permissions.can_export_action_journal(user, action):
        raise PermissionDenied("Vous n'avez pas le droit d'exporter le journal de cette action.")
    entries = list(services.entries_for(user, action).order_by("created_at", "pk"))
    logger.info("action journal export", extra={"user_id": user.pk, "action_id": action.pk, "rows": len(entries)})
    response = HttpResponse(exports.action_journal_workbook(entries), content_type=XLSX_CONTENT_TYPE)
    filename = exports.action_journal_filename(action, timezone.localdate())
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
