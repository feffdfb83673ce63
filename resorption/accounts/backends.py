from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import QuerySet, Subquery

from resorption.accounts.models import Charter
from resorption.core.prepared import PreparedQueries

# Values loaded with the signed-in user in the one query of `get_user`, registered by the apps above accounts (which
# accounts may not import): name → function giving a query expression on the user (e.g. the unread notification
# count of the header's bell). Each request then costs a single query for the user and everything his frame shows.
_USER_ANNOTATIONS: dict[str, Callable[[], Any]] = {}


def register_user_annotation(name: str, expression: Callable[[], Any]) -> None:
    """Loads `expression()` as the attribute `name` of the signed-in user on every request."""
    _USER_ANNOTATIONS[name] = expression
    _SIGNED_IN_USER.clear()


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


# `signed_in_user_queryset().get(pk=…)`, compiled to SQL once per process and database, not once per request:
# building and compiling that queryset (three joined tables, two subqueries) cost more CPU than everything else of the
# signed-in frame together (issue 8, measured with cProfile). tests/accounts/test_backends.py checks that the result
# equals the ORM's, on SQLite and PostgreSQL.
_SIGNED_IN_USER = PreparedQueries(settings.AUTH_USER_MODEL, size=4)


def _signed_in_user(user_id: int) -> Any:
    found = _SIGNED_IN_USER.fetch(
        tuple(_USER_ANNOTATIONS), lambda user_id: signed_in_user_queryset().filter(pk=user_id), user_id
    )
    return found[0] if found else None


class EmailBackend(ModelBackend):
    """Email + password. Only active users of an active organisation may sign in (reference §B.5)."""

    def authenticate(self, request, username=None, password=None, email=None, **kwargs):
        email = (email or username or "").strip().lower()
        return super().authenticate(request, username=email, password=password, **kwargs)

    def user_can_authenticate(self, user):
        return user.can_sign_in

    def get_user(self, user_id):
        """Loads the signed-in user on each request, bringing the current charter version and the registered
        annotations in the same query (`signed_in_user_queryset`, compiled once: `_SIGNED_IN_USER`).

        The charter gate (AccountGateMiddleware) compares the version with the one the user accepted; reading it here
        saves a query on every page without the staleness of a cache shared between processes.
        """
        try:
            user_id = int(user_id)
        except (TypeError, ValueError):
            return None
        user = _signed_in_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
