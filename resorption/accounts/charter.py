"""The charter gate (reference §B.7): a signed-in user must accept the latest charter before using the platform."""

from resorption.accounts.models import Charter, User


def current_charter() -> Charter | None:
    return Charter.objects.order_by("-version").first()


def current_charter_version(user: User | None = None) -> int | None:
    """The latest charter version, or None when no charter is published.

    A user loaded by `EmailBackend.get_user` carries it (`current_charter_version` annotation): no query then.
    """
    if user is not None and hasattr(user, "current_charter_version"):
        return user.current_charter_version
    return Charter.objects.order_by("-version").values_list("version", flat=True).first()


def is_up_to_date(user: User) -> bool:
    """True when there is no charter yet or the user accepted its latest version."""
    version = current_charter_version(user)
    return version is None or user.charter_version_accepted == version
