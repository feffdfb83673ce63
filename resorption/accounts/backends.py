from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import connections, router
from django.db.models import QuerySet, Subquery
from django.db.models.query import get_related_populators

from resorption.accounts.models import Charter

# Values loaded with the signed-in user in the one query of `get_user`, registered by the apps above accounts (which
# accounts may not import): name → function giving a query expression on the user (e.g. the unread notification
# count of the header's bell). Each request then costs a single query for the user and everything his frame shows.
_USER_ANNOTATIONS: dict[str, Callable[[], Any]] = {}


def register_user_annotation(name: str, expression: Callable[[], Any]) -> None:
    """Loads `expression()` as the attribute `name` of the signed-in user on every request."""
    _USER_ANNOTATIONS[name] = expression
    _SignedInUserQuery.compiled.clear()


def signed_in_user_queryset() -> QuerySet:
    """The signed-in user as every request loads him: his organisation and its type, the current charter version
    (for the charter gate) and the registered annotations, in one query."""
    latest_charter = Charter.objects.order_by("-version").values("version")[:1]
    return (
        get_user_model()
        ._default_manager.select_related("organization__type")
        .annotate(
            current_charter_version=Subquery(latest_charter),
            **{name: expression() for name, expression in _USER_ANNOTATIONS.items()},
        )
    )


class _SignedInUserQuery:
    """`signed_in_user_queryset().get(pk=…)`, compiled to SQL once per process and database, not once per request.

    Building and compiling that queryset (three joined tables, two subqueries) cost more CPU than everything else of
    the signed-in frame together (issue 8, measured with cProfile). The SQL and the way its row becomes objects do
    not change while a process runs, so they are prepared on first use: the queryset is compiled with a sentinel id,
    whose place among the parameters receives the requested id afterwards, and Django's own row converters and
    related-object populators build the user, his organisation and its type from each row. tests/accounts/
    test_backends.py checks that the result equals the ORM's, on SQLite and PostgreSQL.
    """

    SENTINEL_ID = -7_391_826_405
    compiled: dict[str, "_SignedInUserQuery"] = {}

    def __init__(self, using: str):
        queryset = signed_in_user_queryset().using(using).filter(pk=self.SENTINEL_ID)
        compiler = queryset.query.get_compiler(using=using)
        self.sql, params = compiler.as_sql()
        self.params = list(params)
        self.id_position = self.params.index(self.SENTINEL_ID)
        self.using = using
        self.compiler = compiler
        self.converters = compiler.get_converters([column for column, _, _ in compiler.select])
        klass_info = compiler.klass_info
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self.fields = slice(start, end)
        self.init_list = [column.target.attname for column, _, _ in compiler.select[start:end]]
        self.model = klass_info["model"]
        self.fetch_mode = queryset._fetch_mode
        self.populators = get_related_populators(klass_info, compiler.select, using, self.fetch_mode)
        self.annotations = dict(compiler.annotation_col_map)
        if self.fetch_mode.track_peers:  # the populators are shared by every request: they must keep no state
            raise RuntimeError("The signed-in user query needs a fetch mode that keeps no peers.")

    @classmethod
    def get(cls, user_id: Any) -> Any:
        model = get_user_model()
        using = router.db_for_read(model)
        query = cls.compiled.get(using)
        if query is None:
            query = cls.compiled[using] = cls(using)
        return query.load(user_id)

    def load(self, user_id: Any) -> Any:
        params = list(self.params)
        params[self.id_position] = user_id
        with connections[self.using].cursor() as cursor:
            cursor.execute(self.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        if self.converters:
            row = next(iter(self.compiler.apply_converters([row], self.converters)))
        user = self.model.from_db(self.using, self.init_list, row[self.fields], fetch_mode=self.fetch_mode)
        for populator in self.populators:
            populator.populate(row, user)
        for name, position in self.annotations.items():
            setattr(user, name, row[position])
        return user


class EmailBackend(ModelBackend):
    """Email + password. Only active users of an active organisation may sign in (reference §B.5)."""

    def authenticate(self, request, username=None, password=None, email=None, **kwargs):
        email = (email or username or "").strip().lower()
        return super().authenticate(request, username=email, password=password, **kwargs)

    def user_can_authenticate(self, user):
        return user.can_sign_in

    def get_user(self, user_id):
        """Loads the signed-in user on each request, bringing the current charter version and the registered
        annotations in the same query (`signed_in_user_queryset`, compiled once: `_SignedInUserQuery`).

        The charter gate (AccountGateMiddleware) compares the version with the one the user accepted; reading it here
        saves a query on every page without the staleness of a cache shared between processes.
        """
        try:
            user_id = int(user_id)
        except (TypeError, ValueError):
            return None
        user = _SignedInUserQuery.get(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
