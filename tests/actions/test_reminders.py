"""Yearly indicators reminders (§E.3): 15 December (this year's) and 20 January (last year's), to the pilots and
operators of the actions under way that year, once per action and year. The clock is moved by passing `now`."""

import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import call_command
from django.tasks import Task
from django.utils import timezone
from django.utils.module_loading import import_string

from resorption.actions.enums import ReminderKind
from resorption.actions.models import ActionReminder
from resorption.actions.notifications import action_reminders_send
from resorption.actions.tasks import send_action_reminders
from resorption.core import scheduler
from resorption.emails.models import OutgoingEmail
from tests.accounts.factories import OrganizationFactory, UserFactory
from tests.actions.factories import ActionFactory

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
DECEMBER_15 = datetime.datetime(2026, 12, 15, 5, 0, tzinfo=PARIS)
JANUARY_20 = datetime.datetime(2027, 1, 20, 5, 0, tzinfo=PARIS)
CURRENT_SUBJECT = "Indicateurs 2026 de vos actions : pensez à les renseigner"
PREVIOUS_SUBJECT = "Bilan 2026 : complétez les indicateurs de vos actions"


def _emails() -> list[OutgoingEmail]:
    return list(OutgoingEmail.objects.filter(template="actions/indicators_reminder").order_by("pk"))


def _sent_to() -> list[tuple[str, str]]:
    return sorted((email.to[0], email.subject) for email in _emails())


@pytest.fixture
def people():
    pilot = UserFactory(first_name="Aline")
    operator = UserFactory(first_name="Bruno")
    return pilot, operator


def test_the_15_december_reminder_goes_once_to_pilots_and_operators(people):
    pilot, operator = people
    action = ActionFactory(name="Accès aux droits", managers=[pilot], operators=[operator])

    assert action_reminders_send(now=DECEMBER_15) == 2
    assert _sent_to() == sorted([(pilot.email, CURRENT_SUBJECT), (operator.email, CURRENT_SUBJECT)])
    assert list(ActionReminder.objects.values_list("action", "kind", "year")) == [
        (action.pk, ReminderKind.CURRENT_YEAR, 2026)
    ]
    # The scheduler's next runs in the window, or a run repeated the same morning: nothing more.
    for later in (DECEMBER_15, DECEMBER_15 + datetime.timedelta(hours=1), DECEMBER_15 + datetime.timedelta(days=3)):
        assert action_reminders_send(now=later) == 0
    assert len(_emails()) == 2


def test_the_email_names_the_action_and_links_to_its_indicators_of_the_year(people):
    pilot, operator = people
    action = ActionFactory(name="Accès aux droits", managers=[pilot], operators=[operator])
    action_reminders_send(now=DECEMBER_15)
    email = next(email for email in _emails() if email.to == [pilot.email])
    link = f"{settings.BASE_URL}/actions/{action.pk}/indicateurs/?annee=2026"
    assert email.body_text.startswith("Bonjour Aline,")
    assert "- Accès aux droits (33 — Gironde) :" in email.body_text
    assert link in email.body_text
    assert f'<a href="{link}">Accès aux droits</a>' in email.body_html


def test_the_20_january_reminder_asks_for_last_year(people):
    pilot, operator = people
    action = ActionFactory(name="Accès aux droits", managers=[pilot], operators=[operator])
    action_reminders_send(now=DECEMBER_15)
    assert action_reminders_send(now=JANUARY_20) == 2
    previous = [email for email in _emails() if email.subject == PREVIOUS_SUBJECT]
    assert sorted(email.to[0] for email in previous) == sorted([pilot.email, operator.email])
    assert f"/actions/{action.pk}/indicateurs/?annee=2026" in previous[0].body_text
    assert "L'année 2026 est terminée" in previous[0].body_text
    assert action_reminders_send(now=JANUARY_20 + datetime.timedelta(days=2)) == 0
    assert set(ActionReminder.objects.values_list("kind", "year")) == {
        (ReminderKind.CURRENT_YEAR, 2026),
        (ReminderKind.PREVIOUS_YEAR, 2026),
    }


def test_only_the_actions_under_way_that_year(people):
    pilot, _ = people
    ActionFactory(name="Terminée l'an dernier", finished=True, managers=[pilot], operators=[])  # ended in 2024
    ActionFactory(
        name="Terminée en 2025",
        started_at=datetime.date(2024, 1, 1),
        ended_at=datetime.date(2025, 12, 31),
        managers=[pilot],
        operators=[],
    )
    ActionFactory(name="Commence en 2027", started_at=datetime.date(2027, 1, 1), managers=[pilot], operators=[])
    ended_this_year = ActionFactory(
        name="Terminée en mars 2026",
        started_at=datetime.date(2025, 1, 1),
        ended_at=datetime.date(2026, 3, 31),
        managers=[pilot],
        operators=[],
    )
    assert action_reminders_send(now=DECEMBER_15) == 1
    (email,) = _emails()
    assert "Terminée en mars 2026" in email.body_text
    assert "Terminée l'an dernier" not in email.body_text
    assert "Terminée en 2025" not in email.body_text
    assert "Commence en 2027" not in email.body_text
    assert list(ActionReminder.objects.values_list("action", flat=True)) == [ended_this_year.pk]


def test_one_email_per_person_listing_all_his_actions(people):
    pilot, operator = people
    first = ActionFactory(name="Alpha", managers=[pilot], operators=[operator])
    second = ActionFactory(name="Bêta", managers=[operator], operators=[pilot, operator])
    assert action_reminders_send(now=DECEMBER_15) == 2
    for person in (pilot, operator):
        (email,) = [email for email in _emails() if email.to == [person.email]]
        assert f"/actions/{first.pk}/indicateurs/" in email.body_text
        assert f"/actions/{second.pk}/indicateurs/" in email.body_text
        assert email.body_text.count(f"/actions/{second.pk}/indicateurs/") == 1


def test_who_may_not_sign_in_or_left_the_organisation_gets_nothing(people):
    pilot, operator = people
    inactive = UserFactory(inactive=True)
    of_closed_organization = UserFactory(organization=OrganizationFactory(active=False))
    moved = UserFactory()
    ActionFactory(managers=[pilot, moved], operators=[operator, inactive, of_closed_organization])
    moved.organization = OrganizationFactory()
    moved.save()
    action_reminders_send(now=DECEMBER_15)
    assert sorted(email.to[0] for email in _emails()) == sorted([pilot.email, operator.email])


@pytest.mark.parametrize(
    "moment",
    [
        DECEMBER_15 - datetime.timedelta(minutes=1),  # 04:59
        datetime.datetime(2026, 12, 14, 12, 0, tzinfo=PARIS),
        datetime.datetime(2027, 1, 1, 5, 0, tzinfo=PARIS),  # the December window is over
        JANUARY_20 - datetime.timedelta(minutes=1),
        datetime.datetime(2027, 2, 1, 5, 0, tzinfo=PARIS),  # too late for last year's
        datetime.datetime(2026, 6, 15, 5, 0, tzinfo=PARIS),
    ],
)
def test_nothing_outside_the_windows(people, moment):
    pilot, operator = people
    ActionFactory(managers=[pilot], operators=[operator])
    assert action_reminders_send(now=moment) == 0
    assert _emails() == [] and not ActionReminder.objects.exists()


def test_a_scheduler_down_on_the_day_catches_up_later_in_the_month(people):
    pilot, operator = people
    ActionFactory(managers=[pilot], operators=[operator])
    assert action_reminders_send(now=datetime.datetime(2026, 12, 31, 23, 0, tzinfo=PARIS)) == 2


def test_the_job_is_scheduled_daily_at_5_and_has_a_command(people, settings, monkeypatch):
    pilot, operator = people
    ActionFactory(managers=[pilot], operators=[operator])
    job = settings.SCHEDULED_JOBS["send_action_reminders"]
    assert job["daily_at"] == "05:00"
    assert import_string(job["task"]) is send_action_reminders and isinstance(send_action_reminders, Task)
    settings.SCHEDULED_JOBS = {"send_action_reminders": job}
    clock = {"now": DECEMBER_15 - datetime.timedelta(minutes=1)}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])  # the task reads the clock, as in production

    assert scheduler.tick() == []
    clock["now"] = DECEMBER_15
    assert scheduler.tick() == ["send_action_reminders"]
    assert len(_emails()) == 2
    clock["now"] = DECEMBER_15 + datetime.timedelta(days=1)  # the next day's slot: nothing more
    assert scheduler.tick() == ["send_action_reminders"]
    assert len(_emails()) == 2

    out = StringIO()
    call_command("send_action_reminders", "--now", "2027-01-20T05:00", stdout=out)
    assert out.getvalue().strip() == "Relances des indicateurs envoyées : 2"
