"""Territorial messages (§I.2): who may publish them and to which départements, who reads them, the page that lists
them, deleting one. Their place in a site's journal is tested with the journal page (test_views.py)."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from resorption.accounts import permissions
from resorption.accounts.enums import AdminRole, AreaType, Role
from resorption.accounts.models import OrganizationType, User
from resorption.journal import territorial
from resorption.journal.models import TerritorialMessage
from tests.accounts.factories import InterventionAreaFactory, OrganizationFactory, UserFactory
from tests.accounts.helpers import text
from tests.territories.factories import CommuneFactory, DepartementFactory, EpciFactory, RegionFactory

pytestmark = pytest.mark.django_db

CAMPAIGN = "Campagne de vaccination contre la rougeole du 2 au 13 mars : équipes mobiles sur les sites."
PAGE = "/sites/journal/messages-territoriaux/"


# The territory: Nouvelle-Aquitaine (Gironde, Landes, Dordogne) and Occitanie (Haute-Garonne) -------------------------


@pytest.fixture
def nouvelle_aquitaine():
    region = RegionFactory(code="75", name="Nouvelle-Aquitaine")
    DepartementFactory(code="33", name="Gironde", region=region)
    DepartementFactory(code="40", name="Landes", region=region)
    DepartementFactory(code="24", name="Dordogne", region=region)
    return region


@pytest.fixture
def haute_garonne():
    return DepartementFactory(code="31", name="Haute-Garonne", region=RegionFactory(code="76", name="Occitanie"))


@pytest.fixture
def ars(nouvelle_aquitaine):
    """A member of the ARS of Nouvelle-Aquitaine (partenaire institutionnel): his area is the région."""
    organization = OrganizationFactory(
        type=OrganizationType.objects.get(uid="ars"),
        name="ARS Nouvelle-Aquitaine",
        area_type=AreaType.REGION,
        region=nouvelle_aquitaine,
        departement=None,
    )
    return UserFactory(organization=organization, first_name="Aurore", last_name="Santé")


@pytest.fixture
def departemental(nouvelle_aquitaine):
    """An opérateur of Gironde."""
    return UserFactory(role=Role.ASSOCIATION, first_name="Denis", last_name="Gironde")


@pytest.fixture
def communal(nouvelle_aquitaine):
    """A member of the town hall of Bordeaux: his area is the commune."""
    organization = OrganizationFactory(area_type=AreaType.COMMUNE, commune=CommuneFactory(), departement=None)
    return UserFactory(role=Role.COLLABORATOR, organization=organization)


@pytest.fixture
def national(nouvelle_aquitaine):
    """An acteur national: he writes in journals, but at the national level."""
    organization = OrganizationFactory(area_type=AreaType.NATION, departement=None, name="Délégation nationale")
    return UserFactory(role=Role.NATIONAL_ESTABLISHMENT, organization=organization)


@pytest.fixture
def national_admin(nouvelle_aquitaine):
    organization = OrganizationFactory(area_type=AreaType.NATION, departement=None, name="Dihal")
    return UserFactory(role=Role.DIRECT_COLLABORATOR, admin_role=AdminRole.NATIONAL_ADMIN, organization=organization)


@pytest.fixture
def observer(nouvelle_aquitaine):
    """An external observer of Gironde: reads the journals, writes in none."""
    return UserFactory(role=Role.EXTERNAL_OBSERVER)


@pytest.fixture
def toulousain(haute_garonne):
    """An opérateur of Haute-Garonne."""
    return UserFactory(role=Role.ASSOCIATION, organization=OrganizationFactory(departement=haute_garonne))


@pytest.fixture
def landais(nouvelle_aquitaine):
    """An opérateur of the Landes."""
    return UserFactory(role=Role.ASSOCIATION, organization=OrganizationFactory(departement_id="40"))


@pytest.fixture
def gironde_admin(nouvelle_aquitaine):
    """A local admin of Gironde: moderates the journals of Gironde only."""
    return UserFactory(role=Role.DIRECT_COLLABORATOR, admin_role=AdminRole.LOCAL_ADMIN, last_name="Modératrice")


def post(user, codes, body=CAMPAIGN) -> TerritorialMessage:
    return territorial.territorial_message_post(user=user, departement_codes=codes, body=body)


def fresh(user) -> User:
    """The same account, without the grants cached on the object."""
    return User.objects.get(pk=user.pk)


# Who may publish, and where ------------------------------------------------------------------------------------------


def test_a_regional_user_reaches_every_departement_of_his_region_and_picks_among_them(ars):
    reach = permissions.territorial_message_reach(ars)

    assert reach.departements == {"24", "33", "40"}
    assert reach.by_region
    assert permissions.can_post_territorial_message(ars, "40")
    assert not permissions.can_post_territorial_message(ars, "31")


def test_a_departemental_user_reaches_his_departement_only(departemental):
    reach = permissions.territorial_message_reach(departemental)

    assert reach.departements == {"33"} and not reach.by_region


def test_a_commune_or_epci_user_speaks_to_his_departements(communal, nouvelle_aquitaine):
    epci = EpciFactory(code="244000865", name="Communauté de communes à cheval", departements=["33", "24"])
    organization = OrganizationFactory(area_type=AreaType.EPCI, epci=epci, departement=None)
    intercommunal = UserFactory(role=Role.COLLABORATOR, organization=organization)

    assert permissions.territorial_message_reach(communal).departements == {"33"}
    assert permissions.territorial_message_reach(intercommunal).departements == {"24", "33"}


def test_custom_areas_replace_the_organisations(departemental):
    departemental.use_custom_intervention_area = True
    departemental.save()
    InterventionAreaFactory(user=departemental, departement_id="40", is_main_area=True)

    assert permissions.territorial_message_reach(fresh(departemental)).departements == {"40"}


@pytest.mark.parametrize("who", ["national", "national_admin", "observer"])
def test_national_users_and_observers_publish_nothing(request, who):
    user = request.getfixturevalue(who)

    assert not permissions.territorial_message_reach(user)
    assert not permissions.can_post_territorial_message(user)
    with pytest.raises(PermissionDenied):
        post(user, ["33"])
    assert not TerritorialMessage.objects.exists()


def test_a_national_grant_makes_a_national_level_user_whatever_his_areas(departemental):
    """A national admin working from Gironde writes in every journal of France: he speaks for no territory."""
    departemental.admin_role = AdminRole.NATIONAL_ADMIN
    departemental.save()

    assert permissions.resolve(fresh(departemental), "shantytown_comment.create").national
    assert not permissions.territorial_message_reach(fresh(departemental))


def test_a_regional_user_publishes_to_several_departements_of_his_region(ars):
    message = post(ars, ["33", "40"], body=f"  {CAMPAIGN}  ")

    assert message.body == CAMPAIGN
    assert message.departement_codes == {"33", "40"}
    assert message.author == ars and message.organization == ars.organization


def test_the_organisation_is_a_snapshot_of_the_authors(ars):
    message = post(ars, ["33"])
    ars.organization = OrganizationFactory(name="Autre structure")
    ars.save()

    message.refresh_from_db()
    assert message.organization.name == "ARS Nouvelle-Aquitaine"


def test_a_regional_user_may_not_publish_outside_his_region(ars, haute_garonne):
    with pytest.raises(ValidationError) as error:
        post(ars, ["33", "31"])

    assert error.value.message_dict == {"departements": [territorial.OUT_OF_REACH]}
    assert not TerritorialMessage.objects.exists()


def test_a_departemental_user_may_not_publish_to_a_neighbouring_departement(departemental):
    with pytest.raises(ValidationError) as error:
        post(departemental, ["40"])

    assert error.value.message_dict == {"departements": [territorial.OUT_OF_REACH]}


def test_an_unknown_departement_is_out_of_reach(ars):
    with pytest.raises(ValidationError) as error:
        post(ars, ["99"])

    assert error.value.message_dict == {"departements": [territorial.OUT_OF_REACH]}


def test_text_and_departements_are_required(ars):
    with pytest.raises(ValidationError) as error:
        post(ars, [], body="   ")

    assert error.value.message_dict == {
        "body": [territorial.BODY_REQUIRED],
        "departements": [territorial.DEPARTEMENT_REQUIRED],
    }
    assert not TerritorialMessage.objects.exists()


# Who reads them ------------------------------------------------------------------------------------------------------


def test_readers_are_those_who_read_the_journals_of_an_addressed_departement(
    ars, departemental, landais, toulousain, national_admin, communal
):
    to_gironde = post(ars, ["33"], body="Pour la Gironde")
    to_landes = post(ars, ["40", "24"], body="Pour les Landes et la Dordogne")
    by_toulousain = post(toulousain, ["31"], body="Pour la Haute-Garonne")
    everyone = [ars, departemental, landais, toulousain, national_admin, communal]
    expected = {
        ars: {to_gironde, to_landes},  # his own
        departemental: {to_gironde},
        communal: {to_gironde},  # reading is widened to the département
        landais: {to_landes},
        toulousain: {by_toulousain},
        national_admin: {to_gironde, to_landes, by_toulousain},
    }

    for user in everyone:
        readable = set(TerritorialMessage.objects.readable_by(user))
        assert readable == expected[user], user
        # The instance predicate agrees with the filter, message by message.
        for message in TerritorialMessage.objects.with_display_data():
            assert permissions.can_read_territorial_message(user, message) == (message in readable), (user, message)


def test_the_author_reads_his_message_even_after_leaving_the_territory(departemental):
    message = post(departemental, ["33"])
    departemental.organization = OrganizationFactory(departement=DepartementFactory(code="31", name="Haute-Garonne"))
    departemental.save()

    assert list(TerritorialMessage.objects.readable_by(fresh(departemental))) == [message]


# The page ------------------------------------------------------------------------------------------------------------


def get_page(client, user, query: str = "") -> str:
    client.force_login(user)
    response = client.get(PAGE + query)
    assert response.status_code == 200
    return text(response)


def test_the_page_path_is_under_the_journal_urls():
    assert reverse("journal:territorial") == PAGE


def test_a_regional_user_picks_departements_of_his_region_none_checked(client, ars, haute_garonne):
    html = get_page(client, ars)

    assert "Nouveau message territorial" in html
    for label in ("Dordogne (24)", "Gironde (33)", "Landes (40)"):
        assert label in html
    assert "Haute-Garonne" not in html
    assert 'name="departements" value="33"' in html and "checked" not in html
    assert "ni nom, ni âge, ni origine, ni état de santé d'une personne" in html


def test_a_departemental_user_has_his_departement_locked(client, departemental):
    html = get_page(client, departemental)

    assert "Gironde (33)" in html and "Landes" not in html
    assert (
        '<input type="checkbox" name="departements" value="33" dsfr="dsfr" id="id_departements_0" disabled checked>'
        in html
    )
    assert "Votre territoire d'intervention." in html


def test_a_departemental_user_publishes_to_his_departement_whatever_is_posted(client, departemental):
    client.force_login(departemental)

    response = client.post(PAGE, {"departements": ["40"], "body": CAMPAIGN})

    message = TerritorialMessage.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"#message-territorial-{message.pk}")
    assert message.departement_codes == {"33"}


def test_a_regional_user_publishes_and_finds_his_message_on_the_page(client, ars):
    client.force_login(ars)

    response = client.post(PAGE, {"departements": ["33", "40"], "body": CAMPAIGN}, follow=True)

    html = text(response)
    assert "Votre message territorial a été publié." in html
    assert CAMPAIGN in html and "Message territorial" in html
    assert "Aurore Santé" in html and "ARS Nouvelle-Aquitaine" in html
    assert "Gironde (33), Landes (40)" in html


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        ({"departements": ["33"], "body": "  "}, "body", territorial.BODY_REQUIRED),
        ({"body": CAMPAIGN}, "departements", territorial.DEPARTEMENT_REQUIRED),
        ({"departements": ["33", "31"], "body": CAMPAIGN}, "departements", territorial.OUT_OF_REACH),
    ],
)
def test_bad_input_comes_back_in_french_next_to_the_field(client, ars, haute_garonne, data, field, error):
    client.force_login(ars)

    response = client.post(PAGE, data)

    assert response.status_code == 200
    html = text(response)
    # The message sits in the field's own error block, which the field points to (aria-describedby).
    block = html.index(f'<div id="id_{field}-desc-error">')
    assert block < html.index(error) < html.index("</div>", block)
    assert f'aria-describedby="id_{field}-desc-error"' in html
    assert not TerritorialMessage.objects.exists()


@pytest.mark.parametrize("who", ["national", "observer"])
def test_who_may_not_publish_gets_no_form_and_a_403(client, request, who):
    user = request.getfixturevalue(who)

    html = get_page(client, user)

    assert "Nouveau message territorial" not in html
    assert "Les utilisateurs de niveau national et les observateurs n'en publient pas." in html
    assert client.post(PAGE, {"departements": ["33"], "body": CAMPAIGN}).status_code == 403
    assert not TerritorialMessage.objects.exists()


def test_the_page_lists_only_what_the_user_may_read_newest_first(client, ars, toulousain, departemental):
    older = post(ars, ["33"], body="Ancien message pour la Gironde")
    TerritorialMessage.objects.filter(pk=older.pk).update(created_at=timezone.now() - datetime.timedelta(days=2))
    post(ars, ["33", "40"], body="Nouveau message pour la Gironde")
    post(ars, ["40"], body="Message pour les Landes seules")
    post(toulousain, ["31"], body="Message pour la Haute-Garonne")
    deleted = post(ars, ["33"], body="Message retiré")
    TerritorialMessage.objects.filter(pk=deleted.pk).update(deleted_at=timezone.now())

    html = get_page(client, departemental)

    assert html.index("Nouveau message pour la Gironde") < html.index("Ancien message pour la Gironde")
    assert "Message pour les Landes seules" not in html
    assert "Message pour la Haute-Garonne" not in html
    assert "Message retiré" not in html


def test_the_page_keeps_one_departement_when_asked(client, ars):
    post(ars, ["33"], body="Pour la Gironde")
    post(ars, ["40"], body="Pour les Landes")

    html = get_page(client, ars, "?departement=40")

    assert "Pour les Landes" in html and "Pour la Gironde" not in html
    assert "Messages adressés aux sites du département Landes (40)." in html
    assert "Pour la Gironde" in get_page(client, ars, "?departement=inconnu")


def test_the_page_is_paginated(client, ars):
    for number in range(23):
        post(ars, ["33"], body=f"Message numéro {number:02d}")

    first = get_page(client, ars)
    second = get_page(client, ars, "?page=2")

    assert "Message numéro 22" in first and "Message numéro 02" not in first
    assert "Message numéro 02" in second and "Message numéro 22" not in second


def test_the_page_costs_the_same_number_of_queries_whatever_the_number_of_messages(client, ars, nouvelle_aquitaine):
    authors = [UserFactory(role=Role.ASSOCIATION) for _ in range(3)]

    def add_messages(count: int) -> None:
        for number in range(count):
            post(fresh(authors[number % 3]), ["33"], body=f"Message {number}")
            post(fresh(ars), ["33", "40", "24"], body=f"Message régional {number}")

    client.force_login(ars)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(PAGE)
        assert response.status_code == 200
        return len(queries)

    add_messages(1)
    few = count_queries()
    add_messages(8)
    many = count_queries()

    assert many == few
    assert few <= 14, few


def test_an_anonymous_visitor_is_sent_to_login(client):
    response = client.get(PAGE)

    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


# Deleting ------------------------------------------------------------------------------------------------------------


def delete_url(message) -> str:
    return reverse("journal:territorial_delete", kwargs={"message_id": message.pk})


def test_the_author_deletes_his_message_without_reason(client, ars):
    message = post(ars, ["33"])
    client.force_login(ars)

    assert delete_url(message) in get_page(client, ars)
    response = client.post(delete_url(message), follow=True)

    assert "Le message territorial a été supprimé." in text(response)
    message.refresh_from_db()
    assert message.is_deleted and message.deleted_by == ars and message.deletion_reason == ""
    assert CAMPAIGN not in text(response)


def test_a_moderator_of_every_addressed_departement_deletes_with_a_reason_and_the_author_is_emailed(
    client, ars, national_admin, django_capture_on_commit_callbacks
):
    message = post(ars, ["33", "40"])
    client.force_login(national_admin)

    refused = client.post(delete_url(message), {"reason": ""})
    assert refused.status_code == 200 and "Vous devez préciser le motif de suppression du message." in text(refused)
    assert not TerritorialMessage.objects.get().is_deleted
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(delete_url(message), {"reason": "Message hors sujet."})

    assert response.status_code == 302
    message.refresh_from_db()
    assert message.is_deleted and message.deleted_by == national_admin
    assert message.deletion_reason == "Message hors sujet."
    [sent] = mail.outbox
    assert sent.to == [ars.email] and sent.subject.endswith("Un de vos messages territoriaux a été supprimé")
    assert "Message hors sujet." in sent.body and CAMPAIGN in sent.body and "Gironde (33), Landes (40)" in sent.body


def test_a_local_admin_moderates_only_what_was_addressed_to_his_departement_alone(client, ars, gironde_admin):
    to_gironde = post(ars, ["33"])
    to_two = post(ars, ["33", "40"])

    assert permissions.can_delete_territorial_message(gironde_admin, to_gironde)
    assert not permissions.can_delete_territorial_message(gironde_admin, to_two)
    client.force_login(gironde_admin)
    assert client.post(delete_url(to_two), {"reason": "Hors sujet"}).status_code == 403
    html = get_page(client, gironde_admin)
    assert delete_url(to_gironde) in html and delete_url(to_two) not in html


def test_a_reader_may_not_delete_and_an_outsider_does_not_find_it(client, ars, departemental, toulousain):
    message = post(ars, ["33"])

    client.force_login(departemental)
    assert client.get(delete_url(message)).status_code == 403
    client.force_login(toulousain)
    assert client.get(delete_url(message)).status_code == 404
    assert not TerritorialMessage.objects.get().is_deleted
