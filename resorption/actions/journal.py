"""An action's journal (reference §E.3 « commentaires »): the site journal's machinery — audiences (everyone who reads
the action's journal, the préfecture and DDETS of its main département, or a custom list), attachments checked from
their bytes and scanned, edition by the author, deletion by the author or a moderator who gives a reason — applied to
an action. The audiences, files and targets are `journal.services`' own functions, given the action's main
département; who reads a message is `permissions.action_entries_q` / `can_read_action_entry`.

Writes: `action_entry_post`, `action_entry_edit`, `action_entry_delete`, each through `access_action` (404 out of
sight) and the permission in `accounts.permissions` (`PermissionDenied`), reporting broken rules as a French
`ValidationError` keyed by the form field (`body`, `audience`, `target_organizations`, `target_users`, `files`,
`reason`). Reads: `entries_for`, `attachment_for`.
"""

import uuid
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from resorption.accounts import permissions
from resorption.accounts.enums import UserStatus
from resorption.accounts.models import Organization, User
from resorption.actions import signals
from resorption.actions.access import access_action, access_action_entry
from resorption.actions.models import Action, ActionEntry, ActionEntryAttachment
from resorption.emails.services import email_queue
from resorption.journal import services as journal
from resorption.journal.enums import Audience

NO_JOURNAL_ACCESS = "Vous n'avez pas accès au journal de cette action."
NO_RIGHT_TO_POST = "Vous n'avez pas les droits suffisants pour ajouter un message dans le journal de cette action."


def entries_for(user: User, action: Action) -> QuerySet[ActionEntry]:
    """The messages of the action's journal the user may read, newest first, not deleted, with their author, targets
    and attachments in a fixed number of queries."""
    return (
        action.journal_entries.alive()
        .readable_by(user)
        .select_related("author__organization")
        .prefetch_related(
            models.Prefetch("target_organizations", queryset=Organization.objects.only("name").order_by("name")),
            models.Prefetch(
                "target_users",
                queryset=User.objects.select_related("organization")
                .only("first_name", "last_name", "organization__name")
                .order_by("last_name", "first_name"),
            ),
            models.Prefetch("attachments", queryset=ActionEntryAttachment.objects.order_by("pk")),
        )
    )


def attachment_for(user: User, action: Action, attachment_uuid: uuid.UUID) -> ActionEntryAttachment:
    """The attachment, if its message belongs to the action, is not deleted and the user may read it (a targeted
    message's files follow the message); `ActionEntryAttachment.DoesNotExist` otherwise, whatever the reason."""
    attachment = (
        ActionEntryAttachment.objects.select_related("entry")
        .prefetch_related("entry__target_users", "entry__target_organizations")
        .get(uuid=attachment_uuid, entry__action=action, entry__deleted_at__isnull=True)
    )
    attachment.entry.action = action  # the action already read, with its pilots and operators
    if not permissions.can_read_action_entry(user, attachment.entry):
        raise ActionEntryAttachment.DoesNotExist
    return attachment


def action_entry_post(
    *,
    user: User,
    action_id: int,
    body: str,
    audience: str = Audience.PUBLIC,
    target_organization_ids: Iterable[int] = (),
    target_user_ids: Iterable[int] = (),
    files: Sequence = (),
) -> ActionEntry:
    """Posts a message in the action's journal, for who may comment it (`permissions.can_comment_action`). The
    audience « préfecture et DDETS » targets those of the action's main département; a custom audience names active
    organisations or people (checked as in the site journal). Files are checked and scanned before the short
    transaction that writes the message, its targets and files, and records what must be told (signal)."""
    action = access_action(user, action_id, queryset=Action.objects.with_members())
    if not permissions.can_comment_action(user, action):
        raise PermissionDenied(NO_RIGHT_TO_POST)
    errors: dict[str, list[str]] = {}
    body = (body or "").strip()
    if not body:
        errors.setdefault("body", []).append(journal.BODY_REQUIRED)
    targets = journal.resolve_targets(
        action.departement_id, audience, target_organization_ids, target_user_ids, errors
    )
    checked = journal.checked_files(files, errors)
    if errors:
        raise ValidationError(errors)
    journal.scan_files(checked, errors)
    if errors:
        raise ValidationError(errors)

    entry = ActionEntry(action=action, author=user, body=body, audience=audience)
    stored: list[str] = []
    try:
        with transaction.atomic():
            entry.full_clean()
            entry.save()
            entry.target_organizations.set(targets.organizations)
            entry.target_users.set(targets.users)
            journal.store_attachments(ActionEntryAttachment, entry, checked, stored)
            signals.action_entry_posted.send(sender=ActionEntry, entry=entry, user=user)
    except BaseException:
        journal.delete_stored(ActionEntryAttachment, stored)
        raise
    return entry


@transaction.atomic
def action_entry_edit(*, user: User, action_id: int, entry_id: int, body: str) -> ActionEntry:
    """Changes the text of a message: its author only; the text may not become empty. The message is marked as
    edited."""
    action = access_action(user, action_id, queryset=Action.objects.with_members())
    entry = access_action_entry(user, action, entry_id, for_update=True)
    if not permissions.can_edit_action_entry(user, entry):
        raise PermissionDenied(journal.ONLY_THE_AUTHOR_EDITS)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": [journal.BODY_REQUIRED]})
    journal.rewrite_message(entry, body)
    return entry


@transaction.atomic
def action_entry_delete(*, user: User, action_id: int, entry_id: int, reason: str = "") -> ActionEntry:
    """Deletes a message: its author, without a reason; or a moderator of the action's journal, with a mandatory
    reason, emailed to the author with his message. The row is kept, marked deleted: it is never shown again."""
    action = access_action(user, action_id, queryset=Action.objects.with_members())
    entry = access_action_entry(user, action, entry_id, for_update=True)
    if not permissions.can_delete_action_entry(user, entry):
        raise PermissionDenied(journal.NO_RIGHT_TO_DELETE)
    if journal.delete_message(entry, user=user, reason=reason):
        _tell_author_of_deletion(entry)
    return entry


def journal_url(action: Action) -> str:
    """The absolute address of the action's journal, for emails."""
    return settings.BASE_URL + reverse("actions:journal", kwargs={"pk": action.pk})


def _tell_author_of_deletion(entry: ActionEntry) -> None:
    """Emails the author the reason and his message, as for a site journal's message. An author whose account is
    gone or no longer active is not written to: the deletion stays recorded on the message."""
    author = entry.author
    if author is None or author.status != UserStatus.ACTIVE:
        return
    email_queue(
        to=[author.email],
        template="actions/entry_deleted",
        context={
            "author": author,
            "action": entry.action,
            "entry": entry,
            "posted_at": timezone.localtime(entry.created_at),
            "reason": entry.deletion_reason,
            "journal_url": journal_url(entry.action),
        },
    )
