from datetime import datetime

from resorption.accounts.management.commands._clock import JobCommand
from resorption.actions.notifications import action_reminders_send


class Command(JobCommand):
    help = (
        "Envoie aux pilotes et opérateurs la relance des indicateurs des actions (15 décembre : année en cours ; "
        "20 janvier : année écoulée), une seule fois par action et par année."
    )

    def run(self, *, now: datetime) -> str:
        return f"Relances des indicateurs envoyées : {action_reminders_send(now=now)}"
