"""The dashboard's figures, cards and followed sites (issue 11 item 4, §H.1)."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from resorption.accounts.enums import Option, Role
from resorption.dashboard import selectors
from resorption.settlements.models import FollowedSite, Site
from tests.accounts.factories import UserFactory
from tests.settlements.factories import SiteFactory
from tests.territories.factories import CommuneFactory, DepartementFactory, RegionFactory

pytestmark = pytest.mark.django_db
URL = reverse("dashboard:index")
TODAY = datetime.date(2026, 12, 3)


def _figures(user) -> dict[str, tuple[int, str]]:
    return {figure.label: (figure.value, figure.url) for figure in selectors.area_figures(user, today=TODAY)}


@pytest.fixture
def toulouse():
    haute_garonne = DepartementFactory(code="31", name="Haute-Garonne", region=RegionFactory(code="76"))
    return CommuneFactory(code="31555", name="Toulouse", departement=haute_garonne)


def test_the_figures_count_the_open_sites_of_the_main_area_only(toulouse):
    """A correspondent sees the whole country, but his figures are those of his main area (Gironde)."""
    user = UserFactory(role=Role.DIRECT_COLLABORATOR)
    good = SiteFactory(good_living_conditions=True, population_total=30, population_minors=10, population_couples=5)
    SiteFactory(population_total=None, population_minors=None, population_couples=None)  # unknown people
    stale = SiteFactory(updated_at=datetime.date(2026, 5, 1), declared_at=datetime.date(2026, 11, 20))
    SiteFactory(closed=True, closed_at=datetime.date(2026, 11, 30))  # closed in the last 30 days
    SiteFactory(closed=True, closed_at=datetime.date(2026, 10, 1))  # closed before
    SiteFactory(commune=toulouse, good_living_conditions=True)  # another département

    figures = _figures(user)

    assert figures["sites existants"][0] == 3
    assert figures["personnes"][0] == 30 + stale.population_total
    assert figures["mineurs"][0] == 10 + stale.population_minors
    assert figures["sites avec un accès à l'eau jugé bon"][0] == 1
    assert figures["sites avec un accès à l'électricité jugé bon"][0] == 1
    assert figures["sites avec des toilettes jugées bonnes"][0] == 1
    assert figures["sites mis à jour il y a plus de 6 mois"][0] == 1
    assert figures["sites signalés ces 30 derniers jours"][0] == 1
    assert figures["sites fermés ces 30 derniers jours"][0] == 1
    assert Site.objects.get(pk=good.pk).water_status == "good"


@pytest.mark.parametrize("label", ["sites existants", "sites avec un accès à l'eau jugé bon"])
def test_a_figure_links_to_the_list_of_the_same_sites(client, toulouse, label):
    user = UserFactory(role=Role.DIRECT_COLLABORATOR)
    for _ in range(2):
        SiteFactory(good_living_conditions=True)
    SiteFactory()
    SiteFactory(commune=toulouse, good_living_conditions=True)
    value, url = _figures(user)[label]
    client.force_login(user)

    html = client.get(url).content.decode()

    assert len(set(re.findall(r'href="/sites/(\d+)/"', html))) == value


def test_an_operator_counts_only_the_sites_he_sees():
    operator = UserFactory(role=Role.ASSOCIATION)  # of Gironde
    SiteFactory()
    assert _figures(operator)["sites existants"][0] == 1


def test_a_figure_follows_a_change_of_the_sites():
    user = UserFactory(role=Role.DIRECT_COLLABORATOR)
    SiteFactory()
    assert _figures(user)["sites existants"][0] == 1
    SiteFactory()  # a new version: the kept figures are not those of the data any more
    assert _figures(user)["sites existants"][0] == 2


def test_the_dashboard_offers_what_the_role_may_do(client):
    declarer = UserFactory(role=Role.DIRECT_COLLABORATOR)
    client.force_login(declarer)
    html = client.get(URL).content.decode()
    assert "Déclarer un site" in html and "Saisir une action" in html
    main = html.split("<main", 1)[1]  # the cards, not the menu
    assert f'<a href="{reverse("directory:index")}">Annuaire</a>' in main  # every signed-in user reads the directory
    assert f'<a href="{reverse("maps:index")}">Carte</a>' in main

    operator = UserFactory(role=Role.ASSOCIATION)  # no option: declares nothing
    client.force_login(operator)
    html = client.get(URL).content.decode()
    assert "Déclarer un site" not in html
    client.force_login(UserFactory(role=Role.ASSOCIATION, options=[Option.CREATE_SHANTYTOWN]))
    assert "Déclarer un site" in client.get(URL).content.decode()


def test_the_followed_sites_are_listed_with_their_last_change(client):
    user = UserFactory(role=Role.DIRECT_COLLABORATOR)
    site = SiteFactory(address="12 rue des Suivis 33000 Bordeaux", name="Les Peupliers")
    client.force_login(user)
    assert "Vous ne suivez encore aucun site" in client.get(URL).content.decode()
    FollowedSite.objects.create(user=user, site=site)

    html = " ".join(client.get(URL).content.decode().split())

    assert f'<a href="/sites/{site.pk}/">12 rue des Suivis</a> « Les Peupliers »' in html
    assert "Dernière modification le" in html


@pytest.mark.parametrize("role", [Role.INTERVENER, Role.EXTERNAL_OBSERVER])
def test_interveners_and_observers_have_no_followed_sites(client, role):
    client.force_login(UserFactory(role=role))
    html = client.get(URL).content.decode()
    assert "Sites suivis" not in html
    assert "sites existants" in html  # the figures of their area stay


def test_the_query_count_does_not_grow_with_the_followed_sites(client):
    user = UserFactory(role=Role.DIRECT_COLLABORATOR)
    FollowedSite.objects.create(user=user, site=SiteFactory())
    client.force_login(user)
    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    for _ in range(6):
        FollowedSite.objects.create(user=user, site=SiteFactory())
    client.get(URL)  # the figures are counted again for the new sites
    with CaptureQueriesContext(connection) as many:
        assert client.get(URL).status_code == 200
    assert len(many) == len(few), [query["sql"] for query in many.captured_queries]
    assert html_count(client) == 7


def html_count(client) -> int:
    return len(re.findall(r"Dernière modification le", client.get(URL).content.decode()))


def test_months_before_keeps_the_day_or_takes_the_months_last():
    assert selectors._months_before(datetime.date(2026, 12, 3), 6) == datetime.date(2026, 6, 3)
    assert selectors._months_before(datetime.date(2026, 8, 31), 6) == datetime.date(2026, 2, 28)
    assert selectors._months_before(datetime.date(2026, 3, 15), 6) == datetime.date(2025, 9, 15)


def test_the_latest_activities_are_the_first_of_the_users_feed(client, toulouse):
    """The five latest items of the activity feed (the feed's own selection, so its audience rules): an operator of
    Gironde does not see a site declared in Haute-Garonne."""
    from resorption.activity.selectors import feed_page

    operator = UserFactory(role=Role.ASSOCIATION)
    declarer = UserFactory(role=Role.DIRECT_COLLABORATOR)
    with_events = [SiteFactory(address=f"{number} rue des Activités") for number in range(1, 8)]
    far = SiteFactory(commune=toulouse, address="9 chemin Lointain")
    from resorption.settlements import signals

    for site in [*with_events, far]:
        signals.site_declared.send(sender=Site, site=site, user=declarer)
    client.force_login(operator)

    html = client.get(URL).content.decode()

    feed = [activity.url for activity in feed_page(operator, size=5).activities]
    assert len(feed) == 5
    shown = re.findall(r'id="activite-\d+">.*?<a href="([^"]+)"', html, re.DOTALL)
    assert shown == feed
    assert "chemin Lointain" not in html
