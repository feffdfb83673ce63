"""The one way to fetch an action, or a message of its journal, by its id (`resorption.accounts.access` explains the
`access_*` functions)."""

from resorption.accounts.access import access_by_id
from resorption.actions.models import Action, ActionEntry, ActionQuerySet

ACTION_NOT_FOUND = "Cette action n'existe pas ou vous n'y avez pas accès."
ENTRY_NOT_FOUND = "Ce message n'existe pas ou vous n'y avez pas accès."


def access_action(
    user,
    pk: object,
    *,
    feature: str = "action.read",
    for_update: bool = False,
    queryset: ActionQuerySet | None = None,
) -> Action:
    """The action `pk` if the user holds `feature` on it (`Action.objects.visible_to`: the rule of
    `permissions.actions_q`), else `Http404` — missing, out of sight and not an id alike. What he may then do with it
    is asked to `permissions` (`can_update_action`, `can_access_action_finances`…). `queryset` gives the shape
    (`with_list_data()`…); the visibility filter is applied on top of it."""
    base = Action.objects.all() if queryset is None else queryset
    if base.model is not Action:
        raise TypeError(f"access_action needs an Action queryset, not one of {base.model.__name__}")
    return access_by_id(base.visible_to(user, feature), pk, for_update=for_update, not_found=ACTION_NOT_FOUND)


def access_action_entry(user, action: Action, pk: object, *, for_update: bool = False) -> ActionEntry:
    """The message `pk` of this action's journal if the user may read it (`permissions.action_entries_q`), not
    deleted; else `Http404`, whatever the reason. `action` is the action already fetched through `access_action`
    (with its pilots and operators, which the rules read)."""
    readable = (
        ActionEntry.objects.filter(action=action)
        .alive()
        .readable_by(user)
        .select_related("author__organization")
        .prefetch_related("target_users__organization", "target_organizations")
    )
    entry = access_by_id(readable, pk, for_update=for_update, not_found=ENTRY_NOT_FOUND)
    entry.action = action  # the action already read, with what the rules read of it
    return entry
