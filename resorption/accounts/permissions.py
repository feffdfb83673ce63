"""Who may do what, and where: the only module that knows roles × territory (reference §A.3–A.6).

Everything here is data first, functions second:

- `FEATURES`: the catalogue of permissions (`entity.name`), each marked reading or writing (§A.4).
- `ROLE_MATRIX`: for each of the 8 roles (6 regular, 2 admin), the scope of each feature it holds (§A.5).
- `OPTIONS` / `ROLE_OPTIONS`: per-user options an admin may grant, and to which roles (§A.4).
- `ACTION_LEVEL_GRANTS`: what members of an action's pilot or operator organisation get on that action (§A.4).
- `CONFIDENTIAL_DATA`: the confidential data classes and the feature that unlocks each (§A.6).

`resolve(user, feature)` turns them into a `Grant` (national, a set of territory codes, action involvement), with the
precedence user override > option > organisation override > role. Everything else derives from grants, written once:
`Q` filters for lists (`visible_sites_q`, `actions_q`, `visible_users_q`, `journal_entries_q`…) and instance predicates
(`can`, `can_close_site`…) that the tests check against the filters. `docs/permissions.md` is generated from the same
data by `manage.py generate_permissions_doc`.

The territorial scope rule (§A.4):
1. a national scope covers everything;
2. a local scope covers the user's intervention areas: his own when `use_custom_intervention_area` is set, else his
   organisation's; an area of type `nation` makes a local scope national;
3. for reading features a commune or EPCI area is widened to its whole département(s); writing features use the areas
   as they are (a commune area covers that commune and its arrondissements, an EPCI its communes, a région all its
   départements).

Left out on purpose: `covid_comment.list` (the Covid-19 follow-up of 2020–2021, §I.2, is rebuilt as the journal's
health follow-up and territorial messages, which follow the journal's own features) and the legacy `data.moderate`,
folded into `shantytown_comment.moderate`. The engine does not look at the account status: signing
in is what inactive accounts cannot do (accounts.backends), and keeping status out lets admin screens preview the
rights of an account that is not active yet.
"""

import enum
import operator
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, reduce
from typing import Any, Protocol

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, F, ManyToManyField, Model, OuterRef, Q, QuerySet

from resorption.accounts.enums import AdminRole, AreaType, Option, Role
from resorption.accounts.models import InterventionArea, Organization, PermissionOverride, User, effective_role_q
from resorption.core.prepared import PreparedQueries
from resorption.territories.location import (
    Territories,
    located_around_q,
    located_at_q,
    located_in_q,
    place_in,
    placed_in_q,
    sites_in_q,
)
from resorption.territories.models import Commune, Departement, Epci
from resorption.territories.signals import territories_loaded

# ---------------------------------------------------------------------------------------------------------------------
# Catalogue
# ---------------------------------------------------------------------------------------------------------------------


class Target(enum.StrEnum):
    """What a feature is checked against, which decides how its scope is matched."""

    SITE = "site"  # a site, located by its commune
    DEPARTEMENT = "departement"  # a département (action creation, statistics, land registry)
    ACTION = "action"  # an action, located in its main département, with pilot and operator organisations
    USER = "user"  # an account, located where its organisation is


@dataclass(frozen=True)
class Feature:
    """One permission of the catalogue. Reading features have their commune/EPCI areas widened to the département."""

    entity: str
    name: str
    is_writing: bool
    target: Target
    label_fr: str

    @property
    def key(self) -> str:
        return f"{self.entity}.{self.name}"


_R, _W = False, True
FEATURES: tuple[Feature, ...] = (
    # The one feature of « may read this site » (`SITE_READING`): the list, the map, the site's page and its history.
    Feature("shantytown", "list", _R, Target.SITE, "Voir la liste et la carte des sites, et leurs fiches"),
    Feature("shantytown", "create", _W, Target.SITE, "Déclarer un site"),
    Feature("shantytown", "update", _W, Target.SITE, "Mettre à jour un site"),
    Feature("shantytown", "close", _W, Target.SITE, "Déclarer la fermeture d'un site"),
    Feature("shantytown", "export", _R, Target.SITE, "Exporter les sites"),
    Feature("shantytown", "delete", _W, Target.SITE, "Supprimer un site"),
    # §A.4 marks `report` as reading: a report stores nothing, it emails the national admins (§C.11).
    Feature("shantytown", "report", _R, Target.SITE, "Signaler un site"),
    Feature("shantytown", "fix_status", _W, Target.SITE, "Corriger le statut d'un site fermé"),
    # Justice data is read with the site and written through `shantytown.update`; §A.4 rule 4 widens it like reading.
    Feature("shantytown_justice", "access", _R, Target.SITE, "Voir et saisir les procédures judiciaires"),
    Feature("shantytown_owner", "access", _R, Target.SITE, "Voir et saisir l'identité des propriétaires"),
    Feature("shantytown_comment", "list", _R, Target.SITE, "Lire le journal du site"),
    # Posting in a journal writes data: it stays on the areas as they are.
    Feature("shantytown_comment", "create", _W, Target.SITE, "Écrire dans le journal du site"),
    Feature("shantytown_comment", "listPrivate", _R, Target.SITE, "Lire tous les messages ciblés du journal"),
    Feature("shantytown_comment", "moderate", _W, Target.SITE, "Supprimer le message d'un autre (modération)"),
    Feature("shantytown_comment", "export", _R, Target.SITE, "Exporter les messages des journaux"),
    Feature("shantytown_actor", "export", _R, Target.SITE, "Exporter les intervenants des sites"),
    Feature("action", "read", _R, Target.ACTION, "Consulter les actions"),
    Feature("action", "create", _W, Target.DEPARTEMENT, "Créer une action"),
    Feature("action", "update", _W, Target.ACTION, "Mettre à jour une action"),
    Feature("action", "export", _R, Target.ACTION, "Exporter les actions"),
    Feature("action_comment", "read", _R, Target.ACTION, "Lire les commentaires d'une action"),
    Feature("action_comment", "create", _W, Target.ACTION, "Commenter une action"),
    Feature("action_comment", "export", _R, Target.ACTION, "Exporter les commentaires des actions"),
    Feature("action_finances", "access", _R, Target.ACTION, "Voir et saisir les financements d'une action"),
    Feature("user", "list", _R, Target.USER, "Voir la liste des comptes et des demandes d'accès"),
    Feature("user", "read", _R, Target.USER, "Consulter un compte"),
    Feature("user", "create", _W, Target.USER, "Créer un compte"),
    Feature("user", "activate", _W, Target.USER, "Traiter une demande d'accès, activer un compte"),
    Feature("user", "deactivate", _W, Target.USER, "Désactiver un compte"),
    Feature("user", "delete", _W, Target.USER, "Supprimer un compte"),
    Feature("user", "export", _R, Target.USER, "Exporter la liste des comptes"),
    Feature("stats", "read", _R, Target.DEPARTEMENT, "Consulter les statistiques"),
    Feature("stats", "export", _R, Target.DEPARTEMENT, "Exporter les statistiques"),
    Feature("land_registry", "access", _R, Target.DEPARTEMENT, "Interroger le registre foncier (propriétaires)"),
)
FEATURES_BY_KEY: Mapping[str, Feature] = {feature.key: feature for feature in FEATURES}

ENTITY_LABELS: Mapping[str, str] = {
    "shantytown": "Sites",
    "shantytown_justice": "Procédures judiciaires et administratives",
    "shantytown_owner": "Propriétaires",
    "shantytown_comment": "Journal du site",
    "shantytown_actor": "Intervenants",
    "action": "Actions",
    "action_comment": "Commentaires des actions",
    "action_finances": "Financements des actions",
    "user": "Comptes utilisateurs",
    "stats": "Statistiques",
    "land_registry": "Registre foncier",
}


# ---------------------------------------------------------------------------------------------------------------------
# Role matrix (§A.5)
# ---------------------------------------------------------------------------------------------------------------------


class Scope(enum.StrEnum):
    NATIONAL = "national"  # everywhere ("N", `allow_all`)
    LOCAL = "local"  # on the user's intervention areas ("L")
    ACTION = "action"  # only on actions his organisation pilots or operates ("A")


# The 8 roles in the order of §A.5; an admin role replaces the regular role for the matrix (§A.3).
ROLES: tuple[str, ...] = (
    AdminRole.NATIONAL_ADMIN,
    AdminRole.LOCAL_ADMIN,
    Role.DIRECT_COLLABORATOR,
    Role.NATIONAL_ESTABLISHMENT,
    Role.COLLABORATOR,
    Role.ASSOCIATION,
    Role.INTERVENER,
    Role.EXTERNAL_OBSERVER,
)
ROLE_LABELS: Mapping[str, str] = {**dict(AdminRole.choices), **dict(Role.choices)}

N, L, A, NO = Scope.NATIONAL, Scope.LOCAL, Scope.ACTION, None
# One row per feature, one column per role in the order of ROLES, transcribed from §A.5. `_` = not allowed; the cells
# §A.5 writes "O:option" are `_` here and come from OPTIONS below. Where §A.5 has "?" or no row, the comment says why.
_MATRIX_ROWS: dict[str, tuple[Scope | None, ...]] = {
    #                              nat. adm, loc. adm, corresp., act. nat., partenaire, opérateur, interv., observ.
    # §A.5 writes one row « shantytown.list / read »: reading a site is `shantytown.list` alone (SITE_READING).
    "shantytown.list": (N, N, N, N, L, L, L, L),
    "shantytown.create": (N, L, L, NO, L, NO, NO, NO),  # opérateur: option create_shantytown
    "shantytown.update": (N, L, L, NO, L, L, NO, NO),
    "shantytown.close": (N, L, L, NO, NO, NO, NO, NO),  # partenaire, opérateur: option close_shantytown
    # "?" for intervener and external observer: neither role description lists an export, the intervener role was
    # created (2021) with list/read only, and an export hands over every site of the territory at once.
    "shantytown.export": (N, N, N, N, L, L, NO, NO),
    "shantytown.delete": (N, NO, NO, NO, NO, NO, NO, NO),
    "shantytown.report": (N, L, L, L, L, L, L, L),
    # Not in §A.5: the permission was created for national admins only (§A.4 catalogue, 30000009 migration).
    "shantytown.fix_status": (N, NO, NO, NO, NO, NO, NO, NO),
    # The correspondent's cell reads "L (… national read)": he consults sites nationally "dont les procédures
    # judiciaires" (role description, Cypress "read France … justice"), so his justice access follows that read.
    "shantytown_justice.access": (
        N,
        L,
        N,
        N,
        NO,
        NO,
        NO,
        NO,
    ),  # partenaire, opérateur, intervenant: option access_justice
    "shantytown_owner.access": (N, L, L, NO, NO, NO, NO, NO),
    "shantytown_comment.list": (N, L, L, L, L, L, L, L),
    "shantytown_comment.create": (N, L, L, L, L, L, L, NO),
    "shantytown_comment.listPrivate": (N, L, L, NO, NO, NO, NO, NO),
    "shantytown_comment.moderate": (N, L, NO, NO, NO, NO, NO, NO),
    # Not in §A.5: §A.7 lists the journal, site-actor, action-comment and user exports as admin tools.
    "shantytown_comment.export": (N, L, NO, NO, NO, NO, NO, NO),
    "shantytown_actor.export": (N, L, NO, NO, NO, NO, NO, NO),
    # Correspondent and national actor: "L (+N read …)" in §A.5, i.e. they read actions nationally.
    "action.read": (N, N, N, N, L, L, L, L),
    "action.create": (N, L, L, L, L, L, L, NO),
    "action.update": (N, L, A, A, A, A, A, NO),
    # "?" for local admin, correspondent and national actor: admins export on their territory (§A.7), the
    # correspondent's description lists "Exporter les actions" among his local permissions, the national actor's does
    # not, so he has none.
    "action.export": (N, L, L, NO, NO, NO, NO, NO),
    "action_comment.read": (N, N, L, L, L, L, L, L),
    "action_comment.create": (N, L, A, A, A, A, A, NO),
    "action_comment.export": (N, L, NO, NO, NO, NO, NO, NO),
    # Partenaire, opérateur, intervenant: "A (pilot) / O:access_action_finances"; the pilot-only part is in
    # ACTION_LEVEL_GRANTS. §A.5 gives the national actor N although his role description reads "hors financements" with
    # the option; kept as §A.5 says.
    "action_finances.access": (N, L, L, N, A, A, A, NO),
    "user.list": (N, L, NO, NO, NO, NO, NO, NO),
    "user.read": (N, L, NO, NO, NO, NO, NO, NO),
    "user.create": (N, L, NO, NO, NO, NO, NO, NO),
    "user.activate": (N, L, NO, NO, NO, NO, NO, NO),
    "user.deactivate": (N, L, NO, NO, NO, NO, NO, NO),
    "user.delete": (N, NO, NO, NO, NO, NO, NO, NO),
    "user.export": (N, L, NO, NO, NO, NO, NO, NO),  # not in §A.5; admin export (§A.7), like user.list
    # "?" for the correspondent: he pilots the policy of his territory and needs its figures, locally like admins.
    "stats.read": (N, L, L, N, NO, NO, NO, NO),
    "stats.export": (N, L, NO, NO, NO, NO, NO, NO),  # not in §A.5; the data report is an admin export (§H.4)
    # "?" for both admins and the correspondent: the land registry reveals owners' identities, so it follows
    # `shantytown_owner.access`; §C.12 checks it on the département.
    "land_registry.access": (N, L, L, NO, NO, NO, NO, NO),
}


def _role_matrix() -> dict[str, dict[str, Scope]]:
    matrix: dict[str, dict[str, Scope]] = {role: {} for role in ROLES}
    for key, row in _MATRIX_ROWS.items():
        for role, scope in zip(ROLES, row, strict=True):
            if scope is not None:
                matrix[role][key] = scope
    return matrix


# role → feature → scope; a feature missing from a role is refused to it.
ROLE_MATRIX: Mapping[str, Mapping[str, Scope]] = _role_matrix()


class ActionRole(enum.StrEnum):
    MANAGER = "manager"  # pilote
    OPERATOR = "operator"  # opérateur


# §A.4: members of an action's pilot or operator organisation get these features on that action; pilots' organisations
# also get its finances. They add to a local scope and are all an "A" cell gives; a refusal (no cell, or an override
# with allowed=False) gives none of them.
ACTION_LEVEL_GRANTS: Mapping[str, frozenset[ActionRole]] = {
    "action.read": frozenset({ActionRole.MANAGER, ActionRole.OPERATOR}),
    "action.update": frozenset({ActionRole.MANAGER, ActionRole.OPERATOR}),
    "action_comment.read": frozenset({ActionRole.MANAGER, ActionRole.OPERATOR}),
    "action_comment.create": frozenset({ActionRole.MANAGER, ActionRole.OPERATOR}),
    "action_finances.access": frozenset({ActionRole.MANAGER}),
}


# ---------------------------------------------------------------------------------------------------------------------
# Options (§A.4)
# ---------------------------------------------------------------------------------------------------------------------

OPTIONS: Mapping[str, tuple[tuple[str, Scope], ...]] = {
    Option.CLOSE_SHANTYTOWN: (("shantytown.close", L),),
    Option.CREATE_SHANTYTOWN: (("shantytown.create", L),),
    # A reading feature, so widened to the département like reading (§A.4 rule 4).
    Option.ACCESS_JUSTICE: (("shantytown_justice.access", L),),
    Option.ACCESS_ACTION_FINANCES: (("action_finances.access", N),),
}
# Which options an admin may give to each role (the "O:x" cells of §A.5 and the platform's role descriptions). An
# option a user holds but his role may not receive (after a change of role) is ignored.
ROLE_OPTIONS: Mapping[str, tuple[str, ...]] = {
    AdminRole.NATIONAL_ADMIN: (),
    AdminRole.LOCAL_ADMIN: (),
    Role.DIRECT_COLLABORATOR: (),
    Role.NATIONAL_ESTABLISHMENT: (),
    Role.COLLABORATOR: (Option.CLOSE_SHANTYTOWN, Option.ACCESS_JUSTICE, Option.ACCESS_ACTION_FINANCES),
    Role.ASSOCIATION: (
        Option.CREATE_SHANTYTOWN,
        Option.CLOSE_SHANTYTOWN,
        Option.ACCESS_JUSTICE,
        Option.ACCESS_ACTION_FINANCES,
    ),
    Role.INTERVENER: (Option.ACCESS_JUSTICE, Option.ACCESS_ACTION_FINANCES),
    Role.EXTERNAL_OBSERVER: (),
}


def allowed_options(role: str) -> tuple[Option, ...]:
    """The options an admin may give to a user of this role (empty for admins, who already hold everything)."""
    return tuple(Option(option) for option in ROLE_OPTIONS.get(role, ()))


# The regular roles each admin role may give (§A.3): any for a national admin, only « Intervenant » for a local admin.
ASSIGNABLE_ROLES: Mapping[str, tuple[Role, ...]] = {
    AdminRole.NATIONAL_ADMIN: tuple(Role),
    AdminRole.LOCAL_ADMIN: (Role.INTERVENER,),
}


def assignable_roles(admin: User | AnonymousUser) -> tuple[Role, ...]:
    """The regular roles this user may give to an account: any for a national admin, « Intervenant » for a local
    admin, none for everyone else."""
    if not admin.is_authenticated:
        return ()
    return ASSIGNABLE_ROLES.get(admin.admin_role, ())


# ---------------------------------------------------------------------------------------------------------------------
# Confidential data (§A.6)
# ---------------------------------------------------------------------------------------------------------------------


class ConfidentialData(enum.StrEnum):
    JUSTICE = "justice"
    OWNERS = "owners"
    ACTION_FINANCES = "action_finances"
    TARGETED_MESSAGES = "targeted_messages"
    LAND_REGISTRY = "land_registry"


@dataclass(frozen=True)
class ConfidentialRule:
    feature: str
    label_fr: str
    rule_fr: str


# Data removed before rendering, exporting or counting unless the user holds the feature on the object (§A.6).
CONFIDENTIAL_DATA: Mapping[ConfidentialData, ConfidentialRule] = {
    ConfidentialData.JUSTICE: ConfidentialRule(
        "shantytown_justice.access",
        "Procédures judiciaires et administratives",
        "Plainte, procédure, concours de la force publique, huissier, arrêtés : absents des fiches, exports et "
        "statistiques, et ignorés à l'enregistrement, sans cette permission sur le site.",
    ),
    ConfidentialData.OWNERS: ConfidentialRule(
        "shantytown_owner.access",
        "Identité des propriétaires",
        "Noms des propriétaires des parcelles, en lecture, saisie et export. Les propriétaires privés sont anonymisés "
        "un an après la fermeture du site.",
    ),
    ConfidentialData.ACTION_FINANCES: ConfidentialRule(
        "action_finances.access",
        "Financements des actions",
        "Visibles et modifiables seulement avec cette permission sur l'action ; sans elle, les financements existants "
        "restent inchangés à l'enregistrement.",
    ),
    ConfidentialData.TARGETED_MESSAGES: ConfidentialRule(
        "shantytown_comment.listPrivate",
        "Messages ciblés du journal",
        "Un message ciblé n'est lu que par son auteur, les personnes et structures ciblées, et les titulaires de "
        "cette permission sur le site. Les autres messages sont lus par quiconque peut lire le journal du site.",
    ),
    ConfidentialData.LAND_REGISTRY: ConfidentialRule(
        "land_registry.access",
        "Registre foncier",
        "Interrogation sur le département ; chaque demande est journalisée et le résultat est envoyé par courriel, "
        "jamais affiché.",
    ),
}


# ---------------------------------------------------------------------------------------------------------------------
# Grants
# ---------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Areas:
    """Territory codes a local grant covers. Régions are expanded into their départements; for reading features,
    communes and EPCI are already widened into their départements. `regions` is kept to locate organisations."""

    regions: frozenset[str] = frozenset()
    departements: frozenset[str] = frozenset()
    epcis: frozenset[str] = frozenset()
    communes: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.regions or self.departements or self.epcis or self.communes)

    @cached_property
    def territories(self) -> Territories:
        """The areas as territories to locate sites and organisations in (`territories.location`); régions are left
        out, their départements being already among `departements`."""
        return Territories(departements=self.departements, epcis=self.epcis, communes=self.communes)


class Source(enum.StrEnum):
    """Which rule decided a grant, by precedence: user override > option > organisation override > role."""

    USER_OVERRIDE = "user_override"
    OPTION = "option"
    ORGANIZATION_OVERRIDE = "organization_override"
    ROLE = "role"


@dataclass(frozen=True)
class Grant:
    """What one user may do with one feature.

    `allowed` says the deciding rule grants the feature; where is then `national`, else `areas` and, on actions,
    `action_roles` (the user's organisation must pilot or operate the action). An allowed local grant without areas
    covers nothing: use `anywhere` to know whether to offer the feature at all.
    """

    feature: Feature
    allowed: bool
    national: bool = False
    areas: Areas = field(default_factory=Areas)
    action_roles: frozenset[ActionRole] = frozenset()
    organization_id: int | None = None
    source: Source = Source.ROLE

    @property
    def on_actions(self) -> bool:
        return bool(self.action_roles)

    @property
    def anywhere(self) -> bool:
        return self.allowed and (self.national or bool(self.areas) or self.on_actions)

    def covers_commune(self, commune: Commune) -> bool:
        """Same rule as `location_q` (`territories.location.place_in`); arrondissements carry their main commune's
        EPCI (territories loader)."""
        if not self.allowed:
            return False
        return self.national or place_in(self.areas.territories, commune)

    def covers_departement(self, departement: "Departement | str") -> bool:
        """Same rule as `departement_q`: a writing grant on a commune or an EPCI does not cover its département."""
        if not self.allowed:
            return False
        code = departement if isinstance(departement, str) else departement.pk
        return self.national or code in self.areas.departements

    def covers_action(self, action: "ActionLike") -> bool:
        """Same rule as `actions_q`: the action's département, or the user's organisation among pilots/operators."""
        if self.covers_departement(action.departement_id):
            return True
        if not self.allowed or self.organization_id is None:
            return False
        return (
            ActionRole.MANAGER in self.action_roles and self.organization_id in action.manager_organization_ids
        ) or (ActionRole.OPERATOR in self.action_roles and self.organization_id in action.operator_organization_ids)


class ActionLike(Protocol):
    """What the action predicates read from an action (the Action model exposes these as fields or properties)."""

    @property
    def departement_id(self) -> str: ...

    @property
    def manager_organization_ids(self) -> Collection[int]: ...

    @property
    def operator_organization_ids(self) -> Collection[int]: ...


@dataclass(frozen=True)
class ActionTarget:
    """A plain `ActionLike`, for checks made before an action exists (creation forms) and for tests."""

    departement_id: str
    manager_organization_ids: frozenset[int] = frozenset()
    operator_organization_ids: frozenset[int] = frozenset()


class Located(Protocol):
    """Anything located in a commune, such as a site."""

    @property
    def commune(self) -> Commune: ...


class TerritorialMessageLike(Protocol):
    """What the territorial-message predicates read from a territorial message (§I.2)."""

    @property
    def author_id(self) -> int | None: ...

    @property
    def departement_codes(self) -> Collection[str]: ...


class MessageLike(Protocol):
    """What every journal's predicates read from a message: its audience (`journal.models.Message`)."""

    @property
    def is_public(self) -> bool: ...

    @property
    def author_id(self) -> int | None: ...

    @property
    def target_user_ids(self) -> Collection[int]: ...

    @property
    def target_organization_ids(self) -> Collection[int]: ...


class JournalEntryLike(MessageLike, Protocol):
    """What the journal predicate reads from a journal entry: its audience and its site's commune."""

    @property
    def commune(self) -> Commune: ...


class ActionEntryLike(MessageLike, Protocol):
    """What the action-journal predicates read from a message of an action's journal: its audience and its action."""

    @property
    def action(self) -> ActionLike: ...


def _addressed_to(user: User, message: MessageLike) -> bool:
    """Whether the message is public, or written by the user, or targets him or his organisation."""
    return (
        message.is_public
        or message.author_id == user.pk
        or user.pk in message.target_user_ids
        or user.organization_id in message.target_organization_ids
    )


# ---------------------------------------------------------------------------------------------------------------------
# Resolution, cached on the user object
# ---------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    """Everything about a user the grants depend on, loaded in at most 3 queries."""

    role: str
    organization_id: int | None
    options: frozenset[str]
    nation: bool
    read_areas: Areas
    write_areas: Areas
    user_overrides: Mapping[str, tuple[bool, bool]]
    organization_overrides: Mapping[str, tuple[bool, bool]]
    # The main intervention area (area type, territory code; "" for the nation), where lists open (§C.9).
    main_area: tuple[str, str] | None = None


@dataclass
class _Cache:
    context: _Context
    grants: dict[str, Grant] = field(default_factory=dict)


_CACHE_ATTRIBUTE = "_permission_cache"


def resolve(user: User | AnonymousUser, feature: str) -> Grant:
    """The grant of `feature` ("entity.name") for this user. Computed once per user object (that is, per request)."""
    definition = _feature(feature)
    if not user.is_authenticated:
        return Grant(definition, allowed=False)
    cache = _cache(user)
    grant = cache.grants.get(feature)
    if grant is None:
        grant = cache.grants[feature] = _grant(cache.context, definition)
    return grant


def grants(user: User | AnonymousUser) -> dict[str, Grant]:
    """Every feature's grant, in catalogue order (for the `/config`-like needs of templates and the admin pages)."""
    return {feature.key: resolve(user, feature.key) for feature in FEATURES}


def forget_permissions(user: User) -> None:
    """Drop the cached grants, after changing the user's role, options, areas or overrides on this same object."""
    if hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)
    user.permissions_cache = None


def _feature(key: str) -> Feature:
    try:
        return FEATURES_BY_KEY[key]
    except KeyError:
        raise KeyError(f"Unknown permission feature {key!r}") from None


def _cache(user: User) -> _Cache:
    # getattr/setattr rather than __dict__, so that the cache lands on the user behind `request.user`'s lazy wrapper.
    cache: _Cache | None = getattr(user, _CACHE_ATTRIBUTE, None)
    if cache is None:
        cache = _Cache(_stored_context(user))
        setattr(user, _CACHE_ATTRIBUTE, cache)
    return cache


# ---------------------------------------------------------------------------------------------------------------------
# The context kept with the user row
# ---------------------------------------------------------------------------------------------------------------------
#
# Resolving a user's context costs 2 or 3 queries (areas, their départements, overrides). Every signed-in page needs
# it (menu, buttons), so it is stored as JSON in `User.permissions_cache` and read with the user in the one query that
# loads him on each request — shared by every process and host, since it lives in the database. It is stamped with
# what it was computed from on the user row itself (role, options, organisation…), so changing those makes it stale
# by construction; changes elsewhere (intervention areas, permission overrides of the user or his organisation,
# territories reloaded) clear it explicitly (`permissions_changed_for`, wired to those models' saves and deletes).
# A stale or missing context is computed again and stored by a one-row UPDATE — the only write a GET may do, once
# after such a change.

_STORED_FORMAT = 2


def _stamp(user: User) -> list[Any]:
    """What the stored context was computed from on the user row: any difference makes it stale."""
    return [
        _STORED_FORMAT,
        user.role,
        user.admin_role,
        sorted(user.options or []),
        user.use_custom_intervention_area,
        user.organization_id,
    ]


def _stored_context(user: User) -> _Context:
    stored = getattr(user, "permissions_cache", None)
    stamp = _stamp(user)
    if isinstance(stored, dict) and stored.get("stamp") == stamp:
        try:
            return _context_from_json(stored["context"])
        except (KeyError, TypeError, ValueError):
            pass  # a malformed value is computed again below
    version = getattr(user, "permissions_version", None)
    context = _load_context(user)
    if user.pk is not None and version is not None:
        value = {"stamp": stamp, "context": _context_to_json(context)}
        # Stored only if nothing cleared it since the account was loaded: a change of areas or overrides made while
        # this was computed raised the version, and the next request computes it again.
        User.objects.filter(pk=user.pk, permissions_version=version).update(permissions_cache=value)
        user.permissions_cache = value
    return context


def context_key(user: User | AnonymousUser) -> str:
    """A text that is the same for two requests only when every rule gives the same answer for the user in both: who
    he is (rules name him and his organisation) and his resolved context — role, options, areas, overrides. To key
    what is compiled from all his rules at once (the activity feed's first page, `activity.selectors`)."""
    if not user.is_authenticated:
        return "anonymous"
    return repr((user.pk, _context_to_json(_cache(user).context)))


def _areas_to_json(areas: Areas) -> dict[str, list[str]]:
    return {name: sorted(getattr(areas, name)) for name in ("regions", "departements", "epcis", "communes")}


def _areas_from_json(data: Mapping[str, list[str]]) -> Areas:
    return Areas(**{name: frozenset(data[name]) for name in ("regions", "departements", "epcis", "communes")})


def _context_to_json(context: _Context) -> dict[str, Any]:
    return {
        "role": context.role,
        "organization_id": context.organization_id,
        "options": sorted(context.options),
        "nation": context.nation,
        "read_areas": _areas_to_json(context.read_areas),
        "write_areas": _areas_to_json(context.write_areas),
        "user_overrides": {key: list(value) for key, value in context.user_overrides.items()},
        "organization_overrides": {key: list(value) for key, value in context.organization_overrides.items()},
        "main_area": list(context.main_area) if context.main_area else None,
    }


def _context_from_json(data: Mapping[str, Any]) -> _Context:
    return _Context(
        role=data["role"],
        organization_id=data["organization_id"],
        options=frozenset(data["options"]),
        nation=bool(data["nation"]),
        read_areas=_areas_from_json(data["read_areas"]),
        write_areas=_areas_from_json(data["write_areas"]),
        user_overrides={key: (bool(value[0]), bool(value[1])) for key, value in data["user_overrides"].items()},
        organization_overrides={
            key: (bool(value[0]), bool(value[1])) for key, value in data["organization_overrides"].items()
        },
        main_area=(str(data["main_area"][0]), str(data["main_area"][1])) if data["main_area"] else None,
    )


def permissions_changed_for(*, user_id: int | None = None, organization_id: int | None = None) -> None:
    """Clears the stored context of the user, or of every member of the organisation, after a change of their areas
    or permission overrides; their next request computes it again."""
    cleared = {"permissions_cache": None, "permissions_version": F("permissions_version") + 1}
    if user_id is not None:
        User.objects.filter(pk=user_id).update(**cleared)
    if organization_id is not None:
        User.objects.filter(organization_id=organization_id).update(**cleared)


def permissions_changed_everywhere() -> None:
    """Clears every stored context, after the territories were reloaded (a région's départements, an EPCI's…)."""
    User.objects.update(permissions_cache=None, permissions_version=F("permissions_version") + 1)


def _owner_changed(sender: type, instance: InterventionArea | PermissionOverride, **kwargs: Any) -> None:
    permissions_changed_for(user_id=instance.user_id, organization_id=instance.organization_id)


def _territories_changed(sender: type, **kwargs: Any) -> None:
    permissions_changed_everywhere()


def _signed_in(sender: type, user: User, **kwargs: Any) -> None:
    # Resolved and stored while signing in (a POST), so that the pages after it read it and write nothing.
    _cache(user)


def connect_invalidation() -> None:
    """Wires `permissions_changed_for` to the saves and deletes of areas and overrides (called by the app config).
    Receivers rather than calls in each service: areas are also removed by cascades and queryset deletes. Also
    resolves the context when someone signs in."""
    from django.contrib.auth.signals import user_logged_in
    from django.db.models.signals import post_delete, post_save

    user_logged_in.connect(_signed_in, dispatch_uid="permissions-signed-in")
    territories_loaded.connect(_territories_changed, dispatch_uid="permissions-territories")
    for model in (InterventionArea, PermissionOverride):
        post_save.connect(_owner_changed, sender=model, dispatch_uid=f"permissions-{model.__name__}-save")
        post_delete.connect(_owner_changed, sender=model, dispatch_uid=f"permissions-{model.__name__}-delete")


def _load_context(user: User) -> _Context:
    role = user.effective_role
    owner = _area_owner_q(user)
    nation = False
    regions: set[str] = set()
    departements: set[str] = set()
    epcis: set[str] = set()
    communes: set[str] = set()
    commune_departements: set[str] = set()
    rows = (
        InterventionArea.objects.filter(owner)
        .order_by(*_AREA_ORDER)
        .values_list("area_type", "region_id", "departement_id", "epci_id", "commune_id", "commune__departement_id")
    )
    main_area: tuple[str, str] | None = None
    for area_type, region, departement, epci, commune, commune_departement in rows:
        if main_area is None:
            main_area = (area_type, region or departement or epci or commune or "")
        if area_type == AreaType.NATION:
            nation = True
        elif area_type == AreaType.REGION:
            regions.add(region)
        elif area_type == AreaType.DEPARTEMENT:
            departements.add(departement)
        elif area_type == AreaType.EPCI:
            epcis.add(epci)
        elif area_type == AreaType.COMMUNE:
            communes.add(commune)
            commune_departements.add(commune_departement)
    region_departements, epci_departements = _departements_of(regions, epcis)
    write_areas = Areas(
        regions=frozenset(regions),
        departements=frozenset(departements | region_departements),
        epcis=frozenset(epcis),
        communes=frozenset(communes),
    )
    read_areas = Areas(
        regions=frozenset(regions),
        departements=write_areas.departements | epci_departements | commune_departements,
    )

    user_overrides: dict[str, tuple[bool, bool]] = {}
    organization_overrides: dict[str, tuple[bool, bool]] = {}
    overrides = PermissionOverride.objects.filter(
        Q(user_id=user.pk) | Q(organization_id=user.organization_id)
    ).values_list("user_id", "entity", "feature", "allowed", "national")
    for user_id, entity, name, allowed, national in overrides:
        (user_overrides if user_id is not None else organization_overrides)[f"{entity}.{name}"] = (allowed, national)

    return _Context(
        role=role,
        organization_id=user.organization_id,
        options=frozenset(option for option in (user.options or []) if option in ROLE_OPTIONS.get(role, ())),
        nation=nation,
        read_areas=read_areas,
        write_areas=write_areas,
        user_overrides=user_overrides,
        organization_overrides=organization_overrides,
        main_area=main_area,
    )


def _departements_of(regions: set[str], epcis: set[str]) -> tuple[set[str], set[str]]:
    """The départements of these régions and of these EPCI, in one query (none when there is nothing to expand)."""
    # Each row is (département, région or EPCI it comes from); a région code (2 characters) never equals an EPCI SIREN
    # (9 digits), which tells the two halves of the union apart without an annotation.
    parts: list[Any] = []
    if regions:
        parts.append(Departement.objects.filter(region_id__in=regions).order_by().values_list("code", "region_id"))
    if epcis:
        through: Any = Epci.departements.through
        parts.append(through.objects.filter(epci_id__in=epcis).order_by().values_list("departement_id", "epci_id"))
    if not parts:
        return set(), set()
    query = parts[0].union(*parts[1:])
    region_departements: set[str] = set()
    epci_departements: set[str] = set()
    for code, origin in query:
        (region_departements if origin in regions else epci_departements).add(code)
    return region_departements, epci_departements


def _deciding_rule(context: _Context, key: str) -> tuple[Source, Scope | None]:
    """The first rule that speaks of the feature, by precedence user > option > organisation > role (§A.4)."""
    if key in context.user_overrides:
        allowed, national = context.user_overrides[key]
        return Source.USER_OVERRIDE, (N if national else L) if allowed else None
    option_scopes = [scope for option in context.options for granted, scope in OPTIONS[option] if granted == key]
    if option_scopes:
        return Source.OPTION, N if N in option_scopes else L
    if key in context.organization_overrides:
        allowed, national = context.organization_overrides[key]
        return Source.ORGANIZATION_OVERRIDE, (N if national else L) if allowed else None
    return Source.ROLE, ROLE_MATRIX.get(context.role, {}).get(key)


def _grant(context: _Context, feature: Feature) -> Grant:
    source, scope = _deciding_rule(context, feature.key)
    if scope is None:
        return Grant(feature, allowed=False, source=source, organization_id=context.organization_id)
    if scope == N or (scope == L and context.nation):
        return Grant(feature, allowed=True, national=True, source=source, organization_id=context.organization_id)
    areas = Areas()
    if scope == L:
        areas = context.write_areas if feature.is_writing else context.read_areas
    action_roles = ACTION_LEVEL_GRANTS.get(feature.key, frozenset()) if context.organization_id else frozenset()
    return Grant(
        feature,
        allowed=True,
        areas=areas,
        action_roles=action_roles,
        organization_id=context.organization_id,
        source=source,
    )


# ---------------------------------------------------------------------------------------------------------------------
# Queryset filters
# ---------------------------------------------------------------------------------------------------------------------


def _field(path: str, lookup: str) -> str:
    """`path__lookup`, or the bare lookup when the queryset is on the related model itself (`path=""`)."""
    return f"{path}__{lookup}" if path else lookup


def _any(conditions: Iterable[Q]) -> Q:
    conditions = list(conditions)
    return reduce(operator.or_, conditions) if conditions else Q(pk__in=[])


def location_q(grant: Grant, commune_path: str = "commune") -> Q:
    """Rows located in a commune the grant covers (`territories.location.sites_in_q`); `commune_path` leads from the
    queried model to its commune ("commune" for sites, "site__commune" for journal entries, "" for communes
    themselves)."""
    if not grant.allowed:
        return Q(pk__in=[])
    if grant.national:
        return Q()
    return sites_in_q(grant.areas.territories, commune_path)


def departement_q(grant: Grant, departement_path: str = "departement") -> Q:
    """Rows located in a département the grant covers (whole départements only)."""
    if not grant.allowed:
        return Q(pk__in=[])
    if grant.national:
        return Q()
    if not grant.areas.departements:
        return Q(pk__in=[])
    return Q(**{_field(departement_path, "pk__in"): sorted(grant.areas.departements)})


def sites_q(user: User | AnonymousUser, feature: str, commune_path: str = "commune") -> Q:
    """Sites (or anything located by `commune_path`) on which the user holds `feature`."""
    return location_q(resolve(user, feature), commune_path)


# « May read this site » is one feature everywhere: the site list and map, the site's page and history, who may be its
# actor and who is told about it. The reference had `shantytown.read` beside it with the same cells (§A.5): two rows
# that could only drift apart, so the site's page is read with this one.
SITE_READING = "shantytown.list"


def visible_sites_q(user: User | AnonymousUser, commune_path: str = "commune") -> Q:
    """Sites the user sees — in lists, on the map, in statistics, and each one's page (`SITE_READING`): the base of
    `visible_to` and of `access_site`."""
    return sites_q(user, SITE_READING, commune_path)


def placed_location_q(grant: Grant) -> Q:
    """Rows that record a site's place in their own `commune` and `departement` columns (the activity's events) on a
    site the grant covers: the rule of `location_q`, read on those columns (`territories.location.placed_in_q`)."""
    if not grant.allowed:
        return Q(pk__in=[])
    if grant.national:
        return Q()
    return placed_in_q(grant.areas.territories)


def site_events_q(user: User | AnonymousUser, feature: str = SITE_READING) -> Q:
    """Events about a site (placed at the site's place, `placed_location_q`) on which the user holds `feature`: by
    default the sites he sees (`visible_sites_q`)."""
    return placed_location_q(resolve(user, feature))


def visible_sites_key(user: User | AnonymousUser) -> str:
    """A text that is the same for two users exactly when `visible_sites_q` gives them the same sites: to share
    what is derived from the visible sites alone (the list's département filter, the compiled query of
    `access_site`) between them."""
    return _location_key(resolve(user, SITE_READING))


def _location_key(grant: Grant) -> str:
    """The same text for two grants exactly when `location_q` gives them the same rows."""
    if not grant.allowed:
        return "nowhere"
    if grant.national:
        return "nation"
    areas = grant.areas.territories
    return repr((sorted(areas.departements), sorted(areas.epcis), sorted(areas.communes)))


def site_readers_q(place: "Commune | Located") -> Q:
    """Accounts that may read the site (or any site of this commune): the rule of `visible_sites_q` and
    `can_read_site` written as a filter on users, for the people told about a site or offered as its actors. Account
    status is left to the caller."""
    return users_holding_q(SITE_READING, _commune_of(place))


def departements_q(user: User | AnonymousUser, feature: str, departement_path: str = "departement") -> Q:
    """Rows located by département on which the user holds `feature` (statistics, land registry, action creation)."""
    return departement_q(resolve(user, feature), departement_path)


def actions_q(
    user: User | AnonymousUser,
    feature: str = "action.read",
    *,
    departement_path: str = "departement",
    manager_organizations_path: str = "managers__organization",
    operator_organizations_path: str = "operators__organization",
) -> Q:
    """Actions on which the user holds `feature`: located in a covered département, or — for the action-level grants —
    piloted (managers) or operated by his organisation. The two organisation paths cross multi-valued relations: the
    Action queryset must add `.distinct()` after filtering."""
    grant = resolve(user, feature)
    if not grant.allowed:
        return Q(pk__in=[])
    if grant.national:
        return Q()
    conditions = []
    if grant.areas.departements:
        conditions.append(departement_q(grant, departement_path))
    if grant.organization_id is not None:
        if ActionRole.MANAGER in grant.action_roles:
            conditions.append(Q(**{manager_organizations_path: grant.organization_id}))
        if ActionRole.OPERATOR in grant.action_roles:
            conditions.append(Q(**{operator_organizations_path: grant.organization_id}))
    return _any(conditions)


def actions_key(user: User | AnonymousUser, feature: str = "action.read") -> str:
    """A text that is the same for two users only when `actions_q(user, feature)` gives them the same actions (to
    share a compiled query between them): who holds the feature nationally, or on the same départements with the
    same action-level grants through the same organisation."""
    grant = resolve(user, feature)
    if not grant.allowed:
        return "nowhere"
    if grant.national:
        return "nation"
    involvement = (grant.organization_id, sorted(grant.action_roles)) if grant.action_roles else None
    return repr((sorted(grant.areas.departements), involvement))


def _holding_q(model: type[Model] | None, path: str, value: Any, *, pk_path: str = "pk") -> Q:
    """Rows whose relation `path` holds `value` (`value` may be a `__in` list when `path` ends with `__in`). On a
    many-to-many relation of `model`, an IN over its through table, which is indexed by the related side: the filter
    then joins nothing, returns each row once and needs no DISTINCT (issue 8, index-backed visibility). `pk_path`:
    where the queried rows hold the id of a `model` row (its primary key when the queried model is `model`)."""
    field_name, _, lookup = path.partition("__")
    if model is not None:
        field = model._meta.get_field(field_name)
        if isinstance(field, ManyToManyField):
            through: Any = field.remote_field.through
            related = field.m2m_reverse_field_name() + (f"__{lookup}" if lookup else "")
            return Q(**{f"{pk_path}__in": through.objects.filter(**{related: value}).values(field.m2m_field_name())})
    return Q(**{path: value})


def journal_entries_q(
    user: User | AnonymousUser,
    *,
    model: type[Model] | None = None,
    commune_path: str = "site__commune",
    public_path: str = "is_public",
    author_path: str = "author",
    target_users_path: str = "target_users",
    target_organizations_path: str = "target_organizations",
) -> Q:
    """Journal entries the user may read (§A.6): on a site where he holds `shantytown_comment.list`, and either public,
    or written by him, or targeting him or his organisation, or on a site where he holds
    `shantytown_comment.listPrivate`. With `model` (the queried model), many-to-many target paths are matched by an
    IN over their through tables, and the result holds each entry once."""
    return _journal_messages_q(
        user,
        located=lambda grant: location_q(grant, commune_path),
        public_path=public_path,
        author_path=author_path,
        targeting=lambda value, organization: (
            _holding_q(model, target_users_path, value) | _holding_q(model, target_organizations_path, organization)
        ),
    )


def journal_events_q(user: User | AnonymousUser, *, entry_model: type[Model]) -> Q:
    """Events of journal messages (`notifications.NotificationEvent`, kind « journal_message_posted ») whose message
    the user may read: the rule of `journal_entries_q`, read on the event's own columns — its place
    (`placed_location_q`), `is_public`, its actor (the author) — and on the message's target tables by the event's
    `object_id` (`entry_model`: the journal's message model). Whether the message was deleted since is the caller's
    to check."""
    return _journal_messages_q(
        user,
        located=placed_location_q,
        public_path="is_public",
        author_path="actor",
        targeting=lambda value, organization: (
            _holding_q(entry_model, "target_users", value, pk_path="object_id")
            | _holding_q(entry_model, "target_organizations", organization, pk_path="object_id")
        ),
    )


def _journal_messages_q(
    user: User | AnonymousUser,
    *,
    located: Callable[[Grant], Q],
    public_path: str,
    author_path: str,
    targeting: Callable[[int, int | None], Q],
) -> Q:
    """The rule of §A.6 for journal messages, whatever rows carry them: `located(grant)` filters the rows on a site
    the grant covers, `targeting(user id, organisation id)` the rows of a message addressed to that person or
    organisation."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    readable = located(resolve(user, "shantytown_comment.list"))
    private = resolve(user, "shantytown_comment.listPrivate")
    addressed = Q(**{public_path: True}) | Q(**{author_path: user.pk}) | targeting(user.pk, user.organization_id)
    if private.allowed and private.national:
        # Every entry he reads. Not `addressed | location_q(...)`: a national `location_q` is the empty `Q()`, which
        # Django drops from an OR instead of reading it as "everything".
        return readable
    if private.allowed:
        addressed |= located(private)
    return readable & addressed


def journal_entries_key(user: User | AnonymousUser) -> str:
    """A text that is the same for two users exactly when `journal_entries_q` gives them the same entries (to share
    a compiled query between them): who reads every entry of the same places share it; otherwise the rule names the
    user and his organisation."""
    if not user.is_authenticated:
        return "nobody"
    readable = _location_key(resolve(user, "shantytown_comment.list"))
    private = resolve(user, "shantytown_comment.listPrivate")
    if private.allowed and private.national:
        return repr(("every entry", readable))
    return repr(("addressed", readable, _location_key(private), user.pk, user.organization_id))


def action_entries_q(user: User | AnonymousUser, *, model: type[Model]) -> Q:
    """Messages of actions' journals (§E.3) the user may read: on an action where he holds `action_comment.read`
    (by role and département, or as a member of a pilot or operator organisation), and either public, or written by
    him, or targeting him or his organisation. `model` is the queried message model (its `action` and target
    relations are matched by IN over their indexed tables: each message once, no DISTINCT)."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    actions: Any = model._meta.get_field("action").related_model
    readable_actions = actions.objects.filter(actions_q(user, "action_comment.read")).values("pk")
    addressed = (
        Q(is_public=True)
        | Q(author=user.pk)
        | _holding_q(model, "target_users", user.pk)
        | _holding_q(model, "target_organizations", user.organization_id)
    )
    return Q(action__in=readable_actions) & addressed


def territorial_messages_q(
    user: User | AnonymousUser,
    *,
    model: type[Model] | None = None,
    departements_path: str = "departements",
    author_path: str = "author",
) -> Q:
    """Territorial messages (§I.2) the user may read: those addressed to at least one département where he reads the
    sites' journals (`shantytown_comment.list`, widened to whole départements as every reading feature), and his own.
    With `model` (the queried model), the many-to-many `departements_path` is matched by an IN over its through
    table, and the result holds each message once."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    grant = resolve(user, "shantytown_comment.list")
    if grant.allowed and grant.national:
        # Not `... | Q(author=…)`: Django drops an empty `Q()` from an OR instead of reading it as "everything".
        return Q()
    covered = Q(pk__in=[])
    if grant.allowed and grant.areas.departements:
        covered = _holding_q(model, f"{departements_path}__in", sorted(grant.areas.departements))
    return covered | Q(**{author_path: user.pk})


def organizations_located_q(grant: Grant, organization_path: str = "") -> Q:
    """Organisations located inside the grant's areas (`territories.location.located_in_q`): at a covered région,
    département, EPCI or commune, or at a commune or EPCI of a covered département. An organisation located at the
    national level is only inside a national grant."""
    if not grant.allowed:
        return Q(pk__in=[])
    if grant.national:
        return Q()
    areas = grant.areas
    located = located_in_q(areas.territories, organization_path)
    if areas.regions:  # their départements are among the areas: only the organisations located at the région itself
        located |= located_at_q(Territories(regions=areas.regions), organization_path)
    return located


def visible_users_q(
    user: User | AnonymousUser, feature: str = "user.list", organization_path: str = "organization"
) -> Q:
    """Accounts an admin may see or act on with a `user.*` feature: everyone for a national scope, else the accounts
    whose organisation is located inside his areas (read features widened to the département)."""
    definition = _feature(feature)
    if definition.target != Target.USER:
        raise ValueError(f"{feature} is not a feature on accounts")
    grant = resolve(user, feature)
    if not grant.allowed:
        return Q(pk__in=[])
    if grant.national:
        return Q()
    organizations = Organization.objects.filter(organizations_located_q(grant)).values("pk")
    return Q(**{_field(organization_path or "pk", "in"): organizations})


def users_holding_q(feature: str, commune: Commune) -> Q:
    """Accounts that hold `feature` (a feature on sites) on this commune: the rule of `can(user, feature,
    commune=…)` — precedence user override > organisation override > role, then the scope — written as a filter on
    users, to offer people to pick (the users who may be added as actors of a site, §C.10). Account status is left
    to the caller, as everywhere in this module. Features an option may grant are refused: options live in a JSON
    list that SQLite cannot search, and no list of people needs them."""
    definition = _feature(feature)
    if definition.target != Target.SITE:
        raise ValueError(f"{feature} is not a feature on sites")
    if any(granted == feature for grants_ in OPTIONS.values() for granted, _ in grants_):
        raise ValueError(f"{feature} may be granted by an option: users_holding_q does not handle options")

    covered = _areas_covering_q(commune, reading=not definition.is_writing)

    def role_in(scope: Scope) -> Q:
        return effective_role_q(role for role in ROLES if ROLE_MATRIX[role].get(feature) == scope)

    def overrides(owner: str, owner_ref: str, **conditions: bool) -> Exists:
        rows = PermissionOverride.objects.filter(
            entity=definition.entity, feature=definition.name, **{owner: OuterRef(owner_ref)}, **conditions
        )
        return Exists(rows)

    def granted_by(owner: str, owner_ref: str) -> Q:
        national = overrides(owner, owner_ref, allowed=True, national=True)
        local = overrides(owner, owner_ref, allowed=True, national=False)
        return Q(national) | (Q(local) & covered)

    user_override = Q(overrides("user_id", "pk"))
    organization_override = Q(overrides("organization_id", "organization_id"))
    by_role = role_in(Scope.NATIONAL) | (role_in(Scope.LOCAL) & covered)
    return (user_override & granted_by("user_id", "pk")) | (
        ~user_override
        & (
            (organization_override & granted_by("organization_id", "organization_id"))
            | (~organization_override & by_role)
        )
    )


def journal_entry_readers_q(entry: JournalEntryLike) -> Q:
    """Accounts that may read this journal entry: the rule of `can_read_journal_entry` written as a filter on users,
    for the people a notification about the entry may reach. Account status is left to the caller."""
    readers = users_holding_q("shantytown_comment.list", entry.commune)
    if entry.is_public:
        return readers
    addressed = (
        Q(pk__in=[pk for pk in (entry.author_id, *entry.target_user_ids) if pk is not None])
        | Q(organization_id__in=list(entry.target_organization_ids))
        | users_holding_q("shantytown_comment.listPrivate", entry.commune)
    )
    return readers & addressed


def _areas_covering_q(commune: Commune, *, reading: bool) -> Q:
    """Users whose intervention areas (their own when custom, else their organisation's) cover the commune, as
    `Grant.covers_commune` decides: a nation area covers everything; for reading, a commune or EPCI area covers its
    whole département(s) (§A.4 rule 3)."""
    if reading:
        # Around the département, or anywhere inside it.
        covering = located_around_q(commune, whole_departement=True) | located_in_q(
            Territories(departements=frozenset({commune.departement_id}))
        )
    else:
        covering = located_around_q(commune)
    own = InterventionArea.objects.filter(covering, user_id=OuterRef("pk"))
    organization = InterventionArea.objects.filter(covering, organization_id=OuterRef("organization_id"))
    return (Q(use_custom_intervention_area=True) & Q(Exists(own))) | (
        Q(use_custom_intervention_area=False) & Q(Exists(organization))
    )


# ---------------------------------------------------------------------------------------------------------------------
# Predicates
# ---------------------------------------------------------------------------------------------------------------------


def _commune_of(place: "Commune | Located") -> Commune:
    return place if isinstance(place, Commune) else place.commune


def can(
    user: User | AnonymousUser,
    feature: str,
    *,
    commune: "Commune | Located | None" = None,
    departement: "Departement | str | None" = None,
    action: ActionLike | None = None,
) -> bool:
    """Whether the user holds `feature` on the given place or action; with none given, whether he holds it anywhere
    (to show a button or a menu entry). Agrees with the `*_q` filters, which the tests check case by case."""
    grant = resolve(user, feature)
    if commune is not None:
        return grant.covers_commune(_commune_of(commune))
    if departement is not None:
        return grant.covers_departement(departement)
    if action is not None:
        return grant.covers_action(action)
    return grant.anywhere


# Sites — `place` is a site or its commune.


def can_list_sites(user: User | AnonymousUser) -> bool:
    """Whether the user sees sites at all (menu « Sites »): every role does, on its territory at least."""
    return can(user, SITE_READING)


def can_read_site(user: User | AnonymousUser, place: "Commune | Located") -> bool:
    """Whether the user may open the site's page: nationally for admins, correspondents and national actors, else on
    the département of his intervention areas."""
    return can(user, SITE_READING, commune=place)


def can_declare_site(user: User | AnonymousUser, place: "Commune | Located | None" = None) -> bool:
    """Whether the user may declare a site in this commune (or anywhere, without a commune): admins, correspondents,
    institutional partners, and operators with the option « Déclarer des sites », strictly on their own areas."""
    return can(user, "shantytown.create", commune=place)


def can_update_site(user: User | AnonymousUser, place: "Commune | Located") -> bool:
    """Whether the user may update the site's data: admins, correspondents, partners and operators on their own areas;
    never interveners, observers or national actors."""
    return can(user, "shantytown.update", commune=place)


def can_close_site(user: User | AnonymousUser, place: "Commune | Located") -> bool:
    """Whether the user may declare the site closed: admins and correspondents on their areas, partners and operators
    with the option « Fermer des sites »."""
    return can(user, "shantytown.close", commune=place)


def can_fix_site_status(user: User | AnonymousUser, place: "Commune | Located") -> bool:
    """Whether the user may correct the status of a closed site: national admins only."""
    return can(user, "shantytown.fix_status", commune=place)


def can_delete_site(user: User | AnonymousUser, place: "Commune | Located") -> bool:
    """Whether the user may delete a site: national admins only."""
    return can(user, "shantytown.delete", commune=place)


def can_report_site(user: User | AnonymousUser, place: "Commune | Located | None" = None) -> bool:
    """Whether the user may report a site he cannot declare (« Signaler un site ») in this commune (or anywhere,
    without one): every role, nationally for admins, correspondents and national actors, else on the département(s)
    of his intervention areas (§A.5: a local right, widened like every reading feature)."""
    return can(user, "shantytown.report", commune=place)


# §A.3 EXCLUDED_ROLES: the roles that follow no site (« sites suivis »).
NOT_FOLLOWING_ROLES = frozenset({Role.INTERVENER, Role.EXTERNAL_OBSERVER})


def can_follow_sites(user: User | AnonymousUser) -> bool:
    """Whether the user may follow sites (star them, list them on his dashboard): everyone who lists sites but
    interveners and external observers (§A.3). Which sites: those he sees (`Site.objects.visible_to`)."""
    return user.is_authenticated and user.effective_role not in NOT_FOLLOWING_ROLES and can_list_sites(user)


def can_export_sites(user: User | AnonymousUser) -> bool:
    """Whether the user may export sites; the export then holds the sites of `sites_q(user, "shantytown.export")`."""
    return can(user, "shantytown.export")


def can_access_justice(user: User | AnonymousUser, place: "Commune | Located") -> bool:
    """Whether the user sees and enters the site's justice and administrative procedures: admins, correspondents,
    national actors, and partners, operators or interveners with the option « Accéder aux procédures judiciaires »."""
    return can(user, "shantytown_justice.access", commune=place)


def can_access_owners(user: User | AnonymousUser, place: "Commune | Located") -> bool:
    """Whether the user sees and enters the identity of the site's owners: admins and correspondents."""
    return can(user, "shantytown_owner.access", commune=place)


def can_read_journal(user: User | AnonymousUser, place: "Commune | Located") -> bool:
    """Whether the user reads the site's journal (its public messages and those addressed to him)."""
    return can(user, "shantytown_comment.list", commune=place)


def can_post_in_journal(user: User | AnonymousUser, place: "Commune | Located") -> bool:
    """Whether the user may write in the site's journal: every role but external observers, on its own areas."""
    return can(user, "shantytown_comment.create", commune=place)


def can_read_journal_entry(user: User | AnonymousUser, entry: JournalEntryLike) -> bool:
    """Whether the user reads this journal message; same rule as `journal_entries_q`."""
    if not user.is_authenticated or not can_read_journal(user, entry.commune):
        return False
    return _addressed_to(user, entry) or can(user, "shantytown_comment.listPrivate", commune=entry.commune)


def can_moderate_journal(user: User | AnonymousUser, place: "Commune | Located") -> bool:
    """Whether the user may delete someone else's journal message (with a reason): admins, on their areas."""
    return can(user, "shantytown_comment.moderate", commune=place)


def can_export_journal(user: User | AnonymousUser, place: "Commune | Located | None" = None) -> bool:
    """Whether the user may export journal messages (« Exporter les messages des journaux »): admins, on their
    territory; with no place, whether he may export any. The export then holds the messages of
    `sites_q(user, "shantytown_comment.export")` he may read."""
    return can(user, "shantytown_comment.export", commune=place)


def can_see_who_was_notified(user: User | AnonymousUser, place: "Commune | Located") -> bool:
    """Whether the user sees, under each message of the site's journal he reads, who was notified of it and whether
    the email went out (§D.4): the admins of the site's territory — national admins, and local admins on their
    areas — the same people who moderate its journal."""
    return can_moderate_journal(user, place)


def can_edit_journal_entry(user: User | AnonymousUser, entry: JournalEntryLike) -> bool:
    """Whether the user may change the text and tags of this journal message (§D.3): its author only, while he may
    still read it."""
    return user.is_authenticated and entry.author_id == user.pk and can_read_journal_entry(user, entry)


def can_delete_journal_entry(user: User | AnonymousUser, entry: JournalEntryLike) -> bool:
    """Whether the user may delete this journal message (§D.3): its author, or a moderator of the site's journal
    (admins on their areas) — who must then give a reason, sent to the author."""
    if not can_read_journal_entry(user, entry):
        return False
    return entry.author_id == user.pk or can_moderate_journal(user, entry.commune)


def can_join_site_actors(user: User | AnonymousUser, place: "Commune | Located") -> bool:
    """Whether the user may declare himself actor of the site, add someone he knows or invite an address (§C.10
    « Intervenants »): everyone who may read the site."""
    return can_read_site(user, place)


def can_remove_site_actor(
    user: User | AnonymousUser, place: "Commune | Located", *, actor_user_id: int, added_by_id: int | None
) -> bool:
    """Whether the user may take this person off the site's actors (§C.10): the actor himself, the person who added
    him, and the site's moderators — admins on their areas, who already moderate its journal."""
    if not user.is_authenticated or not can_read_site(user, place):
        return False
    return user.pk in (actor_user_id, added_by_id) or can_moderate_journal(user, place)


# Territorial messages (§I.2): one message addressed to the sites of several départements at once.


@dataclass(frozen=True)
class TerritorialReach:
    """The départements a user may address a territorial message to. `by_region` is true when one of his areas is a
    région, whose départements he picks among; the others write to their own département(s)."""

    departements: frozenset[str] = frozenset()
    by_region: bool = False

    def __bool__(self) -> bool:
        return bool(self.departements)


def territorial_message_reach(user: User | AnonymousUser) -> TerritorialReach:
    """Where the user may publish a territorial message (« message territorial », reference §I.2): people who write in
    the sites' journals (`shantytown_comment.create`) on a local territory, to the départements of their intervention
    areas — any département of their région, the département of their commune, those their EPCI overlaps. Nobody at
    the national level (a national grant, or an area « France entière ») publishes one: such a message speaks for a
    territory. External observers, who do not write in journals, publish none."""
    if not user.is_authenticated:
        return TerritorialReach()
    grant = resolve(user, "shantytown_comment.create")
    if not grant.allowed or grant.national:
        return TerritorialReach()
    # The areas widened to whole départements, as for reading: a commune or an EPCI speaks to its département(s).
    areas = _cache(user).context.read_areas
    return TerritorialReach(departements=areas.departements, by_region=bool(areas.regions))


def can_post_territorial_message(user: User | AnonymousUser, departement: "Departement | str | None" = None) -> bool:
    """Whether the user may address a territorial message to this département (or to any, without one); see
    `territorial_message_reach`."""
    reach = territorial_message_reach(user)
    if departement is None:
        return bool(reach)
    code = departement if isinstance(departement, str) else departement.pk
    return code in reach.departements


def can_read_territorial_message(user: User | AnonymousUser, message: TerritorialMessageLike) -> bool:
    """Whether the user reads this territorial message; same rule as `territorial_messages_q`: its author, and whoever
    reads the journals of one of the départements it is addressed to."""
    if not user.is_authenticated:
        return False
    if message.author_id == user.pk:
        return True
    grant = resolve(user, "shantytown_comment.list")
    return any(grant.covers_departement(code) for code in message.departement_codes)


def can_moderate_territorial_message(user: User | AnonymousUser, message: TerritorialMessageLike) -> bool:
    """Whether the user may delete someone else's territorial message, giving a reason: the journals' moderators
    (admins) of every département it is addressed to — a local admin does not remove what was said to others."""
    grant = resolve(user, "shantytown_comment.moderate")
    codes = list(message.departement_codes)
    return bool(codes) and all(grant.covers_departement(code) for code in codes)


def can_delete_territorial_message(user: User | AnonymousUser, message: TerritorialMessageLike) -> bool:
    """Whether the user may delete this territorial message: its author, or a moderator of every département it is
    addressed to (`can_moderate_territorial_message`), among those who read it."""
    if not can_read_territorial_message(user, message):
        return False
    return message.author_id == user.pk or can_moderate_territorial_message(user, message)


# Actions


def can_create_action(user: User | AnonymousUser, departement: "Departement | str | None" = None) -> bool:
    """Whether the user may create an action whose main département is this one (or anywhere, without one)."""
    return can(user, "action.create", departement=departement)


def can_read_action(user: User | AnonymousUser, action: ActionLike) -> bool:
    """Whether the user may open the action: by role and territory, or as a member of a pilot or operator."""
    return can(user, "action.read", action=action)


def can_update_action(user: User | AnonymousUser, action: ActionLike) -> bool:
    """Whether the user may update the action: admins on their territory, members of its pilot or operator
    organisations otherwise."""
    return can(user, "action.update", action=action)


def can_comment_action(user: User | AnonymousUser, action: ActionLike) -> bool:
    """Whether the user may comment the action: admins on their territory, members of its pilot or operator
    organisations otherwise."""
    return can(user, "action_comment.create", action=action)


def can_read_action_journal(user: User | AnonymousUser, action: ActionLike) -> bool:
    """Whether the user reads the action's journal (its public messages and those addressed to him): readers of the
    action by role on its département, and members of its pilot or operator organisations."""
    return can(user, "action_comment.read", action=action)


def can_export_action_journal(user: User | AnonymousUser, action: ActionLike) -> bool:
    """Whether the user may download the action's journal as a spreadsheet (the messages he reads of it): national
    admins on every action, local admins on the actions of their territory; pilots and operators may not."""
    return can(user, "action_comment.export", action=action)


def can_moderate_action_journal(user: User | AnonymousUser, action: ActionLike) -> bool:
    """Whether the user may delete someone else's message in the action's journal (with a reason): the admins who
    moderate the site journals of its département."""
    return can(user, "shantytown_comment.moderate", departement=action.departement_id)


def can_read_action_entry(user: User | AnonymousUser, entry: ActionEntryLike) -> bool:
    """Whether the user reads this message of an action's journal; same rule as `action_entries_q`."""
    if not user.is_authenticated or not can_read_action_journal(user, entry.action):
        return False
    return _addressed_to(user, entry)


def can_edit_action_entry(user: User | AnonymousUser, entry: ActionEntryLike) -> bool:
    """Whether the user may change the text of this message: its author only, while he reads it."""
    return user.is_authenticated and entry.author_id == user.pk and can_read_action_entry(user, entry)


def can_delete_action_entry(user: User | AnonymousUser, entry: ActionEntryLike) -> bool:
    """Whether the user may delete this message: its author, or a moderator of the action's journal (who then gives
    a reason), among those who read it."""
    if not can_read_action_entry(user, entry):
        return False
    return entry.author_id == user.pk or can_moderate_action_journal(user, entry.action)


def can_access_action_finances(user: User | AnonymousUser, action: ActionLike) -> bool:
    """Whether the user sees and enters the action's finances: admins and correspondents on their territory, national
    actors, members of its pilot organisations, and holders of the option « Accéder aux financements des actions »."""
    return can(user, "action_finances.access", action=action)


def action_finance_readers(action: ActionLike, users: QuerySet[User]) -> tuple[list[User], list[str]]:
    """Who reads the action's finances (« lecteurs des financements », §E.3): the accounts among `users` who may open
    the action and hold `action_finances.access` on it — each decided by `can` itself — except those whose role reads
    every action's finances, given as the labels of those roles (the national admins and actors of the whole country
    are not listed one by one). The accounts decided are only those the rule could grant: the roles with a local or
    action-level cell among the areas around the action's département or in its pilot and operator organisations,
    the holders of an option that grants it, and the accounts or organisations with an override of the feature."""
    feature = "action_finances.access"
    national = [role for role in ROLES if ROLE_MATRIX[role].get(feature) == Scope.NATIONAL]
    granting = [role for role in ROLES if ROLE_MATRIX[role].get(feature) in (Scope.LOCAL, Scope.ACTION)]
    optional = [
        role
        for role in ROLES
        if any(any(granted == feature for granted, _ in OPTIONS[option]) for option in ROLE_OPTIONS.get(role, ()))
    ]
    around = InterventionArea.objects.filter(
        located_in_q(Territories(departements=frozenset({action.departement_id})))
        | Q(area_type=AreaType.REGION, region__departements=action.departement_id)
        | Q(area_type=AreaType.NATION)
    )
    in_area = (Q(use_custom_intervention_area=True) & Q(Exists(around.filter(user_id=OuterRef("pk"))))) | (
        Q(use_custom_intervention_area=False) & Q(Exists(around.filter(organization_id=OuterRef("organization_id"))))
    )
    involved = Q(organization_id__in=[*action.manager_organization_ids, *action.operator_organization_ids])
    overridden = PermissionOverride.objects.filter(entity="action_finances", feature="access")
    candidates = users.filter(
        (effective_role_q(granting + optional) & (in_area | involved))
        | Q(pk__in=overridden.filter(user__isnull=False).values("user_id"))
        | Q(organization_id__in=overridden.filter(organization__isnull=False).values("organization_id"))
    ).exclude(effective_role_q(national))
    readers = [
        user
        for user in candidates.select_related("organization").order_by("last_name", "first_name", "pk")
        if can(user, feature, action=action) and can(user, "action.read", action=action)
    ]
    return readers, [ROLE_LABELS[role] for role in national]


def can_export_actions(user: User | AnonymousUser) -> bool:
    """Whether the user may export actions (admins and correspondents)."""
    return can(user, "action.export")


# Accounts, statistics, land registry


def can_list_users(user: User | AnonymousUser) -> bool:
    """Whether the user reaches the account administration pages: admins only."""
    return can(user, "user.list")


def can_manage_user(admin: User | AnonymousUser, target: User, feature: str = "user.activate") -> bool:
    """Whether the admin may act on this account with `feature` (a `user.*` feature): national admins on everyone,
    local admins on accounts whose organisation is located inside their areas — but never on a national admin."""
    if not admin.is_authenticated:
        return False
    if target.is_national_admin and not admin.is_national_admin:
        return False
    return User.objects.filter(visible_users_q(admin, feature), pk=target.pk).exists()


def can_read_stats(user: User | AnonymousUser, departement: "Departement | str | None" = None) -> bool:
    """Whether the user sees the statistics of this département (or any statistics, without one)."""
    return can(user, "stats.read", departement=departement)


def can_access_land_registry(user: User | AnonymousUser, departement: "Departement | str") -> bool:
    """Whether the user may query the land registry (owners' identities, sent by email) on this département."""
    return can(user, "land_registry.access", departement=departement)


def confidential_classes_visible(
    user: User | AnonymousUser,
    *,
    commune: "Commune | Located | None" = None,
    departement: "Departement | str | None" = None,
    action: ActionLike | None = None,
) -> frozenset[ConfidentialData]:
    """The confidential data classes the user may see about this site (`commune`), département or action — for
    serializers, exports and statistics to drop the others. A class whose object is not given is visible only to a
    national grant. `TARGETED_MESSAGES` means every targeted message; messages addressed to the user are always his."""
    if departement is None and commune is not None:
        departement = _commune_of(commune).departement_id
    visible = set()
    for data, rule in CONFIDENTIAL_DATA.items():
        grant = resolve(user, rule.feature)
        target = grant.feature.target
        if target == Target.SITE and commune is not None:
            allowed = grant.covers_commune(_commune_of(commune))
        elif target == Target.SITE and departement is not None:
            allowed = grant.covers_departement(departement)
        elif target == Target.DEPARTEMENT and departement is not None:
            allowed = grant.covers_departement(departement)
        elif target == Target.ACTION and action is not None:
            allowed = grant.covers_action(action)
        else:
            allowed = grant.allowed and grant.national
        if allowed:
            visible.add(data)
    return frozenset(visible)


# ---------------------------------------------------------------------------------------------------------------------
# What a user may do, for the dashboard
# ---------------------------------------------------------------------------------------------------------------------


def _area_owner_q(user: User) -> Q:
    """Custom areas replace the organisation's when the user has them (§A.4)."""
    column, owner_id = _area_owner(user)
    return Q(**{column: owner_id})


def _area_owner(user: User) -> tuple[str, int]:
    """The column of `InterventionArea` and the value `_area_owner_q` filters on."""
    return ("user_id", user.pk) if user.use_custom_intervention_area else ("organization_id", user.organization_id)


# The main area first, then by kind and age: the order in which areas are shown, and the first one is « main ».
_AREA_ORDER = ("-is_main_area", "area_type", "pk")


# The read of `intervention_areas`, compiled once per process (`core.prepared`): the dashboard shows them each time.
_AREAS = PreparedQueries(InterventionArea, size=2)


def intervention_areas(user: User) -> list[InterventionArea]:
    """The areas the user's local grants apply to: his own when he has custom areas, else his organisation's."""
    column, owner_id = _area_owner(user)

    def build(owner: int) -> QuerySet[InterventionArea]:
        return (
            InterventionArea.objects.filter(**{column: owner})
            .select_related("region", "departement", "epci", "commune__departement")
            .order_by(*_AREA_ORDER)
        )

    return _AREAS.fetch(column, build, owner_id)


def has_areas_below_departement(user: User | AnonymousUser) -> bool:
    """Whether some of the areas of `intervention_areas` are intercommunalités or communes. Read from the resolved
    context: no query."""
    if not user.is_authenticated:
        return False
    areas = _cache(user).context.write_areas
    return bool(areas.epcis or areas.communes)


def main_intervention_area(user: User | AnonymousUser) -> tuple[str, str] | None:
    """The user's main intervention area as (area type, territory code — "" for the nation), the first of
    `intervention_areas`; None without any. Read from the resolved context: no query."""
    if not user.is_authenticated:
        return None
    return _cache(user).context.main_area


@dataclass(frozen=True)
class Right:
    label: str
    where: str


def rights_by_entity(user: User) -> list[tuple[str, list[Right]]]:
    """Every feature the user may use, grouped by entity label, each with where in French words."""
    grouped: dict[str, list[Right]] = {}
    for grant in grants(user).values():
        if not grant.anywhere:
            continue
        if grant.national:
            where = "France entière"
        elif grant.areas:
            where = "Vos territoires" + (" et les actions de votre structure" if grant.on_actions else "")
        else:
            where = "Les actions pilotées ou opérées par votre structure"
        grouped.setdefault(ENTITY_LABELS[grant.feature.entity], []).append(Right(grant.feature.label_fr, where))
    return list(grouped.items())


def admins_responsible_for(user: User) -> QuerySet[User]:
    """Who processes this person's access: the active local admins of the département where his organisation is
    (reference §B.3 `getAdminsFor`), or the national admins when that département has none."""
    organization = user.organization
    departements = set(
        Organization.objects.filter(pk=organization.pk).values_list("departement_id", "commune__departement_id")[0]
    ) - {None}
    if organization.epci_id is not None:
        departements |= set(Epci.objects.filter(pk=organization.epci_id).values_list("departements", flat=True))
    return _admins_of(departements, excluded=user)


def admins_responsible_for_departement(code: str, *, excluded: User | None = None) -> QuerySet[User]:
    """Who receives what concerns a département, such as a site reported there (reference §C.11): the same rule as
    `admins_responsible_for` — its active local admins, or the national admins when it has none. `excluded` (the
    person who wrote) never receives his own message."""
    return _admins_of({code}, excluded=excluded)


def _admins_of(departements: set[str], *, excluded: User | None) -> QuerySet[User]:
    active_admins = User.objects.can_sign_in()
    if excluded is not None:
        active_admins = active_admins.exclude(pk=excluded.pk)
    # Local admins of an organisation located at one of the départements or at one of their communes.
    local = active_admins.filter(admin_role=AdminRole.LOCAL_ADMIN).filter(
        located_in_q(Territories(departements=frozenset(departements)), "organization", with_overlapping_epcis=False)
    )
    if departements and local.exists():
        return local
    return active_admins.filter(admin_role=AdminRole.NATIONAL_ADMIN)


# ---------------------------------------------------------------------------------------------------------------------
# Account administration (§A.3, §A.7)
# ---------------------------------------------------------------------------------------------------------------------


def _is_national_admin(user: User | AnonymousUser) -> bool:
    return user.is_authenticated and user.is_national_admin


def manageable_organizations_q(admin: User | AnonymousUser, feature: str = "user.create") -> Q:
    """Organisations whose members the admin may manage with a `user.*` feature (the organisations offered when he
    creates an account): every one for a national scope, else those located inside his areas. Same rule as
    `visible_users_q`, which filters accounts by these organisations."""
    if _feature(feature).target != Target.USER:
        raise ValueError(f"{feature} is not a feature on accounts")
    return organizations_located_q(resolve(admin, feature))


def can_assign_role(admin: User | AnonymousUser, target: User, role: str) -> bool:
    """Whether the admin may give this regular role to the account (reference §A.3): a national admin any role to
    anyone; a local admin only « Intervenant », to accounts of his territory that hold no admin role — the regular
    role of an admin is the national admins' business."""
    if role not in assignable_roles(admin) or not can_manage_user(admin, target, "user.activate"):
        return False
    return _is_national_admin(admin) or not target.is_admin


def can_change_admin_role(admin: User | AnonymousUser, target: User) -> bool:
    """Whether the admin may make the account a local admin, or take that role back: national admins only, and
    never on a national admin (themselves included)."""
    return _is_national_admin(admin) and not target.is_national_admin


def can_set_intervention_areas(admin: User | AnonymousUser, target: User) -> bool:
    """Whether the admin may choose the account's intervention areas: nobody edits his own (reference §A.3); a local
    admin edits those of the accounts of his territory that hold no admin role — an admin's areas are his scope, which
    only national admins change."""
    if not admin.is_authenticated or admin.pk == target.pk:
        return False
    if not can_manage_user(admin, target, "user.activate"):
        return False
    return _is_national_admin(admin) or not target.is_admin


def can_assign_area(admin: User | AnonymousUser, *, area_type: str, territory: Any) -> bool:
    """Whether the admin may give an intervention area on this territory (a Region, Departement, Epci or Commune,
    None for « France entière »): a national admin anywhere; a local admin only inside his own areas — a région,
    département or EPCI he covers whole, or a commune he covers — and never the whole nation."""
    grant = resolve(admin, "user.activate")
    if not grant.allowed:
        return False
    if grant.national:
        return True
    areas = grant.areas
    if area_type == AreaType.REGION:
        return territory.pk in areas.regions
    if area_type == AreaType.DEPARTEMENT:
        return territory.pk in areas.departements
    if area_type == AreaType.EPCI:
        if territory.pk in areas.epcis:
            return True
        departements = set(territory.departements.values_list("code", flat=True))
        return bool(departements) and departements <= areas.departements
    if area_type == AreaType.COMMUNE:
        return grant.covers_commune(territory)
    return False


def can_deactivate_account(admin: User | AnonymousUser, target: User) -> bool:
    """Whether the admin may deactivate or reactivate the account: national admins on anyone, local admins on the
    accounts of their territory but no national admin; never one's own account from the administration pages (a
    person closes his own account in « Mon compte »)."""
    if not admin.is_authenticated or admin.pk == target.pk:
        return False
    return can_manage_user(admin, target, "user.deactivate")


def can_create_organization(user: User | AnonymousUser) -> bool:
    """Whether the user may add an organisation to the platform: national admins only (reference §A.7)."""
    return _is_national_admin(user)


def can_read_email_outbox(user: User | AnonymousUser) -> bool:
    """Whether the user may read every email the platform sent or failed to send, and send a failed one again:
    national admins only — emails hold personal data of every territory."""
    return _is_national_admin(user)


def can_read_signin_log(user: User | AnonymousUser) -> bool:
    """Whether the user may read the sign-in log (addresses, IP addresses, browsers): national admins only
    (reference §B.5, `LogsConnexionView`)."""
    return _is_national_admin(user)
