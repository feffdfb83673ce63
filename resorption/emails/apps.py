from django.apps import AppConfig


class EmailsConfig(AppConfig):
    name = "resorption.emails"
    label = "emails"
    verbose_name = "Courriels"
