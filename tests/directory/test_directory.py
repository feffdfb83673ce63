"""The directory (« Annuaire », issue 11 item 5, reference §F.1): who is listed, the search and its filters, the
organisation page and its recorded views, the person's card, the 404s, and query counts that stay flat."""

import datetime
import html
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from resorption.accounts.access import access_directory_user
from resorption.accounts.enums import AdminRole, AreaType, OrganizationCategory, Role, UserStatus
from resorption.accounts.models import Organization, User
from resorption.accounts.services.profile import user_self_deactivate
from resorption.accounts.services.retention import inactive_users_deactivate
from resorption.demo import data as demo_data
from resorption.directory import selectors
from resorption.directory.models import DirectoryView
from tests.accounts.factories import (
    InterventionAreaFactory,
    OrganizationFactory,
    OrganizationTypeFactory,
    UserFactory,
)
from tests.accounts.helpers import text
from tests.territories.factories import CommuneFactory, DepartementFactory, RegionFactory

pytestmark = pytest.mark.django_db
INDEX = reverse("directory:index")


def organization_url(organization) -> str:
    return reverse("directory:organization", kwargs={"pk": organization.pk})


def person_url(person) -> str:
    return reverse("directory:person", kwargs={"pk": person.pk})


def listed(response) -> list[str]:
    """The organisation names of the list's cards, in order."""
    assert response.status_code == 200
    return [
        text_of(name)
        for name in re.findall(r'<h2 class="fr-card__title">\s*<a href="[^"]+">([^<]*)</a>', response.content.decode())
    ]


def text_of(fragment: str) -> str:
    return html.unescape(fragment).strip()


def card_of(response, name: str) -> str:
    """The text of the card of this organisation, tags removed and whitespace collapsed."""
    page = text(response)
    start = page.index(f">{name}</a>")
    end = page.find('<div class="fr-card fr-card--no-arrow">', start)
    return " ".join(re.sub(r"<[^>]+>", " ", page[start : end if end != -1 else None]).split())


def member_of(name: str, **organization) -> User:
    """An active person of a new organisation."""
    return UserFactory(organization=OrganizationFactory(name=name, **organization))


@pytest.fixture
def viewer(client):
    """An opérateur of the Gironde, signed in: the directory needs no right but being signed in."""
    user = UserFactory(organization__name="Structure du lecteur")
    client.force_login(user)
    return user


@pytest.fixture
def ddets_type():
    return OrganizationTypeFactory(
        uid="ddets",
        name_singular="Direction départementale de l'emploi, du travail et des solidarités",
        name_plural="DDETS",
        abbreviation="DDETS",
        category=OrganizationCategory.PUBLIC_ESTABLISHMENT,
        default_role=Role.DIRECT_COLLABORATOR,
    )


def haute_garonne():
    return DepartementFactory(code="31", name="Haute-Garonne", region=RegionFactory(code="76", name="Occitanie"))


# ---------------------------------------------------------------------------------------------------------------------
# Who is listed
# ---------------------------------------------------------------------------------------------------------------------


def test_the_list_holds_the_active_organisations_with_an_active_person_only(client, viewer):
    member_of("Association Les Abris")
    member_of("Structure inactive", active=False)
    UserFactory(organization=OrganizationFactory(name="Structure d'un compte désactivé"), inactive=True)
    UserFactory(organization=OrganizationFactory(name="Structure d'un compte nouveau"), new=True)
    UserFactory(
        organization=OrganizationFactory(name="Structure d'un compte anonymisé"),
        status=UserStatus.INACTIVE,
        anonymized_at=timezone.now(),
    )
    OrganizationFactory(name="Structure sans personne")

    assert listed(client.get(INDEX)) == ["Association Les Abris", "Structure du lecteur"]


def _reads_the_listing(client, query=None) -> bool:
    """Whether a request of the list read its organisations from the rule (rather than the ids a process keeps)."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(INDEX, query or {}).status_code == 200
    return any('ORDER BY "accounts_organization"."search_name"' in each["sql"] for each in captured.captured_queries)


@pytest.mark.parametrize("query", [{}, {"territoire": "departement-33", "categorie": "association"}])
def test_a_listing_without_search_is_read_once_then_again_after_each_change(client, viewer, query):
    abris = member_of("Association Les Abris")
    assert _reads_the_listing(client, query)
    assert not _reads_the_listing(client, query)
    assert listed(client.get(INDEX, query)) == ["Association Les Abris", "Structure du lecteur"]

    # A person who leaves, the first person of a new organisation, a renamed organisation: each shows at once.
    user_self_deactivate(user=abris, request_anonymization=False)
    assert listed(client.get(INDEX, query)) == ["Structure du lecteur"]
    member_of("Association Zéphyr")
    assert listed(client.get(INDEX, query)) == ["Association Zéphyr", "Structure du lecteur"]
    viewer.organization.name = "Accueil du lecteur"
    viewer.organization.save()
    assert listed(client.get(INDEX, query)) == ["Accueil du lecteur", "Association Zéphyr"]


def test_a_page_of_cards_without_search_is_read_once_then_counts_each_new_person(client, viewer):
    def reads_cards() -> bool:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(INDEX).status_code == 200
        # The cards' query reads organisations by id (the listing's reads them `IN (SELECT …)` of their people).
        return any(
            '"accounts_organization"."id" IN (' in each["sql"] and "IN (SELECT" not in each["sql"]
            for each in captured.captured_queries
        )

    assert reads_cards()
    assert not reads_cards()
    assert "1 membre sur la plateforme" in card_of(client.get(INDEX), "Structure du lecteur")

    UserFactory(organization=viewer.organization)
    assert "2 membres sur la plateforme" in card_of(client.get(INDEX), "Structure du lecteur")


def test_an_account_deactivated_for_inactivity_leaves_the_listing_at_once(client, viewer):
    """The inactivity job deactivates with an UPDATE (no save of the person), then records the account's event."""
    absent = member_of("Association Les Abris")
    long_ago = timezone.now() - datetime.timedelta(days=400)
    User.objects.filter(pk=absent.pk).update(
        created_at=long_ago, last_login=long_ago, inactivity_alert_sent_at=timezone.now() - datetime.timedelta(days=40)
    )
    assert listed(client.get(INDEX)) == ["Association Les Abris", "Structure du lecteur"]

    assert inactive_users_deactivate(now=timezone.now()) == 1
    assert listed(client.get(INDEX)) == ["Structure du lecteur"]


def test_a_change_made_around_the_models_shows_after_the_listings_time(client, viewer, monkeypatch):
    absent = member_of("Association Les Abris")
    assert listed(client.get(INDEX)) == ["Association Les Abris", "Structure du lecteur"]

    User.objects.filter(pk=absent.pk).update(status=UserStatus.INACTIVE)
    assert listed(client.get(INDEX)) == ["Association Les Abris", "Structure du lecteur"]
    monkeypatch.setattr(selectors, "LISTING_SECONDS", 0)
    assert listed(client.get(INDEX)) == ["Structure du lecteur"]


def test_a_person_listed_is_active_of_an_active_organisation_and_never_anonymised(viewer):
    anonymised_but_active = UserFactory(anonymized_at=timezone.now())
    of_inactive_organization = UserFactory(organization=OrganizationFactory(active=False))
    UserFactory(inactive=True)
    UserFactory(new=True)

    assert list(User.objects.in_directory()) == [viewer]
    assert anonymised_but_active.organization not in Organization.objects.in_directory()
    assert of_inactive_organization.organization not in Organization.objects.in_directory()


def test_a_card_shows_name_acronym_type_category_place_members_and_funding(client, viewer, ddets_type):
    ddets = OrganizationFactory(
        name="DDETS de la Gironde", abbreviation="DDETS 33", type=ddets_type, being_funded=True
    )
    UserFactory.create_batch(2, organization=ddets)
    UserFactory(organization=ddets, inactive=True)
    commune = OrganizationFactory(
        name="Commune de Bordeaux", area_type=AreaType.COMMUNE, departement=None, commune=CommuneFactory()
    )
    UserFactory(organization=commune)

    response = client.get(INDEX)

    card = card_of(response, "DDETS de la Gironde")
    assert "DDETS 33" in card
    assert "Direction départementale de l'emploi, du travail et des solidarités" in card
    assert "Service de l'État, établissement ou organisme public" in card
    assert "Département : Gironde (33)" in card
    assert "2 membres sur la plateforme" in card
    assert "Structure financée" in card
    other = card_of(response, "Commune de Bordeaux")
    assert "Commune : Bordeaux (33)" in other
    assert "1 membre sur la plateforme" in other
    assert "Structure financée" not in other
    assert f'href="{organization_url(ddets)}"' in response.content.decode()


def test_the_list_is_paginated_by_30(client, viewer):
    for number in range(30):
        member_of(f"Association {number:02d}")

    first = client.get(INDEX)
    second = client.get(INDEX, {"page": 2})

    assert len(listed(first)) == 30
    assert listed(second) == ["Structure du lecteur"]
    assert "31 structures" in text(first)
    assert "page 1 sur 2" in text(first)
    assert 'href="?page=2"' in first.content.decode()


# ---------------------------------------------------------------------------------------------------------------------
# Search and filters
# ---------------------------------------------------------------------------------------------------------------------


def test_the_search_finds_an_organisation_by_its_name_accents_and_case_aside(client, viewer):
    member_of("Médiation sanitaire en Gironde")
    member_of("Association Les Abris")

    assert listed(client.get(INDEX, {"q": "MEDIATION gironde"})) == ["Médiation sanitaire en Gironde"]
    assert listed(client.get(INDEX, {"q": "abris"})) == ["Association Les Abris"]


def test_the_search_finds_an_organisation_by_its_acronym(client, viewer):
    member_of("Collectif Accompagnement Nantes Sud", abbreviation="CANS")
    member_of("Association Les Abris")

    assert listed(client.get(INDEX, {"q": "cans"})) == ["Collectif Accompagnement Nantes Sud"]


def test_the_search_finds_a_person_by_name_accents_and_case_aside_and_names_her(client, viewer):
    lefevre = UserFactory(
        first_name="Élise", last_name="Lefèvre-Noël", organization=OrganizationFactory(name="Association Les Abris")
    )
    UserFactory(organization=lefevre.organization, first_name="Paul", last_name="Martin")
    member_of("Médiation sanitaire en Gironde")

    for term in ("elise lefevre", "LEFÈVRE", "lefevre noel", "Noël Élise", "ELISE"):
        response = client.get(INDEX, {"q": term})
        assert listed(response) == ["Association Les Abris"], term
        card = card_of(response, "Association Les Abris")
        assert "Élise Lefèvre-Noël" in card, term
        assert "Paul Martin" not in card, term
    assert f'href="{person_url(lefevre)}"' in client.get(INDEX, {"q": "lefevre"}).content.decode()


def test_the_search_ignores_people_out_of_the_directory(client, viewer):
    shown = member_of("Association Les Abris")
    UserFactory(organization=shown.organization, first_name="Zoé", last_name="Fantôme", inactive=True)
    UserFactory(organization=shown.organization, first_name="Zoé", last_name="Fantôme", new=True)

    assert listed(client.get(INDEX, {"q": "fantome"})) == []


def test_the_territory_filter_keeps_the_organisations_located_in_a_region_or_a_departement(client, viewer):
    in_toulouse = member_of("Association toulousaine", departement=haute_garonne())
    member_of("Commune de Bordeaux", area_type=AreaType.COMMUNE, departement=None, commune=CommuneFactory())
    member_of("ARS Nouvelle-Aquitaine", area_type=AreaType.REGION, departement=None, region=RegionFactory())
    member_of("Agence nationale", area_type=AreaType.NATION, departement=None)

    gironde = listed(client.get(INDEX, {"territoire": "departement-33"}))
    aquitaine = listed(client.get(INDEX, {"territoire": "region-75"}))
    occitanie = listed(client.get(INDEX, {"territoire": "region-76"}))

    assert gironde == ["Commune de Bordeaux", "Structure du lecteur"]
    assert aquitaine == ["ARS Nouvelle-Aquitaine", "Commune de Bordeaux", "Structure du lecteur"]
    assert occitanie == [in_toulouse.organization.name]


def test_the_territory_filter_offers_regions_and_departements(client, viewer):
    haute_garonne()

    page = text(client.get(INDEX))

    assert '<option value="region-76">Occitanie</option>' in page
    assert '<option value="departement-31">Haute-Garonne (31)</option>' in page
    assert '<option value="departement-33">Gironde (33)</option>' in page


def test_the_filter_lists_show_the_values_of_each_request_though_kept_rendered(client, viewer):
    """The three lists are kept in the fragments cache: under the values chosen, never those of a former request."""
    haute_garonne()

    for value in ("departement-31", "region-76", "departement-31", ""):
        page = text(client.get(INDEX, {"territoire": value}))

        selected = [option for option in page.split("<option ") if " selected" in option.split(">")[0]]
        assert [option.split('"')[1] for option in selected] == [value, "", ""]


def test_the_category_and_type_filters(client, viewer, ddets_type):
    member_of("DDETS de la Gironde", type=ddets_type)
    member_of("Association Les Abris")

    by_category = listed(client.get(INDEX, {"categorie": OrganizationCategory.PUBLIC_ESTABLISHMENT}))
    by_type = listed(client.get(INDEX, {"type": "ddets"}))
    associations = listed(client.get(INDEX, {"categorie": "association", "type": "association"}))

    assert by_category == by_type == ["DDETS de la Gironde"]
    assert associations == ["Association Les Abris", "Structure du lecteur"]


def test_filters_combine(client, viewer, ddets_type):
    member_of("DDETS de la Gironde", type=ddets_type)
    member_of("DDETS de la Haute-Garonne", type=ddets_type, departement=haute_garonne())
    member_of("Association Les Abris", departement=haute_garonne())

    response = client.get(INDEX, {"q": "ddets", "territoire": "region-76", "categorie": "public_establishment"})

    assert listed(response) == ["DDETS de la Haute-Garonne"]
    assert "Effacer les filtres" in text(response)


@pytest.mark.parametrize(
    "query",
    [
        {"categorie": "inconnue"},
        {"type": "inconnu"},
        {"territoire": "region-\x00"},
        {"territoire": "departement-99"},
        {"page": "999999999"},
        {"page": "9" * 5000},
        {"page": "-1"},
        {"q": "x" * 5000},
        {"q": "a\x00b"},
        {"q": "%_\\'"},
        {"q": ["abris", "autre"]},
    ],
)
def test_bad_query_values_still_give_the_list(client, viewer, query):
    member_of("Association Les Abris")

    response = client.get(INDEX, query)

    assert response.status_code == 200
    assert "Association Les Abris" in listed(response) or "q" in query


def test_an_unknown_value_is_left_out_and_the_other_filters_apply(client, viewer):
    member_of("Association Les Abris")
    member_of("Collectif nantais")

    assert listed(client.get(INDEX, {"categorie": "inconnue", "q": "abris"})) == ["Association Les Abris"]


# ---------------------------------------------------------------------------------------------------------------------
# The organisation page
# ---------------------------------------------------------------------------------------------------------------------


def test_the_organisation_page_shows_the_organisation_its_areas_and_its_active_people(client, viewer, ddets_type):
    ddets = OrganizationFactory(name="DDETS de la Gironde", abbreviation="DDETS 33", type=ddets_type)
    InterventionAreaFactory(organization=ddets, area_type=AreaType.DEPARTEMENT, departement=haute_garonne())
    claire = UserFactory(
        organization=ddets,
        first_name="Claire",
        last_name="Dubois",
        email="claire.dubois@exemple.test",
        phone="05 56 00 00 00",
        position="Coordinatrice départementale",
        role=Role.DIRECT_COLLABORATOR,
    )
    UserFactory(organization=ddets, first_name="Louis", last_name="Arnaud", admin_role=AdminRole.LOCAL_ADMIN)
    UserFactory(organization=ddets, first_name="Zoé", last_name="Désactivée", inactive=True)
    UserFactory(organization=ddets, first_name="Noé", last_name="Nouveau", new=True)

    response = client.get(organization_url(ddets))

    page = " ".join(text(response).split())
    assert "<h1" in page and "DDETS de la Gironde</h1>" in page
    assert "DDETS 33" in page
    assert "Direction départementale de l'emploi, du travail et des solidarités" in page
    assert "Département : Gironde (33)" in page
    assert "Département : Haute-Garonne (31)" in page  # an intervention area
    assert "Membres (2)" in page
    assert f'<a href="{person_url(claire)}">Claire Dubois</a>' in page
    assert "Correspondant — Coordinatrice départementale" in page
    assert '<a href="mailto:claire.dubois@exemple.test">claire.dubois@exemple.test</a>' in page
    assert '<a href="tel:0556000000">05 56 00 00 00</a>' in page
    assert "Louis Arnaud" in page and "Administrateur local" in page
    assert "Désactivée" not in page and "Nouveau" not in page


def test_each_view_of_an_organisation_page_is_recorded(client, viewer):
    shown = member_of("Association Les Abris").organization

    client.get(organization_url(shown))
    client.get(organization_url(shown))

    views = DirectoryView.objects.order_by("pk")
    assert [(view.organization_id, view.viewed_by_id) for view in views] == [(shown.pk, viewer.pk)] * 2
    assert views[0].viewed_at <= views[1].viewed_at <= timezone.now()


def test_an_organisation_out_of_the_directory_is_not_found_and_not_recorded(client, viewer):
    inactive = member_of("Structure inactive", active=False).organization
    nobody_active = UserFactory(inactive=True).organization
    only_new = UserFactory(new=True).organization
    nobody = OrganizationFactory()
    for organization in (inactive, nobody_active, only_new, nobody):
        assert client.get(organization_url(organization)).status_code == 404, organization.name
    for path in ("/annuaire/999999999/", f"/annuaire/{'9' * 30}/", f"/annuaire/{'9' * 5000}/", "/annuaire/abc/"):
        assert client.get(path).status_code == 404, path[:30]
    assert not DirectoryView.objects.exists()


# ---------------------------------------------------------------------------------------------------------------------
# The person's card
# ---------------------------------------------------------------------------------------------------------------------


def test_the_person_card_shows_role_position_organisation_contact_and_areas(client, viewer):
    person = UserFactory(
        first_name="Inès",
        last_name="Moreau",
        email="ines.moreau@exemple.test",
        phone="0601020304",
        position="Travailleuse sociale",
        organization=OrganizationFactory(name="Association Habitat et Insertion", abbreviation="AHI"),
        use_custom_intervention_area=True,
    )
    InterventionAreaFactory(user=person, area_type=AreaType.COMMUNE, departement=None, commune=CommuneFactory())

    response = client.get(person_url(person))

    page = " ".join(text(response).split())
    assert "Inès Moreau</h1>" in page
    assert "Opérateur — Travailleuse sociale" in page
    assert f'<a href="{organization_url(person.organization)}">Association Habitat et Insertion</a> (AHI)' in page
    assert '<a href="mailto:ines.moreau@exemple.test">ines.moreau@exemple.test</a>' in page
    assert '<a href="tel:0601020304">0601020304</a>' in page
    assert "Commune : Bordeaux (33)" in page  # her own areas replace her organisation's
    assert "Département : Gironde (33)</li>" not in page


def test_a_person_out_of_the_directory_is_not_found(client, viewer):
    others = [
        UserFactory(new=True),
        UserFactory(inactive=True),
        UserFactory(status=UserStatus.INACTIVE, anonymized_at=timezone.now()),
        UserFactory(organization=OrganizationFactory(active=False)),
    ]
    for person in others:
        assert client.get(person_url(person)).status_code == 404, person.status
    for path in ("/annuaire/personne/999999999/", f"/annuaire/personne/{'9' * 30}/", "/annuaire/personne/x/"):
        assert client.get(path).status_code == 404, path


def test_access_directory_user_refuses_a_visitor_who_has_not_signed_in_and_other_querysets(viewer):
    assert access_directory_user(viewer, viewer.pk) == viewer
    with pytest.raises(Http404):
        access_directory_user(AnonymousUser(), viewer.pk)
    with pytest.raises(Http404):
        access_directory_user(viewer, "1 OR 1=1")
    with pytest.raises(TypeError):
        access_directory_user(viewer, viewer.pk, queryset=Organization.objects.all())


# ---------------------------------------------------------------------------------------------------------------------
# Who may read it
# ---------------------------------------------------------------------------------------------------------------------


def test_a_visitor_who_has_not_signed_in_is_sent_to_the_sign_in_page(db):
    shown = UserFactory()
    for path in (INDEX, organization_url(shown.organization), person_url(shown)):
        response = Client().get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(reverse("accounts:login")), path
    assert not DirectoryView.objects.exists()


def test_every_role_of_the_demo_reads_the_directory_and_finds_it_in_the_menu():
    call_command("load_demo_data", verbosity=0)
    correspondent = User.objects.get(email="correspondant-33@demo.test")
    assert len(demo_data.USERS) >= 8
    for demo_user in demo_data.USERS:
        client = Client()
        client.force_login(User.objects.get(email=demo_user.email))
        response = client.get(INDEX)
        assert response.status_code == 200, demo_user.email
        assert f'href="{INDEX}"' in response.content.decode()
        assert "DDETS de la Gironde" in listed(response), demo_user.email
        assert client.get(organization_url(correspondent.organization)).status_code == 200, demo_user.email
        assert client.get(person_url(correspondent)).status_code == 200, demo_user.email
    assert DirectoryView.objects.filter(organization=correspondent.organization).count() == len(demo_data.USERS)


# ---------------------------------------------------------------------------------------------------------------------
# Query counts
# ---------------------------------------------------------------------------------------------------------------------


def _query_count(client, url: str, query: dict | None = None) -> list[str]:
    client.get(url, query)  # warm-up: the first page may renew the session
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, query)
    assert response.status_code == 200, url
    return [each["sql"] for each in captured.captured_queries]


def _organisations_with_people(first: int, last: int) -> None:
    for number in range(first, last):
        organization = OrganizationFactory(name=f"Association Martin {number}")
        UserFactory.create_batch(2, organization=organization, last_name="Martin")
        InterventionAreaFactory(
            organization=organization, area_type=AreaType.REGION, departement=None, region=RegionFactory()
        )


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"q": "martin"},
        {"q": "association", "territoire": "departement-33", "categorie": "association", "type": "association"},
    ],
)
def test_the_list_costs_the_same_queries_with_2_or_10_organisations(client, viewer, query):
    _organisations_with_people(0, 2)
    few = _query_count(client, INDEX, query)
    _organisations_with_people(2, 10)
    many = _query_count(client, INDEX, query)

    assert len(few) == len(many), many
    assert len(few) <= 7, few


def test_the_organisation_page_costs_the_same_queries_with_2_or_10_people_and_areas(client, viewer):
    organization = viewer.organization
    url = organization_url(organization)
    UserFactory(organization=organization)
    few = _query_count(client, url)
    UserFactory.create_batch(8, organization=organization)
    for _ in range(4):
        InterventionAreaFactory(
            organization=organization, area_type=AreaType.COMMUNE, departement=None, commune=CommuneFactory()
        )
    many = _query_count(client, url)

    assert len(few) == len(many), many
    assert len(few) <= 6, few


def test_the_person_card_costs_the_same_queries_with_1_or_5_areas(client, viewer):
    person = UserFactory(use_custom_intervention_area=True)
    url = person_url(person)
    InterventionAreaFactory(user=person)
    few = _query_count(client, url)
    for _ in range(4):
        InterventionAreaFactory(user=person, area_type=AreaType.COMMUNE, departement=None, commune=CommuneFactory())
    many = _query_count(client, url)

    assert len(few) == len(many), many
    assert len(few) <= 4, few
