"""« Signaler un site » (`/sites/signaler/`, §C.11): emailed to the admins of the département, never stored."""

import html
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from resorption.accounts.enums import AdminRole, Role
from resorption.emails.models import OutgoingEmail
from resorption.settlements.models import Site
from tests.accounts.factories import OrganizationFactory, PermissionOverrideFactory, UserFactory
from tests.territories.factories import CommuneFactory, DepartementFactory, RegionFactory

pytestmark = pytest.mark.django_db
URL = reverse("settlements:report")


def text(response) -> str:
    return html.unescape(response.content.decode())


def report_data(**overrides) -> dict:
    data = {
        "address": "Chemin des Vignes",
        "commune": "33063",
        "latitude": "44.85",
        "longitude": "-0.57",
        "name": "Terrain des Vignes",
        "field_type": "land",
        "population_total": "25",
        "notes": "Installation depuis deux semaines, pas d'accès à l'eau.",
    }
    data.update(overrides)
    return data


@pytest.fixture
def bordeaux():
    return CommuneFactory()


@pytest.fixture
def haute_garonne():
    return DepartementFactory(code="31", name="Haute-Garonne", region=RegionFactory(code="76", name="Occitanie"))


@pytest.fixture
def reporter(bordeaux):
    return UserFactory(role=Role.INTERVENER, first_name="Hugo", last_name="Garcia", email="hugo.garcia@exemple.test")


@pytest.fixture
def local_admin():
    """The local admin of Gironde."""
    return UserFactory(
        role=Role.DIRECT_COLLABORATOR,
        admin_role=AdminRole.LOCAL_ADMIN,
        first_name="Louis",
        email="admin.gironde@exemple.test",
    )


@pytest.fixture
def national_admin(haute_garonne):
    return UserFactory(
        role=Role.NATIONAL_ESTABLISHMENT,
        admin_role=AdminRole.NATIONAL_ADMIN,
        email="admin.national@exemple.test",
        organization=OrganizationFactory(departement=haute_garonne),
    )


@pytest.fixture
def logged_in(client, reporter):
    client.force_login(reporter)
    return client


def emails(template):
    return list(OutgoingEmail.objects.filter(template=template))


def test_every_role_opens_the_report_form(client):
    for role in Role:
        client.force_login(UserFactory(role=role))
        response = client.get(URL)
        assert response.status_code == 200, role
        assert "Signaler un site" in text(response)


def test_an_anonymous_visitor_is_sent_to_login():
    response = Client().post(URL, report_data())

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not OutgoingEmail.objects.exists()


def test_someone_refused_the_report_permission_gets_403(client, reporter):
    PermissionOverrideFactory(user=reporter, key="shantytown.report", allowed=False)
    client.force_login(reporter)

    assert client.get(URL).status_code == 403
    assert client.post(URL, report_data()).status_code == 403
    assert not OutgoingEmail.objects.exists()


def test_the_report_goes_to_the_local_admins_of_the_departement_with_a_prefilled_link(
    logged_in, reporter, local_admin, national_admin, haute_garonne
):
    UserFactory(admin_role=AdminRole.LOCAL_ADMIN, organization=OrganizationFactory(departement=haute_garonne))
    UserFactory(admin_role=AdminRole.LOCAL_ADMIN, inactive=True)

    response = logged_in.post(URL, report_data(), follow=True)

    assert response.redirect_chain == [(reverse("settlements:list"), 302)]
    assert "Votre signalement du site situé Chemin des Vignes, à Bordeaux, a été transmis" in text(response)
    [admin_email] = emails("site_report_admin")
    assert admin_email.to == ["admin.gironde@exemple.test"]
    assert admin_email.reply_to == ["hugo.garcia@exemple.test"]
    assert admin_email.subject == "Signalement d'un site à Bordeaux (33)"
    body = admin_email.body_text
    assert "Bonjour Louis," in body
    assert f"Hugo Garcia ({reporter.organization.name}) signale un site" in body
    assert "Adresse : Chemin des Vignes" in body
    assert "Commune : Bordeaux (33063), Gironde" in body
    assert "Coordonnées GPS : 44.85, -0.57" in body
    assert "Nombre de personnes : 25" in body
    assert "pas d'accès à l'eau" in body

    link = next(line for line in body.splitlines() if "/sites/nouveau/" in line)
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}" == settings.BASE_URL
    assert parts.path == reverse("settlements:declare") == "/sites/nouveau/"
    assert parse_qs(parts.query) == {
        "address": ["Chemin des Vignes"],
        "commune": ["33063"],
        "latitude": ["44.85"],
        "longitude": ["-0.57"],
        "name": ["Terrain des Vignes"],
        "field_type": ["land"],
        "population_total": ["25"],
    }
    assert f'href="{html.escape(link)}"' in admin_email.body_html

    [confirmation] = emails("site_report_confirmation")
    assert confirmation.to == ["hugo.garcia@exemple.test"]
    assert confirmation.subject == "Votre signalement de site a bien été transmis"
    assert "Chemin des Vignes, à Bordeaux (33)" in confirmation.body_text
    assert not Site.objects.exists()


def test_the_link_leaves_out_what_was_not_given(logged_in, local_admin):
    logged_in.post(URL, report_data(latitude="", longitude="", name="", population_total="", notes=""))

    [admin_email] = emails("site_report_admin")
    link = next(line for line in admin_email.body_text.splitlines() if "/sites/nouveau/" in line)
    assert parse_qs(urlsplit(link).query) == {
        "address": ["Chemin des Vignes"],
        "commune": ["33063"],
        "field_type": ["land"],
    }
    assert "Coordonnées GPS" not in admin_email.body_text
    assert "Nombre de personnes : inconnu" in admin_email.body_text


def test_without_local_admin_the_national_admins_receive_it(logged_in, national_admin):
    logged_in.post(URL, report_data())

    assert [email.to for email in emails("site_report_admin")] == [["admin.national@exemple.test"]]


def test_without_any_admin_the_team_mailbox_receives_it(logged_in):
    logged_in.post(URL, report_data())

    assert [email.to for email in emails("site_report_admin")] == [[settings.CONTACT_EMAIL]]


def test_an_admin_reporting_is_not_sent_his_own_report(client, bordeaux, local_admin, national_admin):
    client.force_login(local_admin)
    client.post(URL, report_data())

    assert [email.to for email in emails("site_report_admin")] == [["admin.national@exemple.test"]]


def test_the_emails_are_delivered_after_commit(logged_in, local_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        logged_in.post(URL, report_data())

    assert sorted(message.to[0] for message in mail.outbox) == [
        "admin.gironde@exemple.test",
        "hugo.garcia@exemple.test",
    ]
    [to_admin] = [message for message in mail.outbox if message.to == ["admin.gironde@exemple.test"]]
    assert to_admin.reply_to == ["hugo.garcia@exemple.test"]


@pytest.mark.parametrize(
    ("term", "found"),
    [
        ("Bordeaux", "Bordeaux (33)"),
        ("bordeaux", "Bordeaux (33)"),
        ("33063", "Bordeaux (33)"),
        ("33000", "Bordeaux (33)"),  # a postal code of one commune only
        ("97411", "Saint-Denis (974)"),
        ("saint denis", "Saint-Denis (974)"),
    ],
)
def test_the_commune_is_found_by_code_postal_code_or_name(client, national_admin, bordeaux, term, found):
    CommuneFactory(overseas=True)  # Saint-Denis, La Réunion
    client.force_login(national_admin)  # may report anywhere

    client.post(URL, report_data(commune=term))

    [confirmation] = emails("site_report_confirmation")
    assert f"Chemin des Vignes, à {found}" in confirmation.body_text


def test_an_ambiguous_commune_name_asks_for_the_insee_code(logged_in):
    CommuneFactory(overseas=True)  # Saint-Denis (974)
    seine_saint_denis = DepartementFactory(code="93", name="Seine-Saint-Denis", region=RegionFactory(code="11"))
    CommuneFactory(code="93066", name="Saint-Denis", departement=seine_saint_denis, postal_codes="93200")

    response = logged_in.post(URL, report_data(commune="Saint-Denis"))

    assert response.status_code == 200
    page = text(response)
    start = page.find('id="id_commune-desc-error"')
    assert start != -1
    error = page[start : start + 600]
    assert "Plusieurs communes correspondent à « Saint-Denis » : indiquez son code INSEE" in error
    assert "Saint-Denis (93) : 93066" in error and "Saint-Denis (974) : 97411" in error
    assert not OutgoingEmail.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"address": "  "}, "address", "L'adresse du site est obligatoire."),
        ({"commune": ""}, "commune", "Indiquez la commune du site."),
        ({"commune": "Atlantide"}, "commune", "Aucune commune ne correspond à « Atlantide »."),
        ({"commune": "99999"}, "commune", "Aucune commune n'a le code INSEE ou le code postal « 99999 »."),
        ({"longitude": ""}, "longitude", "Indiquez la latitude et la longitude, ou aucune des deux."),
        ({"latitude": "91"}, "latitude", "La latitude doit être comprise entre -90 et 90."),
        ({"longitude": "abc"}, "longitude", "Saisissez un nombre."),
        ({"name": "x" * 36}, "name", "Assurez-vous que cette valeur comporte au plus 35 caractères"),
        ({"name": "<script>"}, "name", "L'appellation du site ne peut pas contenir les caractères < et >."),
        ({"population_total": "0"}, "population_total", "Saisissez un nombre entre 1 et 100\u00a0000."),
        ({"population_total": "9" * 30}, "population_total", "Saisissez un nombre entre 1 et 100\u00a0000."),
        ({"latitude": "1e400"}, "latitude", "Saisissez un nombre."),
        ({"field_type": "castle"}, "field_type", "Sélectionnez un choix valide."),
    ],
)
def test_bad_input_is_shown_next_to_its_field_and_nothing_is_sent(logged_in, local_admin, overrides, field, message):
    response = logged_in.post(URL, report_data(**overrides))

    assert response.status_code == 200
    page = text(response)
    start = page.find(f'id="id_{field}-desc-error"')
    assert start != -1 and message in page[start : start + 600], (field, message)
    assert not OutgoingEmail.objects.exists()


def test_the_form_points_declarers_to_the_declaration(client):
    client.force_login(UserFactory(role=Role.DIRECT_COLLABORATOR))
    assert 'href="/sites/nouveau/"' in client.get(URL).content.decode()

    client.force_login(UserFactory(role=Role.INTERVENER))
    assert 'href="/sites/nouveau/"' not in client.get(URL).content.decode()


def test_a_site_outside_the_reporters_territory_is_refused_next_to_the_commune_and_nobody_is_emailed(
    logged_in, local_admin, haute_garonne
):
    toulouse = CommuneFactory(code="31555", name="Toulouse", departement=haute_garonne)
    UserFactory(admin_role=AdminRole.LOCAL_ADMIN, organization=OrganizationFactory(departement=haute_garonne))

    response = logged_in.post(URL, report_data(commune=toulouse.code))

    assert response.status_code == 200
    assert "Vous ne pouvez signaler un site que sur votre territoire d'intervention" in text(response)
    assert not OutgoingEmail.objects.exists()


def test_a_national_admin_reports_anywhere(client, national_admin, bordeaux):
    client.force_login(national_admin)  # of an organisation of Haute-Garonne

    response = client.post(URL, report_data())  # in Bordeaux

    assert response.status_code == 302
    assert emails("site_report_admin")
