import email
import hashlib
import re
from datetime import UTC, datetime, timedelta
from email import policy

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from resorption.accounts.enums import AccountEventKind, AdminRole, UserStatus
from resorption.accounts.models import AccountEvent, UserAccess
from resorption.accounts.services.activation import (
    ActivationLinkError,
    access_link_check,
    access_link_send,
    user_activate,
)
from resorption.core.dates import french_datetime
from resorption.emails.models import OutgoingEmail
from tests.accounts.factories import CharterFactory, OrganizationFactory, UserFactory
from tests.accounts.helpers import text

BASE_URL = "https://resorption.exemple.gouv.fr"
PASSWORD = "Nouveau-mot-de-passe-2026"
LINK_PATTERN = re.compile(re.escape(BASE_URL) + r"(/activer-mon-compte/([\w-]+)/)")
INVALID = "Ce lien d'activation n'est pas valide."
USED = "Ce lien a déjà été utilisé"
SUPERSEDED = "Ce lien a été remplacé par un lien plus récent"
ALREADY_ACTIVE = "Votre compte est déjà activé"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.BASE_URL = BASE_URL


@pytest.fixture
def admin():
    return UserFactory(
        first_name="Alix",
        last_name="Préfète",
        email="alix.prefete@exemple.test",
        admin_role=AdminRole.LOCAL_ADMIN,
        organization=OrganizationFactory(name="DDETS de la Gironde"),
    )


@pytest.fixture
def person():
    """Someone who asked for access: status new, organisation not active yet (no activated user)."""
    return UserFactory(
        new=True,
        first_name="Camille",
        last_name="Durand",
        email="camille.durand@exemple.test",
        organization=OrganizationFactory(name="Association Solidarité", active=False),
    )


@pytest.fixture
def charter():
    return CharterFactory(version=2, body="Je m'engage à ne saisir aucune donnée nominative.")


@pytest.fixture
def send_link(django_capture_on_commit_callbacks, admin):
    """Sends an activation link to `user` as `admin`, delivering the emails; returns the link."""

    def send(user, sent_by=None):
        with django_capture_on_commit_callbacks(execute=True):
            return access_link_send(user=user, sent_by=sent_by or admin)

    return send


@pytest.fixture
def activate_page(django_capture_on_commit_callbacks):
    """POSTs the activation form, delivering the emails of a successful activation."""

    def post(client, token, password=PASSWORD, confirmation=None, accept=True, **extra):
        data = {"new_password1": password, "new_password2": confirmation or password, **extra}
        if accept:
            data["accept_charter"] = "on"
        data.setdefault("charter_version", "2")
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url(token), data)

    return post


def url(token: str) -> str:
    return reverse("accounts:activate", kwargs={"token": token})


def assert_nothing_changed(person, access):
    person.refresh_from_db()
    access.refresh_from_db()
    assert person.status == UserStatus.NEW
    assert person.charter_version_accepted is None
    assert access.used_at is None
    assert not person.organization.__class__.objects.get(pk=person.organization_id).active
    assert not AccountEvent.objects.filter(user=person, kind=AccountEventKind.ACTIVATED).exists()
    assert not OutgoingEmail.objects.exclude(template="access_granted").exists()


# Sending the link


def test_sending_emails_an_absolute_link_and_stores_only_the_hash_of_its_token(send_link, person, admin):
    before = timezone.now()

    access = send_link(person)

    [message] = mail.outbox
    assert message.to == ["camille.durand@exemple.test"]
    assert message.reply_to == ["alix.prefete@exemple.test"]
    assert message.subject == "Activer mon compte Résorption-bidonvilles"
    assert "Bonjour Camille," in message.body
    assert "Alix Préfète (DDETS de la Gironde) vous a ouvert un accès" in message.body
    assert f"valable jusqu'au {french_datetime(access.expires_at)}" in message.body
    path, token = LINK_PATTERN.search(message.body).groups()
    [(html_body, _)] = message.alternatives
    assert f'href="{BASE_URL}{path}"' in html_body

    stored = UserAccess.objects.get()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {str(value) for value in UserAccess.objects.values().get().values()}
    assert len(token) >= 43
    assert stored.sent_by == admin
    assert stored.expires_at - stored.created_at == timedelta(days=7)
    assert before <= stored.created_at <= timezone.now()
    assert AccountEvent.objects.filter(user=person, actor=admin, kind=AccountEventKind.LINK_SENT).exists()


def test_link_validity_follows_the_setting(send_link, person, settings):
    settings.ACTIVATION_LINK_DAYS = 3

    access = send_link(person)

    assert access.expires_at - access.created_at == timedelta(days=3)


def test_expiry_dates_are_written_the_french_way_in_paris_time():
    assert french_datetime(datetime(2026, 3, 1, 8, 5, tzinfo=UTC)) == "1er mars 2026 à 9 h 05"
    assert french_datetime(datetime(2026, 7, 14, 22, 30, tzinfo=UTC)) == "15 juillet 2026 à 0 h 30"


def test_sending_reopens_a_refused_request(send_link, person):
    person.access_refused_at = timezone.now() - timedelta(days=2)
    person.save()

    access = send_link(person)

    person.refresh_from_db()
    assert person.access_refused_at is None
    assert access_link_check(token=access.token) == access


def test_an_inactive_account_never_activated_gets_a_link(send_link, person):
    person.status = UserStatus.INACTIVE
    person.deactivated_at = timezone.now() - timedelta(days=1)
    person.save()

    access = send_link(person)

    assert access_link_check(token=access.token) == access


@pytest.mark.parametrize("case", ["active", "inactive_after_use", "anonymized"])
def test_no_link_for_accounts_that_were_activated(send_link, admin, case):
    user = UserFactory(status=UserStatus.ACTIVE)
    if case == "inactive_after_use":
        user.status = UserStatus.INACTIVE
        user.last_login = timezone.now() - timedelta(days=30)
        user.save()
    elif case == "anonymized":
        user.status = UserStatus.INACTIVE
        user.anonymized_at = timezone.now()
        user.save()

    with pytest.raises(ValidationError) as error:
        send_link(user)

    assert re.search(r"(déjà activé|réactivez-le|anonymisé)", error.value.messages[0])
    assert not UserAccess.objects.exists()
    assert mail.outbox == []


# Activation through the page


def test_activation_page_greets_the_person_and_shows_the_charter(client, send_link, person, charter):
    access = send_link(person)

    response = client.get(url(access.token))

    assert response.status_code == 200
    assert response.headers["Referrer-Policy"] == "same-origin"
    page = text(response)
    assert "Bonjour Camille Durand," in page
    assert "Association Solidarité" in page
    assert "Au moins 12 caractères" in page
    assert "J'ai lu et j'accepte la charte d'engagement" in page
    assert "Je m'engage à ne saisir aucune donnée nominative." in page
    assert reverse("accounts:charter") in page
    assert f"valable jusqu'au {french_datetime(access.expires_at)}" in page


def test_activation_opens_the_account_and_signs_in(client, send_link, activate_page, person, admin, charter):
    access = send_link(person)
    mail.outbox.clear()

    response = activate_page(client, access.token)

    assert response.status_code == 302
    assert response.url == reverse("dashboard:index")
    assert int(client.session[SESSION_KEY]) == person.pk
    person.refresh_from_db()
    access.refresh_from_db()
    assert person.status == UserStatus.ACTIVE
    assert person.check_password(PASSWORD)
    assert person.charter_version_accepted == 2
    assert person.charter_accepted_at is not None
    assert access.used_at is not None
    person.organization.refresh_from_db()
    assert person.organization.active
    assert AccountEvent.objects.filter(user=person, actor=person, kind=AccountEventKind.ACTIVATED).count() == 1

    welcome, notice = sorted(mail.outbox, key=lambda message: message.to != [person.email])
    assert welcome.to == ["camille.durand@exemple.test"]
    assert welcome.subject == "Bienvenue sur Résorption-bidonvilles"
    assert f"{BASE_URL}{reverse('accounts:login')}" in welcome.body
    assert notice.to == ["alix.prefete@exemple.test"]
    assert notice.subject == "Une personne a activé son accès"
    assert "Camille Durand (Association Solidarité) a activé son compte" in notice.body
    assert f"{BASE_URL}{reverse('accounts:user_detail', kwargs={'pk': person.pk})}" in notice.body

    dashboard = client.get(response.url)
    assert dashboard.status_code == 200
    assert "votre compte est activé" in text(dashboard)

    client.logout()
    signed_in = client.post(reverse("accounts:login"), {"email": person.email, "password": PASSWORD})
    assert signed_in.status_code == 302
    assert int(client.session[SESSION_KEY]) == person.pk


def test_activation_without_published_charter_asks_only_for_the_password(client, send_link, activate_page, person):
    access = send_link(person)

    page = text(client.get(url(access.token)))
    assert "charte d'engagement" not in page.split("<form", 1)[1]

    response = activate_page(client, access.token, accept=False, charter_version="")

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.status == UserStatus.ACTIVE
    assert person.charter_version_accepted is None


def test_weak_password_is_refused_and_nothing_changes(client, send_link, activate_page, person, charter):
    access = send_link(person)

    response = activate_page(client, access.token, password="court")

    assert response.status_code == 200
    page = text(response)
    assert "Le mot de passe doit comporter 12 caractères ou plus." in page
    assert "Le mot de passe doit comporter au moins une lettre majuscule." in page
    assert 'aria-invalid="true"' in page
    assert SESSION_KEY not in client.session
    assert_nothing_changed(person, access)
    assert not person.check_password("court")


def test_admins_need_a_longer_password(send_link, person, charter):
    person.admin_role = AdminRole.LOCAL_ADMIN
    person.save()
    access = send_link(person)

    with pytest.raises(ValidationError) as error:
        user_activate(token=access.token, password="Quatorze-car1!", accept_charter=True)

    assert error.value.message_dict == {"password": ["Le mot de passe doit comporter 16 caractères ou plus."]}
    assert_nothing_changed(person, access)


def test_different_confirmation_is_refused(client, send_link, activate_page, person, charter):
    access = send_link(person)

    response = activate_page(client, access.token, confirmation="Autre-mot-de-passe-2026")

    assert response.status_code == 200
    assert "Les deux mots de passe saisis ne sont pas identiques." in text(response)
    assert_nothing_changed(person, access)


def test_charter_must_be_accepted(client, send_link, activate_page, person, charter):
    access = send_link(person)

    response = activate_page(client, access.token, accept=False)

    assert response.status_code == 200
    assert "Cochez la case pour accepter la charte d'engagement." in text(response)
    assert_nothing_changed(person, access)


def test_service_refuses_activation_without_the_charter(send_link, person, charter):
    access = send_link(person)

    with pytest.raises(ValidationError) as error:
        user_activate(token=access.token, password=PASSWORD, accept_charter=False)

    assert list(error.value.message_dict) == ["accept_charter"]
    assert_nothing_changed(person, access)


def test_charter_published_while_reading_must_be_read_again(client, send_link, activate_page, person, charter):
    access = send_link(person)
    CharterFactory(version=3, body="Nouvel engagement sur les données.")

    response = activate_page(client, access.token, charter_version="2")

    assert response.status_code == 200
    page = text(response)
    assert "n'est plus la version en vigueur" in page
    assert "Nouvel engagement sur les données." in page
    assert 'name="charter_version" value="3"' in page
    assert_nothing_changed(person, access)


# Links that cannot be used: a clear page (410 Gone), never an error, nothing changes


def test_expired_link_says_when_it_expired_and_what_to_do(client, send_link, activate_page, person, charter):
    access = send_link(person)
    expired_at = timezone.now() - timedelta(minutes=1)
    UserAccess.objects.filter(pk=access.pk).update(expires_at=expired_at)

    response = client.get(url(access.token))

    assert response.status_code == 410
    assert response.headers["Referrer-Policy"] == "same-origin"
    page = text(response)
    assert (
        f"Ce lien a expiré le {french_datetime(expired_at)}, demandez un nouveau lien à votre administrateur." in page
    )
    assert reverse("accounts:access_request") in page
    assert activate_page(client, access.token).status_code == 410
    assert_nothing_changed(person, access)


def test_link_works_only_once(client, send_link, activate_page, person, charter):
    access = send_link(person)
    assert activate_page(client, access.token).status_code == 302
    client.logout()

    page = client.get(url(access.token))
    again = activate_page(client, access.token, password="Encore-un-autre-mot-2026")

    assert page.status_code == again.status_code == 410
    assert USED in text(page)
    assert reverse("accounts:login") in text(page)
    person.refresh_from_db()
    assert person.check_password(PASSWORD)
    assert SESSION_KEY not in client.session
    with pytest.raises(ActivationLinkError) as error:
        access_link_check(token=access.token)
    assert error.value.code == ActivationLinkError.USED


@pytest.mark.parametrize("token", ["inconnu", "A" * 43, "x" * 500])
def test_forged_link_is_refused(client, send_link, activate_page, person, charter, token):
    access = send_link(person)

    response = client.get(url(token))
    posted = activate_page(client, token)

    assert response.status_code == posted.status_code == 410
    assert INVALID in text(response)
    assert_nothing_changed(person, access)


def test_link_made_from_the_stored_hash_is_refused(client, send_link, person):
    access = send_link(person)

    response = client.get(url(access.token_hash))

    assert response.status_code == 410
    assert INVALID in text(response)


def test_a_new_link_replaces_the_older_ones(client, send_link, activate_page, person, charter):
    first = send_link(person)
    second = send_link(person)

    response = client.get(url(first.token))
    posted = activate_page(client, first.token)

    assert response.status_code == posted.status_code == 410
    assert SUPERSEDED in text(response)
    assert_nothing_changed(person, first)
    assert activate_page(client, second.token).status_code == 302


def test_link_of_an_account_already_active_is_refused(client, send_link, activate_page, person, charter):
    access = send_link(person)
    person.status = UserStatus.ACTIVE
    person.save()

    response = client.get(url(access.token))

    assert response.status_code == 410
    assert ALREADY_ACTIVE in text(response)
    access.refresh_from_db()
    assert access.used_at is None


def test_link_of_a_request_refused_after_sending_is_refused(client, send_link, person, charter):
    access = send_link(person)
    person.access_refused_at = timezone.now()
    person.save()

    response = client.get(url(access.token))

    assert response.status_code == 410
    assert "votre accès a été fermé par un administrateur" in text(response)


def test_organisation_already_active_stays_active_and_admin_gone_gets_no_email(
    send_link, django_capture_on_commit_callbacks, person, admin, charter
):
    person.organization.active = True
    person.organization.save()
    access = send_link(person)
    admin.status = UserStatus.INACTIVE
    admin.save()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        user_activate(token=access.token, password=PASSWORD, accept_charter=True)

    assert [message.to for message in mail.outbox] == [[person.email]]
    person.organization.refresh_from_db()
    assert person.organization.active


# The whole path through a real mail server


def test_link_received_through_smtp_activates_the_account(client, smtp_server, send_link, activate_page, person):
    CharterFactory(version=2)

    send_link(person)

    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == [person.email]
    message = email.message_from_bytes(envelope.content, policy=policy.default)
    assert message["Subject"] == "Activer mon compte Résorption-bidonvilles"
    body = message.get_body(preferencelist=("plain",)).get_content()
    path, token = LINK_PATTERN.search(body).groups()

    assert "Bonjour Camille Durand," in text(client.get(path))
    response = activate_page(client, token)

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.status == UserStatus.ACTIVE
    subjects = [
        email.message_from_bytes(received.content, policy=policy.default)["Subject"]
        for received in smtp_server.envelopes[1:]
    ]
    assert sorted(subjects) == ["Bienvenue sur Résorption-bidonvilles", "Une personne a activé son accès"]
