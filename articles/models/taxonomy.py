"""The sources an article credits, in order, and the categories and topics it is filed under."""

from django.db import models
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from .. import languages
from ..languages import CODES as LANGUAGE_CODES
from .common import localized, names_in_all_languages


class Source(models.Model):
    """A news agency (or other origin) an article credits, such as AFP or dpa."""

    code = models.SlugField(
        _("code"), max_length=40, unique=True, help_text=_("Stable identifier, e.g. afp, reuters, dpa.")
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    aliases = models.JSONField(
        _("aliases"),
        default=list,
        blank=True,
        help_text=_("Other spellings agencies and archives use for this source, in any language."),
    )
    needs_naming = models.BooleanField(
        _("needs naming"),
        default=False,
        help_text=_("Created by an import from an unknown agency; an editor should name it in both languages."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self):
        return names_in_all_languages(self, "name") or self.code

    def display_name(self, language):
        return getattr(self, localized("name", language)) or self.code


def unique_slugs(kind):
    """One `kind` (category, topic) per slug in each language; a version without a name has no slug."""
    return [
        models.UniqueConstraint(
            fields=[localized("slug", code)],
            condition=~models.Q(**{localized("slug", code): ""}),
            name=f"unique_{kind}_slug_{code}",
        )
        for code in LANGUAGE_CODES
    ]


class NamedPage:
    """
    Categories and topics: named per language, each name with a slug (made from it when left empty) and a reader
    page (`page`, a URL name) in that language.
    """

    page = ""

    def __str__(self):
        return names_in_all_languages(self, "name") or str(self.pk)

    def save(self, *args, **kwargs):
        for language in LANGUAGE_CODES:
            name = getattr(self, localized("name", language))
            if name and not getattr(self, localized("slug", language)):
                setattr(self, localized("slug", language), self.free_slug(language, name))
        super().save(*args, **kwargs)

    def free_slug(self, language, name):
        """The slug made from `name`, with -2, -3, ... when another of its kind has it in `language` already."""
        field = localized("slug", language)
        base, length = self.slug_for(name), self._meta.get_field(field).max_length
        others = type(self)._base_manager.exclude(pk=self.pk)
        slug, number = base, 1
        while slug and others.filter(**{field: slug}).exists():
            number += 1
            slug = f"{base[: length - len(str(number)) - 1]}-{number}"
        return slug

    def get_absolute_url(self, language=None):
        language = language or languages.DEFAULT
        with override(language):
            return reverse(self.page, kwargs={"slug": getattr(self, localized("slug", language)) or self.pk})

    def display_name(self, language):
        return getattr(self, localized("name", language)) or ""


class Category(NamedPage, models.Model):
    page = "reader:category"

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=120, allow_unicode=True, blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    aliases = models.JSONField(
        _("aliases"), default=list, blank=True, help_text=_("Agency subject codes or names that map to this category.")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        # A category's page is found by its slug in the page's language.
        constraints = unique_slugs("category")

    @staticmethod
    def slug_for(name):
        return slugify(name, allow_unicode=True)[:120]


class TopicQuerySet(models.QuerySet):
    def named_in(self, language):
        """Topics that have a name in `language`: only these have a page and a feed in it."""
        return self.exclude(**{localized("name", language): ""}).exclude(
            **{f"{localized('name', language)}__isnull": True}
        )


class Topic(NamedPage, models.Model):
    """
    What an article is about, as agencies and DW pages tag it (keywords, subjects, DW's topic links): kept per
    language, because an agency's German keyword is no Arabic one until an editor names it in Arabic too.
    """

    page = "reader:topic"

    name = models.CharField(_("name"), max_length=150, blank=True)
    slug = models.SlugField(_("slug"), max_length=160, allow_unicode=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = TopicQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        # One topic per spelling and language: imports find a topic by its slug in the item's language.
        constraints = unique_slugs("topic")

    @staticmethod
    def slug_for(name):
        """The slug a topic named `name` has (and is found by) in any language."""
        return slugify(name, allow_unicode=True)[:160].strip("-")


class ArticleSource(models.Model):
    """The agencies an article credits, in the order it credits them."""

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="source_links")
    source = models.ForeignKey(Source, verbose_name=_("source"), on_delete=models.PROTECT, related_name="article_links")
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("article source")
        verbose_name_plural = _("article sources")
        constraints = [models.UniqueConstraint(fields=["article", "source"], name="unique_article_source")]

    def __str__(self):
        return str(self.source)
