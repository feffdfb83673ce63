"""The site export's file (§H.4), read back with openpyxl: confidential sections per right and per site (§A.6),
targeted journal messages, exports at a past date (§C.8), the list's selection, closed sites, queries per batch."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from resorption.accounts.enums import AdminRole, AreaType, Role
from resorption.exports import services
from resorption.exports.enums import ExportStatus
from resorption.exports.models import SiteExport
from resorption.settlements import filters
from resorption.settlements.enums import ClosingSolution, FieldType, OwnerType, SiteStatus
from resorption.settlements.models import SiteActor
from tests.accounts.factories import OrganizationFactory, UserFactory
from tests.journal.factories import JournalEntryFactory
from tests.settlements.factories import ClosingOrientationFactory, SiteFactory, SiteOwnerFactory
from tests.territories.factories import CommuneFactory, DepartementFactory, RegionFactory

pytestmark = pytest.mark.django_db

EVERYWHERE = "localisation="  # « Tous vos territoires »: without it the list opens on the user's main area
BAILIFF = "Étude Durand"  # SiteFactory(with_justice=True)
JUSTICE_TITLES = (
    "Existence d'une procédure judiciaire",
    "Nom de l'étude d'huissiers",
    "Concours de la force publique",
)
SECRET = "Réunion confidentielle avec la préfecture mardi"
MESSAGES = "Derniers messages (5 au plus)"
UTC = datetime.UTC


@pytest.fixture
def operator():
    """An opérateur of Gironde: exports the sites of Gironde, without justice, owners or others' targeted messages."""
    return UserFactory(role=Role.ASSOCIATION, first_name="Olga", last_name="Opératrice")


@pytest.fixture
def correspondent():
    """A correspondant of Gironde: exports nationally, reads every procedure, the owners and targeted messages of
    Gironde."""
    return UserFactory(role=Role.DIRECT_COLLABORATOR, first_name="Corinne", last_name="Correspondante")


@pytest.fixture
def export_file(django_capture_on_commit_callbacks):
    """Asks for an export through the service, runs its task (immediate backend, after commit) and returns the
    finished `SiteExport`."""

    def run(user, *, query: str = "", sections=(), as_of=None) -> SiteExport:
        with django_capture_on_commit_callbacks(execute=True):
            export = services.site_export_request(user=user, query=query, sections=list(sections), as_of=as_of)
        export.refresh_from_db()
        return export

    return run


def read_rows(export: SiteExport) -> list[dict]:
    """The file's sites, each as {column title: value} (row 1 holds section titles, row 2 column titles)."""
    with export.file.open("rb") as handle:
        sheet = load_workbook(handle, read_only=True).active
        rows = [tuple(cell.value for cell in row) for row in sheet.iter_rows()]
    titles = rows[1]
    return [dict(zip(titles, row, strict=True)) for row in rows[2:]]


def all_text(export: SiteExport) -> str:
    """Every cell of the file as one text, to look for what must not be there."""
    with export.file.open("rb") as handle:
        sheet = load_workbook(handle, read_only=True).active
        return "\n".join(str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value is not None)


def section_titles(export: SiteExport) -> list[str]:
    with export.file.open("rb") as handle:
        sheet = load_workbook(handle, read_only=True).active
        first = next(sheet.iter_rows(max_row=1))
        return [cell.value for cell in first if cell.value]


def toulouse():
    haute_garonne = DepartementFactory(code="31", name="Haute-Garonne", region=RegionFactory(code="76"))
    return CommuneFactory(code="31555", name="Toulouse", departement=haute_garonne, postal_codes="31000")


def addresses(export) -> list[str]:
    return [row["Adresse"] for row in read_rows(export)]


def by_address(export) -> dict[str, dict]:
    return {row["Adresse"]: row for row in read_rows(export)}


# Who may export, which sections --------------------------------------------------------------------------------------


def test_an_intervener_may_not_export():
    with pytest.raises(PermissionDenied):
        services.site_export_request(user=UserFactory(role=Role.INTERVENER), query="", sections=[], as_of=None)


def test_the_export_is_logged_and_written(export_file, operator):
    SiteFactory(address="1 rue des Lilas 33000 Bordeaux")

    export = export_file(operator, query="statut=ouverts&localisation=33", sections=["actors"])

    assert export.requested_by == operator
    assert (export.location, export.closed, export.as_of, export.sections) == ("33", False, None, ["actors"])
    assert (export.status, export.total, export.done) == (ExportStatus.DONE, 1, 1)
    assert export.finished_at is not None
    assert addresses(export) == ["1 rue des Lilas 33000 Bordeaux"]
    assert section_titles(export) == [
        "Localisation",
        "Site",
        "Habitants",
        "Diagnostic",
        "Intervenants",
        "Mise à jour",
    ]


def test_an_unknown_section_is_refused_in_french(operator):
    with pytest.raises(ValidationError, match="Section inconnue : tout"):
        services.site_export_request(user=operator, query="", sections=["tout"], as_of=None)


@pytest.mark.parametrize("day", [datetime.date(2018, 12, 31), datetime.date(2999, 1, 1)])
def test_a_date_before_2019_or_in_the_future_is_refused(operator, day):
    with pytest.raises(ValidationError):
        services.site_export_request(user=operator, query="", sections=[], as_of=day)


# Justice (§A.6) ------------------------------------------------------------------------------------------------------


def test_justice_is_not_offered_to_who_has_no_justice_access(operator):
    with pytest.raises(ValidationError, match="droit d'exporter certaines des sections"):
        services.site_export_request(user=operator, query="", sections=["justice"], as_of=None)


def test_an_export_without_justice_access_holds_no_procedure(export_file, operator):
    SiteFactory(with_justice=True)

    export = export_file(operator, sections=["living_conditions", "demographics", "actors", "comments"])

    text = all_text(export)
    assert BAILIFF not in text and "Tribunal judiciaire de Bordeaux" not in text
    assert not set(JUSTICE_TITLES) & set(read_rows(export)[0])


def test_justice_access_exports_the_procedures(export_file, correspondent):
    SiteFactory(with_justice=True)

    row = read_rows(export_file(correspondent, sections=["justice"]))[0]

    assert row["Nom de l'étude d'huissiers"] == BAILIFF
    assert row["Existence d'une procédure judiciaire"] == "Oui"
    assert row["Origine de la décision"] == "Tribunal judiciaire de Bordeaux"


def test_justice_cells_are_empty_on_sites_outside_a_local_justice_access(export_file):
    """A local admin of Gironde exports nationally but reads the procedures of Gironde only."""
    admin = UserFactory(role=Role.DIRECT_COLLABORATOR, admin_role=AdminRole.LOCAL_ADMIN)
    SiteFactory(address="1 rue de Bordeaux", with_justice=True)
    SiteFactory(address="2 rue de Toulouse", commune=toulouse(), with_justice=True, bailiff="Étude Toulousaine")

    rows = by_address(export_file(admin, query=EVERYWHERE, sections=["justice"]))

    assert rows["1 rue de Bordeaux"]["Nom de l'étude d'huissiers"] == BAILIFF
    assert all(rows["2 rue de Toulouse"][title] is None for title in JUSTICE_TITLES)
    assert rows["2 rue de Toulouse"]["Nombre de personnes"] == 40  # the site itself is there


# Owners (§A.6) -------------------------------------------------------------------------------------------------------


def test_owners_are_not_offered_to_who_may_not_see_them(operator):
    with pytest.raises(ValidationError):
        services.site_export_request(user=operator, query="", sections=["owners"], as_of=None)


def test_an_export_without_owner_access_names_no_owner(export_file, operator):
    SiteOwnerFactory(name="SCI Les Tilleuls")

    export = export_file(operator, sections=["demographics", "living_conditions"])

    assert "SCI Les Tilleuls" not in all_text(export)
    assert "Propriétaire(s)" not in read_rows(export)[0]


def test_owner_access_exports_the_owners_outside_its_territory_left_empty(export_file, correspondent):
    """The correspondent exports nationally but sees the owners of Gironde only."""
    SiteOwnerFactory(site=SiteFactory(address="1 rue de Bordeaux"), name="SCI Les Tilleuls")
    SiteOwnerFactory(site=SiteFactory(address="2 rue de Toulouse", commune=toulouse()), name="SCI Garonne")

    export = export_file(correspondent, query=EVERYWHERE, sections=["owners"])

    rows = by_address(export)
    assert rows["1 rue de Bordeaux"]["Propriétaire(s)"] == "SCI Les Tilleuls"
    assert rows["1 rue de Bordeaux"]["Type(s) de propriétaire"] == "Privé"
    assert rows["2 rue de Toulouse"]["Propriétaire(s)"] is None
    assert "SCI Garonne" not in all_text(export)


# Journal: targeted messages (§A.6, §D) -------------------------------------------------------------------------------


def test_a_targeted_message_reaches_only_its_audience(export_file, operator, correspondent):
    site = SiteFactory()
    target = UserFactory(role=Role.ASSOCIATION)
    JournalEntryFactory(site=site, body="Message public.")
    JournalEntryFactory(site=site, targeted=True, target_users=[target], body=SECRET)

    bystander_text = all_text(export_file(operator, sections=["comments"]))
    target_text = all_text(export_file(target, sections=["comments"]))
    correspondent_text = all_text(export_file(correspondent, sections=["comments"]))

    assert "Message public." in bystander_text and SECRET not in bystander_text
    assert SECRET in target_text
    assert SECRET in correspondent_text  # « lire tous les messages ciblés » in Gironde


def test_deleted_messages_are_not_exported(export_file, operator):
    site = SiteFactory()
    JournalEntryFactory(site=site, body="Retiré", deleted_at=datetime.datetime(2025, 1, 2, tzinfo=UTC))
    JournalEntryFactory(site=site, body="Gardé")

    row = read_rows(export_file(operator, sections=["comments"]))[0]

    assert "Gardé" in row[MESSAGES] and "Retiré" not in row[MESSAGES]
    assert row["Nombre de messages"] == 1
    assert row["Date du dernier commentaire"] is not None


def test_the_five_latest_messages_are_written_newest_first_with_the_count(export_file, operator):
    site = SiteFactory()
    for day in range(1, 8):
        JournalEntryFactory(
            site=site, body=f"Passage du {day}", created_at=datetime.datetime(2025, 3, day, 12, tzinfo=UTC)
        )

    row = read_rows(export_file(operator, sections=["comments"]))[0]

    assert row["Nombre de messages"] == 7
    assert [line.split(" : ")[-1] for line in row[MESSAGES].split("\n\n")] == [
        f"Passage du {day}" for day in (7, 6, 5, 4, 3)
    ]
    assert row["Date du dernier commentaire"] == datetime.datetime(2025, 3, 7, 13)  # noqa: DTZ001 (Paris time)


# Actors --------------------------------------------------------------------------------------------------------------


def test_actors_and_whether_ones_organisation_acts(export_file, operator):
    site = SiteFactory()
    colleague = UserFactory(organization=operator.organization, first_name="Ana", last_name="Collègue")
    SiteActor.objects.create(site=site, user=colleague, themes=["sante", "autre"], other_theme="Cours de français")

    row = read_rows(export_file(operator, sections=["actors"]))[0]

    assert "Ana Collègue" in row["Intervenants"]
    assert "Santé" in row["Intervenants"] and "Cours de français" in row["Intervenants"]
    assert row["Intervenant de ma structure"] == "Oui"


# Closed sites --------------------------------------------------------------------------------------------------------


def test_a_closed_export_has_the_closing_and_the_orientations(export_file, operator):
    ClosingOrientationFactory(
        site=SiteFactory(address="4 rue des Lilas", resorbed=True),
        solution=ClosingSolution.INSERTION_HOUSING,
        people_affected=10,
        households_affected=3,
        message="Relogés à Mérignac",
    )
    SiteFactory(address="5 rue ouverte")

    export = export_file(operator, query="statut=fermes")

    rows = read_rows(export)
    assert [row["Adresse"] for row in rows] == ["4 rue des Lilas"]
    label = ClosingSolution.INSERTION_HOUSING.label
    assert rows[0]["Résorbé ?"] == "Oui"
    assert rows[0]["Date de fermeture"] == datetime.datetime(2025, 9, 15)  # noqa: DTZ001 (Excel dates are naive)
    assert (rows[0][f"{label} : personnes"], rows[0][f"{label} : ménages"]) == (10, 3)
    assert rows[0][f"{label} : précisions"] == "Relogés à Mérignac"
    assert "Orientations des ménages" in section_titles(export)


def test_an_open_export_has_no_closing_columns(export_file, operator):
    SiteFactory()

    assert "Orientations des ménages" not in section_titles(export_file(operator))
    assert "Date de fermeture" not in read_rows(export_file(operator))[0]


# The list's selection ------------------------------------------------------------------------------------------------

QUERIES = [
    "",
    "statut=fermes",
    "eau=good",
    f"proprietaire={OwnerType.PRIVATE}",
    "population=10-99",
    "q=Lilas",
    "canicule=oui",
    f"type={FieldType.LAND}&statut=ouverts",
    "statut=fermes&issue=resorbe",
    "localisation=31",
    "intervenants=oui",
]


@pytest.fixture
def listed_sites():
    sites = [
        SiteFactory(address="1 rue des Lilas", good_living_conditions=True, owner_type=OwnerType.PUBLIC),
        SiteFactory(address="2 rue des Roses", field_type=FieldType.LAND, population_total=40, heatwave=True),
        SiteFactory(address="3 rue des Iris", owner_type=OwnerType.PRIVATE, population_total=8, **_few()),
        SiteFactory(address="4 rue des Lilas", closed=True, good_living_conditions=True, closed_with_solutions=True),
        SiteFactory(address="5 rue des Tulipes", closed=True, owner_type=OwnerType.PRIVATE),
        SiteFactory(address="6 rue de Toulouse", commune=toulouse(), field_type=FieldType.BUILDING),
    ]
    SiteActor.objects.create(site=sites[1], user=UserFactory())
    return sites


def _few():
    return {"population_couples": 2, "population_minors": 3}


@pytest.mark.parametrize("query", QUERIES, ids=lambda query: query or "aucun")
def test_the_export_holds_exactly_the_lists_sites(export_file, listed_sites, query):
    user = UserFactory(
        role=Role.NATIONAL_ESTABLISHMENT, organization=OrganizationFactory(area_type=AreaType.NATION, departement=None)
    )
    request = RequestFactory().get("/?" + query)
    request.user = user
    listed = {site.address for site in filters.select_sites(request).sites}

    assert sorted(addresses(export_file(user, query=query))) == sorted(listed)


def test_the_queries_above_select_different_sites(export_file, listed_sites, operator):
    """Guards the test above: it compares different selections."""
    selections = {tuple(sorted(addresses(export_file(operator, query=query)))) for query in QUERIES}

    assert len(selections) >= 6


def test_a_local_exporter_never_gets_sites_outside_his_territory(export_file, operator):
    SiteFactory(address="1 rue de Bordeaux")
    SiteFactory(address="2 rue de Toulouse", commune=toulouse())

    assert addresses(export_file(operator, query=EVERYWHERE)) == ["1 rue de Bordeaux"]


# At a past date (§C.8) -----------------------------------------------------------------------------------------------


def at(day: int, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(2025, 1, day, hour, tzinfo=UTC)


def save_on(instance, day: int, **values):
    for name, value in values.items():
        setattr(instance, name, value)
    instance._history_date = at(day)
    instance.save()
    return instance


def declared_on(day: int, **values):
    return save_on(
        SiteFactory.build(commune=CommuneFactory(), population_couples=None, population_minors=None), day, **values
    )


def test_a_past_export_reads_the_sites_as_they_stood_that_day(export_file, correspondent):
    lake = declared_on(1, address="1 rue du Lac", population_total=40, bailiff="Étude Ancienne")
    owner = save_on(SiteOwnerFactory.build(site=lake, name="SCI Ancienne"), 2)
    save_on(lake, 10, population_total=90, bailiff="Étude Nouvelle")
    save_on(owner, 10, name="SCI Nouvelle")
    declared_on(12, address="2 rue Récente")

    export = export_file(correspondent, sections=["justice", "owners"], as_of=datetime.date(2025, 1, 5))

    rows = read_rows(export)
    assert [row["Adresse"] for row in rows] == ["1 rue du Lac"]
    assert rows[0]["Nombre de personnes"] == 40
    assert rows[0]["Nom de l'étude d'huissiers"] == "Étude Ancienne"
    assert rows[0]["Propriétaire(s)"] == "SCI Ancienne"


def test_a_past_export_does_not_change_when_sites_are_edited_later(export_file, correspondent):
    lake = declared_on(1, address="1 rue du Lac", population_total=40)
    declared_on(2, address="2 rue du Pont", population_total=12)
    day = datetime.date(2025, 1, 5)
    before = read_rows(export_file(correspondent, sections=["demographics", "justice"], as_of=day))

    save_on(lake, 8, population_total=75, heatwave=True, address="1 rue du Lac (déplacé)")
    after = read_rows(export_file(correspondent, sections=["demographics", "justice"], as_of=day))

    assert before == after
    assert [row["Nombre de personnes"] for row in before] == [40, 12]


def test_a_past_export_of_closed_sites_takes_those_closed_that_day(export_file, correspondent):
    site = declared_on(1, address="1 rue du Lac")
    save_on(
        site,
        6,
        status=SiteStatus.CLOSED,
        closed_at=datetime.date(2025, 1, 6),
        closing_cause="resorbed",
        closed_with_solutions=True,
    )
    save_on(site, 9, status=SiteStatus.OPEN, closed_at=None, closing_cause="", closed_with_solutions=None)

    closed_then = export_file(correspondent, query="statut=fermes", as_of=datetime.date(2025, 1, 7))
    open_then = export_file(correspondent, query="statut=ouverts", as_of=datetime.date(2025, 1, 7))

    assert addresses(closed_then) == ["1 rue du Lac"]
    assert addresses(open_then) == []


def test_a_past_export_applies_the_living_condition_filters_to_the_versions(export_file, correspondent):
    """The water status is derived (not in the versions): it is computed on the version in force that day."""
    good = declared_on(1, address="1 rue du Lac")
    save_on(good, 2, **_good_water())
    declared_on(2, address="2 rue du Pont")
    save_on(
        good,
        9,
        water_access_type="fontaine_publique",
        water_access_is_public=None,
        water_access_is_continuous=None,
        water_access_is_local=None,
        water_access_is_close=None,
        water_access_is_unequal=None,
        water_access_has_stagnant_water=None,
    )

    export = export_file(correspondent, query="eau=good", as_of=datetime.date(2025, 1, 5))

    assert addresses(export) == ["1 rue du Lac"]


def _good_water() -> dict:
    return {
        "water_access_type": "robinet_connecte_au_reseau",
        "water_access_is_public": False,
        "water_access_is_continuous": True,
        "water_access_is_local": True,
        "water_access_is_close": True,
        "water_access_is_unequal": False,
        "water_access_has_stagnant_water": False,
    }


# Queries: a fixed number per batch -----------------------------------------------------------------------------------

ALL_SECTIONS = ["address_details", "owners", "living_conditions", "demographics", "justice", "actors", "comments"]


def _queries_of_run(correspondent, count: int) -> int:
    for _ in range(count):
        site = SiteFactory(with_justice=True)
        SiteOwnerFactory(site=site)
        SiteActor.objects.create(site=site, user=UserFactory())
        JournalEntryFactory(site=site)
    export = services.site_export_request(user=correspondent, query="", sections=ALL_SECTIONS, as_of=None)
    with CaptureQueriesContext(connection) as queries:
        services.site_export_run(export.pk)
    export.refresh_from_db()
    assert export.status == ExportStatus.DONE and export.total == export.done
    return len(queries)


def test_the_queries_of_a_run_do_not_grow_with_the_sites_of_a_batch(correspondent):
    _queries_of_run(correspondent, 1)  # the first run fills the caches of the list's filters
    assert _queries_of_run(correspondent, 1) == _queries_of_run(correspondent, 6)  # 2, then 8 sites


def test_each_batch_costs_the_same_few_queries(correspondent, monkeypatch):
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    _queries_of_run(correspondent, 2)  # the first run fills the caches of the list's filters
    two_batches = _queries_of_run(correspondent, 2)  # 4 sites
    four_batches = _queries_of_run(correspondent, 4)  # 8 sites

    per_batch = (four_batches - two_batches) / 2
    assert per_batch <= 10
