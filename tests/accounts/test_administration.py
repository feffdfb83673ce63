"""The account administration at /administration/: list, account page and its actions, creations (reference §A.7)."""

import html
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from resorption.accounts.enums import (
    AccessStatus,
    AccountEventKind,
    AdminRole,
    AreaType,
    Option,
    Role,
    SignInFailure,
    UserStatus,
)
from resorption.accounts.models import AccountEvent, InterventionArea, Organization, SignInAttempt, User, UserAccess
from resorption.accounts.services.administration import with_access_status
from resorption.emails.models import EmailStatus, OutgoingEmail
from tests.accounts.factories import (
    OrganizationFactory,
    OrganizationTypeFactory,
    UserAccessFactory,
    UserFactory,
)
from tests.territories.factories import CommuneFactory, DepartementFactory, RegionFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("accounts:admin_users")


def detail_url(account):
    return reverse("accounts:user_detail", args=[account.pk])


def action_url(account, action):
    return reverse("accounts:admin_user_action", args=[account.pk, action])


def text(response) -> str:
    """The page's HTML unescaped, with whitespace runs folded, for assertions on sentences that the templates wrap."""
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


def haute_garonne():
    return DepartementFactory(code="31", name="Haute-Garonne", region=RegionFactory(code="76", name="Occitanie"))


@pytest.fixture
def local_admin():
    """The local admin of the Gironde (33)."""
    return UserFactory(
        first_name="Louise",
        last_name="Préfète",
        email="louise.prefete@exemple.test",
        admin_role=AdminRole.LOCAL_ADMIN,
        organization=OrganizationFactory(name="DDETS de la Gironde"),
    )


@pytest.fixture
def national_admin():
    dihal = OrganizationFactory(name="Dihal", area_type=AreaType.NATION, departement=None)
    return UserFactory(
        first_name="Nadia",
        last_name="Nationale",
        email="nadia.nationale@exemple.test",
        organization=dihal,
        admin_role=AdminRole.NATIONAL_ADMIN,
    )


@pytest.fixture
def person():
    """An access request in the Gironde: status new, no link yet."""
    return UserFactory(
        new=True,
        first_name="Jeanne",
        last_name="Lacoste",
        email="jeanne.lacoste@exemple.test",
        organization=OrganizationFactory(name="Association Solidarité Bordeaux"),
    )


@pytest.fixture
def toulouse_person():
    return UserFactory(
        first_name="Marc",
        last_name="Sabatier",
        email="marc.sabatier@exemple.test",
        organization=OrganizationFactory(name="Association Toulouse", departement=haute_garonne()),
    )


@pytest.fixture
def as_user(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def post(as_user, django_capture_on_commit_callbacks):
    """Posts an action as `admin`, running the after-commit work (emails) as a real request would."""

    def send(admin, account, action, data=None):
        client = as_user(admin)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(action_url(account, action), data or {})

    return send


def events(account, kind):
    return list(AccountEvent.objects.filter(user=account, kind=kind))


# ---------------------------------------------------------------------------------------------------------------------
# Access status
# ---------------------------------------------------------------------------------------------------------------------


def status_of(user) -> str:
    return with_access_status(User.objects.filter(pk=user.pk)).get().access_status


def test_access_status_of_every_situation(local_admin):
    now = timezone.now()
    requested = UserFactory(new=True)
    sent = UserAccessFactory().user
    expired = UserAccessFactory(created_at=now - timedelta(days=8)).user
    # A newer link makes an older expired one irrelevant.
    renewed = UserAccessFactory(created_at=now - timedelta(days=10)).user
    UserAccessFactory(user=renewed)
    activated = UserFactory()
    deactivated = UserFactory(inactive=True, last_login=now - timedelta(days=30))
    refused = UserFactory(new=True, access_refused_at=now)
    # Deactivated before ever activating, with a link left to expire: its link expired (reference §B.2).
    never_activated = UserAccessFactory(
        user=UserFactory(inactive=True), created_at=now - timedelta(days=9), used_at=None
    ).user

    assert status_of(requested) == AccessStatus.REQUESTED
    assert status_of(sent) == AccessStatus.SENT
    assert status_of(expired) == AccessStatus.EXPIRED
    assert status_of(renewed) == AccessStatus.SENT
    assert status_of(activated) == AccessStatus.ACTIVATED
    assert status_of(deactivated) == AccessStatus.DEACTIVATED
    assert status_of(refused) == AccessStatus.REFUSED
    assert status_of(never_activated) == AccessStatus.EXPIRED


def test_a_used_link_of_a_deactivated_account_is_no_expired_link():
    access = UserAccessFactory(
        user=UserFactory(inactive=True), created_at=timezone.now() - timedelta(days=30), used_at=timezone.now()
    )
    assert status_of(access.user) == AccessStatus.DEACTIVATED


# ---------------------------------------------------------------------------------------------------------------------
# The list
# ---------------------------------------------------------------------------------------------------------------------


def test_list_is_404_for_users_who_are_not_admins(as_user, person):
    assert as_user(UserFactory()).get(LIST_URL).status_code == 404


def test_local_admin_lists_only_the_accounts_of_his_departement(as_user, local_admin, person, toulouse_person):
    response = as_user(local_admin).get(LIST_URL)
    assert response.status_code == 200
    assert "Jeanne Lacoste" in text(response)
    assert "Sabatier" not in text(response)


def test_national_admin_lists_every_account(as_user, national_admin, person, toulouse_person):
    page = text(as_user(national_admin).get(LIST_URL))
    assert "Jeanne Lacoste" in page
    assert "Marc Sabatier" in page


def test_list_shows_access_status_labels_and_requests_first(as_user, local_admin, person):
    UserFactory(first_name="Active", last_name="Personne")
    UserAccessFactory(user=UserFactory(new=True, first_name="Lien", last_name="Envoyé"))
    page = text(as_user(local_admin).get(LIST_URL))
    for label in ("Demandé", "Envoyé", "Activé"):
        assert f">{label}</p>" in page
    # Requests to process come before everything else.
    assert page.index("Jeanne Lacoste") < page.index("Lien Envoyé") < page.index("Active Personne")


@pytest.mark.parametrize(
    ("term", "found"),
    [("lacoste", True), ("JEANNE", True), ("jeanne.lacoste@", True), ("solidarite bordeaux", True), ("zzz", False)],
)
def test_search_by_name_email_or_organisation(as_user, local_admin, person, term, found):
    UserFactory(first_name="Paul", last_name="Autre", organization=OrganizationFactory(name="Mairie de Bègles"))
    page = text(as_user(local_admin).get(LIST_URL, {"q": term}))
    assert ("Jeanne Lacoste" in page) is found
    assert "Paul Autre" not in page


def test_filter_by_access_status(as_user, local_admin, person):
    UserFactory(first_name="Active", last_name="Personne")
    page = text(as_user(local_admin).get(LIST_URL, {"statut": AccessStatus.REQUESTED}))
    assert "Jeanne Lacoste" in page
    assert "Active Personne" not in page


def test_filter_by_role_uses_the_admin_role_when_there_is_one(as_user, local_admin, person):
    UserFactory(first_name="Inter", last_name="Venant", role=Role.INTERVENER)
    client = as_user(local_admin)
    interveners = text(client.get(LIST_URL, {"role": Role.INTERVENER}))
    admins = text(client.get(LIST_URL, {"role": AdminRole.LOCAL_ADMIN}))
    assert "Inter Venant" in interveners and "Jeanne Lacoste" not in interveners
    assert "Louise Préfète" in admins and "Inter Venant" not in admins


def test_unknown_filter_value_gets_a_french_message_and_is_ignored(as_user, local_admin, person):
    response = as_user(local_admin).get(LIST_URL, {"statut": "bogus"})
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in text(response)
    assert "Jeanne Lacoste" in text(response)


def test_list_is_paginated(as_user, national_admin):
    UserFactory.create_batch(55, organization=OrganizationFactory())
    client = as_user(national_admin)
    first = text(client.get(LIST_URL))
    second = text(client.get(LIST_URL, {"page": 2}))
    assert "page 1 sur 2" in first
    assert 'href="?page=2"' in first
    assert "page 2 sur 2" in second
    assert len(re.findall(r'href="/administration/comptes/\d+/"', second)) == 56 - 50


def test_list_query_count_stays_flat_as_accounts_grow(as_user, local_admin):
    client = as_user(local_admin)

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST_URL).status_code == 200
        return len(queries)

    UserAccessFactory(user=UserFactory(new=True))
    few = count_queries()
    for index in range(12):
        organization = OrganizationFactory(abbreviation=f"S{index}")
        UserAccessFactory(user=UserFactory(new=True, organization=organization))
        UserFactory(organization=organization, role=Role.INTERVENER)
    assert count_queries() == few


# ---------------------------------------------------------------------------------------------------------------------
# The account page
# ---------------------------------------------------------------------------------------------------------------------


def test_account_page_shows_links_sent_and_history(as_user, local_admin, national_admin, person):
    now = timezone.now()
    UserAccessFactory(user=person, sent_by=local_admin, created_at=now - timedelta(days=10))
    AccountEvent.objects.create(user=person, actor=None, kind=AccountEventKind.REQUESTED)
    AccountEvent.objects.create(user=person, actor=national_admin, kind=AccountEventKind.NOTE_CHANGED)
    page = text(as_user(local_admin).get(detail_url(person)))
    assert "Liens d'activation envoyés" in page
    assert "Louise Préfète" in page
    assert "Pas utilisé" in page
    assert "Demande d'accès reçue" in page and "La plateforme" in page
    assert "Note d'administration modifiée" in page and "Nadia Nationale" in page
    assert ">Expiré<" in page


def test_local_admin_is_offered_no_admin_role_change(as_user, local_admin, national_admin, person):
    local_page = text(as_user(local_admin).get(detail_url(person)))
    national_page = text(as_user(national_admin).get(detail_url(person)))
    assert "Nommer administrateur local" not in local_page
    assert "Nommer administrateur local" in national_page
    # A local admin chooses among the roles he may give: Intervenant only.
    assert '<option value="intervener"' in local_page
    assert '<option value="direct_collaborator"' not in local_page
    assert '<option value="direct_collaborator"' in national_page


def test_account_page_of_oneself_says_areas_cannot_be_edited(as_user, local_admin):
    page = text(as_user(local_admin).get(detail_url(local_admin)))
    assert "Vous ne pouvez pas modifier vos propres territoires d'intervention." in page
    assert "Désactiver le compte" not in page


# ---------------------------------------------------------------------------------------------------------------------
# Actions: access
# ---------------------------------------------------------------------------------------------------------------------


def test_send_link_creates_the_link_emails_it_and_records_who(post, local_admin, person):
    response = post(local_admin, person, "send-link")
    assert response.status_code == 302
    access = UserAccess.objects.get(user=person)
    assert access.sent_by == local_admin
    assert mail.outbox[0].to == [person.email]
    assert "/activer-mon-compte/" in mail.outbox[0].body
    assert events(person, AccountEventKind.LINK_SENT)[0].actor == local_admin


def test_send_link_to_an_active_account_is_refused_in_french(post, local_admin):
    active = UserFactory()
    response = post(local_admin, active, "send-link")
    assert response.status_code == 200
    assert "Ce compte est déjà activé." in text(response)
    assert not UserAccess.objects.filter(user=active).exists()
    assert mail.outbox == []


def test_refuse_emails_the_reason_with_reply_to_the_admin(post, as_user, local_admin, person):
    response = post(local_admin, person, "refuse", {"refuse-reason": "Votre structure n'intervient pas ici."})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.access_refused_at is not None
    message = mail.outbox[0]
    assert message.to == [person.email]
    assert message.reply_to == [local_admin.email]
    assert "Votre structure n'intervient pas ici." in message.body
    assert "Louise Préfète" in message.body
    assert events(person, AccountEventKind.REFUSED)[0].detail == "Votre structure n'intervient pas ici."
    assert "Sans suite" in text(as_user(local_admin).get(detail_url(person)))


def test_refuse_without_reason_changes_nothing(post, local_admin, person):
    response = post(local_admin, person, "refuse", {"refuse-reason": "   "})
    assert response.status_code == 200
    assert "Indiquez le motif du refus" in text(response)
    person.refresh_from_db()
    assert person.access_refused_at is None
    assert mail.outbox == []
    assert not AccountEvent.objects.filter(user=person).exists()


def test_refuse_an_active_account_is_refused(post, local_admin):
    active = UserFactory()
    response = post(local_admin, active, "refuse", {"refuse-reason": "Non."})
    assert "Seule une demande d'accès en attente peut être refusée." in text(response)
    active.refresh_from_db()
    assert active.access_refused_at is None


# ---------------------------------------------------------------------------------------------------------------------
# Actions: rights
# ---------------------------------------------------------------------------------------------------------------------


def test_national_admin_gives_any_role_and_history_says_which(post, national_admin, person):
    response = post(national_admin, person, "role", {"role-role": Role.DIRECT_COLLABORATOR})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.role == Role.DIRECT_COLLABORATOR
    event = events(person, AccountEventKind.ROLE_CHANGED)[0]
    assert event.actor == national_admin
    assert event.detail == "Opérateur → Correspondant"


def test_local_admin_gives_intervenant(post, local_admin, person):
    assert post(local_admin, person, "role", {"role-role": Role.INTERVENER}).status_code == 302
    person.refresh_from_db()
    assert person.role == Role.INTERVENER


def test_local_admin_cannot_give_correspondant(post, local_admin, person):
    response = post(local_admin, person, "role", {"role-role": Role.DIRECT_COLLABORATOR})
    assert response.status_code == 200
    assert "Vous ne pouvez pas attribuer ce rôle à ce compte." in text(response)
    person.refresh_from_db()
    assert person.role == Role.ASSOCIATION
    assert not AccountEvent.objects.filter(user=person).exists()


def test_a_new_role_drops_the_options_it_may_not_receive(post, national_admin, person):
    person.options = [Option.CREATE_SHANTYTOWN, Option.ACCESS_JUSTICE]
    person.save()
    post(national_admin, person, "role", {"role-role": Role.INTERVENER})
    person.refresh_from_db()
    assert person.options == [Option.ACCESS_JUSTICE]


def test_local_admin_cannot_change_the_role_of_another_admin(post, local_admin):
    colleague = UserFactory(admin_role=AdminRole.LOCAL_ADMIN)
    assert post(local_admin, colleague, "role", {"role-role": Role.INTERVENER}).status_code == 404
    colleague.refresh_from_db()
    assert colleague.role == Role.ASSOCIATION


def test_options_are_set_among_those_of_the_role(post, local_admin, person):
    response = post(local_admin, person, "options", {"options-options": [Option.CLOSE_SHANTYTOWN]})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.options == [Option.CLOSE_SHANTYTOWN]
    assert events(person, AccountEventKind.OPTIONS_CHANGED)[0].detail == "Fermer des sites"


@pytest.mark.parametrize("option", ["bogus", Option.ACCESS_ACTION_FINANCES + "x"])
def test_unknown_option_changes_nothing(post, local_admin, person, option):
    response = post(local_admin, person, "options", {"options-options": [option]})
    assert "Cette option ne peut pas être donnée à un compte de ce rôle." in text(response)
    person.refresh_from_db()
    assert person.options == []


def test_note_is_saved_and_recorded_without_its_text(post, local_admin, person):
    response = post(local_admin, person, "note", {"note-note": "Appelée le 3 mars, rappeler."})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.admin_note == "Appelée le 3 mars, rappeler."
    assert events(person, AccountEventKind.NOTE_CHANGED)[0].detail == ""


# ---------------------------------------------------------------------------------------------------------------------
# Actions: intervention areas
# ---------------------------------------------------------------------------------------------------------------------


def custom_areas(user):
    return sorted((area.area_type, area.territory_code) for area in InterventionArea.objects.filter(user=user))


def test_areas_are_set_from_typed_codes(post, local_admin, person):
    CommuneFactory(code="33063", name="Bordeaux")
    CommuneFactory(code="33281", name="Mérignac")
    data = {"areas-mode": "custom", "areas-area_type": AreaType.COMMUNE, "areas-area_codes": "33063, 33281"}
    response = post(local_admin, person, "areas", data)
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.use_custom_intervention_area
    assert custom_areas(person) == [("commune", "33063"), ("commune", "33281")]
    assert "Bordeaux (33)" in events(person, AccountEventKind.AREAS_CHANGED)[0].detail


def test_territory_search_offers_its_results_as_areas(as_user, local_admin, person):
    CommuneFactory(code="33063", name="Bordeaux")
    page = text(as_user(local_admin).get(detail_url(person), {"territoire": "bordeaux"}))
    assert 'value="commune:33063"' in page
    assert "Commune : Bordeaux (33)" in page


def test_areas_checked_and_unchecked(post, local_admin, person):
    CommuneFactory(code="33063", name="Bordeaux")
    post(local_admin, person, "areas", {"areas-mode": "custom", "areas-areas": ["commune:33063", "departement:33"]})
    post(local_admin, person, "areas", {"areas-mode": "custom", "areas-areas": ["departement:33"]})
    assert custom_areas(person) == [("departement", "33")]


def test_back_to_the_organisation_areas(post, local_admin, person):
    post(local_admin, person, "areas", {"areas-mode": "custom", "areas-areas": ["departement:33"]})
    response = post(local_admin, person, "areas", {"areas-mode": "organization"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert not person.use_custom_intervention_area
    assert custom_areas(person) == []


def test_area_outside_the_local_admin_territory_is_refused(post, local_admin, person):
    haute_garonne()
    response = post(local_admin, person, "areas", {"areas-mode": "custom", "areas-areas": ["departement:31"]})
    assert "En dehors de votre territoire, vous ne pouvez pas attribuer : Département : Haute-Garonne (31)." in text(
        response
    )
    person.refresh_from_db()
    assert not person.use_custom_intervention_area
    assert custom_areas(person) == []


def test_national_admin_sets_areas_anywhere(post, national_admin, person):
    haute_garonne()
    post(national_admin, person, "areas", {"areas-mode": "custom", "areas-areas": ["departement:31", "nation:"]})
    assert custom_areas(person) == [("departement", "31"), ("nation", None)]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"areas-area_type": AreaType.COMMUNE, "areas-area_codes": "99999"},
            "Aucune commune n'a le code INSEE « 99999 ».",
        ),
        ({"areas-area_codes": "33063"}, "Choisissez le niveau des codes saisis."),
        ({"areas-areas": ["departement:<script>"]}, "Ce territoire n'est pas valide."),
        ({}, "Choisissez au moins un territoire d'intervention."),
    ],
)
def test_bad_areas_get_a_french_message_and_change_nothing(post, local_admin, person, data, message):
    response = post(local_admin, person, "areas", {"areas-mode": "custom", **data})
    assert response.status_code == 200
    assert message in text(response)
    person.refresh_from_db()
    assert not person.use_custom_intervention_area
    assert not AccountEvent.objects.filter(user=person).exists()


def test_nobody_edits_his_own_areas(post, national_admin):
    response = post(national_admin, national_admin, "areas", {"areas-mode": "custom", "areas-areas": ["nation:"]})
    assert "Vous ne pouvez pas modifier vos propres territoires d'intervention." in text(response)
    assert custom_areas(national_admin) == []


def test_local_admin_cannot_edit_the_areas_of_another_admin(post, local_admin):
    colleague = UserFactory(admin_role=AdminRole.LOCAL_ADMIN)
    response = post(local_admin, colleague, "areas", {"areas-mode": "custom", "areas-areas": ["departement:33"]})
    assert "Seuls les administrateurs nationaux modifient les territoires" in text(response)
    assert custom_areas(colleague) == []


# ---------------------------------------------------------------------------------------------------------------------
# Actions: deactivation, reactivation, admin roles
# ---------------------------------------------------------------------------------------------------------------------


def test_deactivate_emails_the_reason(post, local_admin):
    active = UserFactory(email="actif@exemple.test")
    response = post(local_admin, active, "deactivate", {"deactivate-reason": "A quitté la structure."})
    assert response.status_code == 302
    active.refresh_from_db()
    assert active.status == UserStatus.INACTIVE
    assert active.deactivated_at is not None
    assert mail.outbox[0].to == ["actif@exemple.test"]
    assert "A quitté la structure." in mail.outbox[0].body
    assert "désactivé" in mail.outbox[0].subject
    assert events(active, AccountEventKind.DEACTIVATED)[0].actor == local_admin


def test_deactivate_without_reason_changes_nothing(post, local_admin):
    active = UserFactory()
    response = post(local_admin, active, "deactivate", {"deactivate-reason": ""})
    assert "Indiquez le motif de la désactivation" in text(response)
    active.refresh_from_db()
    assert active.status == UserStatus.ACTIVE
    assert mail.outbox == []


def test_nobody_deactivates_himself_from_the_administration(post, local_admin):
    assert post(local_admin, local_admin, "deactivate", {"deactivate-reason": "Test"}).status_code == 404
    local_admin.refresh_from_db()
    assert local_admin.status == UserStatus.ACTIVE


def test_reactivate_an_account_used_before_makes_it_active(post, local_admin):
    former = UserFactory(inactive=True, last_login=timezone.now() - timedelta(days=400), deactivated_at=timezone.now())
    response = post(local_admin, former, "reactivate")
    assert response.status_code == 302
    former.refresh_from_db()
    assert former.status == UserStatus.ACTIVE
    assert former.deactivated_at is None
    assert "réactivé" in mail.outbox[0].subject
    assert "/connexion/" in mail.outbox[0].body
    assert events(former, AccountEventKind.REACTIVATED)[0].actor == local_admin


def test_reactivate_an_account_never_activated_makes_it_a_request_again(post, local_admin):
    never = UserFactory(inactive=True)
    post(local_admin, never, "reactivate")
    never.refresh_from_db()
    assert never.status == UserStatus.NEW
    assert "Activer mon compte" in mail.outbox[0].body


def test_reactivate_is_refused_after_an_anonymisation_request(post, local_admin):
    leaving = UserFactory(inactive=True, anonymization_requested_at=timezone.now())
    response = post(local_admin, leaving, "reactivate")
    assert "a demandé l'anonymisation de son compte" in text(response)
    leaving.refresh_from_db()
    assert leaving.status == UserStatus.INACTIVE


def test_national_admin_promotes_and_demotes_a_local_admin(post, national_admin, person):
    assert post(national_admin, person, "promote").status_code == 302
    person.refresh_from_db()
    assert person.admin_role == AdminRole.LOCAL_ADMIN
    assert post(national_admin, person, "demote").status_code == 302
    person.refresh_from_db()
    assert person.admin_role == ""
    assert [event.kind for event in AccountEvent.objects.filter(user=person).order_by("pk")] == [
        AccountEventKind.PROMOTED,
        AccountEventKind.DEMOTED,
    ]


def test_local_admin_cannot_touch_admin_roles(post, local_admin, person):
    colleague = UserFactory(admin_role=AdminRole.LOCAL_ADMIN)
    assert post(local_admin, person, "promote").status_code == 404
    assert post(local_admin, colleague, "demote").status_code == 404
    person.refresh_from_db()
    colleague.refresh_from_db()
    assert person.admin_role == ""
    assert colleague.admin_role == AdminRole.LOCAL_ADMIN


def test_national_admins_cannot_be_demoted(post, national_admin):
    other = UserFactory(admin_role=AdminRole.NATIONAL_ADMIN)
    assert post(national_admin, other, "demote").status_code == 404
    other.refresh_from_db()
    assert other.admin_role == AdminRole.NATIONAL_ADMIN


# ---------------------------------------------------------------------------------------------------------------------
# Actions: scope and protocol
# ---------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("role", {"role-role": Role.INTERVENER}),
        ("note", {"note-note": "x"}),
        ("send-link", {}),
        ("deactivate", {"deactivate-reason": "x"}),
    ],
)
def test_local_admin_cannot_act_outside_his_territory(post, local_admin, toulouse_person, action, data):
    assert post(local_admin, toulouse_person, action, data).status_code == 404
    toulouse_person.refresh_from_db()
    assert toulouse_person.status == UserStatus.ACTIVE
    assert toulouse_person.role == Role.ASSOCIATION
    assert not AccountEvent.objects.filter(user=toulouse_person).exists()


def test_unknown_action_is_404(post, national_admin, person):
    assert post(national_admin, person, "delete").status_code == 404


def test_actions_only_accept_post(as_user, national_admin, person):
    assert as_user(national_admin).get(action_url(person, "note")).status_code == 405


def test_actions_check_the_csrf_token(national_admin, person):
    client = Client(enforce_csrf_checks=True)
    client.force_login(national_admin)
    assert client.post(action_url(person, "note"), {"note-note": "x"}).status_code == 403
    person.refresh_from_db()
    assert person.admin_note == ""


# ---------------------------------------------------------------------------------------------------------------------
# Creating accounts and organisations
# ---------------------------------------------------------------------------------------------------------------------

CREATE_URL = reverse("accounts:admin_user_create")


def creation_data(structure, **overrides):
    return {
        "first_name": "Sami",
        "last_name": "Nouveau",
        "email": "Sami.Nouveau@exemple.test",
        "phone": "06 12 34 56 78",
        "position": "Travailleur social",
        "organization": structure.pk,
        "role": Role.INTERVENER,
        **overrides,
    }


def test_local_admin_creates_an_account_in_his_territory(as_user, local_admin, person):
    client = as_user(local_admin)
    response = client.post(CREATE_URL, creation_data(person.organization))
    created = User.objects.get(email="sami.nouveau@exemple.test")
    assert response.status_code == 302
    assert response.url == detail_url(created)
    assert created.status == UserStatus.NEW
    assert created.role == Role.INTERVENER
    assert not created.has_usable_password()
    assert events(created, AccountEventKind.CREATED)[0].actor == local_admin
    assert "Envoyer le lien d'activation" in text(client.get(detail_url(created)))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"role": Role.DIRECT_COLLABORATOR}, "Vous ne pouvez pas attribuer ce rôle."),
        ({"email": "jeanne.lacoste@exemple.test"}, "Un compte existe déjà avec cette adresse électronique."),
        ({"phone": "12"}, "Saisissez un numéro de téléphone français valide"),
        ({"organization": 999999}, "Choisissez une structure de votre territoire dans la liste."),
        ({"email": "utilisateur.desactive.3@anonyme.fr"}, "réservée aux comptes anonymisés"),
    ],
)
def test_bad_account_creation_changes_nothing(as_user, local_admin, person, overrides, message):
    users = User.objects.count()
    response = as_user(local_admin).post(CREATE_URL, creation_data(person.organization, **overrides))
    assert response.status_code == 200
    assert message in text(response)
    assert User.objects.count() == users


def test_local_admin_cannot_create_an_account_outside_his_territory(as_user, local_admin, toulouse_person):
    response = as_user(local_admin).post(CREATE_URL, creation_data(toulouse_person.organization))
    assert "Choisissez une structure de votre territoire dans la liste." in text(response)
    assert not User.objects.filter(email="sami.nouveau@exemple.test").exists()
    assert "Association Toulouse" not in text(response)


def test_organisation_search_narrows_the_select(as_user, national_admin, person, toulouse_person):
    page = text(as_user(national_admin).get(CREATE_URL, {"structure": "toulouse"}))
    assert "Association Toulouse" in page
    assert "Association Solidarité Bordeaux" not in page


def test_account_creation_is_404_for_users_who_are_not_admins(as_user):
    assert as_user(UserFactory()).get(CREATE_URL).status_code == 404


ORGANIZATION_URL = reverse("accounts:admin_organization_create")


def organization_data(**overrides):
    return {
        "name": "Centre communal d'action sociale de Bègles",
        "abbreviation": "CCAS Bègles",
        "organization_type": OrganizationTypeFactory(
            uid="ccas", name_singular="CCAS", category="public_establishment"
        ).pk,
        "location_type": AreaType.DEPARTEMENT,
        "location_code": "33",
        **overrides,
    }


def test_national_admin_creates_an_organisation_working_where_it_is(as_user, national_admin):
    DepartementFactory()
    response = as_user(national_admin).post(ORGANIZATION_URL, organization_data())
    organization = Organization.objects.get(abbreviation="CCAS Bègles")
    assert response.status_code == 302
    assert not organization.active
    assert organization.departement_id == "33"
    assert [(area.area_type, area.territory_code) for area in organization.intervention_areas.all()] == [
        ("departement", "33")
    ]


def test_organisation_intervention_areas_may_differ_from_its_location(as_user, national_admin):
    CommuneFactory(code="33063", name="Bordeaux")
    CommuneFactory(code="33039", name="Bègles")
    as_user(national_admin).post(
        ORGANIZATION_URL, organization_data(area_type=AreaType.COMMUNE, area_codes="33039 33063")
    )
    organization = Organization.objects.get(abbreviation="CCAS Bègles")
    assert sorted(area.territory_code for area in organization.intervention_areas.all()) == ["33039", "33063"]


def test_a_similar_name_of_the_same_type_is_refused(as_user, national_admin):
    DepartementFactory()
    data = organization_data()
    client = as_user(national_admin)
    client.post(ORGANIZATION_URL, data)
    response = client.post(ORGANIZATION_URL, {**data, "name": "CENTRE communal d’action sociale de Begles"})
    assert response.status_code == 200
    assert "Une structure de ce type porte déjà ce nom" in text(response)
    assert Organization.objects.filter(type_id=data["organization_type"]).count() == 1


def test_the_same_name_of_another_type_is_accepted(as_user, national_admin):
    DepartementFactory()
    client = as_user(national_admin)
    client.post(ORGANIZATION_URL, organization_data())
    other_type = OrganizationTypeFactory(uid="association")
    assert client.post(ORGANIZATION_URL, organization_data(organization_type=other_type.pk)).status_code == 302
    assert Organization.objects.filter(search_name="centre communal d action sociale de begles").count() == 2


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"location_code": "99"}, "Aucun département n'a le code « 99 »."),
        ({"location_code": ""}, "Saisissez le code du territoire où se trouve la structure."),
        ({"area_codes": "33063"}, "Choisissez le niveau des codes saisis."),
        ({"organization_type": 999999}, "Choisissez un type de structure dans la liste."),
    ],
)
def test_bad_organisation_creation_changes_nothing(as_user, national_admin, overrides, message):
    DepartementFactory()
    organizations = Organization.objects.count()
    response = as_user(national_admin).post(ORGANIZATION_URL, organization_data(**overrides))
    assert response.status_code == 200
    assert message in text(response)
    assert Organization.objects.count() == organizations


def test_a_national_organisation_needs_no_code(as_user, national_admin):
    as_user(national_admin).post(ORGANIZATION_URL, organization_data(location_type=AreaType.NATION, location_code=""))
    organization = Organization.objects.get(abbreviation="CCAS Bègles")
    assert organization.area_type == AreaType.NATION
    assert organization.intervention_areas.get().area_type == AreaType.NATION


def test_organisation_creation_is_for_national_admins_only(as_user, local_admin):
    assert as_user(local_admin).get(ORGANIZATION_URL).status_code == 404


# ---------------------------------------------------------------------------------------------------------------------
# Side menu
# ---------------------------------------------------------------------------------------------------------------------


def test_side_menu_lists_only_the_pages_the_admin_may_open(as_user, local_admin, national_admin):
    local_page = text(as_user(local_admin).get(LIST_URL))
    national_page = text(as_user(national_admin).get(LIST_URL))
    assert "Créer un compte" in local_page
    for entry in ("Créer une structure", "Courriels envoyés", "Journal des connexions"):
        assert entry not in local_page
        assert entry in national_page


def test_signed_out_visitors_are_sent_to_the_login_page(client):
    response = client.get(LIST_URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


# ---------------------------------------------------------------------------------------------------------------------
# Outbox and sign-in log (national admins)
# ---------------------------------------------------------------------------------------------------------------------

EMAILS_URL = reverse("accounts:admin_emails")
SIGNINS_URL = reverse("accounts:admin_signins")


def outgoing(**fields):
    values = {
        "template": "password_reset",
        "to": ["camille@exemple.test"],
        "subject": "Réinitialisation de votre mot de passe",
        "body_text": "Bonjour Camille,\nVoici votre lien.\n",
        **fields,
    }
    return OutgoingEmail.objects.create(**values)


def test_outbox_lists_emails_with_status_attempts_and_error(as_user, national_admin):
    outgoing(status=EmailStatus.SENT, attempts=1, subject="Bienvenue")
    outgoing(status=EmailStatus.FAILED, attempts=12, last_error="SMTPServerDisconnected: connexion perdue")
    page = text(as_user(national_admin).get(EMAILS_URL))
    assert "Bienvenue" in page
    assert ">Envoyé</p>" in page and ">En échec</p>" in page
    assert "SMTPServerDisconnected: connexion perdue" in page
    assert page.count(">Renvoyer</button>") == 1


def test_outbox_filters_failed_and_pending_emails(as_user, national_admin):
    outgoing(status=EmailStatus.SENT, subject="Déjà parti")
    outgoing(status=EmailStatus.FAILED, subject="Resté en échec")
    outgoing(status=EmailStatus.PENDING, subject="Encore en attente")
    client = as_user(national_admin)
    failed = text(client.get(EMAILS_URL, {"statut": EmailStatus.FAILED}))
    pending = text(client.get(EMAILS_URL, {"statut": EmailStatus.PENDING}))
    assert "Resté en échec" in failed and "Déjà parti" not in failed and "Encore en attente" not in failed
    assert "Encore en attente" in pending and "Resté en échec" not in pending


def test_outbox_shows_the_text_of_an_email(as_user, national_admin):
    email = outgoing(body_text="Bonjour Camille,\nVoici votre lien secret.\n")
    page = text(as_user(national_admin).get(EMAILS_URL, {"courriel": email.pk}))
    assert "Voici votre lien secret." in page
    assert "camille@exemple.test" in page


def test_resending_a_failed_email_delivers_it(as_user, national_admin, django_capture_on_commit_callbacks):
    email = outgoing(status=EmailStatus.FAILED, attempts=12, last_error="SMTPServerDisconnected")
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(national_admin).post(EMAILS_URL, {"email": email.pk})
    assert response.status_code == 302
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT
    assert [message.subject for message in mail.outbox] == ["Réinitialisation de votre mot de passe"]


@pytest.mark.parametrize("value", ["sent", "999999", "abc"])
def test_only_failed_emails_are_resent(as_user, national_admin, django_capture_on_commit_callbacks, value):
    email = outgoing(status=EmailStatus.SENT, attempts=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(national_admin).post(EMAILS_URL, {"email": email.pk if value == "sent" else value})
    assert response.status_code == 302
    assert mail.outbox == []
    email.refresh_from_db()
    assert email.attempts == 1
    follow = text(as_user(national_admin).get(EMAILS_URL))
    assert "Ce courriel n'est pas en échec : il n'y a rien à renvoyer." in follow


def test_outbox_query_count_stays_flat(as_user, national_admin):
    client = as_user(national_admin)

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(EMAILS_URL).status_code == 200
        return len(queries)

    outgoing()
    few = count_queries()
    for _ in range(10):
        outgoing(status=EmailStatus.FAILED)
    assert count_queries() == few


def test_outbox_and_signin_log_are_for_national_admins_only(as_user, local_admin):
    client = as_user(local_admin)
    assert client.get(EMAILS_URL).status_code == 404
    assert client.post(EMAILS_URL, {"email": outgoing(status=EmailStatus.FAILED).pk}).status_code == 404
    assert client.get(SIGNINS_URL).status_code == 404


def test_signin_log_lists_attempts_and_filters_by_email(as_user, national_admin):
    SignInAttempt.objects.create(
        email="camille@exemple.test",
        success=False,
        failure_reason=SignInFailure.BAD_CREDENTIALS,
        ip_address="192.0.2.7",
        user_agent="Firefox/140",
    )
    SignInAttempt.objects.create(email="paul@exemple.test", success=True, ip_address="192.0.2.8")
    client = as_user(national_admin)
    everything = text(client.get(SIGNINS_URL))
    camille = text(client.get(SIGNINS_URL, {"email": "camille"}))
    assert "paul@exemple.test" in everything and "Réussie" in everything
    assert "camille@exemple.test" in camille
    assert "Identifiants incorrects" in camille and "192.0.2.7" in camille and "Firefox/140" in camille
    assert "paul@exemple.test" not in camille


def test_signin_log_is_paginated_with_a_flat_query_count(as_user, national_admin):
    client = as_user(national_admin)

    def count_queries(**params):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(SIGNINS_URL, params)
        return len(queries), text(response)

    SignInAttempt.objects.create(email="a@exemple.test", success=True)
    few, _ = count_queries()
    SignInAttempt.objects.bulk_create(SignInAttempt(email=f"p{n}@exemple.test", success=True) for n in range(60))
    many, first = count_queries()
    assert many == few
    assert 'href="?page=2"' in first
    _, second = count_queries(page=2)
    assert second.count("@exemple.test</td>") == 61 - 50


def test_a_deactivated_account_is_reactivated_before_any_link(post, as_user, local_admin):
    former = UserFactory(inactive=True)
    page = text(as_user(local_admin).get(detail_url(former)))
    assert "Réactiver le compte" in page
    assert "lien d'activation</button>" not in page
    response = post(local_admin, former, "send-link")
    assert "Ce compte est désactivé : réactivez-le d'abord." in text(response)
    assert not UserAccess.objects.filter(user=former).exists()
