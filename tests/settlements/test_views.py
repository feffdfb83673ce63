import contextlib
import datetime

import pytest
from django.db import connection
from django.test.signals import template_rendered
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from resorption.accounts.enums import AdminRole, Option, Role
from resorption.settlements.enums import ClosingSolution
from resorption.settlements.models import Site, SiteActor
from resorption.settlements.services import site_update
from tests.accounts.factories import UserFactory
from tests.settlements.factories import ClosingOrientationFactory, SiteFactory, SiteOwnerFactory

pytestmark = pytest.mark.django_db

# A value only the justice section can show, and an owner's name only the owners section can show.
BAILIFF = "Étude Huissier-Témoin-7391"
OWNER = "SCI Propriétaire-Témoin-4826"


def _url(site) -> str:
    return reverse("settlements:detail", kwargs={"pk": site.pk})


@contextlib.contextmanager
def template_rendered_to(names: list[str]):
    """Collects the names of the templates (and partials) rendered inside the block."""

    def collect(sender, template, context, **kwargs):
        names.append(template.name)

    template_rendered.connect(collect)
    try:
        yield
    finally:
        template_rendered.disconnect(collect)


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


def test_a_value_keeps_its_line_breaks_and_its_markup_stays_text(client, operator):
    site = SiteFactory(address_details="Portail <b>bleu</b>\nà gauche du hangar")
    html = _html(client, operator, site)

    assert "Portail &lt;b&gt;bleu&lt;/b&gt;<br>à gauche du hangar" in html
    assert "<b>bleu</b>" not in html


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
        (1, "Mis à jour hier", None),
        (10, "Mis à jour il y a 10 jours", None),
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


def test_a_site_saved_minutes_ago_says_so(client, operator):
    site = SiteFactory()  # updated today, saved just now
    assert "Mis à jour à l&#x27;instant" in _html(client, operator, site)

    # The same site, updated and saved three hours ago: the page follows the real delay (« hier » past midnight).
    saved = timezone.now() - datetime.timedelta(hours=3)
    site.history.update(history_date=saved)
    Site.objects.filter(pk=site.pk).update(updated_at=timezone.localdate(saved))
    expected = "Mis à jour il y a 3 heures" if timezone.localdate(saved) == timezone.localdate() else "Mis à jour hier"
    assert expected in _html(client, operator, site)


def test_a_back_dated_update_reads_in_days(client, operator):
    site = SiteFactory(updated_at=timezone.localdate() - datetime.timedelta(days=5))

    assert "Mis à jour il y a 5 jours" in _html(client, operator, site)


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


def _links(site) -> dict[str, str]:
    return {
        "update": f'href="{reverse("settlements:update", kwargs={"pk": site.pk})}"',
        "close": f'href="{reverse("settlements:close", kwargs={"pk": site.pk})}"',
        "fix_status": f'href="{reverse("settlements:fix_status", kwargs={"pk": site.pk})}"',
        "history": f'href="{reverse("settlements:history", kwargs={"pk": site.pk})}"',
    }


@pytest.mark.parametrize(
    ("user_kwargs", "closed", "shown"),
    [
        ({"role": Role.DIRECT_COLLABORATOR}, False, {"update", "close", "history"}),
        ({"role": Role.ASSOCIATION}, False, {"update", "history"}),
        ({"role": Role.ASSOCIATION, "options": [Option.CLOSE_SHANTYTOWN]}, False, {"update", "close", "history"}),
        ({"role": Role.INTERVENER}, False, {"history"}),
        ({"role": Role.EXTERNAL_OBSERVER}, False, {"history"}),
        ({"role": Role.NATIONAL_ESTABLISHMENT}, False, {"history"}),
        # A closed site is neither updated nor closed again; only national admins correct its status.
        ({"role": Role.DIRECT_COLLABORATOR}, True, {"history"}),
        ({"role": Role.DIRECT_COLLABORATOR, "admin_role": AdminRole.LOCAL_ADMIN}, True, {"history"}),
        ({"role": Role.DIRECT_COLLABORATOR, "admin_role": AdminRole.NATIONAL_ADMIN}, True, {"fix_status", "history"}),
        (
            {"role": Role.DIRECT_COLLABORATOR, "admin_role": AdminRole.NATIONAL_ADMIN},
            False,
            {"update", "close", "history"},
        ),
    ],
)
def test_the_action_buttons_follow_the_permissions(client, user_kwargs, closed, shown):
    site = SiteFactory(closed=True) if closed else SiteFactory()
    html = _html(client, UserFactory(**user_kwargs), site)

    links = _links(site)
    assert {name for name, link in links.items() if link in html} == shown
    assert ("Modifier</a>" in html) is ("update" in shown)
    assert ("Fermer le site</a>" in html) is ("close" in shown)
    assert ("Corriger le statut</a>" in html) is ("fix_status" in shown)


def test_the_header_shows_the_completion_rate_and_what_is_missing(client, operator):
    html = _html(client, operator, SiteFactory())  # 7 of the 12 criteria (see test_completion.py)

    assert "Taux de complétion : <strong>58 %</strong>" in html
    assert "À compléter : Statut du diagnostic social, Accès à l&#x27;eau, Toilettes, Électricité" in html


@pytest.mark.parametrize("role", [Role.EXTERNAL_OBSERVER, Role.INTERVENER, Role.NATIONAL_ESTABLISHMENT])
def test_who_may_not_update_the_site_is_not_asked_to_complete_it(client, role):
    html = _html(client, UserFactory(role=role), SiteFactory())  # the same incomplete site as above

    assert "Taux de complétion : <strong>58 %</strong>" in html
    assert "À compléter" not in html


def test_a_closed_site_asks_nobody_to_complete_it(client, correspondent):
    html = _html(client, correspondent, SiteFactory(closed=True))  # 7 of the 12 criteria, as above

    assert "Taux de complétion : <strong>58 %</strong>" in html
    assert "À compléter" not in html


def test_a_complete_site_has_nothing_left_to_complete(client, operator):
    html = _html(client, operator, SiteFactory(good_living_conditions=True, census_done=True))

    assert "Taux de complétion : <strong>100 %</strong>" in html
    assert "À compléter" not in html


def test_the_actors_section_is_there_even_empty(client, operator):
    site = SiteFactory()
    html = _html(client, operator, site)

    assert 'id="intervenants"' in html
    assert "Aucun intervenant n'est déclaré sur ce site." in html
    assert reverse("settlements:actor_self", kwargs={"pk": site.pk}) in html


def test_a_closed_site_lists_its_actors_but_takes_no_new_one(client, operator):
    site = SiteFactory(closed=True)
    SiteActor.objects.create(site=site, user=UserFactory(first_name="Hugo", last_name="Garcia"), themes=["sante"])
    html = _html(client, operator, site)

    assert "Hugo Garcia" in html
    assert reverse("settlements:actor_self", kwargs={"pk": site.pk}) not in html
    assert reverse("settlements:actor_add", kwargs={"pk": site.pk}) not in html


def _query_count(client, site) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(_url(site)).status_code == 200
    return len(queries)


def test_query_count_stays_flat_as_owners_orientations_versions_and_actors_grow(client, correspondent):
    small = SiteFactory(resorbed=True, with_justice=True)
    SiteOwnerFactory(site=small)
    ClosingOrientationFactory(site=small)
    SiteActor.objects.create(site=small, user=UserFactory(), themes=["sante"])
    large = SiteFactory(resorbed=True, with_justice=True)
    SiteOwnerFactory.create_batch(6, site=large)
    for solution in list(ClosingSolution)[:4]:
        ClosingOrientationFactory(site=large, solution=solution)
    for population in range(41, 47):
        large.population_total = population
        large.save()
    for index in range(8):
        # Each actor in another organisation, some added by someone else, one of them the viewer himself.
        person = correspondent if index == 0 else UserFactory()
        SiteActor.objects.create(
            site=large, user=person, themes=["sante", "autre"], other_theme="Droits", created_by=person
        )
    client.force_login(correspondent)

    assert _query_count(client, large) == _query_count(client, small)


def test_query_count_of_an_open_site_stays_flat_as_actors_grow(client, operator):
    small, large = SiteFactory(), SiteFactory()
    SiteActor.objects.create(site=small, user=UserFactory(), themes=["sante"])
    for _ in range(10):
        SiteActor.objects.create(site=large, user=UserFactory(), themes=["logement"], created_by=operator)
    client.force_login(operator)

    assert _query_count(client, large) == _query_count(client, small)


# The sections every reader sees alike, rendered once per site version ------------------------------------------------


def test_the_public_sections_are_rendered_once_per_version_and_follow_an_update(client, correspondent, operator):
    site = SiteFactory(population_total=40)
    _html(client, correspondent, site)
    rendered = []
    with template_rendered_to(rendered):
        html = _html(client, operator, site)
    # The second reader gets the sections of this version without rendering them again: none of their rows (he
    # reads no justice, and the site is open: no other section of rows).
    assert "settlements/includes/site_sections.html" in rendered
    assert "settlements/includes/rows.html" not in rendered
    assert "Conditions de vie" in html and ">40<" in html

    site_update(user=correspondent, site_id=site.pk, expected_version=site.version, values={"population_total": 55})

    html = _html(client, operator, site)
    assert ">55<" in html and ">40<" not in html


def test_the_public_sections_rendered_for_an_admin_carry_no_justice_to_the_next_reader(client, correspondent, site):
    assert BAILIFF in _html(client, correspondent, site)  # the correspondent reads justice: rendered for him first

    html = _html(client, UserFactory(role=Role.ASSOCIATION), site)

    assert "Conditions de vie" in html
    assert BAILIFF not in html
    assert "Procédures judiciaires" not in html
