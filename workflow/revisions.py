"""
Comparing and restoring an article's revisions (kept by django-reversion on every save).

A restore brings back the text, classification, captions and source links of a revision but keeps the current
workflow state: bringing back old text never publishes or unpublishes a language version by itself.
"""

from datetime import datetime

import reversion
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from reversion.models import Version

from articles import diff, languages
from articles.audit import record
from articles.models import Article, ArticleSource, Caption, Category, Image, Source, Status

# What the compare page shows, per language version and for the article; anything else a revision holds (search
# documents, import state, agency metadata, edit counters) is internal and never shown.
TEXT_FIELDS = [
    ("headline", _("headline")),
    ("teaser", _("teaser")),
    ("body", _("body")),
    ("initials", _("editors' initials")),
]
STATE_FIELDS = [
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
# When readers may see the article is workflow too: an old revision without today's embargo or expiry brings
# neither back, nor lifts them.
KEPT_FIELDS = [*WORKFLOW_FIELDS, "embargoed_until", "expires_at", "edit_version"]


def shown(field, value):
    """A stored value as an editor reads it: labels, not codes; times in the newsroom's zone; names, not ids."""
    if value in (None, "", []):
        return ""
    if field == "status":
        return str(Status(value).label) if value in Status.values else str(value)
    if isinstance(value, datetime):
        return languages.newsroom_time(value)
    if field == "categories":
        names = Category.objects.in_bulk(value)
        return languages.interface().join(str(names[pk]) for pk in value if pk in names)
    if field == "related":
        titles = Article.objects.in_bulk(value)
        return languages.interface().join(str(titles[pk]) for pk in value if pk in titles)
    return str(value)


def change(label, old, new, html=False):
    rows = diff.compare_html(old, new) if html else diff.compare_text(old, new)
    return {"label": label, "rows": rows}


def related_versions(version, model, article_id):
    """The versions of an article's captions or source links kept in the same revision as `version`."""
    content_type = ContentType.objects.get_for_model(model)
    return {
        int(other.object_id): other.field_dict
        for other in version.revision.version_set.filter(content_type=content_type)
        if other.field_dict.get("article_id") == article_id
    }


def caption_changes(old, new, article_id, language):
    """Changed caption texts of one language, each named by its picture's archive title."""
    before = related_versions(old, Caption, article_id)
    after = related_versions(new, Caption, article_id)
    images = Image.objects.in_bulk({fields["image_id"] for fields in (*before.values(), *after.values())})
    changes = []
    for pk in sorted(before.keys() | after.keys()):
        fields = after.get(pk) or before[pk]
        name = language.field("text")
        old_text, new_text = (before.get(pk) or {}).get(name) or "", (after.get(pk) or {}).get(name) or ""
        if old_text != new_text:
            image = images.get(fields["image_id"])
            label = gettext("caption of “%(picture)s”") % {"picture": image or "—"}
            changes.append(change(label, old_text, new_text))
    return changes


def compare(old, new):
    """
    What changed between two Article versions, for the compare page: a section per language version (text word by
    word, paragraph by paragraph; state; captions) and one for what both share.
    [{"language", "code", "direction", "changes": [{"label", "rows"}]}]
    """
    old_fields, new_fields = old.field_dict, new.field_dict
    article_id = int(new.object_id)
    sections = []
    for language in languages.all_languages():
        changes = []
        for field, label in TEXT_FIELDS:
            name = language.field(field)
            before, after = old_fields.get(name) or "", new_fields.get(name) or ""
            if before != after:
                changes.append(change(label, before, after, html=field == "body"))
        for field, label in STATE_FIELDS:
            name = language.field(field)
            before, after = shown(field, old_fields.get(name)), shown(field, new_fields.get(name))
            if before != after:
                changes.append(change(label, before, after))
        changes.extend(caption_changes(old, new, article_id, language))
        sections.append(
            {"language": language.name, "code": language.code, "direction": language.direction, "changes": changes}
        )
    changes = []
    for field, label in SHARED_FIELDS:
        before, after = shown(field, old_fields.get(field)), shown(field, new_fields.get(field))
        if before != after:
            changes.append(change(label, before, after))
    sections.append({"language": gettext("Both languages"), "code": "", "direction": "auto", "changes": changes})
    return sections


def agency_versions(versions):
    """
    {version pk: "received from dpa, version 3 (German)"} for the revisions that brought an agency's version: those
    where a language's import fingerprint changed. Read from the revisions themselves, whoever wrote them.
    """
    ordered = sorted(versions, key=lambda version: version.revision.date_created)
    source_codes = agency_codes(ordered)
    received, previous = {}, {}
    for version in ordered:
        state = version.field_dict.get("import_state") or {}
        lines = []
        for code in languages.CODES:
            current = state.get(code) or {}
            if current.get("fingerprint") and current.get("fingerprint") != (previous.get(code) or {}).get(
                "fingerprint"
            ):
                lines.append(
                    gettext("received from %(agencies)s, version %(version)s (%(language)s)")
                    % {
                        "agencies": languages.interface().join(source_codes.get(version.revision_id, []))
                        or version.field_dict.get("source_format")
                        or "—",
                        "version": current.get("version") or shown("", current.get("updated_at")) or "—",
                        "language": languages.name(code),
                    }
                )
        if lines:
            received[version.pk] = languages.interface().join(lines)
        previous = state
    return received


def agency_codes(versions):
    """{revision id: [source codes in credit order]} for the given versions' revisions, in two queries."""
    if not versions:
        return {}
    article_id = int(versions[0].object_id)
    links = Version.objects.filter(
        revision__in=[version.revision_id for version in versions],
        content_type=ContentType.objects.get_for_model(ArticleSource),
    )
    by_revision = {}
    for link in links:
        fields = link.field_dict
        if fields.get("article_id") == article_id:
            by_revision.setdefault(link.revision_id, []).append((fields.get("position", 0), fields["source_id"]))
    sources = Source.objects.in_bulk({source for pairs in by_revision.values() for _position, source in pairs})
    return {
        revision: [sources[source].code for _position, source in sorted(pairs) if source in sources]
        for revision, pairs in by_revision.items()
    }


def versions_of(article):
    return Version.objects.get_for_object(article).select_related("revision", "revision__user")


def restore(version, user):
    """Bring an article back to a revision, keep its current workflow state, and record that as a new revision."""
    article_id = int(version.object_id)
    with transaction.atomic(), reversion.create_revision():
        current = Article.objects.select_for_update().get(pk=article_id)
        keep = {name: getattr(current, name) for name in KEPT_FIELDS}
        # Only this article's own objects: one revision can hold several articles (a bulk action).
        related = []
        for other in version.revision.version_set.exclude(pk=version.pk):
            if (
                other.content_type.model_class() in (Caption, ArticleSource)
                and other.field_dict.get("article_id") == article_id
                and still_exist(other)
            ):
                related.append(other)
        current.captions.exclude(
            pk__in=[int(v.object_id) for v in related if v.content_type.model_class() is Caption]
        ).delete()
        current.source_links.exclude(
            pk__in=[int(v.object_id) for v in related if v.content_type.model_class() is ArticleSource]
        ).delete()
        without_deleted_relations(version).save(using=version.db)
        for other in related:
            other.revert()
        article = Article.objects.get(pk=article_id)
        for name, value in keep.items():
            setattr(article, name, value)
        article.save()  # raises edit_version past the live one, so forms opened before the restore become stale
        message = gettext("Restored the revision of %(date)s.") % {
            "date": languages.newsroom_time(version.revision.date_created)
        }
        record(article, user, message)
    return article


def without_deleted_relations(version):
    """
    The article as `version` kept it, less the categories, topics and related articles deleted since: the revision
    names them by id, and a restore that set them would fail on the missing rows.
    """
    restored = version._object_version  # django-reversion's deserialized object, which revert() saves
    for name, ids in (restored.m2m_data or {}).items():
        model = Article._meta.get_field(name).related_model
        restored.m2m_data[name] = list(model._base_manager.filter(pk__in=ids).values_list("pk", flat=True))
    return restored


def still_exist(version):
    """Whether what a caption's or agency link's version points to (its picture, its agency) is still there."""
    model = version.content_type.model_class()
    for field in model._meta.concrete_fields:
        target = version.field_dict.get(field.attname)
        if field.is_relation and field.related_model is not Article and target is not None:
            if not field.related_model._base_manager.filter(pk=target).exists():
                return False
    return True


def marked(segments, change, tag):
    """One side of a compared paragraph as HTML: the changed words in `tag` (del or ins), every word escaped."""
    parts = []
    for kind, text in segments:
        if kind != change:
            parts.append(escape(text))
            continue
        words = text.rstrip()
        parts.append(format_html("<{0}>{1}</{0}>{2}", tag, words, text[len(words) :]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece escaped above


def paragraph_diff(old, new):
    """
    What changed between two texts (HTML bodies paragraph by paragraph, as text), for the translation desk:
    [(before, after)] for each paragraph that differs, its words compared by articles.diff; paragraphs added or
    removed pair with "".
    """
    compare = diff.compare_html if "<" in (old or "") + (new or "") else diff.compare_text
    return [
        (marked(row.before, diff.DELETE, "del"), marked(row.after, diff.INSERT, "ins"))
        for row in compare(old or "", new or "")
        if row.changed
    ]
