import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from resorption.accounts.enums import AdminRole, AreaType, Option, Role
from tests.accounts.factories import (
    InterventionAreaFactory,
    OrganizationFactory,
    OrganizationTypeFactory,
    PermissionOverrideFactory,
    UserFactory,
)
from tests.territories.factories import CommuneFactory, DepartementFactory

pytestmark = pytest.mark.django_db
URL = reverse("dashboard:index")


def test_anonymous_user_is_sent_to_login():
    from django.test import Client

    response = Client().get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_dashboard_shows_role_organisation_and_territories(client):
    user = UserFactory(organization__name="Association Les Abris", position="Travailleuse sociale")
    client.force_login(user)
    html = client.get(URL).content.decode()
    assert "Opérateur" in html
    assert "Association Les Abris" in html
    assert "Travailleuse sociale" in html
    assert "Département : Gironde (33) (principal)" in " ".join(html.split())


def test_admin_role_is_shown_instead_of_regular_role(client):
    client.force_login(UserFactory(admin_role=AdminRole.LOCAL_ADMIN))
    html = client.get(URL).content.decode()
    assert "Administrateur local" in html
    assert ">Opérateur<" not in html


def test_custom_areas_replace_the_organisation_ones(client):
    user = UserFactory(use_custom_intervention_area=True)
    InterventionAreaFactory(user=user, area_type=AreaType.COMMUNE, departement=None, commune=CommuneFactory())
    client.force_login(user)
    html = client.get(URL).content.decode()
    assert "Commune : Bordeaux (33)" in " ".join(html.split())
    assert "Département : Gironde" not in html


RIGHTS_URL = reverse("accounts:rights")


def test_rights_list_what_the_role_and_options_allow_and_where(client):
    """« Mes droits » (Mon compte), linked from the dashboard's role card."""
    user = UserFactory(options=[Option.CLOSE_SHANTYTOWN])
    client.force_login(user)
    assert f'href="{RIGHTS_URL}"' in client.get(URL).content.decode()
    html = client.get(RIGHTS_URL).content.decode()
    assert "Fermer des sites" in html  # option tag
    assert "Déclarer la fermeture d&#x27;un site" in html  # granted by the option
    assert "Déclarer un site" not in html  # an opérateur without the option may not declare
    assert "Supprimer un site" not in html


def test_national_actor_reads_sites_everywhere(client):
    agency = OrganizationTypeFactory(
        uid="agence_nationale", category="administration", default_role=Role.NATIONAL_ESTABLISHMENT
    )
    organization = OrganizationFactory(type=agency, area_type=AreaType.NATION, departement=None)
    client.force_login(UserFactory(organization=organization))
    html = client.get(URL).content.decode()
    areas = html.split("Vos territoires d'intervention", 1)[1].split("</ul>", 1)[0]
    assert "France entière" in areas and "France entière :" not in areas
    assert "En chiffres : France entière" in html
    rights = client.get(RIGHTS_URL).content.decode()
    row = rights.split("Voir la liste et la carte des sites", 1)[1].split("</tr>", 1)[0]
    assert "France entière" in row


def test_query_count_does_not_grow_with_areas_and_overrides(client):
    user = UserFactory()
    client.force_login(user)
    client.get(URL)  # warm-up: session, content types
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(URL).status_code == 200
    for code, name in (("31", "Haute-Garonne"), ("44", "Loire-Atlantique"), ("13", "Bouches-du-Rhône")):
        InterventionAreaFactory(organization=user.organization, departement=DepartementFactory(code=code, name=name))
    PermissionOverrideFactory(organization=user.organization, key="shantytown.create", allowed=True)
    PermissionOverrideFactory(user=user, key="shantytown.close", allowed=True)
    client.get(URL)  # the first page after a change of rights resolves them again and stores them
    with CaptureQueriesContext(connection) as large:
        assert client.get(URL).status_code == 200
    assert len(small) <= 9, [query["sql"] for query in small.captured_queries]
    assert len(large) == len(small), [query["sql"] for query in large.captured_queries]


# The sections of the reference platform's main menu after the dashboard (§H.1), whether built here yet or not.
REFERENCE_SECTIONS = ["Sites", "Carte", "Actions", "Annuaire", "Activités", "Statistiques", "Entraide"]


class MainReader(HTMLParser):
    """The text of the page's `<main>` as a browser shows it (tags removed, whitespace collapsed), without the rights
    table (which names features, not sections), and the text of its links."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._in_main = self._in_table = False
        self._link: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self._in_main = self._in_main or tag == "main"
        self._in_table = self._in_table or tag == "table"
        if tag == "a" and self._in_main:
            self._link = []

    def handle_endtag(self, tag):
        if tag == "main":
            self._in_main = False
        if tag == "table":
            self._in_table = False
        if tag == "a" and self._link is not None:
            self.links.append(" ".join("".join(self._link).split()))
            self._link = None

    def handle_data(self, data):
        if self._in_main and not self._in_table:
            self.parts.append(data)
            if self._link is not None:
                self._link.append(data)

    @property
    def text(self) -> str:
        return " ".join("".join(self.parts).split())


def _main(client, user) -> MainReader:
    client.force_login(user)
    reader = MainReader()
    reader.feed(client.get(URL).content.decode())
    return reader


@pytest.mark.parametrize(
    "user_kwargs",
    [
        {},
        {"admin_role": AdminRole.NATIONAL_ADMIN, "options": [Option.CLOSE_SHANTYTOWN]},
        {"role": Role.EXTERNAL_OBSERVER},
    ],
)
def test_the_dashboard_names_only_the_sections_it_links_to(client, user_kwargs):
    page = _main(client, UserFactory(**user_kwargs))

    named = {section for section in REFERENCE_SECTIONS if re.search(rf"\b{section}\b", page.text, re.IGNORECASE)}
    assert named <= set(page.links), page.text
    assert "Sites" in page.links  # the sites are open: the page links to them


def test_no_space_before_a_comma_on_the_dashboard(client):
    user = UserFactory(position="Travailleuse sociale", options=[Option.CLOSE_SHANTYTOWN, Option.ACCESS_JUSTICE])
    InterventionAreaFactory(
        organization=user.organization, departement=DepartementFactory(code="31", name="Haute-Garonne")
    )

    assert re.findall(r".{0,40} ,.{0,20}", _main(client, user).text) == []
