"""
The newsroom's content: articles in Arabic and German, the agencies they cite, their categories, and the pictures
they show.

Translated fields (headline, teaser, body, slug, status, ...) are registered in translation.py; each language
version of an article therefore carries its own text *and* its own publication state and time.
"""
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import strip_tags
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override
from PIL import Image as PILImage

from . import caching, sanitizer
from .search import normalize

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]

# Short codes avoid letters and digits that read alike (0/O, 1/I/L) because editors type them from print.
SHORT_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
SHORT_CODE_LENGTH = 5


def localized(field, language):
    """Column name of a translated field in one language (`headline`, `ar` -> `headline_ar`)."""
    return f"{field}_{language}"


class Placement(models.TextChoices):
    LEAD = "lead", _("Lead image")
    INLINE = "inline", _("Inline image")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("In review")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHED = "published", _("Published")
    UNPUBLISHED = "unpublished", _("Unpublished")


class Source(models.Model):
    """A news agency (or other origin) an article credits, such as AFP or dpa."""

    code = models.SlugField(_("code"), max_length=40, unique=True, help_text=_("Stable identifier, e.g. afp, reuters, dpa."))
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
        return self.name or self.code

    def display_name(self, language):
        return getattr(self, localized("name", language)) or self.code

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        caching.content_changed()


class Category(models.Model):
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

    def __str__(self):
        return self.name or self.name_de or self.name_ar or str(self.pk)

    def save(self, *args, **kwargs):
        for language in LANGUAGE_CODES:
            name = getattr(self, localized("name", language))
            if name and not getattr(self, localized("slug", language)):
                setattr(self, localized("slug", language), slugify(name, allow_unicode=True)[:120])
        super().save(*args, **kwargs)
        caching.content_changed()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        caching.content_changed()
        return result

    def display_name(self, language):
        return getattr(self, localized("name", language)) or ""

    def get_absolute_url(self, language=None):
        language = language or LANGUAGE_CODES[0]
        with override(language):
            return reverse("articles:category", kwargs={"slug": getattr(self, localized("slug", language)) or self.pk})


def image_upload_to(instance, filename):
    now = timezone.now()
    return f"images/{now:%Y/%m}/{filename}"


class Image(models.Model):
    """A picture asset; the same image can appear in several articles through captions."""

    file = models.ImageField(
        _("file"), upload_to=image_upload_to, blank=True, width_field="width", height_field="height"
    )
    archive_title = models.CharField(
        _("archive title"), max_length=300, blank=True, help_text=_("The picture desk's title, usually in German.")
    )
    credit = models.CharField(_("credit"), max_length=300, blank=True)
    alt_text = models.CharField(_("alt text"), max_length=300, blank=True)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True, editable=False)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True, editable=False)
    content_hash = models.CharField(_("content hash"), max_length=64, blank=True, db_index=True, editable=False)
    source_identifier = models.CharField(
        _("source identifier"), max_length=500, blank=True, db_index=True, help_text=_("The agency's id for the picture.")
    )
    remote_url = models.URLField(
        _("remote URL"), max_length=1000, blank=True, help_text=_("Where the agency offers the file; never fetched.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("image")
        verbose_name_plural = _("images")

    def __str__(self):
        return self.archive_title or self.credit or gettext("Image {id}").format(id=self.pk)

    @property
    def is_awaiting_file(self):
        return not self.file

    def alt_for(self, language):
        """Alt text in the page language; the archive title only where no alt text in that language exists."""
        return getattr(self, localized("alt_text", language)) or self.archive_title

    def clean(self):
        super().clean()
        if self.file and not getattr(self.file, "_committed", True):
            from .renditions import validate_image_file

            validate_image_file(self.file)

    def save(self, *args, **kwargs):
        is_new_file = bool(self.file) and not getattr(self.file, "_committed", True)
        if is_new_file:
            self.content_hash = hash_file(self.file)
        elif not self.file:
            self.content_hash = ""
        super().save(*args, **kwargs)
        if is_new_file or not self.file:
            # Renditions are made here, when a file arrives, so no reader's request ever resizes a picture.
            self.delete_renditions()
        if is_new_file:
            self.ensure_renditions()
        caching.content_changed()

    def delete(self, *args, **kwargs):
        self.delete_renditions()
        result = super().delete(*args, **kwargs)
        caching.content_changed()
        return result

    # --- renditions -------------------------------------------------------------------------------------------
    def get_renditions(self):
        """This picture's renditions, narrowest first; uses the prefetch cache when the view prefetched them."""
        return sorted(self.renditions.all(), key=lambda rendition: (rendition.format, rendition.width))

    def ensure_renditions(self):
        """Create whichever renditions this picture lacks (every width in every format); returns them all."""
        from . import renditions

        if not self.file:
            return []
        existing = {(rendition.width, rendition.format) for rendition in self.renditions.all()}
        with self.file.open("rb") as file, PILImage.open(file) as original:
            picture = renditions.prepare(original)
            for width in renditions.target_widths(picture.width):
                formats = [fmt for fmt in renditions.FORMATS if (width, fmt) not in existing]
                if not formats:
                    continue
                resized = renditions.resize_to_width(picture, width)
                for fmt in formats:
                    Rendition.objects.create(
                        image=self,
                        width=resized.width,
                        height=resized.height,
                        format=fmt,
                        file=ContentFile(
                            renditions.encode(resized, fmt), name=f"{self.pk}-{width}.{renditions.EXTENSIONS[fmt]}"
                        ),
                    )
        if hasattr(self, "_prefetched_objects_cache"):
            self._prefetched_objects_cache.pop("renditions", None)
        return self.get_renditions()

    def delete_renditions(self):
        if self.pk is None:
            return
        for rendition in Rendition.objects.filter(image=self):
            rendition.file.delete(save=False)
        Rendition.objects.filter(image=self).delete()
        if hasattr(self, "_prefetched_objects_cache"):
            self._prefetched_objects_cache.pop("renditions", None)

    @cached_property
    def picture(self):
        """What a `<picture>` needs: srcsets per format, a fallback URL and the intrinsic size, or None."""
        renditions = self.get_renditions()
        if not renditions:
            if self.file and self.width:
                return {"sources": [], "src": self.file.url, "width": self.width, "height": self.height}
            return None
        by_format = {}
        for rendition in renditions:
            by_format.setdefault(rendition.format, []).append(rendition)
        fallback = by_format.get(Rendition.Format.JPEG) or renditions
        widest = fallback[-1]
        middle = next((r for r in fallback if r.width >= 640), widest)
        return {
            "sources": [
                {"type": Rendition.Format(fmt).mime_type, "srcset": srcset(items)}
                for fmt, items in by_format.items()
                if fmt != Rendition.Format.JPEG
            ],
            "srcset": srcset(fallback),
            "src": middle.file.url,
            "widest": widest,
            "width": widest.width,
            "height": widest.height,
        }


def srcset(renditions):
    return ", ".join(f"{rendition.file.url} {rendition.width}w" for rendition in renditions)


def hash_file(file):
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(1 << 16), b""):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def generate_short_code():
    return "".join(secrets.choice(SHORT_CODE_ALPHABET) for _ in range(SHORT_CODE_LENGTH))


class ArticleQuerySet(models.QuerySet):
    def published(self, language, now=None):
        """Language versions readers may see now: published, live, and out of embargo."""
        now = now or timezone.now()
        return self.filter(
            **{
                localized("status", language): Status.PUBLISHED,
                f"{localized('published_at', language)}__lte": now,
            }
        ).filter(models.Q(embargoed_until__isnull=True) | models.Q(embargoed_until__lte=now))

    def missing_language(self, language):
        """Articles that have no text at all in `language`."""
        return self.filter(
            models.Q(**{localized("headline", language): ""}) | models.Q(**{f"{localized('headline', language)}__isnull": True})
        )

    def latest_first(self, language):
        return self.order_by(f"-{localized('published_at', language)}", "-pk")

    def published_in_any_language(self, now=None):
        """Articles with at least one language version readers may see now."""
        now = now or timezone.now()
        query = models.Q()
        for language in LANGUAGE_CODES:
            query |= models.Q(pk__in=self.model.objects.published(language, now=now).values("pk"))
        return self.filter(query)

    def published_since(self, language, since, now=None):
        """Language versions published at or after `since` that readers may see now (news sitemaps)."""
        return self.published(language, now=now).filter(**{f"{localized('published_at', language)}__gte": since})

    def search(self, query, language):
        """Articles whose `language` version matches `query`, best match first; Arabic folded by `normalize`."""
        from . import search

        return search.search_articles(self, query, language)


class Article(models.Model):
    short_code = models.CharField(
        _("short code"),
        max_length=16,
        unique=True,
        blank=True,
        help_text=_("Kept from the source when imported, generated otherwise; the short link is /p/<code>."),
    )
    headline = models.CharField(_("headline"), max_length=300, blank=True)
    slug = models.SlugField(_("slug"), max_length=255, allow_unicode=True, blank=True)
    teaser = models.TextField(_("teaser"), blank=True)
    body = models.TextField(_("body"), blank=True, help_text=_("HTML; sanitized on save."))
    initials = models.CharField(
        _("editors' initials"), max_length=100, blank=True, help_text=_("As printed under the article, e.g. ف.ي/أ.ح.")
    )
    byline = models.CharField(_("byline"), max_length=300, blank=True)
    dateline = models.CharField(_("dateline"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(
        _("first published"), null=True, blank=True, help_text=_("When this language version first went live.")
    )
    scheduled_at = models.DateTimeField(_("scheduled for"), null=True, blank=True)

    sources = models.ManyToManyField(
        Source, verbose_name=_("sources"), through="ArticleSource", blank=True, related_name="articles"
    )
    categories = models.ManyToManyField(Category, verbose_name=_("categories"), blank=True, related_name="articles")
    related = models.ManyToManyField(
        "self", verbose_name=_("related articles"), blank=True, symmetrical=False, related_name="related_from"
    )
    images = models.ManyToManyField(Image, verbose_name=_("images"), through="Caption", blank=True, related_name="articles")

    embargoed_until = models.DateTimeField(
        _("embargoed until"), null=True, blank=True, help_text=_("Invisible on every public page until then.")
    )
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    source_identifier = models.CharField(
        _("source identifier"),
        max_length=500,
        unique=True,
        null=True,
        blank=True,
        help_text=_("The identifier the article was imported under, so a re-import updates it."),
    )
    source_format = models.CharField(_("source format"), max_length=20, blank=True)
    source_version = models.CharField(_("source version"), max_length=100, blank=True)
    import_fingerprint = models.CharField(_("import fingerprint"), max_length=64, blank=True, editable=False)
    agency_metadata = models.JSONField(
        _("internal agency metadata"),
        default=dict,
        blank=True,
        help_text=_("Editorial notes and agency lines from the feed; never shown to readers."),
    )
    search_text = models.TextField(_("search text"), blank=True, editable=False)

    # --- reader site (issue 4): per-language search documents, normalised like queries are ---------------------
    search_document_ar = models.TextField(_("Arabic search document"), blank=True, editable=False)
    search_document_de = models.TextField(_("German search document"), blank=True, editable=False)

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        permissions = [("publish_article", _("Can publish and unpublish articles"))]

    def __str__(self):
        return self.headline_ar or self.headline_de or self.short_code

    # --- per-language access -------------------------------------------------------------------------------
    def text(self, field, language):
        return getattr(self, localized(field, language)) or ""

    def status_in(self, language):
        return getattr(self, localized("status", language)) or Status.DRAFT

    def get_status_display_in(self, language):
        return Status(self.status_in(language)).label

    def published_at_in(self, language):
        return getattr(self, localized("published_at", language))

    def has_language(self, language):
        return bool(self.text("headline", language))

    @property
    def missing_languages(self):
        return [code for code in LANGUAGE_CODES if not self.has_language(code)]

    def missing_fields(self, language):
        """Names of the fields a language version needs before it can be published."""
        labels = {
            "headline": _("headline"),
            "teaser": _("teaser"),
            "body": _("body"),
            "slug": _("slug"),
        }
        return [label for field, label in labels.items() if not self.text(field, language).strip()]

    def is_published(self, language, now=None):
        now = now or timezone.now()
        published_at = self.published_at_in(language)
        return (
            self.status_in(language) == Status.PUBLISHED
            and published_at is not None
            and published_at <= now
            and (self.embargoed_until is None or self.embargoed_until <= now)
        )

    def publish(self, language, when=None):
        """Make one language version live; refuses an incomplete version and says what is missing."""
        self.refresh_derived_fields()  # a slug can be derived from the headline, so it is never "missing" then
        missing = self.missing_fields(language)
        if missing:
            raise ValidationError(
                gettext("The %(language)s version cannot be published; it has no %(fields)s.")
                % {"language": language_name(language), "fields": ", ".join(str(m) for m in missing)},
                code="incomplete",
            )
        setattr(self, localized("status", language), Status.PUBLISHED)
        if not self.published_at_in(language):
            setattr(self, localized("published_at", language), when or timezone.now())

    def unpublish(self, language):
        setattr(self, localized("status", language), Status.UNPUBLISHED)

    # --- rendering helpers -----------------------------------------------------------------------------------
    def ordered_sources(self):
        """Sources in the order the article lists them; uses the prefetch cache when present."""
        links = sorted(self.source_links.all(), key=lambda link: link.position)
        return [link.source for link in links]

    def credit_line(self, language):
        """The initials-and-agencies line, e.g. `ف.ي/أ.ح (ا ف ب، رويترز، د ب ا)`."""
        separator = "، " if language == "ar" else ", "
        names = separator.join(source.display_name(language) for source in self.ordered_sources())
        initials = self.text("initials", language)
        if initials and names:
            return f"{initials} ({names})"
        return initials or (f"({names})" if names else "")

    def short_link(self):
        return f"{settings.SHORT_LINK_BASE}/p/{self.short_code}"

    def lead_caption(self):
        """The lead picture's caption, or None; uses the prefetch cache when present."""
        return next((caption for caption in self.captions.all() if caption.placement == Placement.LEAD), None)

    def body_sections(self, language):
        """
        The body in reading order as (`"html"`, block) and (`"image"`, caption) pairs: each inline picture stands
        after as many body blocks as its caption's `paragraph` says; pictures past the end close the body.
        """
        blocks = sanitizer.split_blocks(self.text("body", language))
        inline = sorted(
            (caption for caption in self.captions.all() if caption.placement == Placement.INLINE),
            key=lambda caption: (caption.paragraph, caption.position, caption.pk),
        )
        sections = []
        for index in range(len(blocks) + 1):
            sections.extend(("image", caption) for caption in inline if min(caption.paragraph, len(blocks)) == index)
            if index < len(blocks):
                sections.append(("html", blocks[index]))
        return sections

    def structured_data(self, language, absolute_url):
        """schema.org `NewsArticle` data for JSON-LD; `absolute_url` turns a path into a full address."""
        images = []
        for caption in self.captions.all():
            picture = caption.image.picture
            if picture and picture.get("widest"):
                images.append(absolute_url(picture["widest"].file.url))
        published_at = self.published_at_in(language)
        data = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": self.text("headline", language),
            "description": self.text("teaser", language),
            "inLanguage": language,
            "mainEntityOfPage": absolute_url(self.get_absolute_url(language)),
            "datePublished": published_at.isoformat() if published_at else None,
            "dateModified": self.updated_at.isoformat() if self.updated_at else None,
            "publisher": {"@type": "Organization", "name": settings.SITE_NAME},
        }
        if images:
            data["image"] = images
        sources = [source.display_name(language) for source in self.ordered_sources()]
        if sources:
            data["sourceOrganization"] = [{"@type": "Organization", "name": name} for name in sources]
        return data

    def published_languages(self, now=None):
        """Codes of the language versions readers may see now, in the site's language order."""
        return [code for code in LANGUAGE_CODES if self.is_published(code, now=now)]

    def get_absolute_url(self, language=None):
        language = language or next((code for code in LANGUAGE_CODES if self.has_language(code)), LANGUAGE_CODES[0])
        slug = self.text("slug", language) or "article"
        with override(language):
            return reverse("articles:detail", kwargs={"slug": slug, "pk": self.pk})

    # --- derived fields ---------------------------------------------------------------------------------------
    def refresh_derived_fields(self):
        """Sanitize bodies, fill slugs and the short code, rebuild the search text: one place for all of it."""
        for language in LANGUAGE_CODES:
            body = self.text("body", language)
            if body:
                setattr(self, localized("body", language), sanitizer.clean_html(body))
            headline = self.text("headline", language)
            if headline and not self.text("slug", language):
                setattr(self, localized("slug", language), slugify(headline, allow_unicode=True)[:200].strip("-"))
        if not self.short_code:
            self.short_code = self.unique_short_code()
        self.search_text = " ".join(
            normalize(strip_tags(self.text(field, language)))
            for language in LANGUAGE_CODES
            for field in ("headline", "teaser", "body")
        )
        for language in LANGUAGE_CODES:
            setattr(
                self,
                localized("search_document", language),
                " ".join(normalize(strip_tags(self.text(field, language))) for field in ("headline", "teaser", "body")),
            )

    @classmethod
    def unique_short_code(cls):
        while True:
            code = generate_short_code()
            if not cls.objects.filter(short_code=code).exists():
                return code

    def save(self, *args, **kwargs):
        self.refresh_derived_fields()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = set(kwargs["update_fields"]) | {
                "search_text", "short_code", *(localized("search_document", code) for code in LANGUAGE_CODES)
            }
        super().save(*args, **kwargs)
        caching.content_changed()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        caching.content_changed()
        return result


def language_name(language):
    return dict(settings.LANGUAGES).get(language, language)


class ArticleSource(models.Model):
    """The agencies an article credits, in the order it credits them."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="source_links")
    source = models.ForeignKey(Source, verbose_name=_("source"), on_delete=models.PROTECT, related_name="article_links")
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("article source")
        verbose_name_plural = _("article sources")
        constraints = [models.UniqueConstraint(fields=["article", "source"], name="unique_article_source")]

    def __str__(self):
        return str(self.source)

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        caching.content_changed()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        caching.content_changed()
        return result


class Caption(models.Model):
    """One use of an image in an article: where it stands and what it says there."""

    article = models.ForeignKey(Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="captions")
    image = models.ForeignKey(Image, verbose_name=_("image"), on_delete=models.PROTECT, related_name="captions")
    placement = models.CharField(_("placement"), max_length=10, choices=Placement.choices, default=Placement.INLINE)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    paragraph = models.PositiveSmallIntegerField(
        _("after paragraph"), default=0, help_text=_("Number of body paragraphs before an inline image.")
    )
    text = models.TextField(_("caption"), blank=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("caption")
        verbose_name_plural = _("captions")

    def __str__(self):
        return self.text_ar or self.text_de or str(self.image)

    def text_for(self, language):
        return getattr(self, localized("text", language)) or ""

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        caching.content_changed()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        caching.content_changed()
        return result


# --- reader site (issue 4) -------------------------------------------------------------------------------------
def rendition_upload_to(instance, filename):
    return f"renditions/{instance.image_id % 1000:03d}/{filename}"


class Rendition(models.Model):
    """One resized, re-encoded copy of an image that pages serve in `srcset`; made on upload, never per request."""

    class Format(models.TextChoices):
        WEBP = "webp", "WebP"
        JPEG = "jpeg", "JPEG"

        @property
        def mime_type(self):
            return f"image/{self.value}"

    image = models.ForeignKey(Image, verbose_name=_("image"), on_delete=models.CASCADE, related_name="renditions")
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    file = models.ImageField(_("file"), upload_to=rendition_upload_to, width_field=None, height_field=None)

    class Meta:
        ordering = ["image", "format", "width"]
        verbose_name = _("rendition")
        verbose_name_plural = _("renditions")
        constraints = [models.UniqueConstraint(fields=["image", "width", "format"], name="unique_rendition")]

    def __str__(self):
        return f"{self.image_id} {self.width}w {self.format}"
