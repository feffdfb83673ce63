import datetime
import itertools
import random
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from resorption.accounts.models import Organization, User
from resorption.demo import scale
from resorption.settlements import living_conditions
from resorption.settlements.enums import SiteStatus
from resorption.settlements.models import (
    STATUS_FIELDS,
    ClosingOrientation,
    Site,
    SiteActor,
    SiteOwner,
    site_search_text,
)
from tests.accounts.factories import UserFactory
from tests.settlements.factories import SiteFactory
from tests.territories.factories import CommuneFactory, DepartementFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 15)
# 24 départements, 4 of them hotspots (93, 13, 33, 06): enough for « 20 hold 80 % » to mean something;
# no Etalab load needed.
CODES = ["93", "13", "33", *(f"{number:02d}" for number in range(1, 22))]
SMALL = {"open": 30, "closed": 60, "years": 2, "seed": 7, "today": TODAY, "verbosity": 0}
HistoricalSite = Site.history.model


@pytest.fixture
def territories():
    for code in CODES:
        departement = DepartementFactory(code=code, name=f"Département {code}")
        for number, population in ((1, 120_000), (2, 8_000)):
            CommuneFactory(
                code=f"{code}{number:03d}",
                name=f"Commune {code}-{number}",
                departement=departement,
                postal_codes=f"{code}{number:03d}",
                population=population,
            )


def _seed(**options):
    call_command("seed_scale", **{**SMALL, **options})


def _key_data() -> list[tuple]:
    """The data set primary keys aside: each site's fields and its versions (date, number, count, author)."""
    versions: dict[int, list[tuple]] = {}
    for row in HistoricalSite.objects.order_by("history_date", "history_id").values_list(
        "id", "history_date", "version", "population_total", "history_user__email"
    ):
        versions.setdefault(row[0], []).append(row[1:])
    return [
        (
            site.address,
            site.name,
            site.commune_id,
            site.status,
            site.declared_at,
            site.closed_at,
            site.closing_cause,
            site.population_total,
            site.water_status,
            site.created_by.email,
            tuple(versions[site.pk]),
            tuple(site.owners.values_list("name", "owner_type")),
            tuple(site.actors.values_list("user__email", "themes")),
        )
        for site in scale.seeded_sites().select_related("created_by").order_by("pk")
    ]


def test_same_arguments_give_the_same_data_and_another_seed_other_data(territories):
    _seed()
    first = _key_data()
    _seed(reset=True)
    again = _key_data()
    _seed(reset=True, seed=8)

    assert len(first) == 90
    assert again == first
    assert _key_data() != first


def test_dense_departements_are_the_hotspots_present_then_code_order():
    others = [f"{number:02d}" for number in range(1, 19) if number not in (6, 13)]

    assert scale.dense_departements(CODES) == ["93", "13", "33", "06", *others]
    assert scale.dense_departements(["06", "13", "93", "01"], count=2) == ["93", "13"]
    assert scale.dense_departements(["05", "04", "03", "02", "01"], count=3) == ["01", "02", "03"]


def test_twenty_departements_hold_80_percent_of_the_sites():
    codes = [f"{number:03d}" for number in range(100)]
    chosen = scale.spread_departements(codes, 10_000, random.Random(1))
    counts = Counter(chosen)
    dense = set(scale.dense_departements(codes))

    assert len(chosen) == 10_000
    assert sum(counts[code] for code in dense) == 8_000
    assert {code for code, _ in counts.most_common(20)} == dense
    # The rest is spread: most of the other 80 départements have sites.
    assert len(counts) > 90


def test_small_scale_seed_keeps_the_distribution(territories):
    _seed()
    counts = Counter(scale.seeded_sites().values_list("commune__departement_id", flat=True))

    assert sum(count for _, count in counts.most_common(20)) / 90 >= 0.8
    assert counts["93"] == max(counts.values())


def test_every_seeded_row_passes_model_validation(territories):
    _seed()
    sites = list(scale.seeded_sites().order_by("pk"))

    assert Counter(site.status for site in sites) == {SiteStatus.OPEN: 30, SiteStatus.CLOSED: 60}
    assert all(5 <= (site.population_total or 5) <= 300 for site in sites)
    # The database checks every constraint on insert; `full_clean` (one query per constraint) runs on a sample.
    for site in random.Random(3).sample(sites, 6):
        site.full_clean()
    for model in (SiteOwner, ClosingOrientation, SiteActor):
        rows = list(model.objects.order_by("pk")[:4])
        assert rows
        for row in rows:
            row.full_clean()


def test_closed_sites_have_their_closing_data_and_dates_stay_in_the_window(territories):
    _seed()
    closed = scale.seeded_sites().filter(status=SiteStatus.CLOSED)
    first_day = TODAY - datetime.timedelta(days=2 * 365)

    assert all(site.closed_at and site.closing_cause for site in closed)
    assert {site.closed_with_solutions for site in closed} >= {True, False}
    assert not ClosingOrientation.objects.filter(site__status=SiteStatus.OPEN).exists()
    for site in scale.seeded_sites():
        assert first_day <= site.declared_at <= site.updated_at < TODAY


def test_each_site_has_at_least_five_versions_ending_with_its_current_state(territories):
    _seed()
    seeded_users = set(User.objects.filter(email__endswith=f"@{scale.SEED_DOMAIN}").values_list("pk", flat=True))

    for site in scale.seeded_sites():
        versions = list(HistoricalSite.objects.filter(id=site.pk).order_by("history_date"))
        assert len(versions) >= 5
        assert [version.version for version in versions] == list(range(1, len(versions) + 1))
        assert [version.history_type for version in versions] == ["+"] + ["~"] * (len(versions) - 1)
        assert all(earlier.history_date < later.history_date for earlier, later in itertools.pairwise(versions))
        assert {version.history_user_id for version in versions} <= seeded_users
        last = versions[-1]
        assert (last.population_total, last.status, last.updated_at, last.version) == (
            site.population_total,
            site.status,
            site.updated_at,
            site.version,
        )
        assert versions[0].history_date == site.created_at
    # Versions change something most of the time: populations are counted again.
    totals = HistoricalSite.objects.values_list("id", "population_total")
    assert len(set(totals)) > 90


def test_stored_statuses_and_search_text_are_computed(territories):
    _seed()
    sites = list(scale.seeded_sites())

    for site in sites:
        expected = living_conditions.site_living_conditions(site)
        assert {STATUS_FIELDS[section]: status for section, status in expected.items()} == {
            field: getattr(site, field) for field in STATUS_FIELDS.values()
        }
        assert site.search_text == site_search_text(site.address, site.name)
    assert len({site.water_status for site in sites}) >= 3


def test_accounts_sign_in_and_the_local_user_sees_only_his_departement(territories, client):
    _seed()
    local = User.objects.get(email=scale.LOCAL_USER_EMAIL)
    admin = User.objects.get(email=scale.NATIONAL_ADMIN_EMAIL)

    assert local.check_password(scale.SEED_PASSWORD) and admin.check_password(scale.SEED_PASSWORD)
    assert Site.objects.visible_to(admin).count() == 90
    assert set(Site.objects.visible_to(local).values_list("commune__departement_id", flat=True)) == {"93"}
    site_departements = set(scale.seeded_sites().values_list("commune__departement_id", flat=True))
    account_departements = set(
        Organization.objects.filter(users__email__endswith=f"@{scale.SEED_DOMAIN}").values_list(
            "departement_id", flat=True
        )
    )
    assert account_departements == site_departements | {None}

    response = client.post(reverse("accounts:login"), {"email": local.email, "password": scale.SEED_PASSWORD})
    assert response.status_code == 302
    site = Site.objects.visible_to(local).order_by("pk").first()
    assert client.get(reverse("settlements:list")).status_code == 200
    assert client.get(reverse("settlements:detail", args=[site.pk])).status_code == 200
    history = client.get(reverse("settlements:history", args=[site.pk]))
    assert history.status_code == 200
    assert history.content.decode().count("Mise à jour") >= 1


def test_a_second_run_is_refused_without_reset(territories):
    _seed()
    before = (Site.objects.count(), HistoricalSite.objects.count(), User.objects.count())

    with pytest.raises(CommandError, match="--reset"):
        _seed()
    call_command("seed_scale", **SMALL, skip_if_seeded=True)

    assert (Site.objects.count(), HistoricalSite.objects.count(), User.objects.count()) == before


def test_reset_removes_the_seeded_rows_only(territories):
    other_site = SiteFactory(commune=CommuneFactory(code="33001"))
    other_user = UserFactory()
    _seed()
    seeded_ids = list(scale.seeded_sites().values_list("pk", flat=True))

    assert scale.delete_seeded() == 90

    assert list(Site.objects.all()) == [other_site]
    assert not HistoricalSite.objects.filter(id__in=seeded_ids).exists()
    assert not SiteOwner.history.model.objects.exists() and not ClosingOrientation.history.model.objects.exists()
    assert HistoricalSite.objects.filter(id=other_site.pk).count() == 1
    assert list(User.objects.all()) == [other_user]
    assert not Organization.objects.filter(name__endswith="(données de charge)").exists()
    assert not scale.is_seeded()

    _seed()
    assert scale.seeded_sites().count() == 90
