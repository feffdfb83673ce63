"""Renders `docs/permissions.md`, the French "qui voit quoi", from the data of `accounts.permissions`.

`manage.py generate_permissions_doc` writes it; `--check` (in `make quality` and the tests) fails when it is stale.
"""

from collections.abc import Iterator

from resorption.accounts.enums import Option, Role
from resorption.accounts.permissions import (
    ACTION_LEVEL_GRANTS,
    ASSIGNABLE_ROLES,
    CONFIDENTIAL_DATA,
    ENTITY_LABELS,
    FEATURES,
    OPTIONS,
    ROLE_LABELS,
    ROLE_MATRIX,
    ROLE_OPTIONS,
    ROLES,
    ActionRole,
    Feature,
    Scope,
)

DOC_PATH = "docs/permissions.md"

_SCOPE_LABELS = {Scope.NATIONAL: "France entière", Scope.LOCAL: "Son territoire"}
# The same, inside a sentence.
_SCOPE_WORDS = {Scope.NATIONAL: "France entière", Scope.LOCAL: "son territoire"}


def _actions_label(feature: Feature) -> str:
    roles = ACTION_LEVEL_GRANTS.get(feature.key, frozenset())
    return "actions pilotées ou opérées" if ActionRole.OPERATOR in roles else "actions pilotées"


def cell(role: str, feature: Feature) -> str:
    """What one role may do with one feature, in words: scope from the role, then what its options add."""
    parts = []
    scope = ROLE_MATRIX[role].get(feature.key)
    if scope == Scope.ACTION:
        parts.append(_actions_label(feature).capitalize())
    elif scope is not None:
        label = _SCOPE_LABELS[scope]
        if scope == Scope.LOCAL and feature.key in ACTION_LEVEL_GRANTS:
            label += f" et {_actions_label(feature)}"
        parts.append(label)
    for option in ROLE_OPTIONS[role]:
        for granted, option_scope in OPTIONS[option]:
            if granted == feature.key:
                with_option = "avec l'option" if parts else "Avec l'option"
                parts.append(f"{with_option} « {Option(option).label} » : {_SCOPE_WORDS[option_scope]}")
    return " ; ".join(parts) if parts else "—"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _matrix() -> Iterator[str]:
    header = ["Fonctionnalité", "Nature", *(ROLE_LABELS[role] for role in ROLES)]
    entity = None
    for feature in FEATURES:
        if feature.entity != entity:
            entity = feature.entity
            yield ""
            yield f"### {ENTITY_LABELS[entity]}"
            yield ""
            yield _row(header)
            yield _row(["---"] * len(header))
        nature = "Écriture" if feature.is_writing else "Lecture"
        yield _row([f"{feature.label_fr} (`{feature.key}`)", nature, *(cell(role, feature) for role in ROLES)])


def _options() -> Iterator[str]:
    yield _row(["Option", "Donne", "Peut être donnée aux rôles"])
    yield _row(["---"] * 3)
    features = {feature.key: feature for feature in FEATURES}
    for option in Option:
        grants = ", ".join(f"{features[key].label_fr} ({_SCOPE_WORDS[scope]})" for key, scope in OPTIONS[option])
        roles = ", ".join(ROLE_LABELS[role] for role in ROLES if option in ROLE_OPTIONS[role]) or "—"
        yield _row([f"{option.label} (`{option.value}`)", grants, roles])


def _confidential() -> Iterator[str]:
    features = {feature.key: feature for feature in FEATURES}
    yield _row(["Donnée", "Permission nécessaire", "Règle"])
    yield _row(["---"] * 3)
    for rule in CONFIDENTIAL_DATA.values():
        yield _row([rule.label_fr, f"{features[rule.feature].label_fr} (`{rule.feature}`)", rule.rule_fr])


def _assignable_roles() -> Iterator[str]:
    for admin_role, roles in ASSIGNABLE_ROLES.items():
        labels = ", ".join(Role(role).label for role in roles) or "aucun"
        yield f"- {ROLE_LABELS[admin_role]} : {labels}."


def render_permissions_doc() -> str:
    lines = [
        "# Qui voit quoi : les permissions de Résorption-bidonvilles",
        "",
        "<!-- Fichier généré par `python manage.py generate_permissions_doc` depuis "
        "`resorption/accounts/permissions.py` : ne pas le modifier à la main. -->",
        "",
        "Chaque utilisateur a un rôle, proposé d'après le type de sa structure. Un rôle d'administration "
        "(administrateur local ou national), quand il existe, remplace ce rôle. Les tableaux ci-dessous disent, pour "
        "chaque rôle, où il peut utiliser chaque fonctionnalité.",
        "",
        "## La règle territoriale",
        "",
        "- **France entière** : partout, sans condition de territoire.",
        "- **Son territoire** : sur les territoires d'intervention de l'utilisateur, c'est-à-dire ceux de sa "
        "structure, ou les siens propres quand des territoires personnalisés lui ont été attribués. Un territoire "
        "« France entière » vaut accès national.",
        "- Pour une fonctionnalité de **lecture**, un territoire commune ou intercommunalité est élargi à tout son "
        "département (à tous ses départements pour une intercommunalité qui en chevauche plusieurs).",
        "- Pour une fonctionnalité d'**écriture**, le territoire s'applique tel quel : une commune (et ses "
        "arrondissements pour Paris, Lyon et Marseille), une intercommunalité (ses communes), un département, une "
        "région (ses départements).",
        "- **Actions pilotées ou opérées** : les membres d'une structure pilote ou opératrice d'une action la "
        "consultent, la mettent à jour et la commentent, où qu'elle soit ; seules les structures pilotes voient ses "
        "financements. Une action est située dans son département principal.",
        "",
        "## Ce que chaque rôle peut faire",
        *_matrix(),
        "",
        "## Options",
        "",
        "Un administrateur peut donner à un utilisateur des options, parmi celles que permet son rôle.",
        "",
        *_options(),
        "",
        "## Exceptions",
        "",
        "Une exception de permission accorde ou retire une fonctionnalité à une structure ou à un utilisateur, sur "
        "ses territoires d'intervention ou sur la France entière. Quand plusieurs règles parlent de la même "
        "fonctionnalité, la première de cette liste l'emporte : exception de l'utilisateur, puis option, puis "
        "exception de la structure, puis rôle.",
        "",
        "## Données confidentielles",
        "",
        "Ces données sont retirées côté serveur des pages, des exports et des statistiques de qui n'a pas la "
        "permission correspondante sur le site, le département ou l'action concernés.",
        "",
        *_confidential(),
        "",
        "## Rôles qu'un administrateur peut attribuer",
        "",
        *_assignable_roles(),
        "",
    ]
    return "\n".join(lines)
