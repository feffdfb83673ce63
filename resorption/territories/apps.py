from django.apps import AppConfig


class TerritoriesConfig(AppConfig):
    name = "resorption.territories"
    label = "territories"
    verbose_name = "Territoires"
