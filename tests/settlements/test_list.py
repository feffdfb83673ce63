import datetime
import re

import pytest
from django.core.cache import caches
from django.core.cache.utils import make_template_fragment_key
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from resorption.accounts.enums import AdminRole, AreaType, Option, Role
from resorption.settlements.enums import ClosingCause, FieldType, OwnerType
from resorption.settlements.forms import SiteFilterForm
from resorption.settlements.models import Site, SiteActor
from tests.accounts.factories import OrganizationFactory, UserFactory
from tests.settlements.factories import SiteFactory
from tests.territories.factories import CommuneFactory, DepartementFactory, EpciFactory, RegionFactory

pytestmark = pytest.mark.django_db

URL = reverse("settlements:list")
_DETAIL_LINK = re.compile(r'href="/sites/(\d+)/"')


def _html(client, user, **params) -> str:
    client.force_login(user)
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


def _listed(client, user, **params) -> set[int]:
    """The pks of the sites the list links to."""
    return {int(pk) for pk in _DETAIL_LINK.findall(_html(client, user, **params))}


def _ordered(client, user, **params) -> list[int]:
    return [int(pk) for pk in _DETAIL_LINK.findall(_html(client, user, **params))]


@pytest.fixture
def toulouse():
    haute_garonne = DepartementFactory(code="31", name="Haute-Garonne", region=RegionFactory(code="76"))
    return CommuneFactory(code="31555", name="Toulouse", departement=haute_garonne, postal_codes="31000 31100")


@pytest.fixture
def merignac():
    return CommuneFactory(code="33281", name="Mérignac", postal_codes="33700")


@pytest.fixture
def operator():
    """An opérateur of Gironde: lists the sites of 33 only, no justice."""
    return UserFactory(role=Role.ASSOCIATION)


@pytest.fixture
def national():
    """A national actor: works on the whole country, lists every site and reads justice everywhere."""
    return UserFactory(
        role=Role.NATIONAL_ESTABLISHMENT,
        organization=OrganizationFactory(area_type=AreaType.NATION, departement=None),
    )


@pytest.fixture
def local_admin():
    """A local admin of Gironde: lists every site, reads justice in Gironde only."""
    return UserFactory(admin_role=AdminRole.LOCAL_ADMIN)


# Scope, tabs, rows


def test_an_operator_of_gironde_lists_the_sites_of_gironde_only(client, operator, toulouse):
    bordeaux = SiteFactory()
    SiteFactory(commune=toulouse, address="1 allée Jean Jaurès 31000 Toulouse")

    assert _listed(client, operator) == {bordeaux.pk}
    assert "Toulouse" not in _html(client, operator)


def test_a_national_actor_lists_every_site(client, national, toulouse):
    sites = {SiteFactory().pk, SiteFactory(commune=toulouse).pk}

    assert _listed(client, national) == sites


def test_an_anonymous_visitor_is_sent_to_login():
    response = Client().get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_tabs_split_existing_and_closed_sites(client, operator):
    existing = SiteFactory()
    closed = SiteFactory(closed=True)
    resorbed = SiteFactory(resorbed=True)

    assert _listed(client, operator) == {existing.pk}
    assert _listed(client, operator, statut="ouverts") == {existing.pk}
    assert _listed(client, operator, statut="fermes") == {closed.pk, resorbed.pk}


def test_a_row_shows_the_site_at_a_glance(client, operator):
    SiteFactory(
        address="12 rue des Lilas 33000 Bordeaux",
        name="Terrain du Lac",
        population_total=57,
        field_type=FieldType.BUILDING,
        updated_at=datetime.date(2025, 3, 14),
        sanitary_open_air_defecation=True,
        heatwave=True,
    )
    html = _html(client, operator)

    assert "12 rue des Lilas" in html
    assert "Terrain du Lac" in html
    assert "Bordeaux (33)" in html
    assert ">57<" in html
    assert "Immeuble bâti" in html
    assert "Toilettes : mauvais" in html
    assert "Eau : inconnu" in html
    assert "Canicule" in html
    assert "14 mars 2025" in html


def _row_of(html: str, site) -> str:
    """The table row linking to `site`, without its star (the user's own « suivre ce site » form)."""
    rows = [
        row.split("</tr>")[0].split('<td class="site-list__follow">')[0]
        for row in html.split("<tr>")
        if f'href="/sites/{site.pk}/"' in row
    ]
    assert len(rows) == 1
    return rows[0]


def test_a_row_follows_its_site_after_it_was_shown_and_escapes_what_was_typed(client, operator):
    """Rows are rendered once per content and kept by the process (`row_html`): a change of the site gives another
    row, and what a user typed is escaped like everywhere else."""
    site = SiteFactory(name="Pont & Berges", population_total=40)
    before = _row_of(_html(client, operator), site)
    Site.objects.filter(pk=site.pk).update(name="Les Berges", population_total=41)

    after = _row_of(_html(client, operator), site)

    assert "« Pont &amp; Berges »" in before and ">40<" in before
    assert "« Les Berges »" in after and ">41<" in after
    assert "Pont" not in after


def test_each_row_shows_its_own_living_conditions_whoever_listed_before(client, operator, national, toulouse):
    """A row's badges are rendered once per combination of statuses and kept by the process: they must follow each
    site's own statuses on every page, whoever asked first."""
    good = SiteFactory(good_living_conditions=True)
    bad_toilets = SiteFactory(commune=toulouse, sanitary_open_air_defecation=True)

    operator_row = _row_of(_html(client, operator), good)
    html = _html(client, national)

    assert _row_of(html, good) == operator_row
    assert "Toilettes : bon" in operator_row and "Eau : bon" in operator_row
    assert "Toilettes : mauvais" in _row_of(html, bad_toilets)
    assert "Toilettes : bon" not in _row_of(html, bad_toilets)
    assert "Eau : inconnu" in _row_of(html, bad_toilets)


def test_a_closed_row_shows_resorbed_or_closed(client, operator):
    SiteFactory(resorbed=True)
    html = _html(client, operator, statut="fermes")

    assert "Résorbé" in html
    assert "Résorption progressive du site" in html


def test_the_summary_counts_sites_people_and_minors_of_the_filters(client, operator):
    SiteFactory(population_total=40, population_minors=15)
    SiteFactory(population_total=8, population_minors=2, population_couples=3)
    SiteFactory(population_total=None, population_minors=None, population_couples=None)
    SiteFactory(closed=True, population_total=100, population_minors=50)

    assert "3 sites — 48 personnes dont 17 mineurs" in _html(client, operator)
    assert "1 site — 8 personnes dont 2 mineurs" in _html(client, operator, population="moins-de-10")


def _summary_queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, params).status_code == 200
    return sum('AS "people"' in query["sql"] for query in queries)


def test_the_summary_is_read_once_and_again_as_soon_as_a_site_changes(client, operator):
    site = SiteFactory(population_total=40, population_minors=15)
    client.force_login(operator)
    assert _summary_queries(client) == 1
    assert _summary_queries(client) == 0  # the same sites, filters and data: kept
    assert _summary_queries(client, page="1", tri="commune") == 0  # another page or order of the same list
    assert _summary_queries(client, population="moins-de-10") == 1  # other filters

    declared = SiteFactory(population_total=8, population_minors=2, population_couples=3)
    assert "2 sites — 48 personnes dont 17 mineurs" in _html(client, operator)
    site.population_total, site.population_minors = 50, 20
    site.save()
    assert "2 sites — 58 personnes dont 22 mineurs" in _html(client, operator)
    declared.delete()
    assert "1 site — 50 personnes dont 20 mineurs" in _html(client, operator)


def test_a_kept_summary_is_never_shared_between_users_who_see_other_sites(client, operator, national, toulouse):
    SiteFactory(population_total=40, population_minors=15)
    SiteFactory(commune=toulouse, population_total=8, population_minors=2, population_couples=3)

    assert "1 site — 40 personnes dont 15 mineurs" in _html(client, operator, localisation="")
    assert "2 sites — 48 personnes dont 17 mineurs" in _html(client, national, localisation="")
    assert "1 site — 40 personnes dont 15 mineurs" in _html(client, operator, localisation="")


@pytest.mark.parametrize(
    ("tab", "name", "values"),
    [
        (tab, name, [value for value, _ in SiteFilterForm.base_fields[name].choices if value])
        for tab, names in (
            (
                "",
                (
                    "localisation",
                    "population",
                    "type",
                    "origines",
                    "objectif",
                    "eau",
                    "proprietaire",
                    "conditions",
                    "intervenants",
                    "canicule",
                ),
            ),
            ("fermes", ("population", "type", "origines", "objectif", "eau", "proprietaire", "cause", "issue")),
        )
        for name in names
    ],
)
def test_every_filter_of_the_summary_reads_only_columns_of_its_index(client, national, tab, name, values):
    """On PostgreSQL the summary of a filtered list is answered from `site_summary_filters_idx` alone (no table row
    read) only while every column it touches is in the index: a new filter must be added to `LIST_FILTER_COLUMNS`."""
    index = next(index for index in Site._meta.indexes if index.name == "site_summary_filters_idx")
    indexed = {Site._meta.get_field(name).column for name in [*index.fields, *index.include]}
    values = values or ["33"]  # the location's choices depend on the user: a département he sees
    client.force_login(national)
    for value in values:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL, {"statut": tab, name: value}).status_code == 200
        summary = next(query["sql"] for query in queries if 'AS "people"' in query["sql"])
        read = set(re.findall(r'"settlements_site"\."(\w+)"', summary))
        assert read <= indexed, (name, value, read - indexed)


def _per_request_free(response) -> str:
    """The page without what changes on every request (the CSP nonce, CSRF tokens)."""
    html = re.sub(r'nonce="[^"]*"', "", response.content.decode())
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def test_the_filters_are_cleaned_once_and_the_panel_renders_again_from_the_lazy_form(client, operator, monkeypatch):
    """`filter_state` keeps the cleaned filter values: the same filters again build no form, unless the filter panel
    itself has to be rendered again (its fragment gone), which then builds it."""
    SiteFactory(population_total=8, population_couples=3, population_minors=2)
    built = []
    original = SiteFilterForm.from_query.__func__
    monkeypatch.setattr(
        SiteFilterForm,
        "from_query",
        classmethod(lambda cls, *args, **kwargs: built.append(1) or original(cls, *args, **kwargs)),
    )
    client.force_login(operator)

    first = client.get(URL, {"population": "moins-de-10"})
    again = client.get(URL, {"population": "moins-de-10"})
    assert len(built) == 1
    assert _per_request_free(again) == _per_request_free(first)

    caches["fragments"].delete(make_template_fragment_key("site_list_filters", [first.context["filters_cache_key"]]))
    redrawn = client.get(URL, {"population": "moins-de-10"})
    assert len(built) == 2
    assert _per_request_free(redrawn) == _per_request_free(first)
    assert re.search(r'<input[^>]*value="moins-de-10"[^>]*checked', redrawn.content.decode())
    assert "1 site — 8 personnes dont 2 mineurs" in redrawn.content.decode()


# Location and search


def test_the_location_filter_narrows_to_a_departement(client, national, toulouse):
    SiteFactory()
    in_toulouse = SiteFactory(commune=toulouse)

    assert _listed(client, national, localisation="31") == {in_toulouse.pk}


def test_the_departements_offered_are_those_where_the_user_sees_sites(client, operator, national, toulouse):
    SiteFactory()
    SiteFactory(commune=toulouse)

    assert 'value="31"' in _html(client, national)
    assert 'value="31"' not in _html(client, operator)


def test_the_departements_offered_are_kept_a_minute_for_whoever_sees_the_same_sites(client, national, toulouse):
    SiteFactory()
    assert 'value="33"' in _html(client, national)
    SiteFactory(commune=toulouse)
    other_national = UserFactory(
        role=Role.NATIONAL_ESTABLISHMENT,
        organization=OrganizationFactory(area_type=AreaType.NATION, departement=None),
        email="national2@exemple.test",
    )

    # Who sees the same sites shares the list of départements for a minute (2 ms of SQL at national scale)…
    assert 'value="31"' not in _html(client, other_national)
    caches["fragments"].clear()  # …after which the new département is offered.
    assert 'value="31"' in _html(client, other_national)


def test_a_departement_out_of_scope_is_ignored(client, operator, toulouse):
    bordeaux = SiteFactory()
    SiteFactory(commune=toulouse)

    assert _listed(client, operator, localisation="31") == {bordeaux.pk}


def test_the_list_opens_on_the_main_area_and_all_territories_is_one_choice_away(client, local_admin, toulouse):
    bordeaux = SiteFactory()
    in_toulouse = SiteFactory(commune=toulouse)

    html = _html(client, local_admin)
    assert _listed(client, local_admin) == {bordeaux.pk}
    assert '<option value="33" selected>' in html
    assert "Effacer les filtres" not in html  # the main area is the list's default, not a filter
    assert _listed(client, local_admin, localisation="") == {bordeaux.pk, in_toulouse.pk}


def test_a_national_actor_opens_the_list_on_every_territory(client, national, toulouse):
    sites = {SiteFactory().pk, SiteFactory(commune=toulouse).pk}

    assert _listed(client, national) == sites
    assert '<option value="" selected>Tous vos territoires</option>' in _html(client, national)


def test_region_epci_and_commune_locations(client, national, toulouse):
    metropole = EpciFactory()
    in_bordeaux = SiteFactory(commune=CommuneFactory(epci=metropole))
    in_merignac = SiteFactory(commune=CommuneFactory(code="33281", name="Mérignac", epci=metropole))
    in_toulouse = SiteFactory(commune=toulouse)

    assert _listed(client, national, localisation="region-75") == {in_bordeaux.pk, in_merignac.pk}
    assert _listed(client, national, localisation="region-76") == {in_toulouse.pk}
    assert _listed(client, national, localisation="epci-243300316") == {in_bordeaux.pk, in_merignac.pk}
    assert _listed(client, national, localisation="commune-33281") == {in_merignac.pk}
    html = _html(client, national, localisation="commune-33281")
    assert '<option value="commune-33281" selected>Mérignac (33)</option>' in html


def test_a_city_takes_in_the_sites_of_its_arrondissements(client, national):
    marseille = CommuneFactory(code="13055", name="Marseille", departement=DepartementFactory(code="13"))
    arrondissement = CommuneFactory(
        code="13201", name="Marseille 1er", departement=marseille.departement, main=marseille
    )
    site = SiteFactory(commune=arrondissement, address="1 rue de la République 13001 Marseille")

    assert _listed(client, national, localisation="commune-13055") == {site.pk}


def test_an_unknown_location_is_ignored(client, national, toulouse):
    sites = {SiteFactory().pk, SiteFactory(commune=toulouse).pk}

    assert _listed(client, national, localisation="commune-99999") == sites
    assert _listed(client, national, localisation="region-") == sites


def test_metropole_and_overseas(client, national):
    bordeaux = SiteFactory()
    reunion = SiteFactory(commune=CommuneFactory(overseas=True), address="3 rue de Paris 97400 Saint-Denis")

    assert _listed(client, national, localisation="metropole") == {bordeaux.pk}
    assert _listed(client, national, localisation="outre-mer") == {reunion.pk}


@pytest.mark.parametrize("term", ["merignac", "MÉRIGNAC", "Merignac", "33700", "pins gris", "Belle Étoile", "gironde"])
def test_the_search_reads_address_name_commune_and_postal_code(client, operator, merignac, term):
    found = SiteFactory(commune=merignac, address="22 avenue des Pins Gris 33700 Mérignac", name="La Belle Étoile")
    SiteFactory(commune=CommuneFactory(code="33318", name="Pessac", postal_codes="33600"), address="5 allée X")

    listed = _listed(client, operator, q=term)
    if term == "gironde":  # the département's name finds every site in it
        assert found.pk in listed and len(listed) == 2
    else:
        assert listed == {found.pk}


@pytest.mark.parametrize("term", ["etoile", "ÉTOILE", "chemin d'ornon", "Chemin-d’Ornon", "belle-etoile"])
def test_the_search_ignores_accents_case_and_punctuation_in_address_and_name(client, operator, term):
    found = SiteFactory(address="3 chemin d'Ornon 33000 Bordeaux", name="Belle Étoile")
    SiteFactory(address="5 allée des Pins 33000 Bordeaux", name="Les Pins")

    assert _listed(client, operator, q=term) == {found.pk}


@pytest.mark.parametrize("term", ["pessac", "33600", "gironde pessac"])
def test_the_search_finds_commune_and_postal_code_absent_from_the_address(client, operator, merignac, term):
    found = SiteFactory(commune=CommuneFactory(code="33318", name="Pessac", postal_codes="33600"), address="5 allée X")
    SiteFactory(commune=merignac, address="22 avenue des Pins Gris 33700 Mérignac")

    assert _listed(client, operator, q=term) == {found.pk}


def test_punctuation_alone_is_not_a_search_word(client, operator):
    site = SiteFactory()

    assert _listed(client, operator, q="- '") == {site.pk}


def test_every_word_of_the_search_must_match(client, operator, merignac):
    found = SiteFactory(commune=merignac, address="22 avenue des Pins 33700 Mérignac")
    SiteFactory(address="22 avenue des Pins 33000 Bordeaux")

    assert _listed(client, operator, q="pins merignac") == {found.pk}


# Filters


def test_population_ranges(client, operator):
    small = SiteFactory(population_total=9, population_couples=3, population_minors=2)
    medium = SiteFactory(population_total=50)
    large = SiteFactory(population_total=51)
    huge = SiteFactory(population_total=101)
    unknown = SiteFactory(population_total=None)

    assert _listed(client, operator, population="moins-de-10") == {small.pk}
    assert _listed(client, operator, population="10-50") == {medium.pk}
    assert _listed(client, operator, population="51-100") == {large.pk}
    assert _listed(client, operator, population="plus-de-100") == {huge.pk}
    assert _listed(client, operator, population="inconnu") == {unknown.pk}
    assert _listed(client, operator, population=["moins-de-10", "plus-de-100"]) == {small.pk, huge.pk}


def test_field_type(client, operator):
    building = SiteFactory(field_type=FieldType.BUILDING)
    SiteFactory(field_type=FieldType.LAND)

    assert _listed(client, operator, type="building") == {building.pk}


def test_origins_including_european_nationals_only(client, operator):
    european = SiteFactory(origin_european=True)
    mixed = SiteFactory(origin_european=True, origin_french=True)
    french = SiteFactory(origin_european=False, origin_french=True)
    unknown = SiteFactory(origin_european=False)

    assert _listed(client, operator, origines="europeens") == {european.pk, mixed.pk}
    assert _listed(client, operator, origines="europeens-uniquement") == {european.pk}
    assert _listed(client, operator, origines="francais") == {mixed.pk, french.pk}
    assert _listed(client, operator, origines="inconnues") == {unknown.pk}


def test_a_living_condition_section_bad_or_unknown(client, operator):
    good = SiteFactory(good_living_conditions=True)
    unknown = SiteFactory()
    bad_toilets = SiteFactory(
        good_living_conditions=True,
        sanitary_open_air_defecation=True,
        sanitary_working_toilets=False,
        sanitary_toilets_dry=False,
        sanitary_toilets_are_inside=None,
        sanitary_toilets_are_lighted=None,
        sanitary_hand_washing=None,
    )

    assert _listed(client, operator, conditions="sanitary") == {unknown.pk, bad_toilets.pk}
    assert _listed(client, operator, conditions="water") == {unknown.pk}
    assert good.pk not in _listed(client, operator, conditions=["water", "sanitary"])


def test_water_access_as_the_map_words_it(client, operator):
    good = SiteFactory(good_living_conditions=True)
    unknown = SiteFactory()
    closed_good = SiteFactory(good_living_conditions=True, closed=True)

    assert Site.objects.get(pk=good.pk).water_status == "good"
    assert _listed(client, operator, eau="good") == {good.pk}
    assert _listed(client, operator, eau="unknown") == {unknown.pk}
    assert _listed(client, operator, eau=["good", "unknown"]) == {good.pk, unknown.pk}
    assert _listed(client, operator, eau="bad") == set()
    assert _listed(client, operator, statut="fermes", eau="good") == {closed_good.pk}  # both tabs


def test_owner_type(client, operator):
    public = SiteFactory(owner_type=OwnerType.PUBLIC)
    private = SiteFactory(owner_type=OwnerType.PRIVATE)
    SiteFactory(owner_type=OwnerType.UNKNOWN)

    assert _listed(client, operator, proprietaire="public") == {public.pk}
    assert _listed(client, operator, proprietaire=["public", "private"]) == {public.pk, private.pk}
    assert "Type de propriétaire" in _html(client, operator)


def test_heatwave_and_resorption_target(client, operator):
    hot = SiteFactory(heatwave=True)
    targeted = SiteFactory(resorption_target=2027)

    assert _listed(client, operator, canicule="oui") == {hot.pk}
    assert _listed(client, operator, canicule="non") == {targeted.pk}
    assert _listed(client, operator, objectif="oui") == {targeted.pk}
    assert _listed(client, operator, objectif="non") == {hot.pk}


def test_sites_with_and_without_actors(client, operator):
    followed = SiteFactory()
    SiteActor.objects.create(site=followed, user=UserFactory(email="a@exemple.test"), themes=["sante"])
    SiteActor.objects.create(site=followed, user=UserFactory(email="b@exemple.test"), themes=["logement"])
    alone = SiteFactory()

    assert _ordered(client, operator, intervenants="oui") == [followed.pk]  # once, whatever its number of actors
    assert _listed(client, operator, intervenants="non") == {alone.pk}


def test_closing_cause_and_resorbed_or_closed(client, operator):
    closed = SiteFactory(closed=True)
    resorbed = SiteFactory(resorbed=True)

    assert _listed(client, operator, statut="fermes", cause="resorbed") == {resorbed.pk}
    assert _listed(client, operator, statut="fermes", cause=ClosingCause.CLOSED_BY_PREF_ADMIN) == {closed.pk}
    assert _listed(client, operator, statut="fermes", issue="resorbe") == {resorbed.pk}
    assert _listed(client, operator, statut="fermes", issue="ferme") == {closed.pk}


def test_filters_of_the_other_tab_are_ignored(client, operator):
    existing = SiteFactory()
    closed = SiteFactory(closed=True)

    assert _listed(client, operator, issue="resorbe") == {existing.pk}
    assert _listed(client, operator, statut="fermes", canicule="oui") == {closed.pk}


# Justice filters: only for readers, only on sites they read


def test_justice_filters_are_absent_and_ignored_without_justice_access(client, operator):
    with_justice = SiteFactory(with_justice=True)
    without = SiteFactory()

    html = _html(client, operator)
    assert 'name="justice"' not in html
    assert 'name="arrete"' not in html
    assert 'name="rhi"' not in html
    assert _listed(client, operator, justice="procedure") == {with_justice.pk, without.pk}
    assert _listed(client, operator, arrete="oui", rhi="oui") == {with_justice.pk, without.pk}


def test_justice_filters_for_a_national_reader(client, national):
    with_justice = SiteFactory(with_justice=True)
    no_procedure = SiteFactory(owner_complaint=False, justice_procedure=False)
    unknown = SiteFactory()
    evacuation = SiteFactory(evacuation_under_time_limit=True)

    assert 'name="justice"' in _html(client, national)
    assert _listed(client, national, justice="procedure") == {with_justice.pk}
    assert _listed(client, national, justice="plainte") == {with_justice.pk}
    assert _listed(client, national, justice="aucune") == {no_procedure.pk}
    assert _listed(client, national, justice="inconnu") == {unknown.pk, evacuation.pk}
    assert _listed(client, national, arrete="oui") == {evacuation.pk}
    assert _listed(client, national, rhi="inconnu") == {with_justice.pk, no_procedure.pk, unknown.pk, evacuation.pk}


def test_a_justice_filter_never_matches_a_site_whose_justice_the_user_cannot_read(client, local_admin, toulouse):
    """A local admin of Gironde lists Toulouse's sites but reads justice in Gironde only: filtering on justice must
    not tell him which Toulouse sites have a procedure, nor which have none."""
    in_gironde = SiteFactory(with_justice=True)
    SiteFactory(commune=toulouse, with_justice=True)
    SiteFactory(commune=toulouse, owner_complaint=False, justice_procedure=False)

    everywhere = {"localisation": ""}  # he opens the list on Gironde, his main area; "Tous vos territoires" here
    assert len(_listed(client, local_admin, **everywhere)) == 3
    assert _listed(client, local_admin, justice="procedure", **everywhere) == {in_gironde.pk}
    assert _listed(client, local_admin, justice="aucune", **everywhere) == set()


def test_an_operator_with_the_justice_option_gets_the_filters_on_his_area(client, toulouse):
    reader = UserFactory(role=Role.ASSOCIATION, options=[Option.ACCESS_JUSTICE])
    in_gironde = SiteFactory(with_justice=True)

    assert 'name="justice"' in _html(client, reader)
    assert _listed(client, reader, justice="procedure") == {in_gironde.pk}


# Sorts and pagination


def test_sorts(client, operator, merignac):
    pessac = CommuneFactory(code="33318", name="Pessac", postal_codes="33600")
    a = SiteFactory(
        commune=pessac,
        population_total=10,
        population_couples=3,
        population_minors=4,
        updated_at=datetime.date(2025, 1, 1),
        declared_at=datetime.date(2024, 6, 1),
    )
    b = SiteFactory(
        commune=merignac,
        population_total=90,
        updated_at=datetime.date(2025, 6, 1),
        declared_at=datetime.date(2024, 4, 2),
    )
    c = SiteFactory(
        population_total=None, updated_at=datetime.date(2024, 12, 1), declared_at=datetime.date(2024, 5, 1)
    )

    assert _ordered(client, operator) == [b.pk, a.pk, c.pk]
    assert _ordered(client, operator, tri="mise-a-jour") == [b.pk, a.pk, c.pk]
    assert _ordered(client, operator, tri="commune") == [c.pk, b.pk, a.pk]  # Bordeaux, Mérignac, Pessac
    assert _ordered(client, operator, tri="population") == [b.pk, a.pk, c.pk]
    assert _ordered(client, operator, tri="signalement") == [a.pk, c.pk, b.pk]


def test_pagination_by_thirty_keeps_the_filters(client, operator):
    SiteFactory.create_batch(31, heatwave=True)
    SiteFactory()

    first = _html(client, operator, canicule="oui")
    assert len(_DETAIL_LINK.findall(first)) == 30
    assert "31 sites" in first
    assert "canicule=oui&amp;page=2" in first
    assert len(_DETAIL_LINK.findall(_html(client, operator, canicule="oui", page=2))) == 1


@pytest.mark.parametrize(
    "params",
    [
        {"statut": "tous"},
        {"tri": "nom; DROP TABLE"},
        {"page": "abc"},
        {"page": "-3"},
        {"page": "9999"},
        {"localisation": "999"},
        {"population": ["beaucoup", "10-50"]},
        {"type": "caravane"},
        {"origines": "martiens"},
        {"conditions": "wifi"},
        {"canicule": "peut-etre"},
        {"cause": "x"},
        {"justice": "x"},
        {"q": "\x00" + "x" * 500},
    ],
)
def test_bad_parameters_are_ignored(client, national, params):
    site = SiteFactory(population_total=20)

    assert _listed(client, national, **params) == {site.pk}


def test_a_bad_value_does_not_drop_the_good_ones(client, operator):
    medium = SiteFactory(population_total=20)
    SiteFactory(population_total=200)

    assert _listed(client, operator, population=["beaucoup", "10-50"]) == {medium.pk}


def test_the_query_count_does_not_grow_with_the_sites(client, local_admin, toulouse):
    def count_queries() -> int:
        client.force_login(local_admin)
        caches["fragments"].clear()  # each count with the département filter's query (kept a minute otherwise)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(
                URL, {"justice": "procedure", "q": "rue", "population": "10-50", "tri": "commune", "localisation": ""}
            )
        assert response.status_code == 200
        return len(queries)

    SiteFactory(with_justice=True)
    SiteFactory(commune=toulouse)
    few = count_queries()
    for index in range(23):
        SiteFactory(with_justice=True, commune=toulouse if index % 2 else CommuneFactory(), heatwave=True)
    many = count_queries()

    assert many == few
    assert few <= 12, few


def test_who_may_declare_gets_the_declaration_button_and_others_the_report_one(client, operator):
    correspondent = UserFactory(role=Role.DIRECT_COLLABORATOR)
    declare, report = reverse("settlements:declare"), reverse("settlements:report")

    html = _html(client, correspondent)
    assert f'href="{declare}"' in html and f'href="{report}"' not in html
    html = _html(client, UserFactory(role=Role.INTERVENER))
    assert f'href="{report}"' in html and f'href="{declare}"' not in html


# The rendered filter panel is cached: never shared between different territories, rights or queries.


def test_the_cached_filter_panel_follows_the_users_territories_and_rights(client, national, operator, toulouse):
    SiteFactory()
    SiteFactory(commune=toulouse)

    national_html = _html(client, national)
    operator_html = _html(client, operator)

    assert '<option value="31">' in national_html and 'name="justice"' in national_html
    assert '<option value="31">' not in operator_html
    assert 'name="justice"' not in operator_html


def test_the_cached_filter_panel_shows_the_filters_of_its_own_query(client, operator):
    SiteFactory(heatwave=True)

    filtered = _html(client, operator, canicule="oui")
    plain = _html(client, operator)

    assert '<option value="oui" selected>' in filtered
    assert '<option value="oui" selected>' not in plain
