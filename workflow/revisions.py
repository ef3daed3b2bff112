"""
Comparing and restoring an article's revisions (kept by django-reversion on every save).

A restore brings back the text, classification, captions and source links of a revision but keeps the current
workflow state: bringing back old text never publishes or unpublishes a language version by itself.
"""

import difflib
import itertools

import reversion
from django.db import transaction
from django.utils.html import escape, format_html, strip_tags
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from reversion.models import Version

from articles import languages, sanitizer
from articles.audit import record
from articles.models import Article, ArticleSource, Caption

TEXT_FIELDS = [
    ("headline", _("headline")),
    ("teaser", _("teaser")),
    ("body", _("body")),
    ("initials", _("editors' initials")),
    ("slug", _("slug")),
    ("status", _("status")),
    ("published_at", _("first published")),
    ("scheduled_at", _("scheduled for")),
]
SHARED_FIELDS = [
    ("byline", _("byline")),
    ("dateline", _("dateline")),
    ("embargoed_until", _("embargoed until")),
    ("expires_at", _("expires at")),
    ("categories", _("categories")),
    ("related", _("related articles")),
]
# What a restore leaves as it is now.
WORKFLOW_FIELDS = [
    languages.field(field, code) for code in languages.CODES for field in ("status", "published_at", "scheduled_at")
]


def lines(value):
    """A field value as lines to compare; body HTML is split after each block so paragraphs line up."""
    if value is None:
        return []
    text = str(value)
    for closing in ("</p>", "</h2>", "</h3>", "</li>", "</blockquote>", "<br>"):
        text = text.replace(closing, closing + "\n")
    return text.splitlines()


def diff_table(old, new, old_label, new_label):
    # HtmlDiff escapes &, < and > in every line it shows, so article HTML is displayed as text, never rendered.
    table = difflib.HtmlDiff(wrapcolumn=60).make_table(lines(old), lines(new), old_label, new_label, context=True)
    return mark_safe(table)  # noqa: S308 - escaped by difflib above


def compare(old, new):
    """Per-language changes between two Article versions: [{"language", "code", "rows": [(label, table)]}]."""
    old_fields, new_fields = old.field_dict, new.field_dict
    old_label = old.revision.date_created.strftime("%Y-%m-%d %H:%M")
    new_label = new.revision.date_created.strftime("%Y-%m-%d %H:%M")
    sections = []
    for language in languages.all_languages():
        rows = []
        for field, label in TEXT_FIELDS:
            name = language.field(field)
            if old_fields.get(name) != new_fields.get(name):
                rows.append((label, diff_table(old_fields.get(name), new_fields.get(name), old_label, new_label)))
        sections.append(
            {"language": language.name, "code": language.code, "direction": language.direction, "rows": rows}
        )
    rows = []
    for field, label in SHARED_FIELDS:
        if old_fields.get(field) != new_fields.get(field):
            rows.append((label, diff_table(old_fields.get(field), new_fields.get(field), old_label, new_label)))
    sections.append({"language": gettext("Both languages"), "code": "", "direction": "", "rows": rows})
    return sections


def versions_of(article):
    return Version.objects.get_for_object(article).select_related("revision", "revision__user")


def restore(version, user):
    """Bring an article back to a revision, keep its current workflow state, and record that as a new revision."""
    article_id = int(version.object_id)
    with transaction.atomic(), reversion.create_revision():
        current = Article.objects.select_for_update().get(pk=article_id)
        keep = {name: getattr(current, name) for name in [*WORKFLOW_FIELDS, "edit_version"]}
        # Only this article's own objects: one revision can hold several articles (a bulk action).
        related = []
        for other in version.revision.version_set.exclude(pk=version.pk):
            if (
                other.content_type.model_class() in (Caption, ArticleSource)
                and other.field_dict.get("article_id") == article_id
            ):
                related.append(other)
        current.captions.exclude(
            pk__in=[int(v.object_id) for v in related if v.content_type.model_class() is Caption]
        ).delete()
        current.source_links.exclude(
            pk__in=[int(v.object_id) for v in related if v.content_type.model_class() is ArticleSource]
        ).delete()
        version.revert()
        for other in related:
            other.revert()
        article = Article.objects.get(pk=article_id)
        for name, value in keep.items():
            setattr(article, name, value)
        article.save()  # raises edit_version past the live one, so forms opened before the restore become stale
        message = gettext("Restored the revision of %(date)s.") % {
            "date": version.revision.date_created.strftime("%Y-%m-%d %H:%M")
        }
        record(article, user, message)
    return article


def word_diff(old, new):
    """Two texts as HTML with the words only the first has in <del> and those only the second has in <ins>."""
    old_words, new_words = old.split(), new.split()
    before, after = [], []
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    for operation, i1, i2, j1, j2 in matcher.get_opcodes():
        removed, added = " ".join(old_words[i1:i2]), " ".join(new_words[j1:j2])
        if operation == "equal":
            before.append(escape(removed))
            after.append(escape(added))
            continue
        if removed:
            before.append(format_html("<del>{}</del>", removed))
        if added:
            after.append(format_html("<ins>{}</ins>", added))
    return mark_safe(" ".join(before)), mark_safe(" ".join(after))  # noqa: S308 - every word escaped above


def paragraph_diff(old, new):
    """
    What changed between two texts (HTML bodies paragraph by paragraph, as text): [(before, after)] for each
    paragraph that differs, words marked by `word_diff`; paragraphs added or removed pair with "".
    """
    old_blocks, new_blocks = block_texts(old), block_texts(new)
    rows = []
    matcher = difflib.SequenceMatcher(None, old_blocks, new_blocks, autojunk=False)
    for operation, i1, i2, j1, j2 in matcher.get_opcodes():
        if operation != "equal":
            for before, after in itertools.zip_longest(old_blocks[i1:i2], new_blocks[j1:j2], fillvalue=""):
                rows.append(word_diff(before, after))
    return rows


def block_texts(html):
    """The text of each block of an HTML body (or the whole of a plain text) for comparing."""
    if not html or "<" not in html:
        return [html.strip()] if html and html.strip() else []
    return [" ".join(strip_tags(block).split()) for block in sanitizer.split_blocks(html)]
