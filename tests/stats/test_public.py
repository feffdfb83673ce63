"""The public statistics page (issue 12 item 3, reference §H.3): its figures against hand-made data, the suppression
of small numbers per région, no sign-in needed, no per-site data on the page, the cache and the query budget."""

import datetime
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from resorption.accounts.models import SignInAttempt
from resorption.directory.models import DirectoryView
from resorption.exports.enums import ExportStatus
from resorption.exports.models import SiteExport
from resorption.settlements.enums import ClosingCause, SiteStatus
from resorption.stats import public
from resorption.stats.public import CACHE_SECONDS, compute_public_figures, public_figures, suppressed
from tests.accounts.factories import OrganizationFactory, UserFactory
from tests.journal.factories import JournalEntryFactory
from tests.settlements.factories import SiteFactory
from tests.territories.factories import CommuneFactory, DepartementFactory, RegionFactory

pytestmark = pytest.mark.django_db

URL = reverse("public_stats:index")
UTC = datetime.UTC
NOW = datetime.datetime(2026, 3, 15, 12, tzinfo=UTC)
# Households and minors unknown unless given, so that any total is consistent.
FEW_PEOPLE = {"population_couples": None, "population_minors": None}


def days_ago(days: float) -> datetime.datetime:
    return NOW - datetime.timedelta(days=days)


def save_on(site, moment: datetime.datetime, **values):
    """Save a version of the site written at `moment`."""
    for name, value in values.items():
        setattr(site, name, value)
    site._history_date = moment
    site.save()
    return site


def declared_on(moment: datetime.datetime, *, commune=None, **values):
    return save_on(SiteFactory.build(commune=commune or CommuneFactory(), **(FEW_PEOPLE | values)), moment)


def close_on(site, moment: datetime.datetime):
    return save_on(
        site,
        moment,
        status=SiteStatus.CLOSED,
        closed_at=moment.date(),
        closing_cause=ClosingCause.RESORBED,
        closed_with_solutions=True,
    )


def month(figures, year: int, number: int):
    return next(row for row in figures.months if row.month == datetime.date(year, number, 1))


def text(response) -> str:
    """The page's text, tags removed and whitespace collapsed."""
    assert response.status_code == 200
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def region_table(response) -> str:
    page = response.content.decode()
    table = page[page.index("par région") :]
    return table[: table.index("</table>")]


def region_rows(response) -> dict[str, tuple[str, str]]:
    """The région table as {région: (open sites, people)}, as the page writes them."""
    table = region_table(response)
    rows = re.findall(r'<th scope="row">([^<]*)</th>\s*<td>\s*([^<]*?)\s*</td>\s*<td>\s*([^<]*?)\s*</td>', table)
    return {html.unescape(name): (html.unescape(sites), html.unescape(people)) for name, sites, people in rows}


# ---------------------------------------------------------------------------------------------------------------------
# Platform use
# ---------------------------------------------------------------------------------------------------------------------


def test_active_users_are_open_accounts_signed_in_within_a_year_and_their_organisations():
    team = OrganizationFactory()
    UserFactory(organization=team, last_login=days_ago(2))
    UserFactory(organization=team, last_login=days_ago(300))
    UserFactory(last_login=days_ago(100))  # a second organisation
    UserFactory(last_login=days_ago(400))  # signed in more than a year ago
    UserFactory(last_login=None)  # never signed in
    UserFactory(inactive=True, last_login=days_ago(1))  # deactivated
    UserFactory(organization=OrganizationFactory(active=False), last_login=days_ago(1))  # organisation closed

    figures = compute_public_figures(NOW)

    assert figures.active_users == 3
    assert figures.organizations == 2


def test_weekly_and_monthly_active_users_are_distinct_people_who_signed_in():
    anne, bruno, chloe = UserFactory(), UserFactory(), UserFactory()
    for user, moment, success in [
        (anne, days_ago(1), True),
        (anne, days_ago(2), True),  # twice in the week: one person
        (bruno, days_ago(6.9), True),
        (chloe, days_ago(3), False),  # a failed attempt is not a sign-in
        (chloe, days_ago(8), True),  # before the week, on 7 March
        (chloe, datetime.datetime(2026, 1, 31, 23, 30, tzinfo=UTC), True),  # 1 February at 00:30 in Paris
        (anne, datetime.datetime(2026, 1, 31, 22, 30, tzinfo=UTC), True),  # 31 January at 23:30 in Paris
    ]:
        SignInAttempt.objects.create(user=user, email=user.email, success=success, created_at=moment)

    figures = compute_public_figures(NOW)

    assert figures.weekly_active_users == 2
    assert month(figures, 2026, 3).active_users == 3
    assert month(figures, 2026, 2).active_users == 1
    assert month(figures, 2026, 1).active_users == 1


def test_operations_are_declarations_updates_and_closings_of_sites():
    january, february, march = (datetime.datetime(2026, number, 10, tzinfo=UTC) for number in (1, 2, 3))
    lake = declared_on(january)
    save_on(lake, february, population_total=45)
    close_on(lake, february + datetime.timedelta(days=1))
    save_on(lake, march, closing_context="Relogement des familles.")  # an update of a closed site
    declared_on(march)
    declared_on(datetime.datetime(2024, 6, 1, tzinfo=UTC))  # long ago: in the totals, not in the table

    figures = compute_public_figures(NOW)

    assert (figures.declarations, figures.updates, figures.closings, figures.operations) == (3, 2, 1, 6)
    assert [(row.declarations, row.updates, row.closings) for row in figures.months[-3:]] == [
        (1, 0, 0),
        (0, 1, 1),
        (1, 1, 0),
    ]


def test_a_site_closed_reopened_and_closed_again_counts_two_closings():
    site = declared_on(days_ago(30))
    close_on(site, days_ago(20))
    save_on(site, days_ago(10), status=SiteStatus.OPEN, closed_at=None, closing_cause="", closed_with_solutions=None)
    close_on(site, days_ago(5))

    figures = compute_public_figures(NOW)

    assert (figures.declarations, figures.updates, figures.closings) == (1, 1, 2)


def test_exports_messages_and_directory_views_are_counted_in_total_and_per_month():
    exports = [SiteExport.objects.create(requested_by=UserFactory(), status=status) for status in ExportStatus.values]
    SiteExport.objects.filter(pk=exports[0].pk).update(requested_at=datetime.datetime(2025, 1, 5, tzinfo=UTC))
    SiteExport.objects.filter(pk__in=[export.pk for export in exports[1:]]).update(requested_at=days_ago(3))
    JournalEntryFactory(created_at=days_ago(2))
    JournalEntryFactory(created_at=datetime.datetime(2026, 2, 3, tzinfo=UTC))
    JournalEntryFactory(created_at=days_ago(2), deleted_at=days_ago(1), deletion_reason="Doublon.")
    viewer = UserFactory()
    for moment in (days_ago(1), days_ago(1), datetime.datetime(2026, 2, 20, tzinfo=UTC)):
        DirectoryView.objects.create(organization=viewer.organization, viewed_by=viewer, viewed_at=moment)

    figures = compute_public_figures(NOW)

    assert (figures.exports, figures.messages, figures.directory_views) == (len(ExportStatus.values), 2, 3)
    march, february = month(figures, 2026, 3), month(figures, 2026, 2)
    assert (march.exports, march.messages, march.directory_views) == (len(ExportStatus.values) - 1, 1, 2)
    assert (february.exports, february.messages, february.directory_views) == (0, 1, 1)


def test_the_monthly_table_holds_the_twelve_months_up_to_the_current_one():
    figures = compute_public_figures(NOW)

    assert [row.month for row in figures.months] == [
        *(datetime.date(2025, number, 1) for number in range(4, 13)),
        *(datetime.date(2026, number, 1) for number in range(1, 4)),
    ]
    assert all(row.operations == row.exports == row.active_users == 0 for row in figures.months)


# ---------------------------------------------------------------------------------------------------------------------
# Sites and the small-number rule
# ---------------------------------------------------------------------------------------------------------------------


def test_small_numbers_are_suppressed_and_five_is_shown():
    assert [suppressed(value) for value in (0, 1, 4, 5, 6, 120)] == [None, None, None, 5, 6, 120]


@pytest.fixture
def three_regions():
    """Nouvelle-Aquitaine with 6 open sites (10 people each), Occitanie with 2 large ones (200 people each),
    Bretagne with 5 sites whose population is unknown but one of 3 people, Corse with none; and a closed site, not
    counted."""
    gironde = CommuneFactory()
    toulouse = CommuneFactory(
        code="31555",
        name="Toulouse",
        departement=DepartementFactory(
            code="31", name="Haute-Garonne", region=RegionFactory(code="76", name="Occitanie")
        ),
    )
    rennes = CommuneFactory(
        code="35238",
        name="Rennes",
        departement=DepartementFactory(
            code="35", name="Ille-et-Vilaine", region=RegionFactory(code="53", name="Bretagne")
        ),
    )
    RegionFactory(code="94", name="Corse")
    declared_on(days_ago(40), commune=rennes, population_total=3)
    for _ in range(4):
        declared_on(days_ago(40), commune=rennes, population_total=None)
    for _ in range(6):
        declared_on(days_ago(40), commune=gironde, population_total=10, population_minors=3)
    for _ in range(2):
        declared_on(days_ago(40), commune=toulouse, population_total=200, population_minors=50)
    close_on(declared_on(days_ago(40), commune=toulouse, population_total=30), days_ago(10))


def test_national_site_figures_are_shown_whole(three_regions):
    figures = compute_public_figures(NOW)

    assert (figures.open_sites, figures.people, figures.minors, figures.departements) == (13, 463, 118, 3)


def test_region_figures_below_five_and_people_of_fewer_than_five_sites_are_suppressed(three_regions):
    figures = compute_public_figures(NOW)

    assert [(region.name, region.open_sites, region.people) for region in figures.regions] == [
        ("Bretagne", 5, None),  # 3 people
        ("Corse", None, None),  # no site
        ("Nouvelle-Aquitaine", 6, 60),
        ("Occitanie", None, None),  # 2 sites, 400 people: those of the two sites
    ]


def test_the_page_shows_suppressed_figures_as_less_than_five_or_hidden(client, three_regions):
    response = client.get(URL)

    assert region_rows(response) == {
        "Bretagne": ("5", "< 5"),
        "Corse": ("< 5", "masqué"),
        "Nouvelle-Aquitaine": ("6", "60"),
        "Occitanie": ("< 5", "masqué"),
    }
    page = text(response)
    assert (
        "Pour un territoire plus petit que la France entière, un chiffre inférieur à 5 est remplacé par « < 5 » : il"
        " pourrait désigner un site ou une famille ; le nombre de personnes d’un territoire comptant moins de 5 sites"
        " est « masqué »"
    ) in page
    assert "Sites ouverts en France 13" in page
    assert "Personnes y vivant 463" in page
    assert "400" not in page


def test_the_page_shows_no_data_of_a_single_site(client):
    site = declared_on(
        days_ago(3),
        name="Campement du Lac Bleu",
        address="17 chemin des Tilleuls 33300 Bordeaux",
        population_total=37,
        population_minors=13,
    )

    response = client.get(URL)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Lac Bleu" not in page
    assert "Tilleuls" not in page
    assert "/sites/" not in page
    assert f"{site.latitude}" not in page
    # A région with one site: its figures would be that site's.
    assert region_rows(response) == {"Nouvelle-Aquitaine": ("< 5", "masqué")}
    assert re.search(r"\b37\b", region_table(response)) is None


# ---------------------------------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------------------------------


def test_anyone_reads_the_page_without_signing_in(client):
    response = client.get(URL)

    assert response.status_code == 200
    assert "<h1>Statistiques publiques</h1>" in response.content.decode()


def test_a_signed_in_user_reads_the_same_page(client):
    client.force_login(UserFactory())

    assert "<h1>Statistiques publiques</h1>" in client.get(URL).content.decode()


def test_the_page_states_each_definition(client):
    page = text(client.get(URL))

    for definition in (
        "Utilisateurs actifs : comptes ouverts (actifs, d’une structure active) qui se sont connectés"
        " au moins une fois au cours des 365 derniers jours.",
        "Utilisateurs actifs cette semaine : personnes distinctes qui se sont connectées"
        " au cours des 7 derniers jours.",
        "Utilisateurs actifs d’un mois : personnes distinctes qui se sont connectées"
        " au moins une fois pendant ce mois.",
    ):
        assert definition in page


def test_the_page_answers_only_reading(client):
    assert client.post(URL).status_code == 405


# ---------------------------------------------------------------------------------------------------------------------
# Cache and query budget
# ---------------------------------------------------------------------------------------------------------------------


def test_figures_are_kept_for_their_time_slot_only():
    slot_start = datetime.datetime.fromtimestamp((int(NOW.timestamp()) // CACHE_SECONDS) * CACHE_SECONDS, tz=UTC)
    declared_on(days_ago(3))
    assert public_figures(now=slot_start).open_sites == 1

    declared_on(days_ago(3))
    later_in_slot = slot_start + datetime.timedelta(seconds=CACHE_SECONDS - 1)
    assert public_figures(now=later_in_slot).open_sites == 1  # kept
    assert public_figures(now=slot_start + datetime.timedelta(seconds=CACHE_SECONDS)).open_sites == 2
    assert CACHE_SECONDS <= 600


def test_the_cache_entry_expires_on_its_own(settings):
    settings.CACHES = settings.CACHES | {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "public-stats-test"}
    }
    from django.core.cache import cache

    public_figures(now=NOW)

    key = public.cache_key(NOW)
    expiry = cache._expire_info[cache.make_and_validate_key(key)]  # locmem's own record of the entry's expiry
    assert 0 < expiry - timezone.now().timestamp() <= CACHE_SECONDS


def _page_queries(client) -> int:
    from django.core.cache import cache

    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL).status_code == 200
    return len(captured.captured_queries)


def test_the_page_runs_the_same_queries_with_more_data(client, three_regions):
    few = _page_queries(client)

    for number in range(5):
        user = UserFactory(last_login=days_ago(number))
        SignInAttempt.objects.create(user=user, email=user.email, success=True, created_at=days_ago(number))
        site = declared_on(days_ago(40 + number), commune=CommuneFactory(overseas=True), population_total=5)
        save_on(site, days_ago(20), population_total=6)
        close_on(site, days_ago(10))
        JournalEntryFactory(site=site, created_at=days_ago(number))
        SiteExport.objects.create(requested_by=user)
        DirectoryView.objects.create(organization=user.organization, viewed_by=user, viewed_at=days_ago(number))
    RegionFactory(code="84", name="Auvergne-Rhône-Alpes")

    assert _page_queries(client) == few <= 16


def test_a_cached_page_reads_nothing_for_its_figures(client, django_assert_max_num_queries):
    client.get(URL)

    with django_assert_max_num_queries(0):
        assert client.get(URL).status_code == 200
