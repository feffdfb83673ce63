from datetime import datetime

from resorption.accounts.management.commands._clock import JobCommand
from resorption.accounts.services.retention import inactive_users_alert, inactive_users_deactivate


class Command(JobCommand):
    help = (
        "Désactive les comptes restés sans connexion un mois après l'alerte d'inactivité, "
        "puis alerte les comptes sans connexion depuis six mois."
    )

    def run(self, *, now: datetime) -> str:
        deactivated = inactive_users_deactivate(now=now)
        alerted = inactive_users_alert(now=now)
        return f"Comptes désactivés : {deactivated} ; alertes d'inactivité envoyées : {alerted}"
