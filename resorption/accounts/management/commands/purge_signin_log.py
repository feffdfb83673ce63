from datetime import datetime

from resorption.accounts.management.commands._clock import JobCommand
from resorption.accounts.services.retention import signin_attempts_purge


class Command(JobCommand):
    help = "Supprime les tentatives de connexion enregistrées il y a plus de douze mois."

    def run(self, *, now: datetime) -> str:
        return f"Tentatives de connexion supprimées : {signin_attempts_purge(now=now)}"
