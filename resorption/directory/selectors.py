"""The directory's reads (« Annuaire », reference §F.1): the organisations listed, searched and filtered, with what
their cards show, and the places and types the filters offer.

Who is listed is the accounts' rule, written once: `Organization.objects.in_directory()` (active, with at least one
person of `User.objects.in_directory()`). Every query here has a fixed shape, so that a page costs the same number of
queries whatever the number of organisations and people.
"""

import threading
import time
import uuid
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import cache
from django.db import NotSupportedError, transaction
from django.db.models import CharField, Count, Exists, Func, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Concat

from resorption.accounts.enums import OrganizationCategory
from resorption.accounts.models import Organization, OrganizationQuerySet, OrganizationType, User, UserQuerySet
from resorption.core.prepared import PreparedQueries, padded
from resorption.core.text import normalize_search
from resorption.territories import choices
from resorption.territories.enums import TerritoryLevel
from resorption.territories.location import Territories, located_in_q

SEARCH_MAX_WORDS = 10
# The levels the territory filter offers, and how its values write them: `region-75`, `departement-33`.
TERRITORY_LEVELS = (TerritoryLevel.REGION, TerritoryLevel.DEPARTEMENT)

# People have no accent-free search column (organisations and territories have `search_name`): their names are folded
# in SQL, as `normalize_search` folds text in Python. SQLite runs `normalize_search` itself, registered on each of its
# connections (`fold_on_sqlite`, from `DirectoryConfig.ready`); PostgreSQL lower-cases after a TRANSLATE of the
# accented Latin letters (U+00C0–U+024F) that fold to one ASCII letter, and of the separators, into spaces.
# tests/directory/test_search.py checks that both agree with `normalize_search`.
SQLITE_FOLD_FUNCTION = "resorption_fold"
_TRANSLATED = {
    char: normalize_search(char)
    for char in map(chr, range(0xC0, 0x250))
    if len(normalize_search(char)) == 1 and normalize_search(char).isascii() and normalize_search(char) != char.lower()
} | dict.fromkeys("-'’_", " ")
_FROM = "".join(_TRANSLATED)
_TO = "".join(_TRANSLATED.values())


class Folded(Func):
    """A text expression lower-case and accent-free, hyphens and apostrophes as spaces: `normalize_search` in SQL.
    On SQLite and PostgreSQL only (the project's databases)."""

    arity = 1
    output_field = CharField()

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError(f"Folded() is not written for {connection.vendor}")

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"{SQLITE_FOLD_FUNCTION}({sql})", params

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"LOWER(TRANSLATE({sql}, %s, %s))", (*params, _FROM, _TO)


def _fold(value: str | None) -> str | None:
    return None if value is None else normalize_search(value)


def fold_on_sqlite(sender, connection, **kwargs) -> None:
    """`connection_created` receiver: gives a new SQLite connection the function `Folded` calls."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FOLD_FUNCTION, 1, _fold, deterministic=True)


def search_words(term: str) -> list[str]:
    """The words of a search, accents and case aside (at most `SEARCH_MAX_WORDS`)."""
    return normalize_search(term).split()[:SEARCH_MAX_WORDS]


def people_named(words: Iterable[str]) -> UserQuerySet:
    """The people of the directory whose first and last names hold every word (accents and case aside)."""
    people = User.objects.in_directory().alias(directory_name=Folded(Concat("first_name", Value(" "), "last_name")))
    return people.filter(*(Q(directory_name__contains=word) for word in words))


def parse_territory(value: str) -> Territories | None:
    """The territory of a filter value (`region-75`, `departement-33`), or None."""
    level, _, code = value.partition("-")
    if level not in TERRITORY_LEVELS or not code:
        return None
    return Territories.of(level, [code])


def directory_organizations(
    *, term: str = "", territory: str = "", category: str = "", type_uid: str = ""
) -> OrganizationQuerySet:
    """The organisations of the directory narrowed by the filters, each optional:

    - `term`: every word in the organisation's name, or the term in its acronym, or every word in the name of one of
      its people (accents and case aside);
    - `territory`: located in this région or département (`territories.location.located_in_q`: at it or below it;
      an organisation of national scope is in no région);
    - `category`, `type_uid`: of this category (`OrganizationCategory`), of this type (`OrganizationType.uid`)."""
    organizations = Organization.objects.in_directory()
    words = search_words(term)
    if words:
        by_name = Q(*(Q(search_name__contains=word) for word in words)) | Q(abbreviation__icontains=term.strip())
        by_person = Exists(people_named(words).filter(organization=OuterRef("pk")))
        organizations = organizations.filter(by_name | by_person)
    where = parse_territory(territory)
    if where is not None:
        organizations = organizations.filter(located_in_q(where))
    if category:
        organizations = organizations.filter(type__category=category)
    if type_uid:
        organizations = organizations.filter(type__uid=type_uid)
    return organizations


def ordered_ids(organizations: OrganizationQuerySet) -> QuerySet:
    """The ids of `organizations` in alphabetical order: what a page of the directory is cut from. Apart from the
    cards' data (`cards`): one query joining the directory's rule to the five tables of a card cost PostgreSQL more to
    plan (15–20 ms, bench database) than two simple ones to plan and run (about 4 ms)."""
    return organizations.order_by("search_name", "pk").values_list("pk", flat=True)


# The directory without a search — as it opens, or narrowed by place, category or type: a few hundred lists at most —
# is kept per process as its ordered ids (and its pages' cards, views.py): reading them, and counting them for the
# pages, costs PostgreSQL a semi-join over every person listed (about 5 ms for 15,000 people) on every request, for
# lists that change when an account or an organisation does. They are named by the directory's generation, a token
# in the shared cache that any save of a person, an organisation, its type or an account's event (activation,
# deactivation: `AccountEvent`) replaces (`directory_changed`, apps.py); a change that goes round the models' signals
# shows within `LISTING_SECONDS` (decision 0020).
LISTING_SECONDS = 60
LISTINGS_KEPT = 256
_GENERATION_KEY = "directory:generation"


class Kept:
    """What a process derives from the directory, kept by key under the directory's generation for `LISTING_SECONDS`
    at most, the `size` most recently computed."""

    def __init__(self, size: int = LISTINGS_KEPT):
        self.size = size
        self._values: OrderedDict[tuple, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, token: str, key: tuple, compute: Callable[[], Any]) -> Any:
        """The value kept for `key` under the generation `token` (`generation()`, read once per request)."""
        full_key = (token, *key)
        now = time.monotonic()
        kept = self._values.get(full_key)
        if kept is not None and now - kept[0] < LISTING_SECONDS:
            return kept[1]
        value = compute()
        with self._lock:
            self._values[full_key] = (now, value)
            self._values.move_to_end(full_key)
            while len(self._values) > self.size:
                self._values.popitem(last=False)
        return value


_LISTINGS = Kept()


def generation() -> str:
    """The directory's generation: a random token, replaced on each change (a new one if the cache lost it)."""
    token = cache.get(_GENERATION_KEY)
    if token is None:
        cache.add(_GENERATION_KEY, uuid.uuid4().hex, timeout=None)
        token = cache.get(_GENERATION_KEY)
    return token


# The columns of a person that decide whether his organisation is listed, and how many people its card counts: a
# save of others alone (a sign-in saves `last_login`) leaves what is kept as it is.
_LISTING_USER_FIELDS = frozenset({"status", "anonymized_at", "organization", "organization_id"})


def directory_changed(sender=None, update_fields=None, **kwargs) -> None:
    """Receiver of the saves and deletions that may change the directory: what is kept is computed again — at once
    for this transaction's own reads, and after its commit, since another process may have kept meanwhile the
    directory as it stood before the commit."""
    if sender is User and update_fields is not None and not _LISTING_USER_FIELDS & set(update_fields):
        return
    _new_generation()
    transaction.on_commit(_new_generation)


def _new_generation() -> None:
    cache.set(_GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def listing_ids(token: str, *, territory: str = "", category: str = "", type_uid: str = "") -> list[int]:
    """`ordered_ids` of the directory narrowed by these filters without a search, kept per process under the
    generation `token`."""
    return _LISTINGS.get(
        token,
        (territory, category, type_uid),
        lambda: list(ordered_ids(directory_organizations(territory=territory, category=category, type_uid=type_uid))),
    )


# The cards of a page, read by a query compiled once per process (`core.prepared`): the same for every reader.
_CARDS = PreparedQueries(Organization, size=1)
CARDS_AT_ONCE = 30


def _build_cards(*ids: int) -> OrganizationQuerySet:
    members = (
        User.objects.in_directory()
        .filter(organization=OuterRef("pk"))
        .order_by()
        .values("organization")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return (
        Organization.objects.filter(pk__in=ids)
        .select_related("type", "region", "departement", "epci", "commune")
        .annotate(member_count=Coalesce(Subquery(members), 0))
    )


def cards(organization_ids: list[int]) -> list[Organization]:
    """These organisations (a page of `ordered_ids`), in that order, with what a card shows: the type, the place (one
    join per level) and the number of people listed (`member_count`, a subquery per row: no GROUP BY over the
    organisation's columns)."""
    found = []
    for start in range(0, len(organization_ids), CARDS_AT_ONCE):
        ids = padded(organization_ids[start : start + CARDS_AT_ONCE], CARDS_AT_ONCE)
        found += _CARDS.fetch("cards", _build_cards, *ids)
    by_id = {organization.pk: organization for organization in found}
    return [by_id[pk] for pk in organization_ids if pk in by_id]


def people_named_by_organization(organization_ids: list[int], words: list[str]) -> dict[int, list[User]]:
    """For a search on a person's name: the people of these organisations whose name holds every word, by
    organisation (one query)."""
    if not organization_ids or not words:
        return {}
    found: dict[int, list[User]] = defaultdict(list)
    people = (
        people_named(words)
        .filter(organization_id__in=organization_ids)
        .only("pk", "first_name", "last_name", "organization_id")
        .order_by("last_name", "first_name", "pk")
    )
    for person in people:
        found[person.organization_id].append(person)
    return found


def territory_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The régions and the départements the territory filter offers, as grouped choices (`territories.choices`)."""
    return [
        ("Régions", [(f"{TerritoryLevel.REGION}-{code}", name) for code, name in choices.regions()]),
        (
            "Départements",
            [(f"{TerritoryLevel.DEPARTEMENT}-{each.code}", each.label) for each in choices.departements()],
        ),
    ]


_TYPES = Kept(size=1)


def type_choices(token: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """The organisation types the type filter offers, grouped by category (one query, then none while the directory's
    generation `token` stands)."""
    return _TYPES.get(token, (), _type_choices)


def _type_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    grouped: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for uid, name, category in OrganizationType.objects.order_by("name_singular").values_list(
        "uid", "name_singular", "category"
    ):
        grouped[category].append((uid, name))
    return [(label, grouped[value]) for value, label in OrganizationCategory.choices if grouped[value]]
