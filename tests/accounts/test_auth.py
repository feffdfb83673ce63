import html
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.messages import get_messages
from django.contrib.sessions.middleware import SessionMiddleware
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from resorption.accounts.enums import SignInFailure
from resorption.accounts.models import SignInAttempt
from resorption.accounts.services.auth import SignInError, user_sign_in
from tests.accounts.factories import DEFAULT_PASSWORD, OrganizationFactory, UserFactory

LOGIN_URL = reverse("accounts:login")
BAD_CREDENTIALS = "Ces identifiants sont incorrects."
NOT_ACTIVE = "Votre compte doit être activé avant utilisation."

pytestmark = pytest.mark.django_db


def sign_in(client, email, password=DEFAULT_PASSWORD, **extra):
    return client.post(LOGIN_URL, {"email": email, "password": password}, **extra)


def signed_in_user_id(client):
    return client.session.get(SESSION_KEY)


def add_failures(*, count, email="cible@exemple.test", ip_address="127.0.0.1", at=None):
    """Writes failed attempts as if they had happened at `at` (now by default)."""
    for _ in range(count):
        SignInAttempt.objects.create(
            email=email,
            success=False,
            failure_reason=SignInFailure.BAD_CREDENTIALS,
            ip_address=ip_address,
            created_at=at or timezone.now(),
        )


def test_login_page_shows_dsfr_form(client):
    response = client.get(LOGIN_URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert '<label for="id_email" class="fr-label">' in page
    assert "Adresse électronique" in page
    assert "Mot de passe" in page
    assert 'class="fr-input"' in page
    assert "Se connecter" in page
    assert "Mot de passe oublié ?" in page
    assert reverse("accounts:password_reset") in page


def test_login_with_right_password_goes_to_dashboard_in_a_new_session(client):
    user = UserFactory(email="camille@exemple.test")
    session = client.session
    session["anonymous_visit"] = True
    session.save()
    anonymous_key = session.session_key

    response = sign_in(client, " Camille@Exemple.test ")

    assert response.status_code == 302
    assert response.url == reverse("dashboard:index")
    assert signed_in_user_id(client) == str(user.pk)
    assert client.session.session_key != anonymous_key
    user.refresh_from_db()
    assert user.last_login is not None
    assert client.get(reverse("dashboard:index")).status_code == 200


@pytest.mark.parametrize("email", ["utilisateur@exemple.test", "inconnu@exemple.test"])
def test_wrong_password_and_unknown_email_get_the_same_answer(client, email):
    UserFactory(email="utilisateur@exemple.test")

    response = sign_in(client, email, password="Pas-le-bon-mot-de-passe-1")

    assert response.status_code == 200
    assert BAD_CREDENTIALS in response.content.decode()
    assert signed_in_user_id(client) is None


def test_invalid_email_is_a_form_error_not_an_attempt(client):
    response = sign_in(client, "pas-une-adresse")

    assert response.status_code == 200
    assert "Saisissez une adresse" in response.content.decode()
    assert not SignInAttempt.objects.exists()


def test_fourth_attempt_after_three_failures_is_refused_with_the_retry_time(client):
    user = UserFactory()
    for _ in range(3):
        assert BAD_CREDENTIALS in sign_in(client, user.email, password="Mauvais-mot-de-passe-1").content.decode()
    third_failure = SignInAttempt.objects.order_by("created_at").first()

    response = sign_in(client, user.email)  # the right password

    assert response.status_code == 429
    reopens = timezone.localtime(third_failure.created_at + settings.SIGNIN_WINDOW)
    if reopens.second or reopens.microsecond:  # shown rounded up to the minute
        reopens = reopens.replace(second=0, microsecond=0) + timedelta(minutes=1)
    assert f"Trop de tentatives de connexion. Réessayez après {reopens:%H:%M}." in response.content.decode()
    assert signed_in_user_id(client) is None


def test_retry_time_is_given_in_paris_time():
    user = UserFactory()
    failed_at = timezone.now().replace(second=0, microsecond=0)  # on the minute: no rounding up
    add_failures(count=3, email=user.email, at=failed_at)
    reopens = failed_at + settings.SIGNIN_WINDOW
    paris, utc = reopens.astimezone(ZoneInfo("Europe/Paris")), reopens.astimezone(UTC)

    with pytest.raises(SignInError) as refused:
        user_sign_in(request=_request(), email=user.email, password=DEFAULT_PASSWORD)

    assert refused.value.reason == SignInFailure.THROTTLED
    assert refused.value.message == f"Trop de tentatives de connexion. Réessayez après {paris:%H:%M}."
    assert f"{paris:%H:%M}" != f"{utc:%H:%M}"


def test_failures_older_than_the_window_do_not_count(client):
    user = UserFactory()
    add_failures(count=5, email=user.email, at=timezone.now() - settings.SIGNIN_WINDOW - timedelta(seconds=1))
    add_failures(count=2, email=user.email)

    response = sign_in(client, user.email)

    assert response.status_code == 302
    assert signed_in_user_id(client) == str(user.pk)


def test_refused_attempts_do_not_extend_the_block(client):
    user = UserFactory()
    add_failures(count=3, email=user.email, at=timezone.now() - settings.SIGNIN_WINDOW + timedelta(minutes=1))
    for _ in range(3):
        assert sign_in(client, user.email).status_code == 429
    SignInAttempt.objects.filter(failure_reason=SignInFailure.BAD_CREDENTIALS).update(
        created_at=timezone.now() - settings.SIGNIN_WINDOW - timedelta(seconds=1)
    )

    assert sign_in(client, user.email).status_code == 302


def test_too_many_failures_from_one_ip_address_block_it(client, settings):
    settings.SIGNIN_MAX_FAILURES_PER_IP = 4
    user = UserFactory()
    for number in range(4):
        sign_in(client, f"essai{number}@exemple.test", password="x", REMOTE_ADDR="203.0.113.7")

    refused = sign_in(client, user.email, REMOTE_ADDR="203.0.113.7")
    accepted = sign_in(client, user.email, REMOTE_ADDR="198.51.100.1")

    assert refused.status_code == 429
    assert "Trop de tentatives de connexion" in refused.content.decode()
    assert accepted.status_code == 302
    assert signed_in_user_id(client) == str(user.pk)


def test_without_trusted_proxy_a_forged_forwarded_for_does_not_escape_the_ip_limit(client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    settings.SIGNIN_MAX_FAILURES_PER_IP = 4
    user = UserFactory()
    for number in range(4):
        sign_in(
            client,
            f"essai{number}@exemple.test",
            password="x",
            REMOTE_ADDR="203.0.113.7",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{number + 1}",
        )

    refused = sign_in(client, user.email, REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.99")

    assert refused.status_code == 429
    assert set(SignInAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}


def test_behind_one_proxy_failures_are_counted_per_client(client, settings):
    """Behind the production proxy, REMOTE_ADDR is the proxy: the limit applies to each client, not to everyone."""
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    user = UserFactory()
    for number in range(settings.SIGNIN_MAX_FAILURES_PER_IP + 1):
        sign_in(client, f"essai{number}@exemple.test", password="x", HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)

    # Client A is blocked, even when it prepends another address to the header.
    refused = sign_in(client, user.email, HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7", **proxy)
    # Client B, behind the same proxy, is not.
    accepted = sign_in(client, user.email, HTTP_X_FORWARDED_FOR="198.51.100.1", **proxy)

    assert refused.status_code == 429
    assert accepted.status_code == 302
    assert signed_in_user_id(client) == str(user.pk)
    assert SignInAttempt.objects.filter(ip_address="10.0.0.1").count() == 0
    assert SignInAttempt.objects.filter(ip_address="198.51.100.1", success=True).count() == 1


def test_behind_one_proxy_a_malformed_header_is_counted_on_the_proxy(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1

    sign_in(client, "inconnu@exemple.test", password="x", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="unknown")

    assert SignInAttempt.objects.get().ip_address == "10.0.0.1"


def test_every_attempt_is_logged(client):
    user = UserFactory(email="camille@exemple.test")
    long_agent = "Mozilla/5.0 " + "x" * 500

    sign_in(client, "inconnu@exemple.test", password="x", HTTP_USER_AGENT=long_agent, REMOTE_ADDR="192.0.2.10")
    sign_in(client, user.email, password="Mauvais-mot-de-passe-1", REMOTE_ADDR="192.0.2.10")
    sign_in(client, "CAMILLE@exemple.test", HTTP_USER_AGENT="Firefox", REMOTE_ADDR="192.0.2.11")

    unknown, wrong, success = SignInAttempt.objects.order_by("created_at", "pk")
    assert (unknown.email, unknown.user, unknown.success) == ("inconnu@exemple.test", None, False)
    assert unknown.failure_reason == SignInFailure.BAD_CREDENTIALS
    assert unknown.ip_address == "192.0.2.10"
    assert len(unknown.user_agent) == 300
    assert unknown.user_agent.startswith("Mozilla/5.0 x")
    assert (wrong.user, wrong.success, wrong.failure_reason) == (user, False, SignInFailure.BAD_CREDENTIALS)
    assert (success.email, success.user, success.success, success.failure_reason) == (user.email, user, True, "")
    assert (success.ip_address, success.user_agent) == ("192.0.2.11", "Firefox")


def test_throttled_attempt_is_logged_with_its_reason(client):
    user = UserFactory()
    add_failures(count=3, email=user.email)

    sign_in(client, user.email)

    attempt = SignInAttempt.objects.latest("created_at")
    assert (attempt.user, attempt.success, attempt.failure_reason) == (user, False, SignInFailure.THROTTLED)


@pytest.mark.parametrize("trait", ["new", "inactive"])
def test_account_not_active_is_refused_and_told_only_with_the_right_password(client, trait):
    user = UserFactory(**{trait: True})

    right = sign_in(client, user.email)
    wrong = sign_in(client, user.email, password="Mauvais-mot-de-passe-1")

    assert NOT_ACTIVE in right.content.decode()
    assert NOT_ACTIVE not in wrong.content.decode()
    assert BAD_CREDENTIALS in wrong.content.decode()
    assert signed_in_user_id(client) is None
    reasons = list(SignInAttempt.objects.order_by("created_at", "pk").values_list("failure_reason", flat=True))
    assert reasons == [SignInFailure.NOT_ACTIVE, SignInFailure.BAD_CREDENTIALS]


def test_user_of_an_inactive_organisation_is_refused(client):
    user = UserFactory(organization=OrganizationFactory(active=False))

    right = sign_in(client, user.email)
    wrong = sign_in(client, user.email, password="Mauvais-mot-de-passe-1")

    assert "n'est pas active sur la plateforme" in html.unescape(right.content.decode())
    assert BAD_CREDENTIALS in wrong.content.decode()
    assert signed_in_user_id(client) is None
    assert SignInAttempt.objects.filter(failure_reason=SignInFailure.ORGANIZATION_INACTIVE, user=user).count() == 1


def test_deactivating_the_organisation_ends_open_sessions(client):
    user = UserFactory()
    client.force_login(user)
    user.organization.active = False
    user.organization.save()

    response = client.get(reverse("dashboard:index"))

    assert response.status_code == 302
    assert response.url.startswith(LOGIN_URL)


def test_login_follows_a_safe_next(client):
    user = UserFactory()

    response = client.post(
        f"{LOGIN_URL}?next=/territoires/", {"email": user.email, "password": DEFAULT_PASSWORD, "next": "/territoires/"}
    )

    assert response.url == "/territoires/"


def test_login_page_keeps_next_in_the_form(client):
    response = client.get(LOGIN_URL, {"next": "/tableau-de-bord/?onglet=1"})

    assert 'name="next" value="/tableau-de-bord/?onglet=1"' in response.content.decode()


@pytest.mark.parametrize(
    "next_url", ["https://pirate.example/", "//pirate.example/connexion/", "http:///pirate.example", "javascript:x"]
)
def test_login_ignores_an_unsafe_next(client, next_url):
    user = UserFactory()

    response = client.post(LOGIN_URL, {"email": user.email, "password": DEFAULT_PASSWORD, "next": next_url})

    assert response.status_code == 302
    assert response.url == reverse("dashboard:index")


def test_unsafe_next_is_not_put_back_in_the_form(client):
    response = client.get(LOGIN_URL, {"next": "https://pirate.example/"})

    assert "pirate.example" not in response.content.decode()


def test_signed_in_user_opening_login_goes_to_dashboard(client):
    client.force_login(UserFactory())

    response = client.get(LOGIN_URL)

    assert response.url == reverse("dashboard:index")


def test_private_page_sends_anonymous_visitor_to_login_with_next(client):
    response = client.get(reverse("dashboard:index"))

    assert response.status_code == 302
    assert response.url == f"{LOGIN_URL}?next=/tableau-de-bord/"


def test_logout_requires_post(client):
    user = UserFactory()
    client.force_login(user)

    response = client.get(reverse("accounts:logout"))

    assert response.status_code == 405
    assert signed_in_user_id(client) == str(user.pk)


def test_logout_ends_the_session_and_says_so(client):
    client.force_login(UserFactory())

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert response.url == reverse("core:home")
    assert signed_in_user_id(client) is None
    assert [str(message) for message in get_messages(response.wsgi_request)] == ["Vous êtes déconnecté."]
    assert client.get(reverse("dashboard:index")).status_code == 302


def test_logout_after_session_expired_goes_home_quietly(client):
    response = client.post(reverse("accounts:logout"), follow=True)

    assert response.redirect_chain == [(reverse("core:home"), 302)]
    assert "Vous êtes déconnecté." in response.content.decode()


def _request():
    request = RequestFactory().post(LOGIN_URL, REMOTE_ADDR="127.0.0.1")
    SessionMiddleware(lambda request: None).process_request(request)
    return request


def test_sign_in_service_returns_the_user_and_logs_the_success():
    user = UserFactory()

    assert user_sign_in(request=_request(), email=user.email, password=DEFAULT_PASSWORD) == user
    assert SignInAttempt.objects.get().success is True


def test_sign_in_service_refuses_with_a_typed_error():
    with pytest.raises(SignInError) as refused:
        user_sign_in(request=_request(), email="personne@exemple.test", password="x")

    assert refused.value.reason == SignInFailure.BAD_CREDENTIALS
    assert refused.value.message == BAD_CREDENTIALS


def test_signing_in_clears_a_pending_inactivity_alert(client, db):
    from django.utils import timezone

    user = UserFactory(inactivity_alert_sent_at=timezone.now())
    client.post(reverse("accounts:login"), {"email": user.email, "password": DEFAULT_PASSWORD})
    user.refresh_from_db()
    assert user.inactivity_alert_sent_at is None
