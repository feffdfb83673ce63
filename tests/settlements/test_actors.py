"""Site actors (« Intervenants », reference §C.10): services, pages, emails, and the rule of who may be added."""

import html

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client
from django.urls import reverse

from resorption.accounts import permissions
from resorption.accounts.enums import AdminRole, AreaType, Role
from resorption.accounts.models import InterventionArea, User
from resorption.emails.models import OutgoingEmail
from resorption.settlements import actors as services
from resorption.settlements.enums import SiteActorTheme
from resorption.settlements.models import SiteActor
from tests.accounts.factories import OrganizationFactory, PermissionOverrideFactory, UserFactory
from tests.settlements.factories import SiteFactory
from tests.territories.factories import CommuneFactory, DepartementFactory, EpciFactory, RegionFactory

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def url(name: str, site, **kwargs) -> str:
    return reverse(f"settlements:{name}", kwargs={"pk": site.pk, **kwargs})


def field_error(page: str, field: str, message: str) -> bool:
    """The message sits in the error block of that field (DSFR: `id_<field>-desc-error`)."""
    start = page.find(f'id="id_{field}-desc-error"')
    return start != -1 and message in page[start : start + 600]


def section_url(site) -> str:
    return reverse("settlements:detail", kwargs={"pk": site.pk}) + "#intervenants"


@pytest.fixture
def site():
    return SiteFactory()  # in Bordeaux, Gironde


@pytest.fixture
def operator():
    """An opérateur of Gironde: reads the site, like every role of the département."""
    return UserFactory(role=Role.ASSOCIATION, first_name="Inès", last_name="Moreau")


@pytest.fixture
def colleague():
    """Another person of Gironde, who may be added."""
    return UserFactory(
        role=Role.INTERVENER,
        first_name="Hugo",
        last_name="Garcia",
        email="hugo.garcia@exemple.test",
        organization=OrganizationFactory(name="Médiation sanitaire", abbreviation="MS33"),
    )


@pytest.fixture
def haute_garonne():
    return DepartementFactory(code="31", name="Haute-Garonne", region=RegionFactory(code="76", name="Occitanie"))


@pytest.fixture
def outsider(haute_garonne):
    """An opérateur of Haute-Garonne: does not see the sites of Gironde."""
    return UserFactory(role=Role.ASSOCIATION, organization=OrganizationFactory(departement=haute_garonne))


# ---------------------------------------------------------------------------------------------------------------------
# Themes
# ---------------------------------------------------------------------------------------------------------------------


def test_themes_are_kept_in_the_reference_order_each_once():
    assert services.clean_themes(["pilotage", "sante", "sante"]) == (["sante", "pilotage"], "")


def test_the_other_theme_needs_a_description_and_is_dropped_without_it():
    with pytest.raises(ValidationError) as error:
        services.clean_themes(["autre"], "  ")
    assert error.value.message_dict == {"other_theme": ["Décrivez le thème « Autre »."]}

    assert services.clean_themes(["autre"], " Accès aux droits ") == (["autre"], "Accès aux droits")
    assert services.clean_themes(["sante"], "Accès aux droits") == (["sante"], "")


def test_at_least_one_known_theme():
    with pytest.raises(ValidationError) as error:
        services.clean_themes([])
    assert error.value.message_dict == {"themes": ["Choisissez au moins un thème d'intervention."]}
    with pytest.raises(ValidationError) as error:
        services.clean_themes(["sante", "astrologie"])
    assert error.value.message_dict == {"themes": ["Choisissez les thèmes parmi ceux proposés."]}


# ---------------------------------------------------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------------------------------------------------


def test_declaring_oneself_then_editing_ones_themes(site, operator):
    actor = services.site_actor_declare(
        user=operator, site_id=site.pk, themes=["education", "autre"], other_theme="Droits"
    )

    assert (actor.user, actor.created_by, actor.themes, actor.other_theme) == (
        operator,
        operator,
        ["education", "autre"],
        "Droits",
    )
    assert actor.theme_labels == ["Éducation et scolarisation", "Droits"]

    services.site_actor_update(user=operator, site_id=site.pk, themes=["sante"])
    actor.refresh_from_db()
    assert (actor.themes, actor.other_theme) == (["sante"], "")


def test_nobody_is_an_actor_twice(site, operator, colleague):
    services.site_actor_declare(user=operator, site_id=site.pk, themes=["sante"])

    with pytest.raises(ValidationError, match="Vous êtes déjà intervenant sur ce site."):
        services.site_actor_declare(user=operator, site_id=site.pk, themes=["sante"])
    with pytest.raises(ValidationError) as error:
        services.site_actor_add(user=colleague, site_id=site.pk, actor_id=operator.pk, themes=["sante"])
    assert error.value.message_dict == {"user": ["Cette personne intervient déjà sur ce site."]}
    assert SiteActor.objects.count() == 1


def test_only_an_actor_edits_his_themes(site, operator):
    with pytest.raises(ValidationError, match="Vous n'êtes pas intervenant sur ce site."):
        services.site_actor_update(user=operator, site_id=site.pk, themes=["sante"])


def test_a_site_out_of_scope_is_not_found(site, outsider, colleague):
    with pytest.raises(Http404):
        services.site_actor_declare(user=outsider, site_id=site.pk, themes=["sante"])
    with pytest.raises(Http404):
        services.site_actor_add(user=outsider, site_id=site.pk, actor_id=colleague.pk, themes=["sante"])
    assert not SiteActor.objects.exists()


def test_a_closed_site_takes_no_new_actor_but_one_may_still_leave(operator, colleague):
    site = SiteFactory(closed=True)
    SiteActor.objects.create(site=site, user=operator, themes=["sante"], created_by=operator)

    with pytest.raises(ValidationError, match="Ce site est fermé"):
        services.site_actor_add(user=operator, site_id=site.pk, actor_id=colleague.pk, themes=["sante"])
    with pytest.raises(ValidationError, match="Ce site est fermé"):
        services.site_actor_invite(user=operator, site_id=site.pk, email="nouvelle@exemple.test")
    services.site_actor_remove(user=operator, site_id=site.pk, actor_user_id=operator.pk)
    assert not SiteActor.objects.exists()


def test_adding_someone_emails_her_with_the_site_link(site, operator, colleague, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        actor = services.site_actor_add(
            user=operator, site_id=site.pk, actor_id=colleague.pk, themes=["mediation_sociale", "sante"]
        )

    assert (actor.user, actor.created_by) == (colleague, operator)
    [message] = mail.outbox  # delivered once the transaction commits
    assert message.to == ["hugo.garcia@exemple.test"]
    assert message.reply_to == [operator.email]
    assert message.subject == "Vous êtes désormais intervenant sur un site à Bordeaux"
    assert "Bonjour Hugo," in message.body
    assert f"Inès Moreau ({operator.organization.name}) vous a ajouté aux intervenants du site" in message.body
    assert "Thèmes d'intervention indiqués : Santé, Médiation sociale." in message.body
    site_link = f"{settings.BASE_URL}/sites/{site.pk}/"
    assert site_link in message.body
    [(html_body, _)] = message.alternatives
    assert f'href="{site_link}"' in html_body
    assert OutgoingEmail.objects.get().template == "site_actor_added"


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("inactive", "son compte n'est pas actif ou elle n'a pas accès à ce site"),
        ("outsider", "son compte n'est pas actif ou elle n'a pas accès à ce site"),
        ("inactive_organization", "son compte n'est pas actif ou elle n'a pas accès à ce site"),
        ("self", "Pour vous déclarer vous-même"),
        ("missing", "son compte n'est pas actif ou elle n'a pas accès à ce site"),
    ],
)
def test_only_active_people_who_read_the_site_may_be_added(site, operator, outsider, who, message):
    person = {
        "inactive": lambda: UserFactory(inactive=True),
        "outsider": lambda: outsider,
        "inactive_organization": lambda: UserFactory(organization=OrganizationFactory(active=False)),
        "self": lambda: operator,
        "missing": lambda: User(pk=999_999),
    }[who]()

    with pytest.raises(ValidationError) as error:
        services.site_actor_add(user=operator, site_id=site.pk, actor_id=person.pk, themes=["sante"])

    assert message in error.value.message_dict["user"][0]
    assert not SiteActor.objects.exists()
    assert not OutgoingEmail.objects.exists()


def test_candidates_are_the_active_readers_not_yet_actors(site, operator, colleague, outsider):
    already = UserFactory(last_name="Déjà")
    SiteActor.objects.create(site=site, user=already, themes=["sante"])
    national = UserFactory(
        role=Role.DIRECT_COLLABORATOR, organization=OrganizationFactory(departement=None, area_type=AreaType.NATION)
    )
    UserFactory(inactive=True)

    candidates = set(services.site_actor_candidates(user=operator, site=site))

    assert candidates == {colleague, national}
    assert set(services.site_actor_candidates(user=operator, site=site, term="ms33")) == {colleague}
    assert set(services.site_actor_candidates(user=operator, site=site, term="hugo garcia")) == {colleague}
    assert set(services.site_actor_candidates(user=operator, site=site, term="personne")) == set()


def test_who_may_remove_an_actor(site, operator, colleague, outsider):
    actor = SiteActor.objects.create(site=site, user=colleague, themes=["sante"], created_by=operator)
    stranger = UserFactory(role=Role.DIRECT_COLLABORATOR)
    local_admin = UserFactory(role=Role.DIRECT_COLLABORATOR, admin_role=AdminRole.LOCAL_ADMIN)
    national_admin = UserFactory(
        role=Role.NATIONAL_ESTABLISHMENT,
        admin_role=AdminRole.NATIONAL_ADMIN,
        organization=OrganizationFactory(departement=DepartementFactory(code="44", name="Loire-Atlantique")),
    )

    def may(user):
        return permissions.can_remove_site_actor(
            user, site, actor_user_id=actor.user_id, added_by_id=actor.created_by_id
        )

    assert may(colleague) and may(operator) and may(local_admin) and may(national_admin)
    assert not may(stranger)
    assert not may(outsider)

    with pytest.raises(PermissionDenied):
        services.site_actor_remove(user=stranger, site_id=site.pk, actor_user_id=colleague.pk)
    assert SiteActor.objects.filter(pk=actor.pk).exists()
    services.site_actor_remove(user=local_admin, site_id=site.pk, actor_user_id=colleague.pk)
    assert not SiteActor.objects.filter(pk=actor.pk).exists()
    with pytest.raises(ValidationError, match="n'intervient pas"):
        services.site_actor_remove(user=local_admin, site_id=site.pk, actor_user_id=colleague.pk)


def test_inviting_an_address_sends_the_community_invitation(site, operator):
    services.site_actor_invite(user=operator, site_id=site.pk, email="  Nouvelle.Personne@Exemple.test ")

    email = OutgoingEmail.objects.get()
    assert email.template == "site_actor_invitation"
    assert email.to == ["nouvelle.personne@exemple.test"]
    assert email.reply_to == [operator.email]
    assert email.subject == "Invitation à rejoindre la communauté Résorption-bidonvilles"
    assert f"Inès Moreau ({operator.organization.name}) vous invite" in email.body_text
    assert "commune de Bordeaux (33)" in email.body_text
    access_request = f"{settings.BASE_URL}/demande-acces/"
    assert access_request in email.body_text
    assert f'href="{access_request}"' in email.body_html
    assert site.address_simple not in email.body_text  # the site's address stays inside the platform
    assert not User.objects.filter(email="nouvelle.personne@exemple.test").exists()


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("pas-une-adresse", "Saisissez une adresse électronique valide"),
        ("HUGO.GARCIA@exemple.test", "Cette adresse correspond déjà à un compte de la plateforme"),
    ],
)
def test_invitations_go_only_to_valid_unknown_addresses(site, operator, colleague, email, message):
    with pytest.raises(ValidationError) as error:
        services.site_actor_invite(user=operator, site_id=site.pk, email=email)

    assert message in error.value.message_dict["email"][0]
    assert not OutgoingEmail.objects.exists()


def test_invitations_are_limited_per_person_and_day(site, operator):
    for number in range(services.INVITATIONS_PER_DAY):
        services.site_actor_invite(user=operator, site_id=site.pk, email=f"invite{number}@exemple.test")

    with pytest.raises(ValidationError, match="réessayez demain"):
        services.site_actor_invite(user=operator, site_id=site.pk, email="une-de-trop@exemple.test")
    assert OutgoingEmail.objects.count() == services.INVITATIONS_PER_DAY


# ---------------------------------------------------------------------------------------------------------------------
# `users_holding_q` agrees with `can`
# ---------------------------------------------------------------------------------------------------------------------


@pytest.fixture
def world(haute_garonne):
    aquitaine = RegionFactory(code="75", name="Nouvelle-Aquitaine")
    gironde = DepartementFactory(code="33", name="Gironde", region=aquitaine)
    rhone = DepartementFactory(code="69", name="Rhône", region=RegionFactory(code="84", name="Auvergne-Rhône-Alpes"))
    metropole = EpciFactory(code="243300316", name="Bordeaux Métropole", departements=[gironde])
    lyon = CommuneFactory(code="69123", name="Lyon", departement=rhone, postal_codes="")
    communes = {
        "bordeaux": CommuneFactory(code="33063", name="Bordeaux", departement=gironde, epci=metropole),
        "libourne": CommuneFactory(code="33243", name="Libourne", departement=gironde),
        "toulouse": CommuneFactory(code="31555", name="Toulouse", departement=haute_garonne),
        "lyon_3": CommuneFactory(code="69383", name="Lyon 3e", departement=rhone, main=lyon),
    }

    def org(area_type, **location):
        return OrganizationFactory(area_type=area_type, **{"departement": None, **location})

    users = [
        UserFactory(role=Role.COLLABORATOR, admin_role=AdminRole.NATIONAL_ADMIN, organization=org("nation")),
        UserFactory(
            role=Role.COLLABORATOR,
            admin_role=AdminRole.LOCAL_ADMIN,
            organization=org("departement", departement=gironde),
        ),
        UserFactory(role=Role.DIRECT_COLLABORATOR, organization=org("departement", departement=haute_garonne)),
        UserFactory(role=Role.ASSOCIATION, organization=org("departement", departement=gironde)),
        UserFactory(role=Role.ASSOCIATION, organization=org("departement", departement=haute_garonne)),
        UserFactory(role=Role.COLLABORATOR, organization=org("commune", commune=communes["bordeaux"])),
        UserFactory(role=Role.COLLABORATOR, organization=org("epci", epci=metropole)),
        UserFactory(role=Role.COLLABORATOR, organization=org("region", region=aquitaine)),
        UserFactory(role=Role.ASSOCIATION, organization=org("nation")),
        UserFactory(role=Role.COLLABORATOR, organization=org("commune", commune=lyon)),
        UserFactory(role=Role.EXTERNAL_OBSERVER, organization=org("departement", departement=gironde)),
        UserFactory(role=Role.NATIONAL_ESTABLISHMENT, organization=org("departement", departement=rhone)),
    ]
    # His own areas (Haute-Garonne) replace his organisation's (Gironde).
    custom = UserFactory(
        role=Role.COLLABORATOR, organization=org("departement", departement=gironde), use_custom_intervention_area=True
    )
    InterventionArea.objects.create(user=custom, area_type=AreaType.DEPARTEMENT, departement=haute_garonne)
    # Overrides: a user refused, a user granted nationally, an organisation granted nationally, and a user granted
    # locally against his organisation's refusal.
    refused = UserFactory(role=Role.COLLABORATOR, organization=org("departement", departement=gironde))
    granted = UserFactory(role=Role.INTERVENER, organization=org("departement", departement=haute_garonne))
    by_organization = UserFactory(role=Role.EXTERNAL_OBSERVER, organization=org("departement", departement=rhone))
    against_organization = UserFactory(role=Role.COLLABORATOR, organization=org("departement", departement=gironde))
    for key in ("shantytown.list", "shantytown.update"):
        PermissionOverrideFactory(user=refused, key=key, allowed=False)
        PermissionOverrideFactory(user=granted, key=key, allowed=True, national=True)
        PermissionOverrideFactory(organization=by_organization.organization, key=key, allowed=True, national=True)
        PermissionOverrideFactory(organization=against_organization.organization, key=key, allowed=False)
        PermissionOverrideFactory(user=against_organization, key=key, allowed=True)
    users += [custom, refused, granted, by_organization, against_organization]
    return communes, users


@pytest.mark.parametrize("feature", ["shantytown.list", "shantytown.update", "shantytown.fix_status"])
def test_users_holding_q_says_what_can_says(world, feature):
    communes, users = world
    for name, commune in communes.items():
        expected = {
            user.pk for user in users if permissions.can(User.objects.get(pk=user.pk), feature, commune=commune)
        }
        found = set(User.objects.filter(permissions.users_holding_q(feature, commune)).values_list("pk", flat=True))
        assert found == expected, (feature, name)
    # The world covers both answers for every commune and reading feature, so the comparison says something.
    if feature == "shantytown.list":
        for commune in communes.values():
            assert 0 < User.objects.filter(permissions.users_holding_q(feature, commune)).count() < len(users)


def test_users_holding_q_refuses_features_options_grant():
    commune = CommuneFactory()
    with pytest.raises(ValueError, match="option"):
        permissions.users_holding_q("shantytown.close", commune)
    with pytest.raises(ValueError, match="not a feature on sites"):
        permissions.users_holding_q("user.list", commune)


# ---------------------------------------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------------------------------------


def test_the_site_page_lists_actors_with_organisation_and_themes(client, site, operator, colleague):
    SiteActor.objects.create(
        site=site, user=colleague, themes=["sante", "autre"], other_theme="Accès aux droits", created_by=operator
    )
    client.force_login(operator)

    page = text(client.get(reverse("settlements:detail", kwargs={"pk": site.pk})))

    assert "Intervenants" in page
    assert "Hugo Garcia" in page
    assert "Médiation sanitaire (MS33)" in page
    assert "Santé, Accès aux droits" in page
    assert "J'interviens sur ce site" in page
    assert url("actor_add", site) in page
    # He added her: he may take her off the list.
    assert url("actor_remove", site, user_id=colleague.pk) in page


def test_declaring_oneself_through_the_page(client, site, operator):
    client.force_login(operator)
    assert client.get(url("actor_self", site)).status_code == 200

    response = client.post(url("actor_self", site), {"themes": ["sante", "pilotage"], "other_theme": ""})

    assert response.status_code == 302
    assert response["Location"] == section_url(site)
    assert SiteActor.objects.get(site=site, user=operator).themes == ["sante", "pilotage"]
    page = text(client.get(reverse("settlements:detail", kwargs={"pk": site.pk})))
    assert "Vous êtes désormais intervenant sur ce site." in page
    assert "Modifier mes thèmes d'intervention" in page
    assert "Ne plus intervenir" in page


def test_an_actor_edits_his_themes_through_the_same_page(client, site, operator):
    SiteActor.objects.create(site=site, user=operator, themes=["sante"], created_by=operator)
    client.force_login(operator)

    form = text(client.get(url("actor_self", site)))
    assert "Mes thèmes d'intervention" in form
    assert 'value="sante" dsfr="dsfr" id="id_themes_0" checked>' in form
    assert 'value="education" dsfr="dsfr" id="id_themes_1">' in form

    client.post(url("actor_self", site), {"themes": ["autre"], "other_theme": "Domiciliation"})
    actor = SiteActor.objects.get(site=site, user=operator)
    assert (actor.themes, actor.other_theme) == (["autre"], "Domiciliation")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "themes", "Choisissez au moins un thème d'intervention."),
        ({"themes": ["autre"], "other_theme": ""}, "other_theme", "Décrivez le thème « Autre »."),
        ({"themes": ["astrologie"]}, "themes", "Choisissez les thèmes parmi ceux proposés."),
    ],
)
def test_bad_themes_are_shown_next_to_their_field(client, site, operator, data, field, message):
    client.force_login(operator)

    response = client.post(url("actor_self", site), data)

    assert response.status_code == 200
    assert field_error(text(response), field, message)
    assert not SiteActor.objects.exists()


def test_adding_someone_through_the_search_page(client, site, operator, colleague, django_capture_on_commit_callbacks):
    client.force_login(operator)

    search = text(client.get(url("actor_add", site), {"q": "garcia"}))
    assert "Hugo Garcia — Médiation sanitaire (MS33), Intervenant" in search

    with django_capture_on_commit_callbacks(execute=True):  # the notification is sent by a task after commit
        response = client.post(
            url("actor_add", site), {"q": "garcia", "user": colleague.pk, "themes": ["sante"], "other_theme": ""}
        )

    assert response.status_code == 302
    assert SiteActor.objects.get(site=site, user=colleague).created_by == operator
    assert [(email.template, email.to) for email in OutgoingEmail.objects.all()] == [
        ("site_actor_added", [colleague.email])
    ]


def test_the_add_page_says_when_nobody_matches(client, site, operator):
    client.force_login(operator)

    page = text(client.get(url("actor_add", site), {"q": "zzz"}))

    assert "Aucune personne pouvant être ajoutée ne correspond à « zzz »." in page
    assert "Une personne sans compte : l'inviter par courriel" in page


def test_a_refusal_is_shown_even_when_nobody_is_left_to_pick(client, site, operator, colleague):
    SiteActor.objects.create(site=site, user=colleague, themes=["sante"])
    client.force_login(operator)

    response = client.post(url("actor_add", site), {"q": "", "user": colleague.pk, "themes": ["sante"]})

    assert response.status_code == 200
    assert "Cette personne intervient déjà sur ce site." in text(response)
    assert SiteActor.objects.count() == 1


def test_adding_without_choosing_a_person_is_refused_next_to_the_field(client, site, operator, colleague):
    client.force_login(operator)

    response = client.post(url("actor_add", site), {"q": "", "themes": ["sante"]})

    assert response.status_code == 200
    assert field_error(text(response), "user", "Choisissez la personne à ajouter.")
    assert not SiteActor.objects.exists()


@pytest.mark.parametrize("forged", ["9" * 30, "-1", "0", "²", "abc"])
def test_a_person_the_page_never_offered_is_refused_next_to_the_field(client, site, operator, colleague, forged):
    """An id too large for the database raised OverflowError in the query checking the person, before any check."""
    client.force_login(operator)

    response = client.post(url("actor_add", site), {"q": "", "user": forged, "themes": ["sante"]})

    assert response.status_code == 200
    assert field_error(text(response), "user", "Choisissez la personne à ajouter parmi les personnes proposées.")
    assert not SiteActor.objects.exists()


def test_adding_someone_already_actor_is_refused_next_to_the_field(client, site, operator, colleague):
    SiteActor.objects.create(site=site, user=colleague, themes=["sante"])
    UserFactory(last_name="Candidate")  # someone may still be added: the form is there
    client.force_login(operator)

    response = client.post(url("actor_add", site), {"q": "", "user": colleague.pk, "themes": ["sante"]})

    assert response.status_code == 200
    assert field_error(text(response), "user", "Cette personne intervient déjà sur ce site.")
    assert SiteActor.objects.count() == 1
    assert not OutgoingEmail.objects.exists()


def test_inviting_through_the_page(client, site, operator):
    client.force_login(operator)

    response = client.post(url("actor_invite", site), {"email": "nouvelle@exemple.test"}, follow=True)

    assert response.redirect_chain == [(section_url(site), 302)]
    assert "Une invitation a été envoyée à nouvelle@exemple.test." in text(response)
    assert [(email.template, email.to) for email in OutgoingEmail.objects.all()] == [
        ("site_actor_invitation", ["nouvelle@exemple.test"])
    ]


def test_an_invitation_to_a_known_address_is_refused_next_to_the_field(client, site, operator, colleague):
    client.force_login(operator)

    response = client.post(url("actor_invite", site), {"email": colleague.email})

    assert response.status_code == 200
    assert field_error(text(response), "email", "Cette adresse correspond déjà à un compte")
    assert not OutgoingEmail.objects.exists()


def test_withdrawing_and_removing_through_the_page(client, site, operator, colleague):
    SiteActor.objects.create(site=site, user=operator, themes=["sante"], created_by=operator)
    SiteActor.objects.create(site=site, user=colleague, themes=["sante"], created_by=colleague)
    client.force_login(operator)

    # Someone he did not add: not his to remove.
    assert client.post(url("actor_remove", site, user_id=colleague.pk)).status_code == 403
    assert client.get(url("actor_remove", site, user_id=operator.pk)).status_code == 405
    response = client.post(url("actor_remove", site, user_id=operator.pk), follow=True)

    assert "Vous ne faites plus partie des intervenants de ce site." in text(response)
    assert list(SiteActor.objects.values_list("user", flat=True)) == [colleague.pk]


def test_a_closed_site_refuses_new_actors_with_a_message(client, operator):
    site = SiteFactory(closed=True)
    client.force_login(operator)

    response = client.post(url("actor_self", site), {"themes": ["sante"]}, follow=True)

    assert response.redirect_chain == [(section_url(site), 302)]
    assert services.CLOSED_SITE in text(response)
    assert not SiteActor.objects.exists()
    assert "J'interviens sur ce site" not in text(response)


@pytest.mark.parametrize(
    ("name", "method", "kwargs"),
    [
        ("actor_self", "get", {}),
        ("actor_self", "post", {}),
        ("actor_add", "get", {}),
        ("actor_add", "post", {}),
        ("actor_invite", "post", {}),
        ("actor_remove", "post", {"user_id": 1}),
    ],
)
def test_out_of_scope_is_404_and_anonymous_goes_to_login(client, site, outsider, name, method, kwargs):
    target = url(name, site, **kwargs)
    data = {"themes": ["sante"], "email": "x@exemple.test", "user": 1}

    anonymous = getattr(Client(), method)(target, data if method == "post" else None)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("accounts:login"))

    client.force_login(outsider)
    assert getattr(client, method)(target, data if method == "post" else None).status_code == 404
    assert not SiteActor.objects.exists()
    assert not OutgoingEmail.objects.exists()


def test_actor_forms_need_the_csrf_token(site, operator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)

    assert client.post(url("actor_self", site), {"themes": ["sante"]}).status_code == 403
    assert not SiteActor.objects.exists()


def test_every_theme_is_offered(client, site, operator):
    client.force_login(operator)
    page = text(client.get(url("actor_self", site)))

    for value, label in SiteActorTheme.choices:
        assert f'value="{value}"' in page
        assert label in page
