"""The public "Demander un accès" form (reference §B.1): who gets an account, who gets an email, what is refused."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from resorption.accounts.enums import AccountEventKind, AdminRole, AreaType, Referral, Role, UserStatus
from resorption.accounts.forms import requests as request_forms
from resorption.accounts.models import AccountEvent, User
from resorption.accounts.services import requests as services
from resorption.accounts.validators import FRENCH_PHONE_MESSAGE
from resorption.emails.models import OutgoingEmail
from tests.accounts.factories import OrganizationFactory, OrganizationTypeFactory, UserFactory
from tests.accounts.helpers import text
from tests.territories.factories import DepartementFactory, RegionFactory

URL = reverse("accounts:access_request")
SENT_URL = reverse("accounts:access_request_sent")
OPTIONS_URL = reverse("accounts:access_request_organizations")
BASE_URL = "https://resorption.exemple.gouv.fr"
REQUESTER = "lea.durand@exemple.test"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _isolated(settings):
    settings.BASE_URL = BASE_URL
    # The rate limit counts in the cache, which outlives a test.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def prefecture_type():
    return OrganizationTypeFactory(uid="prefecture_departement")


@pytest.fixture
def prefecture(prefecture_type):
    """Préfecture de la Gironde: no account yet, so not active (reference §A.2)."""
    return OrganizationFactory(name="Préfecture de la Gironde", type=prefecture_type, active=False)


@pytest.fixture
def haute_garonne():
    return DepartementFactory(code="31", name="Haute-Garonne", region=RegionFactory(code="76", name="Occitanie"))


@pytest.fixture
def national_admin():
    dihal = OrganizationFactory(name="Dihal", area_type=AreaType.NATION, departement=None)
    return UserFactory(organization=dihal, admin_role=AdminRole.NATIONAL_ADMIN, email="national@exemple.test")


def answers(organization=None, /, **overrides) -> dict:
    data = {
        "request_type": "access-request",
        "is_actor": "oui",
        "last_name": "Durand",
        "first_name": "Léa",
        "email": REQUESTER,
        "email_confirmation": REQUESTER,
        "phone": "06 12 34 56 78",
        "organization_type": str(organization.type_id) if organization else "",
        "organization_departement": "",
        "organization": str(organization.pk) if organization else "",
        "other_organization_name": "",
        "other_organization_territory": "",
        "position": "Cheffe du bureau de l'hébergement",
        "message": "Je coordonne le suivi des campements de la métropole.",
        "referral": "newsletter",
        "referral_detail": "",
        "consent": "on",
        "website": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def submit(client, capture, data, **extra):
    with capture(execute=True):
        return client.post(URL, data, **extra)


def recipients(template: str) -> list[str]:
    return sorted(address for email in OutgoingEmail.objects.filter(template=template) for address in email.to)


def assert_nothing_recorded():
    assert not User.objects.filter(email=REQUESTER).exists()
    assert not AccountEvent.objects.exists()
    assert not OutgoingEmail.objects.exists()
    assert mail.outbox == []


# The page


def test_page_is_public_and_asks_every_question(client):
    response = client.get(URL)

    assert response.status_code == 200
    page = text(response)
    for label in (
        "Demander un accès à la plateforme",
        "Demander des informations",
        "Signaler un site ou une situation",
        "Proposer de l'aide",
        "Êtes-vous un acteur de la résorption des bidonvilles ?",
        "Confirmez l'adresse électronique",
        "Type de structure",
        "Fonction",
        "Comment avez-vous connu la plateforme ?",
        "Je certifie que ces données personnelles ont été saisies avec l'accord de leur propriétaire",
    ):
        assert label in page


def test_honeypot_is_out_of_reach_of_people(client):
    page = client.get(URL).content.decode()

    container = page[page.index('<div class="fr-sr-only" aria-hidden="true">') :]
    field = container[: container.index("</div>")]
    assert 'name="website"' in field
    assert 'tabindex="-1"' in field
    assert 'autocomplete="off"' in field


def test_organization_types_are_grouped_by_category(client, prefecture_type):
    page = text(client.get(URL))

    assert '<optgroup label="Service de l\'État, établissement ou organisme public">' in page
    assert f'<option value="{prefecture_type.pk}">Préfecture de département</option>' in page
    assert "Ma structure n'appartient à aucun de ces types" in page
    # With JavaScript, choosing a type reloads only the organisation list.
    assert f'hx-get="{OPTIONS_URL}"' in page


def test_sent_page_is_public(client):
    response = client.get(SENT_URL)

    assert response.status_code == 200
    assert "Votre demande a bien été envoyée" in text(response)


def test_a_link_may_preset_the_request_type_but_not_personal_data(client):
    response = client.get(URL, {"request_type": "report", "is_actor": "non", "email": "piege@exemple.test"})

    page = response.content.decode()
    assert re.search(r'value="report"[^>]*checked', page)
    assert "piege@exemple.test" not in page
    assert 'id="structure-legend"' not in page  # not an actor: no organisation asked


# An access request from a listed organisation


def test_access_request_creates_a_new_account_with_the_role_of_the_organization_type(
    client, django_capture_on_commit_callbacks, prefecture
):
    response = submit(
        client, django_capture_on_commit_callbacks, answers(prefecture, email="Lea.Durand@Exemple.test ")
    )

    assert response.status_code == 302
    assert response.url == SENT_URL
    user = User.objects.get(email=REQUESTER)
    assert user.status == UserStatus.NEW
    assert user.role == Role.DIRECT_COLLABORATOR == prefecture.type.default_role
    assert user.admin_role == ""
    assert user.organization == prefecture
    assert (user.first_name, user.last_name) == ("Léa", "Durand")
    assert user.phone == "0612345678"
    assert user.position == "Cheffe du bureau de l'hébergement"
    assert user.access_request_message == "Je coordonne le suivi des campements de la métropole."
    assert user.referral == Referral.NEWSLETTER
    assert not user.has_usable_password()
    event = AccountEvent.objects.get(user=user)
    assert event.kind == AccountEventKind.REQUESTED
    assert event.actor is None


def test_local_admins_of_the_organization_departement_are_told_not_those_of_another(
    client, django_capture_on_commit_callbacks, prefecture, haute_garonne, national_admin
):
    gironde_admin = UserFactory(admin_role=AdminRole.LOCAL_ADMIN, email="admin.gironde@exemple.test")
    UserFactory(
        admin_role=AdminRole.LOCAL_ADMIN,
        email="admin.haute-garonne@exemple.test",
        organization=OrganizationFactory(departement=haute_garonne),
    )

    submit(client, django_capture_on_commit_callbacks, answers(prefecture))

    assert recipients("admin_new_request") == ["admin.gironde@exemple.test"]
    user = User.objects.get(email=REQUESTER)
    email = next(message for message in mail.outbox if message.to == [gironde_admin.email])
    assert email.subject == "Nouvelle demande d'accès à Résorption-bidonvilles"
    assert f"Bonjour {gironde_admin.first_name}," in email.body
    assert "Léa Durand" in email.body
    assert "Préfecture de la Gironde" in email.body
    assert "Je coordonne le suivi des campements de la métropole." in email.body
    assert f"{BASE_URL}/administration/comptes/{user.pk}/" in email.body
    html_body = email.alternatives[0].content
    assert f'href="{BASE_URL}/administration/comptes/{user.pk}/"' in html_body


def test_national_admins_are_told_when_the_departement_has_no_local_admin(
    client, django_capture_on_commit_callbacks, prefecture, haute_garonne, national_admin
):
    UserFactory(admin_role=AdminRole.LOCAL_ADMIN, organization=OrganizationFactory(departement=haute_garonne))

    submit(client, django_capture_on_commit_callbacks, answers(prefecture))

    assert recipients("admin_new_request") == [national_admin.email]


def test_the_team_mailbox_is_told_when_there_is_no_admin_at_all(
    client, django_capture_on_commit_callbacks, prefecture
):
    submit(client, django_capture_on_commit_callbacks, answers(prefecture))

    assert recipients("admin_new_request") == [settings.CONTACT_EMAIL]
    assert User.objects.filter(email=REQUESTER, status=UserStatus.NEW).exists()


def test_the_requester_gets_an_acknowledgment(client, django_capture_on_commit_callbacks, prefecture, national_admin):
    submit(client, django_capture_on_commit_callbacks, answers(prefecture))

    confirmation = next(message for message in mail.outbox if message.to == [REQUESTER])
    assert confirmation.subject == "Nous avons bien reçu votre demande"
    assert "administrateurs de votre territoire" in confirmation.body
    assert "activer votre compte" in confirmation.body
    assert recipients("contact_request") == []


def test_the_organization_may_be_picked_after_narrowing_to_its_departement(
    client, django_capture_on_commit_callbacks, prefecture
):
    data = answers(prefecture, organization_departement=prefecture.departement_id)

    assert submit(client, django_capture_on_commit_callbacks, data).status_code == 302
    assert User.objects.get(email=REQUESTER).organization == prefecture


# Other requests reach the team mailbox


def test_an_organization_of_no_listed_type_goes_to_the_team_and_creates_no_account(
    client, django_capture_on_commit_callbacks
):
    data = answers(
        organization_type="autre",
        organization="",
        other_organization_name="Collectif Solidarité Garonne",
        other_organization_territory="Toulouse (31)",
    )

    response = submit(client, django_capture_on_commit_callbacks, data)

    assert response.status_code == 302
    assert not User.objects.filter(email=REQUESTER).exists()
    assert not AccountEvent.objects.exists()
    team = next(message for message in mail.outbox if message.to == [settings.CONTACT_EMAIL])
    assert team.reply_to == [REQUESTER]
    assert "Demander un accès à la plateforme" in team.subject
    assert "Collectif Solidarité Garonne" in team.body
    assert "Toulouse (31)" in team.body
    assert "Cheffe du bureau de l'hébergement" in team.body
    assert "Je coordonne le suivi des campements de la métropole." in team.body
    assert recipients("access_request_confirmation") == [REQUESTER]
    assert recipients("admin_new_request") == []


def test_an_organization_missing_from_the_list_of_its_type_goes_to_the_team(
    client, django_capture_on_commit_callbacks, prefecture_type
):
    data = answers(
        organization_type=str(prefecture_type.pk),
        organization="autre",
        other_organization_name="Sous-préfecture de Blaye",
        other_organization_territory="Gironde",
    )

    assert submit(client, django_capture_on_commit_callbacks, data).status_code == 302

    assert not User.objects.filter(email=REQUESTER).exists()
    team = next(message for message in mail.outbox if message.to == [settings.CONTACT_EMAIL])
    assert "Sous-préfecture de Blaye" in team.body
    assert "Type de structure : Préfecture de département" in team.body


def test_a_person_who_is_not_an_actor_writes_to_the_team_whatever_the_organization_fields_hold(
    client, django_capture_on_commit_callbacks, prefecture
):
    data = answers(prefecture, is_actor="non", organization="999999", organization_type="n'importe quoi")

    response = submit(client, django_capture_on_commit_callbacks, data)

    assert response.status_code == 302
    assert not User.objects.filter(email=REQUESTER).exists()
    assert recipients("contact_request") == [settings.CONTACT_EMAIL]
    team = OutgoingEmail.objects.get(template="contact_request")
    assert "Acteur de la résorption des bidonvilles : non" in team.body_text
    assert "Préfecture de la Gironde" not in team.body_text
    assert recipients("access_request_confirmation") == [REQUESTER]


def test_an_information_request_goes_to_the_team_without_organization_nor_position(
    client, django_capture_on_commit_callbacks
):
    data = answers(request_type="info-request", is_actor="non", position="")

    response = submit(client, django_capture_on_commit_callbacks, data)

    assert response.status_code == 302
    team = next(message for message in mail.outbox if message.to == [settings.CONTACT_EMAIL])
    assert team.subject == "Nouveau message du formulaire de contact : Demander des informations"
    confirmation = next(message for message in mail.outbox if message.to == [REQUESTER])
    assert "Nous avons bien reçu votre message" in confirmation.body


def test_a_request_other_than_access_is_accepted_from_an_address_that_has_an_account(
    client, django_capture_on_commit_callbacks
):
    UserFactory(email=REQUESTER)

    response = submit(client, django_capture_on_commit_callbacks, answers(request_type="report", is_actor="non"))

    assert response.status_code == 302
    assert recipients("contact_request") == [settings.CONTACT_EMAIL]


def test_the_team_email_escapes_what_the_person_typed(client, django_capture_on_commit_callbacks):
    data = answers(request_type="help", is_actor="non", message="<script>alert(1)</script>")

    submit(client, django_capture_on_commit_callbacks, data)

    team = OutgoingEmail.objects.get(template="contact_request")
    assert "<script>" not in team.body_html
    assert "&lt;script&gt;" in team.body_html
    assert "<script>alert(1)</script>" in team.body_text


# Refused input: a French message, nothing recorded


@pytest.mark.parametrize(
    ("overrides", "field_message"),
    [
        ({"email_confirmation": "lea.dupont@exemple.test"}, "Les deux adresses électroniques saisies ne sont pas"),
        ({"consent": None}, "Cochez la case pour certifier l'accord du propriétaire des données."),
        ({"phone": "12345"}, FRENCH_PHONE_MESSAGE),
        ({"phone": "+44 20 7946 0958"}, FRENCH_PHONE_MESSAGE),
        ({"phone": "06 12 34 56 7"}, FRENCH_PHONE_MESSAGE),
        ({"position": ""}, "Ce champ est obligatoire."),
        ({"message": ""}, "Ce champ est obligatoire."),
        ({"is_actor": ""}, "Répondez par oui ou par non."),
        ({"referral": "other", "referral_detail": ""}, "Ce champ est obligatoire."),
        ({"referral": "word_of_mouth", "referral_detail": ""}, "Ce champ est obligatoire."),
        ({"organization": ""}, "Ce champ est obligatoire."),
        ({"first_name": "Léa\nBcc: victime@exemple.test"}, "ni retour à la ligne"),
    ],
)
def test_refused_answers_get_a_french_message_and_record_nothing(
    client, django_capture_on_commit_callbacks, prefecture, overrides, field_message
):
    response = submit(client, django_capture_on_commit_callbacks, answers(prefecture, **overrides))

    assert response.status_code == 200
    page = text(response)
    assert "Votre demande n'a pas été envoyée" in page
    assert field_message in page
    assert_nothing_recorded()


def test_other_organization_needs_its_name_and_territory(client, django_capture_on_commit_callbacks):
    data = answers(organization_type="autre", other_organization_name="", other_organization_territory="")

    response = submit(client, django_capture_on_commit_callbacks, data)

    assert response.status_code == 200
    assert text(response).count("Ce champ est obligatoire.") == 2
    assert_nothing_recorded()


def test_an_access_request_for_an_existing_account_is_refused(client, django_capture_on_commit_callbacks, prefecture):
    existing = UserFactory(email=REQUESTER, status=UserStatus.ACTIVE)

    response = submit(client, django_capture_on_commit_callbacks, answers(prefecture, email="LEA.durand@exemple.test"))

    assert response.status_code == 200
    assert "Un compte ou une demande d'accès existe déjà avec cette adresse électronique" in text(response)
    assert "Mot de passe oublié ?" in text(response)
    assert User.objects.filter(email=REQUESTER).get() == existing
    assert not AccountEvent.objects.exists()
    assert not OutgoingEmail.objects.exists()


@pytest.mark.parametrize(
    "organization_value", ["999999", "abc", "-1", "1 OR 1=1", "99999999999999999999999999", "٣", "²", "0"]
)
def test_an_unknown_or_forged_organization_id_is_refused(
    client, django_capture_on_commit_callbacks, prefecture, organization_value
):
    response = submit(client, django_capture_on_commit_callbacks, answers(prefecture, organization=organization_value))

    assert response.status_code == 200
    assert "Cette structure n'existe pas ou n'est pas du type choisi" in text(response)
    assert_nothing_recorded()


def test_an_organization_of_another_type_is_refused(client, django_capture_on_commit_callbacks, prefecture):
    association = OrganizationFactory(name="Les Amis du Voyage")  # type Association

    data = answers(prefecture, organization=str(association.pk))
    response = submit(client, django_capture_on_commit_callbacks, data)

    assert response.status_code == 200
    assert "Cette structure n'existe pas ou n'est pas du type choisi" in text(response)
    assert_nothing_recorded()


@pytest.mark.parametrize(
    ("type_value", "message"),
    [
        ("999999", "Ce type de structure n'existe pas"),
        ("abc", "Ce type de structure n'existe pas"),
        ("٣", "Ce type de structure n'existe pas"),
        ("", "Ce champ est obligatoire."),
    ],
)
def test_an_unknown_organization_type_is_refused(
    client, django_capture_on_commit_callbacks, prefecture, type_value, message
):
    response = submit(client, django_capture_on_commit_callbacks, answers(prefecture, organization_type=type_value))

    assert response.status_code == 200
    assert message in text(response)
    assert_nothing_recorded()


@pytest.mark.parametrize(
    "garbage",
    [
        {},
        {"request_type": "drop table"},
        {"request_type": ["report", "access-request"], "is_actor": ["non", "oui"], "organization": ["1", "x"]},
        {"organization_departement": "x" * 500, "organization_type": "1" * 40, "organization": "\x00"},
        {"email": "pas-une-adresse", "email_confirmation": "\x00@exemple.test", "phone": "\x00"},
        {"message": "x" * 10_000, "first_name": "x" * 1000, "referral": "licorne"},
        {"consent": "", "website": ""},
    ],
)
def test_garbage_never_breaks_the_page(client, django_capture_on_commit_callbacks, prefecture, garbage):
    data = {key: value for key, value in answers(prefecture).items() if key not in garbage} if garbage else {}
    data.update(garbage)

    response = submit(client, django_capture_on_commit_callbacks, data)

    assert response.status_code == 200
    assert "Votre demande n'a pas été envoyée" in text(response)
    assert_nothing_recorded()


# Spam defence


def test_a_filled_honeypot_looks_like_a_success_and_records_nothing(
    client, django_capture_on_commit_callbacks, prefecture, national_admin
):
    data = answers(prefecture, website="https://pilules.example")

    response = submit(client, django_capture_on_commit_callbacks, data)

    assert response.status_code == 302
    assert response.url == SENT_URL
    assert_nothing_recorded()


def test_more_than_five_requests_an_hour_from_one_address_are_refused(
    client, django_capture_on_commit_callbacks, monkeypatch
):
    for number in range(services.RATE_LIMIT_MAX_REQUESTS):
        data = answers(request_type="info-request", is_actor="non", email=f"personne{number}@exemple.test")
        data["email_confirmation"] = data["email"]
        assert submit(client, django_capture_on_commit_callbacks, data).status_code == 302
    sent = OutgoingEmail.objects.count()

    response = submit(client, django_capture_on_commit_callbacks, answers(request_type="info-request", is_actor="non"))

    assert response.status_code == 429
    assert "Vous avez envoyé trop de demandes depuis cette connexion" in text(response)
    assert OutgoingEmail.objects.count() == sent
    # Another address is not affected.
    other = submit(
        client,
        django_capture_on_commit_callbacks,
        answers(request_type="help", is_actor="non"),
        REMOTE_ADDR="10.0.0.2",
    )
    assert other.status_code == 302
    # An hour later, the first address may write again.
    later = timezone.now() + timedelta(hours=1, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    again = submit(client, django_capture_on_commit_callbacks, answers(request_type="info-request", is_actor="non"))
    assert again.status_code == 302


def test_behind_one_proxy_the_request_limit_applies_to_each_client(
    client, django_capture_on_commit_callbacks, settings
):
    settings.TRUSTED_PROXY_COUNT = 1

    def submit_from(forwarded_for, number):
        data = answers(request_type="info-request", is_actor="non", email=f"personne{number}@exemple.test")
        data["email_confirmation"] = data["email"]
        return submit(
            client,
            django_capture_on_commit_callbacks,
            data,
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=forwarded_for,
        )

    for number in range(services.RATE_LIMIT_MAX_REQUESTS):
        assert submit_from("203.0.113.7", number).status_code == 302

    assert submit_from("198.51.100.1, 203.0.113.7", 98).status_code == 429  # prepending an address changes nothing
    assert submit_from("198.51.100.1", 99).status_code == 302  # another client behind the same proxy


def test_the_rate_limit_refuses_before_creating_an_account(client, django_capture_on_commit_callbacks, prefecture):
    for _ in range(services.RATE_LIMIT_MAX_REQUESTS):
        # Refused attempts count: the "existing account" answer cannot be used to test many addresses.
        UserFactory(email="deja@exemple.test")
        data = answers(prefecture, email="deja@exemple.test", email_confirmation="deja@exemple.test")
        submit(client, django_capture_on_commit_callbacks, data)
        User.objects.filter(email="deja@exemple.test").delete()

    response = submit(client, django_capture_on_commit_callbacks, answers(prefecture))

    assert response.status_code == 429
    assert_nothing_recorded()


def test_ipv6_addresses_of_one_network_share_their_limit(prefecture):
    for number in range(services.RATE_LIMIT_MAX_REQUESTS):
        service_submit(email=f"personne{number}@exemple.test", ip_address=f"2001:db8:1:2::{number + 1}")

    with pytest.raises(services.AccessRequestRateLimited):
        service_submit(email="encore@exemple.test", ip_address="2001:db8:1:2:ffff::1")
    assert service_submit(email="voisin@exemple.test", ip_address="2001:db8:1:3::1") is None


# The service, directly


def service_submit(**overrides):
    arguments = {
        "request_type": services.RequestType.INFORMATION,
        "is_actor": False,
        "first_name": "Léa",
        "last_name": "Durand",
        "email": REQUESTER,
        "phone": "0612345678",
        "organization": None,
        "organization_type": None,
        "other_organization_name": "",
        "other_organization_territory": "",
        "position": "",
        "message": "Bonjour.",
        "referral": Referral.ONLINE_SEARCH,
        "referral_detail": "",
        "ip_address": "192.0.2.10",
    }
    arguments.update(overrides)
    return services.access_request_submit(**arguments)


def test_service_refuses_an_access_request_for_an_existing_address(prefecture):
    UserFactory(email=REQUESTER)

    with pytest.raises(ValidationError) as error:
        service_submit(request_type=services.RequestType.ACCESS, is_actor=True, organization=prefecture)

    assert "email" in error.value.message_dict
    assert User.objects.filter(email=REQUESTER).count() == 1


def test_service_keeps_the_referral_detail_only_when_it_means_something(prefecture):
    user = service_submit(
        request_type=services.RequestType.ACCESS,
        is_actor=True,
        organization=prefecture,
        position="Chargée de mission",
        referral=Referral.NEWSLETTER,
        referral_detail="oublié là",
    )
    assert user.referral_detail == ""

    other = service_submit(
        email="autre@exemple.test",
        request_type=services.RequestType.ACCESS,
        is_actor=True,
        organization=prefecture,
        position="Chargée de mission",
        referral=Referral.WORD_OF_MOUTH,
        referral_detail="Ma collègue de la DDETS",
    )
    assert other.referral_detail == "Ma collègue de la DDETS"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("06 12 34 56 78", "0612345678"),
        ("06.12.34.56.78", "0612345678"),
        ("0612345678", "0612345678"),
        ("+33 6 12 34 56 78", "0612345678"),
        ("+262 692 12 34 56", "0692123456"),
        ("+590 590 12 34 56", "0590123456"),
        ("+594 594 12 34 56", "0594123456"),
        ("+596 696 12 34 56", "0696123456"),
        ("0033 6 12 34 56 78", "0612345678"),
        ("+33 (0)6 12 34 56 78", "0612345678"),
        ("06-12-34-56-78", "0612345678"),
    ],
)
def test_french_phone_numbers_are_stored_in_national_form(typed, stored):
    assert request_forms.normalize_phone(typed) == stored


@pytest.mark.parametrize("typed", ["", "06 12 34", "00 12 34 56 78", "+1 212 555 0100", "06 12 34 56 78 9", "tél"])
def test_other_phone_numbers_are_refused(typed):
    with pytest.raises(ValidationError):
        request_forms.normalize_phone(typed)


# Choosing the organisation without JavaScript, and with htmx


def test_refresh_lists_the_organizations_of_the_chosen_type_without_checking_anything(client, prefecture):
    association = OrganizationFactory(name="Les Amis du Voyage")

    response = client.post(
        URL, {**answers(), "organization_type": str(prefecture.type_id), "email": "", "refresh": "1"}
    )

    assert response.status_code == 200
    page = text(response)
    assert f'<option value="{prefecture.pk}">Préfecture de la Gironde — Gironde (33)</option>' in page
    assert association.name not in page
    assert "Votre demande n'a pas été envoyée" not in page
    assert "Ce champ est obligatoire." not in page
    assert 'value="Durand"' in page  # the answers are kept
    assert not User.objects.filter(email=REQUESTER).exists()
    assert not OutgoingEmail.objects.exists()


def test_answering_not_an_actor_hides_the_organization_part(client):
    shown = text(client.post(URL, {"request_type": "access-request", "is_actor": "oui", "refresh": "1"}))
    hidden = text(client.post(URL, {"request_type": "access-request", "is_actor": "non", "refresh": "1"}))
    contact = text(client.post(URL, {"request_type": "report", "is_actor": "oui", "refresh": "1"}))

    assert 'id="structure-legend"' in shown
    assert 'id="structure-legend"' not in hidden
    assert 'id="structure-legend"' not in contact
    assert 'id="structure"' in hidden  # the place stays, for the next change


def test_the_organization_options_follow_type_and_departement(client, prefecture, prefecture_type, haute_garonne):
    toulouse = OrganizationFactory(
        name="Préfecture de la Haute-Garonne", type=prefecture_type, departement=haute_garonne
    )
    OrganizationFactory(name="Les Amis du Voyage")

    every = text(client.get(OPTIONS_URL, {"organization_type": prefecture_type.pk}))
    gironde = text(
        client.get(OPTIONS_URL, {"organization_type": prefecture_type.pk, "organization_departement": "33"})
    )

    assert "Préfecture de la Gironde" in every
    assert toulouse.name in every
    assert "Les Amis du Voyage" not in every
    assert "Préfecture de la Gironde" in gironde
    assert toulouse.name not in gironde
    assert '<option value="autre">Ma structure n\'est pas dans la liste</option>' in gironde


def test_national_and_regional_organizations_stay_listed_in_every_departement_of_their_scope(client):
    ministry_type = OrganizationTypeFactory(uid="ministere")
    ministry = OrganizationFactory(
        name="Ministère du Logement", type=ministry_type, area_type="nation", departement=None
    )

    listed = text(client.get(OPTIONS_URL, {"organization_type": ministry_type.pk, "organization_departement": "33"}))

    assert ministry.name in listed


@pytest.mark.parametrize(
    "params",
    [{}, {"organization_type": "abc"}, {"organization_type": "9" * 40}, {"organization_departement": "\x00" * 10}],
)
def test_organization_options_with_unknown_answers_ask_for_a_type(client, params):
    response = client.get(OPTIONS_URL, params)

    assert response.status_code == 200
    assert "Choisissez d'abord un type de structure" in text(response)


def test_a_type_with_too_many_organizations_asks_for_the_departement_first(
    client, prefecture_type, monkeypatch, haute_garonne
):
    monkeypatch.setattr(request_forms, "MAX_ORGANIZATIONS_WITHOUT_DEPARTEMENT", 2)
    for name in ("Préfecture A", "Préfecture B"):
        OrganizationFactory(name=name, type=prefecture_type)
    OrganizationFactory(name="Préfecture C", type=prefecture_type, departement=haute_garonne)

    every = text(client.get(OPTIONS_URL, {"organization_type": prefecture_type.pk}))
    narrowed = text(
        client.get(OPTIONS_URL, {"organization_type": prefecture_type.pk, "organization_departement": "31"})
    )

    assert "Choisissez d'abord le département de la structure" in every
    assert "Préfecture A" not in every
    assert "Préfecture C" in narrowed


def test_organization_options_cost_the_same_queries_whatever_their_number(client, prefecture_type, haute_garonne):
    def queries():
        with CaptureQueriesContext(connection) as context:
            client.get(OPTIONS_URL, {"organization_type": prefecture_type.pk, "organization_departement": "33"})
        return len(context)

    OrganizationFactory(type=prefecture_type)
    few = queries()
    for _ in range(10):
        OrganizationFactory(type=prefecture_type)
    assert queries() == few


def test_the_form_page_costs_the_same_queries_whatever_the_number_of_organizations(client, prefecture):
    def queries():
        with CaptureQueriesContext(connection) as context:
            client.post(URL, {**answers(prefecture), "refresh": "1"})
        return len(context)

    few = queries()
    for _ in range(10):
        OrganizationFactory(type=prefecture.type)
    assert queries() == few


def test_an_address_of_the_anonymisation_domain_is_refused(client, django_capture_on_commit_callbacks, prefecture):
    reserved = "utilisateur.desactive.12@anonyme.fr"
    response = submit(
        client, django_capture_on_commit_callbacks, answers(prefecture, email=reserved, email_confirmation=reserved)
    )
    assert response.status_code == 200
    assert "réservée aux comptes anonymisés" in text(response)
    assert not User.objects.filter(email=reserved).exists()
