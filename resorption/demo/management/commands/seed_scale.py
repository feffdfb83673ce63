"""Seed a national-scale data set for the benchmarks (issue 4, item 11; see resorption/demo/scale.py and
docs/benchmarks.md). Never on a production database: every seeded account shares one known password."""

import datetime
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Q
from django.utils import timezone

from resorption.demo import scale
from resorption.territories.models import Departement


def _count(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Génère un jeu de données national déterministe pour les tests de charge : sites existants et fermés, "
        "5 versions ou plus par site, propriétaires, intervenants, structures et comptes par département, messages "
        "du journal avec leurs notifications, actions avec leurs financements et indicateurs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--open", type=_count, default=5000, help="Nombre de sites existants (5000).")
        parser.add_argument("--closed", type=_count, default=25000, help="Nombre de sites fermés (25000).")
        parser.add_argument(
            "--users",
            type=_count,
            default=15000,
            help="Nombre de comptes (15000 ; au moins un par structure et les comptes fixes).",
        )
        parser.add_argument(
            "--messages", type=_count, default=300000, help="Nombre de messages du journal des sites (300000)."
        )
        parser.add_argument(
            "--actions",
            type=_count,
            help=f"Nombre d'actions (par défaut une pour {scale.SITES_PER_ACTION} sites : 1500 pour 30000 sites).",
        )
        parser.add_argument("--years", type=int, default=8, help="Années couvertes par les dates (8).")
        parser.add_argument("--seed", type=int, default=2026, help="Graine du générateur (2026).")
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            help="Date de référence AAAA-MM-JJ (par défaut aujourd'hui) : mêmes arguments, mêmes données.",
        )
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--reset", action="store_true", help="Supprime d'abord les données générées auparavant, puis régénère."
        )
        group.add_argument(
            "--skip-if-seeded",
            action="store_true",
            help=(
                "Ne fait rien (sans erreur) si des données générées avec les mêmes nombres de sites, de messages et "
                "d'actions existent déjà ; si seul le nombre d'actions diffère (données générées avant les actions), "
                "régénère les actions seules ; sinon (autres arguments, version antérieure), remplace tout."
            ),
        )

    def handle(self, *args, **options):
        if options["years"] < 1:
            raise CommandError("--years doit valoir au moins 1.")
        if options["open"] + options["closed"] == 0:
            raise CommandError("Rien à générer : --open et --closed valent 0.")
        actions = options["actions"]
        if actions is None:
            actions = scale.actions_for_sites(options["open"] + options["closed"])
        if scale.is_seeded():
            counts = scale.seeded_counts()
            wanted = {key: options[key] for key in ("open", "closed", "messages")}
            same_shape = all(counts[key] == value for key, value in wanted.items())
            if options["skip_if_seeded"] and same_shape and counts["actions"] == actions:
                self._say(
                    f"Données de charge déjà présentes ({counts['open'] + counts['closed']} sites, "
                    f"{counts['messages']} messages, {counts['actions']} actions) : rien à faire."
                )
                return
            if options["skip_if_seeded"] and same_shape:
                # The sites, accounts and journal are those asked for (a data set seeded before the actions, or with
                # another number of them): only the actions are written again, on the seeded sites and accounts.
                report = scale.seed_actions(
                    seed=options["seed"],
                    today=options["today"] or timezone.localdate(),
                    years=options["years"],
                    actions=actions,
                )
                self._say(
                    f"Données de charge déjà présentes ({counts['open'] + counts['closed']} sites, "
                    f"{counts['messages']} messages) : {counts['actions']} actions remplacées par "
                    f"{self._actions(report)} — en {report.seconds:.1f} s."
                )
                return
            if options["skip_if_seeded"]:
                self._say(
                    f"Les données de charge présentes ne sont pas celles demandées ({counts}, demandé : {wanted}) : "
                    "elles sont remplacées."
                )
            elif not options["reset"]:
                raise CommandError(
                    "Des données de charge existent déjà : relancez avec --reset pour les supprimer et les régénérer."
                )
            started = time.monotonic()
            deleted = scale.delete_seeded()
            self._say(f"{deleted} sites générés auparavant supprimés en {time.monotonic() - started:.1f} s.")

        with_communes = Departement.objects.annotate(communes_count=Count("communes", filter=Q(communes__main=None)))
        if with_communes.filter(communes_count__gt=0).count() < scale.MIN_DEPARTEMENTS:
            self._say("Trop peu de communes : chargement des territoires (load_territories)…")
            call_command("load_territories", verbosity=options["verbosity"])

        report = scale.seed(
            open_count=options["open"],
            closed_count=options["closed"],
            years=options["years"],
            seed=options["seed"],
            today=options["today"] or timezone.localdate(),
            users=options["users"],
            messages=options["messages"],
            actions=actions,
        )
        self._say(
            f"{report.open} sites existants et {report.closed} sites fermés dans {report.departements} départements "
            f"({report.dense_share:.0%} dans les {scale.DENSE_COUNT} plus denses), {report.versions} versions, "
            f"{report.owners} propriétaires, {report.orientations} orientations, {report.actors} intervenants, "
            f"{report.organizations} structures, {report.users} comptes, {report.messages} messages dont "
            f"{report.targeted} ciblés et {report.attachments} pièces jointes, {report.notifications} notifications "
            f"({report.unread} non lues, {report.emails} courriels), {self._actions(report)} — en "
            f"{report.seconds:.1f} s ("
            + ", ".join(f"{step} {seconds:.0f} s" for step, seconds in report.timings.items())
            + ")."
        )
        self._say(
            f"Comptes : {scale.NATIONAL_ADMIN_EMAIL} (administrateur national), {scale.LOCAL_USER_EMAIL} (opérateur "
            f"local) ; mot de passe de tous les comptes générés : {scale.SEED_PASSWORD}"
        )

    @staticmethod
    def _actions(report: scale.SeedReport) -> str:
        return (
            f"{report.actions} actions ({report.finished_actions} terminées, {report.action_finances} lignes de "
            f"financement, {report.action_metrics} années d'indicateurs)"
        )

    def _say(self, message: str) -> None:
        if self.verbosity > 0:
            self.stdout.write(message)

    def execute(self, *args, **options):
        self.verbosity = options.get("verbosity", 1)
        return super().execute(*args, **options)
