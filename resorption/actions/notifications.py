"""Emails about actions (reference §E.3, §F.3): « Demander à être pilote », and the yearly reminders asking pilots and
operators to fill in an action's indicators.

« Demander à être pilote »: a reader of an action who is not one of its pilots asks the admins of its département
to add him (the reference posts to the team's chat; here the admins who process the département's access requests
receive an email, reply-to the person asking). At most one email a day per person and action: an
`ActionPilotRequest` row per person and action holds the time of the last request sent; the service locks it (or
creates it, which the unique constraint allows once) before deciding, so that a double click or two tabs send once.

Yearly reminders (§E.3 « preshot » / « postshot »): on 15 December from 05:00 (Paris) the pilots and operators of
the actions under way this year are asked to fill this year's indicators; on 20 January from 05:00, last year's. The
scheduler runs `send_action_reminders` daily at 05:00 (it knows no yearly slot): the sweep sends only within each
window (until the end of its month, so that a scheduler down on the day catches up, but a stale reminder never goes
out in spring), and only for the actions that have no `ActionReminder` of that kind and year — rows written in the
same transaction as the emails, whose unique constraint stops a second run, concurrent or not. An action created
during the window is reminded at the next day's run. Each person gets one email listing his actions.
"""

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from resorption.accounts import permissions
from resorption.accounts.models import User
from resorption.actions.access import access_action
from resorption.actions.enums import ReminderKind
from resorption.actions.models import (
    Action,
    ActionManager,
    ActionOperator,
    ActionPilotRequest,
    ActionReminder,
)
from resorption.emails.services import email_queue

logger = logging.getLogger("resorption.actions")

PILOT_REQUEST_TEMPLATE = "actions/pilot_request"
REMINDER_TEMPLATE = "actions/indicators_reminder"
# A person's second request for the same action within this delay sends nothing more.
PILOT_REQUEST_INTERVAL = datetime.timedelta(days=1)
ALREADY_PILOT = "Vous êtes déjà pilote de cette action."


def _absolute(path: str) -> str:
    return f"{settings.BASE_URL}{path}"


# ---------------------------------------------------------------------------------------------------------------------
# « Demander à être pilote »
# ---------------------------------------------------------------------------------------------------------------------


def is_pilot(user: User, action: Action) -> bool:
    """Whether the user is one of the action's pilots (read from its prefetched pilots: `with_members`)."""
    return any(member.user_id == user.pk for member in action.managers.all())


@transaction.atomic
def action_pilot_request(*, action_id: int, user: User, now: datetime.datetime | None = None) -> bool:
    """Asks the admins of the action's département to make `user` one of its pilots: for any reader of the action who
    is not already a pilot. Returns False, sending nothing, when he already asked within `PILOT_REQUEST_INTERVAL`."""
    action = access_action(user, action_id, queryset=Action.objects.with_members().select_related("departement"))
    if is_pilot(user, action):
        raise ValidationError(ALREADY_PILOT, code="already_pilot")
    now = now or timezone.now()
    previous = ActionPilotRequest.objects.select_for_update().filter(action=action, user=user).first()
    if previous is not None:
        if previous.requested_at > now - PILOT_REQUEST_INTERVAL:
            return False
        previous.requested_at = now
        previous.save(update_fields=["requested_at"])
    else:
        try:
            with transaction.atomic():
                ActionPilotRequest.objects.create(action=action, user=user, requested_at=now)
        except IntegrityError:
            return False  # the same person's request running alongside created it: that one sends the email

    admins = list(
        permissions.admins_responsible_for_departement(action.departement_id, excluded=user).only(
            "email", "first_name"
        )
    )
    recipients = [(admin.email, admin.first_name) for admin in admins]
    if not recipients:
        # No admin on the platform yet: the team mailbox gets the request rather than nobody.
        recipients = [(settings.CONTACT_EMAIL, "")]
    context = {
        "requester": user,
        "requester_organization": user.organization,
        "action": action,
        "departement": action.departement,
        "managers": [member.user.full_name for member in action.managers.all()],
        "action_url": _absolute(action.get_absolute_url()),
        "update_url": _absolute(reverse("actions:update", kwargs={"pk": action.pk})),
    }
    for email, first_name in recipients:
        email_queue(
            to=[email],
            template=PILOT_REQUEST_TEMPLATE,
            context={**context, "greeting_name": first_name},
            reply_to=[user.email],
        )
    logger.info("pilot request", extra={"action_id": action.pk, "user_id": user.pk, "recipients": len(recipients)})
    return True


# ---------------------------------------------------------------------------------------------------------------------
# Yearly indicators reminders
# ---------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderWindow:
    kind: ReminderKind
    month: int
    first_day: int  # sent from this day at `REMINDER_TIME`…
    last_day: int  # …until the end of this day of the same month
    year_offset: int  # the indicators' year, from the current year


REMINDER_TIME = datetime.time(5, 0)  # Europe/Paris wall-clock time (§J.3: 05:00)
REMINDER_WINDOWS = (
    ReminderWindow(ReminderKind.CURRENT_YEAR, month=12, first_day=15, last_day=31, year_offset=0),
    ReminderWindow(ReminderKind.PREVIOUS_YEAR, month=1, first_day=20, last_day=31, year_offset=-1),
)


def due_reminder(now: datetime.datetime) -> tuple[ReminderKind, int] | None:
    """The reminder due at `now` (its kind and the year of the indicators it asks for), or None outside the windows."""
    local = timezone.localtime(now)
    for window in REMINDER_WINDOWS:
        start = timezone.make_aware(
            datetime.datetime.combine(datetime.date(local.year, window.month, window.first_day), REMINDER_TIME)
        )
        end = timezone.make_aware(
            datetime.datetime.combine(datetime.date(local.year, window.month, window.last_day), datetime.time())
        ) + datetime.timedelta(days=1)
        if start <= local < end:
            return window.kind, local.year + window.year_offset
    return None


@transaction.atomic
def action_reminders_send(*, now: datetime.datetime) -> int:
    """Sends the indicators reminder due at `now` (if any) about every action under way in its year that has not had
    it yet, to its pilots and operators who may sign in and still belong to the organisation they act for. Returns
    the number of emails queued."""
    due = due_reminder(now)
    if due is None:
        return 0
    kind, year = due
    actions = {
        action.pk: action
        for action in Action.objects.running_in(year)
        .exclude(pk__in=ActionReminder.objects.filter(kind=kind, year=year).values("action"))
        .select_related("departement")
        .only("pk", "name", "departement__code", "departement__name")
    }
    if not actions:
        return 0
    # Claims the reminders first: a run alongside this one fails on the unique constraint and sends nothing.
    ActionReminder.objects.bulk_create(
        [ActionReminder(action_id=pk, kind=kind, year=year, sent_at=now) for pk in sorted(actions)]
    )

    actions_by_user: dict[int, set[int]] = defaultdict(set)
    people: dict[int, User] = {}
    for model in (ActionManager, ActionOperator):
        members = (
            model.objects.filter(action_id__in=list(actions))
            # Who may no longer sign in gets nothing; nor does who left the organisation he piloted or operated for
            # (he no longer reads the action through it).
            .filter(user__in=User.objects.can_sign_in().values("pk"), user__organization=F("organization"))
            .select_related("user")
        )
        for member in members:
            actions_by_user[member.user_id].add(member.action_id)
            people[member.user_id] = member.user

    for user_id, action_ids in sorted(actions_by_user.items()):
        person = people[user_id]
        listed = sorted((actions[pk] for pk in action_ids), key=lambda action: (action.name.lower(), action.pk))
        email_queue(
            to=[person.email],
            template=REMINDER_TEMPLATE,
            context={
                "greeting_name": person.first_name,
                "year": year,
                "previous_year": kind == ReminderKind.PREVIOUS_YEAR,
                "actions": [
                    {
                        "name": action.name,
                        "departement": action.departement,
                        "indicators_url": _absolute(
                            f"{reverse('actions:indicators', kwargs={'pk': action.pk})}?annee={year}"
                        ),
                    }
                    for action in listed
                ],
            },
        )
    logger.info(
        "action reminders sent",
        extra={"kind": kind.value, "year": year, "actions": len(actions), "emails": len(actions_by_user)},
    )
    return len(actions_by_user)
