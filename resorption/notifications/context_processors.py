from functools import cached_property

from resorption.notifications.services import unread_count


class NotificationBell:
    """The header's bell: its unread count is one query, run only when a template shows it, once per request."""

    def __init__(self, user):
        self._user = user

    @cached_property
    def unread(self) -> int:
        return unread_count(self._user)


def notification_bell(request):
    """`notification_bell` for the header of signed-in users (None for visitors)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"notification_bell": None}
    bell = getattr(request, "_notification_bell", None)
    if bell is None:
        bell = request._notification_bell = NotificationBell(user)
    return {"notification_bell": bell}
