"""One way in per protected object (STYLE.md, issue 9 item 3): views, services, commands and every other module of
the project fetch a site, a journal entry, a territorial message or an account by its id only through the `access_*`
functions (`resorption/accounts/access.py`, `resorption/settlements/access.py`, `resorption/journal/access.py`).

The check reads the source (its syntax tree): it flags `get_object_or_404(...)` / `get_list_or_404(...)`, a query
started from a protected model's manager (`Site.objects…`) that calls `.get(`, `.in_bulk(` or filters on the id
(`.filter(pk=…)`), and a `.get(pk=…)` on any queryset whose model it cannot tell (a function's
result, a related manager: `entries_for(user, site).get(pk=…)`). Names are followed through imports (`import … as`)
and local assignments (`readable = JournalEntry.objects…; readable.get(…)`). A justified exception goes in
`ALLOWED`, with its reason; an exception that no longer matches anything fails too, so that the list stays short.
"""

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "resorption"

# The protected models, by the name code uses for them, and the model each name must be (pinned below).
PROTECTED_MODELS = {
    "Site": "settlements.Site",
    "JournalEntry": "journal.JournalEntry",
    "TerritorialMessage": "journal.TerritorialMessage",
    "User": "accounts.User",
    "Action": "actions.Action",
    "ActionEntry": "actions.ActionEntry",
}
# The modules allowed to fetch them: the access functions, and the permission engine that they apply.
ACCESS_MODULES = {
    "resorption/accounts/access.py",
    "resorption/settlements/access.py",
    "resorption/journal/access.py",
    "resorption/actions/access.py",
    "resorption/accounts/permissions.py",
}
# Justified exceptions: (module, function) → why this fetch cannot hand a user something he may not see.
ALLOWED: dict[tuple[str, str], str] = {
    ("resorption/accounts/services/retention.py", "_inactive_user_alert"): (
        "A scheduled job's compare-and-set on the account it is processing (no user request)."
    ),
    ("resorption/accounts/services/retention.py", "_inactive_user_deactivate"): (
        "A scheduled job's compare-and-set on the account it is processing (no user request)."
    ),
    ("resorption/accounts/services/retention.py", "user_anonymize"): (
        "Marks the account being anonymised, once, by a conditional update (scheduled job or the person himself)."
    ),
    ("resorption/notifications/catalogue.py", "load"): (
        "The notification task loads the object its event recorded; who is told is then the kind's recipients rule "
        "(site_readers_q, journal_entry_readers_q…), never the person who caused the event."
    ),
    ("resorption/notifications/digest.py", "unsubscribe_target"): (
        "The account is named by a signed one-click unsubscribe token, which only the platform can write."
    ),
    ("resorption/settlements/services.py", "_normalized"): (
        "Resolves the id of a site's foreign key sent by the form, the commune (a public territory), not a site."
    ),
}

SHORTCUTS = {"get_object_or_404", "get_list_or_404"}
MANAGERS = {"objects", "_default_manager", "_base_manager"}
# One object by its id. Filters on a set of ids (`pk__in`) select among what a query already allows, and
# `.exclude(pk=…)` (« everyone but me ») fetches nothing.
ID_KEYWORDS = {"pk", "id", "pk__exact", "id__exact"}
FETCHING_METHODS = {"get", "in_bulk"}
FILTERING_METHODS = {"filter", "get"}


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    function: str
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} in {self.function}(): {self.what}"


class _Unknown:
    """The root of a query whose model the check cannot tell (a function's result, a parameter, a related manager)."""


UNKNOWN = _Unknown()


class _Checker(ast.NodeVisitor):
    def __init__(self, path: str):
        self.path = path
        self.aliases: dict[str, str] = {}  # local name → imported name (`from … import Site as S`: S → Site)
        self.scopes: list[dict[str, ast.expr]] = [{}]  # per function: variable → the expression last assigned to it
        self.functions: list[str] = []
        self.violations: list[Violation] = []

    # Names -----------------------------------------------------------------------------------------------------------

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            self.aliases[alias.asname or alias.name] = alias.name

    def _model(self, name: str) -> str:
        return self.aliases.get(name, name)

    def _assigned(self, name: str) -> ast.expr | None:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return None

    def _root(self, node: ast.expr, seen: frozenset[str] = frozenset()) -> str | _Unknown:
        """The model a query expression starts from (`Site` for `Site.objects.visible_to(u).filter(…)`), or UNKNOWN."""
        while True:
            if isinstance(node, ast.Call):
                if isinstance(node.func, ast.Name) and node.func.id == "get_user_model":
                    return "User"
                if not isinstance(node.func, ast.Attribute):
                    return UNKNOWN
                node = node.func.value
            elif isinstance(node, ast.Attribute):
                if node.attr in MANAGERS:
                    if isinstance(node.value, ast.Name):
                        return self._model(node.value.id)
                    return self._root(node.value, seen)
                node = node.value
            elif isinstance(node, ast.Name):
                assigned = self._assigned(node.id)
                if assigned is None or node.id in seen:
                    return UNKNOWN
                return self._root(assigned, seen | {node.id})
            else:
                return UNKNOWN

    # Scopes ----------------------------------------------------------------------------------------------------------

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.functions.append(node.name)
        self.scopes.append({})
        self.generic_visit(node)
        self.scopes.pop()
        self.functions.pop()

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def visit_Assign(self, node: ast.Assign) -> None:
        self.generic_visit(node)
        for target in node.targets:
            if isinstance(target, ast.Name):
                self.scopes[-1][target.id] = node.value

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.generic_visit(node)
        if isinstance(node.target, ast.Name) and node.value is not None:
            self.scopes[-1][node.target.id] = node.value

    # Fetches ---------------------------------------------------------------------------------------------------------

    def visit_Call(self, node: ast.Call) -> None:
        self.generic_visit(node)
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name in SHORTCUTS:
            self._flag(node, f"{name}(…): fetch through an access_* function")
            return
        if not isinstance(func, ast.Attribute):
            return
        by_id = any(keyword.arg in ID_KEYWORDS for keyword in node.keywords)
        if name not in FETCHING_METHODS and not (name in FILTERING_METHODS and by_id):
            return
        root = self._root(func.value)
        if isinstance(root, str) and root in PROTECTED_MODELS:
            self._flag(node, f"{root}.objects….{name}(…): fetch a {root} through its access_* function")
        elif root is UNKNOWN and name == "get" and by_id:
            self._flag(node, "….get(pk=…) on a queryset: fetch protected objects through an access_* function")

    def _flag(self, node: ast.Call, what: str) -> None:
        function = self.functions[-1] if self.functions else "<module>"
        self.violations.append(Violation(self.path, node.lineno, function, what))


def violations_in(source: str, path: str = "<snippet>") -> list[Violation]:
    """The direct fetches of protected objects in this source, allowed or not."""
    checker = _Checker(path)
    checker.visit(ast.parse(source))
    return checker.violations


def project_modules() -> list[Path]:
    return sorted(
        module
        for module in PACKAGE.rglob("*.py")
        if "migrations" not in module.parts and str(module.relative_to(ROOT)) not in ACCESS_MODULES
    )


def project_violations() -> list[Violation]:
    found = []
    for module in project_modules():
        found += violations_in(module.read_text(encoding="utf-8"), str(module.relative_to(ROOT)))
    return found


# ---------------------------------------------------------------------------------------------------------------------
# The project
# ---------------------------------------------------------------------------------------------------------------------


def test_no_module_fetches_a_protected_object_outside_the_access_functions():
    unexplained = [
        violation for violation in project_violations() if (violation.path, violation.function) not in ALLOWED
    ]
    assert unexplained == [], "\n".join(str(violation) for violation in unexplained)


def test_every_allowed_exception_is_still_needed_and_explained():
    used = {(violation.path, violation.function) for violation in project_violations()}
    assert set(ALLOWED) <= used, set(ALLOWED) - used
    assert all(reason.strip() for reason in ALLOWED.values())


def test_the_check_reads_views_services_and_commands():
    scanned = {str(module.relative_to(ROOT)) for module in project_modules()}
    # Written out, not derived: the kinds of modules the rule is about must stay in the scan.
    for expected in (
        "resorption/settlements/views/detail.py",
        "resorption/journal/views.py",
        "resorption/journal/views_territorial.py",
        "resorption/accounts/views/administration.py",
        "resorption/settlements/services.py",
        "resorption/journal/services.py",
        "resorption/accounts/services/administration.py",
        "resorption/accounts/management/commands/check_inactive_users.py",
    ):
        assert expected in scanned
    assert not scanned & ACCESS_MODULES


def test_the_protected_names_are_the_protected_models():
    for name, label in PROTECTED_MODELS.items():
        assert apps.get_model(label).__name__ == name


# ---------------------------------------------------------------------------------------------------------------------
# The check itself, on planted sources
# ---------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "def view(request, pk):\n    return get_object_or_404(Site, pk=pk)\n",
        "def view(request, pk):\n    return shortcuts.get_object_or_404(Site.objects.visible_to(request), pk=pk)\n",
        "def view(request, pk):\n    return Site.objects.get(pk=pk)\n",
        "def view(user, pk):\n    return Site.objects.visible_to(user).select_related('commune').get(pk=pk)\n",
        "def service(*, user, site_id):\n    return Site.objects.select_for_update().filter(pk=site_id).first()\n",
        "def service(*, user, ids):\n    return JournalEntry.objects.in_bulk(ids)\n",
        "def service(*, user, pk):\n    return TerritorialMessage.objects.filter(id=pk, deleted_at=None).exists()\n",
        "def service(*, pk):\n    return get_user_model().objects.get(email='a@b.fr')\n",
        "from resorption.settlements.models import Site as Camp\ndef view(pk):\n    return Camp.objects.get(pk=pk)\n",
        "def view(pk):\n    sites = Site.objects.filter(status='open')\n    return sites.get(pk=pk)\n",
        "def view(pk):\n    return User._default_manager.filter(pk=pk).first()\n",
        "def view(request, site, pk):\n    return services.entries_for(request.user, site).get(pk=pk)\n",
        "def view(site, pk):\n    return site.journal_entries.get(id=pk)\n",
    ],
)
def test_a_planted_fetch_is_reported(source):
    found = violations_in(source)
    assert len(found) == 1, found
    assert found[0].function in {"view", "service"}


@pytest.mark.parametrize(
    "source",
    [
        "def view(request, pk):\n    return access_site(request.user, pk, queryset=Site.objects.with_list_data())\n",
        "def view(request):\n    return Site.objects.visible_to(request.user).filter(status='open')\n",
        "def view(request):\n    return request.GET.get('pk')\n",
        "def view(request, pk):\n    return Notification.objects.get(pk=pk, user=request.user)\n",
        "def view(code):\n    return Departement.objects.filter(pk=code).first()\n",
        "def view(site):\n    return site.owners.filter(name='x')\n",
        "def view(values):\n    return values.get('pk', 0)\n",
        "def view(request, ids):\n    return Site.objects.visible_to(request.user).filter(pk__in=ids)\n",
        "def view(request):\n    return User.objects.exclude(pk=request.user.pk)\n",
    ],
)
def test_a_source_without_direct_fetch_is_not_reported(source):
    assert violations_in(source) == []


def test_the_report_names_the_module_line_and_function():
    source = "import x\n\n\ndef detail(request, pk):\n    return get_object_or_404(Site, pk=pk)\n"

    (violation,) = violations_in(source, "resorption/settlements/views/detail.py")

    assert str(violation).startswith("resorption/settlements/views/detail.py:5 in detail(): get_object_or_404")
