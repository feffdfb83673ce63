"""The activity feed's reads (reference §F.2 « Historique des activités »): what happened on the territory, newest
first, from the one record of events the services write (`notifications.NotificationEvent`, through the domain
signals) — never a union of tables computed at read time.

Who sees an event is decided in SQL, per kind, on the events query, by the rule of the page the event leads to
(`accounts.permissions`), read where possible on the event's own columns — the site it is about, that site's place
(kept the site's place when a site moves) and whether a message was public: a declared, updated or closed site that
the user sees (`site_events_q`, the rule of `Site.objects.visible_to`); a journal message he may read
(`journal_events_q`, the rule of the journal's `readable_by`: a targeted message reaches only its audience) and not
deleted; a message of an action's journal among `ActionEntry.objects.alive().readable_by`; a new person among the
directory's people (an EXISTS on the object). An update whose every change the reader may not see (justice
procedures, owners: settlements/confidential.py) is left out; the others show their changes without the confidential
ones (`settlements.history.update_changes`). So a page of 20 is 20 items the reader may see, and its queries do not
grow with the number of events: one for the events, then a fixed number per kind on the page to load what they are
about. Changes of an action's finances are never recorded.
"""

import datetime
import operator
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from functools import lru_cache, partial, reduce
from typing import NamedTuple

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from resorption.accounts import permissions
from resorption.accounts.models import User
from resorption.actions.models import ActionEntry
from resorption.core.forms import DATE_MAX, DATE_MIN, ID_MAX
from resorption.core.prepared import PreparedQueries, padded
from resorption.journal.enums import EntryKind
from resorption.journal.models import JournalEntry
from resorption.notifications import catalogue
from resorption.notifications.models import NotificationEvent
from resorption.settlements.forms import Location
from resorption.settlements.history import Change, author_label, update_changes
from resorption.settlements.models import Site
from resorption.territories.enums import TerritoryLevel
from resorption.territories.location import Territories, sites_in_q
from resorption.territories.models import Commune, Departement

PAGE_SIZE = 20


@dataclass(frozen=True)
class FeedKind:
    """A kind of activity the feed lists: its value in the query string, its label, the event kind it shows."""

    value: str
    label: str
    event_kind: str


SITE_DECLARED = FeedKind("sites-declares", "Sites déclarés", catalogue.SiteDeclared.name)
SITE_UPDATED = FeedKind("sites-modifies", "Sites modifiés", catalogue.SiteUpdated.name)
SITE_CLOSED = FeedKind("sites-fermes", "Sites fermés", catalogue.SiteClosed.name)
SITE_MESSAGE = FeedKind("messages-sites", "Messages des journaux de sites", catalogue.JournalMessagePosted.name)
ACTION_MESSAGE = FeedKind("messages-actions", "Messages des journaux d'actions", catalogue.ActionMessagePosted.name)
NEW_USER = FeedKind("nouveaux-utilisateurs", "Nouveaux utilisateurs", catalogue.UserActivated.name)
# In the order of the filter's checkboxes.
FEED_KINDS: tuple[FeedKind, ...] = (SITE_DECLARED, SITE_UPDATED, SITE_CLOSED, SITE_MESSAGE, ACTION_MESSAGE, NEW_USER)
_BY_EVENT_KIND = {kind.event_kind: kind for kind in FEED_KINDS}


# ---------------------------------------------------------------------------------------------------------------------
# The cursor of « Charger plus »
# ---------------------------------------------------------------------------------------------------------------------

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_MICROSECOND = datetime.timedelta(microseconds=1)
_CURSOR_MIN = (datetime.datetime.combine(DATE_MIN, datetime.time.min, tzinfo=datetime.UTC) - _EPOCH) // _MICROSECOND
_CURSOR_MAX = (datetime.datetime.combine(DATE_MAX, datetime.time.max, tzinfo=datetime.UTC) - _EPOCH) // _MICROSECOND


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the date and id of its last event. The next page holds the events strictly before it in
    the feed's order (date, then id, both descending), so that no event is shown twice or skipped, even when events
    share a date or new ones arrive meanwhile."""

    created_at: datetime.datetime
    event_id: int

    def __str__(self) -> str:
        """« 1767225600123456-42 »: microseconds since 1970 (exact, where a float would round), then the id."""
        return f"{(self.created_at - _EPOCH) // _MICROSECOND}-{self.event_id}"

    @classmethod
    def parse(cls, value: object) -> "Cursor | None":
        """The cursor a page wrote, or None for anything else (bounded: no date arithmetic can overflow)."""
        text = value.strip() if isinstance(value, str) else ""
        moment, _, event_id = text.partition("-")
        if not all(part.isascii() and part.isdigit() and len(part) <= 19 for part in (moment, event_id)):
            return None
        micros, number = int(moment), int(event_id)
        if not (_CURSOR_MIN <= micros <= _CURSOR_MAX and 0 < number <= ID_MAX):
            return None
        return cls(created_at=_EPOCH + micros * _MICROSECOND, event_id=number)

    def before_q(self) -> Q:
        return Q(created_at__lt=self.created_at) | Q(created_at=self.created_at, pk__lt=self.event_id)


# ---------------------------------------------------------------------------------------------------------------------
# Which events: the reader's sight, the kinds and the territory asked
# ---------------------------------------------------------------------------------------------------------------------


def visible_events_q(user: User, kinds: Iterable[FeedKind] = FEED_KINDS) -> Q:
    """Events of these kinds that the user may see, each kind by the rule of what it is about. Events about a site
    are decided on their own columns (their site, its place, whether a message was public: `permissions.site_events_q`,
    `journal_events_q`), which the database reads along the (date, id) index without building the set of every
    site, version or message the user may read first."""
    conditions = []
    for kind in kinds:
        if kind in (SITE_DECLARED, SITE_CLOSED):
            visible = _ABOUT_A_SITE & permissions.site_events_q(user)
        elif kind == SITE_UPDATED:
            visible = _readable_updates_q(user)
        elif kind == SITE_MESSAGE:
            visible = (
                _ABOUT_A_SITE
                & permissions.journal_events_q(user, entry_model=JournalEntry)
                & ~_one_of(JournalEntry.objects.filter(deleted_at__isnull=False))
            )
        elif kind == ACTION_MESSAGE:
            visible = _one_of(ActionEntry.objects.alive().readable_by(user))
        else:
            visible = _one_of(User.objects.in_directory())
        conditions.append(Q(kind=kind.event_kind) & visible)
    return reduce(operator.or_, conditions, Q(pk__in=[]))


# An event about a site that still exists (the event's `site` is emptied if it went).
_ABOUT_A_SITE = Q(site__isnull=False)


def _one_of(objects: QuerySet, outer: str = "object_id") -> Exists:
    """The event's object (the row's `outer` id) is among `objects`: an EXISTS on the object's primary key. It
    fetches nothing: the access rule of the project (tests/test_access_only.py) is about fetching an object by its
    id."""
    return Exists(objects.filter(pk=OuterRef(outer)))


# What a site's update changed (`NotificationEvent.changed_*`) → the confidential data it belongs to.
_CONFIDENTIAL_FLAGS = {
    "changed_justice": permissions.ConfidentialData.JUSTICE,
    "changed_owners": permissions.ConfidentialData.OWNERS,
}


def _readable_updates_q(user: User) -> Q:
    """Updates of sites the user sees that changed something he may see: data of the site anyone reading it sees, or
    justice procedures or owners on a site where he holds their feature (`CONFIDENTIAL_DATA`, the rule of
    `confidential.hidden_site_fields`)."""
    readable = Q(changed_open_data=True)
    for flag, data in _CONFIDENTIAL_FLAGS.items():
        holding = permissions.site_events_q(user, permissions.CONFIDENTIAL_DATA[data].feature)
        readable |= Q(**{flag: True}) & holding
    return _ABOUT_A_SITE & permissions.site_events_q(user) & readable


def territory_q(location: str) -> Q:
    """Events in the territory of a location value (`settlements.forms.Location`: "" for the nation, « metropole »,
    « outre-mer », « region-75 », « 33 », « epci-… », « commune-… »). Régions and départements are matched on the
    event's département, EPCI and communes on its commune — an IN over a few codes, backed by the events' indexes
    (département or commune, then date). Events without a place (a national organisation's newcomer, a territorial
    message) are in the nation only."""
    level, code = Location.parse(location)
    if level == Location.METROPOLE:
        return Q(departement__in=Departement.objects.metropole().values("code"))
    if level == Location.OVERSEAS:
        return Q(departement__in=Departement.objects.overseas().values("code"))
    if level == Location.REGION:
        return Q(departement__in=Departement.objects.filter(region_id=code).values("code"))
    if level == TerritoryLevel.DEPARTEMENT:
        return Q(departement_id=code)
    if level in (Location.EPCI, Location.COMMUNE):
        # A city with arrondissements takes in the events of each of them (the site list's rule).
        communes = Commune.objects.filter(sites_in_q(Territories.of(level, [code]), commune_path=""))
        return Q(commune__in=communes.values("code"))
    return Q()


def feed_events(
    user: User, *, kinds: Collection[FeedKind] = FEED_KINDS, location: str = "", before: Cursor | None = None
) -> QuerySet[NotificationEvent]:
    """The events of the feed, newest first: of these kinds, in this territory, before the cursor, that the user may
    see."""
    events = NotificationEvent.objects.filter(visible_events_q(user, kinds), territory_q(location))
    if before is not None:
        events = events.filter(before.before_q())
    return events.order_by("-created_at", "-pk")


# ---------------------------------------------------------------------------------------------------------------------
# What each event shows
# ---------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Activity:
    """An item of the feed, its texts already written: what happened (`title`), about what (`subject`, linked to
    `url`), when and by whom, and what the update changed or what the message says."""

    event_id: int
    kind: FeedKind
    moment: datetime.datetime
    title: str
    subject: str
    url: str
    author: str = ""
    details: tuple[str, ...] = ()
    changes: tuple[Change, ...] = ()
    body: str = ""

    @property
    def html(self) -> str:
        """The item's markup, rendered once per content, time zone and process: an item shows its own values only
        (its texts are already written for its reader), and readers of a territory open the same latest ones."""
        return _item_html(self, timezone.get_current_timezone_name())


@lru_cache(maxsize=4096)
def _item_html(activity: Activity, zone: str) -> str:
    return render_to_string("activity/includes/activities.html#item", {"activity": activity})


@dataclass(frozen=True)
class FeedPage:
    activities: list[Activity]
    # Where the next page starts (the last event of this one), None when there is no more.
    next_cursor: Cursor | None = None


_FIRST_PAGES = PreparedQueries(NotificationEvent)


def feed_page(
    user: User,
    *,
    kinds: Collection[FeedKind] = FEED_KINDS,
    location: str = "",
    before: Cursor | None = None,
    size: int = PAGE_SIZE,
) -> FeedPage:
    """A page of the feed: `size` events at most, then what they are about, loaded in bulk kind by kind. The first
    page — the feed as it opens, the dashboard's latest activities — runs a query compiled once per process for the
    reader's permissions (`permissions.context_key`), kinds, place and size: building it costs more than running it."""
    if before is None:
        key = (permissions.context_key(user), tuple(kind.value for kind in kinds), location, size)
        first = _FIRST_PAGES.query(
            key, lambda: _event_rows(feed_events(user, kinds=kinds, location=location), size), 0
        )
        rows = first.fetch()
    else:
        rows = _event_rows(feed_events(user, kinds=kinds, location=location, before=before), size)
    events = [_Event.of(row) for row in rows]
    more = len(events) > size
    events = events[:size]
    activities = _activities(user, events)
    if not more:
        return FeedPage(activities=activities)
    return FeedPage(
        activities=activities, next_cursor=Cursor(created_at=events[-1].created_at, event_id=events[-1].pk)
    )


class _Actor(NamedTuple):
    """What an item says of an event's author (`history.author_label` reads these two)."""

    full_name: str
    anonymized_at: datetime.datetime | None
    organization_name: str


class _Event(NamedTuple):
    """An event of a page, read as a plain row: twenty model instances, their authors and organisations cost more to
    build than the query to run."""

    pk: int
    kind: str
    object_id: int
    created_at: datetime.datetime
    site_id: int | None
    actor: _Actor | None

    @classmethod
    def of(cls, row: tuple) -> "_Event":
        pk, kind, object_id, created_at, site_id, first_name, last_name, anonymized_at, organization = row
        actor = None if first_name is None else _Actor(f"{first_name} {last_name}", anonymized_at, organization)
        return cls(pk, kind, object_id, created_at, site_id, actor)


def _event_rows(events: QuerySet[NotificationEvent], size: int) -> QuerySet:
    """`size` + 1 events (one more tells whether there is a next page), as the rows `_Event.of` reads."""
    return events.values_list(*_EVENT_ROW)[: size + 1]


# The event's columns, then what an item names of its author (`_author`): not his whole row.
_EVENT_ROW = (
    "pk",
    "kind",
    "object_id",
    "created_at",
    "site_id",
    "actor__first_name",
    "actor__last_name",
    "actor__anonymized_at",
    "actor__organization__name",
)


def latest_activities(user: User, limit: int = 5) -> list[Activity]:
    """The user's latest activities, for the dashboard: the first items of his feed, every kind, the whole nation."""
    return feed_page(user, size=limit).activities


def _activities(user: User, events: list[_Event]) -> list[Activity]:
    ids: dict[FeedKind, list[int]] = defaultdict(list)
    for event in events:
        ids[_BY_EVENT_KIND[event.kind]].append(event.object_id)

    site_of_version = {
        event.object_id: event.site_id for event in events if _BY_EVENT_KIND[event.kind] == SITE_UPDATED
    }
    site_ids = {*ids[SITE_DECLARED], *ids[SITE_CLOSED], *site_of_version.values()}
    sites = _sites(user, site_ids) if site_ids else {}
    changes = update_changes(ids[SITE_UPDATED], user=user, sites=sites) if ids[SITE_UPDATED] else {}
    entries = _journal_entries(user, ids[SITE_MESSAGE]) if ids[SITE_MESSAGE] else {}
    action_entries = _action_entries(user, ids[ACTION_MESSAGE]) if ids[ACTION_MESSAGE] else {}
    newcomers = _newcomers(ids[NEW_USER]) if ids[NEW_USER] else {}

    activities = []
    for event in events:
        kind = _BY_EVENT_KIND[event.kind]
        # What every item says of its event: when, what, who did it.
        item = partial(Activity, event_id=event.pk, kind=kind, moment=event.created_at, author=_author(event.actor))
        activity = None
        # An object gone or out of sight since the events were read is left out.
        if kind in (SITE_DECLARED, SITE_CLOSED) and event.object_id in sites:
            activity = _site_activity(kind, sites[event.object_id], item)
        elif kind == SITE_UPDATED and site_of_version.get(event.object_id) in sites:
            site = sites[site_of_version[event.object_id]]
            activity = item(
                title="Site mis à jour",
                subject=_site_subject(site),
                url=catalogue.SiteUpdated.url(site),
                changes=tuple(changes.get(event.object_id, ())),
            )
        elif kind == SITE_MESSAGE and event.object_id in entries:
            entry = entries[event.object_id]
            activity = item(
                title="Suivi sanitaire" if entry.kind == EntryKind.HEALTH else "Message dans le journal d'un site",
                subject=_site_subject(entry.site),
                url=catalogue.JournalMessagePosted.url(entry),
                details=() if entry.is_public else ("Message ciblé",),
                body=entry.body,
            )
        elif kind == ACTION_MESSAGE and event.object_id in action_entries:
            entry = action_entries[event.object_id]
            activity = item(
                title="Message dans le journal d'une action",
                subject=f"{entry.action.name} — {entry.action.departement}",
                url=catalogue.ActionMessagePosted.url(entry),
                details=() if entry.is_public else ("Message ciblé",),
                body=entry.body,
            )
        elif kind == NEW_USER and event.object_id in newcomers:
            person = newcomers[event.object_id]
            activity = item(
                title="Nouvel utilisateur",
                subject=f"{person.full_name} de {person.organization.name} a rejoint la plateforme",
                url=catalogue.UserActivated.url(person),
                author="",  # the newcomer himself
            )
        if activity is not None:
            activities.append(activity)
    return activities


def _author(actor: _Actor | None) -> str:
    """« Camille Martin (Structure) », as the history names authors (an anonymised account is not named)."""
    if actor is None:
        return ""
    label = author_label(actor)
    return label if actor.anonymized_at is not None else f"{label} ({actor.organization_name})"


def _site_subject(site: Site) -> str:
    return f"{site.display_name} — {site.commune}"


def _site_activity(kind: FeedKind, site: Site, item: Callable[..., Activity]) -> Activity:
    if kind == SITE_DECLARED:
        return item(
            title="Nouveau site déclaré",
            subject=_site_subject(site),
            url=catalogue.SiteDeclared.url(site),
        )
    details = (f"Cause : {site.get_closing_cause_display()}",) if site.closing_cause else ()
    if site.closed_with_solutions:
        details = (*details, "Résorbé définitivement")
    return item(
        title="Site fermé",
        subject=_site_subject(site),
        url=catalogue.SiteClosed.url(site),
        details=details,
    )


# What the items of a page are about, read by queries compiled once per process for the readers of the same sites
# or messages (`core.prepared`): a site has some 150 columns, and compiling its query cost more than running it.
_SITES = PreparedQueries(Site)
_JOURNAL_ENTRIES = PreparedQueries(JournalEntry)


def _by_ids(queries: PreparedQueries, key: str, build: Callable[..., QuerySet], ids: Collection[int]) -> list:
    ordered = sorted(ids)
    found = []
    for start in range(0, len(ordered), PAGE_SIZE):
        found += queries.fetch(key, build, *padded(ordered[start : start + PAGE_SIZE], PAGE_SIZE))
    return found


# Of a site, what an item says (`_site_subject`, `_site_activity`): not its hundred and fifty columns. Its commune
# is whole: the confidential rule reads its place (`settlements.history.update_changes`).
_SITE_FIELDS = ("address", "name", "commune", "closing_cause", "closed_with_solutions")


def _sites(user: User, site_ids: Collection[int]) -> dict[int, Site]:
    def build(*ids: int) -> QuerySet:
        return (
            Site.objects.visible_to(user).filter(pk__in=ids).select_related("commune__departement").only(*_SITE_FIELDS)
        )

    return {site.pk: site for site in _by_ids(_SITES, permissions.visible_sites_key(user), build, site_ids)}


def _journal_entries(user: User, entry_ids: list[int]) -> dict[int, JournalEntry]:
    def build(*ids: int) -> QuerySet:
        return (
            JournalEntry.objects.alive()
            .readable_by(user)
            .filter(pk__in=ids)
            .select_related("site__commune")
            .only("kind", "site", "is_public", "body", *(f"site__{field}" for field in _SITE_FIELDS))
        )

    key = permissions.journal_entries_key(user)
    return {entry.pk: entry for entry in _by_ids(_JOURNAL_ENTRIES, key, build, entry_ids)}


def _action_entries(user: User, entry_ids: list[int]) -> dict[int, ActionEntry]:
    entries = (
        ActionEntry.objects.alive().readable_by(user).filter(pk__in=entry_ids).select_related("action__departement")
    )
    return {entry.pk: entry for entry in entries}


def _newcomers(user_ids: list[int]) -> dict[int, User]:
    people = User.objects.in_directory().filter(pk__in=user_ids).select_related("organization")
    return {person.pk: person for person in people}
