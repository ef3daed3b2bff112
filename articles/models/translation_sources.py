"""What a language version is translated from, so a change of the source shows on the translation."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import languages
from ..languages import CODES as LANGUAGE_CODES
from .article import Article
from .common import localized, text_digest


class TranslationSourceQuerySet(models.QuerySet):
    def with_current_digest(self):
        """Each row annotated with `current_digest`: the digest of its source's text now."""
        current = models.Case(
            models.When(kind=TranslationSource.Kind.AGENCY, then=models.F("latest_digest")),
            *(
                models.When(
                    kind=TranslationSource.Kind.ARTICLE,
                    source_language=code,
                    then=models.F(f"article__{localized('text_digest', code)}"),
                )
                for code in LANGUAGE_CODES
            ),
            default=models.F("digest"),
            output_field=models.CharField(),
        )
        return self.annotate(current_digest=current)

    def source_changed(self):
        """Translations whose source text changed since it was translated (or since an editor last marked it done)."""
        return self.with_current_digest().exclude(digest=models.F("current_digest"))

    def to_translate(self):
        """Translations started and not yet marked done."""
        return self.filter(done_at__isnull=True)


class TranslationSource(models.Model):
    """
    What one language version of an article is translated from: the article's version in another language (at one
    of its revisions), or an agency item in any language; with the source's digest and text as translated.

    When the source's text changes afterwards, the translation shows "source changed" and what changed, until an
    editor has brought it up to date and marks it done. Nothing here changes what readers see: a published
    translation stays live while it is being updated.
    """

    class Kind(models.TextChoices):
        ARTICLE = "article", _("the article in another language")
        AGENCY = "agency", _("an agency item")

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="translation_sources"
    )
    language = models.CharField(_("translated into"), max_length=10, choices=settings.LANGUAGES)
    kind = models.CharField(_("translated from"), max_length=10, choices=Kind.choices)
    source_language = models.CharField(_("source language"), max_length=12)
    reference = models.CharField(
        _("agency item"), max_length=500, blank=True, db_index=True, help_text=_("The agency item's identifier.")
    )
    revision = models.ForeignKey(
        "reversion.Revision",
        verbose_name=_("article revision"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The article's revision the other language version was translated from."),
    )
    digest = models.CharField(_("source digest"), max_length=64)
    text = models.JSONField(_("source text as translated"), default=dict)
    # An agency item's newest text; the other language version of the article is read from the article itself.
    latest_digest = models.CharField(_("latest source digest"), max_length=64, blank=True)
    latest_text = models.JSONField(_("latest source text"), default=dict, blank=True)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    done_at = models.DateTimeField(_("marked done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marked done by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = TranslationSourceQuerySet.as_manager()

    TEXT_FIELDS = ("headline", "teaser", "body")

    class Meta:
        ordering = ["-started_at", "pk"]
        verbose_name = _("translation source")
        verbose_name_plural = _("translation sources")
        constraints = [models.UniqueConstraint(fields=["article", "language"], name="unique_translation_source")]

    def __str__(self):
        return gettext("{language} version of {article}").format(
            language=languages.name(self.language), article=self.article
        )

    @classmethod
    def texts_of(cls, headline="", teaser="", body=""):
        """A source text as the rows keep it, with its digest."""
        text = {"headline": headline or "", "teaser": teaser or "", "body": body or ""}
        return text, text_digest(*text.values())

    @classmethod
    def from_other_language(cls, article, language, source_language, user=None, revision=None):
        """Record that `article`'s `language` version is translated from its `source_language` version as it is now."""
        text, digest = cls.texts_of(*(article.text(field, source_language) for field in cls.TEXT_FIELDS))
        source, _created = cls.objects.update_or_create(
            article=article,
            language=language,
            defaults={
                "kind": cls.Kind.ARTICLE,
                "source_language": source_language,
                "reference": "",
                "revision": revision,
                "digest": digest,
                "text": text,
                "latest_digest": "",
                "latest_text": {},
                "started_at": timezone.now(),
                "started_by": user,
                "done_at": None,
                "done_by": None,
            },
        )
        return source

    @classmethod
    def from_agency_item(cls, article, language, source_language, reference, text, user=None):
        """Record that `article`'s `language` version is translated from an agency item (its identifier and text)."""
        text, digest = cls.texts_of(*(text.get(field, "") for field in cls.TEXT_FIELDS))
        source, _created = cls.objects.update_or_create(
            article=article,
            language=language,
            defaults={
                "kind": cls.Kind.AGENCY,
                "source_language": source_language,
                "reference": reference,
                "revision": None,
                "digest": digest,
                "text": text,
                "latest_digest": digest,
                "latest_text": text,
                "started_at": timezone.now(),
                "started_by": user,
                "done_at": None,
                "done_by": None,
            },
        )
        return source

    @classmethod
    def agency_item_changed(cls, reference, text):
        """A newer version of an agency item arrived: translations made from it now compare with its new text."""
        text, digest = cls.texts_of(*(text.get(field, "") for field in cls.TEXT_FIELDS))
        return cls.objects.filter(kind=cls.Kind.AGENCY, reference=reference).update(
            latest_digest=digest, latest_text=text
        )

    @property
    def source_language_name(self):
        code = self.source_language
        return languages.name(code) if code in LANGUAGE_CODES else code

    def current_text(self):
        """The source's text now: the article's other language version, or the agency item's latest version."""
        if self.kind == self.Kind.ARTICLE:
            return {field: self.article.text(field, self.source_language) for field in self.TEXT_FIELDS}
        return {field: (self.latest_text or self.text).get(field, "") for field in self.TEXT_FIELDS}

    def current_digest_now(self):
        return text_digest(*self.current_text().values())

    @property
    def is_source_changed(self):
        return self.digest != self.current_digest_now()

    @property
    def is_done(self):
        return self.done_at is not None

    def mark_done(self, user):
        """The translation is up to date with its source as it is now."""
        self.text, self.digest = self.texts_of(*self.current_text().values())
        self.done_at, self.done_by = timezone.now(), user
        self.save(update_fields=["text", "digest", "done_at", "done_by"])
