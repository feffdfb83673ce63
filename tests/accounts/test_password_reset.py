import email
import html
import re
from datetime import timedelta
from email import policy

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.tokens import PasswordResetTokenGenerator, default_token_generator
from django.core import mail
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from resorption.accounts.enums import AdminRole
from resorption.emails.models import OutgoingEmail
from tests.accounts.factories import DEFAULT_PASSWORD, OrganizationFactory, UserFactory
from tests.accounts.helpers import text
from tests.smtp import LoopbackSmtp

REQUEST_URL = reverse("accounts:password_reset")
BASE_URL = "https://resorption.exemple.gouv.fr"
NEW_PASSWORD = "Nouveau-mot-de-passe-2026"
INVALID_LINK = "Ce lien n'est plus valide"
LINK_PATTERN = re.compile(re.escape(BASE_URL) + r"(/mot-de-passe-oublie/[\w-]+/[\w-]+/)")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.BASE_URL = BASE_URL


def confirm_path(user, token=None) -> str:
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse(
        "accounts:password_reset_confirm",
        kwargs={"uidb64": uidb64, "token": token or default_token_generator.make_token(user)},
    )


def set_password(client, path, password=NEW_PASSWORD, confirmation=None):
    return client.post(path, {"new_password1": password, "new_password2": confirmation or password})


def request_reset(client, capture, address):
    with capture(execute=True):
        return client.post(REQUEST_URL, {"email": address})


def test_request_page_asks_for_the_email(client):
    response = client.get(REQUEST_URL)

    assert response.status_code == 200
    assert "Adresse électronique" in response.content.decode()


def test_request_sends_an_email_with_a_working_absolute_link(client, django_capture_on_commit_callbacks):
    user = UserFactory(email="camille@exemple.test", first_name="Camille")

    response = request_reset(client, django_capture_on_commit_callbacks, " Camille@Exemple.test ")

    assert response.status_code == 200
    assert "Vérifiez votre messagerie" in response.content.decode()
    [message] = mail.outbox
    assert message.to == ["camille@exemple.test"]
    assert message.subject == "Réinitialisation de votre mot de passe Résorption-bidonvilles"
    assert "Bonjour Camille," in message.body
    assert "valable 24 heures" in message.body
    [(html_body, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    path = LINK_PATTERN.search(message.body).group(1)
    assert f'href="{BASE_URL}{path}"' in html_body

    form_page = client.get(path)
    assert form_page.status_code == 200
    assert form_page.headers["Referrer-Policy"] == "same-origin"
    assert "Nouveau mot de passe" in form_page.content.decode()

    done = set_password(client, path)
    assert done.status_code == 302
    assert done.url == reverse("accounts:login")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    login_page = client.get(done.url)
    assert "Votre mot de passe a été modifié." in login_page.content.decode()


def test_email_link_expiry_follows_the_setting(client, settings, django_capture_on_commit_callbacks):
    settings.PASSWORD_RESET_TIMEOUT = 30 * 60
    user = UserFactory()

    request_reset(client, django_capture_on_commit_callbacks, user.email)

    assert "valable 30 minutes" in mail.outbox[0].body


@pytest.mark.parametrize("case", ["unknown", "new", "inactive", "organisation_inactive"])
def test_other_addresses_get_the_same_page_and_no_email(client, django_capture_on_commit_callbacks, case):
    known = UserFactory(email="connu@exemple.test")
    address = "autre@exemple.test"
    if case == "new":
        UserFactory(email=address, new=True)
    elif case == "inactive":
        UserFactory(email=address, inactive=True)
    elif case == "organisation_inactive":
        UserFactory(email=address, organization=OrganizationFactory(active=False))

    other = request_reset(client, django_capture_on_commit_callbacks, address)
    assert mail.outbox == []
    existing = request_reset(client, django_capture_on_commit_callbacks, known.email)
    assert len(mail.outbox) == 1

    def comparable(response):
        page = response.content.decode().replace(address, "@").replace(known.email, "@")
        return re.sub(r'nonce="[^"]*"', "", page)

    assert other.status_code == existing.status_code == 200
    assert comparable(other) == comparable(existing)


def test_weak_password_is_refused_with_french_reasons(client):
    user = UserFactory()
    path = confirm_path(user)

    response = set_password(client, path, password="court")

    assert response.status_code == 200
    page = text(response)
    assert "Le mot de passe doit comporter 12 caractères ou plus." in page
    assert "Le mot de passe doit comporter au moins une lettre majuscule." in page
    assert "Le mot de passe doit comporter au moins un caractère qui n'est pas une lettre" in page
    assert 'aria-invalid="true"' in page
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_different_confirmation_is_refused(client):
    user = UserFactory()

    response = set_password(client, confirm_path(user), confirmation="Autre-mot-de-passe-2026")

    assert "Les deux mots de passe saisis ne sont pas identiques." in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_admin_needs_sixteen_characters(client):
    password = "Quatorze-car-1"  # 14 characters: enough for a user, not for an admin
    admin = UserFactory(admin_role=AdminRole.LOCAL_ADMIN)
    user = UserFactory()

    refused = set_password(client, confirm_path(admin), password=password)
    accepted = set_password(client, confirm_path(user), password=password)

    assert "Le mot de passe doit comporter 16 caractères ou plus." in text(refused)
    admin.refresh_from_db()
    assert admin.check_password(DEFAULT_PASSWORD)
    assert accepted.status_code == 302
    user.refresh_from_db()
    assert user.check_password(password)


def test_link_works_only_once(client):
    user = UserFactory()
    path = confirm_path(user)
    assert set_password(client, path).status_code == 302

    again_get = client.get(path)
    again_post = set_password(client, path, password="Encore-un-autre-mot-2026")

    for response in (again_get, again_post):
        assert response.status_code == 200
        assert INVALID_LINK in text(response)
        assert reverse("accounts:password_reset") in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


class _GeneratorFromThePast(PasswordResetTokenGenerator):
    """Makes tokens as if the clock showed `seconds_ago` seconds earlier."""

    def __init__(self, seconds_ago):
        super().__init__()
        self.seconds_ago = seconds_ago

    def _now(self):
        return super()._now() - timedelta(seconds=self.seconds_ago)


def test_expired_link_is_refused(client, settings):
    settings.PASSWORD_RESET_TIMEOUT = 3600
    user = UserFactory()
    still_valid = confirm_path(user, _GeneratorFromThePast(3600 - 60).make_token(user))
    expired = confirm_path(user, _GeneratorFromThePast(3600 + 60).make_token(user))

    assert "Nouveau mot de passe" in client.get(still_valid).content.decode()
    assert INVALID_LINK in text(client.get(expired))
    assert INVALID_LINK in text(set_password(client, expired))
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


@pytest.mark.parametrize(
    "make_path",
    [
        lambda user, other: confirm_path(user, "1a2b3c-0123456789abcdef0123456789abcdef"),
        lambda user, other: confirm_path(user, default_token_generator.make_token(other)),
        lambda user, other: reverse("accounts:password_reset_confirm", kwargs={"uidb64": "zzzz", "token": "abc-def"}),
        lambda user, other: reverse(
            "accounts:password_reset_confirm",
            kwargs={"uidb64": urlsafe_base64_encode(b"9" * 40), "token": default_token_generator.make_token(user)},
        ),
        lambda user, other: reverse(
            "accounts:password_reset_confirm",
            kwargs={"uidb64": urlsafe_base64_encode(b"\xff\xfe"), "token": "abc-def"},
        ),
        lambda user, other: reverse(
            "accounts:password_reset_confirm",
            kwargs={"uidb64": urlsafe_base64_encode(b"moi"), "token": "abc-def"},
        ),
    ],
    ids=["forged-token", "other-users-token", "not-base64", "huge-id", "not-utf8", "not-a-number"],
)
def test_forged_links_are_refused_without_error(client, make_path):
    user, other = UserFactory(), UserFactory()
    path = make_path(user, other)

    for response in (client.get(path), set_password(client, path)):
        assert response.status_code == 200
        assert INVALID_LINK in text(response)
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_link_of_a_deactivated_user_is_refused(client):
    user = UserFactory()
    path = confirm_path(user)
    user.status = "inactive"
    user.save()

    assert INVALID_LINK in text(client.get(path))


def test_new_password_ends_other_sessions(client):
    user = UserFactory()
    other_browser = client.__class__()
    other_browser.force_login(user)

    set_password(client, confirm_path(user))

    assert other_browser.get(reverse("dashboard:index")).status_code == 302
    assert SESSION_KEY not in other_browser.session


def test_mail_server_failure_still_shows_the_same_page_and_keeps_the_email(
    client, settings, django_capture_on_commit_callbacks
):
    settings.MAILERS = LoopbackSmtp().mailers_setting  # nothing listens on that port
    user = UserFactory()

    response = request_reset(client, django_capture_on_commit_callbacks, user.email)

    assert response.status_code == 200
    assert "Vérifiez votre messagerie" in response.content.decode()
    [queued] = OutgoingEmail.objects.all()
    assert (queued.status, queued.attempts, queued.to) == ("pending", 1, [user.email])


def test_reset_email_goes_through_a_real_smtp_server(client, smtp_server, django_capture_on_commit_callbacks):
    user = UserFactory(email="smtp@exemple.test")

    request_reset(client, django_capture_on_commit_callbacks, user.email)

    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == ["smtp@exemple.test"]
    assert envelope.mail_from == email.utils.parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    message = email.message_from_bytes(envelope.content, policy=policy.default)
    assert message["Subject"] == "Réinitialisation de votre mot de passe Résorption-bidonvilles"
    body = message.get_body(preferencelist=("plain",)).get_content()
    path = LINK_PATTERN.search(body).group(1)
    assert f'href="{BASE_URL}{path}"' in message.get_body(preferencelist=("html",)).get_content()
    assert set_password(client, path).status_code == 302


def test_reset_form_shows_the_password_policy(client):
    user = UserFactory()
    page = client.get(confirm_path(user), follow=True).content.decode()
    assert "Au moins 12 caractères (16 pour les administrateurs)" in html.unescape(page)
