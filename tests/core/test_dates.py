"""`relative_time`, tested at each boundary with a fixed « now » (Europe/Paris, the platform's time zone)."""

import datetime
import zoneinfo

import pytest

from resorption.core.dates import relative_time

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
# A Wednesday afternoon in Paris (UTC+1 in winter).
NOW = datetime.datetime(2026, 3, 18, 15, 30, tzinfo=PARIS)


def ago(**delta) -> datetime.datetime:
    return NOW - datetime.timedelta(**delta)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (NOW, "à l'instant"),
        (ago(seconds=59), "à l'instant"),
        (ago(minutes=1), "il y a quelques minutes"),
        (ago(minutes=4, seconds=59), "il y a quelques minutes"),
        (ago(minutes=5), "il y a 5 minutes"),
        (ago(minutes=59, seconds=59), "il y a 59 minutes"),
        (ago(hours=1), "il y a 1 heure"),
        (ago(hours=1, minutes=59), "il y a 1 heure"),
        (ago(hours=2), "il y a 2 heures"),
        # Earlier the same day: hours; the day before, however few hours ago: « hier ».
        (datetime.datetime(2026, 3, 18, 0, 0, tzinfo=PARIS), "il y a 15 heures"),
        (datetime.datetime(2026, 3, 17, 23, 59, tzinfo=PARIS), "hier"),
        (datetime.datetime(2026, 3, 17, 0, 0, tzinfo=PARIS), "hier"),
        (datetime.datetime(2026, 3, 16, 23, 59, tzinfo=PARIS), "il y a 2 jours"),
        (ago(days=5), "il y a 5 jours"),
        # Months are counted on the calendar: the 18th of last month is one month ago, the 19th is not yet.
        (datetime.datetime(2026, 2, 19, 12, 0, tzinfo=PARIS), "il y a 27 jours"),
        (datetime.datetime(2026, 2, 18, 12, 0, tzinfo=PARIS), "il y a 1 mois"),
        (datetime.datetime(2026, 1, 18, 12, 0, tzinfo=PARIS), "il y a 2 mois"),
        (datetime.datetime(2025, 3, 19, 12, 0, tzinfo=PARIS), "il y a 11 mois"),
        (datetime.datetime(2025, 3, 18, 12, 0, tzinfo=PARIS), "il y a 1 an"),
        (datetime.datetime(2024, 3, 18, 12, 0, tzinfo=PARIS), "il y a 2 ans"),
        # A clock slightly ahead of ours.
        (NOW + datetime.timedelta(minutes=2), "à l'instant"),
    ],
)
def test_a_moment_reads_as_the_time_elapsed_since_it(moment, expected):
    assert relative_time(moment, now=NOW) == expected


def test_a_moment_in_another_time_zone_is_counted_in_paris():
    # 23:30 UTC on the 17th is 00:30 on the 18th in Paris: the same day as NOW, 15 hours ago.
    moment = datetime.datetime(2026, 3, 17, 23, 30, tzinfo=datetime.UTC)

    assert relative_time(moment, now=NOW) == "il y a 15 heures"


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2026, 3, 18), "aujourd'hui"),
        (datetime.date(2026, 3, 17), "hier"),
        (datetime.date(2026, 3, 16), "il y a 2 jours"),
        (datetime.date(2026, 2, 19), "il y a 27 jours"),
        (datetime.date(2026, 2, 18), "il y a 1 mois"),
        (datetime.date(2025, 12, 31), "il y a 2 mois"),
        (datetime.date(2025, 3, 18), "il y a 1 an"),
    ],
)
def test_a_day_without_a_time_reads_in_days_months_and_years(day, expected):
    assert relative_time(day, now=NOW) == expected
