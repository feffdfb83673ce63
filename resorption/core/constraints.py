"""A model's check constraints validated in one query.

Django validates each `CheckConstraint` with its own query (`Q.check`: a `SELECT` of the instance's values filtered
by the condition). A site has some fifty of them: validating a declaration or an update cost about fifty round trips
and as many queries built (about 100 ms on SQLite and PostgreSQL, measured on 4 December 2026). `violated_checks`
asks the same question of every condition at once, one boolean column each, in one `SELECT` without a table, with
Django's own reading of a condition: the instance's values as the condition's fields (`_get_field_expression_map`,
what `CheckConstraint.validate` uses), and a condition that is unknown (NULL) does not fail, as in the database.
tests/core/test_constraints.py checks that it finds the violations Django's validation finds.
"""

from collections.abc import Iterable, Mapping
from contextlib import nullcontext

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.models import BooleanField, CheckConstraint, ExpressionWrapper, Model, Q, Value
from django.db.models.constraints import BaseConstraint
from django.db.models.functions import Coalesce
from django.db.models.sql import Query
from django.db.models.sql.constants import SINGLE


def violated_checks(
    instance: Model, constraints: Iterable[BaseConstraint], *, using: str = DEFAULT_DB_ALIAS
) -> list[CheckConstraint]:
    """The check constraints among `constraints` that the instance's values violate, in their order (one query for
    all; the other kinds of constraints are left to the caller). Should the database refuse the query, each
    constraint is validated by Django, one query each."""
    checks = [constraint for constraint in constraints if isinstance(constraint, CheckConstraint)]
    if not checks:
        return []
    connection = connections[using]
    against = instance._get_field_expression_map(meta=instance._meta)
    query = Query(None)
    for name, value in against.items():
        query.add_annotation(value if hasattr(value, "resolve_expression") else Value(value), name, select=False)
    for index, check in enumerate(checks):
        condition = Q(check.condition)
        if connection.features.supports_comparing_boolean_expr:
            # A check constraint does not fail when its condition is unknown.
            held = Coalesce(condition, Value(True), output_field=BooleanField())
        else:
            held = ExpressionWrapper(condition, output_field=BooleanField())
        query.add_annotation(held, f"check_{index}")
    atomic = transaction.atomic(using=using) if connection.in_atomic_block else nullcontext()
    try:
        with atomic:
            row = query.get_compiler(using=using).execute_sql(SINGLE)
    except DatabaseError:
        return [check for check in checks if _violated(check, instance, using)]
    return [check for check, held in zip(checks, row, strict=True) if not held]


def _violated(check: CheckConstraint, instance: Model, using: str) -> bool:
    try:
        check.validate(type(instance), instance, using=using)
    except ValidationError:
        return True
    return False


def constraint_errors(
    instance: Model, *, fields: Mapping[str, str] | None = None, using: str = DEFAULT_DB_ALIAS
) -> dict[str, list[str]]:
    """The messages of the constraints of the instance's model that its values violate, keyed by the form field
    `fields` gives each constraint's name (Django puts them all on top: `NON_FIELD_ERRORS`), in the constraints'
    order: the check constraints in one query (`violated_checks`), the others by Django."""
    fields = fields or {}
    constraints = instance._meta.constraints
    violated = {check.name for check in violated_checks(instance, constraints, using=using)}
    errors: dict[str, list[str]] = {}
    for constraint in constraints:
        messages: list[str] = []
        if isinstance(constraint, CheckConstraint):
            if constraint.name in violated:
                messages = [constraint.get_violation_error_message()]
        else:
            try:
                constraint.validate(type(instance), instance, using=using)
            except ValidationError as error:
                messages = error.messages
        if messages:
            errors.setdefault(fields.get(constraint.name, NON_FIELD_ERRORS), []).extend(messages)
    return errors
