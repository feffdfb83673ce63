from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "resorption.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        # The apps below may not import this one: they send signals, received here (receivers.py).
        from resorption.notifications import receivers  # noqa: F401
