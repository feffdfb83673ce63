import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from resorption.accounts.enums import Option, Role
from resorption.settlements.enums import ClosingSolution
from tests.accounts.factories import UserFactory
from tests.settlements.factories import ClosingOrientationFactory, SiteFactory, SiteOwnerFactory

pytestmark = pytest.mark.django_db

# A value only the justice section can show, and an owner's name only the owners section can show.
BAILIFF = "Étude Huissier-Témoin-7391"
OWNER = "SCI Propriétaire-Témoin-4826"


def _url(site) -> str:
    return reverse("settlements:detail", kwargs={"pk": site.pk})


def _html(client, user, site) -> str:
    client.force_login(user)
    response = client.get(_url(site))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def operator():
    """An opérateur of Gironde without the justice option: reads the sites of 33, neither justice nor owners."""
    return UserFactory(role=Role.ASSOCIATION)


@pytest.fixture
def correspondent():
    """A correspondant of Gironde: justice everywhere he reads, owners on his département."""
    return UserFactory(role=Role.DIRECT_COLLABORATOR)


@pytest.fixture
def site():
    site = SiteFactory(
        name="Terrain des Lilas",
        with_justice=True,
        bailiff=BAILIFF,
        good_living_conditions=True,
        heatwave=True,
        resorption_target=2027,
        population_total=57,
    )
    SiteOwnerFactory(site=site, name=OWNER)
    return site


def test_a_user_in_scope_sees_the_site(client, operator, site):
    html = _html(client, operator, site)

    assert "Terrain des Lilas" in html
    assert "rue des Acacias" in html
    assert "Bordeaux" in html
    assert "Canicule" in html
    assert "Objectif résorption 2027" in html
    assert "Caractéristiques" in html
    assert "Habitants" in html
    assert ">57<" in html
    assert "Conditions de vie" in html
    assert "Robinet connecté au réseau d&#x27;eau" in html
    assert "fr-badge--success" in html  # the good living conditions


def test_living_condition_badges_follow_the_stored_statuses(client, operator):
    site = SiteFactory(sanitary_open_air_defecation=True, sanitary_working_toilets=False)
    html = _html(client, operator, site)

    assert "Mauvais" in html  # toilets
    assert "Inconnu" in html  # water, never answered


def test_a_closed_site_shows_its_closing_and_orientations(client, operator):
    orientation = ClosingOrientationFactory(solution=ClosingSolution.EMERGENCY_SHELTER, people_affected=23)
    html = _html(client, operator, orientation.site)

    assert "Résorbé" in html
    assert "Résorption progressive du site" in html
    assert "Mise à l&#x27;abri / hébergement d&#x27;urgence (CHU)" in html
    assert ">23<" in html


@pytest.mark.parametrize(
    ("days", "label", "level"),
    [
        (10, "Mis à jour il y a moins d&#x27;un mois", None),
        (100, "Mis à jour il y a 3 mois", "warning"),
        (250, "Mis à jour il y a 8 mois", "error"),
    ],
)
def test_the_update_age_is_coloured_past_three_and_six_months(client, operator, days, label, level):
    site = SiteFactory(updated_at=timezone.localdate() - datetime.timedelta(days=days))
    html = _html(client, operator, site)

    assert label in html
    for colour in ("warning", "error"):
        assert (f'fr-badge--{colour}">Mis à jour' in html) is (colour == level)


def test_justice_and_owners_never_reach_a_user_without_access(client, operator, site):
    html = _html(client, operator, site)

    assert BAILIFF not in html
    assert "Tribunal judiciaire de Bordeaux" not in html
    assert "Procédures judiciaires" not in html
    assert OWNER not in html
    assert "Propriétaires" not in html


def test_the_justice_option_opens_the_justice_section_only(client, site):
    operator = UserFactory(role=Role.ASSOCIATION, options=[Option.ACCESS_JUSTICE])
    html = _html(client, operator, site)

    assert BAILIFF in html
    assert OWNER not in html


def test_a_correspondent_sees_justice_and_owners(client, correspondent, site):
    html = _html(client, correspondent, site)

    assert "Procédures judiciaires et administratives" in html
    assert BAILIFF in html
    assert "Tribunal judiciaire de Bordeaux" in html
    assert OWNER in html


def test_the_page_has_no_edit_or_close_link_yet(client, correspondent, site):
    html = _html(client, correspondent, site)

    assert "Modifier" not in html
    assert "/fermer/" not in html


def _query_count(client, site) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(_url(site)).status_code == 200
    return len(queries)


def test_query_count_stays_flat_as_owners_orientations_and_versions_grow(client, correspondent):
    small = SiteFactory(resorbed=True, with_justice=True)
    SiteOwnerFactory(site=small)
    ClosingOrientationFactory(site=small)
    large = SiteFactory(resorbed=True, with_justice=True)
    SiteOwnerFactory.create_batch(6, site=large)
    for solution in list(ClosingSolution)[:4]:
        ClosingOrientationFactory(site=large, solution=solution)
    for population in range(41, 47):
        large.population_total = population
        large.save()
    client.force_login(correspondent)

    assert _query_count(client, large) == _query_count(client, small)
