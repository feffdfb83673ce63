from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from resorption.accounts.permissions_doc import DOC_PATH, render_permissions_doc


class Command(BaseCommand):
    help = f"Écrit {DOC_PATH} (« Qui voit quoi ») à partir de la matrice des permissions."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="N'écrit rien ; échoue si le fichier n'est pas à jour.",
        )
        parser.add_argument(
            "--output",
            type=Path,
            default=None,
            help=f"Fichier à écrire ou à vérifier (par défaut {DOC_PATH} à la racine du projet).",
        )

    def handle(self, *args, check: bool = False, output: Path | None = None, **options):
        path = output or Path(settings.BASE_DIR) / DOC_PATH
        text = render_permissions_doc()
        if check:
            current = path.read_text(encoding="utf-8") if path.exists() else None
            if current != text:
                raise CommandError(
                    f"{path} n'est pas à jour avec resorption/accounts/permissions.py : lancez `make docs`."
                )
            self.stdout.write(f"{path} est à jour.")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"{path} écrit."))
