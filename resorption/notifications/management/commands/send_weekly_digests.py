from datetime import datetime

from resorption.accounts.management.commands._clock import JobCommand
from resorption.notifications import digest


class Command(JobCommand):
    help = "Envoie le récapitulatif hebdomadaire (lundi 7 h) à qui ne l'a pas encore reçu cette semaine."

    def run(self, *, now: datetime) -> str:
        return f"Récapitulatifs hebdomadaires envoyés : {digest.weekly_digests_send(now=now)}"
