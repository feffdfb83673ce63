from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "resorption.demo"
    label = "demo"
    verbose_name = "Données de démonstration"
