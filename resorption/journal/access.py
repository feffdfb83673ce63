"""The one way to fetch a journal entry or a territorial message by its id (see `resorption.accounts.access`, which
explains the `access_*` functions)."""

from resorption.accounts import permissions
from resorption.accounts.access import access_by_id
from resorption.journal.models import (
    JournalEntry,
    JournalEntryQuerySet,
    TerritorialMessage,
    TerritorialMessageQuerySet,
)
from resorption.settlements.models import Site

ENTRY_NOT_FOUND = "Ce message n'existe pas ou vous n'y avez pas accès."


def access_journal_entry(
    user,
    pk: object,
    *,
    site: Site | None = None,
    for_update: bool = False,
    queryset: JournalEntryQuerySet | None = None,
) -> JournalEntry:
    """The journal entry `pk` if the user may read it, else `Http404` (missing, deleted, out of sight and not an id
    alike). He reads it when he sees its site (`permissions.visible_sites_q`) and the entry's audience includes him
    (`permissions.journal_entries_q`, §A.6: public, or his own, or addressed to him or his organisation, or he reads
    every targeted message of the site). With `site`, the entry must also belong to that site (the site of the URL).

    `queryset` gives the shape the caller needs (`with_display_data()`…); `for_update=True` locks the entry's row."""
    base = JournalEntry.objects.all() if queryset is None else queryset
    if base.model is not JournalEntry:
        raise TypeError(f"access_journal_entry needs a JournalEntry queryset, not one of {base.model.__name__}")
    readable = base.alive().readable_by(user).filter(permissions.visible_sites_q(user, commune_path="site__commune"))
    if site is not None:
        readable = readable.filter(site=site)
    return access_by_id(readable, pk, for_update=for_update, not_found=ENTRY_NOT_FOUND)


def access_territorial_message(
    user, pk: object, *, for_update: bool = False, queryset: TerritorialMessageQuerySet | None = None
) -> TerritorialMessage:
    """The territorial message `pk` if the user may read it (`permissions.territorial_messages_q`: his own, and those
    addressed to a département where he reads the sites' journals), not deleted; else `Http404`."""
    base = TerritorialMessage.objects.all() if queryset is None else queryset
    if base.model is not TerritorialMessage:
        raise TypeError(f"access_territorial_message needs a TerritorialMessage queryset, not {base.model.__name__}")
    return access_by_id(base.alive().readable_by(user), pk, for_update=for_update, not_found=ENTRY_NOT_FOUND)
