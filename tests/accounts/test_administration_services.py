"""The account-administration services check the actor's right themselves (issue 9, item 3): called directly —
without the view and its checks — by someone who may not act, they refuse and write nothing; by an admin who may,
they do the change. The HTTP behaviour of the same actions is in test_administration.py."""

from collections.abc import Callable
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from resorption.accounts.enums import AccountEventKind, AdminRole, AreaType, Option, Role, UserStatus
from resorption.accounts.models import AccountEvent, InterventionArea, Organization, User, UserAccess
from resorption.accounts.services import administration as services
from resorption.emails.models import OutgoingEmail
from tests.accounts.factories import OrganizationFactory, OrganizationTypeFactory, UserAccessFactory, UserFactory
from tests.territories.factories import DepartementFactory, RegionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    gironde = DepartementFactory()
    haute_garonne = DepartementFactory(code="31", name="Haute-Garonne", region=RegionFactory(code="76"))
    in_gironde = OrganizationFactory(name="Association Solidarité Bordeaux", departement=gironde)
    deactivated = UserFactory(inactive=True, organization=in_gironde, deactivated_at=timezone.now())
    UserAccessFactory(user=deactivated, used_at=timezone.now())  # he had activated his account
    dihal = OrganizationFactory(name="Dihal", area_type=AreaType.NATION, departement=None)
    return SimpleNamespace(
        gironde_org=in_gironde,
        national_admin=UserFactory(admin_role=AdminRole.NATIONAL_ADMIN, organization=dihal),
        # A national admin whose organisation is in the Gironde: its local admin sees him, but may not act on him.
        national_admin_in_gironde=UserFactory(admin_role=AdminRole.NATIONAL_ADMIN, organization=in_gironde),
        local_admin=UserFactory(
            admin_role=AdminRole.LOCAL_ADMIN, organization=OrganizationFactory(departement=gironde)
        ),
        other_local_admin=UserFactory(admin_role=AdminRole.LOCAL_ADMIN, organization=in_gironde),
        local_admin_elsewhere=UserFactory(
            admin_role=AdminRole.LOCAL_ADMIN, organization=OrganizationFactory(departement=haute_garonne)
        ),
        # An institutional partner of the Gironde: no administration right at all.
        partner=UserFactory(role=Role.COLLABORATOR, organization=OrganizationFactory(departement=gironde)),
        request=UserFactory(new=True, role=Role.ASSOCIATION, organization=in_gironde),
        active=UserFactory(role=Role.COLLABORATOR, organization=in_gironde),
        deactivated=deactivated,
        toulouse=UserFactory(role=Role.ASSOCIATION, organization=OrganizationFactory(departement=haute_garonne)),
    )


def snapshot() -> dict:
    """What an administration service may write. The cached permissions of the accounts are left out: resolving the
    actor's rights may store them, which changes nothing anyone can do."""
    return {
        "users": [
            {name: value for name, value in row.items() if name not in ("permissions_cache", "permissions_version")}
            for row in User.objects.order_by("pk").values()
        ],
        "events": list(AccountEvent.objects.values_list("pk", flat=True)),
        "accesses": list(UserAccess.objects.order_by("pk").values()),
        "areas": list(InterventionArea.objects.order_by("pk").values()),
        "organizations": list(Organization.objects.order_by("pk").values()),
        "emails": list(OutgoingEmail.objects.values_list("pk", flat=True)),
    }


def refused(call: Callable[[], object], error: type[Exception]) -> None:
    before = snapshot()
    with pytest.raises(error):
        call()
    assert snapshot() == before


def create_account(w, actor: User, organization: Organization | None = None, role: str = Role.INTERVENER):
    return services.user_create(
        actor=actor,
        email="nouvelle.personne@exemple.test",
        first_name="Nouvelle",
        last_name="Personne",
        phone="0601020304",
        position="Médiatrice",
        organization=organization or w.gironde_org,
        role=role,
    )


def create_organization(actor: User):
    return services.organization_create(
        actor=actor,
        name="Association Nouvelle",
        abbreviation="AN",
        organization_type=OrganizationTypeFactory(),
        location=(AreaType.DEPARTEMENT, "33"),
    )


# (who acts, what he calls, the refusal): each row is a person who may not do it.
REFUSALS = {
    "a partner lists accounts": (
        "partner",
        lambda w, actor: list(services.accounts_for_list(actor=actor)),
        PermissionDenied,
    ),
    "a partner creates an account": ("partner", lambda w, actor: create_account(w, actor), PermissionDenied),
    "a local admin creates an account in another département": (
        "local_admin_elsewhere",
        lambda w, actor: create_account(w, actor),
        ValidationError,
    ),
    "a local admin gives a role he may not give": (
        "local_admin",
        lambda w, actor: create_account(w, actor, role=Role.DIRECT_COLLABORATOR),
        ValidationError,
    ),
    "a partner changes a role": (
        "partner",
        lambda w, actor: services.user_role_set(actor=actor, account_id=w.active.pk, role=Role.INTERVENER),
        Http404,
    ),
    "a local admin changes a role in another département": (
        "local_admin_elsewhere",
        lambda w, actor: services.user_role_set(actor=actor, account_id=w.active.pk, role=Role.INTERVENER),
        Http404,
    ),
    "a local admin changes another admin's role": (
        "local_admin",
        lambda w, actor: services.user_role_set(actor=actor, account_id=w.other_local_admin.pk, role=Role.INTERVENER),
        PermissionDenied,
    ),
    "a partner sets options": (
        "partner",
        lambda w, actor: services.user_options_set(
            actor=actor, account_id=w.active.pk, options=[Option.ACCESS_JUSTICE]
        ),
        Http404,
    ),
    "a local admin sets options in another département": (
        "local_admin_elsewhere",
        lambda w, actor: services.user_options_set(
            actor=actor, account_id=w.active.pk, options=[Option.ACCESS_JUSTICE]
        ),
        Http404,
    ),
    "a local admin sets the options of a national admin": (
        "local_admin",
        lambda w, actor: services.user_options_set(actor=actor, account_id=w.national_admin_in_gironde.pk, options=[]),
        PermissionDenied,
    ),
    "a local admin sets areas in another département": (
        "local_admin_elsewhere",
        lambda w, actor: services.user_areas_set(
            actor=actor, account_id=w.request.pk, areas=[(AreaType.DEPARTEMENT, "31")]
        ),
        Http404,
    ),
    "a local admin gives an area outside his territory": (
        "local_admin",
        lambda w, actor: services.user_areas_set(
            actor=actor, account_id=w.request.pk, areas=[(AreaType.DEPARTEMENT, "31")]
        ),
        ValidationError,
    ),
    "a national admin sets his own areas": (
        "national_admin",
        lambda w, actor: services.user_areas_set(actor=actor, account_id=actor.pk, areas=[(AreaType.NATION, "")]),
        ValidationError,
    ),
    "a partner writes the admin note": (
        "partner",
        lambda w, actor: services.user_admin_note_set(actor=actor, account_id=w.active.pk, note="Note"),
        Http404,
    ),
    "a local admin writes a note in another département": (
        "local_admin_elsewhere",
        lambda w, actor: services.user_admin_note_set(actor=actor, account_id=w.active.pk, note="Note"),
        Http404,
    ),
    "a partner sends an activation link": (
        "partner",
        lambda w, actor: services.user_link_send(actor=actor, account_id=w.request.pk),
        Http404,
    ),
    "a local admin sends a link in another département": (
        "local_admin_elsewhere",
        lambda w, actor: services.user_link_send(actor=actor, account_id=w.request.pk),
        Http404,
    ),
    "a local admin refuses a request in another département": (
        "local_admin_elsewhere",
        lambda w, actor: services.user_access_refuse(actor=actor, account_id=w.request.pk, reason="Doublon"),
        Http404,
    ),
    "a partner deactivates an account": (
        "partner",
        lambda w, actor: services.user_deactivate_by_admin(actor=actor, account_id=w.active.pk, reason="Départ"),
        Http404,
    ),
    "a local admin deactivates a national admin": (
        "local_admin",
        lambda w, actor: services.user_deactivate_by_admin(
            actor=actor, account_id=w.national_admin_in_gironde.pk, reason="Départ"
        ),
        PermissionDenied,
    ),
    "a national admin deactivates his own account": (
        "national_admin",
        lambda w, actor: services.user_deactivate_by_admin(actor=actor, account_id=actor.pk, reason="Départ"),
        PermissionDenied,
    ),
    "a local admin reactivates an account in another département": (
        "local_admin_elsewhere",
        lambda w, actor: services.user_reactivate(actor=actor, account_id=w.deactivated.pk),
        Http404,
    ),
    "a local admin names a local admin": (
        "local_admin",
        lambda w, actor: services.user_promote(actor=actor, account_id=w.active.pk),
        PermissionDenied,
    ),
    "a national admin makes a national admin a local admin": (
        "national_admin",
        lambda w, actor: services.user_promote(actor=actor, account_id=w.national_admin_in_gironde.pk),
        PermissionDenied,
    ),
    "a local admin removes a local admin": (
        "local_admin",
        lambda w, actor: services.user_demote(actor=actor, account_id=w.other_local_admin.pk),
        PermissionDenied,
    ),
    "a partner creates an organisation": ("partner", lambda w, actor: create_organization(actor), PermissionDenied),
    "a local admin creates an organisation": (
        "local_admin",
        lambda w, actor: create_organization(actor),
        PermissionDenied,
    ),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_an_unauthorised_actor_is_refused_and_nothing_is_written(world, case):
    actor_name, call, error = REFUSALS[case]
    actor = User.objects.get(pk=getattr(world, actor_name).pk)

    refused(lambda: call(world, actor), error)


def test_a_missing_account_and_an_id_that_is_not_one_are_not_found(world):
    for account_id in (10**9, -1, "abc", 10**30):
        refused(
            lambda account_id=account_id: services.user_admin_note_set(
                actor=world.national_admin, account_id=account_id, note="Note"
            ),
            Http404,
        )


# Authorised ----------------------------------------------------------------------------------------------------------


def events_of(account: User) -> list[str]:
    return list(AccountEvent.objects.filter(user=account).values_list("kind", flat=True))


def test_the_list_holds_the_local_admins_territory_only(world):
    listed = set(services.accounts_for_list(actor=world.local_admin))

    assert {world.request, world.active, world.deactivated} <= listed
    assert world.toulouse not in listed
    assert world.toulouse in set(services.accounts_for_list(actor=world.national_admin))


def test_a_local_admin_creates_an_account_in_his_territory(world):
    account = create_account(world, world.local_admin)

    assert (account.status, account.role, account.organization) == (UserStatus.NEW, Role.INTERVENER, world.gironde_org)
    assert events_of(account) == [AccountEventKind.CREATED]


def test_a_local_admin_changes_a_role_options_areas_and_note_in_his_territory(world):
    admin, account = world.local_admin, world.active

    assert services.user_role_set(actor=admin, account_id=account.pk, role=Role.INTERVENER)
    assert services.user_options_set(actor=admin, account_id=account.pk, options=[Option.ACCESS_JUSTICE])
    assert services.user_areas_set(actor=admin, account_id=account.pk, areas=[(AreaType.DEPARTEMENT, "33")])
    assert services.user_admin_note_set(actor=admin, account_id=account.pk, note="Référente santé")

    account.refresh_from_db()
    assert account.role == Role.INTERVENER
    assert account.options == [Option.ACCESS_JUSTICE]
    assert account.use_custom_intervention_area
    assert list(account.intervention_areas.values_list("departement_id", flat=True)) == ["33"]
    assert account.admin_note == "Référente santé"
    assert set(events_of(account)) == {
        AccountEventKind.ROLE_CHANGED,
        AccountEventKind.OPTIONS_CHANGED,
        AccountEventKind.AREAS_CHANGED,
        AccountEventKind.NOTE_CHANGED,
    }


def test_a_local_admin_processes_a_request_in_his_territory(world):
    access = services.user_link_send(actor=world.local_admin, account_id=world.request.pk)
    assert (access.user, access.sent_by) == (world.request, world.local_admin)

    other = UserFactory(new=True, organization=world.gironde_org)
    services.user_access_refuse(actor=world.local_admin, account_id=other.pk, reason="Doublon")
    other.refresh_from_db()
    assert other.access_refused_at is not None
    assert [email.to for email in OutgoingEmail.objects.filter(template="access_refused")] == [[other.email]]


def test_a_local_admin_deactivates_and_reactivates_an_account_of_his_territory(world):
    services.user_deactivate_by_admin(actor=world.local_admin, account_id=world.active.pk, reason="Départ")
    world.active.refresh_from_db()
    assert world.active.status == UserStatus.INACTIVE

    reactivated = services.user_reactivate(actor=world.local_admin, account_id=world.deactivated.pk)
    assert reactivated.pk == world.deactivated.pk
    assert User.objects.get(pk=world.deactivated.pk).status == reactivated.status == UserStatus.ACTIVE


def test_a_national_admin_names_and_removes_local_admins_and_creates_organisations(world):
    services.user_promote(actor=world.national_admin, account_id=world.active.pk)
    services.user_demote(actor=world.national_admin, account_id=world.other_local_admin.pk)
    organization = create_organization(world.national_admin)

    assert User.objects.get(pk=world.active.pk).admin_role == AdminRole.LOCAL_ADMIN
    assert User.objects.get(pk=world.other_local_admin.pk).admin_role == ""
    assert organization.name == "Association Nouvelle"
    assert organization.intervention_areas.get().departement_id == "33"
