from django.apps import AppConfig
from django.db.backends.signals import connection_created


class DirectoryConfig(AppConfig):
    name = "resorption.directory"
    label = "directory"
    verbose_name = "Annuaire"

    def ready(self):
        from resorption.directory.selectors import fold_on_sqlite

        # The search on people's names calls a function of ours on SQLite (selectors.Folded).
        connection_created.connect(fold_on_sqlite, dispatch_uid="directory-fold-on-sqlite")
