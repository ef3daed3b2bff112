"""
Lists written as array literals without psycopg's work per element.

Django 5.2 inserts many rows at once as one array per column (`UNNEST`), and the client-side cursor Django uses
writes each array as text. psycopg dumps each element on its own, looks at it with a regular expression to decide
whether it needs quotes, and escapes the double quotes and backslashes of those that do through `re.sub` with a
group template, which Python 3.11 expands in Python for every match. An import writes about a hundred such arrays per
file of fifty items (the JSON of its revisions and wire copies is full of double quotes), and this took about a
tenth of a first import's time.

A flat list of text (with or without NULLs), or of integers, is written here in a few operations on the whole list:
text elements always in double quotes (PostgreSQL reads a quoted element as the same text as a bare one, so quoting
every element is simply safe), integers bare. Anything else (nested lists, dates, JSON) keeps psycopg's own
element-by-element path, with its escaping done by `bytes.replace`, which writes the same literal as psycopg, byte
for byte.
tests/test_postgres_arrays.py checks both: the same values read back from PostgreSQL, and psycopg's literal where
the general path is used.
"""

from psycopg.types.array import ListDumper

NONE = type(None)


class QuickListDumper(ListDumper):
    def dump(self, obj):
        if obj and self.delimiter == b",":
            kinds = set(map(type, obj))
            if all(issubclass(kind, str) for kind in kinds - {NONE}):  # text (choices are text too), or NULLs
                # PostgreSQL's text cannot hold NUL: psycopg's own path refuses such an element with its error.
                if (literal := self.text_literal(obj, NONE in kinds)) is not None:
                    return literal.encode(self.encoding())
            elif all(issubclass(kind, int) and not issubclass(kind, bool) for kind in kinds):
                return b"{" + ",".join(map(str, obj)).encode() + b"}"
        return super().dump(obj)

    @staticmethod
    def text_literal(obj, nulls):
        """The array literal of text elements and NULLs, or None if an element holds NUL."""
        if not nulls:
            # The whole list escaped at once: elements joined by NUL, which no element can hold.
            escaped = "\x00".join(obj).replace("\\", "\\\\").replace('"', '\\"')
            if escaped.count("\x00") != len(obj) - 1:
                return None
            return '{"' + escaped.replace("\x00", '","') + '"}'
        elements = [
            "NULL" if item is None else '"' + item.replace("\\", "\\\\").replace('"', '\\"') + '"' for item in obj
        ]
        literal = "{" + ",".join(elements) + "}"
        return None if "\x00" in literal else literal

    def encoding(self):
        """The connection's, as psycopg's text dumpers encode (an ASCII connection takes UTF-8)."""
        encoding = self.connection.info.encoding if self.connection is not None else "utf-8"
        return "utf-8" if encoding == "ascii" else encoding

    def _dump_list(self, obj, tokens, needs_quotes):
        # psycopg's own `ListDumper._dump_list`, the escaping apart; if a psycopg release stops calling it, lists
        # are dumped by psycopg's code again: slower, never different.
        if not obj:
            tokens.append(b"{}")
            return
        dump = self.sub_dumper.dump if self.sub_dumper else self._dump_item
        delimiter = self.delimiter
        tokens.append(b"{")
        for item in obj:
            if item is None:
                tokens.append(b"NULL")
            elif isinstance(item, list):
                self._dump_list(item, tokens, needs_quotes)
            elif (dumped := dump(item)) is None:
                tokens.append(b"NULL")
            else:
                if needs_quotes(dumped):
                    dumped = b'"' + bytes(dumped).replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
                tokens.append(dumped)
            tokens.append(delimiter)
        tokens[-1] = b"}"
