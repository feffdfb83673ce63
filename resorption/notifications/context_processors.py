from functools import cached_property

from resorption.notifications.services import unread_count


class NotificationBell:
    """The header's bell: its unread count comes with the signed-in user (no query of its own)."""

    def __init__(self, user):
        self._user = user

    @cached_property
    def unread(self) -> int:
        # Loaded with the signed-in user (apps.py); a user object from elsewhere counts with a query.
        loaded = getattr(self._user, "unread_notifications", None)
        return loaded if loaded is not None else unread_count(self._user)


def notification_bell(request):
    """`notification_bell` for the header of signed-in users (None for visitors)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"notification_bell": None}
    bell = getattr(request, "_notification_bell", None)
    if bell is None:
        bell = request._notification_bell = NotificationBell(user)
    return {"notification_bell": bell}
