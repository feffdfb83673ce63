"""The map (issue 11 item 2, reference §G): its page, its document of sites, the panel of a site and the place
search."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from resorption.accounts.enums import AdminRole, AreaType, Role
from resorption.settlements.enums import FieldType, OwnerType
from resorption.settlements.models import Site
from tests.accounts.factories import OrganizationFactory, PermissionOverrideFactory, UserFactory
from tests.settlements.factories import SiteFactory, SiteOwnerFactory
from tests.territories.factories import CommuneFactory, DepartementFactory, RegionFactory

pytestmark = pytest.mark.django_db

PAGE = reverse("maps:index")
SITES = reverse("maps:sites")
ROOT = Path(__file__).resolve().parents[2]
# The document's lists, written out here rather than read from the code under test.
TYPES = ["unknown", "land", "building"]
WATER = ["good", "to_improve", "bad", "unknown"]


@pytest.fixture
def haute_garonne():
    return DepartementFactory(code="31", name="Haute-Garonne", region=RegionFactory(code="76", name="Occitanie"))


@pytest.fixture
def toulouse(haute_garonne):
    return CommuneFactory(code="31555", name="Toulouse", departement=haute_garonne, postal_codes="31000 31100")


@pytest.fixture
def sites(toulouse):
    """An open site in Bordeaux (with a procedure and owners), a closed one, and an open one in Toulouse."""
    bordeaux = SiteFactory(
        address="12 rue des Lilas 33000 Bordeaux",
        name="Terrain du Lac",
        latitude=44.8360123,
        longitude=-0.5480987,
        field_type=FieldType.LAND,
        population_total=62,
        population_couples=18,
        population_minors=24,
        good_living_conditions=True,
        with_justice=True,
    )
    SiteOwnerFactory(site=bordeaux, name="SCI Les Berges du Fleuve")
    closed = SiteFactory(address="3 chemin de Lissandre 33800 Bordeaux", closed=True)
    toulouse_site = SiteFactory(
        commune=toulouse,
        address="40 chemin du Ramier 31400 Toulouse",
        latitude=43.575,
        longitude=1.433,
        field_type=FieldType.BUILDING,
        owner_type=OwnerType.PRIVATE,
        population_total=None,
        population_couples=None,
        population_minors=None,
        with_justice=True,
    )
    return {"bordeaux": bordeaux, "closed": closed, "toulouse": toulouse_site}


def _national():
    return UserFactory(
        role=Role.NATIONAL_ESTABLISHMENT,
        organization=OrganizationFactory(area_type=AreaType.NATION, departement=None),
    )


def _national_admin():
    return UserFactory(
        admin_role=AdminRole.NATIONAL_ADMIN,
        organization=OrganizationFactory(area_type=AreaType.NATION, departement=None),
    )


def _document(client, user, **params) -> dict:
    client.force_login(user)
    response = client.get(SITES, params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def _ids(client, user, **params) -> set[int]:
    return {row[0] for row in _document(client, user, **params)["sites"]}


# Who sees what


def _roles(haute_garonne) -> dict:
    """One user per kind of reader, and the open sites each of them sees (by the fixture's names)."""
    in_31 = {"organization": OrganizationFactory(departement=haute_garonne)}
    no_reading = UserFactory(role=Role.ASSOCIATION)
    PermissionOverrideFactory(user=no_reading, key="shantytown.list", allowed=False)
    return {
        "opérateur de la Gironde": (UserFactory(role=Role.ASSOCIATION), {"bordeaux"}),
        "opérateur de la Haute-Garonne": (UserFactory(role=Role.ASSOCIATION, **in_31), {"toulouse"}),
        "intervenant de la Gironde": (UserFactory(role=Role.INTERVENER), {"bordeaux"}),
        "observateur de la Haute-Garonne": (UserFactory(role=Role.EXTERNAL_OBSERVER, **in_31), {"toulouse"}),
        "partenaire de la Gironde": (UserFactory(role=Role.COLLABORATOR), {"bordeaux"}),
        "administrateur local de la Gironde": (
            UserFactory(admin_role=AdminRole.LOCAL_ADMIN),
            {"bordeaux", "toulouse"},
        ),
        "acteur national": (_national(), {"bordeaux", "toulouse"}),
        "sans le droit de lire les sites": (no_reading, set()),
    }


def test_each_reader_gets_exactly_the_open_sites_he_may_read(client, sites, haute_garonne):
    for name, (user, expected) in _roles(haute_garonne).items():
        # Every territory of his: the map would otherwise open on his main area, as the list does.
        assert _ids(client, user, localisation="") == {sites[each].pk for each in expected}, name


def test_an_operator_never_gets_a_site_of_another_departement_whatever_the_filters(client, sites, haute_garonne):
    operator = UserFactory(role=Role.ASSOCIATION)
    for params in (
        {"localisation": "31"},
        {"localisation": "commune-31555"},
        {"localisation": "region-76"},
        {"q": "Toulouse"},
        {"statut": "fermes", "localisation": ""},
        {"justice": "procedure", "localisation": ""},
    ):
        assert sites["toulouse"].pk not in _ids(client, operator, **params), params


def test_the_document_holds_the_marker_data_and_nothing_confidential(client, sites):
    """The exact document, for a national admin who may read every procedure and owner: none of them is in it."""
    admin = _national_admin()
    client.force_login(admin)
    response = client.get(SITES, {"localisation": ""})

    assert json.loads(response.content) == {
        "types": TYPES,
        "water": WATER,
        # In id order; the point rounded to 5 decimals; type and water access as indexes; population or null.
        "sites": [
            [sites["bordeaux"].pk, 44.83601, -0.5481, 1, 0, 62],
            [sites["toulouse"].pk, 43.575, 1.433, 2, 3, None],
        ],
    }
    body = response.content.decode()
    for confidential in ("Tribunal", "SCI", "Durand", "Lac", "Lilas", "Bordeaux"):
        assert confidential not in body
    # Compact: no spaces between the values.
    assert ", " not in body and ": " not in body


def test_closed_sites_are_drawn_on_their_own(client, sites):
    user = _national()

    assert _ids(client, user, localisation="", statut="fermes") == {sites["closed"].pk}
    assert _ids(client, user, localisation="", statut="ouverts") == {sites["bordeaux"].pk, sites["toulouse"].pk}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"eau": "good"}, {"bordeaux"}),
        ({"eau": ["bad", "unknown"]}, {"toulouse"}),
        ({"type": FieldType.BUILDING}, {"toulouse"}),
        ({"population": "inconnu"}, {"toulouse"}),
        ({"population": "plus-de-100"}, set()),
        ({"population": ["51-100", "inconnu"]}, {"bordeaux", "toulouse"}),
        ({"proprietaire": OwnerType.PRIVATE}, {"toulouse"}),
        ({"localisation": "33"}, {"bordeaux"}),
        ({"q": "ramier"}, {"toulouse"}),
    ],
)
def test_the_filters_of_the_map_narrow_the_sites(client, sites, params, expected):
    assert _ids(client, _national(), **{"localisation": "", **params}) == {sites[each].pk for each in expected}


HOSTILE_PARAMS = [
    {"eau": "nope", "type": "zzz", "population": "9" * 5000, "proprietaire": "1e400"},
    {"q": "a\x00b"},
    {"q": "x" * 5000},
    {"statut": "\x00"},
    {"localisation": "commune-" + "9" * 40},
    {"localisation": "region-\x00"},
    {"page": "9" * 30, "tri": "\x00"},
    {"type": ["land", "zzz", "\x00"]},
    {"justice": "procedure", "arrete": "\x00"},
]


@pytest.mark.parametrize("params", HOSTILE_PARAMS, ids=lambda params: ",".join(params))
def test_bad_input_gives_a_document_not_an_error(params, sites):
    client = Client(raise_request_exception=False)
    client.force_login(_national())

    response = client.get(SITES, params)
    assert response.status_code == 200
    assert set(json.loads(response.content)) == {"types", "water", "sites"}
    assert client.get(PAGE, params).status_code == 200


def test_an_anonymous_visitor_is_sent_to_login(sites):
    for url in (PAGE, SITES, reverse("maps:site_panel", kwargs={"pk": sites["bordeaux"].pk})):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


# The cache


def test_the_cached_document_is_not_shared_between_users_who_see_other_sites(client, sites, haute_garonne):
    in_33 = UserFactory(role=Role.ASSOCIATION)
    in_31 = UserFactory(role=Role.ASSOCIATION, organization=OrganizationFactory(departement=haute_garonne))

    assert _ids(client, in_33, localisation="") == {sites["bordeaux"].pk}
    assert _ids(client, in_31, localisation="") == {sites["toulouse"].pk}
    assert _ids(client, in_33, localisation="") == {sites["bordeaux"].pk}


def test_the_cached_document_follows_justice_rights_when_a_justice_filter_is_used(client, sites):
    """A national admin and a local admin of the Gironde see the same sites, but only the former reads the
    procedure of the site of Toulouse: the document of a justice filter is his own."""
    national_admin = _national_admin()
    local_admin = UserFactory(admin_role=AdminRole.LOCAL_ADMIN)
    params = {"localisation": "", "justice": "procedure"}

    assert _ids(client, national_admin, **params) == {sites["bordeaux"].pk, sites["toulouse"].pk}
    assert _ids(client, local_admin, **params) == {sites["bordeaux"].pk}


def test_the_cached_document_follows_a_site_change(client, sites):
    user = _national()
    before = _document(client, user, localisation="")

    # A write that leaves no site version is not seen: the document came from the cache.
    Site.objects.filter(pk=sites["bordeaux"].pk).update(population_total=70)
    assert _document(client, user, localisation="") == before

    # A change through the model writes a version: the document is built again.
    site = Site.objects.get(pk=sites["bordeaux"].pk)
    site.population_total = 75
    site.save()
    rows = {row[0]: row for row in _document(client, user, localisation="")["sites"]}
    assert rows[site.pk][5] == 75

    added = SiteFactory(address="8 rue Neuve 33000 Bordeaux")
    assert added.pk in _ids(client, user, localisation="")

    Site.objects.get(pk=added.pk).delete()
    assert added.pk not in _ids(client, user, localisation="")


# Query budget


def _count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_document_costs_the_same_queries_for_2_and_40_sites(client):
    user = _national()
    client.force_login(user)
    url = f"{SITES}?localisation=&eau=unknown"
    SiteFactory.create_batch(2)
    client.get(url)  # the first page may renew the session
    caches["fragments"].clear()
    few_built, few_cached = _count_queries(client, url), _count_queries(client, url)
    SiteFactory.create_batch(38)
    caches["fragments"].clear()
    many_built, many_cached = _count_queries(client, url), _count_queries(client, url)

    assert len(json.loads(client.get(url).content)["sites"]) == 40
    assert (many_built, many_cached) == (few_built, few_cached)
    # Built: the session, the user, the départements of the filter, the latest site version, the sites. Cached: the
    # session, the user and the latest site version.
    assert few_built <= 5 and few_cached <= 3, (few_built, few_cached)


def test_the_page_and_the_panel_cost_the_same_queries_for_2_and_40_sites(client):
    user = _national()
    client.force_login(user)
    site = SiteFactory()
    SiteFactory()
    panel = reverse("maps:site_panel", kwargs={"pk": site.pk})
    client.get(PAGE)
    few = _count_queries(client, PAGE), _count_queries(client, panel)
    SiteFactory.create_batch(38)
    many = _count_queries(client, PAGE), _count_queries(client, panel)

    assert many == few
    assert few[0] <= 3 and few[1] <= 3, few  # the frame's 2, the filter's départements / the site


# The page


def test_the_page_offers_the_filters_of_the_map_and_keeps_the_query_string(client, sites):
    query = "statut=fermes&eau=bad&type=land&origines=francais&tri=commune&localisation=33"
    client.force_login(_national())
    html = client.get(f"{PAGE}?{query}").content.decode()

    assert "<h1" in html and "Carte des sites" in html
    for name, label in (
        ("eau", "Accès à l'eau"),
        ("type", "Type de site"),
        ("population", "Nombre de personnes"),
        ("proprietaire", "Type de propriétaire"),
        ("localisation", "Territoire"),
        ("q", "Rechercher"),
    ):
        assert f'name="{name}"' in html, name
        assert label.replace("'", "&#x27;") in html or label in html, label
    # « Statut des sites »: existing or closed, one at a time.
    assert re.search(r'type="radio"\s+id="statut-fermes"\s+name="statut"\s+value="fermes"\s+checked', html)
    assert re.search(r'type="radio"\s+id="statut-ouverts"\s+name="statut"\s+value="ouverts"\s*>', html)
    # The accordion of the filters is open: one of them is in use.
    assert re.search(r'aria-expanded="true"\s+aria-controls="filtres-carte"', html)
    # The list's other filters are kept, with their cleaned values.
    assert '<input type="hidden" name="origines" value="francais">' in html
    # « Voir la liste » and the document carry the same query string.
    assert f'href="/sites/?{query}"' in html.replace("&amp;", "&")
    config = json.loads(re.search(r'<script id="map-config" type="application/json">(.*?)</script>', html).group(1))
    assert config["sitesUrl"] == f"{SITES}?{query}"
    assert config["panelUrl"] == "/carte/sites/{id}/"
    assert [each["label"] for each in config["types"]] == ["Inconnu", "Terrain", "Immeuble bâti"]
    assert config["water"] == ["Oui", "À améliorer", "Non", "Inconnu"]
    assert config["centre"] == [44.8378, -0.5792, 9]  # the Gironde's préfecture


def test_the_page_legend_names_each_site_type_with_its_colour(client):
    client.force_login(_national())
    html = client.get(PAGE).content.decode()

    # No filter of the accordion in use: it is closed, the map comes sooner on a phone.
    assert re.search(r'aria-expanded="false"\s+aria-controls="filtres-carte"', html)

    for code, label in (("unknown", "Inconnu"), ("land", "Terrain"), ("building", "Immeuble bâti")):
        assert re.search(rf'map-marker--{code}" aria-hidden="true"></span>{label}', html), code
    css = (ROOT / "resorption/static/css/map.css").read_text()
    colours = {
        code: re.search(rf"\.map-marker--{code} \{{\s*background-color: (#\w+);", css).group(1) for code in TYPES
    }
    assert len(set(colours.values())) == 3


def test_the_page_loads_leaflet_from_our_static_files_and_the_tiles_from_the_setting(client, settings):
    settings.MAP_TILE_URL = "https://tiles.example.test/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = "© Exemple <b>"
    client.force_login(_national())
    html = client.get(PAGE).content.decode()

    for path in (
        "/static/vendor/leaflet/leaflet.js",
        "/static/vendor/leaflet/leaflet.css",
        "/static/vendor/leaflet.markercluster/leaflet.markercluster.js",
        "/static/js/map.js",
    ):
        assert path in html
        response = client.get(path)
        assert response.status_code == 200, path
        response.close()  # WhiteNoise streams the file
    assert "unpkg" not in html and "cdn" not in html.lower()
    config = json.loads(re.search(r'<script id="map-config" type="application/json">(.*?)</script>', html).group(1))
    assert config["tiles"] == {"url": "https://tiles.example.test/{z}/{x}/{y}.png", "attribution": "© Exemple <b>"}
    assert "<b>" not in html  # json_script escapes it; map.js writes it as text


def test_the_csp_lets_images_come_from_the_tile_host_and_nothing_else_is_loosened(client):
    client.force_login(_national())
    policy = dict(
        part.strip().split(" ", 1) for part in client.get(PAGE)["Content-Security-Policy"].split(";") if part.strip()
    )

    assert policy["img-src"] == "'self' data: https://data.geopf.fr"
    assert policy["script-src"].startswith("'self' 'nonce-")
    assert policy["connect-src"] == "'self'"
    assert policy["style-src"] == "'self'"


@pytest.mark.parametrize(
    ("url", "img_src"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png", "https://*.tile.openstreetmap.org"),
        ("http://127.0.0.1:8080/tiles/{z}/{x}/{y}.png", "http://127.0.0.1:8080"),
    ],
)
def test_the_tile_host_in_the_csp_is_computed_from_the_tile_url(url, img_src):
    """The settings read the environment when they are imported: read them in a process of their own."""
    code = "from config.settings import base; print(base.SECURE_CSP['img-src'][-1])"
    env = {"MAP_TILE_URL": url, "PATH": "/usr/bin:/bin"}
    printed = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert printed.stdout.strip() == img_src


def test_a_tile_url_that_is_not_a_web_address_is_refused_at_start():
    code = "from config.settings import base"
    env = {"MAP_TILE_URL": "javascript:alert(1)", "PATH": "/usr/bin:/bin"}
    failed = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True)
    assert failed.returncode != 0
    assert "MAP_TILE_URL must be an http(s) URL template" in failed.stderr


def test_the_site_list_links_to_the_map_with_its_query_string(client, sites):
    client.force_login(_national())
    html = client.get(reverse("settlements:list"), {"eau": "good", "localisation": ""}).content.decode()

    assert 'href="/carte/?eau=good&amp;localisation=">Voir sur la carte</a>' in html


def test_every_signed_in_user_opens_the_map(client, sites, haute_garonne):
    for name, (user, _) in _roles(haute_garonne).items():
        client.force_login(user)
        assert client.get(PAGE).status_code == 200, name


# The panel of a site


def _tight(html: str) -> str:
    """The HTML without the spaces around its tags."""
    return re.sub(r"\s+<", "<", re.sub(r">\s+", ">", html))


def test_the_panel_sums_up_the_site_and_links_to_its_page(client, sites):
    client.force_login(UserFactory(role=Role.ASSOCIATION))
    site = sites["bordeaux"]
    response = client.get(reverse("maps:site_panel", kwargs={"pk": site.pk}))
    html = _tight(response.content.decode())

    assert response.status_code == 200
    assert "<html" not in html  # a fragment
    for text in (
        "12 rue des Lilas",
        "« Terrain du Lac »",
        "Bordeaux (33)",
        "<dd>Terrain</dd>",
        "<dd>62</dd>",
        "Eau : bon",
        "Électricité : bon",
        f"<dd>{site.updated_at.day} ",  # « 3 décembre 2026 »
        f'href="/sites/{site.pk}/">Voir la fiche du site</a>',
    ):
        assert text in html, text
    for confidential in ("Tribunal", "SCI Les Berges", "Étude Durand"):
        assert confidential not in html


def test_the_panel_of_a_closed_site_says_it_is_closed(client, sites):
    client.force_login(UserFactory(role=Role.ASSOCIATION))
    html = _tight(client.get(reverse("maps:site_panel", kwargs={"pk": sites["closed"].pk})).content.decode())

    assert ">Fermé</span>" in html
    assert "<dt>Fermé le</dt>" in html
    assert "Eau :" not in html


def test_the_panel_of_a_site_out_of_sight_or_missing_is_a_404(client, sites):
    client.force_login(UserFactory(role=Role.ASSOCIATION))

    for pk in (sites["toulouse"].pk, 999_999, 9_999_999_999_999_999_999_999):
        assert client.get(f"/carte/sites/{pk}/").status_code == 404, pk
