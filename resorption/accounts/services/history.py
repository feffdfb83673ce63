from resorption.accounts.enums import AccountEventKind
from resorption.accounts.models import AccountEvent, User


def account_event_record(*, user: User, actor: User | None, kind: AccountEventKind, detail: str = "") -> AccountEvent:
    """Add a line to the account's history (who did what, when), shown on the admin page."""
    return AccountEvent.objects.create(user=user, actor=actor, kind=kind, detail=detail)
