"""Substring search that stays fast at national scale on PostgreSQL and works unchanged on SQLite.

The lists and pickers search words with `LIKE '%word%'` (`…__contains`) over normalised columns (`Site.search_text`,
`Commune.search_name`). On PostgreSQL, trigram GIN indexes (`pg_trgm`, created by `trigram_index`) serve those
`LIKE`s for words of three letters or more; SQLite, the embedded database of small installations, scans.
docs/decisions/0013-trigram-search.md gives the measurements.
"""

from django.db import migrations


def trigram_index(table: str, column: str, name: str) -> migrations.RunPython:
    """A migration operation creating a trigram GIN index on `table.column` on PostgreSQL, and the `pg_trgm`
    extension (a trusted extension since PostgreSQL 13: the database's owner may create it); nothing elsewhere."""

    def create(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ("{column}" gin_trgm_ops)')

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')

    return migrations.RunPython(create, drop)
