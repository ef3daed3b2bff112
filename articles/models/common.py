"""What every part of the content shares: its states, the placement of pictures, the publish permission, digests."""

import functools
import hashlib

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from modeltranslation.fields import TranslationField

from .. import languages
from ..languages import CODES as LANGUAGE_CODES

# Short codes avoid letters and digits that read alike (0/O, 1/I/L) because editors type them from print.
SHORT_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
SHORT_CODE_LENGTH = 5

# The permission a change to what readers see needs: publishing, and editing a live or scheduled version.
PUBLISH_PERMISSION = "articles.publish_article"
# Shared preview links are signed with this salt, so no other signed value of the site opens a preview.
PREVIEW_SALT = "articles.article.preview"


def localized(field, language):
    """Column name of a translated field in one language (`headline`, `ar` -> `headline_ar`)."""
    return languages.field(field, language)


def new(model, **values):
    """
    `model(**values)`, with the defaults of its per-language columns given rather than looked up. modeltranslation
    looks up each column's default inside a switch to that column's language, per instance: for an article, twenty
    switches, about half the time of making one, which an import does for every item.
    """
    for field, columns in translation_defaults(model).items():
        if field not in values:
            for column, default in columns.items():
                values.setdefault(column, default)
    return model(**values)


@functools.cache
def translation_defaults(model):
    """{translated field: {column: default}}, for the columns whose default is a constant (not a callable or lazy)."""
    found = {}
    for column in model._meta.concrete_fields:
        if not isinstance(column, TranslationField):
            continue
        # A lazy default would read differently in each language: it is left to modeltranslation.
        if not column.has_default() or not (callable(column.default) or isinstance(column.default, Promise)):
            found.setdefault(column.translated_field.name, {})[column.attname] = column.get_default()
    return found


def names_in_all_languages(obj, field):
    """`اقتصاد / Wirtschaft` for choosers where editors may search in any language."""
    names = [getattr(obj, localized(field, code)) for code in LANGUAGE_CODES]
    return " / ".join(dict.fromkeys(name for name in names if name))


class Placement(models.TextChoices):
    LEAD = "lead", _("Lead image")
    INLINE = "inline", _("Inline image")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("In review")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHED = "published", _("Published")
    UNPUBLISHED = "unpublished", _("Unpublished")


def text_digest(headline, teaser, body):
    """The digest of a text (an article's language version or an agency item) that translations compare."""
    digest = hashlib.sha256()
    for part in (headline, teaser, body):
        digest.update((part or "").strip().encode() + b"\x00")
    return digest.hexdigest()
