"""What the platform told whom (reference §D.4, §F.3): events, deliveries and in-app notifications.

- `NotificationEvent`: something happened on the platform (a journal message posted, a site declared, updated or
  closed, a person added to a site's actors, a person who joined). A request only writes this row, in its own
  transaction; a task fans it out after commit (`services.event_fan_out`) to the people to tell — nobody, for the
  kinds only the activity feed reads — and sets `fanned_out_at` when done. The same rows are the activity feed
  (`resorption.activity`), which filters them by place and by what each reader may see.
- `Delivery`: who was told of an event, and how its email went — the record admins read under each journal message.
  The email itself is a row of the outbox (`emails.OutgoingEmail`), which delivers and retries it.
- `Notification`: the same, as the person reads it in her notification centre (text, link, read or not).

One delivery and one notification per (event, person), by database constraint: fanning an event out twice never tells
anyone twice.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from resorption.emails.models import EmailStatus, OutgoingEmail


class NotificationEventQuerySet(models.QuerySet):
    def pending(self) -> "NotificationEventQuerySet":
        """Events not fanned out yet (their task has not run, or failed)."""
        return self.filter(fanned_out_at__isnull=True)


class NotificationEvent(models.Model):
    # The `name` of a notification class of the registry (`registry.get(kind)`), which says what `object_id` is.
    kind = models.CharField("type de notification", max_length=60)
    object_id = models.PositiveBigIntegerField("identifiant de l'objet")
    # Who caused it: never notified of his own action.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="auteur de l'action",
    )
    created_at = models.DateTimeField("survenu le", default=timezone.now)
    fanned_out_at = models.DateTimeField("destinataires notifiés le", null=True, blank=True)
    # Where it happened, for lists of events by territory (the activity feed): a site's commune and its département,
    # an action's département, the département (and commune) where a new person's organisation is located. Empty
    # when the place is wider than a département (a régional or national organisation). Indexed with the date below.
    commune = models.ForeignKey(
        "territories.Commune",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="+",
        verbose_name="commune",
    )
    departement = models.ForeignKey(
        "territories.Departement",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="+",
        verbose_name="département",
    )
    # What a site's update changed (`site_updated`; false for the other kinds), so that a list of events leaves out,
    # in SQL, an update whose every change its reader may not see (§A.6, settlements/confidential.py): data anyone
    # reading the site sees, justice procedures, owners. An update « sans modification » changed none.
    changed_open_data = models.BooleanField("données non confidentielles modifiées", default=False)
    changed_justice = models.BooleanField("procédures judiciaires modifiées", default=False)
    changed_owners = models.BooleanField("propriétaires modifiés", default=False)
    # The site the event is about — declared, updated, closed, one of its actors, a message of its journal — so that a
    # list of events decides who may see it from the event's own columns, without reading its object: the event's
    # place above is its site's place, kept so when a site moves (`receivers.on_site_updated`).
    site = models.ForeignKey(
        "settlements.Site",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="site",
    )
    # A message (of a site's or an action's journal) addressed to every reader of its journal, as the message's own
    # `is_public` (an audience never changes once posted); true for the other kinds.
    is_public = models.BooleanField("message public", default=True)

    objects = NotificationEventQuerySet.as_manager()

    class Meta:
        verbose_name = "événement notifié"
        verbose_name_plural = "événements notifiés"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["kind", "object_id"], name="notification_event_object_idx"),
            models.Index(
                fields=["created_at"], condition=Q(fanned_out_at__isnull=True), name="notification_event_pending_idx"
            ),
            # The activity feed: newest first, by a cursor on (date, id), over the nation or a territory.
            models.Index(fields=["-created_at", "-id"], name="notification_event_recent_idx"),
            models.Index(fields=["departement", "-created_at"], name="notification_event_dept_idx"),
            models.Index(fields=["commune", "-created_at"], name="notification_event_commune_idx"),
        ]

    def __str__(self):
        return f"{self.kind} #{self.object_id}"


class DeliveryStatus(models.TextChoices):
    """How the email of a delivery went, as admins read it under a journal message."""

    QUEUED = "queued", "Courriel en attente d'envoi"
    SENT = "sent", "Courriel envoyé"
    FAILED = "failed", "Courriel en échec"
    OPTED_OUT = "opted_out", "Courriel désactivé par la personne (notification sur la plateforme seulement)"


_STATUS_OF_EMAIL = {
    EmailStatus.PENDING: DeliveryStatus.QUEUED,
    EmailStatus.SENT: DeliveryStatus.SENT,
    EmailStatus.FAILED: DeliveryStatus.FAILED,
}


def delivery_status(*, email_opted_out: bool, email_status: str | None) -> DeliveryStatus:
    """The status of a delivery from its opt-out flag and the status of its outbox email."""
    if email_opted_out or email_status is None:
        return DeliveryStatus.OPTED_OUT
    return _STATUS_OF_EMAIL[EmailStatus(email_status)]


class Delivery(models.Model):
    event = models.ForeignKey(
        NotificationEvent, on_delete=models.CASCADE, related_name="deliveries", verbose_name="événement"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_deliveries",
        verbose_name="destinataire",
    )
    # The outbox row that carries the email (its status is the email's status); none when the person turned this
    # category of emails off in « Mon compte ». Protected: deleting outbox rows would erase what admins are shown.
    email = models.OneToOneField(
        OutgoingEmail,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notification_delivery",
        verbose_name="courriel",
    )
    email_opted_out = models.BooleanField("courriel désactivé par la personne", default=False)
    created_at = models.DateTimeField("notifié le", default=timezone.now)

    class Meta:
        verbose_name = "envoi de notification"
        verbose_name_plural = "envois de notifications"
        ordering = ["event", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="delivery_once_per_event_and_user"),
            models.CheckConstraint(
                condition=Q(email_opted_out=True, email__isnull=True) | Q(email_opted_out=False, email__isnull=False),
                name="delivery_email_unless_opted_out",
            ),
        ]

    def __str__(self):
        return f"{self.event} → {self.user_id}"

    @property
    def status(self) -> DeliveryStatus:
        """Reads the email's status: load deliveries with `select_related("email")`."""
        email_status = self.email.status if self.email_id is not None else None
        return delivery_status(email_opted_out=self.email_opted_out, email_status=email_status)


class NotificationQuerySet(models.QuerySet):
    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """A line of the person's notification centre. Its text and link are written when the event is fanned out, so the
    centre reads one table; the link leads to a page that checks the person's rights again."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name="destinataire"
    )
    event = models.ForeignKey(
        NotificationEvent, on_delete=models.CASCADE, related_name="notifications", verbose_name="événement"
    )
    text = models.CharField("texte", max_length=500)
    url = models.CharField("lien", max_length=500)
    created_at = models.DateTimeField("reçue le", default=timezone.now)
    read_at = models.DateTimeField("lue le", null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = "notification"
        verbose_name_plural = "notifications"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="notification_once_per_event_and_user"),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_user_created_idx"),
            models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="notification_user_unread_idx"),
        ]

    def __str__(self):
        return self.text

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
