"""Territorial messages (reference §I.2): one message addressed at once to the sites of several départements, part
of the journal's health follow-up — an ARS announcing a vaccination campaign to the sites of three départements.

Writes: `territorial_message_post`, `territorial_message_delete`. Each checks the permission in `accounts.permissions`
(`PermissionDenied`), and reports broken rules as a `ValidationError` in French keyed by the form field it belongs to
(`departements`, `body`, `reason`).

Reads: `territorial_messages_for(user)` (the page of territorial messages) and `territorial_messages_for_site(user,
site)` (the « Suivi sanitaire » tab of a site's journal), which keep only what the user may read.
"""

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from resorption.accounts import permissions
from resorption.accounts.enums import UserStatus
from resorption.accounts.models import User
from resorption.emails.services import email_queue
from resorption.journal import signals
from resorption.journal.access import access_territorial_message
from resorption.journal.models import TerritorialMessage
from resorption.settlements.models import Site
from resorption.territories.models import Departement

NO_RIGHT_TO_POST = (
    "Vous ne pouvez pas publier de message territorial : il faut pouvoir écrire dans les journaux des sites d'une "
    "région, d'un département ou d'une commune. Les utilisateurs de niveau national n'en publient pas."
)
NO_RIGHT_TO_DELETE = "Vous n'avez pas le droit de supprimer ce message territorial."
BODY_REQUIRED = "Le message ne peut pas être vide."
DEPARTEMENT_REQUIRED = "Choisissez au moins un département destinataire."
OUT_OF_REACH = "Vous ne pouvez adresser un message territorial qu'aux départements de votre territoire d'intervention."
REASON_REQUIRED = "Vous devez préciser le motif de suppression du message : il sera envoyé à son auteur."


# ---------------------------------------------------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------------------------------------------------


def territorial_messages_for(user: User, *, departement: str | None = None) -> QuerySet[TerritorialMessage]:
    """The territorial messages the user may read, newest first, not deleted, with author, organisation and
    départements prefetched (a fixed number of queries whatever their number). `departement` (a code) keeps those
    addressed to that département."""
    messages = TerritorialMessage.objects.alive().readable_by(user)
    if departement is not None:
        messages = messages.addressed_to(departement)
    return messages.with_display_data()


def territorial_messages_for_site(user: User, site: Site) -> QuerySet[TerritorialMessage]:
    """The territorial messages shown in the site's journal: those addressed to its département, that the user may
    read."""
    return territorial_messages_for(user, departement=site.commune.departement_id)


def reachable_departements(user: User) -> list[Departement]:
    """The départements the user may address a territorial message to, by code (none for who may not publish)."""
    reach = permissions.territorial_message_reach(user)
    if not reach:
        return []
    return list(Departement.objects.filter(code__in=reach.departements).order_by("code"))


# ---------------------------------------------------------------------------------------------------------------------
# Writes
# ---------------------------------------------------------------------------------------------------------------------


@transaction.atomic
def territorial_message_post(*, user: User, departement_codes: Iterable[str], body: str) -> TerritorialMessage:
    """Publishes a territorial message to the sites of the given départements (§I.2): by users who write in the
    journals of a local territory, to départements of their reach (`permissions.territorial_message_reach`) — a
    régional user to départements of his région, the others to their own département(s). The author's organisation is
    kept on the message."""
    reach = permissions.territorial_message_reach(user)
    if not reach:
        raise PermissionDenied(NO_RIGHT_TO_POST)

    errors: dict[str, list[str]] = {}
    body = (body or "").strip()
    if not body:
        errors.setdefault("body", []).append(BODY_REQUIRED)
    codes = {str(code).strip() for code in departement_codes} - {""}
    if not codes:
        errors.setdefault("departements", []).append(DEPARTEMENT_REQUIRED)
    elif not codes <= reach.departements:
        errors.setdefault("departements", []).append(OUT_OF_REACH)
    if errors:
        raise ValidationError(errors)

    message = TerritorialMessage(author=user, organization_id=user.organization_id, body=body)
    message.full_clean()
    message.save()
    message.departements.set(Departement.objects.filter(code__in=codes))
    signals.territorial_message_posted.send(sender=TerritorialMessage, message=message, user=user)
    return message


@transaction.atomic
def territorial_message_delete(*, user: User, message_id: int, reason: str = "") -> TerritorialMessage:
    """Deletes a territorial message: its author, without a reason; or a moderator of every addressed département
    (admins), with a mandatory reason, emailed to the author with his message. The row is kept, marked deleted: it is
    never shown again. `Http404` when the user may not read it (`access_territorial_message`)."""
    shape = TerritorialMessage.objects.select_related("author").prefetch_related("departements")
    message = access_territorial_message(user, message_id, for_update=True, queryset=shape)
    if not permissions.can_delete_territorial_message(user, message):
        raise PermissionDenied(NO_RIGHT_TO_DELETE)
    reason = (reason or "").strip()
    moderated = message.author_id != user.pk
    if moderated and not reason:
        raise ValidationError({"reason": [REASON_REQUIRED]})
    message.deleted_at = timezone.now()
    message.deleted_by = user
    message.deletion_reason = reason
    message.full_clean()
    message.save(update_fields=["deleted_at", "deleted_by", "deletion_reason"])
    if moderated:
        _tell_author_of_deletion(message)
    return message


def _tell_author_of_deletion(message: TerritorialMessage) -> None:
    """Emails the author the reason and his message, as for a journal message (§D.3). An author whose account is gone
    or no longer active is not written to: the deletion stays recorded on the message."""
    author = message.author
    if author is None or author.status != UserStatus.ACTIVE:
        return
    email_queue(
        to=[author.email],
        template="territorial_message_deleted",
        context={
            "author": author,
            "message": message,
            "departements": message.departement_labels,
            "posted_at": timezone.localtime(message.created_at),
            "reason": message.deletion_reason,
            "territorial_url": settings.BASE_URL + reverse("journal:territorial"),
        },
    )
