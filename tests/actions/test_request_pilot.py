"""« Demander à être pilote » (§E.3): a reader of an action who is not one of its pilots asks the admins of its
département by email; at most one email a day per person and action."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db.models import F
from django.urls import reverse

from resorption.accounts.enums import AdminRole, Role
from resorption.actions.models import ActionPilotRequest
from resorption.emails.models import OutgoingEmail
from tests.accounts.factories import OrganizationFactory, UserFactory
from tests.accounts.helpers import text
from tests.actions.helpers import plain

pytestmark = pytest.mark.django_db
BUTTON = "Demander à être pilote"
SENT = "Votre demande a été envoyée aux administrateurs du département"
ALREADY_ASKED = "Vous avez déjà demandé à piloter cette action il y a moins de 24 heures"


def _url(action) -> str:
    return reverse("actions:request_pilot", kwargs={"pk": action.pk})


def _requests() -> list[OutgoingEmail]:
    return list(OutgoingEmail.objects.filter(template="actions/pilot_request").order_by("pk"))


def test_a_reader_asks_and_the_local_admins_of_the_departement_are_emailed(client, world):
    second_admin = UserFactory(admin_role=AdminRole.LOCAL_ADMIN, role=Role.DIRECT_COLLABORATOR, first_name="Inès")
    client.force_login(world.operator)
    page = text(client.get(world.own.get_absolute_url()))
    assert BUTTON in page and f'action="{_url(world.own)}"' in page

    response = client.post(_url(world.own), follow=True)
    assert response.redirect_chain == [(world.own.get_absolute_url(), 302)]
    assert SENT in plain(response)

    emails = _requests()
    assert sorted(email.to[0] for email in emails) == sorted([world.local_admin.email, second_admin.email])
    email = next(email for email in emails if email.to == [second_admin.email])
    assert email.reply_to == [world.operator.email]
    assert email.subject == "Demande pour piloter l'action « Action pilotée en Gironde »"
    assert email.body_text.startswith("Bonjour Inès,")
    assert f"{world.operator.full_name} (Association Rives) souhaite devenir pilote" in email.body_text
    assert f"Pilotes actuels : {world.partner.full_name}" in email.body_text
    assert f"{settings.BASE_URL}/actions/{world.own.pk}/modifier/" in email.body_text
    assert f'href="{settings.BASE_URL}/actions/{world.own.pk}/"' in email.body_html
    # Neither the national admin (the département has local admins) nor the person asking.
    assert world.national_admin.email not in {email.to[0] for email in emails}


def test_a_second_request_within_a_day_sends_nothing_more(client, world):
    client.force_login(world.operator)
    client.post(_url(world.own))
    response = client.post(_url(world.own), follow=True)
    assert ALREADY_ASKED in plain(response)
    assert len(_requests()) == 1

    # 25 hours later, the admins are asked again.
    ActionPilotRequest.objects.filter(action=world.own, user=world.operator).update(
        requested_at=F("requested_at") - timedelta(hours=25)
    )
    response = client.post(_url(world.own), follow=True)
    assert SENT in plain(response)
    assert len(_requests()) == 2
    assert ActionPilotRequest.objects.filter(action=world.own, user=world.operator).count() == 1


def test_the_same_day_limit_is_per_action_and_per_person(client, world):
    client.force_login(world.operator)
    client.post(_url(world.own))
    client.post(_url(world.far_own))  # another action: asked too
    client.force_login(world.other_gironde)
    client.post(_url(world.own))  # another person: asked too
    assert len(_requests()) == 3


def test_a_pilot_has_no_button_and_cannot_ask(client, world):
    client.force_login(world.partner)
    assert BUTTON not in text(client.get(world.own.get_absolute_url()))
    response = client.post(_url(world.own), follow=True)
    assert "Vous êtes déjà pilote de cette action." in plain(response)
    assert _requests() == [] and not ActionPilotRequest.objects.exists()


def test_without_local_admin_the_national_admins_are_asked(client, world):
    """The Haute-Garonne has no local admin."""
    client.force_login(world.operator)
    client.post(_url(world.far_own))
    assert [email.to for email in _requests()] == [[world.national_admin.email]]


def test_without_any_admin_the_team_mailbox_is_asked(client, world):
    for admin in (world.national_admin, world.local_admin):
        admin.admin_role = ""
        admin.save()
    client.force_login(world.operator)
    client.post(_url(world.own))
    assert [email.to for email in _requests()] == [[settings.CONTACT_EMAIL]]


def test_an_admin_who_may_not_sign_in_is_not_emailed(client, world):
    world.local_admin.status = "inactive"
    world.local_admin.save()
    other = UserFactory(
        admin_role=AdminRole.LOCAL_ADMIN,
        role=Role.DIRECT_COLLABORATOR,
        organization=OrganizationFactory(active=False),
    )
    client.force_login(world.operator)
    client.post(_url(world.own))
    recipients = {email.to[0] for email in _requests()}
    assert world.local_admin.email not in recipients and other.email not in recipients
    assert recipients == {world.national_admin.email}


@pytest.mark.parametrize("person", ["unrelated", "toulouse"])
def test_out_of_sight_is_404_and_sends_nothing(client, world, person):
    client.force_login(getattr(world, person))
    assert client.post(_url(world.own)).status_code == 404
    assert client.post(reverse("actions:request_pilot", kwargs={"pk": 999999})).status_code == 404
    assert _requests() == []


def test_only_post(client, world):
    client.force_login(world.operator)
    assert client.get(_url(world.own)).status_code == 405
    assert _requests() == []
