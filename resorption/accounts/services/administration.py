"""Account administration by local and national admins (reference §A.3, §A.7, §B.2, §B.3, §B.9).

Reads: `with_access_status()` is the one place where the access status shown to admins (Demandé, Envoyé, Expiré,
Activé, Désactivé, Sans suite) is derived, as a queryset annotation so that lists filter and sort on it.

Writes: each change an admin makes on an account is a service here. Each one takes the acting admin (`actor`) and
checks his right itself, whatever the view did: the account is fetched through `access_user_account` (`Http404` when
it is out of his territory, as when it does not exist, locked until the end of the change), then
`permitted_actions` — the rule the account page shows — says whether he may use this action on it
(`PermissionDenied` otherwise). The services then refuse, with a French message and without changing anything, what
depends on the input (a role the admin may not give, an area outside his territory, an empty reason) or on the
account's state (refusing an active account). Every change is written in the account's history, and the person is
emailed when it concerns him. `user_create` and `organization_create` check the actor's right to create the same way.

`with_access_status`, `account_state_allows` and `territory_find` take no actor: they describe what the caller already
holds (a queryset, an account, a territory code) and neither read nor write anything on an admin's behalf.
"""

import re
from collections.abc import Iterable, Sequence
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.urls import reverse
from django.utils import timezone

from resorption.accounts import permissions
from resorption.accounts.access import access_user_account
from resorption.accounts.enums import AccessStatus, AccountEventKind, AdminRole, AreaType, Option, Role, UserStatus
from resorption.accounts.models import (
    InterventionArea,
    Organization,
    OrganizationType,
    User,
    UserAccess,
    effective_role_q,
)
from resorption.accounts.services.activation import access_link_send, was_ever_activated
from resorption.accounts.services.history import account_event_record
from resorption.accounts.validators import validate_french_phone
from resorption.core.text import normalize_search
from resorption.emails.services import email_queue
from resorption.territories.models import Commune, Departement, Epci, Region

# ---------------------------------------------------------------------------------------------------------------------
# Access status and the account list
# ---------------------------------------------------------------------------------------------------------------------


def with_access_status(queryset: QuerySet[User], *, now: datetime | None = None) -> QuerySet[User]:
    """The accounts annotated with `access_status` (an AccessStatus value) and `last_access_expires_at`.

    Derived from the account status and the latest activation link (reference §B.2):
    - active → Activé;
    - deactivated → Désactivé, except an account never activated whose last link has expired → Expiré;
    - new, refused by an admin (a later link reopens the request) → Sans suite;
    - new, no link yet → Demandé; latest link still valid → Envoyé; else → Expiré.
    """
    now = now or timezone.now()
    latest = UserAccess.objects.filter(user=OuterRef("pk")).order_by("-created_at", "-pk")
    used_link = Exists(UserAccess.objects.filter(user=OuterRef("pk"), used_at__isnull=False))
    link_expired = Q(last_access_expires_at__isnull=False, last_access_expires_at__lte=now)
    return queryset.annotate(last_access_expires_at=Subquery(latest.values("expires_at")[:1])).annotate(
        access_status=Case(
            When(status=UserStatus.ACTIVE, then=Value(AccessStatus.ACTIVATED.value)),
            When(
                Q(status=UserStatus.INACTIVE, last_login__isnull=True) & ~used_link & link_expired,
                then=Value(AccessStatus.EXPIRED.value),
            ),
            When(status=UserStatus.INACTIVE, then=Value(AccessStatus.DEACTIVATED.value)),
            When(access_refused_at__isnull=False, then=Value(AccessStatus.REFUSED.value)),
            When(last_access_expires_at__isnull=True, then=Value(AccessStatus.REQUESTED.value)),
            When(last_access_expires_at__gt=now, then=Value(AccessStatus.SENT.value)),
            default=Value(AccessStatus.EXPIRED.value),
        )
    )


# What needs an admin first: requests to process, then links to renew, then links waiting to be used.
_STATUS_PRIORITY = (AccessStatus.REQUESTED, AccessStatus.EXPIRED, AccessStatus.SENT)


NOT_AN_ADMIN = "Seuls les administrateurs gèrent les comptes."


def accounts_for_list(*, actor: User, term: str = "", access_status: str = "", role: str = "") -> QuerySet[User]:
    """The account list of the administration: the accounts the actor may see (`User.objects.visible_to`, national
    admins everyone, local admins those of their territory; `PermissionDenied` for anyone else), searched by name,
    email or organisation (every word must match), filtered by access status and by role (the admin role when there
    is one), requests to process first."""
    if not permissions.can_list_users(actor):
        raise PermissionDenied(NOT_AN_ADMIN)
    queryset = with_access_status(User.objects.visible_to(actor, "user.list")).select_related(
        "organization__type",
        "organization__region",
        "organization__departement",
        "organization__epci",
        "organization__commune",
    )
    for word in term.split():
        key = normalize_search(word)
        queryset = queryset.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
            | Q(organization__abbreviation__icontains=word)
            | (Q(organization__search_name__contains=key) if key else Q(pk__in=[]))
        )
    if access_status:
        queryset = queryset.filter(access_status=access_status)
    if role:
        queryset = queryset.filter(effective_role_q([role]))
    priority = Case(
        *(When(access_status=status.value, then=Value(rank)) for rank, status in enumerate(_STATUS_PRIORITY)),
        default=Value(len(_STATUS_PRIORITY)),
        output_field=IntegerField(),
    )
    return queryset.annotate(priority=priority).order_by("priority", "-created_at", "-pk")


# ---------------------------------------------------------------------------------------------------------------------
# Which actions the state of an account allows
# ---------------------------------------------------------------------------------------------------------------------

ROLE = "role"
OPTIONS = "options"
AREAS = "areas"
NOTE = "note"
SEND_LINK = "send-link"
REFUSE = "refuse"
DEACTIVATE = "deactivate"
REACTIVATE = "reactivate"
PROMOTE = "promote"
DEMOTE = "demote"
ACCOUNT_ACTIONS = (ROLE, OPTIONS, AREAS, NOTE, SEND_LINK, REFUSE, DEACTIVATE, REACTIVATE, PROMOTE, DEMOTE)


def _state_refusal(account: User, action: str) -> str:
    """Why the account's state forbids the action, in French; empty when it allows it."""
    if account.anonymized_at is not None:
        return "Ce compte a été anonymisé : il ne peut plus être modifié."
    if action == SEND_LINK and account.status == UserStatus.ACTIVE:
        return "Ce compte est déjà activé."
    if action == SEND_LINK and account.status == UserStatus.INACTIVE:
        return "Ce compte est désactivé : réactivez-le d'abord."
    if action == REFUSE and account.status != UserStatus.NEW:
        return "Seule une demande d'accès en attente peut être refusée."
    if action == REFUSE and account.access_refused_at is not None:
        return "Cette demande d'accès a déjà été classée sans suite."
    if action == DEACTIVATE and account.status != UserStatus.ACTIVE:
        return "Seul un compte actif peut être désactivé. Pour une demande d'accès, choisissez « Refuser la demande »."
    if action == REACTIVATE and account.status != UserStatus.INACTIVE:
        return "Ce compte n'est pas désactivé."
    if action == REACTIVATE and account.anonymization_requested_at is not None:
        return "Cette personne a demandé l'anonymisation de son compte : il ne peut pas être réactivé."
    if action == PROMOTE and account.is_admin:
        return "Ce compte est déjà administrateur."
    if action == DEMOTE and account.admin_role != AdminRole.LOCAL_ADMIN:
        return "Ce compte n'est pas administrateur local."
    return ""


def account_state_allows(account: User, action: str) -> bool:
    """Whether the state of the account allows the action (the admin's rights are checked apart, in permissions)."""
    return not _state_refusal(account, action)


def _require_state(account: User, action: str) -> None:
    refusal = _state_refusal(account, action)
    if refusal:
        raise ValidationError(refusal, code="state")


# ---------------------------------------------------------------------------------------------------------------------
# Which actions an admin may use on an account (the rules are accounts.permissions'; here, which rule is whose)
# ---------------------------------------------------------------------------------------------------------------------


def roles_assignable(actor: User, account: User) -> tuple[Role, ...]:
    """The regular roles the actor may give to this account (reference §A.3; empty when he may give none)."""
    return tuple(
        role for role in permissions.assignable_roles(actor) if permissions.can_assign_role(actor, account, role)
    )


def _may_edit(actor: User, account: User) -> bool:
    return permissions.can_manage_user(actor, account, "user.activate")


def _may_set_role(actor: User, account: User) -> bool:
    return bool(roles_assignable(actor, account))


# The rule deciding each action, whatever the account's state. AREAS is permitted on oneself and on admins too, so
# that `user_areas_set` says in French why it refuses (nobody edits his own areas; only national admins edit an
# admin's).
_ACTION_RULES = {
    ROLE: _may_set_role,
    OPTIONS: _may_edit,
    AREAS: _may_edit,
    NOTE: _may_edit,
    SEND_LINK: _may_edit,
    REFUSE: _may_edit,
    DEACTIVATE: permissions.can_deactivate_account,
    REACTIVATE: permissions.can_deactivate_account,
    PROMOTE: permissions.can_change_admin_role,
    DEMOTE: permissions.can_change_admin_role,
}
_REFUSALS = {
    ROLE: "Vous ne pouvez pas modifier le rôle de ce compte.",
    DEACTIVATE: "Vous ne pouvez pas désactiver ce compte.",
    REACTIVATE: "Vous ne pouvez pas réactiver ce compte.",
    PROMOTE: "Seuls les administrateurs nationaux nomment les administrateurs locaux.",
    DEMOTE: "Seuls les administrateurs nationaux retirent le rôle d'administrateur.",
}
_REFUSED = "Vous ne pouvez pas modifier ce compte."


def permitted_actions(actor: User, account: User) -> dict:
    """Whether the actor may use each action of the account page on this account, whatever its state (the services
    check the same rules), and `"roles"`: the roles he may give it. Each rule is asked once."""
    roles = roles_assignable(actor, account)
    answers: dict = {_may_set_role: bool(roles)}
    permitted: dict = {"roles": roles}
    for action, rule in _ACTION_RULES.items():
        if rule not in answers:
            answers[rule] = rule(actor, account)
        permitted[action] = answers[rule]
    return permitted


def _account_for(actor: User, account_id: int, action: str) -> User:
    """The account, locked until the end of the change, if the actor sees it (`Http404` otherwise) and may use
    `action` on it (`PermissionDenied` otherwise)."""
    account = access_user_account(actor, account_id, for_update=True)
    if not _ACTION_RULES[action](actor, account):
        raise PermissionDenied(_REFUSALS.get(action, _REFUSED))
    return account


def _save(user: User, fields: list[str]) -> None:
    user.full_clean(exclude=["password"], validate_unique=False, validate_constraints=False)
    user.save(update_fields=fields)


def _reason(reason: str, message: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": message})
    return reason


def _absolute(path: str) -> str:
    return f"{settings.BASE_URL}{path}"


# ---------------------------------------------------------------------------------------------------------------------
# Territories chosen by code
# ---------------------------------------------------------------------------------------------------------------------

_TERRITORY_MODELS = {
    AreaType.REGION: Region,
    AreaType.DEPARTEMENT: Departement,
    AreaType.EPCI: Epci,
    AreaType.COMMUNE: Commune,
}
_UNKNOWN_TERRITORY = {
    AreaType.REGION: "Aucune région n'a le code « {code} ».",
    AreaType.DEPARTEMENT: "Aucun département n'a le code « {code} ».",
    AreaType.EPCI: "Aucune intercommunalité n'a le numéro SIREN « {code} ».",
    AreaType.COMMUNE: "Aucune commune n'a le code INSEE « {code} ».",
}
_CODE = re.compile(r"^[0-9A-Za-z]{1,9}$")


def territory_find(*, area_type: str, code: str):
    """The territory of this level and code (None for « France entière »), or ValidationError in French."""
    if area_type == AreaType.NATION:
        return None
    if area_type not in _TERRITORY_MODELS:
        raise ValidationError("Choisissez le niveau du territoire.", code="area_type")
    code = code.strip().upper()
    territory = _TERRITORY_MODELS[area_type].objects.filter(pk=code).first() if _CODE.match(code) else None
    if territory is None:
        raise ValidationError(_UNKNOWN_TERRITORY[area_type].format(code=code), code="unknown_territory")
    return territory


def _located(area_type: str, territory) -> dict:
    """The LocatedMixin fields pointing at this territory."""
    fields: dict = {"area_type": area_type, "region": None, "departement": None, "epci": None, "commune": None}
    if area_type != AreaType.NATION:
        fields[area_type] = territory
    return fields


def _resolve_areas(areas: Iterable[tuple[str, str]]) -> list[tuple[str, object]]:
    """(area type, territory) for each (area type, code), without duplicates; unknown codes raise, all at once."""
    resolved: list[tuple[str, object]] = []
    seen: set[tuple[str, str]] = set()
    errors: list[ValidationError] = []
    for area_type, code in areas:
        key = (area_type, "" if area_type == AreaType.NATION else code.strip().upper())
        if key in seen:
            continue
        seen.add(key)
        try:
            resolved.append((area_type, territory_find(area_type=area_type, code=code)))
        except ValidationError as error:
            errors.append(error)
    if errors:
        raise ValidationError(errors)
    return resolved


def _area_label(area_type: str, territory) -> str:
    return "France entière" if territory is None else f"{AreaType(area_type).label} : {territory}"


# ---------------------------------------------------------------------------------------------------------------------
# Changes on an account
# ---------------------------------------------------------------------------------------------------------------------


@transaction.atomic
def user_create(
    *,
    actor: User,
    email: str,
    first_name: str,
    last_name: str,
    phone: str,
    position: str,
    organization: Organization,
    role: str,
) -> User:
    """An account created directly by an admin (reference §B.3), with status « new »: the admin then sends the
    activation link from the account page. The organisation must be one the admin manages, the role one he may give;
    `PermissionDenied` for anyone who may not create accounts."""
    if not permissions.can(actor, "user.create"):
        raise PermissionDenied(NOT_AN_ADMIN)
    email = email.strip().lower()
    errors: dict[str, list] = {}
    if User.objects.filter(email=email).exists():
        errors["email"] = ["Un compte existe déjà avec cette adresse électronique."]
    if role not in permissions.assignable_roles(actor):
        errors["role"] = ["Vous ne pouvez pas attribuer ce rôle."]
    manageable = Organization.objects.filter(permissions.manageable_organizations_q(actor, "user.create"))
    if not manageable.filter(pk=organization.pk).exists():
        errors["organization"] = ["Vous ne pouvez pas créer de compte dans cette structure."]
    phone = phone.strip()
    try:
        validate_french_phone(phone)
    except ValidationError as error:
        errors["phone"] = error.messages
    if errors:
        raise ValidationError(errors)
    user = User(
        email=email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        phone=phone,
        position=position.strip(),
        organization=organization,
        role=role,
        status=UserStatus.NEW,
    )
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    account_event_record(user=user, actor=actor, kind=AccountEventKind.CREATED)
    return user


@transaction.atomic
def user_role_set(*, actor: User, account_id: int, role: str) -> bool:
    """Gives the account another regular role; options its new role may not receive are dropped. National admins give
    any role, local admins only « Intervenant » (reference §A.3). Returns whether something changed."""
    user = _account_for(actor, account_id, ROLE)
    _require_state(user, ROLE)
    if role not in Role.values or not permissions.can_assign_role(actor, user, role):
        raise ValidationError({"role": "Vous ne pouvez pas attribuer ce rôle à ce compte."})
    if role == user.role:
        return False
    previous = Role(user.role).label
    user.role = role
    allowed = permissions.allowed_options(user.effective_role)
    user.options = [option for option in user.options if option in allowed]
    _save(user, ["role", "options"])
    account_event_record(
        user=user, actor=actor, kind=AccountEventKind.ROLE_CHANGED, detail=f"{previous} → {Role(role).label}"
    )
    return True


@transaction.atomic
def user_options_set(*, actor: User, account_id: int, options: Iterable[str]) -> bool:
    """Sets the account's options, among those its role may receive (reference §A.4). Returns whether they changed."""
    user = _account_for(actor, account_id, OPTIONS)
    _require_state(user, OPTIONS)
    options = set(options)
    allowed = permissions.allowed_options(user.effective_role)
    if options - set(allowed):
        raise ValidationError({"options": "Cette option ne peut pas être donnée à un compte de ce rôle."})
    chosen = [option.value for option in Option if option in options]
    if chosen == [option for option in Option.values if option in user.options]:
        return False
    user.options = chosen
    _save(user, ["options"])
    labels = ", ".join(Option(option).label for option in chosen) or "Aucune option"
    account_event_record(user=user, actor=actor, kind=AccountEventKind.OPTIONS_CHANGED, detail=labels)
    return True


@transaction.atomic
def user_areas_set(*, actor: User, account_id: int, areas: Sequence[tuple[str, str]] | None) -> bool:
    """Gives the account its own intervention areas, (area type, code) pairs; None goes back to those of its
    organisation. Nobody edits his own areas (reference §A.3), and a local admin gives only areas inside his own.
    Returns whether something changed."""
    user = _account_for(actor, account_id, AREAS)
    _require_state(user, AREAS)
    if actor.pk == user.pk:
        raise ValidationError("Vous ne pouvez pas modifier vos propres territoires d'intervention.", code="own_areas")
    if not permissions.can_set_intervention_areas(actor, user):
        raise ValidationError(
            "Seuls les administrateurs nationaux modifient les territoires d'intervention d'un administrateur.",
            code="admin_areas",
        )
    current = list(user.intervention_areas.order_by("-is_main_area", "pk"))
    if areas is None:
        if not user.use_custom_intervention_area and not current:
            return False
        user.intervention_areas.all().delete()
        user.use_custom_intervention_area = False
        _save(user, ["use_custom_intervention_area"])
        account_event_record(
            user=user, actor=actor, kind=AccountEventKind.AREAS_CHANGED, detail="Territoires de sa structure"
        )
        return True

    resolved = _resolve_areas(areas)
    if not resolved:
        raise ValidationError({"areas": "Choisissez au moins un territoire d'intervention."})
    outside = [
        _area_label(area_type, territory)
        for area_type, territory in resolved
        if not permissions.can_assign_area(actor, area_type=area_type, territory=territory)
    ]
    if outside:
        raise ValidationError(
            {"areas": f"En dehors de votre territoire, vous ne pouvez pas attribuer : {', '.join(outside)}."}
        )
    wanted = [(area_type, getattr(territory, "pk", None)) for area_type, territory in resolved]
    if user.use_custom_intervention_area and wanted == [(area.area_type, area.territory_code) for area in current]:
        return False
    user.intervention_areas.all().delete()
    for index, (area_type, territory) in enumerate(resolved):
        area = InterventionArea(user=user, is_main_area=index == 0, **_located(area_type, territory))
        area.full_clean()
        area.save()
    user.use_custom_intervention_area = True
    _save(user, ["use_custom_intervention_area"])
    detail = ", ".join(_area_label(area_type, territory) for area_type, territory in resolved)
    account_event_record(user=user, actor=actor, kind=AccountEventKind.AREAS_CHANGED, detail=detail)
    return True


@transaction.atomic
def user_admin_note_set(*, actor: User, account_id: int, note: str) -> bool:
    """The private note admins keep on an account (reference §A.7). Its text stays out of the history."""
    user = _account_for(actor, account_id, NOTE)
    _require_state(user, NOTE)
    note = note.strip()
    if note == user.admin_note:
        return False
    user.admin_note = note
    _save(user, ["admin_note"])
    account_event_record(user=user, actor=actor, kind=AccountEventKind.NOTE_CHANGED)
    return True


@transaction.atomic
def user_link_send(*, actor: User, account_id: int) -> UserAccess:
    """Sends, or renews, the activation link from the account page (the link itself: `access_link_send`). A deactivated
    account is reactivated first, so that the admin sees one way back per situation."""
    user = _account_for(actor, account_id, SEND_LINK)
    _require_state(user, SEND_LINK)
    return access_link_send(user=user, sent_by=actor)


@transaction.atomic
def user_access_refuse(*, actor: User, account_id: int, reason: str) -> None:
    """Closes an access request without follow-up (« Sans suite »), and emails the reason to the person, who can answer
    the admin directly (reference §B.3). A link sent earlier stops working; a new link reopens the request."""
    user = _account_for(actor, account_id, REFUSE)
    _require_state(user, REFUSE)
    reason = _reason(reason, "Indiquez le motif du refus : il sera envoyé à la personne.")
    user.access_refused_at = timezone.now()
    _save(user, ["access_refused_at"])
    account_event_record(user=user, actor=actor, kind=AccountEventKind.REFUSED, detail=reason)
    email_queue(
        to=[user.email],
        template="access_refused",
        context={"user": user, "admin": actor, "reason": reason, "contact_email": settings.CONTACT_EMAIL},
        reply_to=[actor.email],
    )


@transaction.atomic
def user_deactivate_by_admin(*, actor: User, account_id: int, reason: str) -> None:
    """Deactivates an active account: the person can no longer sign in, and is told why (reference §B.9). Never
    one's own account (« Mon compte » closes it)."""
    user = _account_for(actor, account_id, DEACTIVATE)
    _require_state(user, DEACTIVATE)
    reason = _reason(reason, "Indiquez le motif de la désactivation : il sera envoyé à la personne.")
    user.status = UserStatus.INACTIVE
    user.deactivated_at = timezone.now()
    _save(user, ["status", "deactivated_at"])
    account_event_record(user=user, actor=actor, kind=AccountEventKind.DEACTIVATED, detail=reason)
    email_queue(
        to=[user.email],
        template="account_deactivated_by_admin",
        context={"user": user, "admin": actor, "reason": reason},
        reply_to=[actor.email],
    )


@transaction.atomic
def user_reactivate(*, actor: User, account_id: int) -> User:
    """Reactivates a deactivated account: active again if the person had activated it before, else back to a request
    waiting for an activation link (reference §B.9). The person is told. Returns the account as it now is."""
    user = _account_for(actor, account_id, REACTIVATE)
    _require_state(user, REACTIVATE)
    was_active = was_ever_activated(user)
    user.status = UserStatus.ACTIVE if was_active else UserStatus.NEW
    user.deactivated_at = None
    user.inactivity_alert_sent_at = None
    _save(user, ["status", "deactivated_at", "inactivity_alert_sent_at"])
    account_event_record(
        user=user,
        actor=actor,
        kind=AccountEventKind.REACTIVATED,
        detail="Compte de nouveau actif." if was_active else "En attente d'un lien d'activation.",
    )
    email_queue(
        to=[user.email],
        template="account_reactivated",
        context={
            "user": user,
            "admin": actor,
            "active": was_active,
            "login_url": _absolute(reverse("accounts:login")),
            "password_reset_url": _absolute(reverse("accounts:password_reset")),
        },
        reply_to=[actor.email],
    )
    return user


@transaction.atomic
def user_promote(*, actor: User, account_id: int) -> None:
    """Makes the account a local admin of the territory of its organisation: national admins only (reference §A.3)."""
    user = _account_for(actor, account_id, PROMOTE)
    _require_state(user, PROMOTE)
    user.admin_role = AdminRole.LOCAL_ADMIN
    _save(user, ["admin_role"])
    account_event_record(user=user, actor=actor, kind=AccountEventKind.PROMOTED)


@transaction.atomic
def user_demote(*, actor: User, account_id: int) -> None:
    """Takes the local admin role back; the account keeps its regular role. National admins only."""
    user = _account_for(actor, account_id, DEMOTE)
    _require_state(user, DEMOTE)
    user.admin_role = ""
    _save(user, ["admin_role"])
    account_event_record(
        user=user, actor=actor, kind=AccountEventKind.DEMOTED, detail=f"Rôle conservé : {Role(user.role).label}"
    )


# ---------------------------------------------------------------------------------------------------------------------
# Organisations
# ---------------------------------------------------------------------------------------------------------------------


@transaction.atomic
def organization_create(
    *,
    actor: User,
    name: str,
    abbreviation: str,
    organization_type: OrganizationType,
    location: tuple[str, str],
    areas: Sequence[tuple[str, str]] | None = None,
) -> Organization:
    """A new organisation, located at one level (a territory code, none for « France entière »), working on `areas`
    — by default where it is located. It stays inactive until its first user activates an account (reference §A.2).
    A name that reads like the name of an organisation of the same type (case, accents, hyphens aside) is refused.
    National admins only (`PermissionDenied` for anyone else)."""
    if not permissions.can_create_organization(actor):
        raise PermissionDenied("Seuls les administrateurs nationaux créent des structures.")
    name = " ".join(name.split())
    errors: dict[str, list] = {}
    similar = Organization.objects.filter(search_name=normalize_search(name), type=organization_type).first()
    if similar is not None:
        errors["name"] = [f"Une structure de ce type porte déjà ce nom : « {similar.name} »."]
    location_type, location_code = location
    territory = None
    try:
        territory = territory_find(area_type=location_type, code=location_code)
    except ValidationError as error:
        errors["location_code"] = error.messages
    resolved = []
    if areas:
        try:
            resolved = _resolve_areas(areas)
        except ValidationError as error:
            errors["area_codes"] = error.messages
    if errors:
        raise ValidationError(errors)
    organization = Organization(
        name=name,
        abbreviation=abbreviation.strip(),
        type=organization_type,
        active=False,
        search_name=normalize_search(name),
        **_located(location_type, territory),
    )
    organization.full_clean()
    organization.save()
    for index, (area_type, area_territory) in enumerate(resolved or [(location_type, territory)]):
        area = InterventionArea(
            organization=organization, is_main_area=index == 0, **_located(area_type, area_territory)
        )
        area.full_clean()
        area.save()
    return organization
