"""Writing and reading the site journal (reference §D.2–D.3, §I.2, §A.6).

Writes: `journal_entry_post`, `journal_entry_edit`, `journal_entry_delete`. Each fetches the site through
`access_site(user, …)` and the entry through `access_journal_entry(user, …)` (`Http404` when missing or out of the
user's sight), checks the permission in `accounts.permissions` (`PermissionDenied`), and reports broken rules as a
`ValidationError` in French keyed by the form field it belongs to (`kind`, `body`, `audience`,
`target_organizations`, `target_users`, `tags`, `files`, `health_date`, `health_interventions`, `reason`).

Reads: `entries_for(user, site)` and `attachment_for(user, site, uuid)`, which apply the audience rule of §A.6 before
anything reaches a page or a file download; `ReadableEntries` (the same entries for the journal page's paginator,
through queries compiled once per process); `entry_details` (the tags, targets and attachments of a page of
entries); `audience_choices(departement_id)` (who a custom audience may name), searched by `audience_search` for
the posting form's picker.

Files are checked (type from the bytes, size) and scanned before anything is written; a file is stored only with its
entry, and the stored files are removed again if the entry's transaction fails.
"""

import datetime
import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import CharField, Model, OuterRef, Q, QuerySet, StringAgg, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone

from resorption.accounts import permissions
from resorption.accounts.enums import UserStatus
from resorption.accounts.models import Organization, User
from resorption.core.prepared import PreparedQueries, padded
from resorption.core.text import normalize_search
from resorption.emails.services import email_queue
from resorption.journal import antivirus, signals
from resorption.journal.access import access_journal_entry
from resorption.journal.attachments import MAX_FILES, CheckedFile, check_file
from resorption.journal.enums import Audience, EntryKind, HealthIntervention
from resorption.journal.models import IMAGE_CONTENT_TYPES, Attachment, JournalEntry, Message, StoredAttachment, Tag
from resorption.settlements.access import access_site
from resorption.settlements.models import Site
from resorption.territories.location import Territories, located_at_q, located_in_q
from resorption.territories.models import clean_search_term

NO_RIGHT_TO_POST = "Vous n'avez pas les droits suffisants pour ajouter un message dans le journal de ce site."
ONLY_THE_AUTHOR_EDITS = "Seul l'auteur d'un message peut le modifier."
NO_RIGHT_TO_DELETE = "Vous n'avez pas le droit de supprimer ce message."
BODY_REQUIRED = "Le message ne peut pas être vide."
REASON_REQUIRED = "Vous devez préciser le motif de suppression du message : il sera envoyé à son auteur."
TARGETS_REQUIRED = "Choisissez au moins une structure ou une personne destinataire."
NO_PREFECTURE_NOR_DDETS = (
    "Ni la préfecture ni la DDETS de ce département ne sont inscrites sur la plateforme : choisissez d'autres "
    "destinataires."
)
TOO_MANY_FILES = f"Vous pouvez joindre au plus {MAX_FILES} fichiers à un message."
# Organisation types (accounts migration 0002) resolved by the audience « préfecture et DDETS » (§D.2 `pref_et_ddets`).
PREFECTURE_DDETS_TYPES = ("prefecture_departement", "ddets")
# The custom audience's picker: suggestions listed per kind (organisations, people), and the shortest term searched.
RECIPIENT_SUGGESTIONS = 10
RECIPIENT_SEARCH_MIN_LENGTH = 2


# ---------------------------------------------------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------------------------------------------------


# What the journal page shows of an entry's own row and of its author, read as plain values (`entries_for`).
ENTRY_PAGE_FIELDS = (
    "pk",
    "kind",
    "body",
    "is_public",
    "health_date",
    "health_interventions",
    "created_at",
    "edited",
    "author_id",
    "author__first_name",
    "author__last_name",
    "author__organization__name",
)


def entries_for(user: User, site: Site | int, *, kind: str | None = None, tag: str | None = None) -> QuerySet:
    """The entries of the site's journal the user may read, newest first, not deleted, as dicts of what the journal
    page shows of their own row and of their author (`ENTRY_PAGE_FIELDS`): plain values cost a fraction of the
    model instances of an entry, its author and his organisation. What the page shows around them — tags, targets,
    attachments — is read for one page of entries by `entry_details`. `kind` keeps one kind of entry; `tag` (a tag
    uid) the entries carrying that tag. `site` may be given by its id."""
    site_id = site if isinstance(site, int) else site.pk
    entries = JournalEntry.objects.filter(site_id=site_id).alive().readable_by(user)
    if kind is not None:
        entries = entries.filter(kind=kind)
    if tag:
        entries = entries.filter(tags__uid=tag)
    return entries.values(*ENTRY_PAGE_FIELDS)


# The journal page's queries, compiled once per process (`resorption.core.prepared`, decision 0015): a page of entries
# and their count for the readers of the same entries, the details of up to `PAGE_SIZE` entries at a time.
PAGE_SIZE = 20
_ENTRY_PAGES = PreparedQueries(JournalEntry)
_ENTRY_COUNTS = PreparedQueries(JournalEntry)


class ReadableEntries:
    """`entries_for(user, site, kind=…, tag=…)` for Django's `Paginator`: counted and read one page at a time by
    queries compiled once per process for the users who read the same entries (`permissions.journal_entries_key`)."""

    ordered = True  # newest first, as `entries_for`

    def __init__(self, user: User, site: Site, *, kind: str | None = None, tag: str | None = None):
        self._user = user
        self._kind = kind
        self._key = (kind, bool(tag), permissions.journal_entries_key(user))
        self._values = (site.pk, tag) if tag else (site.pk,)

    def _build(self, site_id: int, tag: str | None = None) -> QuerySet:
        return entries_for(self._user, site_id, kind=self._kind, tag=None if tag is None else str(tag))

    def count(self) -> int:
        counted = _ENTRY_COUNTS.query(
            self._key, lambda *values: self._build(*values).order_by().values_list("pk", flat=True), len(self._values)
        )
        return counted.count(*self._values)

    def __getitem__(self, window: slice) -> list[dict]:
        start, stop = window.start or 0, window.stop
        if window.step is not None or stop is None:
            raise TypeError("Journal entries are read by pages: [start:stop].")
        page = _ENTRY_PAGES.query(self._key, self._build, len(self._values))
        return page.fetch(*self._values, window=(start, stop - start))


@dataclass(frozen=True)
class AttachmentFile:
    """An attachment as a page lists it."""

    uuid: uuid.UUID
    name: str
    size: int
    content_type: str

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_CONTENT_TYPES


@dataclass
class EntryDetails:
    """What a page shows of an entry besides its own row: its tags, its targets ({id: label}: organisations by name,
    people as « Prénom Nom (structure) », in that order) and its attachments."""

    tags: list[Tag] = field(default_factory=list)
    target_organizations: dict[int, str] = field(default_factory=dict)
    target_users: dict[int, str] = field(default_factory=dict)
    attachments: list[AttachmentFile] = field(default_factory=list)

    @property
    def target_labels(self) -> list[str]:
        return [*self.target_organizations.values(), *self.target_users.values()]


def entry_details(entries: Sequence[dict], *, tags: Sequence[Tag]) -> dict[int, EntryDetails]:
    """{entry id: EntryDetails} for a page of entries (`entries_for`), read as plain values: the tags from their link
    table, mapped onto `tags` (pass every tag, retired ones included: an entry keeps the tags it was given); the
    targets of the entries that are not public only — none at all when the page holds no targeted entry, as most
    pages; the attachments. A fixed number of queries whatever the number of entries, tags, targets and attachments
    (three, five with a targeted entry); none without entries."""
    details = {entry["pk"]: EntryDetails() for entry in entries}
    if not details:
        return details
    carried: dict[int, set[int]] = {pk: set() for pk in details}
    for entry_id, tag_id in _detail_rows("tags", list(details)):
        carried[entry_id].add(tag_id)
    for pk, tag_ids in carried.items():
        if tag_ids:
            details[pk].tags = [tag for tag in tags if tag.pk in tag_ids]
    targeted = [entry["pk"] for entry in entries if not entry["is_public"]]
    if targeted:
        for entry_id, organization_id, name in _detail_rows("target_organizations", targeted):
            details[entry_id].target_organizations[organization_id] = name
        for entry_id, user_id, first_name, last_name, organization in _detail_rows("target_users", targeted):
            details[entry_id].target_users[user_id] = f"{first_name} {last_name} ({organization})"
    for entry_id, *values in _detail_rows("attachments", list(details)):
        details[entry_id].attachments.append(AttachmentFile(*values))
    return details


# The queries of `entry_details`, by name: each takes the ids of `PAGE_SIZE` entries (`padded`).
_DETAILS = {
    "tags": (
        PreparedQueries(JournalEntry.tags.through),
        lambda *ids: JournalEntry.tags.through.objects.filter(journalentry_id__in=ids).values_list(
            "journalentry_id", "tag_id"
        ),
    ),
    "target_organizations": (
        PreparedQueries(JournalEntry.target_organizations.through),
        lambda *ids: (
            JournalEntry.target_organizations.through.objects.filter(journalentry_id__in=ids)
            .order_by("organization__name", "organization_id")
            .values_list("journalentry_id", "organization_id", "organization__name")
        ),
    ),
    "target_users": (
        PreparedQueries(JournalEntry.target_users.through),
        lambda *ids: (
            JournalEntry.target_users.through.objects.filter(journalentry_id__in=ids)
            .order_by("user__last_name", "user__first_name", "user_id")
            .values_list(
                "journalentry_id", "user_id", "user__first_name", "user__last_name", "user__organization__name"
            )
        ),
    ),
    "attachments": (
        PreparedQueries(Attachment),
        lambda *ids: (
            Attachment.objects.filter(entry_id__in=ids)
            .order_by("pk")
            .values_list("entry_id", "uuid", "original_name", "size", "content_type")
        ),
    ),
}


def _detail_rows(name: str, entry_ids: Sequence[int]) -> list[tuple]:
    """The rows of the detail query `name` for these entries, `PAGE_SIZE` entries per query."""
    queries, build = _DETAILS[name]
    rows = []
    for start in range(0, len(entry_ids), PAGE_SIZE):
        rows += queries.fetch(name, build, *padded(entry_ids[start : start + PAGE_SIZE], PAGE_SIZE))
    return rows


@dataclass(frozen=True)
class TagLabel:
    """A tag as a message summary shows it."""

    label: str
    is_alert: bool


@dataclass(frozen=True)
class MessageSummary:
    """One of a site's latest messages as the site page summarises it: the entry (with its author and organisation)
    and its tags."""

    entry: JournalEntry
    tags: list[TagLabel]


_LATEST_MESSAGES = PreparedQueries(JournalEntry)
# Separators of the tags folded into one column (`_tags_column`): ASCII's unit and record separators, which no label
# typed in a form holds.
_UNIT, _RECORD = "\x1f", "\x1e"


def latest_messages(user: User, site: Site, *, count: int) -> list[MessageSummary]:
    """The site's `count` latest messages the user may read, with their author, organisation and tags, in one query
    compiled once per process for the readers of the same entries (`permissions.journal_entries_key`): the site page
    shows them on every visit. Each entry's tags come in a column of its row (`_tags_column`), in their own order."""

    def latest(site_id: int) -> QuerySet[JournalEntry]:
        entries = JournalEntry.objects.filter(site_id=site_id, kind=EntryKind.MESSAGE).alive().readable_by(user)
        return entries.select_related("author__organization").annotate(folded_tags=_tags_column())[:count]

    entries = _LATEST_MESSAGES.fetch((count, permissions.journal_entries_key(user)), latest, site.pk)
    return [MessageSummary(entry, _unfold_tags(entry.folded_tags)) for entry in entries]


def _tags_column() -> Subquery:
    """An entry's tags as one text — « 0<unit>1<unit>Canicule<record>3<unit>0<unit>Eau » (position, is alert,
    label), NULL without tags —, so that the entries and their tags are one query. Aggregates take no order on every
    SQLite in use: `_unfold_tags` puts them in the tags' own order (`Tag.Meta.ordering`: position, label)."""
    links = JournalEntry.tags.through.objects.filter(journalentry_id=OuterRef("pk"))
    record = Concat(
        Cast("tag__position", CharField()),
        Value(_UNIT),
        Cast("tag__is_alert", CharField()),
        Value(_UNIT),
        "tag__label",
        output_field=CharField(),
    )
    folded = StringAgg(record, delimiter=Value(_RECORD))
    return Subquery(links.values("journalentry_id").annotate(folded=folded).values("folded")[:1])


def _unfold_tags(folded: str | None) -> list[TagLabel]:
    records = []
    for record in folded.split(_RECORD) if folded else []:
        position, is_alert, label = record.split(_UNIT, 2)
        # The boolean as the database writes it in text: "1"/"0" (SQLite), "true"/"false" (PostgreSQL).
        records.append((int(position), label, is_alert in ("1", "true")))
    return [TagLabel(label=label, is_alert=is_alert) for _, label, is_alert in sorted(records)]


def attachment_for(user: User, site: Site, attachment_uuid: uuid.UUID) -> Attachment:
    """The attachment, if its entry belongs to the site, is not deleted and the user may read it (§A.6: a targeted
    message's files follow the message); `Attachment.DoesNotExist` otherwise, whatever the reason."""
    attachment = (
        Attachment.objects.select_related("entry__site__commune")
        .prefetch_related("entry__target_users", "entry__target_organizations")
        .get(uuid=attachment_uuid, entry__site=site, entry__deleted_at__isnull=True)
    )
    if not permissions.can_read_journal_entry(user, attachment.entry):
        raise Attachment.DoesNotExist
    return attachment


def audience_choices(departement_id: str) -> tuple[QuerySet[Organization], QuerySet[User]]:
    """The organisations and people offered for a custom audience in a journal of this département (a site's, or an
    action's main département): the active organisations located in the département (at its level, or at one of its
    communes or EPCI), and their active members. Never listed whole on a
    page (a département holds thousands of people): the form checks the ids sent against them, and the picker
    searches them (`audience_search`)."""
    departement = Territories(departements=frozenset({departement_id}))
    organizations = Organization.objects.filter(located_in_q(departement), active=True).order_by("name")
    users = (
        User.objects.can_sign_in()
        .filter(organization__in=organizations.values("pk"))
        .select_related("organization")
        .order_by("last_name", "first_name", "pk")
    )
    return organizations, users


@dataclass(frozen=True)
class Recipients:
    """Organisations and people of a custom audience, as the posting form's picker lists them. `more_*`: more matched
    the search than are listed."""

    organizations: list[Organization] = field(default_factory=list)
    users: list[User] = field(default_factory=list)
    more_organizations: bool = False
    more_users: bool = False

    def __bool__(self) -> bool:
        return bool(self.organizations or self.users)

    @property
    def organization_ids(self) -> set[int]:
        return {organization.pk for organization in self.organizations}

    @property
    def user_ids(self) -> set[int]:
        return {user.pk for user in self.users}


def audience_chosen(
    departement_id: str, *, organization_ids: Collection[int], user_ids: Collection[int]
) -> Recipients:
    """The organisations and people among these ids that belong to the département's custom audience
    (`audience_choices`); the others are left out. One query per kind of id given, none without ids."""
    organizations, users = audience_choices(departement_id)
    return Recipients(
        organizations=list(organizations.filter(pk__in=organization_ids)) if organization_ids else [],
        users=list(users.filter(pk__in=user_ids)) if user_ids else [],
    )


def audience_search(
    departement_id: str, term: str, *, exclude: Recipients | None = None, limit: int = RECIPIENT_SUGGESTIONS
) -> Recipients:
    """The organisations and people of the département's custom audience matching the term, at most `limit` of each,
    those of `exclude` (already chosen) left out: two queries whatever the number of people, none for a term shorter
    than `RECIPIENT_SEARCH_MIN_LENGTH`. An organisation matches by its name (every word, accents and case aside) or its
    acronym; a person by each word of the term in his first name, last name or organisation's name."""
    term = clean_search_term(term)
    words = normalize_search(term).split()
    if len(term) < RECIPIENT_SEARCH_MIN_LENGTH or not words:
        return Recipients()
    exclude = exclude or Recipients()
    organizations, users = audience_choices(departement_id)
    named = Q(*(Q(search_name__contains=word) for word in words)) | Q(abbreviation__iexact=term)
    found_organizations = list(organizations.filter(named).exclude(pk__in=exclude.organization_ids)[: limit + 1])
    # Names are matched as typed (users have no accent-free search column): « Helene » does not find « Hélène ».
    person = Q(
        *(
            Q(first_name__icontains=raw)
            | Q(last_name__icontains=raw)
            | Q(organization__search_name__contains=normalize_search(raw))
            for raw in term.split()
        )
    )
    found_users = list(users.filter(person).exclude(pk__in=exclude.user_ids)[: limit + 1])
    return Recipients(
        organizations=found_organizations[:limit],
        users=found_users[:limit],
        more_organizations=len(found_organizations) > limit,
        more_users=len(found_users) > limit,
    )


# ---------------------------------------------------------------------------------------------------------------------
# Writes
# ---------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Targets:
    organizations: list[Organization]
    users: list[User]


def journal_entry_post(
    *,
    user: User,
    site_id: int,
    body: str,
    kind: str = EntryKind.MESSAGE,
    audience: str = Audience.PUBLIC,
    target_organization_ids: Iterable[int] = (),
    target_user_ids: Iterable[int] = (),
    tags: Iterable[str] = (),
    files: Sequence = (),
    health_date: datetime.date | None = None,
    health_interventions: Iterable[str] = (),
) -> JournalEntry:
    """Posts an entry in the site's journal (§D.2), for users who may write in it on the site's commune.

    `audience`: « public » (every reader of the journal), « préfecture et DDETS » (the server targets the préfecture
    and DDETS organisations of the site's département) or « custom » (at least one active organisation or user among
    `target_organization_ids` / `target_user_ids`). `tags` are uids of active tags. `files` are uploaded files,
    at most `MAX_FILES`, each checked from its bytes and scanned. A health follow-up (`kind="health"`, §I.2) has the
    date of the intervention (not in the future, not before the site was built) and at least one intervention.

    Not wrapped in one transaction on purpose: the antivirus scan talks to an outside system, and runs before the
    short transaction that writes the entry, its targets, tags and files.
    """
    site = _site(user=user, site_id=site_id)
    if not permissions.can_post_in_journal(user, site):
        raise PermissionDenied(NO_RIGHT_TO_POST)

    errors: dict[str, list[str]] = {}
    body = (body or "").strip()
    if not body:
        _add(errors, "body", BODY_REQUIRED)
    if kind not in EntryKind.values:
        _add(errors, "kind", "Choisissez le type de publication parmi ceux proposés.")
    interventions = _health(site, kind, health_date, health_interventions, errors)
    if kind != EntryKind.HEALTH:
        health_date = None
    targets = resolve_targets(site.commune.departement_id, audience, target_organization_ids, target_user_ids, errors)
    chosen_tags = _tags(tags, errors)
    checked = checked_files(files, errors)
    if errors:
        raise ValidationError(errors)
    # Only a post that is otherwise valid reaches the antivirus.
    scan_files(checked, errors)
    if errors:
        raise ValidationError(errors)

    entry = JournalEntry(
        site=site,
        author=user,
        kind=kind,
        body=body,
        audience=audience,
        health_date=health_date,
        health_interventions=interventions,
    )
    stored: list[str] = []
    try:
        with transaction.atomic():
            entry.full_clean()
            entry.save()
            entry.target_organizations.set(targets.organizations)
            entry.target_users.set(targets.users)
            entry.tags.set(chosen_tags)
            store_attachments(Attachment, entry, checked, stored)
            # Those who must be told (notifications app) record it in this same transaction.
            signals.journal_entry_posted.send(sender=JournalEntry, entry=entry, user=user)
    except BaseException:
        delete_stored(Attachment, stored)
        raise
    return entry


@transaction.atomic
def journal_entry_edit(*, user: User, entry_id: int, body: str, tags: Iterable[str] = ()) -> JournalEntry:
    """Changes the text and tags of an entry (§D.3): its author only; the text may not become empty. The entry is
    marked as edited."""
    entry = _readable_entry(user=user, entry_id=entry_id)
    if not permissions.can_edit_journal_entry(user, entry):
        raise PermissionDenied(ONLY_THE_AUTHOR_EDITS)
    errors: dict[str, list[str]] = {}
    body = (body or "").strip()
    if not body:
        _add(errors, "body", BODY_REQUIRED)
    chosen_tags = _tags(tags, errors, keep=entry.tags.all())
    if errors:
        raise ValidationError(errors)
    rewrite_message(entry, body)
    entry.tags.set(chosen_tags)
    return entry


@transaction.atomic
def journal_entry_delete(*, user: User, entry_id: int, reason: str = "") -> JournalEntry:
    """Deletes an entry (§D.3): its author, without a reason; or a moderator of the site's journal (admins on their
    areas), with a mandatory reason, emailed to the author with his message. The row is kept, marked deleted: it is
    never shown again."""
    entry = _readable_entry(user=user, entry_id=entry_id)
    if not permissions.can_delete_journal_entry(user, entry):
        raise PermissionDenied(NO_RIGHT_TO_DELETE)
    if delete_message(entry, user=user, reason=reason):
        _tell_author_of_deletion(entry)
    return entry


def delete_message(entry: Message, *, user: User, reason: str) -> bool:
    """Marks a journal message (a site's or an action's) deleted by `user`, who has been allowed to: its author needs
    no reason, a moderator must give one (`ValidationError` on « reason » otherwise). The row is kept. Returns whether
    it was moderated, so that the caller tells the author."""
    reason = (reason or "").strip()
    moderated = entry.author_id != user.pk
    if moderated and not reason:
        raise ValidationError({"reason": [REASON_REQUIRED]})
    entry.deleted_at = timezone.now()
    entry.deleted_by = user
    entry.deletion_reason = reason
    entry.full_clean()
    entry.save(update_fields=["deleted_at", "deleted_by", "deletion_reason"])
    return moderated


def rewrite_message(entry: Message, body: str) -> None:
    """Saves the new text of a journal message (checked not empty by the caller), marked as edited."""
    entry.body = body
    entry.edited = True
    entry.full_clean()
    entry.save(update_fields=["body", "edited", "updated_at"])


def journal_url(site: Site) -> str:
    """The absolute address of the site's journal, for emails."""
    return settings.BASE_URL + reverse("journal:journal", kwargs={"site_id": site.pk})


# ---------------------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------------------


def _add(errors: dict[str, list[str]], field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _site(*, user: User, site_id: int) -> Site:
    return access_site(user, site_id, queryset=Site.objects.select_related("commune"))


def _readable_entry(*, user: User, entry_id: int) -> JournalEntry:
    """The entry, locked, if it is not deleted, its site is in the user's sight and he may read it."""
    shape = JournalEntry.objects.select_related("site__commune", "author").prefetch_related(
        "target_users", "target_organizations"
    )
    return access_journal_entry(user, entry_id, for_update=True, queryset=shape)


def _health(
    site: Site,
    kind: str,
    health_date: datetime.date | None,
    interventions: Iterable[str],
    errors: dict[str, list[str]],
) -> list[str]:
    """The interventions of a health follow-up in the order of `HealthIntervention`, after checking its date (§I.2:
    not in the future, not before the site was built); an empty list for any other kind."""
    if kind != EntryKind.HEALTH:
        return []
    chosen = set(interventions)
    if health_date is None:
        _add(errors, "health_date", "La date de l'intervention est obligatoire.")
    elif health_date > timezone.localdate():
        _add(errors, "health_date", "La date de l'intervention ne peut pas être dans le futur.")
    elif site.built_at is not None and health_date < site.built_at:
        _add(errors, "health_date", "La date de l'intervention ne peut pas précéder la date d'installation du site.")
    if not chosen:
        _add(errors, "health_interventions", "Cochez au moins une intervention.")
    if chosen - set(HealthIntervention.values):
        _add(errors, "health_interventions", "Choisissez les interventions parmi celles proposées.")
    return [value for value in HealthIntervention.values if value in chosen]


def resolve_targets(
    departement_id: str,
    audience: str,
    organization_ids: Iterable[int],
    user_ids: Iterable[int],
    errors: dict[str, list[str]],
) -> _Targets:
    """Who a targeted message of a journal in this département is addressed to (errors added to `errors`).
    Targets sent with another audience than « custom » are ignored: the audience radio decides."""
    if audience == Audience.PUBLIC:
        return _Targets([], [])
    if audience == Audience.PREFECTURE_DDETS:
        organizations = list(
            Organization.objects.filter(
                located_at_q(Territories(departements=frozenset({departement_id}))),
                type__uid__in=PREFECTURE_DDETS_TYPES,
                active=True,
            )
        )
        if not organizations:
            _add(errors, "audience", NO_PREFECTURE_NOR_DDETS)
        return _Targets(organizations, [])
    if audience != Audience.CUSTOM:
        _add(errors, "audience", "Choisissez les destinataires parmi les possibilités proposées.")
        return _Targets([], [])

    organization_ids = {int(pk) for pk in organization_ids}
    user_ids = {int(pk) for pk in user_ids}
    organizations = list(Organization.objects.filter(pk__in=organization_ids, active=True))
    users = list(User.objects.can_sign_in().filter(pk__in=user_ids))
    if len(organizations) != len(organization_ids):
        _add(errors, "target_organizations", "Une des structures choisies n'existe pas ou n'est plus active.")
    if len(users) != len(user_ids):
        _add(errors, "target_users", "Une des personnes choisies n'existe pas ou n'a plus de compte actif.")
    if not organization_ids and not user_ids:
        _add(errors, "audience", TARGETS_REQUIRED)
    return _Targets(organizations, users)


def _tags(uids: Iterable[str], errors: dict[str, list[str]], *, keep: Iterable[Tag] = ()) -> list[Tag]:
    """The active tags of these uids; `keep` are tags the entry already carries, accepted even if retired since."""
    uids = set(uids)
    if not uids:
        return []
    kept = {tag.uid: tag for tag in keep}
    found = {tag.uid: tag for tag in Tag.objects.active().filter(uid__in=uids - set(kept))}
    found.update({uid: tag for uid, tag in kept.items() if uid in uids})
    if set(found) != uids:
        _add(errors, "tags", "Choisissez les étiquettes parmi celles proposées.")
    return list(found.values())


def checked_files(files: Sequence, errors: dict[str, list[str]]) -> list[CheckedFile]:
    """The uploaded files of a message, each checked from its bytes (type, size); at most `MAX_FILES`. Errors are
    added under « files »."""
    if len(files) > MAX_FILES:
        _add(errors, "files", TOO_MANY_FILES)
        return []
    checked = []
    for upload in files:
        try:
            checked.append(check_file(upload))
        except ValidationError as error:
            for message in error.messages:
                _add(errors, "files", message)
    return checked


def scan_files(checked: Sequence[CheckedFile], errors: dict[str, list[str]]) -> None:
    """Runs the antivirus on checked files (an outside system: call it outside a transaction, once the rest of the
    message is valid); what it refuses is added under « files »."""
    for each in checked:
        try:
            antivirus.check_clean(each.file, name=each.name)
        except ValidationError as error:
            for message in error.messages:
                _add(errors, "files", message)


def store_attachments(
    model: type[StoredAttachment], entry: Model, checked: Sequence[CheckedFile], stored: list[str]
) -> None:
    """Stores the checked files as attachments (`model`) of the message `entry`, adding each stored name to `stored`
    so that the caller deletes them if its transaction fails (`delete_stored`)."""
    for each in checked:
        attachment = model(entry=entry, original_name=each.name, size=each.size, content_type=each.content_type)
        # The name only carries the extension: the file field's upload_to draws the stored path at random.
        attachment.file.save(f"piece-jointe.{each.extension}", File(each.file), save=False)
        stored.append(str(attachment.file.name))
        attachment.save()


def delete_stored(model: type[StoredAttachment], names: list[str]) -> None:
    storage = model._meta.get_field("file").storage
    for name in names:
        storage.delete(name)


def _tell_author_of_deletion(entry: JournalEntry) -> None:
    """Emails the author the reason and his message (§D.3 `user_comment_deletion`). An author whose account is gone
    or no longer active is not written to: the deletion stays recorded on the entry."""
    author = entry.author
    if author is None or author.status != UserStatus.ACTIVE:
        return
    site = entry.site
    email_queue(
        to=[author.email],
        template="journal_entry_deleted",
        context={
            "author": author,
            "site": site,
            "commune": site.commune,
            "entry": entry,
            "posted_at": timezone.localtime(entry.created_at),
            "reason": entry.deletion_reason,
            "journal_url": journal_url(site),
        },
    )
