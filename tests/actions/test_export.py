"""The actions export (`/actions/export/`, §E.3): who may export, the sheets, sections and columns, the list's
filters, finances only on the actions whose finances the exporter reads, the journal's messages he reads, and a flat
query count."""

import datetime
import io
import zoneinfo
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from resorption.accounts.enums import Role
from resorption.actions.enums import FinanceType
from resorption.actions.journal import action_entry_delete, action_entry_post
from resorption.actions.models import ActionEntry, ActionMetrics
from resorption.journal.enums import Audience
from tests.accounts.factories import PermissionOverrideFactory, UserFactory
from tests.accounts.helpers import text
from tests.actions.factories import ActionFactory, ActionFinanceFactory

pytestmark = pytest.mark.django_db
URL = reverse("actions:export")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Columns of the finance section, in the order of the reference's finance types.
FINANCE_TITLES = [
    "Financements étatiques hors crédits dédiés — montant",
    "Financements étatiques hors crédits dédiés — dépense",
    "Crédits dédiés à la résorption des bidonvilles — montant",
    "Crédits dédiés à la résorption des bidonvilles — dépense",
    "Cofinancement collectivité territoriale — montant",
    "Cofinancement collectivité territoriale — dépense",
    "Financements européen — montant",
    "Financements européen — dépense",
    "Financements privé — montant",
    "Financements privé — dépense",
    "Autre — montant",
    "Autre — dépense",
]


def _workbook(client, query: str = ""):
    response = client.get(URL + query)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith('attachment; filename="actions-')
    return load_workbook(io.BytesIO(response.content))


def _records(sheet) -> list[dict]:
    """The data rows of a sheet as {column title: value} (row 1 holds the sections, row 2 the titles)."""
    rows = list(sheet.iter_rows(values_only=True))
    titles = rows[1]
    return [dict(zip(titles, row, strict=True)) for row in rows[2:]]


def _years_since(start: int) -> list[int]:
    """The years of an action started in `start` without an end: up to this year."""
    return list(range(start, timezone.localdate().year + 1))


# --- Who may export --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("person", ["partner", "operator", "observer", "national_actor"])
def test_who_may_not_export_gets_403_and_no_link(client, world, person):
    client.force_login(getattr(world, person))
    assert client.get(URL).status_code == 403
    page = text(client.get(reverse("actions:list")))
    assert "Exporter les actions" not in page


def test_the_list_links_to_the_export_with_its_filters(client, world):
    client.force_login(world.local_admin)
    page = text(client.get(reverse("actions:list") + "?statut=en-cours&champ=housing&page=1"))
    assert f'href="{URL}?statut=en-cours&champ=housing">Exporter les actions (xlsx)</a>' in page


# --- Content ---------------------------------------------------------------------------------------------------------


def test_one_sheet_for_all_then_one_per_departement(client, world):
    client.force_login(world.national_admin)
    workbook = _workbook(client)
    assert workbook.sheetnames == ["Tous", "Dépt 31", "Dépt 33"]
    years = _years_since(2025)
    names = (world.own.name, world.same.name, world.far.name, world.far_own.name)
    everything = {(name, year) for name in names for year in years}
    assert {(row["Nom de l'action"], row["Année"]) for row in _records(workbook["Tous"])} == everything
    assert {row["Nom de l'action"] for row in _records(workbook["Dépt 31"])} == {world.far.name, world.far_own.name}
    assert {row["Nom de l'action"] for row in _records(workbook["Dépt 33"])} == {world.own.name, world.same.name}


def test_the_local_admin_exports_his_departement_only(client, world):
    client.force_login(world.local_admin)
    workbook = _workbook(client)
    assert workbook.sheetnames == ["Tous", "Dépt 33"]
    assert {row["Nom de l'action"] for row in _records(workbook["Tous"])} == {world.own.name, world.same.name}


def test_sections_and_values_of_a_row(client, world):
    action = ActionFactory(
        name="Médiation scolaire",
        started_at=datetime.date(2024, 3, 1),
        ended_at=datetime.date(2025, 6, 30),
        topic_housing=False,
        topic_school=True,
        goals="Scolariser les enfants du site.",
        managers=[world.partner],
        operators=[world.operator],
    )
    ActionMetrics.objects.create(
        action=action,
        year=2024,
        nombre_personnes=40,
        nombre_menages=10,
        nombre_femmes=18,
        nombre_mineurs=20,
        scolaire_mineurs_trois_ans_et_plus=15,
        scolaire_nombre_maternelle=3,
        scolaire_nombre_elementaire=5,
        scolaire_nombre_college=2,
        scolaire_nombre_autre=4,
    )
    ActionFinanceFactory(action=action, year=2024, finance_type=FinanceType.DEDIE, amount=Decimal("10000.50"))
    ActionFinanceFactory(
        action=action, year=2024, finance_type=FinanceType.DEDIE, amount=Decimal("2000"), real_amount=Decimal("500")
    )
    ActionFinanceFactory(
        action=action, year=2025, finance_type=FinanceType.PRIVE, amount=Decimal("300"), real_amount=Decimal("0")
    )
    client.force_login(world.national_admin)
    sheet = _workbook(client, "?q=Médiation")["Tous"]
    rows = list(sheet.iter_rows(values_only=True))

    sections = [(index, value) for index, value in enumerate(rows[0]) if value]
    assert [value for _, value in sections] == [
        "ACTION",
        "OPÉRATEURS",
        "INDICATEURS GÉNÉRAUX",
        "SANTÉ",
        "EMPLOI",
        "HÉBERGEMENT/LOGEMENT",
        "SCOLARISATION",
        "FINANCEMENT",
        "COMMENTAIRES",
        "MISE À JOUR",
    ]
    titles = rows[1]
    assert titles[:14] == (
        "Département",
        "Nom du département",
        "Code région",
        "Région",
        "ID action",
        "Nom de l'action",
        "Année",
        "Statut",
        "Date de début",
        "Date de fin",
        "Lieu",
        "Précision du lieu",
        "Champs d'intervention",
        "Objectifs",
    )
    finance_start = dict((value, index) for index, value in sections)["FINANCEMENT"]
    assert list(titles[finance_start : finance_start + 12]) == FINANCE_TITLES
    comments_start = dict((value, index) for index, value in sections)["COMMENTAIRES"]
    assert list(titles[comments_start:]) == [
        "Commentaires",
        "Dernier commentaire",
        "Date du dernier commentaire",
        "Action mise à jour le",
        "Indicateurs mis à jour le",
    ]

    first, second = _records(sheet)
    assert (first["Année"], second["Année"]) == (2024, 2025)
    assert first["Département"] == "33" and first["Région"] == "Nouvelle-Aquitaine"
    assert first["ID action"] == action.pk and first["Statut"] == "Terminée"
    assert first["Date de début"].date() == datetime.date(2024, 3, 1)
    assert first["Date de fin"].date() == datetime.date(2025, 6, 30)
    assert first["Lieu"] == "Autre" and first["Précision du lieu"] == "Locaux de l'association"
    assert first["Champs d'intervention"] == "Éducation et scolarisation"
    assert first["Pilotes"] == f"{world.partner.full_name} (Préfecture de la Gironde)"
    assert first["Opérateurs"] == f"{world.operator.full_name} (Association Rives)"
    assert first["Nombre de personnes accompagnées"] == 40
    assert first["Nombre de mineurs accompagnés"] == 20
    assert first["Nombre d'enfants scolarisés en élémentaire"] == 5
    # maternelle 3 + élémentaire 5 + collège 2; the 4 in an insertion scheme are not schooled
    assert first["Total des mineurs scolarisés (hors dispositif d'insertion)"] == 10
    assert first["Crédits dédiés à la résorption des bidonvilles — montant"] == 12000.5
    assert first["Crédits dédiés à la résorption des bidonvilles — dépense"] == 12500
    assert first["Financements privé — montant"] is None
    assert first["Indicateurs mis à jour le"] is not None
    assert second["Nombre de personnes accompagnées"] is None  # no indicators in 2025
    assert second["Total des mineurs scolarisés (hors dispositif d'insertion)"] is None
    assert second["Financements privé — montant"] == 300
    assert second["Crédits dédiés à la résorption des bidonvilles — montant"] is None
    # No message in the action's journal: the comment cells stay empty.
    assert (first["Commentaires"], first["Dernier commentaire"], first["Date du dernier commentaire"]) == (
        None,
        None,
        None,
    )


def test_amounts_are_in_euros_and_text_never_becomes_a_formula(client, world):
    ActionFactory(name='=HYPERLINK("http://exemple.test")', managers=[world.partner], operators=[world.operator])
    ActionFinanceFactory(action=world.own, year=2025)
    client.force_login(world.national_admin)
    sheet = _workbook(client)["Tous"]
    rows = list(sheet.iter_rows())
    titles = [cell.value for cell in rows[1]]
    names = [row[titles.index("Nom de l'action")] for row in rows[2:]]
    formula = next(cell for cell in names if str(cell.value).startswith("="))
    assert formula.data_type == "s"
    own = next(row for row in rows[2:] if row[titles.index("Nom de l'action")].value == world.own.name)
    amount = own[titles.index("Crédits dédiés à la résorption des bidonvilles — montant")]
    assert amount.value == 48250
    assert "€" in amount.number_format


def test_the_export_applies_the_list_filters(client, world):
    ActionFactory(name="Action terminée", finished=True)
    client.force_login(world.national_admin)
    records = _records(_workbook(client, "?statut=terminee")["Tous"])
    assert {row["Nom de l'action"] for row in records} == {"Action terminée"}
    records = _records(_workbook(client, "?localisation=31&q=pilotée")["Tous"])
    assert {row["Nom de l'action"] for row in records} == {world.far_own.name}


def test_a_place_the_exporter_may_not_export_narrows_to_nothing(client, world):
    """The partner reads `far_own` (Haute-Garonne) through his organisation, so the list offers « 31 »; allowed to
    export on his territory (the Gironde) only, filtering on 31 exports nothing rather than dropping the filter."""
    PermissionOverrideFactory(user=world.partner, key="action.export")
    client.force_login(world.partner)
    assert _records(_workbook(client, "?localisation=31")["Tous"]) == []


# --- Finances --------------------------------------------------------------------------------------------------------


def _finance_cells(record: dict) -> list:
    return [record[title] for title in FINANCE_TITLES]


def test_finance_columns_only_for_the_actions_whose_finances_the_exporter_reads(client, world):
    """The partner, allowed to export on his territory, reads the finances of the action his organisation pilots
    (`own`), not those of the other Gironde action (`same`): its finance cells are empty, never an amount."""
    PermissionOverrideFactory(user=world.partner, key="action.export")
    for action in (world.own, world.same):
        ActionFinanceFactory(action=action, year=2025, amount=Decimal("777.00"), real_amount=Decimal("111.00"))
    client.force_login(world.partner)
    records = _records(_workbook(client)["Tous"])
    assert {row["Nom de l'action"] for row in records} == {world.own.name, world.same.name}
    own = next(row for row in records if row["Nom de l'action"] == world.own.name and row["Année"] == 2025)
    same = [row for row in records if row["Nom de l'action"] == world.same.name]
    assert own["Crédits dédiés à la résorption des bidonvilles — montant"] == 777
    assert own["Crédits dédiés à la résorption des bidonvilles — dépense"] == 111
    assert same and all(cell is None for row in same for cell in _finance_cells(row))


def test_an_exporter_without_finance_rights_gets_no_amount_at_all(client, world):
    correspondent = UserFactory(role=Role.DIRECT_COLLABORATOR)
    PermissionOverrideFactory(user=correspondent, key="action_finances.access", allowed=False)
    ActionFinanceFactory(action=world.own, year=2025, amount=Decimal("777.00"))
    client.force_login(correspondent)
    response = client.get(URL)
    records = _records(load_workbook(io.BytesIO(response.content))["Tous"])
    assert records and all(cell is None for row in records for cell in _finance_cells(row))


# --- Comments --------------------------------------------------------------------------------------------------------

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def _post(author, action, body: str, moment: datetime.datetime, **values) -> ActionEntry:
    """A message posted by `author` in the action's journal, dated `moment`."""
    entry = action_entry_post(user=author, action_id=action.pk, body=body, **values)
    ActionEntry.objects.filter(pk=entry.pk).update(created_at=moment)
    return entry


def _rows_of(records: list[dict], action) -> list[dict]:
    return [row for row in records if row["ID action"] == action.pk]


def test_the_comments_columns_hold_the_messages_oldest_first(client, world):
    # Posted in another order than their dates: the export follows the dates.
    _post(
        world.national_admin,
        world.own,
        "Bilan du trimestre envoyé.",
        datetime.datetime(2025, 4, 1, 16, 45, tzinfo=PARIS),
    )
    _post(
        world.partner,
        world.own,
        "Premier échange avec les familles.",
        datetime.datetime(2025, 2, 10, 10, tzinfo=PARIS),
    )
    # 23:30 in UTC is already the next day in Paris; its author's account is gone since.
    gone = _post(
        world.operator,
        world.own,
        "Point sur la scolarisation.",
        datetime.datetime(2025, 3, 4, 23, 30, tzinfo=datetime.UTC),
    )
    ActionEntry.objects.filter(pk=gone.pk).update(author=None)
    client.force_login(world.national_admin)
    records = _records(_workbook(client)["Tous"])

    own = _rows_of(records, world.own)
    assert [row["Année"] for row in own] == _years_since(2025)  # every year of the action shows its comments
    admin = world.national_admin
    expected = (
        f"10/02/2025 — {world.partner.full_name} (Préfecture de la Gironde) : Premier échange avec les familles.\n\n"
        "05/03/2025 — Utilisateur supprimé : Point sur la scolarisation.\n\n"
        f"01/04/2025 — {admin.full_name} ({admin.organization.name}) : Bilan du trimestre envoyé."
    )
    for row in own:
        assert row["Commentaires"] == expected
        assert row["Dernier commentaire"] == "Bilan du trimestre envoyé."
        assert row["Date du dernier commentaire"] == datetime.datetime(2025, 4, 1, 16, 45, tzinfo=PARIS).replace(
            tzinfo=None
        )
    # Another action's rows do not get them.
    assert all(row["Commentaires"] is None for row in _rows_of(records, world.same))


def test_a_targeted_message_reaches_only_the_export_of_its_audience(client, world):
    """The national admin writes to the local admin alone: the correspondent, who exports the Gironde actions and
    reads their public messages, never gets it; the local admin does."""
    _post(world.partner, world.own, "Message pour tous.", datetime.datetime(2025, 5, 1, 9, tzinfo=PARIS))
    _post(
        world.national_admin,
        world.own,
        "Message pour l'administrateur local.",
        datetime.datetime(2025, 5, 2, 9, tzinfo=PARIS),
        audience=Audience.CUSTOM,
        target_user_ids=[world.local_admin.pk],
    )

    client.force_login(world.correspondent)
    (row, *_) = _rows_of(_records(_workbook(client)["Tous"]), world.own)
    assert "Message pour tous." in row["Commentaires"]
    assert "Message pour l'administrateur local." not in row["Commentaires"]
    assert row["Dernier commentaire"] == "Message pour tous."
    assert row["Date du dernier commentaire"] == datetime.datetime(2025, 5, 1, 9, tzinfo=PARIS).replace(tzinfo=None)

    client.force_login(world.local_admin)
    (row, *_) = _rows_of(_records(_workbook(client)["Tous"]), world.own)
    assert "Message pour tous." in row["Commentaires"]
    assert "Message pour l'administrateur local." in row["Commentaires"]
    assert row["Dernier commentaire"] == "Message pour l'administrateur local."


def test_a_deleted_message_is_not_exported(client, world):
    _post(world.partner, world.own, "Message conservé.", datetime.datetime(2025, 5, 1, 9, tzinfo=PARIS))
    deleted = _post(world.partner, world.own, "Message supprimé.", datetime.datetime(2025, 5, 2, 9, tzinfo=PARIS))
    action_entry_delete(user=world.partner, action_id=world.own.pk, entry_id=deleted.pk)
    client.force_login(world.national_admin)
    (row, *_) = _rows_of(_records(_workbook(client)["Tous"]), world.own)
    assert (
        row["Commentaires"] == f"01/05/2025 — {world.partner.full_name} (Préfecture de la Gironde) : Message conservé."
    )
    assert row["Dernier commentaire"] == "Message conservé."


# --- Cost ------------------------------------------------------------------------------------------------------------


def _queries(client, url: str) -> list[str]:
    client.get(url)  # warm-up: the first page may renew the session
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]


@pytest.mark.parametrize("person", ["national_admin", "local_admin"])
def test_the_export_query_count_stays_flat(client, world, person):
    client.force_login(getattr(world, person))
    url = URL + "?statut=en-cours&q=a"
    few = _queries(client, url)
    for index in range(8):
        action = ActionFactory(
            name=f"Action numéro {index}",
            managers=[world.partner, UserFactory()],
            operators=[world.operator, UserFactory(), UserFactory()],
        )
        ActionFinanceFactory(action=action, year=2025)
        ActionFinanceFactory(action=action, year=2025, finance_type=FinanceType.PRIVE)
        ActionMetrics.objects.create(action=action, year=2025, nombre_personnes=5)
    many = _queries(client, url)
    assert len(many) == len(few), many
    assert len(few) <= 13, few


def _followed_action(world, index: int):
    """An action of the Gironde with messages from several authors, one of them targeted at the local admin."""
    action = ActionFactory(name=f"Suivi des familles {index}", managers=[world.partner], operators=[world.operator])
    day = datetime.datetime(2025, 6, 1, 9, tzinfo=PARIS)
    _post(world.partner, action, f"Premier message {index}.", day)
    _post(world.national_admin, action, f"Deuxième message {index}.", day + datetime.timedelta(days=1))
    _post(
        world.national_admin,
        action,
        f"Message ciblé {index}.",
        day + datetime.timedelta(days=2),
        audience=Audience.CUSTOM,
        target_user_ids=[world.local_admin.pk],
    )
    return action


@pytest.mark.parametrize("person", ["national_admin", "local_admin"])
def test_the_comments_cost_the_same_queries_for_one_action_or_three(client, world, person):
    client.force_login(getattr(world, person))
    url = URL + "?q=Suivi des familles"
    _followed_action(world, 0)
    one = _queries(client, url)
    for index in (1, 2):
        _followed_action(world, index)
    three = _queries(client, url)
    assert len(three) == len(one), three
    records = _records(_workbook(client, "?q=Suivi des familles")["Tous"])
    assert {row["Dernier commentaire"] for row in records} == {f"Message ciblé {index}." for index in range(3)}
