from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "resorption.exports"
    label = "exports"
    verbose_name = "Exports"
