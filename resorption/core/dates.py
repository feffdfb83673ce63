"""Dates written out in French for emails and messages, in the platform's time zone (Europe/Paris)."""

from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format


def french_date(moment: datetime) -> str:
    """ "1er mars 2026", "12 mars 2026": the day in the platform's time zone (Europe/Paris)."""
    local = timezone.localtime(moment)
    return f"{'1er' if local.day == 1 else local.day} {date_format(local, 'F Y')}"


def french_datetime(moment: datetime) -> str:
    """ "3 mars 2026 à 9 h 05" (1er for the first day of the month), in the platform's time zone (Europe/Paris)."""
    local = timezone.localtime(moment)
    return f"{french_date(local)} à {local.hour} h {local:%M}"
