from django.apps import AppConfig


class JournalConfig(AppConfig):
    name = "resorption.journal"
    label = "journal"
    verbose_name = "Journal du site"
