import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from resorption.accounts.enums import AccountEventKind, AdminRole, EmailSubscription, Role, UserStatus
from resorption.accounts.models import AccountEvent
from resorption.accounts.services.profile import user_self_deactivate
from resorption.accounts.validators import validate_french_phone
from tests.accounts.factories import DEFAULT_PASSWORD, CharterFactory, OrganizationFactory, UserFactory
from tests.accounts.helpers import text

PROFILE_URL = reverse("accounts:profile")
PASSWORD_URL = reverse("accounts:password_change")
PREFERENCES_URL = reverse("accounts:preferences")
DEACTIVATE_URL = reverse("accounts:self_deactivate")
NEW_PASSWORD = "Nouveau-mot-de-passe-2026"
BAD_PHONE = "Saisissez un numéro de téléphone français valide"

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return UserFactory(
        email="camille.martin@exemple.test",
        first_name="Camille",
        last_name="Martin",
        phone="0601020304",
        position="Chargée de mission",
        organization=OrganizationFactory(name="Association Solidarité"),
    )


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


def checked_values(page: str) -> set[str]:
    """The values of the ticked "subscriptions" checkboxes of a page."""
    inputs = re.findall(r'<input type="checkbox" name="subscriptions"[^>]*>', page)
    assert len(inputs) == len(EmailSubscription)
    return {re.search(r'value="([^"]+)"', tag).group(1) for tag in inputs if " checked" in tag}


@pytest.mark.parametrize("url", [PROFILE_URL, PASSWORD_URL, PREFERENCES_URL, DEACTIVATE_URL])
def test_mon_compte_needs_to_be_signed_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_every_page_of_mon_compte_opens_with_its_menu(signed_in):
    for url in (PROFILE_URL, PASSWORD_URL, PREFERENCES_URL, DEACTIVATE_URL):
        response = signed_in.get(url)
        assert response.status_code == 200
        page = text(response)
        assert f'href="{url}" aria-current="page"' in page
        for other in (PROFILE_URL, PASSWORD_URL, PREFERENCES_URL, DEACTIVATE_URL):
            assert f'href="{other}"' in page


def test_header_links_to_mon_compte(signed_in):
    assert f'href="{PROFILE_URL}"' in text(signed_in.get(reverse("dashboard:index")))


# Mes informations


def test_profile_shows_the_form_and_what_only_admins_change(signed_in, user):
    page = text(signed_in.get(PROFILE_URL))

    assert 'name="first_name" value="Camille"' in page
    assert 'name="phone" value="0601020304"' in page
    assert "camille.martin@exemple.test" in page
    assert "Association Solidarité" in page
    assert Role(user.role).label in page
    assert 'name="email"' not in page
    assert 'name="role"' not in page


def test_profile_changes_are_saved(signed_in, user):
    response = signed_in.post(
        PROFILE_URL,
        {"first_name": " Dominique ", "last_name": "Bernard", "phone": "+33 6 12 34 56 78", "position": "Directrice"},
    )

    assert response.status_code == 302
    assert response.url == PROFILE_URL
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.phone, user.position) == (
        "Dominique",
        "Bernard",
        "+33 6 12 34 56 78",
        "Directrice",
    )
    assert "Vos informations ont été enregistrées." in text(signed_in.get(PROFILE_URL))


def test_email_and_role_cannot_be_changed_from_the_profile(signed_in, user):
    signed_in.post(
        PROFILE_URL,
        {
            "first_name": "Camille",
            "last_name": "Martin",
            "phone": "",
            "position": "Chargée de mission",
            "email": "pirate@exemple.test",
            "role": Role.NATIONAL_ESTABLISHMENT,
            "admin_role": AdminRole.NATIONAL_ADMIN,
        },
    )

    user.refresh_from_db()
    assert user.email == "camille.martin@exemple.test"
    assert user.admin_role == ""
    assert user.phone == ""


@pytest.mark.parametrize("phone", ["06 12 34", "+44 20 7946 0958", "0012345678", "téléphone", "06123456789"])
def test_bad_phone_is_refused_and_nothing_changes(signed_in, user, phone):
    response = signed_in.post(
        PROFILE_URL, {"first_name": "Autre", "last_name": "Nom", "phone": phone, "position": "Directrice"}
    )

    assert response.status_code == 200
    page = text(response)
    assert BAD_PHONE in page
    assert 'aria-invalid="true"' in page
    user.refresh_from_db()
    assert (user.first_name, user.phone) == ("Camille", "0601020304")


def test_empty_names_are_refused(signed_in, user):
    response = signed_in.post(PROFILE_URL, {"first_name": "  ", "last_name": "", "phone": "", "position": "X"})

    assert response.status_code == 200
    assert "Ce champ est obligatoire." in text(response)
    user.refresh_from_db()
    assert user.first_name == "Camille"


@pytest.mark.parametrize(
    "phone",
    ["0612345678", "06 12 34 56 78", "06.12.34.56.78", "+33612345678", "+33 (0)6 12 34 56 78", "0033 1 23 45 67 89"]
    + ["+262 692 12 34 56", "+590 690 12 34 56", "+594 694 12 34 56", "+596 696 12 34 56"],
)
def test_french_phone_numbers_are_accepted(phone):
    validate_french_phone(phone)


# Mot de passe


def change_password(client, current=DEFAULT_PASSWORD, new=NEW_PASSWORD, confirmation=None):
    return client.post(
        PASSWORD_URL, {"current_password": current, "new_password1": new, "new_password2": confirmation or new}
    )


def test_password_change_keeps_this_session_and_ends_the_others(signed_in, user):
    other_device = Client()
    other_device.force_login(user)

    response = change_password(signed_in)

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    follow = signed_in.get(response.url)
    assert follow.status_code == 200
    assert "Votre mot de passe a été modifié." in text(follow)
    assert int(signed_in.session[SESSION_KEY]) == user.pk
    assert other_device.get(PROFILE_URL).status_code == 302
    assert SESSION_KEY not in other_device.session


def test_password_change_shows_the_policy(signed_in):
    assert "Au moins 12 caractères" in text(signed_in.get(PASSWORD_URL))


def test_wrong_current_password_is_refused(signed_in, user):
    response = change_password(signed_in, current="Pas-le-bon-2026")

    assert response.status_code == 200
    assert "Le mot de passe actuel saisi est incorrect." in text(response)
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_weak_new_password_is_refused(signed_in, user):
    response = change_password(signed_in, new="motdepasse")

    assert response.status_code == 200
    page = text(response)
    assert "Le mot de passe doit comporter 12 caractères ou plus." in page
    assert "Le mot de passe doit comporter au moins une lettre majuscule." in page
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_admin_new_password_needs_16_characters(client):
    admin = UserFactory(admin_role=AdminRole.LOCAL_ADMIN)
    client.force_login(admin)

    response = change_password(client, new="Quatorze-car1!")

    assert "Le mot de passe doit comporter 16 caractères ou plus." in text(response)
    admin.refresh_from_db()
    assert admin.check_password(DEFAULT_PASSWORD)


def test_different_confirmation_is_refused(signed_in, user):
    response = change_password(signed_in, confirmation="Autre-mot-de-passe-2026")

    assert "Les deux mots de passe saisis ne sont pas identiques." in text(response)
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


# Notifications


def test_every_notification_is_on_by_default(signed_in):
    page = text(signed_in.get(PREFERENCES_URL))

    for subscription in EmailSubscription:
        assert subscription.label in page
    assert checked_values(page) == set(EmailSubscription.values)


def test_unticked_notifications_are_stored_as_turned_off(signed_in, user):
    kept = [EmailSubscription.WEEKLY_SUMMARY, EmailSubscription.SHANTYTOWN_CLOSURE]

    response = signed_in.post(PREFERENCES_URL, {"subscriptions": kept})

    assert response.status_code == 302
    user.refresh_from_db()
    assert set(user.email_unsubscriptions) == set(EmailSubscription.values) - set(kept)
    page = text(signed_in.get(PREFERENCES_URL))
    assert "Vos préférences de notification ont été enregistrées." in page
    assert checked_values(page) == set(kept)


def test_all_notifications_can_be_turned_off_then_on(signed_in, user):
    signed_in.post(PREFERENCES_URL, {})
    user.refresh_from_db()
    assert user.email_unsubscriptions == EmailSubscription.values

    signed_in.post(PREFERENCES_URL, {"subscriptions": EmailSubscription.values})
    user.refresh_from_db()
    assert user.email_unsubscriptions == []


def test_unknown_notification_is_refused(signed_in, user):
    response = signed_in.post(PREFERENCES_URL, {"subscriptions": ["inconnue"]})

    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in text(response)
    user.refresh_from_db()
    assert user.email_unsubscriptions == []


# Désactivation


def deactivate(client, capture, **data):
    with capture(execute=True):
        return client.post(DEACTIVATE_URL, data)


def test_self_deactivation_signs_out_and_closes_the_account(signed_in, user, django_capture_on_commit_callbacks):
    response = deactivate(signed_in, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    assert response.url == reverse("core:home")
    assert SESSION_KEY not in signed_in.session
    home = text(signed_in.get(response.url))
    assert "Votre compte est désactivé et vous avez été déconnecté." in home
    user.refresh_from_db()
    assert user.status == UserStatus.INACTIVE
    assert user.deactivated_at is not None
    assert user.anonymization_requested_at is None
    assert list(AccountEvent.objects.filter(user=user).values_list("kind", "actor")) == [
        (AccountEventKind.DEACTIVATED, user.pk)
    ]
    [message] = mail.outbox
    assert message.to == [user.email]
    assert message.subject == "Votre compte Résorption-bidonvilles est désactivé"
    assert "anonymisation" not in message.body

    signed_in_again = signed_in.post(reverse("accounts:login"), {"email": user.email, "password": DEFAULT_PASSWORD})
    assert "Votre compte doit être activé avant utilisation." in text(signed_in_again)
    assert SESSION_KEY not in signed_in.session


def test_self_deactivation_can_ask_for_anonymisation(signed_in, user, django_capture_on_commit_callbacks):
    deactivate(signed_in, django_capture_on_commit_callbacks, request_anonymization="on")

    user.refresh_from_db()
    assert user.status == UserStatus.INACTIVE
    assert user.anonymization_requested_at is not None
    assert user.anonymized_at is None  # done later by the anonymisation job
    assert set(AccountEvent.objects.filter(user=user).values_list("kind", flat=True)) == {
        AccountEventKind.DEACTIVATED,
        AccountEventKind.ANONYMIZATION_REQUESTED,
    }
    assert "Vous avez aussi demandé l'anonymisation de vos données" in mail.outbox[0].body


def test_deactivation_page_asks_for_confirmation_first(signed_in, user):
    page = text(signed_in.get(DEACTIVATE_URL))

    assert "Je demande aussi l'anonymisation de mes données" in page
    user.refresh_from_db()
    assert user.status == UserStatus.ACTIVE


def test_last_national_admin_cannot_leave(client, django_capture_on_commit_callbacks):
    admin = UserFactory(admin_role=AdminRole.NATIONAL_ADMIN)
    UserFactory(admin_role=AdminRole.NATIONAL_ADMIN, inactive=True)
    client.force_login(admin)

    response = deactivate(client, django_capture_on_commit_callbacks)

    assert response.status_code == 200
    assert "Vous êtes le dernier administrateur national actif" in text(response)
    admin.refresh_from_db()
    assert admin.status == UserStatus.ACTIVE
    assert int(client.session[SESSION_KEY]) == admin.pk
    assert mail.outbox == []
    assert not AccountEvent.objects.exists()


def test_a_national_admin_may_leave_when_another_remains(client, django_capture_on_commit_callbacks):
    admin = UserFactory(admin_role=AdminRole.NATIONAL_ADMIN)
    UserFactory(admin_role=AdminRole.NATIONAL_ADMIN)
    client.force_login(admin)

    assert deactivate(client, django_capture_on_commit_callbacks).status_code == 302
    admin.refresh_from_db()
    assert admin.status == UserStatus.INACTIVE


def test_an_inactive_account_cannot_be_deactivated_again():
    user = UserFactory(inactive=True)

    with pytest.raises(ValidationError):
        user_self_deactivate(user=user, request_anonymization=False)

    assert not AccountEvent.objects.exists()


def test_mon_compte_waits_for_the_charter(client, user):
    CharterFactory(version=1)
    client.force_login(user)

    assert client.get(PROFILE_URL).url.startswith(reverse("accounts:charter"))
