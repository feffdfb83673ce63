from datetime import datetime

from resorption.accounts.management.commands._clock import JobCommand
from resorption.accounts.services.retention import access_reminders_send


class Command(JobCommand):
    help = "Envoie les relances dues des demandes d'accès et des liens d'activation (chacune une seule fois)."

    def run(self, *, now: datetime) -> str:
        return f"Relances envoyées : {access_reminders_send(now=now)}"
