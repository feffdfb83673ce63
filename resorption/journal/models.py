"""The site journal (reference §D): entries with their tags, audience and attachments.

An entry is read by everyone who may read the site's journal when it is public, and otherwise only by its author, its
targets (users, members of targeted organisations) and the holders of « lire tous les messages ciblés » on the site
(§A.6). That rule lives in `accounts.permissions` (`journal_entries_q`, `can_read_journal_entry`,
`journal_entry_readers_q`): this module only stores what it reads.

Deleting an entry keeps its row (`deleted_at`, `deleted_by`, `deletion_reason`): it is never shown again, but
moderation, notifications and history can still account for it.
"""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from resorption.accounts import permissions
from resorption.accounts.models import Organization, User
from resorption.journal.enums import Audience, EntryKind, HealthIntervention
from resorption.territories.models import Departement

IMAGE_CONTENT_TYPES = frozenset({"image/jpeg", "image/png", "image/gif"})


class TagQuerySet(models.QuerySet):
    def active(self) -> "TagQuerySet":
        """The tags offered when writing; retired ones stay on the entries that carry them."""
        return self.filter(active=True)


class Tag(models.Model):
    """A label from the managed list of journal tags (§D.1 `comment_tags`), such as « Canicule »."""

    uid = models.SlugField("identifiant", max_length=50, unique=True)
    label = models.CharField("étiquette", max_length=100)
    # Alert tags are shown as red badges (§D.2: the special tag `canicule`).
    is_alert = models.BooleanField("étiquette d'alerte", default=False)
    active = models.BooleanField("proposée à la saisie", default=True)
    position = models.PositiveSmallIntegerField("ordre d'affichage", default=0)

    objects = TagQuerySet.as_manager()

    class Meta:
        verbose_name = "étiquette du journal"
        verbose_name_plural = "étiquettes du journal"
        ordering = ["position", "label"]

    def __str__(self):
        return self.label


class JournalEntryQuerySet(models.QuerySet):
    def alive(self) -> "JournalEntryQuerySet":
        """Entries not deleted: the only ones ever shown."""
        return self.filter(deleted_at__isnull=True)

    def readable_by(self, user) -> "JournalEntryQuerySet":
        """Entries the user may read (rule: `permissions.journal_entries_q`), each once: the targets are matched
        through their indexed link tables, not joined."""
        return self.filter(permissions.journal_entries_q(user, model=self.model))

    def with_display_data(self, *, site_known: bool = False) -> "JournalEntryQuerySet":
        """What an entry shows — author and organisation, site and commune, tags, targets, attachments — in a fixed
        number of queries whatever the number of entries. `site_known`: the entries come from one site's
        `journal_entries`, which gives each entry that site already loaded: joining it again would read all its columns
        on every row."""
        entries = self.select_related("author__organization")
        if not site_known:
            entries = entries.select_related("site__commune")
        return entries.prefetch_related(
            "tags",
            # Only what the page shows of a target (and the ids the audience rule reads).
            models.Prefetch(
                "target_users",
                queryset=User.objects.select_related("organization").only(
                    "first_name", "last_name", "organization__name"
                ),
            ),
            models.Prefetch("target_organizations", queryset=Organization.objects.only("name")),
            # In the order they were joined; the model's ordering (by entry) would join the entries again.
            models.Prefetch("attachments", queryset=Attachment.objects.order_by("pk")),
        )


def message_constraints(prefix: str) -> list[models.CheckConstraint]:
    """The rules every journal message keeps in the database (`Message`), named `<prefix>_<rule>`."""

    def check(name: str, condition: Q, message: str) -> models.CheckConstraint:
        return models.CheckConstraint(condition=condition, name=f"{prefix}_{name}", violation_error_message=message)

    return [
        check("body_required", ~Q(body=""), "Le message ne peut pas être vide."),
        check(
            "public_iff_audience_public",
            Q(is_public=True, audience=Audience.PUBLIC) | (Q(is_public=False) & ~Q(audience=Audience.PUBLIC)),
            "Seul un message adressé à tous les intervenants est public.",
        ),
        check(
            "deletion_details_only_when_deleted",
            Q(deleted_at__isnull=False) | Q(deleted_by__isnull=True, deletion_reason=""),
            "Seul un message supprimé a un motif de suppression.",
        ),
    ]


class Message(models.Model):
    """What a message of any journal is — a site's (`JournalEntry`) or an action's (`actions.ActionEntry`): a text,
    its audience (§D.2: everyone who reads that journal, or targeted organisations and people), its edition and its
    deletion, which keeps the row. A concrete journal adds what it is about, its author, its `target_organizations`
    and `target_users` (each with its own reverse names) and `message_constraints()`; who reads it is
    `accounts.permissions`'s rule for that journal."""

    body = models.TextField("message")
    # Audience (§D.2). `is_public` is what the permission rules read; it follows `audience` (database constraint).
    audience = models.CharField("destinataires", max_length=20, choices=Audience.choices, default=Audience.PUBLIC)
    is_public = models.BooleanField("visible de tous les intervenants", default=True)

    created_at = models.DateTimeField("publié le", default=timezone.now)
    updated_at = models.DateTimeField("modifié le", auto_now=True)
    edited = models.BooleanField("modifié par son auteur", default=False)

    deleted_at = models.DateTimeField("supprimé le", null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="supprimé par",
    )
    deletion_reason = models.TextField("motif de la suppression", blank=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.is_public = self.audience == Audience.PUBLIC
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "audience" in update_fields:
            kwargs["update_fields"] = {*update_fields, "is_public"}
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        # Before the constraints are validated: `is_public` follows the audience, as `save()` makes it.
        self.is_public = self.audience == Audience.PUBLIC

    # What the permission predicates read (`permissions.JournalEntryLike`, `ActionEntryLike`). The id sets come from
    # the prefetched targets when they were loaded.

    @property
    def target_user_ids(self) -> frozenset[int]:
        return frozenset(user.pk for user in self.target_users.all())

    @property
    def target_organization_ids(self) -> frozenset[int]:
        return frozenset(organization.pk for organization in self.target_organizations.all())

    @property
    def target_labels(self) -> list[str]:
        """The targets as the page lists them: organisations, then people with their organisation."""
        return [organization.name for organization in self.target_organizations.all()] + [
            f"{user.full_name} ({user.organization.name})" for user in self.target_users.all()
        ]

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class JournalEntry(Message):
    site = models.ForeignKey(
        "settlements.Site", on_delete=models.CASCADE, related_name="journal_entries", verbose_name="site"
    )
    # Kept when the author's account goes away: the message stays in the journal, signed « utilisateur supprimé ».
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="journal_entries",
        verbose_name="auteur",
    )
    kind = models.CharField("type", max_length=10, choices=EntryKind.choices, default=EntryKind.MESSAGE)
    target_organizations = models.ManyToManyField(
        "accounts.Organization", blank=True, related_name="targeted_journal_entries", verbose_name="structures ciblées"
    )
    target_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="targeted_journal_entries",
        verbose_name="personnes ciblées",
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="entries", verbose_name="étiquettes")

    # Health follow-up (§I.2): the day of the intervention and what was done (values of `HealthIntervention`).
    health_date = models.DateField("date de l'intervention", null=True, blank=True)
    health_interventions = models.JSONField("interventions", default=list, blank=True)

    objects = JournalEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "message du journal"
        verbose_name_plural = "messages du journal"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["site", "-created_at"], name="journal_entry_site_created_idx"),
            # The few deleted messages: the activity feed leaves their events out (activity/selectors.py).
            models.Index(fields=["id"], condition=Q(deleted_at__isnull=False), name="journal_entry_deleted_idx"),
        ]
        constraints = [
            *message_constraints("journal_entry"),
            models.CheckConstraint(
                condition=Q(kind=EntryKind.HEALTH, health_date__isnull=False)
                | (~Q(kind=EntryKind.HEALTH) & Q(health_date__isnull=True)),
                name="journal_entry_health_date_iff_health",
                violation_error_message=(
                    "La date de l'intervention est obligatoire pour un suivi sanitaire, et seulement pour lui."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} du {timezone.localtime(self.created_at):%d/%m/%Y}"

    def get_absolute_url(self) -> str:
        return reverse("journal:journal", kwargs={"site_id": self.site_id}) + f"#message-{self.pk}"

    # What `permissions.can_read_journal_entry` reads (`JournalEntryLike`), with `Message`'s target ids.

    @property
    def commune(self):
        return self.site.commune

    @property
    def is_health(self) -> bool:
        return self.kind == EntryKind.HEALTH

    @property
    def health_intervention_labels(self) -> list[str]:
        return [label for value, label in HealthIntervention.choices if value in self.health_interventions]

    def audience_users(self) -> models.QuerySet[User]:
        """The active accounts of active organisations that may read this entry — who a notification about it may
        reach (rule: `permissions.journal_entry_readers_q`, the user-side twin of `can_read_journal_entry`)."""
        return User.objects.can_sign_in().filter(permissions.journal_entry_readers_q(self))


def _attachment_path(instance: "StoredAttachment", filename: str) -> str:
    """A random key under the journal's folder (`STORAGE_FOLDER`): nothing the user wrote (name, extension case)
    reaches the storage path, and no path can be guessed from another. The original name is kept in
    `original_name`."""
    suffix = PurePosixPath(filename).suffix.lower()
    return f"{instance.STORAGE_FOLDER}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class StoredAttachment(models.Model):
    """A file joined to a journal message (§C.13), checked from its bytes before it is stored
    (`journal.services.store_attachments`). Served only through its journal's view, which checks the message's
    permission again: storage paths are never shown. A concrete class adds its `entry`."""

    STORAGE_FOLDER = "journal"

    uuid = models.UUIDField("identifiant public", default=uuid.uuid4, unique=True, editable=False)
    file = models.FileField("fichier", upload_to=_attachment_path, max_length=255)
    original_name = models.CharField("nom du fichier", max_length=255)
    size = models.PositiveIntegerField("taille (octets)")
    # Detected from the bytes, never taken from the browser.
    content_type = models.CharField("type de contenu", max_length=100)
    created_at = models.DateTimeField("ajoutée le", default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self):
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_CONTENT_TYPES


class Attachment(StoredAttachment):
    """A file joined to a site's journal entry."""

    entry = models.ForeignKey(
        JournalEntry, on_delete=models.CASCADE, related_name="attachments", verbose_name="message"
    )

    class Meta:
        verbose_name = "pièce jointe"
        verbose_name_plural = "pièces jointes"
        ordering = ["entry", "pk"]

    def get_absolute_url(self) -> str:
        return reverse("journal:attachment", kwargs={"site_id": self.entry.site_id, "attachment_uuid": self.uuid})


class TerritorialMessageQuerySet(models.QuerySet):
    def alive(self) -> "TerritorialMessageQuerySet":
        """Messages not deleted: the only ones ever shown."""
        return self.filter(deleted_at__isnull=True)

    def readable_by(self, user) -> "TerritorialMessageQuerySet":
        """Messages the user may read (rule: `permissions.territorial_messages_q`), each once: the départements are
        matched through their indexed link table, not joined."""
        return self.filter(permissions.territorial_messages_q(user, model=self.model))

    def addressed_to(self, departement_code: str) -> "TerritorialMessageQuerySet":
        """Messages addressed to the sites of this département (among others, maybe)."""
        addressed = TerritorialMessage.departements.through.objects.filter(departement_id=departement_code)
        return self.filter(pk__in=addressed.values("territorialmessage_id"))

    def with_display_data(self) -> "TerritorialMessageQuerySet":
        """What a message shows — author, his organisation, the départements — in a fixed number of queries."""
        return self.select_related("author", "organization").prefetch_related(
            models.Prefetch("departements", queryset=Departement.objects.order_by("code"))
        )


class TerritorialMessage(models.Model):
    """A message addressed at once to the sites of several départements (§I.2, « high covid comments » in the
    reference, not tied to Covid-19 here), such as an ARS announcing a vaccination campaign to three départements. It
    belongs to the health follow-up: each site of an addressed département shows it in its journal's « Suivi
    sanitaire » tab. Who may write it and to which départements: `permissions.territorial_message_reach`; who reads
    it: `permissions.territorial_messages_q`.

    Deleting a message keeps its row, as for journal entries (`deleted_at`, `deleted_by`, `deletion_reason`)."""

    # Kept when the author's account goes away: the message stays, signed « utilisateur supprimé ».
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="territorial_messages",
        verbose_name="auteur",
    )
    # The author's organisation when he wrote: the message speaks for it even if he changes organisation later.
    organization = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="territorial_messages",
        verbose_name="structure de l'auteur",
    )
    body = models.TextField("message")
    departements = models.ManyToManyField(
        "territories.Departement", related_name="territorial_messages", verbose_name="départements destinataires"
    )
    created_at = models.DateTimeField("publié le", default=timezone.now)

    deleted_at = models.DateTimeField("supprimé le", null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="supprimé par",
    )
    deletion_reason = models.TextField("motif de la suppression", blank=True)

    objects = TerritorialMessageQuerySet.as_manager()

    class Meta:
        verbose_name = "message territorial"
        verbose_name_plural = "messages territoriaux"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["-created_at"], name="territorial_msg_created_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(body=""),
                name="territorial_message_body_required",
                violation_error_message="Le message ne peut pas être vide.",
            ),
            models.CheckConstraint(
                condition=Q(deleted_at__isnull=False) | Q(deleted_by__isnull=True, deletion_reason=""),
                name="territorial_message_deletion_details_only_when_deleted",
                violation_error_message="Seul un message supprimé a un motif de suppression.",
            ),
        ]

    def __str__(self):
        return f"Message territorial du {timezone.localtime(self.created_at):%d/%m/%Y}"

    def get_absolute_url(self) -> str:
        return reverse("journal:territorial") + f"#message-territorial-{self.pk}"

    # What `permissions.can_read_territorial_message` reads (`TerritorialMessageLike`), from the prefetched
    # départements when `with_display_data()` loaded them.

    @property
    def departement_codes(self) -> frozenset[str]:
        return frozenset(departement.pk for departement in self.departements.all())

    @property
    def departement_labels(self) -> list[str]:
        return [f"{departement.name} ({departement.pk})" for departement in self.departements.all()]

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
