"""The registry of notifications: each kind of notification is a declarative class, registered under its `name`.

A class says, and only says:
- `name`: the key stored on events (`NotificationEvent.kind`);
- `category`: the email subscription (`accounts.enums.EmailSubscription`) a person turns off in « Mon compte » to
  stop its emails, or None when it cannot be turned off;
- `email_template`: `emails/<email_template>.txt` (first line « Objet : … ») and `.html`, rendered by the outbox;
- `text_template`: the one line shown in the notification centre;
- `load(object_id)`: the object the event is about, with what the texts need, or None when it is gone (a journal
  message deleted before its event was fanned out is announced to nobody);
- `recipients(users)`: who is told, as a filter on a queryset of active accounts of active organisations, from which
  the author of the action is already removed. The rule must keep only people allowed to read the object. The kinds
  recorded for the activity feed only designate nobody (`catalogue._FeedOnly`);
- `context(obj)` (shared by every recipient), `url(obj)` (the page the in-app notification leads to) and
  `reply_to(obj)`.

`services.event_fan_out` does the rest, the same way for every class: opt-outs, one delivery and one notification per
person, one outbox email per person.
"""

from typing import Any, ClassVar

from django.db.models import QuerySet

from resorption.accounts.enums import EmailSubscription
from resorption.accounts.models import User


class NotificationKind:
    name: ClassVar[str]
    label: ClassVar[str]  # for admins: what this notification is, in French
    category: ClassVar[EmailSubscription | None] = None
    email_template: ClassVar[str]
    text_template: ClassVar[str]

    @classmethod
    def load(cls, object_id: int) -> Any | None:
        raise NotImplementedError

    @classmethod
    def recipients(cls, obj: Any, users: QuerySet[User]) -> QuerySet[User]:
        raise NotImplementedError

    @classmethod
    def context(cls, obj: Any) -> dict[str, Any]:
        """What the email and the in-app text show, the same for every recipient (who is added as `recipient`)."""
        raise NotImplementedError

    @classmethod
    def url(cls, obj: Any) -> str:
        """The page (a path on the platform) the in-app notification leads to."""
        raise NotImplementedError

    @classmethod
    def reply_to(cls, obj: Any) -> list[str]:
        return []


_REGISTRY: dict[str, type[NotificationKind]] = {}


def register(kind: type[NotificationKind]) -> type[NotificationKind]:
    """Class decorator: adds a notification class to the registry under its `name` (once)."""
    if kind.name in _REGISTRY and _REGISTRY[kind.name] is not kind:
        raise ValueError(f"Two notification classes are named {kind.name!r}")
    _REGISTRY[kind.name] = kind
    return kind


def get(name: str) -> type[NotificationKind]:
    """The class registered under `name`; KeyError for an unknown name."""
    _load_catalogue()
    return _REGISTRY[name]


def kinds() -> list[type[NotificationKind]]:
    """Every registered class, in the order they were registered."""
    _load_catalogue()
    return list(_REGISTRY.values())


def _load_catalogue() -> None:
    from resorption.notifications import catalogue  # noqa: F401  (registers the classes; it imports this module)
