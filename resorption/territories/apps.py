from django.apps import AppConfig


class TerritoriesConfig(AppConfig):
    name = "resorption.territories"
    label = "territories"
    verbose_name = "Territoires"

    def ready(self):
        from resorption.territories import choices
        from resorption.territories.signals import territories_loaded

        territories_loaded.connect(choices.on_territories_loaded, dispatch_uid="territories-choices")
