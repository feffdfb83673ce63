"""Shared `--now` option of the periodic-job commands: run a job as if it were another moment (replay, tests)."""

import argparse
from datetime import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone


def parse_moment(value: str) -> datetime:
    """An ISO 8601 date and time; without an offset it is read as Paris time (TIME_ZONE)."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"« {value} » n'est pas une date ISO 8601 ; exemple : 2026-03-01T06:00 ou 2026-03-01T06:00+01:00."
        ) from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class JobCommand(BaseCommand):
    """A periodic job run by hand. Subclasses implement `run(now=…)` and return the line to print."""

    def add_arguments(self, parser):
        parser.add_argument(
            "--now",
            type=parse_moment,
            default=None,
            help="Moment auquel exécuter la tâche, au format ISO 8601 (par défaut : maintenant).",
        )

    def handle(self, *args, now: datetime | None = None, **options):
        self.stdout.write(self.run(now=now or timezone.now()))

    def run(self, *, now: datetime) -> str:
        raise NotImplementedError
