from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Subquery

from resorption.accounts.enums import UserStatus
from resorption.accounts.models import Charter

# Values loaded with the signed-in user in the one query of `get_user`, registered by the apps above accounts (which
# accounts may not import): name → function giving a query expression on the user (e.g. the unread notification
# count of the header's bell). Each request then costs a single query for the user and everything his frame shows.
_USER_ANNOTATIONS: dict[str, Callable[[], Any]] = {}


def register_user_annotation(name: str, expression: Callable[[], Any]) -> None:
    """Loads `expression()` as the attribute `name` of the signed-in user on every request."""
    _USER_ANNOTATIONS[name] = expression


class EmailBackend(ModelBackend):
    """Email + password. Only active users of an active organisation may sign in (reference §B.5)."""

    def authenticate(self, request, username=None, password=None, email=None, **kwargs):
        email = (email or username or "").strip().lower()
        return super().authenticate(request, username=email, password=password, **kwargs)

    def user_can_authenticate(self, user):
        return user.status == UserStatus.ACTIVE and user.organization.active

    def get_user(self, user_id):
        """Loads the signed-in user on each request, bringing the current charter version in the same query.

        The charter gate (AccountGateMiddleware) compares it with the version the user accepted; reading it here
        saves a query on every page without the staleness of a cache shared between processes.
        """
        UserModel = get_user_model()
        latest_charter = Charter.objects.order_by("-version").values("version")[:1]
        try:
            user = (
                UserModel._default_manager.select_related("organization__type")
                .annotate(
                    current_charter_version=Subquery(latest_charter),
                    **{name: expression() for name, expression in _USER_ANNOTATIONS.items()},
                )
                .get(pk=user_id)
            )
        except UserModel.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
