"""
The translation desk: which language versions wait for a translation or have a source that changed since they were
translated, what a version looks like beside its source paragraph by paragraph, and what changed in the source.

What a version was translated from is `articles.models.TranslationSource`; this module reads it for the desk and
starts one from the article's other language version.
"""

from itertools import zip_longest

from django.db.models import Q
from django.utils.translation import gettext
from reversion.models import Version

from articles import languages, sanitizer
from articles.models import Article, TranslationSource

from . import revisions

FIELDS = [("headline", "headline"), ("teaser", "teaser"), ("body", "body")]


def start_from_other_language(article, language, source_language, user):
    """`article`'s `language` version is to be translated from its `source_language` version as it is now."""
    latest = Version.objects.get_for_object(article).select_related("revision").first()
    return TranslationSource.from_other_language(
        article, language, source_language, user=user, revision=latest.revision if latest else None
    )


def paragraphs(source, article, language):
    """(source block, version block) pairs, so a translator reads each paragraph beside its source."""
    text = source.current_text()
    pairs = [(text["headline"], article.text("headline", language)), (text["teaser"], article.text("teaser", language))]
    body = zip_longest(
        sanitizer.split_blocks(text["body"]), sanitizer.split_blocks(article.text("body", language)), fillvalue=""
    )
    return pairs + list(body)


def changes(source):
    """Per field, what changed in the source since it was translated: [(label, [(before, after) per paragraph])]."""
    before, now = source.text, source.current_text()
    labels = {"headline": gettext("headline"), "teaser": gettext("teaser"), "body": gettext("body")}
    rows = []
    for field, _name in FIELDS:
        if (before.get(field) or "") != (now.get(field) or ""):
            rows.append((labels[field], revisions.paragraph_diff(before.get(field) or "", now.get(field) or "")))
    return rows


def panel(article, language):
    """What the change page shows of one language version's translation, or None when it has no source."""
    source = next((each for each in article.translation_sources.all() if each.language == language), None)
    if source is None:
        return None
    changed = source.is_source_changed
    return {
        "source": source,
        "language": language,
        "source_direction": languages.direction(source.source_language),
        "direction": languages.direction(language),
        "changed": changed,
        "changes": changes(source) if changed else [],
        "paragraphs": paragraphs(source, article, language),
    }


def queue(language):
    """
    The translation desk for one language: versions to translate (started and not marked done, or missing while
    another language exists) and versions whose source changed since.
    """
    sources = TranslationSource.objects.filter(language=language).select_related("article")
    in_another = Q()
    for code in languages.CODES:
        if code != language:
            in_another |= Q(**{f"{languages.field('headline', code)}__gt": ""})
    missing = (
        Article.objects.missing_language(language)
        .filter(in_another)
        .exclude(translation_sources__language=language)
        .order_by("-updated_at")
    )
    return {
        "started": sources.to_translate().order_by("started_at"),
        "changed": sources.source_changed().order_by("started_at"),
        "missing": missing[:MISSING_SHOWN],
        "missing_count": missing.count(),
    }


MISSING_SHOWN = 50
