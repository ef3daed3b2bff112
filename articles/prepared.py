"""
`PreparedQuery`: a queryset's SQL built by the ORM once per process, then run with other values.

The ORM rebuilds and recompiles a query on every request; for the hottest uncached page (an article) that is most of
the time the request takes (filters over per-language columns, subqueries, joins). A prepared query builds its
queryset once with placeholder values, keeps the SQL and where each placeholder went among its parameters, and
later runs that SQL with the request's values as a raw query: the same rows, the same model instances, none of the
building. Only values that reach the SQL as parameters can be placeholders (not slices, which become literals);
"now" belongs in the SQL (`Now()`), not in a placeholder.
"""

import threading

from django.db import connections


class Placeholder(int):
    """A value no real query uses, recognisable among the compiled parameters."""


class PreparedQuery:
    def __init__(self, build, *names):
        """`build(**placeholders)` returns the queryset; `names` are the placeholders it takes."""
        self.build = build
        self.names = names
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
        return queryset.model, sql, list(params), slots

    def raw(self, using="default", **values):
        """The rows of the query for `values`, as model instances (a RawQuerySet: annotations become attributes)."""
        key = (using, connections[using].vendor)
        prepared = self.prepared.get(key)
        if prepared is None:
            with self.lock:
                prepared = self.prepared.setdefault(key, self.prepare(using))
        model, sql, params, slots = prepared
        bound = [values[slot] if slot is not None else param for param, slot in zip(params, slots, strict=True)]
        return model.objects.raw(sql, bound, using=using)
