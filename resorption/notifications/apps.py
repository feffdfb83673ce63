from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "resorption.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        # The apps below may not import this one: they send signals, received here (receivers.py).
        from resorption.accounts.backends import register_user_annotation
        from resorption.notifications import receivers  # noqa: F401
        from resorption.notifications.services import unread_count_expression

        # The header's bell shows the unread count on every page: loaded with the user, not by a query of its own.
        register_user_annotation("unread_notifications", unread_count_expression)
