"""The statistics pages `/statistiques/` (issue 12 items 2 and 6): figures against a brute-force recount over the
history, snapshots that do not move with later edits, who sees what (scope, justice in every output), the forms'
messages, the downloads, and query counts that stay flat as sites are added."""

import csv
import datetime
import io
import json
import re
from collections import defaultdict
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from resorption.accounts.enums import AdminRole, Role
from resorption.settlements.enums import ClosingCause, PoliceStatus, SiteStatus
from resorption.settlements.models import Site
from resorption.territories.models import Commune
from tests.accounts.factories import OrganizationFactory, PermissionOverrideFactory, UserFactory
from tests.accounts.helpers import text
from tests.settlements.factories import SiteFactory
from tests.territories.factories import CommuneFactory, DepartementFactory, RegionFactory

pytestmark = pytest.mark.django_db

NATIONAL = reverse("stats:national")
PARIS = ZoneInfo("Europe/Paris")
UTC = datetime.UTC
PAST_DATES = [datetime.date(2025, 1, 31), datetime.date(2025, 3, 10), datetime.date(2025, 4, 15)]
CLOSED = {
    "status": SiteStatus.CLOSED,
    "closed_at": datetime.date(2025, 3, 1),
    "closing_cause": ClosingCause.CLOSED_BY_PREF_ADMIN,
    "closed_with_solutions": False,
}
RESORBED = CLOSED | {"closing_cause": ClosingCause.RESORBED, "closed_with_solutions": True}
JUSTICE = {
    "owner_complaint": True,
    "justice_procedure": True,
    "police_status": PoliceStatus.GRANTED,
    "police_requested_at": datetime.date(2024, 10, 1),
    "police_granted_at": datetime.date(2024, 11, 1),
}
# What only a justice column, line or chart could say (labels of `stats.tables`).
JUSTICE_WORDS = re.compile(r"plainte|procédures? judiciaires?|force publique", re.IGNORECASE)


def departement_url(code: str) -> str:
    return reverse("stats:departement", kwargs={"code": code})


def at(month: int, day: int, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(2025, month, day, hour, tzinfo=UTC)


def save_on(site, moment: datetime.datetime | None, **values):
    for name, value in values.items():
        setattr(site, name, value)
    if moment is not None:
        site._history_date = moment
    site.save()
    return site


def declared_on(moment, commune, **values):
    return save_on(
        SiteFactory.build(commune=commune, population_couples=None, population_minors=None, **values), moment
    )


def delete_on(site, moment):
    site._history_date = moment
    site.delete()


@pytest.fixture
def communes():
    """Bordeaux and Mérignac (33), Marseille (13), Saint-Denis (974)."""
    bordeaux = CommuneFactory()
    merignac = CommuneFactory(code="33281", name="Mérignac", departement=bordeaux.departement)
    region = RegionFactory(code="93", name="Provence-Alpes-Côte d'Azur")
    bouches = DepartementFactory(code="13", name="Bouches-du-Rhône", region=region)
    marseille = CommuneFactory(code="13055", name="Marseille", departement=bouches)
    return {
        "bordeaux": bordeaux,
        "merignac": merignac,
        "marseille": marseille,
        "reunion": CommuneFactory(overseas=True),
    }


@pytest.fixture
def world(communes):
    """Sites of three départements with their histories: declarations, population updates, closings (resorbed or
    not), a reopening, a deletion and a move from one département to another, at various moments (some late in the
    evening, Paris time)."""
    bordeaux, merignac, marseille, reunion = (communes[k] for k in ("bordeaux", "merignac", "marseille", "reunion"))
    lake = declared_on(at(1, 5), bordeaux, population_total=40, **JUSTICE)
    save_on(lake, at(2, 10), population_total=55)
    save_on(lake, at(3, 20), **RESORBED)
    short = declared_on(at(2, 1), bordeaux, population_total=8)
    delete_on(short, at(4, 2))
    declared_on(at(1, 10), merignac, population_total=None)
    port = declared_on(at(1, 10), marseille, population_total=120)
    save_on(port, at(3, 10, 22), population_total=130)  # 23:00 in Paris on 10/03: in force « au 10/03 »
    moving = declared_on(at(3, 15), marseille, population_total=30)
    save_on(moving, at(4, 10), commune=bordeaux)
    island = declared_on(at(1, 20), reunion, population_total=15)
    save_on(island, at(2, 15), **CLOSED)
    save_on(island, at(3, 25), status=SiteStatus.OPEN, closed_at=None, closing_cause="", closed_with_solutions=None)
    declared_on(at(4, 20), reunion, population_total=60)
    return communes


def brute_force(day: datetime.date) -> dict[str, tuple[int, int]]:
    """Open sites and people per département at the end of `day` (Paris), recounted by walking every version of
    every site in Python: the latest version written before midnight wins (the later written of two at the same
    moment), a deleted site has no state."""
    moment = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), tzinfo=PARIS)
    departement_of = dict(Commune.objects.values_list("code", "departement_id"))
    versions = defaultdict(list)
    for version in Site.history.all():
        versions[version.id].append(version)
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for site_versions in versions.values():
        written = [version for version in site_versions if version.history_date < moment]
        if not written:
            continue
        current = max(written, key=lambda version: (version.history_date, version.history_id))
        if current.history_type == "-" or current.status != SiteStatus.OPEN:
            continue
        counts = totals[departement_of[current.commune_id]]
        counts[0] += 1
        counts[1] += current.population_total or 0
    return {code: (sites, people) for code, (sites, people) in totals.items()}


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def read_xlsx(response) -> list[list]:
    assert response.status_code == 200, response.content[:500]
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    return [list(row) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)]


def number(cell: str) -> int:
    return int(cell) if cell else 0


@pytest.fixture
def national_admin():
    return UserFactory(admin_role=AdminRole.NATIONAL_ADMIN)


@pytest.fixture
def local_admin(communes):
    """A local admin of Gironde: statistics and justice on 33 only."""
    return UserFactory(
        admin_role=AdminRole.LOCAL_ADMIN,
        organization=OrganizationFactory(departement=communes["bordeaux"].departement),
    )


@pytest.fixture
def without_justice(communes):
    """A local admin of Gironde whose justice access was withdrawn."""
    user = UserFactory(
        admin_role=AdminRole.LOCAL_ADMIN,
        organization=OrganizationFactory(departement=communes["bordeaux"].departement),
    )
    PermissionOverrideFactory(user=user, key="shantytown_justice.access", allowed=False)
    return user


# ---------------------------------------------------------------------------------------------------------------------
# Figures against the history
# ---------------------------------------------------------------------------------------------------------------------


def national_figures(client, day: datetime.date, *, since: datetime.date | None = None) -> dict:
    """Sites and people per département at `day` (the « au » columns), read from the national table's CSV; with
    `since`, the « du » columns at that date too: {code: ((sites, people) at since, (sites, people) at day)}."""
    start = since or day
    query = {"du": start.isoformat(), "au": day.isoformat(), "format": "csv", "table": "territoires"}
    rows = read_csv(client.get(NATIONAL, query))
    header, body = rows[0], rows[1:]
    assert header[1:3] == [f"Sites au {start:%d/%m/%Y}", f"Sites au {day:%d/%m/%Y}"]
    assert header[4:6] == [f"Personnes au {start:%d/%m/%Y}", f"Personnes au {day:%d/%m/%Y}"]
    found = {}
    for row in body:
        code = re.search(r"\((\w+)\)$", row[0])
        if code:
            before, after = (number(row[1]), number(row[4])), (number(row[2]), number(row[5]))
            found[code.group(1)] = (before, after) if since else after
    return found


def summary_figures(client, code: str, day: datetime.date) -> tuple[int, int]:
    """Open sites and people of the département's summary at `day`, read from its CSV."""
    query = {"du": day.isoformat(), "au": day.isoformat(), "format": "csv", "table": "synthese"}
    lines = dict((row[0], row[1]) for row in read_csv(client.get(departement_url(code), query))[1:])
    return number(lines["Sites ouverts"]), number(lines["Personnes"])


def test_figures_match_a_brute_force_recount_over_the_history_at_three_past_dates(client, world, national_admin):
    client.force_login(national_admin)

    for day in PAST_DATES:
        expected = brute_force(day)
        found = national_figures(client, day, since=PAST_DATES[0])
        assert set(found) == {"33", "13", "974"}
        for code in ("33", "13", "974"):
            at_first_date, at_day = found[code]
            assert at_first_date == brute_force(PAST_DATES[0]).get(code, (0, 0)), (day, code)
            assert at_day == expected.get(code, (0, 0)), (day, code)
            assert summary_figures(client, code, day) == expected.get(code, (0, 0)), (day, code)
    # The recount is not trivial: the histories move the figures between the dates.
    assert len({tuple(sorted(brute_force(day).items())) for day in PAST_DATES}) == 3


def test_a_figure_for_a_date_does_not_move_when_sites_are_edited_later(client, world, national_admin):
    client.force_login(national_admin)
    day = PAST_DATES[1]
    query = {"du": PAST_DATES[0].isoformat(), "au": day.isoformat(), "pas": "semaine"}
    before = {
        name: client.get(url, query | {"format": "csv", "table": name}).content
        for url, name in [
            (NATIONAL, "territoires"),
            (departement_url("33"), "sites"),
            (departement_url("13"), "evolution-habitants"),
        ]
    }
    today_before = national_figures(client, timezone.localdate())

    port = Site.objects.get(commune__code="13055", population_total=130)
    save_on(port, None, population_total=400)  # edited now, long after the date
    save_on(Site.objects.get(population_total=30), None, **CLOSED)
    delete_on(Site.objects.get(commune__code="97411", population_total=60), timezone.now())

    after = {
        name: client.get(url, query | {"format": "csv", "table": name}).content
        for url, name in [
            (NATIONAL, "territoires"),
            (departement_url("33"), "sites"),
            (departement_url("13"), "evolution-habitants"),
        ]
    }
    assert after == before
    assert national_figures(client, timezone.localdate()) != today_before  # today's figures did follow the edits


# ---------------------------------------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------------------------------------


def test_the_national_page_shows_the_tree_its_chart_and_a_link_to_each_departement(client, world, national_admin):
    client.force_login(national_admin)

    response = client.get(NATIONAL, {"du": "2025-01-31", "au": "2025-03-10"})

    page = text(response)
    assert response.status_code == 200
    assert "<h1>État des lieux au 10/03/2025</h1>" in page
    for label in ("France entière", "Métropole", "Outre-mer", "Nouvelle-Aquitaine", "Provence-Alpes-Côte d'Azur"):
        assert f"{label}\n" in page or f"{label}<" in page
    assert f'href="{departement_url("33")}?du=2025-01-31&amp;au=2025-03-10"' in response.content.decode()
    assert 'role="img"' in page and 'data-stats-chart="donnees-territoires"' in page
    assert '<th scope="col">Sites au 31/01/2025</th>' in page
    assert "?du=2025-01-31&amp;au=2025-03-10&amp;format=xlsx&amp;table=territoires" in response.content.decode()


def test_today_is_the_default_and_the_title_is_not_a_snapshot(client, world, national_admin):
    client.force_login(national_admin)

    response = client.get(NATIONAL)

    assert response.status_code == 200
    shown = response.context["form"].initial  # the form is shown filled with the dates used
    today = timezone.localdate()
    assert shown["au"] == today
    assert shown["du"] < today and (today - shown["du"]).days <= 31
    assert f'value="{today.isoformat()}"' in text(response)
    assert "<h1>Données statistiques</h1>" in text(response)


def test_a_local_reader_sees_only_his_departements_and_others_are_404(client, world, local_admin):
    client.force_login(local_admin)

    page = text(client.get(NATIONAL, {"du": "2025-01-31", "au": "2025-03-10"}))

    assert "Gironde (33)" in page
    assert "Bouches-du-Rhône" not in page and "La Réunion" not in page and "France entière" not in page
    assert client.get(departement_url("33")).status_code == 200
    assert client.get(departement_url("13")).status_code == 404
    assert client.get(departement_url("974"), {"format": "csv", "table": "synthese"}).status_code == 404


@pytest.mark.parametrize("code", ["99", "zz", "..", "3%00", "33333"])
def test_an_unknown_departement_is_404(client, world, national_admin, code):
    client.force_login(national_admin)
    assert client.get(f"/statistiques/departements/{code}/").status_code == 404


def test_without_the_statistics_right_the_pages_are_refused(client, world):
    operator = UserFactory(role=Role.ASSOCIATION)
    client.force_login(operator)

    assert client.get(NATIONAL).status_code == 403
    assert client.get(departement_url("33")).status_code == 403


def test_the_departement_page_has_every_table_with_its_chart_and_downloads(client, world, local_admin):
    client.force_login(local_admin)

    response = client.get(departement_url("33"), {"du": "2025-01-05", "au": "2025-04-15", "pas": "mois"})

    page = text(response)
    assert response.status_code == 200
    assert "<h1>État des lieux au 15/04/2025</h1>" in page
    names = set(re.findall(r"table=([\w-]+)", page))
    assert names == {
        "synthese",
        "communes",
        "sites",
        "evolution-habitants",
        "evolution-conditions",
        "evolution-justice",
        "fermetures",
    }
    assert page.count("<canvas") == 4
    chart = json.loads(
        re.search(
            r'<script id="donnees-evolution-habitants" type="application/json">(.*?)</script>',
            response.content.decode(),
        ).group(1)
    )
    assert chart["labels"] == ["05/01/2025", "05/02/2025", "05/03/2025", "05/04/2025", "15/04/2025"]
    assert [dataset["label"] for dataset in chart["datasets"]] == [
        "Personnes sur les sites de moins de 10 personnes",
        "Personnes sur les sites de 10 à 99 personnes",
        "Personnes sur les sites de 100 personnes et plus",
    ]
    assert chart["datasets"][1]["data"] == [40, 40, 55, 0, 30]  # the lake (40, then 55, resorbed), then the moved site
    assert "Sites résorbés et sites fermés par période</caption>" in page
    query = {"du": "2025-01-05", "au": "2025-04-15", "pas": "mois"}
    closings = read_csv(client.get(departement_url("33"), query | {"format": "csv", "table": "fermetures"}))
    population = read_csv(client.get(departement_url("33"), query | {"format": "csv", "table": "evolution-habitants"}))
    assert [row[:2] for row in population[1:]] == [
        ["05/01/2025", "1"],
        ["05/02/2025", "3"],
        ["05/03/2025", "3"],
        ["05/04/2025", "1"],
        ["15/04/2025", "2"],
        ["Évolution entre la première et la dernière date", "100,0\u00a0%"],
    ]
    assert population[-1][population[0].index("Personnes")] == "\u221225,0\u00a0%"  # 40 people, then 30
    assert closings[1:] == [
        ["Du 06/01/2025 au 05/02/2025", "0", "0"],
        ["Du 06/02/2025 au 05/03/2025", "0", "0"],
        ["Du 06/03/2025 au 05/04/2025", "1", "0"],
        ["Du 06/04/2025 au 15/04/2025", "0", "0"],
    ]


def test_the_xlsx_holds_the_same_rows_as_the_csv(client, world, national_admin):
    client.force_login(national_admin)
    query = {"du": "2025-01-31", "au": "2025-04-15", "table": "communes"}

    as_csv = read_csv(client.get(departement_url("33"), query | {"format": "csv"}))
    as_xlsx = read_xlsx(client.get(departement_url("33"), query | {"format": "xlsx"}))

    def plain(value) -> str | float:
        """A cell as a number when it is one (the CSV writes « 12,5 », the workbook 12.5), else its text."""
        text = "" if value is None else str(value)
        try:
            return float(text.replace(",", "."))
        except ValueError:
            return text

    assert [[plain(value) for value in row] for row in as_xlsx] == [[plain(value) for value in row] for row in as_csv]
    assert as_csv[-1][:3] == ["Total du département", "2", "30"]


# ---------------------------------------------------------------------------------------------------------------------
# Justice
# ---------------------------------------------------------------------------------------------------------------------


def all_outputs(client, url: str, query: dict) -> dict[str, str]:
    """The page's HTML, and the text of each of its tables as CSV and as xlsx, by output name."""
    response = client.get(url, query)
    assert response.status_code == 200
    page = text(response)
    outputs = {"html": page}
    for name in sorted(set(re.findall(r"table=([\w-]+)", page))):
        outputs[f"{name}.csv"] = "\n".join(
            ";".join(row) for row in read_csv(client.get(url, query | {"format": "csv", "table": name}))
        )
        rows = read_xlsx(client.get(url, query | {"format": "xlsx", "table": name}))
        outputs[f"{name}.xlsx"] = "\n".join(";".join(str(value) for value in row) for row in rows)
    return outputs


def test_without_justice_access_no_output_holds_justice_data(client, world, without_justice):
    client.force_login(without_justice)
    query = {"du": "2025-01-05", "au": "2025-03-10"}

    outputs = all_outputs(client, departement_url("33"), query)
    outputs |= {f"national {name}": value for name, value in all_outputs(client, NATIONAL, query).items()}

    assert len(outputs) == 2 + 2 * 7  # both pages, and 6 département tables and the national one in two formats
    for name, content in outputs.items():
        assert not JUSTICE_WORDS.search(content), name
    refused = client.get(departement_url("33"), query | {"format": "csv", "table": "evolution-justice"})
    assert refused.status_code == 400


def test_with_justice_access_the_justice_counts_are_in_each_output(client, world, local_admin):
    client.force_login(local_admin)
    query = {"du": "2025-01-05", "au": "2025-03-10"}

    outputs = all_outputs(client, departement_url("33"), query)

    for name in ("html", "synthese.csv", "synthese.xlsx", "communes.csv", "sites.xlsx", "evolution-justice.csv"):
        assert JUSTICE_WORDS.search(outputs[name]), name
    lines = dict(row.split(";")[:2] for row in outputs["synthese.csv"].splitlines()[1:])
    assert lines["Sites avec un dépôt de plainte du propriétaire"] == "1"
    assert lines["Sites dont le concours de la force publique a été obtenu"] == "1"


# ---------------------------------------------------------------------------------------------------------------------
# Input
# ---------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"au": "2099-01-01"}, "Choisissez une date passée ou celle d'aujourd'hui."),
        ({"du": "2018-12-31"}, "Saisissez une date entre le 01/01/2019 et le 31/12/2100."),
        ({"du": "2025-03-01", "au": "2025-02-01"}, "La date « Au » ne peut pas précéder la date « Du »."),
        ({"du": "31/02/2025"}, "Saisissez une date au format JJ/MM/AAAA."),
        ({"du": "2025-01-01\x00"}, "Saisissez une date au format JJ/MM/AAAA."),
        ({"au": "9" * 5000}, "Saisissez une date au format JJ/MM/AAAA."),
        ({"pas": "annee"}, "Choisissez « Hebdomadaire » ou « Mensuel »."),
        ({"du": "2019-01-01", "au": "2025-01-01", "pas": "semaine"}, "La série compterait plus de 120 points"),
    ],
)
def test_a_wrong_value_gets_a_french_message_next_to_its_field(client, world, national_admin, query, message):
    client.force_login(national_admin)

    response = client.get(departement_url("33"), query)

    assert response.status_code == 200
    page = text(response)
    assert message in page
    assert "Corrigez les dates pour afficher les statistiques." in page
    download = client.get(departement_url("33"), query | {"format": "csv", "table": "synthese"})
    assert download.status_code == 400
    assert message in text(download)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"format": "pdf", "table": "territoires"}, "Choisissez le format « csv » ou « xlsx »."),
        ({"format": "csv", "table": "synthese"}, "Ce tableau n'existe pas sur cette page."),
        ({"format": "csv"}, "Tableau manquant."),
    ],
)
def test_a_wrong_download_is_a_400_saying_why(client, world, national_admin, query, message):
    client.force_login(national_admin)

    response = client.get(NATIONAL, query)

    assert response.status_code == 400
    assert message in text(response)


def test_a_monthly_series_over_six_years_is_accepted(client, world, national_admin):
    client.force_login(national_admin)

    response = client.get(departement_url("33"), {"du": "2019-01-01", "au": "2025-01-01", "pas": "mois"})

    assert response.status_code == 200
    assert len(response.context["evolution"][0]["table"].rows) == 73 + 1  # 73 months, and the line of change


# ---------------------------------------------------------------------------------------------------------------------
# Query counts
# ---------------------------------------------------------------------------------------------------------------------


def add_sites(communes, count: int) -> None:
    for index in range(count):
        commune = communes["bordeaux" if index % 2 else "marseille"]
        site = declared_on(at(1, 2 + index % 20), commune, population_total=5 + index, **JUSTICE)
        save_on(site, at(2, 1 + index % 20), population_total=50 + index)
        if index % 3 == 0:
            save_on(site, at(3, 1 + index % 20), **CLOSED)


def queries_of(client, url: str, query: dict) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, query).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    ("url", "query"),
    [
        (NATIONAL, {"du": "2025-01-15", "au": "2025-04-01"}),
        (departement_url("33"), {"du": "2025-01-15", "au": "2025-04-01", "pas": "semaine"}),
        (departement_url("33"), {"du": "2025-01-15", "au": "2025-04-01", "format": "xlsx", "table": "sites"}),
    ],
)
def test_query_counts_stay_flat_as_sites_are_added(client, communes, local_admin, url, query):
    client.force_login(local_admin)
    add_sites(communes, 3)
    few = queries_of(client, url, query)

    add_sites(communes, 30)

    assert queries_of(client, url, query) == few
    # The signed-in frame (2), the reader's départements, then one query per date of the national tree, or the
    # département's sites at « au » and all the versions of its sites for the series.
    assert few <= 6
