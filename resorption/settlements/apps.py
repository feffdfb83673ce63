from django.apps import AppConfig


class SettlementsConfig(AppConfig):
    name = "resorption.settlements"
    label = "settlements"
    verbose_name = "Sites"
