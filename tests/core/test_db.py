"""Prepared statements on PostgreSQL, and the queries kept out of them (resorption/core/db.py)."""

import pytest
from django.db import connection

from resorption.core.db import planned_for_their_values

pytestmark = pytest.mark.django_db

RUNS = 8  # more than psycopg's prepare threshold (5, config/settings/base.py)


def _run(sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        for value in range(RUNS):
            cursor.execute(sql, [value])
        return cursor.fetchall()


def _prepared(marker: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return any(marker in statement for (statement,) in cursor.fetchall())


def test_a_query_run_often_is_prepared_on_postgresql_unless_planned_for_its_values():
    often = "SELECT %s + 1 AS often_run"
    each_time = "SELECT %s + 2 AS planned_each_time"

    assert _run(often) == [(RUNS,)]
    with planned_for_their_values():
        assert _run(each_time) == [(RUNS + 1,)]

    if connection.vendor == "postgresql":
        assert _prepared("often_run")
        assert not _prepared("planned_each_time")
    else:  # SQLite prepares nothing server-side: the context changes nothing, the queries ran above
        assert connection.vendor == "sqlite"


def test_database_errors_inside_keep_their_django_type():
    from django.db import OperationalError, ProgrammingError

    with pytest.raises((ProgrammingError, OperationalError)), planned_for_their_values():
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table_here WHERE 1 = %s", [1])


@pytest.mark.parametrize("url", ["/sites/", "/sites/imprimer/", "/territoires/recherche/"])
def test_word_searches_are_never_prepared(client, url):
    from tests.accounts.factories import UserFactory
    from tests.settlements.factories import SiteFactory

    SiteFactory(address="12 rue des Lilas 33000 Bordeaux")
    client.force_login(UserFactory())
    for _ in range(RUNS):
        assert client.get(url, {"q": "lilas"}).status_code == 200

    if connection.vendor == "postgresql":
        assert not _prepared("LIKE")
    else:
        assert connection.vendor == "sqlite"
