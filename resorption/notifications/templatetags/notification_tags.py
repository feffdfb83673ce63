"""Who was notified of each journal message, for the admins reading the journal (§D.4).

The journal's page belongs to `journal`, which may not import this app (apps depend one way, pyproject.toml): the
page loads this tag library instead. The view decides who sees it (`permissions.can_see_who_was_notified`) and only
then does the template call `{% notified_by_entry rows as notified %}`: one query for the whole page, whatever the
number of messages and people. `notified|notified_of:row` is then what one message shows.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django import template

from resorption.notifications.catalogue import JournalMessagePosted
from resorption.notifications.models import DeliveryStatus, NotificationEvent, delivery_status

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
    """{entry id: EntryNotified} for the entries of the journal page's rows (`EntryRow`s, which carry the entry's
    `pk`). Entries without an event (posted before notifications existed) are left out; an entry is pending while
    one of its events is. One query for the whole page whatever the number of messages and people, read as plain
    values: a message may have notified hundreds of people."""
    entry_ids = [row.pk for row in rows]
    if not entry_ids:
        return {}
    found = (
        NotificationEvent.objects.filter(kind=JournalMessagePosted.name, object_id__in=entry_ids)
        .order_by("deliveries__user__last_name", "deliveries__user__first_name", "deliveries__pk")
        .values_list(
            "object_id",
            "fanned_out_at",
            "deliveries__pk",
            "deliveries__email_opted_out",
            "deliveries__email__status",
            "deliveries__user__first_name",
            "deliveries__user__last_name",
            "deliveries__user__organization__name",
        )
    )
    notified: dict[int, EntryNotified] = {}
    for object_id, fanned_out_at, delivery_id, opted_out, email_status, first_name, last_name, organization in found:
        entry = notified.setdefault(object_id, EntryNotified(pending=False))
        entry.pending = entry.pending or fanned_out_at is None
        if delivery_id is not None:
            status = delivery_status(email_opted_out=opted_out, email_status=email_status)
            entry.recipients.append(Recipient(f"{first_name} {last_name}", organization, status))
    return notified


@register.filter
def notified_of(notified: dict[int, EntryNotified], row) -> EntryNotified | None:
    return notified.get(row.pk)
