from django.apps import AppConfig


class SettlementsConfig(AppConfig):
    name = "resorption.settlements"
    label = "settlements"
    verbose_name = "Sites"

    def ready(self):
        from resorption.territories.signals import territories_loaded

        territories_loaded.connect(_territories_changed, dispatch_uid="settlements-search-texts")


def _territories_changed(sender, changed: int = 0, **kwargs) -> None:
    """The sites' search text holds their commune's and département's names: renamed territories are searched by
    their new names."""
    from resorption.settlements.models import refresh_search_texts

    refresh_search_texts()
