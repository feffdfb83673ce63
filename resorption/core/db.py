"""Database helpers shared by the apps."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps

from django.db import DEFAULT_DB_ALIAS, connections


@contextmanager
def planned_for_their_values(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Queries run inside are planned for their values each time, never prepared.

    On PostgreSQL the platform prepares the statements it runs often (settings: `DATABASE_PREPARED_STATEMENTS`), and
    a prepared statement may settle on one generic plan for every value. That is right for `WHERE id = $1`, wrong when
    the best plan depends on the value: a word search (`LIKE '%word%'`) matching 5 sites or 5,000 needs different
    plans (docs/decisions/0013-trigram-search.md). Nothing changes on other databases.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    with connection.execute_wrapper(_unprepared):
        yield


def _unprepared(execute, sql, params, many, context):
    if many:
        return execute(sql, params, many, context)
    wrapper = context["cursor"]
    wrapper.db.validate_no_broken_transaction()
    with wrapper.db.wrap_database_errors:
        return wrapper.cursor.execute(sql, params, prepare=False)


def searches_planned_for_their_words(view: Callable) -> Callable:
    """A view decorator: when the request searches words (`q`), its queries are `planned_for_their_values` — a rare
    word and a common one need other plans."""

    @wraps(view)
    def planned(request, *args, **kwargs):
        if request.GET.get("q", "").strip():
            with planned_for_their_values():
                return view(request, *args, **kwargs)
        return view(request, *args, **kwargs)

    return planned
