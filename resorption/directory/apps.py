from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_delete, post_save


class DirectoryConfig(AppConfig):
    name = "resorption.directory"
    label = "directory"
    verbose_name = "Annuaire"

    def ready(self):
        from resorption.accounts.models import AccountEvent, Organization, OrganizationType, User
        from resorption.directory.selectors import directory_changed, fold_on_sqlite

        # The search on people's names calls a function of ours on SQLite (selectors.Folded).
        connection_created.connect(fold_on_sqlite, dispatch_uid="directory-fold-on-sqlite")
        # The listings kept per process (selectors.listing_ids) are read again after a change of who or what they
        # list: a person, an organisation, its type, an account's event (a deactivation is an update plus an event).
        for model in (User, Organization, OrganizationType, AccountEvent):
            for signal in (post_save, post_delete):
                signal.connect(directory_changed, sender=model, dispatch_uid=f"directory-changed-{signal}-{model}")
