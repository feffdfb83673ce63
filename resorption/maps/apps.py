from django.apps import AppConfig


class MapsConfig(AppConfig):
    name = "resorption.maps"
    label = "maps"
    verbose_name = "Carte"
