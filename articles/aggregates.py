"""
`JSONRows`: the rows of a subquery as one JSON list, read as a column of the outer query.

A page that shows an article's agencies, categories and corrections, or a picture's renditions, reads them with the
article or the picture instead of one query per relation: on SQLite and PostgreSQL alike, each row a JSON array of
the fields asked for, in the subquery's order.
"""

from django.db.models import JSONField, Subquery
from django.db.models.functions import JSONArray


class JSONRows(Subquery):
    template = "(SELECT COALESCE(JSONB_AGG(rows.item), '[]'::jsonb) FROM (%(subquery)s) rows)"

    def __init__(self, queryset, *fields, limit=None):
        """The rows of `queryset` as JSON arrays of `fields`; only its first `limit` rows when given."""
        rows = queryset.annotate(item=JSONArray(*fields)).values("item")
        super().__init__(rows[:limit] if limit else rows, output_field=JSONField())

    def as_sqlite(self, compiler, connection, **extra_context):
        template = "(SELECT COALESCE(JSON_GROUP_ARRAY(JSON(rows.item)), '[]') FROM (%(subquery)s) rows)"
        return self.as_sql(compiler, connection, template=template, **extra_context)
