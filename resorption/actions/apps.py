from django.apps import AppConfig


class ActionsConfig(AppConfig):
    name = "resorption.actions"
    label = "actions"
    verbose_name = "Actions"
