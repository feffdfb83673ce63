from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "resorption.dashboard"
    label = "dashboard"
    verbose_name = "Tableau de bord"
