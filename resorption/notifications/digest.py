"""The weekly digest: « récapitulatif hebdomadaire des activités sur mon territoire » (reference §F.3
`activity_summary`, §J.3 `send_activity_summary`, §B.8 subscription `weekly_summary`).

Every Monday from 07:00 (Europe/Paris), each active user of an active organisation receives what happened from
Monday 00:00 to Sunday 24:00 of the previous week on the territory of his main intervention area, at its level:
France entière, his région, or his département (an EPCI or commune area gets its département(s)):
- the sites declared, closed and updated (counts, and the first few with a link);
- the journal messages he may read (author and organisation, site, excerpt);
- the people who joined (names and organisations for those who may see accounts — admins —, a count otherwise).
Each item goes through the reader's permissions: sites as `Site.objects.visible_to` decides
(`shantytown.list`), messages as `journal_entries_q` does (a targeted message reaches only its audience, §A.6).
No justice or owner data reaches the email: the template receives lines built from a site's address, name and
commune only, never site objects.

Cost: the week's data is read once per territory (a handful of queries whatever the number of sites, messages and
readers); each reader then costs a fixed number of queries (his areas, his permission context, for admins the
accounts he may see, and the writes).

Once per week and per person: a digest is claimed by inserting a `SentReminder` row whose kind names the week
(`weekly_digest:<monday>`) in the same transaction as its email is queued — the unique constraint (kind, user)
stops a second run, concurrent or not. The scheduler enqueues the job daily at 07:00 (it knows no weekly slot); the
job sends nothing unless the latest Monday 07:00 is less than `CATCH_UP` ago, so a scheduler down on Monday morning
still sends that week's digest later, but never a stale one.

Unsubscribing: each digest carries a signed link (`unsubscribe_token`: user id and category, salted, without
expiry) to `/notifications/desabonnement/<token>/`, which turns the category off in `User.email_unsubscriptions`
— the list « Mon compte » edits.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator

from resorption.accounts import permissions
from resorption.accounts.enums import AccountEventKind, AreaType, EmailSubscription
from resorption.accounts.models import AccountEvent, InterventionArea, SentReminder, User
from resorption.accounts.services.profile import user_preferences_update
from resorption.emails.services import email_queue
from resorption.journal.enums import Audience, EntryKind
from resorption.journal.models import JournalEntry
from resorption.settlements.enums import SiteStatus
from resorption.settlements.models import Site
from resorption.territories.location import Territories, sites_in_q, users_in_q

logger = logging.getLogger("resorption.notifications")

# The opt-out category of « Mon compte » (§B.8 `weekly_summary`).
DIGEST_CATEGORY = EmailSubscription.WEEKLY_SUMMARY
DIGEST_TEMPLATE = "weekly_digest"
SEND_WEEKDAY = 0  # Monday
SEND_TIME = time(7, 0)  # Europe/Paris wall-clock time (§J.3: cron `0 0 7 * * 1`)
# How late a digest may still go out: a scheduler down on Monday catches up until Wednesday 07:00, not later.
CATCH_UP = timedelta(days=2)
LIST_LIMIT = 10  # items listed per section; the rest is counted
EXCERPT_LENGTH = 300  # characters of a message quoted in the digest
SENT_KIND_PREFIX = "weekly_digest:"
UNSUBSCRIBE_SALT = "resorption.notifications.unsubscribe"

# Widest first: the level used when no area is marked main.
_LEVEL_RANK = {
    AreaType.NATION: 0,
    AreaType.REGION: 1,
    AreaType.DEPARTEMENT: 2,
    AreaType.EPCI: 3,
    AreaType.COMMUNE: 4,
}


# ---------------------------------------------------------------------------------------------------------------------
# The week
# ---------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestWeek:
    """The Monday–Sunday a digest covers: from `start` (Monday 00:00, Paris) to `end` (the next Monday 00:00,
    excluded); due at `send_at` (that next Monday 07:00)."""

    start: datetime
    end: datetime
    send_at: datetime

    @property
    def first_day(self) -> date:
        return timezone.localtime(self.start).date()

    @property
    def last_day(self) -> date:
        return self.first_day + timedelta(days=6)

    @property
    def sent_kind(self) -> str:
        """The `SentReminder.kind` that records this week's digest (≤ 30 characters)."""
        return f"{SENT_KIND_PREFIX}{self.first_day.isoformat()}"

    @property
    def label(self) -> str:
        """« du 16 au 22 novembre 2026 », « du 27 octobre au 2 novembre 2026 »."""
        first, last = self.first_day, self.last_day
        if first.year != last.year:
            start = _day_label(first, month=True, year=True)
        elif first.month != last.month:
            start = _day_label(first, month=True, year=False)
        else:
            start = _day_label(first, month=False, year=False)
        return f"du {start} au {_day_label(last, month=True, year=True)}"


def _day_label(day: date, *, month: bool, year: bool) -> str:
    label = "1er" if day.day == 1 else str(day.day)
    if month:
        label += " " + date_format(day, "F")
    if year:
        label += f" {day.year}"
    return label


def _paris(day: date, at: time = time(0, 0)) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


def digest_week(now: datetime) -> DigestWeek | None:
    """The week whose digest is due at `now`: the one before the latest Monday 07:00 (Paris), or None when that moment
    is `CATCH_UP` or more ago (too late: the digest of that week is not sent any more)."""
    local = timezone.localtime(now)
    monday = local.date() - timedelta(days=(local.weekday() - SEND_WEEKDAY) % 7)
    if local < _paris(monday, SEND_TIME):
        monday -= timedelta(days=7)
    send_at = _paris(monday, SEND_TIME)
    if now - send_at >= CATCH_UP:
        return None
    return DigestWeek(start=_paris(monday - timedelta(days=7)), end=_paris(monday), send_at=send_at)


# ---------------------------------------------------------------------------------------------------------------------
# Territories
# ---------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Territory:
    """A digest's territory: the nation (`codes` empty), a région (its code) or one or more départements (an EPCI may
    span several)."""

    level: str  # AreaType.NATION, REGION or DEPARTEMENT
    codes: tuple[str, ...]
    label: str

    @property
    def where(self) -> Territories:
        """The territory for `territories.location`: sites, messages and new users are those located in it."""
        return Territories.of(self.level, self.codes)


NATION = Territory(AreaType.NATION, (), "France entière")


def territory_of(user: User) -> Territory | None:
    """The territory of the user's digest: the level of his main intervention area (the widest when none is marked
    main); an EPCI or a commune gives its département(s). None without any area."""
    areas = sorted(permissions.intervention_areas(user), key=lambda area: (not area.is_main_area, _rank(area)))
    if not areas:
        return None
    return _territory_of_area(areas[0])


def _rank(area: InterventionArea) -> int:
    return _LEVEL_RANK.get(area.area_type, len(_LEVEL_RANK))


def _territory_of_area(area: InterventionArea) -> Territory | None:
    if area.area_type == AreaType.NATION:
        return NATION
    if area.area_type == AreaType.REGION:
        return Territory(AreaType.REGION, (area.region_id,), area.region.name)
    if area.area_type == AreaType.DEPARTEMENT:
        departements = [area.departement]
    elif area.area_type == AreaType.EPCI:
        departements = sorted(area.epci.departements.all(), key=lambda departement: departement.code)
    elif area.area_type == AreaType.COMMUNE:
        departements = [area.commune.departement]
    else:
        return None
    if not departements:
        return None
    return Territory(
        AreaType.DEPARTEMENT,
        tuple(departement.code for departement in departements),
        ", ".join(str(departement) for departement in departements),
    )


# ---------------------------------------------------------------------------------------------------------------------
# The week's data of a territory, read once for all its readers
# ---------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TerritoryWeek:
    territory: Territory
    declared: list[Site]
    closed: list[Site]
    updated: list[Site]
    entries: list[JournalEntry]
    new_users: list[User]


def territory_week(territory: Territory, week: DigestWeek) -> TerritoryWeek:
    """Everything that happened in the territory during the week, before any reader's permission is applied.

    Site events come from the sites' history (django-simple-history): a site is closed in the week when a version of
    the week has it closed and no earlier one did, and updated when a version of the week changed it while open (the
    declaration itself excluded). New users are the accounts activated in the week, still active, of organisations
    located in the territory."""
    versions = Site.history.model.objects.filter(id=OuterRef("pk"))
    in_week = {"history_date__gte": week.start, "history_date__lt": week.end}
    sites = Site.objects.filter(sites_in_q(territory.where)).select_related("commune__departement")

    declared = sites.filter(created_at__gte=week.start, created_at__lt=week.end).order_by("-created_at", "-pk")
    closed = (
        sites.filter(status=SiteStatus.CLOSED)
        .filter(Exists(versions.filter(status=SiteStatus.CLOSED, **in_week)))
        .exclude(Exists(versions.filter(status=SiteStatus.CLOSED, history_date__lt=week.start)))
        .order_by("-closed_at", "-pk")
    )
    open_changes = versions.filter(history_type="~", status=SiteStatus.OPEN, **in_week)
    updated = (
        sites.filter(created_at__lt=week.start)
        .filter(Exists(open_changes))
        .annotate(changed_at=Subquery(open_changes.order_by("-history_date").values("history_date")[:1]))
        .order_by("-changed_at", "-pk")
    )
    entries = (
        JournalEntry.objects.alive()
        .filter(sites_in_q(territory.where, "site__commune"), created_at__gte=week.start, created_at__lt=week.end)
        .with_display_data()
        .order_by("-created_at", "-pk")
    )
    activated = AccountEvent.objects.filter(
        user=OuterRef("pk"), kind=AccountEventKind.ACTIVATED, created_at__gte=week.start, created_at__lt=week.end
    )
    new_users = (
        User.objects.can_sign_in()
        .filter(Exists(activated), users_in_q(territory.where))
        .select_related("organization")
        .order_by("last_name", "first_name", "pk")
    )
    return TerritoryWeek(
        territory=territory,
        declared=list(declared),
        closed=list(closed),
        updated=list(updated),
        entries=list(entries),
        new_users=list(new_users),
    )


# ---------------------------------------------------------------------------------------------------------------------
# One reader's digest
# ---------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteLine:
    name: str
    commune: str
    url: str
    date_label: str


@dataclass(frozen=True)
class EntryLine:
    author: str
    organization: str
    site: str
    commune: str
    kind_label: str
    is_health: bool
    is_targeted: bool
    excerpt: str
    url: str
    date_label: str


@dataclass(frozen=True)
class UserLine:
    name: str
    organization: str
    url: str


def _section(lines: list, *, title: str = "") -> dict:
    return {"title": title, "count": len(lines), "lines": lines[:LIST_LIMIT], "more": max(len(lines) - LIST_LIMIT, 0)}


def _absolute(path: str) -> str:
    return settings.BASE_URL + path


def _site_line(site: Site, moment: datetime | date) -> SiteLine:
    day = timezone.localtime(moment).date() if isinstance(moment, datetime) else moment
    return SiteLine(
        name=site.display_name,
        commune=f"{site.commune.name} ({site.commune.departement_id})",
        url=_absolute(reverse("settlements:detail", kwargs={"pk": site.pk})),
        date_label=f"{day:%d/%m/%Y}",
    )


def _entry_line(entry: JournalEntry) -> EntryLine:
    author = entry.author
    return EntryLine(
        author=author.full_name if author else "Utilisateur supprimé",
        organization=author.organization.name if author else "",
        site=entry.site.display_name,
        commune=f"{entry.site.commune.name} ({entry.site.commune.departement_id})",
        kind_label=entry.get_kind_display(),
        is_health=entry.kind == EntryKind.HEALTH,
        is_targeted=entry.audience != Audience.PUBLIC,
        excerpt=Truncator(" ".join(entry.body.split())).chars(EXCERPT_LENGTH),
        url=_absolute(_entry_path(entry)),
        date_label=f"{timezone.localtime(entry.created_at):%d/%m/%Y}",
    )


def _entry_path(entry: JournalEntry) -> str:
    """The entry on its journal page; health follow-ups are listed in their own tab (`?onglet=sanitaire`)."""
    path = reverse("journal:journal", kwargs={"site_id": entry.site_id})
    if entry.kind == EntryKind.HEALTH:
        path += "?onglet=sanitaire"
    return f"{path}#message-{entry.pk}"


def digest_context(reader: User, data: TerritoryWeek, week: DigestWeek) -> dict | None:
    """The email context of the reader's digest, with only what he may see; None when there is nothing to tell."""

    def visible(site: Site) -> bool:  # the rule of `Site.objects.visible_to`
        return permissions.can(reader, "shantytown.list", commune=site.commune)

    declared = [_site_line(site, site.created_at) for site in data.declared if visible(site)]
    closed = [_site_line(site, site.closed_at) for site in data.closed if visible(site)]
    updated = [_site_line(site, site.changed_at) for site in data.updated if visible(site)]
    entries = [
        _entry_line(entry)
        for entry in data.entries
        if visible(entry.site) and permissions.can_read_journal_entry(reader, entry)
    ]
    listed_users = _visible_new_users(reader, data.new_users)
    if not (declared or closed or updated or entries or data.new_users):
        return None
    return {
        "recipient": reader,
        "territory_label": data.territory.label,
        "period_label": week.label,
        "site_sections": [
            _section(declared, title="Sites déclarés"),
            _section(closed, title="Sites fermés"),
            _section(updated, title="Sites mis à jour"),
        ],
        "entries": _section(entries),
        # Everyone gets the count; admins also get the names of the accounts they may see.
        "new_users": {
            "count": len(data.new_users),
            "lines": listed_users[:LIST_LIMIT],
            "more": len(data.new_users) - len(listed_users[:LIST_LIMIT]),
        },
        "sites_url": _absolute(reverse("settlements:list")),
        "preferences_url": _absolute(reverse("accounts:preferences")),
        "unsubscribe_url": unsubscribe_url(reader, DIGEST_CATEGORY),
    }


def _visible_new_users(reader: User, new_users: list[User]) -> list[UserLine]:
    """The new accounts the reader may see (`user.read`, admins on their territory), by name; none for the others,
    who only get the count."""
    if not new_users or not permissions.can(reader, "user.read"):
        return []
    visible_ids = set(
        User.objects.filter(permissions.visible_users_q(reader, "user.read"))
        .filter(pk__in=[user.pk for user in new_users])
        .values_list("pk", flat=True)
    )
    return [
        UserLine(
            name=user.full_name,
            organization=user.organization.name,
            url=_absolute(reverse("accounts:user_detail", kwargs={"pk": user.pk})),
        )
        for user in new_users
        if user.pk in visible_ids
    ]


# ---------------------------------------------------------------------------------------------------------------------
# Sending
# ---------------------------------------------------------------------------------------------------------------------


def digest_recipients(week: DigestWeek) -> QuerySet[User]:
    """Active accounts of active organisations that existed when the digest was due and have not received it yet.
    Opt-outs are checked by the caller (`wants_digest`): a JSON list is not searchable on every database."""
    already = SentReminder.objects.filter(kind=week.sent_kind, user=OuterRef("pk"))
    return (
        User.objects.can_sign_in()
        .filter(created_at__lt=week.send_at)
        .exclude(Exists(already))
        .select_related("organization")
        .order_by("pk")
    )


def wants_digest(user: User) -> bool:
    return DIGEST_CATEGORY not in (user.email_unsubscriptions or [])


def weekly_digests_send(*, now: datetime) -> int:
    """Sends the digests due at `now` that have not been sent yet; returns how many were queued. Idempotent: run it
    as often as you like, each person gets each week's digest once."""
    week = digest_week(now)
    if week is None:
        return 0
    groups: dict[Territory, list[User]] = defaultdict(list)
    for user in digest_recipients(week):
        if not wants_digest(user):
            continue
        territory = territory_of(user)
        if territory is not None:
            groups[territory].append(user)
    sent = 0
    for territory, readers in groups.items():
        sent += _send_to(readers, territory_week(territory, week), week, now=now)
    logger.info("weekly digests sent", extra={"week": week.first_day.isoformat(), "sent": sent})
    return sent


def _send_to(readers: Iterable[User], data: TerritoryWeek, week: DigestWeek, *, now: datetime) -> int:
    sent = 0
    for reader in readers:
        context = digest_context(reader, data, week)
        if context is None:
            continue  # nothing this reader may see happened: no empty digest
        with transaction.atomic():
            try:
                with transaction.atomic():  # the unique constraint is the guard against a concurrent run
                    SentReminder.objects.create(kind=week.sent_kind, user=reader, sent_at=now)
            except IntegrityError:
                continue
            email_queue(
                to=[reader.email],
                template=DIGEST_TEMPLATE,
                context=context,
                # One-click unsubscribe from the mail client (RFC 8058): it POSTs to the link, which the view accepts.
                headers={
                    "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                },
            )
        sent += 1
    return sent


# ---------------------------------------------------------------------------------------------------------------------
# One-click unsubscribe
# ---------------------------------------------------------------------------------------------------------------------


class InvalidUnsubscribeLink(Exception):
    """The token was altered, is incomplete, or names an account or a category that does not exist."""


def unsubscribe_token(user: User, category: str) -> str:
    """A signed token naming the user and the email category. It does not expire: an old digest's link keeps working,
    and it can do nothing but turn that category off."""
    return signing.dumps({"user": user.pk, "category": str(category)}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(user: User, category: str) -> str:
    return _absolute(reverse("notifications:unsubscribe", kwargs={"token": unsubscribe_token(user, category)}))


def unsubscribe_target(token: str) -> tuple[User, EmailSubscription]:
    """The account and category a token names; `InvalidUnsubscribeLink` whatever is wrong with it."""
    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        user = User.objects.get(pk=int(payload["user"]))
        category = EmailSubscription(payload["category"])
    except (signing.BadSignature, KeyError, TypeError, ValueError, User.DoesNotExist) as error:
        raise InvalidUnsubscribeLink from error
    return user, category


def is_unsubscribed(user: User, category: str) -> bool:
    return category in (user.email_unsubscriptions or [])


def user_unsubscribe(*, user: User, category: EmailSubscription) -> None:
    """Turns the category off for the user, keeping his other choices (the same write as « Mon compte »)."""
    turned_off = set(user.email_unsubscriptions or []) | {category}
    user_preferences_update(
        user=user, subscriptions=[value for value in EmailSubscription.values if value not in turned_off]
    )
