"""
Search over articles in each publishing language.

Text is normalised the same way when it is indexed and when a reader types a query: hamza forms of alef become bare
alef, taa marbuta becomes haa, alef maqsura becomes yaa, diacritics and tatweel go (`الرقه` finds `الرقة`), and German
umlauts and sharp s are spelt out (`Oeffnungszeiten` finds `Öffnungszeiten`, `Strasse` finds `Straße`).

On PostgreSQL each language version's normalised text is also stored as a `tsvector` in that language's text search
configuration (a generated column with a GIN index), so a query looks matches up in the index instead of reading
every article, and only a bounded set of the newest matches is ranked: a common word costs what a rare one does.
"""

import functools
import operator
import re
import unicodedata

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection, models
from django.db.models import F, Func, Q, TextField

from . import languages, sanitizer

MAX_QUERY_LENGTH = 200
# How many of the newest matches are ranked; more would cost a reader's request time in proportion to the archive.
RANKED_CANDIDATES = 500

ARABIC_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
TATWEEL = "\u0640"
ARABIC_LETTER_MAP = str.maketrans(
    {
        "\u0623": "\u0627",  # أ -> ا
        "\u0625": "\u0627",  # إ -> ا
        "\u0622": "\u0627",  # آ -> ا
        "\u0671": "\u0627",  # ٱ -> ا
        "\u0629": "\u0647",  # ة -> ه
        "\u0649": "\u064a",  # ى -> ي
        "\u0624": "\u0648",  # ؤ -> و
        "\u0626": "\u064a",  # ئ -> ي
    }
)


# After case folding (which already spells ß as ss): the spellings German writes without umlauts.
GERMAN_LETTER_MAP = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})


def normalize(text):
    """Fold `text` for matching: Arabic letter variants and marks, case, umlauts, Unicode compatibility forms."""
    if not text:
        return ""
    # A NUL is no text (PostgreSQL refuses it in a query); a search typed with one means the words around it.
    text = unicodedata.normalize("NFKC", text).replace("\x00", " ")
    text = ARABIC_DIACRITICS.sub("", text).replace(TATWEEL, "")
    text = text.translate(ARABIC_LETTER_MAP)
    return " ".join(text.casefold().translate(GERMAN_LETTER_MAP).split())


def document(headline, teaser, body):
    """
    One language version's search document: its headline, teaser and (sanitized) body as text, folded by
    `normalize`. What an article stores on every save, and what migration 0008 rebuilt for articles saved before.
    """
    texts = (sanitizer.text_of(headline), sanitizer.text_of(teaser), sanitizer.body_text(body))
    return " ".join(normalize(text) for text in texts)


class StoredSearchVector(SearchVector):
    """The expression of a language's generated search column: its tsvector on PostgreSQL, nothing elsewhere."""

    def as_sqlite(self, compiler, connection, **extra_context):
        return "NULL", []


class Folded(Func):
    """
    `normalize` in SQL, for a generated column: the same folding of Arabic letters and marks, case, umlauts and
    sharp s (NFKC, then the marks dropped, the letter variants mapped, lower case, the German spellings), so a
    query folded in Python matches text folded by the database.
    """

    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.get_source_expressions()[0])
        sql = f"regexp_replace(normalize(COALESCE({sql}, ''), NFKC), %s, '', 'g')"
        params = [*params, f"[{ARABIC_DIACRITICS.pattern[1:-1]}{TATWEEL}]"]
        letters = ARABIC_LETTER_MAP
        sql = f"lower(translate({sql}, %s, %s))"
        params += ["".join(map(chr, letters)), "".join(letters.values())]
        for letter, spelling in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
            sql = f"replace({sql}, %s, %s)"
            params += [letter, spelling]
        return sql, params

    def as_sqlite(self, compiler, connection, **extra_context):
        return "NULL", []


class StoredVectorField(models.GeneratedField):
    """
    A stored generated tsvector column that inserts do not read back. Django returns every generated column of each
    row it inserts (an import's articles fifty at a time, four vectors each, a whole body's among them), and nothing
    reads a vector in Python: searches read them in SQL. The column is GeneratedField's, the name migrations keep.
    """

    db_returning = False

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.GeneratedField", args, kwargs


class SearchVectorIndex(GinIndex):
    """A GIN index on PostgreSQL; elsewhere a plain index, since the column it covers stays empty there."""

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor != "postgresql":
            return models.Index.create_sql(self, model, schema_editor, using=using, **kwargs)
        return super().create_sql(model, schema_editor, using=using, **kwargs)


def vector_field(language):
    """The generated column of one language's search vector (see `Article`)."""
    return languages.field("search_vector", language)


def headline_vector_field(language):
    """The generated column of one language's folded headline as a search vector (the editors' search)."""
    return languages.field("headline_vector", language)


WORD = re.compile(r"\w+")


def editor_search(queryset, query):
    """
    The admin's search, each part answered by an index: an exact short code or source identifier, or every word
    of `query` as the start of a word in the headline, in any language. On SQLite (development) the words are
    matched as substrings of the folded texts instead.
    """
    text = query.strip()[:MAX_QUERY_LENGTH]
    if not text:
        return queryset
    condition = Q(short_code__in={text, text.upper()}) | Q(source_identifier=text)
    words = WORD.findall(normalize(text))
    for language in languages.all_languages() if words else ():
        if connection.vendor == "postgresql":
            prefixes = " & ".join(f"{word}:*" for word in words)
            lookup = {
                headline_vector_field(language.code): SearchQuery(
                    prefixes, config=language.search_config, search_type="raw"
                )
            }
            condition |= Q(**lookup)
        else:
            document = language.field("search_document")
            condition |= functools.reduce(operator.and_, (Q(**{f"{document}__contains": word}) for word in words))
    return queryset.filter(condition)


def search_articles(queryset, query, language):
    """
    `queryset` narrowed to the newest `RANKED_CANDIDATES` articles whose `language` version matches `query`, best
    match first.

    PostgreSQL finds the matches in the language's GIN index and ranks them by relevance; other databases (SQLite in
    development) match every word as a substring and keep them newest first.
    """
    query = normalize(query)[:MAX_QUERY_LENGTH]
    if not query.split():
        return queryset.none()
    newest_first = (f"-{languages.field('published_at', language)}", "-pk")
    if connection.vendor == "postgresql":
        search_query = SearchQuery(query, config=languages.get(language).search_config, search_type="websearch")
        vector = vector_field(language)
        matches = queryset.filter(**{vector: search_query})
        ranking = (SearchRank(F(vector), search_query).desc(), *newest_first)
    else:
        document = languages.field("search_document", language)
        matches = queryset.filter(*(Q(**{f"{document}__contains": term}) for term in query.split()))
        ranking = newest_first
    candidates = matches.order_by(*newest_first).values("pk")[:RANKED_CANDIDATES]
    return queryset.model.objects.filter(pk__in=candidates).order_by(*ranking)
