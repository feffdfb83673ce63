from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "resorption.accounts"
    label = "accounts"
    verbose_name = "Comptes"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from resorption.accounts.middleware import stamp_renewal_at_sign_in
        from resorption.accounts.permissions import connect_invalidation

        connect_invalidation()
        user_logged_in.connect(stamp_renewal_at_sign_in, dispatch_uid="session-renewal-stamp")
