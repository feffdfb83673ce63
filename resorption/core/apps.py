from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "resorption.core"
    label = "core"
    verbose_name = "Socle"
