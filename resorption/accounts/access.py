"""One way in per protected object (STYLE.md « Permissions in one place », Zulip's `access_stream_by_id`).

Views, services and management commands fetch a protected object by its id only through an `access_*` function:

- `access_user_account(actor, pk)` here: an account the actor may see in the administration;
- `access_directory_user(viewer, pk)` here: a person shown in the directory (« Annuaire »);
- `resorption.settlements.access.access_site(user, pk)`: a site the user sees;
- `resorption.journal.access.access_journal_entry(user, pk)` and `access_territorial_message(user, pk)`: a journal
  entry or a territorial message the user may read.

Each one is the model's « visible to this user » queryset (its rule is written once, in `permissions.py`) fetched by
`access_by_id`: a missing object, one out of the user's sight and an id that is not one (text, negative, larger than
a database key) are the same `Http404`, so that nobody learns that an object exists by trying ids, and no input gives
a server error. `for_update=True` locks the row until the end of the transaction. Callers choose the shape they need
(`queryset=`: `select_related`, prefetches, annotations); the visibility filter is always applied on top of it, so a
caller's queryset can only narrow what the rule lets through. `tests/test_access_only.py` fails when a view, a
service or a command fetches a protected model in any other way.

Why this is not in `permissions.py`, and why each app keeps its own `access_*`: `permissions.py` answers « may this
person… » from the matrix, as filters and predicates, and fetches nothing; and apps depend one way (settlements →
accounts), so the accounts app cannot import `Site` or `JournalEntry`. This module holds the one mechanism every
`access_*` goes through and the accounts' own function; `settlements/access.py` and `journal/access.py` apply it to
their models.
"""

from collections.abc import Callable, Hashable

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import Model, QuerySet
from django.db.transaction import TransactionManagementError
from django.http import Http404

from resorption.accounts.models import User, UserQuerySet
from resorption.core.forms import parse_id
from resorption.core.prepared import PreparedQueries

NOT_FOUND = "Cette page n'existe pas ou vous n'y avez pas accès."


def access_by_id[M: Model](
    visible: QuerySet[M], pk: object, *, for_update: bool = False, not_found: str = NOT_FOUND
) -> M:
    """The object of `visible` (a queryset already filtered to what the user may reach) whose id is `pk`, else
    `Http404` — whether it is missing, out of sight, or `pk` is not an id at all. `for_update=True` locks its row
    (not the rows of its `select_related` joins), and must run inside a transaction — checked on every database, so
    that a lock forgotten outside one fails on SQLite too, not only on PostgreSQL."""
    if for_update and transaction.get_autocommit(using=visible.db):
        raise TransactionManagementError("access_by_id(for_update=True) must run inside a transaction.")
    number = parse_id(pk)
    if number is None:
        raise Http404(not_found)
    if for_update:
        visible = visible.select_for_update(of=("self",))
    try:
        return visible.get(pk=number)
    except ObjectDoesNotExist:
        raise Http404(not_found) from None


def access_prepared_by_id[M: Model](
    prepared: PreparedQueries[M],
    key: Hashable,
    visible: Callable[[], QuerySet[M]],
    pk: object,
    *,
    not_found: str = NOT_FOUND,
) -> M:
    """`access_by_id(visible(), pk)` through a query compiled once per process and `key` (`resorption.core.prepared`):
    the same object or the same `Http404`, without building and compiling the queryset on every request. `key` must
    be the same for two users exactly when `visible()` gives them the same rows (`permissions.visible_sites_key`)."""
    number = parse_id(pk)
    if number is None:
        raise Http404(not_found)
    found = prepared.fetch(key, lambda hole: visible().filter(pk=hole), number)
    if not found:
        raise Http404(not_found)
    return found[0]


def access_user_account(
    actor: User,
    pk: object,
    *,
    feature: str = "user.read",
    for_update: bool = False,
    queryset: UserQuerySet | None = None,
) -> User:
    """The account `pk` if the actor may see it in the administration with `feature` (a `user.*` feature; rule:
    `permissions.visible_users_q` — national admins everyone, local admins the accounts of organisations of their
    territory), else `Http404`. What the actor may then do on it is asked to `permissions` (`can_manage_user`,
    `can_deactivate_account`…). `queryset` gives the shape (annotations, `select_related`) of a `User` queryset."""
    base = User.objects.all() if queryset is None else queryset
    if base.model is not User:
        raise TypeError(f"access_user_account needs a User queryset, not one of {base.model.__name__}")
    return access_by_id(base.visible_to(actor, feature), pk, for_update=for_update)


def access_directory_user(viewer: User | AnonymousUser, pk: object, *, queryset: UserQuerySet | None = None) -> User:
    """The person `pk` as the directory shows him (« Annuaire », reference §F.1): every signed-in user may open the
    card of anyone of `User.objects.in_directory()` — an active account of an active organisation, not anonymised —
    whatever his own role and territory. An account outside the directory (new, deactivated, anonymised, of an
    inactive organisation), a missing one, an id that is not one, and any viewer who has not signed in are the same
    `Http404`. `queryset` gives the shape (`select_related`) of a `User` queryset."""
    base = User.objects.all() if queryset is None else queryset
    if base.model is not User:
        raise TypeError(f"access_directory_user needs a User queryset, not one of {base.model.__name__}")
    if not viewer.is_authenticated:
        base = base.none()
    return access_by_id(base.in_directory(), pk)
