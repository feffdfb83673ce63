from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Subquery

from resorption.accounts.enums import UserStatus
from resorption.accounts.models import Charter


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
                .annotate(current_charter_version=Subquery(latest_charter))
                .get(pk=user_id)
            )
        except UserModel.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
