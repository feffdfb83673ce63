from django.apps import AppConfig


class ActivityConfig(AppConfig):
    name = "resorption.activity"
    label = "activity"
    verbose_name = "Historique des activités"
