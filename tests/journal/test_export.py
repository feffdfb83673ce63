"""The journal export (xlsx): who may export, the audience rule of targeted messages (§A.6), columns and values read
back with openpyxl, filters, query budget."""

import datetime
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from openpyxl import load_workbook

from resorption.accounts.enums import AdminRole, AreaType, Role
from resorption.journal.enums import Audience
from resorption.journal.export import COLUMNS
from tests.accounts.factories import OrganizationFactory, PermissionOverrideFactory, UserFactory
from tests.journal.factories import JournalEntryFactory, TagFactory
from tests.settlements.factories import SiteFactory
from tests.territories.factories import CommuneFactory, DepartementFactory, RegionFactory

pytestmark = pytest.mark.django_db

URL = reverse("journal:export")
SECRET = "Réunion confidentielle avec la préfecture mardi"


def exporter(**kwargs):
    """A user of Gironde given « Exporter les messages des journaux » by an exception, without the right to read
    every targeted message (unlike admins)."""
    user = UserFactory(role=Role.ASSOCIATION, **kwargs)
    PermissionOverrideFactory(user=user, key="shantytown_comment.export")
    return user


def export_rows(client, user, **query) -> list[tuple]:
    client.force_login(user)
    response = client.get(URL, query)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [tuple(cell.value for cell in row) for row in sheet.iter_rows()]


def messages_of(rows) -> list[str]:
    return [row[-1] for row in rows[1:]]


@pytest.fixture
def local_admin():
    return UserFactory(role=Role.DIRECT_COLLABORATOR, admin_role=AdminRole.LOCAL_ADMIN)


# Who may export ------------------------------------------------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_login():
    response = Client().get(URL)

    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", [Role.ASSOCIATION, Role.DIRECT_COLLABORATOR, Role.EXTERNAL_OBSERVER])
def test_users_without_the_export_right_are_refused(client, role):
    client.force_login(UserFactory(role=role))

    assert client.get(URL).status_code == 403


def test_a_local_admin_exports_the_messages_of_his_territory_only(client, local_admin, author, outsider):
    JournalEntryFactory(author=author, body="À Bordeaux.")
    JournalEntryFactory(site=SiteFactory(commune=_toulouse()), author=outsider, body="À Toulouse.")

    assert messages_of(export_rows(client, local_admin)) == ["À Bordeaux."]


def test_a_national_admin_exports_every_territory(client, author, outsider):
    nation = OrganizationFactory(area_type=AreaType.NATION, departement=None)
    national_admin = UserFactory(organization=nation, admin_role=AdminRole.NATIONAL_ADMIN, role=Role.COLLABORATOR)
    JournalEntryFactory(author=author, body="À Bordeaux.")
    JournalEntryFactory(site=SiteFactory(commune=_toulouse()), author=outsider, body="À Toulouse.")

    assert sorted(messages_of(export_rows(client, national_admin))) == ["À Bordeaux.", "À Toulouse."]


def _toulouse():
    haute_garonne = DepartementFactory(code="31", name="Haute-Garonne", region=RegionFactory(code="76"))
    return CommuneFactory(code="31555", name="Toulouse", departement=haute_garonne, postal_codes="31000")


# Audience (§A.6) -----------------------------------------------------------------------------------------------------


def test_a_targeted_message_is_exported_for_its_target_and_never_for_someone_else(client, site, author):
    target, bystander = exporter(), exporter()
    JournalEntryFactory(site=site, author=author, targeted=True, target_users=[target], body=SECRET)
    JournalEntryFactory(site=site, author=author, body="Message public.")

    assert sorted(messages_of(export_rows(client, target))) == ["Message public.", SECRET]
    assert messages_of(export_rows(client, bystander)) == ["Message public."]


def test_a_message_to_an_organisation_is_exported_for_its_members(client, site, author):
    member = exporter()
    colleague = UserFactory(organization=member.organization, role=Role.ASSOCIATION)
    PermissionOverrideFactory(user=colleague, key="shantytown_comment.export")
    JournalEntryFactory(
        site=site, author=author, targeted=True, target_organizations=[member.organization], body=SECRET
    )

    assert messages_of(export_rows(client, colleague)) == [SECRET]


def test_deleted_messages_are_not_exported(client, local_admin, site):
    JournalEntryFactory(site=site, body="Retiré", deleted_at=timezone.now())
    JournalEntryFactory(site=site, body="Gardé")

    assert messages_of(export_rows(client, local_admin)) == ["Gardé"]


# Columns and values --------------------------------------------------------------------------------------------------


def test_columns_and_values_read_back(client, local_admin, site, author, target, prefecture):
    canicule = TagFactory(uid="canicule", label="Canicule")
    JournalEntryFactory(
        site=site,
        author=author,
        health=True,
        health_date=datetime.date(2026, 7, 14),
        audience=Audience.CUSTOM,
        target_users=[target],
        target_organizations=[prefecture],
        tags=[canicule],
        body="Forte chaleur,\ndistribution d'eau.",
        created_at=datetime.datetime(2026, 7, 15, 8, 30, tzinfo=datetime.UTC),
    )

    header, row = export_rows(client, local_admin)

    assert header == tuple(column.title for column in COLUMNS)
    values = dict(zip(header, row, strict=True))
    assert values["Date"].isoformat() == "2026-07-15T10:30:00"  # 08:30 UTC: Paris time, without offset
    assert values["Département"] == "Gironde (33)"
    assert values["Commune"] == "Bordeaux"
    assert values["Site"] == site.display_name
    assert values["Auteur"] == "Alix Auteur"
    assert values["Structure"] == author.organization.name
    assert values["Destinataires"] == "Une liste personnalisée de structures et de personnes"
    assert values["Structures et personnes ciblées"] == (
        f"Préfecture de la Gironde, Théo Destinataire ({target.organization.name})"
    )
    assert values["Type"] == "Suivi sanitaire"
    assert values["Étiquettes"] == "Canicule"
    assert values["Date de l'intervention"].isoformat() == "2026-07-14T00:00:00"
    assert values["Interventions"] == "Équipe de maraude, Sensibilisation à la vaccination"
    assert values["Message"] == "Forte chaleur,\ndistribution d'eau."


def test_a_public_message_of_a_deleted_account(client, local_admin, site):
    JournalEntryFactory(site=site, author=None, body="Ancien message.")

    header, row = export_rows(client, local_admin)

    values = dict(zip(header, row, strict=True))
    assert values["Auteur"] == "Utilisateur supprimé" and values["Structure"] is None
    assert values["Destinataires"] == "Tous les intervenants du site" and values["Type"] == "Message"
    assert values["Date de l'intervention"] is None


def test_a_message_looking_like_a_formula_stays_text(client, local_admin, site):
    JournalEntryFactory(site=site, body='=HYPERLINK("http://exemple.test","cliquez")')
    client.force_login(local_admin)

    sheet = load_workbook(io.BytesIO(client.get(URL).content)).active

    message = sheet.cell(row=2, column=len(COLUMNS))
    assert message.value == '=HYPERLINK("http://exemple.test","cliquez")' and message.data_type == "s"


def test_the_file_is_named_with_the_date(client, local_admin):
    client.force_login(local_admin)

    response = client.get(URL)

    assert response["Content-Disposition"] == (
        f'attachment; filename="journal-des-sites-{timezone.localdate():%Y-%m-%d}.xlsx"'
    )


# Filters -------------------------------------------------------------------------------------------------------------


def test_filters_by_departement_and_dates(client, author, outsider):
    nation = OrganizationFactory(area_type=AreaType.NATION, departement=None)
    national_admin = UserFactory(organization=nation, admin_role=AdminRole.NATIONAL_ADMIN, role=Role.COLLABORATOR)
    paris = datetime.timezone(datetime.timedelta(hours=2))
    JournalEntryFactory(author=author, body="Juin", created_at=datetime.datetime(2026, 6, 30, 23, 30, tzinfo=paris))
    JournalEntryFactory(
        author=author, body="1er juillet", created_at=datetime.datetime(2026, 7, 1, 0, 5, tzinfo=paris)
    )
    JournalEntryFactory(
        author=author, body="31 juillet", created_at=datetime.datetime(2026, 7, 31, 23, 0, tzinfo=paris)
    )
    JournalEntryFactory(author=author, body="Août", created_at=datetime.datetime(2026, 8, 1, 0, 0, tzinfo=paris))
    JournalEntryFactory(site=SiteFactory(commune=_toulouse()), author=outsider, body="Toulouse")

    assert sorted(messages_of(export_rows(client, national_admin, departement="33"))) == [
        "1er juillet",
        "31 juillet",
        "Août",
        "Juin",
    ]
    assert messages_of(export_rows(client, national_admin, departement="33", du="01/07/2026", au="2026-07-31")) == [
        "31 juillet",
        "1er juillet",
    ]
    assert messages_of(export_rows(client, national_admin, departement="31")) == ["Toulouse"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"du": "32/01/2026"}, "Du : Saisissez une date au format JJ/MM/AAAA."),
        ({"au": "demain"}, "Au : Saisissez une date au format JJ/MM/AAAA."),
        ({"du": "10/07/2026", "au": "01/07/2026"}, "Au : La date de fin ne peut pas précéder la date de début."),
        ({"departement": "99"}, "Département : Le département « 99 » n'existe pas."),
        # Dates out of what date arithmetic handles (a server error before): bounded like every date of a form.
        ({"du": "0001-01-01"}, "Du : Saisissez une date entre le 01/01/1900 et le 31/12/2100."),
        ({"au": "31/12/9999"}, "Au : Saisissez une date entre le 01/01/1900 et le 31/12/2100."),
    ],
)
def test_wrong_filters_are_a_400_in_french(client, local_admin, query, message):
    client.force_login(local_admin)

    response = client.get(URL, query)

    assert response.status_code == 400
    html = response.content.decode()
    assert "Demande incorrecte" in html  # the platform's French 400 page, not a bare text
    assert f"<li>{escape(message)}</li>" in html


# Query budget --------------------------------------------------------------------------------------------------------


def _entries(site, count, targets):
    tag = TagFactory()
    for number in range(count):
        JournalEntryFactory(site=site, targeted=True, target_users=targets, body=f"Ciblé {number}", tags=[tag])
        JournalEntryFactory(site=site, health=True, body=f"Sanitaire {number}")


def test_the_query_count_does_not_grow_with_the_rows(client, local_admin, site, target, django_assert_num_queries):
    client.force_login(local_admin)
    _entries(site, 1, [target])
    client.get(URL)  # warm-up: the session and permission queries of a first request are not the export's

    with CaptureQueriesContext(connection) as few:
        assert len(messages_of(_rows(client.get(URL)))) == 2
    _entries(site, 10, [target, local_admin])

    with django_assert_num_queries(len(few)):
        assert len(messages_of(_rows(client.get(URL)))) == 22


def _rows(response) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [tuple(cell.value for cell in row) for row in sheet.iter_rows()]
