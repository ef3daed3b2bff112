"""
newsroom/backends/postgresql/arrays.py: flat lists of text or integers become array literals PostgreSQL reads as the
same values; every other list becomes the literal psycopg writes, byte for byte; both sooner than psycopg's own.
"""

import datetime
import decimal
import uuid

import pytest
from django.db import connection
from django.test import SimpleTestCase
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

psycopg = pytest.importorskip("psycopg")

from psycopg.adapt import AdaptersMap, PyFormat, Transformer  # noqa: E402 - only with psycopg
from psycopg.types.json import Jsonb  # noqa: E402
from psycopg.types.numeric import Int2  # noqa: E402

from articles.models import Status  # noqa: E402
from newsroom.backends.postgresql.arrays import QuickListDumper  # noqa: E402


def ours():
    adapters = AdaptersMap(psycopg.adapters)
    adapters.register_dumper(list, QuickListDumper)
    return Transformer(adapters)


def literals(value):
    """The literal psycopg writes for `value`, and the one QuickListDumper writes."""
    return Transformer(AdaptersMap(psycopg.adapters)).as_literal(value), ours().as_literal(value)


def read_quoted_array(dumped):
    """
    What PostgreSQL's array input reads from an array of quoted elements and NULLs (`{"a","b\\"c",NULL}`): inside
    quotes a backslash takes the next character as it is, and a quote ends the element.
    """
    text = dumped.decode()
    assert text[0] == "{" and text[-1] == "}", text
    elements, position = [], 1
    while position < len(text) - 1:
        if text.startswith("NULL", position):
            elements.append(None)
            position += 4
        else:
            assert text[position] == '"', text
            position += 1
            element = []
            while text[position] != '"':
                if text[position] == "\\":
                    position += 1
                element.append(text[position])
                position += 1
            elements.append("".join(element))
            position += 1
        assert text[position] in ",}", text
        position += 1
    return elements


# What needs quoting in an array: quotes, backslashes, braces, commas, white space (Unicode's too), NULL, "".
TRICKY = st.text(alphabet=st.sampled_from(['"', "\\", "{", "}", ",", " ", "\t", "\n", "\u3000", "a", "ب", "N"]))
# PostgreSQL's text holds any character but NUL (and UTF-8 none of the surrogates).
TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00"))
TEXT_ELEMENTS = st.one_of(TEXT, TRICKY, st.sampled_from(["", "NULL", "null", '\\"', "{}"]))
ELEMENTS = st.one_of(st.none(), TEXT_ELEMENTS)


class TextAndIntegerTests(SimpleTestCase):
    """The quick path: flat lists of text (every element quoted) with or without NULLs, or of integers."""

    def dumped(self, value):
        return ours().get_dumper(value, PyFormat.TEXT).dump(value)

    @settings(max_examples=300, deadline=None)
    @given(st.lists(TEXT_ELEMENTS, min_size=1))
    def test_text_reads_back_as_the_same_elements(self, value):
        self.assertEqual(read_quoted_array(self.dumped(value)), value)

    @settings(max_examples=300, deadline=None)
    @given(st.lists(ELEMENTS).map(lambda value: [*value, None]))
    def test_text_and_nulls_read_back_as_the_same_elements(self, value):
        self.assertEqual(read_quoted_array(self.dumped(value)), value)

    def test_choices_are_written_as_their_values(self):
        self.assertEqual(self.dumped([Status.PUBLISHED, None, "x"]), b'{"published",NULL,"x"}')
        self.assertEqual(read_quoted_array(self.dumped([Status.DRAFT, Status.PUBLISHED])), ["draft", "published"])

    def test_integers_wrapped_by_django_as_psycopg_writes_them(self):
        psycopgs, quick = literals([Int2(3), Int2(-1)])
        self.assertEqual(quick, psycopgs)

    def test_text_is_quoted_and_escaped(self):
        dumped = self.dumped(['a "b"', "c\\d", "", "NULL", "ب ت"])
        self.assertEqual(dumped, '{"a \\"b\\"","c\\\\d","","NULL","ب ت"}'.encode())

    @settings(max_examples=100, deadline=None)
    @given(st.lists(st.integers(), min_size=1))
    def test_integers_as_psycopg_writes_them(self, value):
        psycopgs, quick = literals(value)
        self.assertEqual(quick, psycopgs)

    def test_nul_is_refused_as_psycopg_refuses_it(self):
        for value in (["a", "b\x00c"], ["a", None, "b\x00c"]):
            with self.subTest(value=value), self.assertRaises(psycopg.DataError):
                self.dumped(value)


class SameLiteralTests(SimpleTestCase):
    """Every other list: psycopg's literal, byte for byte."""

    @settings(max_examples=100, deadline=None)
    @given(st.lists(st.lists(ELEMENTS, min_size=2, max_size=2), min_size=1))
    def test_nested_lists(self, value):
        psycopgs, quick = literals(value)
        self.assertEqual(quick, psycopgs)

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
        ]:
            with self.subTest(value=value):
                psycopgs, quick = literals(value)
                self.assertEqual(quick, psycopgs)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
class ConnectionTests(TestCase):
    def test_connections_use_it_and_the_database_reads_back_what_was_written(self):
        connection.ensure_connection()
        self.assertIs(connection.connection.adapters.get_dumper(list, psycopg.adapt.PyFormat.TEXT), QuickListDumper)
        values = ['{"a": "b\\\\c"}', "", "NULL", None, 'x "y" z', "ب ت"]
        with connection.cursor() as cursor:
            cursor.execute("SELECT %s::text[]", [values])
            self.assertEqual(cursor.fetchone()[0], values)

    @settings(max_examples=100, deadline=None)
    @given(st.lists(ELEMENTS, min_size=1), st.lists(st.integers(-(2**63), 2**63 - 1), min_size=1))
    def test_text_and_integers_read_back_as_written(self, texts, numbers):
        with connection.cursor() as cursor:
            cursor.execute("SELECT %s::text[], %s::bigint[]", [texts, numbers])
            self.assertEqual(cursor.fetchone(), (texts, numbers))
