import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from resorption.core import scheduler


class Command(BaseCommand):
    help = "Lance le planificateur : met en file les tâches périodiques à leur heure (voir SCHEDULED_JOBS)."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=30, help="Secondes entre deux vérifications.")
        parser.add_argument("--once", action="store_true", help="Une seule vérification, puis quitter.")

    def handle(self, *args, interval, once, **options):
        while True:
            for name in scheduler.tick():
                self.stdout.write(f"Tâche planifiée mise en file : {name}")
            if once:
                return
            time.sleep(interval)
            # A connection that dropped (database restart) is replaced, as the task worker does between two tasks.
            close_old_connections()
