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


def test_rights_list_what_the_role_and_options_allow_and_where(client):
    user = UserFactory(options=[Option.CLOSE_SHANTYTOWN])
    client.force_login(user)
    html = client.get(URL).content.decode()
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
    row = html.split("Voir la liste et la carte des sites", 1)[1].split("</tr>", 1)[0]
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
