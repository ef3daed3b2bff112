"""
Search over articles in Arabic and German.

Arabic is normalised the same way when text is indexed and when a reader types a query: hamza forms of alef become
bare alef, taa marbuta becomes haa, alef maqsura becomes yaa, and diacritics and tatweel go, so `الرقه` finds `الرقة`.
"""

import re
import unicodedata

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, Q

from . import languages

MAX_QUERY_LENGTH = 200

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


def normalize(text):
    """Fold `text` for matching: Arabic letter variants and marks, case, and Unicode compatibility forms."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = ARABIC_DIACRITICS.sub("", text).replace(TATWEEL, "")
    text = text.translate(ARABIC_LETTER_MAP)
    return " ".join(text.casefold().split())


def search_articles(queryset, query, language):
    """
    `queryset` narrowed to articles whose `language` version matches `query`, best match first.

    Both sides are folded by `normalize`: the stored search documents at save time, the query here. PostgreSQL
    ranks with full-text search in the language's configuration; other databases match every word as a substring.
    """
    query = normalize(query)[:MAX_QUERY_LENGTH]
    terms = query.split()
    if not terms:
        return queryset.none()
    document = languages.field("search_document", language)
    published_at = F(languages.field("published_at", language)).desc(nulls_last=True)
    if connection.vendor == "postgresql":
        config = languages.get(language).search_config
        vector = SearchVector(document, config=config)
        search_query = SearchQuery(query, config=config, search_type="websearch")
        return (
            queryset.annotate(search_vector=vector, rank=SearchRank(vector, search_query))
            .filter(search_vector=search_query)
            .order_by("-rank", published_at, "-pk")
        )
    condition = Q()
    for term in terms:
        condition &= Q(**{f"{document}__contains": term})
    return queryset.filter(condition).order_by(published_at, "-pk")
