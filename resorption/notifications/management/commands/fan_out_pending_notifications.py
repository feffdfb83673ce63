from datetime import datetime

from resorption.accounts.management.commands._clock import JobCommand
from resorption.notifications.services import events_fan_out_pending


class Command(JobCommand):
    help = "Notifie les événements restés en attente (tâche d'envoi échouée ou perdue) depuis plus de cinq minutes."

    def run(self, *, now: datetime) -> str:
        return f"Personnes notifiées : {events_fan_out_pending(now=now)}"
