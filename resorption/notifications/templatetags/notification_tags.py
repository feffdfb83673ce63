"""Who was notified of each journal message, for the admins reading the journal (§D.4).

The journal's page belongs to `journal`, which may not import this app (apps depend one way, pyproject.toml): the
page loads this tag library instead. The view decides who sees it (`permissions.can_see_who_was_notified`) and only
then does the template call `{% notified_by_entry rows as notified %}`: one query for the whole page, whatever the
number of messages and people. `notified|notified_block:row` is then the accordion under one message.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from django import template
from django.template.loader import render_to_string

from resorption.core.prepared import PreparedQueries, padded
from resorption.notifications.catalogue import JournalMessagePosted
from resorption.notifications.models import DeliveryStatus, NotificationEvent, delivery_status

register = template.Library()


@dataclass(frozen=True)
class Recipient:
    name: str
    organization: str
    status: DeliveryStatus


@dataclass(frozen=True)
class EntryNotified:
    """What the admin reads under one message: whether its notifications went out yet, and to whom."""

    pending: bool
    recipients: tuple[Recipient, ...] = ()

    @property
    def count(self) -> int:
        return len(self.recipients)


# The query is compiled once per process for `BATCH` entries (a page of the journal; `padded` fills a shorter page up).
BATCH = 20
# How many rendered accordions a process keeps (`notified_block`).
NOTIFIED_HTML_CACHE = 4096
_NOTIFIED = PreparedQueries(NotificationEvent)


def _notified_of(*entry_ids: int):
    return (
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


@register.simple_tag
def notified_by_entry(rows: Iterable) -> dict[int, EntryNotified]:
    """{entry id: EntryNotified} for the entries of the journal page's rows (`EntryRow`s, which carry the entry's
    `pk`). Entries without an event (posted before notifications existed) are left out; an entry is pending while
    one of its events is. One query for the whole page whatever the number of messages and people, read as plain
    values: a message may have notified hundreds of people."""
    entry_ids = [row.pk for row in rows]
    if not entry_ids:
        return {}
    found = []
    for start in range(0, len(entry_ids), BATCH):
        batch = padded(entry_ids[start : start + BATCH], BATCH)
        found += _NOTIFIED.fetch("notified", _notified_of, *batch)
    pending: set[int] = set()
    recipients: dict[int, list[Recipient]] = {}
    for object_id, fanned_out_at, delivery_id, opted_out, email_status, first_name, last_name, organization in found:
        people = recipients.setdefault(object_id, [])
        if fanned_out_at is None:
            pending.add(object_id)
        if delivery_id is not None:
            status = delivery_status(email_opted_out=opted_out, email_status=email_status)
            people.append(Recipient(f"{first_name} {last_name}", organization, status))
    return {
        entry_id: EntryNotified(pending=entry_id in pending, recipients=tuple(people))
        for entry_id, people in recipients.items()
    }


@register.filter
def notified_block(notified: dict[int, EntryNotified], row) -> str:
    """The accordion « Notifié à … » under one message (`row`: its pk), or nothing for a message without an event."""
    entry_notified = notified.get(row.pk)
    return "" if entry_notified is None else _notified_html(row.pk, entry_notified)


@lru_cache(maxsize=NOTIFIED_HTML_CACHE)
def _notified_html(entry_id: int, notified: EntryNotified) -> str:
    """Rendered once per content and process, like the message above it (journal.views.entry_html): a message may
    list hundreds of people, the same on every visit until a notification goes out."""
    return render_to_string("notifications/includes/entry_notified.html", {"notified": notified, "entry_id": entry_id})
