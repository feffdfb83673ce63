from datetime import datetime

from resorption.accounts.management.commands._clock import JobCommand
from resorption.exports.services import site_exports_sweep


class Command(JobCommand):
    help = (
        "Supprime les fichiers des exports de sites écrits il y a plus de 24 heures (les exports restent journalisés)."
    )

    def run(self, *, now: datetime) -> str:
        return f"Fichiers d'exports supprimés : {site_exports_sweep(now=now)}"
