"""Who was notified of each journal message, for the admins reading the journal (§D.4).

The journal's page belongs to `journal`, which may not import this app (apps depend one way, pyproject.toml): the
page loads this tag library instead. The view decides who sees it (`permissions.can_see_who_was_notified`) and only
then does the template call `{% notified_by_entry rows as notified %}`: two queries for the whole page, whatever the
number of messages and people. `notified|notified_of:entry` is then what one message shows.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django import template
from django.db.models import F

from resorption.notifications.catalogue import JournalMessagePosted
from resorption.notifications.models import Delivery, DeliveryStatus, NotificationEvent, delivery_status

register = template.Library()


@dataclass(frozen=True)
class Recipient:
    name: str
    organization: str
    status: DeliveryStatus


@dataclass
class EntryNotified:
    """What the admin reads under one message: whether its notifications went out yet, and to whom."""

    pending: bool
    recipients: list[Recipient] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.recipients)


@register.simple_tag
def notified_by_entry(rows: Iterable) -> dict[int, EntryNotified]:
    """{entry id: EntryNotified} for the entries of the journal page's rows (`EntryRow`s). Entries without an event
    (posted before notifications existed) are left out."""
    entry_ids = [row.entry.pk for row in rows]
    if not entry_ids:
        return {}
    events = NotificationEvent.objects.filter(kind=JournalMessagePosted.name, object_id__in=entry_ids)
    notified = {
        object_id: EntryNotified(pending=fanned_out_at is None)
        for object_id, fanned_out_at in events.values_list("object_id", "fanned_out_at")
    }
    deliveries = (
        Delivery.objects.filter(event__kind=JournalMessagePosted.name, event__object_id__in=entry_ids)
        .annotate(entry_id=F("event__object_id"), email_state=F("email__status"))
        .select_related("user__organization")
        # Only what the page shows: a message may have notified hundreds of people.
        .only("email_opted_out", "user__first_name", "user__last_name", "user__organization__name")
        .order_by("user__last_name", "user__first_name", "pk")
    )
    for delivery in deliveries:
        entry = notified.get(delivery.entry_id)
        if entry is not None:
            status = delivery_status(email_opted_out=delivery.email_opted_out, email_status=delivery.email_state)
            entry.recipients.append(Recipient(delivery.user.full_name, delivery.user.organization.name, status))
    return notified


@register.filter
def notified_of(notified: dict[int, EntryNotified], entry) -> EntryNotified | None:
    return notified.get(entry.pk)
