from django.core.management.base import BaseCommand

from resorption.emails.services import deliver_due_emails


class Command(BaseCommand):
    help = "Envoie les courriels en attente dont la prochaine tentative est due (après une panne du serveur SMTP)."

    def handle(self, *args, **options):
        self.stdout.write(f"Courriels envoyés : {deliver_due_emails()}")
