"""Hot querysets whose SQL is built once per process, then run with new values.

Django builds a queryset's SQL again on every evaluation. For the public session page's row
(series joined, every translated column) that costs about 2.5 ms of CPU, against 0.17 ms to send
the finished statement and read its row (measured, bench data, PostgreSQL): the page's two
queries were about 40 % of an uncached session page, and the registration view's session row and
address check about 14 % of a registration (py-spy). A `CompiledQuery` builds the queryset once
per database, language and shape (below), with a marker in place of each value,
remembers the statement, the position of each marker among its parameters and Django's compiler
(which knows the columns, their converters and how rows become model instances), and afterwards
only runs the statement. Rows become instances as `QuerySet` makes them: converters,
`Model.from_db()`, `select_related()` objects, `annotate()`d values.

Parameters are plain `str` and `int` values, compared as they are (a slug, a primary key), and
aware `datetime`s (as the database stores them). Anything else that shapes the statement (a
page's bounds, which Django writes into the SQL) is passed as a keyword that `parameters` does not
name: it is handed to `build` as it is and is part of the key, so the caller keeps its variety
small. When a queryset cannot be compiled this way (a marker missing or repeated), every call
builds it through the ORM instead, which stays right.
"""

import dataclasses
import datetime as dt
import functools
import threading
from collections.abc import Callable
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators
from django.utils.translation import get_language

# Values no slug or id takes: where one appears among a compiled statement's parameters, the
# caller's value goes.
_MARKERS: dict[type, Callable[[int], Any]] = {
    str: lambda index: f"\x00decoded-compiled-parameter-{index}\x00",
    int: lambda index: -7_300_000_000_000 - index,
    dt.datetime: lambda index: dt.datetime(1901, 2, 3, 4, 5, 6, 789_012 - index, tzinfo=dt.UTC),
}


def _adapt(value: Any, connection) -> Any:
    """A value as the compiled statement's parameters hold it (what the field's
    get_db_prep_value() gives for these types)."""
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


# Statements kept per CompiledQuery (databases × languages × shapes); beyond it, each new key is
# compiled for its call and not kept.
MAX_STATEMENTS = 256


@dataclasses.dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    positions: dict[str, int]  # parameter name → index in params
    col_count: int
    converters: list  # (column index, (converters, expression)), as SQLCompiler.apply_converters takes them
    init_list: list[str]  # the model's attribute names, in the row's order
    start: int  # where the model's columns are in the row
    end: int
    from_db: Callable
    populators: list  # select_related() objects (RelatedPopulator, stateless once built)
    annotations: list[tuple[str, int]]  # annotate()d values: (attribute, column index)


class CompiledQuery:
    """`build(**values)` returns the queryset; `run(**values)` its instances, as a list.

    `parameters` names each value and its type: `CompiledQuery(lambda slug: Model.objects.filter(
    slug=slug), slug=str)`. Other keywords of `run()` shape the statement (see above).
    """

    def __init__(self, build: Callable[..., QuerySet], **parameters: type) -> None:
        unsupported = {name: kind for name, kind in parameters.items() if kind not in _MARKERS}
        if unsupported:
            raise TypeError(f"only str, int and datetime parameters can be compiled, not {unsupported}")
        self.build = build
        self.parameters = parameters
        self._model: type[Model] | None = None
        self._compiled: dict[tuple, _Compiled | None] = {}
        self._lock = threading.Lock()

    def run(self, **values: Any) -> list[Model]:
        shape = {name: value for name, value in values.items() if name not in self.parameters}
        for name, kind in self.parameters.items():
            value = values[name]
            if type(value) is not kind or (kind is dt.datetime and value.tzinfo is None):
                raise TypeError(f"{name} must be {kind.__name__} (aware), not {value!r}")
        if self._model is None:
            self._model = self._build_marked(shape).model
        db = router.db_for_read(self._model)
        # All that decides the statement: the database, the active language (modeltranslation
        # may rewrite lookups per language) and the shape.
        key = (db, connections[db].vendor, get_language(), *sorted(shape.items()))
        compiled = self._compiled.get(key, False)
        if compiled is False:
            compiled = self._compile(self._build_marked(shape), connections[db])
            with self._lock:
                if len(self._compiled) < MAX_STATEMENTS:  # a safety net: shapes are the caller's to bound
                    self._compiled[key] = compiled
        if compiled is None:
            return list(self.build(**values))
        return _execute(compiled, db, [values[name] for name in compiled.positions])

    def first(self, **values: Any) -> Model | None:
        rows = self.run(**values)
        return rows[0] if rows else None

    def _markers(self) -> dict[str, Any]:
        """Each parameter's marker: distinct, also between parameters of one type."""
        return {name: _MARKERS[kind](index) for index, (name, kind) in enumerate(self.parameters.items())}

    def _build_marked(self, shape: dict[str, Any]) -> QuerySet:
        return self.build(**self._markers(), **shape)

    def _compile(self, queryset: QuerySet, connection) -> _Compiled | None:
        """What running `queryset` needs, or None when it must go through the ORM every time."""
        fetch_mode = queryset._fetch_mode
        if queryset._known_related_objects or fetch_mode.track_peers:
            return None  # what ModelIterable does for these is not repeated here
        compiler = queryset.query.get_compiler(using=queryset.db)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return None
        positions = {}
        for name, raw_marker in self._markers().items():
            marker = _adapt(raw_marker, connection)
            found = [index for index, value in enumerate(params) if type(value) is type(marker) and value == marker]
            if len(found) != 1:
                return None
            positions[name] = found[0]
        select, klass_info = compiler.select, compiler.klass_info
        columns = [column for column, _sql, _alias in select[: compiler.col_count]]
        if compiler.has_composite_fields(columns):
            return None
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        return _Compiled(
            sql=sql,
            params=tuple(params),
            positions=positions,
            col_count=compiler.col_count,
            converters=list(compiler.get_converters(columns).items()),
            init_list=[column[0].target.attname for column in select[start:end]],
            start=start,
            end=end,
            from_db=functools.partial(klass_info["model"].from_db, fetch_mode=fetch_mode),
            populators=get_related_populators(klass_info, select, queryset.db, fetch_mode),
            annotations=list((compiler.annotation_col_map or {}).items()),
        )


def _execute(compiled: _Compiled, db: str, values: list) -> list[Model]:
    """The statement's rows as instances, as ModelIterable makes them."""
    connection = connections[db]
    params = list(compiled.params)
    for index, value in zip(compiled.positions.values(), values, strict=True):
        params[index] = _adapt(value, connection)
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, params)
        rows = cursor.fetchall()
    instances = []
    for raw in rows:
        row = list(raw[: compiled.col_count])
        for position, (converters, expression) in compiled.converters:
            value = row[position]
            for converter in converters:
                value = converter(value, expression, connection)
            row[position] = value
        instance = compiled.from_db(db, compiled.init_list, row[compiled.start : compiled.end])
        for populator in compiled.populators:
            populator.populate(row, instance)
        for name, position in compiled.annotations:
            setattr(instance, name, row[position])
        instances.append(instance)
    return instances
