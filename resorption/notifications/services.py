"""Telling people what happened (reference §D.4, §F.3, §C.10), and their notification centre.

The flow, the same for every notification class of the registry:

1. `event_record` — called by the receivers of the domain signals, inside the transaction of the change — writes one
   `NotificationEvent` row, with where it happened, and, once that transaction commits, enqueues
   `tasks.fan_out_notification`. The request does nothing else: it never computes recipients nor talks to a mail
   server. The same row is an item of the activity feed (`resorption.activity`).
2. `event_fan_out` — the task — computes the recipients with a fixed number of queries, writes one `Delivery` and one
   in-app `Notification` per person (bulk inserts), and queues one outbox email per person who has not turned that
   category off, so that a bad address never holds back the others; the outbox delivers and retries each email. A kind
   recorded for the feed only designates nobody: its event is marked fanned out and nothing is sent. It is
   idempotent: an event fanned out once is never fanned out again (`fanned_out_at`, and unique (event, person)).
3. `events_fan_out_pending` — a periodic sweep — fans out the events whose task failed or was lost.

A person who turned a category of emails off in « Mon compte » (`User.email_unsubscriptions`; the form reads « Je
souhaite recevoir par courriel ») still finds the notification in her centre: the preference is about email.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from resorption.accounts.models import User
from resorption.emails.services import email_queue
from resorption.notifications import registry
from resorption.notifications.models import Delivery, Notification, NotificationEvent

logger = logging.getLogger("resorption.notifications")

# An event still pending this long after it happened lost its task (worker crash, task error): the sweep takes it.
PENDING_GRACE = timedelta(minutes=5)
TEXT_MAX_LENGTH = Notification._meta.get_field("text").max_length


# ---------------------------------------------------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------------------------------------------------


def event_record(
    *,
    kind: str,
    object_id: int,
    actor: User | None,
    commune_id: str | None = None,
    departement_id: str | None = None,
    changed_open_data: bool = False,
    changed_justice: bool = False,
    changed_owners: bool = False,
    site_id: int | None = None,
    is_public: bool = True,
) -> NotificationEvent:
    """Records that something happened, in the caller's transaction, and fans it out by a task once that transaction
    commits (nothing is told about a change that was rolled back). `commune_id` and `departement_id` say where it
    happened (the activity feed's territory filter); the `changed_*` flags what a site's update changed, `site_id` the
    site it is about and `is_public` whether a message is addressed to every reader of its journal (see the model)."""
    registry.get(kind)  # an unknown kind is a programming error: fail in the request, not in the task
    event = NotificationEvent.objects.create(
        kind=kind,
        object_id=object_id,
        actor=actor,
        commune_id=commune_id,
        departement_id=departement_id,
        changed_open_data=changed_open_data,
        changed_justice=changed_justice,
        changed_owners=changed_owners,
        site_id=site_id,
        is_public=is_public,
    )
    transaction.on_commit(lambda: _enqueue_fan_out(event.pk))
    return event


def _enqueue_fan_out(event_id: int) -> None:
    from resorption.notifications.tasks import fan_out_notification  # tasks import this module

    fan_out_notification.enqueue(event_id)


def event_fan_out(*, event_id: int) -> int:
    """Tells the recipients of the event: deliveries, in-app notifications and outbox emails, all in one transaction
    (a failure leaves the event pending, for the sweep to try again). Returns how many people were told; 0 when the
    event was already fanned out or its object is gone."""
    with transaction.atomic():
        # Locked: a second run of the same event (the sweep, a retried task) waits, then finds it fanned out.
        locked = NotificationEvent.objects.select_for_update(of=("self",)).select_related("actor__organization")
        event = locked.filter(pk=event_id).first()
        if event is None or event.fanned_out_at is not None:
            return 0
        kind = registry.get(event.kind)
        obj = kind.load(event.object_id)
        recipients: list[User] = []
        if obj is not None:
            recipients = _new_recipients(kind, obj, event)
        if recipients:
            _tell(kind, obj, event, recipients)
        event.fanned_out_at = timezone.now()
        event.save(update_fields=["fanned_out_at"])
    logger.info("notification fanned out", extra={"event_id": event.pk, "kind": event.kind, "told": len(recipients)})
    return len(recipients)


def events_fan_out_pending(*, now: datetime | None = None) -> int:
    """Fans out the events left pending for more than `PENDING_GRACE` (periodic job). Returns how many people were
    told."""
    moment = (now or timezone.now()) - PENDING_GRACE
    pending = NotificationEvent.objects.pending().filter(created_at__lte=moment).order_by("created_at", "pk")
    told = 0
    for event_id in pending.values_list("pk", flat=True):
        try:
            told += event_fan_out(event_id=event_id)
        except Exception:  # one broken event must not block the others; it stays pending and is logged
            logger.exception("notification fan-out failed", extra={"event_id": event_id})
    return told


def _new_recipients(kind: type[registry.NotificationKind], obj, event: NotificationEvent) -> list[User]:
    """The people the class designates, minus the author of the action and anyone already told of this event: two
    queries whatever their number."""
    users = User.objects.can_sign_in()
    if event.actor_id is not None:
        users = users.exclude(pk=event.actor_id)
    designated = kind.recipients(obj, users).order_by("pk")
    already = set(Delivery.objects.filter(event=event).values_list("user_id", flat=True))
    return [user for user in designated if user.pk not in already]


def _contact_url(actor: User | None) -> str:
    if actor is None or not actor.can_sign_in or actor.anonymized_at is not None:
        return ""
    return settings.BASE_URL + reverse("directory:person", kwargs={"pk": actor.pk})


def _tell(kind: type[registry.NotificationKind], obj, event: NotificationEvent, recipients: list[User]) -> None:
    shared = {
        **kind.context(obj),
        "actor": event.actor,
        "actor_organization": event.actor.organization if event.actor else None,
        # « Contacter X » (§F.1): the author's card in the directory, while he is in it.
        "contact_url": _contact_url(event.actor),
        "preferences_url": settings.BASE_URL + reverse("accounts:preferences"),
        "centre_url": settings.BASE_URL + reverse("notifications:list"),
    }
    text = " ".join(render_to_string(kind.text_template, shared).split())[:TEXT_MAX_LENGTH]
    url = kind.url(obj)
    reply_to = kind.reply_to(obj)
    now = timezone.now()
    Notification.objects.bulk_create(
        [Notification(user=user, event=event, text=text, url=url, created_at=now) for user in recipients]
    )
    deliveries = []
    for user in recipients:
        opted_out = kind.category is not None and kind.category in (user.email_unsubscriptions or [])
        email = None
        if not opted_out:
            email = email_queue(
                to=[user.email],
                template=kind.email_template,
                context={**shared, "recipient": user},
                reply_to=reply_to,
            )
        deliveries.append(Delivery(event=event, user=user, email=email, email_opted_out=opted_out, created_at=now))
    Delivery.objects.bulk_create(deliveries)


# ---------------------------------------------------------------------------------------------------------------------
# Notification centre
# ---------------------------------------------------------------------------------------------------------------------


def unread_count(user: User) -> int:
    """How many notifications the person has not read yet (one query)."""
    return Notification.objects.filter(user=user).unread().count()


def unread_count_expression() -> Coalesce:
    """`unread_count` as an expression on users, loaded with the signed-in user (`register_user_annotation`); counted
    from the partial index of unread notifications."""
    unread = (
        Notification.objects.filter(user=OuterRef("pk"))
        .unread()
        .order_by()
        .values("user")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(unread), 0)


def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    """Marks one of the person's notifications read (`Notification.DoesNotExist` for anyone else's: a 404). Marking a
    read notification again keeps its first reading time."""
    notification = Notification.objects.get(pk=notification_id, user=user)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    return notification


def notification_mark_all_read(*, user: User) -> int:
    """« Tout marquer comme lu »: every unread notification of the person. Returns how many were marked."""
    return Notification.objects.filter(user=user).unread().update(read_at=timezone.now())
