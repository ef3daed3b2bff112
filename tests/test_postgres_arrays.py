"""newsroom/backends/postgresql/arrays.py: lists become the same array literals as psycopg writes them, only sooner."""

import datetime
import decimal
import uuid

import pytest
from django.db import connection
from django.test import SimpleTestCase, TestCase
from hypothesis import given, settings
from hypothesis import strategies as st

psycopg = pytest.importorskip("psycopg")

from psycopg.adapt import AdaptersMap, Transformer  # noqa: E402 - only with psycopg
from psycopg.types.json import Jsonb  # noqa: E402

from newsroom.backends.postgresql.arrays import QuickListDumper  # noqa: E402


def literals(value):
    """The literal psycopg writes for `value`, and the one QuickListDumper writes."""
    ours = AdaptersMap(psycopg.adapters)
    ours.register_dumper(list, QuickListDumper)
    return Transformer(AdaptersMap(psycopg.adapters)).as_literal(value), Transformer(ours).as_literal(value)


# What needs quoting in an array: quotes, backslashes, braces, commas, white space (Unicode's too), NULL, "".
TRICKY = st.text(alphabet=st.sampled_from(['"', "\\", "{", "}", ",", " ", "\t", "\n", "\u3000", "a", "ب", "N"]))
# PostgreSQL's text holds any character but NUL (and UTF-8 none of the surrogates).
TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00"))
ELEMENTS = st.one_of(st.none(), TEXT, TRICKY, st.sampled_from(["", "NULL", "null", '\\"', "{}"]))


class SameLiteralTests(SimpleTestCase):
    @settings(max_examples=300, deadline=None)
    @given(st.lists(ELEMENTS))
    def test_lists_of_text(self, value):
        psycopgs, ours = literals(value)
        self.assertEqual(ours, psycopgs)

    @settings(max_examples=100, deadline=None)
    @given(st.lists(st.lists(ELEMENTS, min_size=2, max_size=2), min_size=1))
    def test_nested_lists(self, value):
        psycopgs, ours = literals(value)
        self.assertEqual(ours, psycopgs)

    def test_what_bulk_inserts_write(self):
        moment = datetime.datetime(2025, 6, 1, 8, 0, 0, 123456, tzinfo=datetime.UTC)
        for value in [
            [],
            [None, None],
            [1, None, 3],
            [moment, None],
            [datetime.date(2025, 6, 1)],
            [decimal.Decimal("1.50")],
            [True, False],
            [uuid.UUID(int=1)],
            [b'\\"bytes"', None],
            [Jsonb({"headline": 'Sperrfrist "bis 10 Uhr"', "path": "C:\\dpa"}), Jsonb([]), None],
            ['[{"model": "articles.article", "pk": 1, "fields": {"body": "<p class=\\"x\\">"}}]'],
        ]:
            with self.subTest(value=value):
                psycopgs, ours = literals(value)
                self.assertEqual(ours, psycopgs)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
class ConnectionTests(TestCase):
    def test_connections_use_it_and_the_database_reads_back_what_was_written(self):
        connection.ensure_connection()
        self.assertIs(connection.connection.adapters.get_dumper(list, psycopg.adapt.PyFormat.TEXT), QuickListDumper)
        values = ['{"a": "b\\\\c"}', "", "NULL", None, 'x "y" z', "ب ت"]
        with connection.cursor() as cursor:
            cursor.execute("SELECT %s::text[]", [values])
            self.assertEqual(cursor.fetchone()[0], values)
