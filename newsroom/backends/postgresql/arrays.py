"""
Lists written as array literals with the quoting done by
`bytes.replace` rather than psycopg's regular expression.

Django 5.2 inserts many rows at once as one array per column (`UNNEST`), and the client-side cursor Django uses
writes each array as text. psycopg escapes every double quote and backslash of each element through `re.sub` with a
group template, which Python 3.11 expands in Python for every match: the JSON of an import's revisions and wire
copies is full of double quotes, and this took about an eighth of a first import's time. The literal written is the
same, byte for byte (tests/test_postgres_arrays.py compares the two).
"""

from psycopg.types.array import ListDumper


class QuickListDumper(ListDumper):
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
