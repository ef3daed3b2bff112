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
    `model(**values)`, made the way Django makes a row it has read: every column's value in order. By keyword, each
    column is looked up by name, and modeltranslation works out the default of each per-language column inside a
    switch to that language; for an article that was most of the time of making one, which an import does for
    every item. `values` name columns (`headline_de`, `article_id`) or relations (`article`); a translated field by
    its own name (`headline`, the active language's) is left to the constructor.
    """
    columns, relations, accepted = construction_plan(model)
    if not values.keys() <= accepted:
        return model(**values)
    related = {name: values.pop(name) for name in relations & values.keys()}
    instance = model(
        *[
            values.pop(attname) if attname in values else make() if make else default
            for attname, default, make in columns
        ]
    )
    for name, value in related.items():
        setattr(instance, name, value)  # as the constructor sets a relation given as an object: kept with it
    return instance


@functools.cache
def construction_plan(model):
    """
    What `new` needs of a model: (column, default, make) in the constructor's order, where `make` is the function
    to call for a default made per instance (a callable or lazy one) and `default` is the default otherwise
    (DEFERRED for generated columns, which the constructor leaves unset); the names of its relations; and the names
    `new` takes.
    """
    columns, relations, accepted = [], set(), set()
    translated = {column.translated_field.name for column in model._meta.concrete_fields if is_translation(column)}
    for column in model._meta.concrete_fields:
        if column.generated:
            columns.append((column.attname, models.DEFERRED, None))
            continue
        per_instance = column.has_default() and (
            callable(column.default) or (is_translation(column) and isinstance(column.default, Promise))
        )
        if per_instance:
            columns.append((column.attname, None, column.get_default))
        else:
            columns.append((column.attname, column.get_default(), None))
        if column.name not in translated:
            accepted.add(column.attname)
        if column.is_relation:
            relations.add(column.name)
            accepted.add(column.name)
    return columns, relations, accepted


def is_translation(column):
    return isinstance(column, TranslationField)


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
