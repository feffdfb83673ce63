"""Dates written out in French for emails, messages and pages, in the platform's time zone (Europe/Paris)."""

import datetime
from functools import lru_cache

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language

# Under this, « il y a quelques minutes »: nobody needs to know it was 3 rather than 4 minutes ago.
FEW_MINUTES = datetime.timedelta(minutes=5)


def french_date(moment: datetime.datetime) -> str:
    """ "1er mars 2026", "12 mars 2026": the day in the platform's time zone (Europe/Paris)."""
    local = timezone.localtime(moment)
    return f"{'1er' if local.day == 1 else local.day} {date_format(local, 'F Y')}"


def french_datetime(moment: datetime.datetime) -> str:
    """ "3 mars 2026 à 9 h 05" (1er for the first day of the month), in the platform's time zone (Europe/Paris)."""
    local = timezone.localtime(moment)
    return f"{french_date(local)} à {local.hour} h {local:%M}"


def relative_time(moment: datetime.datetime | datetime.date, *, now: datetime.datetime) -> str:
    """How long ago `moment` was, as a page says it: « à l'instant », « il y a quelques minutes », « il y a
    25 minutes », « il y a 3 heures » (earlier the same day), « hier », « il y a 5 jours », « il y a 2 mois »,
    « il y a 1 an ». A `date` (a day without a time) says « aujourd'hui » for today. Days, months and years are
    counted on the calendar of the platform's time zone (Europe/Paris); a moment after `now` (a clock ahead of
    ours) reads as now."""
    today = timezone.localdate(now)
    if isinstance(moment, datetime.datetime):
        elapsed = max(now - moment, datetime.timedelta(0))
        day = timezone.localdate(moment)
        if elapsed < datetime.timedelta(minutes=1):
            return "à l'instant"
        if elapsed < FEW_MINUTES:
            return "il y a quelques minutes"
        if elapsed < datetime.timedelta(hours=1):
            return f"il y a {elapsed // datetime.timedelta(minutes=1)} minutes"
        if day >= today:
            return _count(elapsed // datetime.timedelta(hours=1), "heure", "heures")
    else:
        day = moment
        if day >= today:
            return "aujourd'hui"
    if day == today - datetime.timedelta(days=1):
        return "hier"
    months = (today.year - day.year) * 12 + today.month - day.month - (today.day < day.day)
    if months < 1:
        return _count((today - day).days, "jour", "jours")
    if months < 12:
        return f"il y a {months} mois"
    return _count(months // 12, "an", "ans")


def _count(number: int, singular: str, plural: str) -> str:
    return f"il y a {number} {singular if number == 1 else plural}"


def minute_in_words(moment: datetime.datetime) -> str:
    """« 3 décembre 2026 à 14:05 », as the journal and the notification centre date what they list (in the
    platform's time zone), formatted once per minute and process: a page repeats few minutes, and formatting costs
    more than the rest of a row."""
    local = timezone.localtime(moment).replace(tzinfo=None, second=0, microsecond=0)
    return _minute(local, get_language())


@lru_cache(maxsize=4096)
def _minute(moment: datetime.datetime, language: str) -> str:
    return date_format(moment, "j F Y à H:i")
