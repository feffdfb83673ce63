from datetime import datetime

from resorption.accounts.management.commands._clock import JobCommand
from resorption.accounts.services.retention import users_anonymize


class Command(JobCommand):
    help = "Anonymise les comptes désactivés depuis six mois sans connexion, ou dont l'anonymisation a été demandée."

    def run(self, *, now: datetime) -> str:
        return f"Comptes anonymisés : {users_anonymize(now=now)}"
