"""
`PreparedQuery`: a queryset's SQL built by the ORM once per process, then run with other values.

The ORM rebuilds and recompiles a query on every request; for the hottest uncached page (an article) that is most of
the time the request takes (filters over per-language columns, subqueries, joins). A prepared query builds its
queryset once with placeholder values, keeps the SQL and where each placeholder went among its parameters, and
later runs that SQL with the request's values and builds the instances itself, as the ORM's own iterator does: the
same rows, the same model instances, none of the building (nor a raw queryset's column mapping per request). Only
values that reach the SQL as parameters can be placeholders (not slices, which become literals); "now" belongs in
the SQL (`Now()`), not in a placeholder.
"""

import re
import threading
from dataclasses import dataclass

from django.db import connections

from articles.models.querysets import from_row


class Placeholder(int):
    """A value no real query uses, recognisable among the compiled parameters."""


@dataclass(frozen=True)
class Prepared:
    model: type
    sql: str
    params: list
    slots: list  # per parameter, the placeholder's name, or None for a value of the query's own
    names: list | None  # per parameter, its name in the SQL (`%(p0)s`), or None where parameters are `%s`
    field_names: list  # the model's columns read, and where each is in the row
    field_positions: list
    annotations: dict  # annotation name -> position in the row
    converters: list  # (position, converters, expression): what the ORM applies to values as read


class PreparedQuery:
    def __init__(self, build, *names, display=False):
        """
        `build(**placeholders)` returns the queryset; `names` are the placeholders it takes. With `display`, the
        instance is built as a display object (`from_row`: no constructor, no init signals), for a page that shows
        it and never saves it.
        """
        self.build = build
        self.names = names
        self.display = display
        self.prepared = {}
        self.lock = threading.Lock()

    def prepare(self, alias):
        placeholders = {name: Placeholder(-7_000_000_000 - index) for index, name in enumerate(self.names)}
        queryset = self.build(**placeholders)
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        by_value = {value: name for name, value in placeholders.items()}
        slots = [by_value.get(param) if isinstance(param, int) else None for param in params]
        missing = set(self.names) - set(slots)
        if missing:
            raise ValueError(f"placeholders that did not reach the SQL as parameters: {sorted(missing)}")
        names = None
        if connections[alias].vendor == "sqlite":
            sql, params, slots = inline_constants(sql, params, slots)
            sql, names = named_parameters(sql)
        if compiler.klass_info.get("related_klass_infos"):
            raise ValueError("select_related is not supported by a prepared query")
        expressions = [expression for expression, _sql, _alias in compiler.select]
        converters = compiler.get_converters(expressions)
        return Prepared(
            model=queryset.model,
            sql=sql,
            params=list(params),
            slots=slots,
            names=names,
            field_names=[expressions[index].target.attname for index in compiler.klass_info["select_fields"]],
            field_positions=list(compiler.klass_info["select_fields"]),
            annotations=dict(compiler.annotation_col_map),
            converters=[(position, convs, expression) for position, (convs, expression) in converters.items()],
        )

    def get(self, using="default", **values):
        """The first instance the query finds for `values`, with its annotations as attributes; None if none."""
        # Looked up once: each lookup of a connection goes through a thread- and task-local.
        connection = connections[using]
        key = (using, connection.vendor)
        prepared = self.prepared.get(key)
        if prepared is None:
            with self.lock:
                prepared = self.prepared.setdefault(key, self.prepare(using))
        bound = [
            values[slot] if slot is not None else param
            for param, slot in zip(prepared.params, prepared.slots, strict=True)
        ]
        if prepared.names is not None:
            bound = dict(zip(prepared.names, bound, strict=True))
        with connection.cursor() as cursor:
            cursor.execute(prepared.sql, bound)
            row = cursor.fetchone()
        if row is None:
            return None
        row = list(row)
        for position, convs, expression in prepared.converters:
            for converter in convs:
                row[position] = converter(row[position], expression, connection)
        fields = [row[position] for position in prepared.field_positions]
        if self.display:
            instance = from_row(prepared.model, dict(zip(prepared.field_names, fields, strict=True)))
            instance._state.db = using
        else:
            instance = prepared.model.from_db(using, prepared.field_names, fields)
        for name, position in prepared.annotations.items():
            setattr(instance, name, row[position])
        return instance


# A parameter as the SQLite backend finds it (`%%` is a literal percent sign).
PARAMETER = re.compile(r"(?<!%)%s")


def inline_constants(sql, params, slots):
    """
    The query with its own text constants (a status, a language code: never a placeholder, never a request's value)
    written into the SQL as literals. SQLite plans a statement again at every run when a bound value could decide
    whether a partial index applies, and the published indexes are partial on the status: with the status bound,
    planning was two thirds of the article query's time.
    """
    pieces = PARAMETER.split(sql)
    text, kept_params, kept_slots = [pieces[0]], [], []
    for param, slot, piece in zip(params, slots, pieces[1:], strict=True):
        if slot is None and isinstance(param, str):
            literal = str.__str__(param).replace("'", "''").replace("%", "%%")
            text.append(f"'{literal}'")
        else:
            text.append("%s")
            kept_params.append(param)
            kept_slots.append(slot)
        text.append(piece)
    return "".join(text), kept_params, kept_slots


def named_parameters(sql):
    """
    The query with its parameters named (`%(p0)s`...), and their names. Django's SQLite backend turns `%s` into `?`
    with a regular expression over the whole text at every run (the article query is some 5 kB), and named ones with
    a plain `%` formatting, several times faster.
    """
    pieces = PARAMETER.split(sql)
    names = [f"p{index}" for index in range(len(pieces) - 1)]
    text = [pieces[0]]
    for name, piece in zip(names, pieces[1:], strict=True):
        text.append(f"%({name})s")
        text.append(piece)
    return "".join(text), names
