"""The demo world of `manage.py load_demo_data` for browser tests, loaded for real once per process and replayed after.

Each browser test starts from the migrated database (the flush after a transactional test, then the serialized
rollback); loading the demo world on it costs seconds of CPU (model validation, history rows, the notifications
fanned out on commit), about the same again for every test. The first load in a process runs the command and
records every row it added, changed or deleted, and the emails it sent; later loads, on a database found in exactly
the state the first one started from, write the same rows again (same primary keys, raw inserts: no signal, no
validation, no fan-out, as `loaddata` does) and put the same emails in the outbox. On a database in any other state,
the command runs again.
"""

import copy
from dataclasses import dataclass, field

from django.apps import apps
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models.sql import InsertQuery


@dataclass
class _Recording:
    before: dict[str, dict] = field(default_factory=dict)  # the database the command ran on, model by model
    deleted: dict[str, list] = field(default_factory=dict)  # primary keys, model by model
    written: dict[str, list] = field(default_factory=dict)  # rows added or changed, model by model
    emails: list = field(default_factory=list)


# One recording per process and per transaction mode: inside a test's transaction, the notifications the command
# fans out on commit are never written.
_recordings: dict[bool, _Recording] = {}


def load_demo_world() -> None:
    """What `call_command("load_demo_data")` does to the test database and the outbox."""
    in_transaction = connection.in_atomic_block
    recording = _recordings.get(in_transaction)
    if recording is not None and _rows() == recording.before:
        _replay(recording)
        return
    before = _rows()
    sent = len(mail.outbox) if hasattr(mail, "outbox") else 0
    call_command("load_demo_data", verbosity=0)
    after = _rows()
    _recordings[in_transaction] = _Recording(
        before=before,
        deleted={
            label: [pk for pk in rows if pk not in after.get(label, {})]
            for label, rows in before.items()
            if set(rows) - set(after.get(label, {}))
        },
        written={
            label: [row for pk, row in rows.items() if before.get(label, {}).get(pk) != row]
            for label, rows in after.items()
            if rows != before.get(label)
        },
        emails=list(mail.outbox[sent:]) if hasattr(mail, "outbox") else [],
    )


def _models():
    """Every model with a table of its own in the default database (many-to-many tables and history included)."""
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy and not model._meta.swapped
    ]


def _fields(model):
    return [each for each in model._meta.concrete_fields if not each.generated]


def _rows() -> dict[str, dict]:
    """Each model's rows by primary key, as tuples of its stored fields."""
    rows = {}
    for model in _models():
        attnames = [each.attname for each in _fields(model)]
        pk_index = attnames.index(model._meta.pk.attname)
        rows[model._meta.label] = {row[pk_index]: row for row in model._base_manager.values_list(*attnames)}
    return rows


def _replay(recording: _Recording) -> None:
    with transaction.atomic():  # foreign keys are checked at the end, whatever the order of the tables
        for label, pks in recording.deleted.items():
            apps.get_model(label)._base_manager.filter(pk__in=pks)._raw_delete(connection.alias)
        for label, rows in recording.written.items():
            model = apps.get_model(label)
            # A changed row is written again whole.
            model._base_manager.filter(pk__in=[row[_pk_index(model)] for row in rows])._raw_delete(connection.alias)
            fields = _fields(model)
            objs = [model(**{each.attname: value for each, value in zip(fields, row, strict=True)}) for row in rows]
            batch = connection.ops.bulk_batch_size(fields, objs) or len(objs)
            for start in range(0, len(objs), batch):
                query = InsertQuery(model)
                query.insert_values(fields, objs[start : start + batch], raw=True)  # raw: auto_now fields kept
                query.get_compiler(connection=connection).execute_sql()
    if recording.emails:
        mail.outbox.extend(copy.copy(message) for message in recording.emails)


def _pk_index(model) -> int:
    return [each.attname for each in _fields(model)].index(model._meta.pk.attname)
