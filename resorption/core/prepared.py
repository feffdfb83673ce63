"""Querysets compiled to SQL once per process instead of once per request (issue 8, « Fast pages »).

Building a queryset and compiling it to SQL costs Django more CPU than the database spends answering the hot pages'
queries: the site page spent about a third of its CPU in `compiler.as_sql` (cProfile). For a query whose shape never
changes while a process runs — the signed-in user, a site by its id for users who see the same sites, a site's
actors, its latest messages for one reader — the SQL is the same every time except for a few values. A
`PreparedQuery` compiles the queryset once with a sentinel in place of each value, remembers where each sentinel
lands among the parameters, and then runs the stored SQL with the request's values, building the objects with
Django's own row converters and related-object populators (as `ModelIterable` does).

`PreparedQueries` keeps the compiled queries of one shape by key, a bounded number per process. **The key must name
everything the queryset depends on besides the values** (the database alias is added to it): two requests with the
same key get the same SQL. tests/core/test_prepared.py checks the objects equal the ORM's on SQLite and PostgreSQL.

A prepared query gives model instances, or plain rows for a `values()` / `values_list()` queryset (dicts, tuples or,
with `flat=True`, single values), converted as Django converts them. A query whose number of values varies — an
`IN` over the ids of a page — is prepared for a fixed number of holes by `padded`, which fills the list up with an id
no row has.

What is not prepared: `prefetch_related` lookups run after the main query, through Django as usual; querysets with
`select_for_update`, `values_list(named=True)`, `union` or `extra()`-style SQL are refused rather than half supported.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable
from typing import Any

from django.apps import apps
from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import Model, QuerySet, prefetch_related_objects
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesIterable,
    ValuesListIterable,
    get_related_populators,
)

# Values no filter of ours uses, one per hole (hole i is FIRST_SENTINEL - i): positive and within the range of a
# 32-bit integer column, since Django turns a comparison with a value outside a column's range into « no rows » or
# « every row » instead of a parameter. Holes go on integer (or text) columns, not on small-integer ones.
FIRST_SENTINEL = 2_091_826_405


# What `padded` fills a list of ids up with: no row has it (ids start at 1).
NO_ID = 0
# The plain rows a prepared query may give, by the iterable class of its queryset.
_ROW_SHAPES = {ValuesIterable: "dicts", ValuesListIterable: "tuples", FlatValuesListIterable: "flat"}


def sentinels(count: int) -> tuple[int, ...]:
    return tuple(FIRST_SENTINEL - index for index in range(count))


def padded(ids: Collection[int], size: int) -> tuple[int, ...]:
    """`ids` filled up to `size` values with `NO_ID`, for a query prepared with `size` holes in an `IN (…)`: the same
    SQL whatever the number of ids, up to `size`."""
    if len(ids) > size:
        raise ValueError(f"{len(ids)} ids given, at most {size} expected.")
    return (*ids, *(NO_ID,) * (size - len(ids)))


class PreparedQuery[M: Model]:
    """One queryset, compiled once: `fetch(*values)` runs it with `values` in place of the sentinels it was built
    with (`sentinels(n)`) and returns the model instances, with their `select_related` objects, annotations and
    prefetches — or, for a `values()` / `values_list()` queryset, its rows as the ORM gives them."""

    def __init__(self, queryset: QuerySet[M], holes: int):
        iterable = queryset._iterable_class
        if iterable is not ModelIterable and iterable not in _ROW_SHAPES:
            raise ValueError(
                "Only querysets of model instances or of plain values can be prepared (no values_list(named=True))."
            )
        if queryset.query.select_for_update or queryset.query.combinator or queryset._known_related_objects:
            raise ValueError("This queryset cannot be prepared: it locks rows, combines queries or is a relation's.")
        self.using = queryset.db
        self.holes = holes
        self.sliced = queryset.query.is_sliced
        compiler = queryset.query.get_compiler(using=self.using)
        try:
            self.sql, params = compiler.as_sql()
        except EmptyResultSet:  # a filter that nothing can match (`pk__in=[]`): no query, no rows
            self.sql = None
            return
        self.params = list(params)
        self.positions: list[list[int]] = []
        for sentinel in sentinels(holes):
            if str(sentinel) in self.sql:
                raise ValueError(f"The sentinel {sentinel} was written into the SQL instead of passed as a parameter.")
            # A text column (a commune's INSEE code) receives the sentinel as text.
            where = [index for index, value in enumerate(self.params) if value == sentinel or value == str(sentinel)]
            if not where:
                raise ValueError(f"The sentinel {sentinel} is not among the query's parameters.")
            self.positions.append(where)
        self.compiler = compiler
        self.rows = _ROW_SHAPES.get(iterable)
        if self.rows is not None:
            # As the values iterables read them: the columns asked for (not those added for the ordering), converted.
            self.columns = compiler.col_count
            self.converters = compiler.get_converters([column for column, _, _ in compiler.select[: self.columns]])
            query = queryset.query
            self.names = (
                list(query.selected)
                if query.selected
                else [*query.extra_select, *query.values_select, *query.annotation_select]
            )
            self.prefetches = ()
            return
        self.converters = compiler.get_converters([column for column, _, _ in compiler.select])
        klass_info = compiler.klass_info
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self.fields = slice(start, end)
        self.init_list = [column.target.attname for column, _, _ in compiler.select[start:end]]
        self.model = klass_info["model"]
        self.fetch_mode = queryset._fetch_mode
        if self.fetch_mode.track_peers:  # the populators are shared by every request: they must keep no state
            raise ValueError("A prepared query needs a fetch mode that keeps no peers.")
        self.populators = get_related_populators(klass_info, compiler.select, self.using, self.fetch_mode)
        self.annotations = list(compiler.annotation_col_map.items())
        self.prefetches = tuple(queryset._prefetch_related_lookups)

    def _params(self, values: tuple) -> list:
        if len(values) != self.holes:
            raise TypeError(f"This query takes {self.holes} values, not {len(values)}.")
        if self.sql is None:
            return []
        params = list(self.params)
        for value, where in zip(values, self.positions, strict=True):
            for index in where:
                params[index] = value
        return params

    def count(self, *values: Any) -> int:
        """How many rows `fetch(*values)` gives, counted by the database over the stored SQL (prepare a lean
        queryset for counting — `order_by()`, `values_list("pk")` — rather than a page's)."""
        params = self._params(values)
        if self.sql is None:
            return 0
        with connections[self.using].cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({self.sql}) AS prepared_count", params)
            return cursor.fetchone()[0]

    def fetch(self, *values: Any, window: tuple[int, int] | None = None) -> list[Any]:
        """The rows for `values`; `window=(offset, limit)` keeps `limit` rows from the `offset`-th (a page), for a
        queryset that is not sliced itself."""
        params = self._params(values)
        if self.sql is None:
            return []
        sql = self.sql
        if window is not None:
            if self.sliced:
                raise ValueError("This query is sliced already: it takes no window.")
            offset, limit = window
            sql += " LIMIT %s OFFSET %s"
            params += [limit, offset]
        with connections[self.using].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if self.rows is not None:
            return self._plain(rows)
        if self.converters:
            rows = list(self.compiler.apply_converters(rows, self.converters))
        objects = []
        for row in rows:
            obj = self.model.from_db(self.using, self.init_list, row[self.fields], fetch_mode=self.fetch_mode)
            for populator in self.populators:
                populator.populate(row, obj)
            for name, position in self.annotations:
                setattr(obj, name, row[position])
            objects.append(obj)
        if self.prefetches and objects:
            prefetch_related_objects(objects, *self.prefetches)
        return objects

    def _plain(self, rows: list[tuple]) -> list[Any]:
        if len(rows) and len(rows[0]) > self.columns:
            rows = [row[: self.columns] for row in rows]
        if self.converters:
            rows = [tuple(row) for row in self.compiler.apply_converters(rows, self.converters)]
        if self.rows == "flat":
            return [row[0] for row in rows]
        if self.rows == "dicts":
            names = self.names
            return [dict(zip(names, row, strict=True)) for row in rows]
        return list(rows)


class PreparedQueries[M: Model]:
    """The prepared queries of one shape by key (at most `size` per process, the least recently used dropped first).

    `fetch(key, build, *values)`: `build(*sentinels)` makes the queryset the first time a key is seen on a database;
    afterwards the stored SQL runs with `values`. `build` must give the same queryset for the same key."""

    def __init__(self, model: type[M] | str, *, size: int = 512):
        self._model = model  # or its label ("accounts.User"), for modules imported before the apps are ready
        self.size = size
        self._queries: OrderedDict[Hashable, PreparedQuery[M]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def model(self) -> type[M]:
        if isinstance(self._model, str):
            self._model = apps.get_model(self._model)
        return self._model

    def fetch(self, key: Hashable, build: Callable[..., QuerySet[M]], *values: Any) -> list[Any]:
        return self.query(key, build, len(values)).fetch(*values)

    def query(self, key: Hashable, build: Callable[..., QuerySet[M]], holes: int) -> PreparedQuery[M]:
        """The prepared query of `key` (built by `build(*sentinels(holes))` the first time), to `fetch` or `count`."""
        using = router.db_for_read(self.model)
        full_key = (using, key)
        with self._lock:
            query = self._queries.get(full_key)
            if query is not None:
                self._queries.move_to_end(full_key)
        if query is None:
            queryset = build(*sentinels(holes)).using(using)
            if queryset.model is not self.model:
                raise TypeError(f"{self.model.__name__} queries were asked, {queryset.model.__name__} built.")
            query = PreparedQuery(queryset, holes)
            with self._lock:
                self._queries[full_key] = query
                while len(self._queries) > self.size:
                    self._queries.popitem(last=False)
        return query

    def clear(self) -> None:
        with self._lock:
            self._queries.clear()

    def __len__(self) -> int:
        return len(self._queries)
