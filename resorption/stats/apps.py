from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "resorption.stats"
    label = "stats"
    verbose_name = "Statistiques"
