from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "resorption.accounts"
    label = "accounts"
    verbose_name = "Comptes"
