"""
The newsroom's content: articles in each publishing language, the agencies they cite, their categories, and the
pictures they show with their renditions.

Translated fields (headline, teaser, body, slug, status, ...) are registered in translation.py; each language
version of an article therefore carries its own text *and* its own publication state and time. How a version moves
between states is the workflow app's business; what a reader's page looks like is the reader app's.
"""

import datetime
import functools
import hashlib
import json
import operator
import secrets
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.signals import setting_changed
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.dispatch import receiver
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import cached_property
from django.utils.html import strip_tags
from django.utils.text import slugify
from django.utils.translation import gettext, override
from django.utils.translation import gettext_lazy as _
from PIL import Image as PILImage

from . import dependencies, languages, renditions, sanitizer, search
from .aggregates import JSONRows
from .languages import CODES as LANGUAGE_CODES

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
        return names_in_all_languages(self, "name") or str(self.pk)

    def save(self, *args, **kwargs):
        for language in LANGUAGE_CODES:
            name = getattr(self, localized("name", language))
            if name and not getattr(self, localized("slug", language)):
                setattr(self, localized("slug", language), slugify(name, allow_unicode=True)[:120])
        super().save(*args, **kwargs)

    def get_absolute_url(self, language=None):
        language = language or languages.DEFAULT
        with override(language):
            return reverse("reader:category", kwargs={"slug": getattr(self, localized("slug", language)) or self.pk})

    def display_name(self, language):
        return getattr(self, localized("name", language)) or ""


class TopicQuerySet(models.QuerySet):
    def named_in(self, language):
        """Topics that have a name in `language`: only these have a page and a feed in it."""
        return self.exclude(**{localized("name", language): ""}).exclude(
            **{f"{localized('name', language)}__isnull": True}
        )


class Topic(models.Model):
    """
    What an article is about, as agencies and DW pages tag it (keywords, subjects, DW's topic links): kept per
    language, because an agency's German keyword is no Arabic one until an editor names it in Arabic too.
    """

    name = models.CharField(_("name"), max_length=150, blank=True)
    slug = models.SlugField(_("slug"), max_length=160, allow_unicode=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = TopicQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        # One topic per spelling and language: imports find a topic by its slug in the item's language.
        constraints = [
            models.UniqueConstraint(
                fields=[localized("slug", code)],
                condition=~models.Q(**{localized("slug", code): ""}),
                name=f"unique_topic_slug_{code}",
            )
            for code in LANGUAGE_CODES
        ]

    def __str__(self):
        return names_in_all_languages(self, "name") or str(self.pk)

    def save(self, *args, **kwargs):
        for language in LANGUAGE_CODES:
            name = getattr(self, localized("name", language))
            if name and not getattr(self, localized("slug", language)):
                setattr(self, localized("slug", language), self.slug_for(name))
        super().save(*args, **kwargs)

    def get_absolute_url(self, language=None):
        language = language or languages.DEFAULT
        with override(language):
            return reverse("reader:topic", kwargs={"slug": getattr(self, localized("slug", language)) or self.pk})

    def display_name(self, language):
        return getattr(self, localized("name", language)) or ""

    @staticmethod
    def slug_for(name):
        """The slug a topic named `name` has (and is found by) in any language."""
        return slugify(name, allow_unicode=True)[:160].strip("-")


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
    # Where the picture's subject is, as fractions of its width and height: crops for teasers keep it in view.
    focal_x = models.FloatField(
        _("focal point across"), default=0.5, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)]
    )
    focal_y = models.FloatField(
        _("focal point down"), default=0.5, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)]
    )
    source_identifier = models.CharField(
        _("source identifier"),
        max_length=500,
        blank=True,
        db_index=True,
        help_text=_("The agency's id for the picture."),
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

    def save(self, *args, **kwargs):
        is_new_file = bool(self.file) and not getattr(self.file, "_committed", True)
        if is_new_file:
            self.content_hash = renditions.sha256_of(self.file)
        elif not self.file:
            self.content_hash = ""
        adding = self._state.adding
        focus_moved = not adding and getattr(self, "_saved_focus", self.focus) != self.focus
        super().save(*args, **kwargs)
        self._saved_focus = self.focus
        # A new picture has no renditions yet: imports create many such rows, so they skip the clean-up queries.
        if is_new_file or (not self.file and not adding):
            # Renditions are made here, when a file arrives, so no reader's request ever resizes a picture.
            self.delete_renditions()
        if is_new_file:
            try:
                self.ensure_renditions()
            except Exception:
                # A picture that cannot be rendered leaves nothing behind: neither renditions nor its file (the
                # row goes with the caller's transaction).
                self.delete_renditions()
                self.file.delete(save=False)
                raise
        elif focus_moved and self.file:
            # New crops are made before the old ones go, so a failure leaves the picture as it was.
            self.rebuild_renditions(crops_only=True)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # Remembered so a save can tell that the focal point moved and the crops must be cut again.
        instance._saved_focus = (instance.__dict__.get("focal_x"), instance.__dict__.get("focal_y"))
        return instance

    @property
    def focus(self):
        return (self.focal_x, self.focal_y)

    @classmethod
    def stored_copy_of(cls, file):
        """The picture already stored with exactly this file's content (same SHA-256), or None."""
        digest = renditions.sha256_of(file)
        return cls.objects.filter(content_hash=digest).order_by("pk").first()

    def delete(self, *args, **kwargs):
        self.delete_renditions()
        return super().delete(*args, **kwargs)

    @property
    def is_awaiting_file(self):
        return not self.file

    def alt_for(self, language):
        """Alt text in the page language; the archive title only where no alt text in that language exists."""
        return getattr(self, localized("alt_text", language)) or self.archive_title

    def clean(self):
        super().clean()
        if self.file and not getattr(self.file, "_committed", True):
            renditions.validate_image_file(self.file)

    def may_be_changed_by(self, user):
        """
        Like an article's: once an article that shows this picture is live or scheduled in any language, changing
        the picture (its file, credit, alt text or focal point) changes what readers see, and needs publishing.
        """
        if self.pk is None or user.has_perm(PUBLISH_PERMISSION):
            return True
        return not Article.objects.filter(captions__image=self).public_or_scheduled().exists()

    def get_renditions(self, crop=renditions.ORIGINAL):
        """
        This picture's renditions of one crop (uncropped by default), narrowest first: read with its caption
        (`CaptionQuerySet.with_pictures`), from the prefetch cache, or with a query.
        """
        rows = getattr(self, "rendition_rows", None)
        if rows is not None:
            listed = [ListedRendition(*row) for row in rows]
        else:
            listed = self.renditions.all()
        return sorted(
            (rendition for rendition in listed if rendition.crop == crop),
            key=lambda rendition: (rendition.format, rendition.width),
        )

    def ensure_renditions(self):
        """
        Create whichever renditions this picture lacks (every width in every format, uncropped and each teaser crop
        around the focal point); returns them all.
        """
        if not self.file:
            return []
        existing = {(rendition.crop, rendition.width, rendition.format) for rendition in self.renditions.all()}
        self.store_renditions(self.render_renditions(skip=existing))
        return list(self.renditions.all())

    def rebuild_renditions(self, crops_only=False):
        """
        Make every rendition again (or only the teaser crops, after the focal point moved); the old ones are deleted
        only once the new ones are made.
        """
        made = self.render_renditions(crops_only=crops_only)  # raises if the original is missing or damaged
        self.delete_renditions(crops_only=crops_only)
        self.store_renditions(made)
        return list(self.renditions.all())

    def render_renditions(self, skip=(), crops_only=False):
        """
        The encoded renditions this picture lacks, as (crop, width, height, format, bytes): every width of the whole
        picture and of each teaser crop around the focal point. Reads the original once.
        """
        made = []

        def add(picture, crop, widths):
            for width in widths:
                formats = [fmt for fmt in renditions.FORMATS if (crop, width, fmt) not in skip]
                if not formats:
                    continue
                resized = renditions.resize_to_width(picture, width)
                made.extend(
                    (crop, resized.width, resized.height, fmt, renditions.encode(resized, fmt)) for fmt in formats
                )

        with self.file.open("rb") as file, PILImage.open(file) as original:
            picture = renditions.prepare(original)
            if not crops_only:
                add(picture, renditions.ORIGINAL, renditions.target_widths(picture.width))
            for crop, ratio in renditions.CROPS.items():
                cropped = renditions.crop_to_ratio(picture, ratio, self.focus)
                add(cropped, crop, renditions.crop_widths(crop, cropped.width))
        return made

    def store_renditions(self, made):
        for crop, width, height, fmt, data in made:
            name = f"{self.pk}-{crop.replace(':', 'x')}-{width}" if crop else f"{self.pk}-{width}"
            Rendition.objects.create(
                image=self,
                crop=crop,
                width=width,
                height=height,
                format=fmt,
                file=ContentFile(data, name=f"{name}.{renditions.EXTENSIONS[fmt]}"),
            )
        self.forget_prefetched_renditions()

    def delete_renditions(self, crops_only=False):
        if self.pk is None:
            return
        stored = Rendition.objects.filter(image=self)
        if crops_only:
            stored = stored.exclude(crop=renditions.ORIGINAL)
        for rendition in stored:
            rendition.file.delete(save=False)
        stored.delete()
        self.forget_prefetched_renditions()

    @property
    def thumbnail(self):
        """The small rendition admin pages show (the square crop, else the narrowest), never the original file."""
        for crop in (renditions.THUMBNAIL_CROP, renditions.ORIGINAL):
            stored = self.get_renditions(crop)
            if stored:
                return stored[0]
        return None

    def forget_prefetched_renditions(self):
        self.rendition_rows = None
        if hasattr(self, "_prefetched_objects_cache"):
            self._prefetched_objects_cache.pop("renditions", None)

    @cached_property
    def picture(self):
        """What a `<picture>` needs: srcsets per format, a fallback URL and the intrinsic size, or None."""
        return self.picture_of()

    def picture_of(self, crop=renditions.ORIGINAL):
        """`picture` for one crop (`16:9`, `1:1`); the uncropped picture when that crop has not been made yet."""
        available = self.get_renditions(crop)
        if not available and crop:
            return self.picture
        if not available:
            if self.file and self.width:
                return {"sources": [], "src": self.file.url, "width": self.width, "height": self.height}
            return None
        by_format = {}
        for rendition in available:
            by_format.setdefault(rendition.format, []).append(rendition)
        fallback = by_format.get(Rendition.Format.JPEG) or available
        widest = fallback[-1]
        middle = next((r for r in fallback if r.width >= 640), widest)
        return {
            "sources": [
                {"type": Rendition.Format(fmt).mime_type, "srcset": renditions.srcset(items)}
                for fmt, items in by_format.items()
                if fmt != Rendition.Format.JPEG
            ],
            "srcset": renditions.srcset(fallback),
            "src": middle.url,
            "widest": widest,
            "width": widest.width,
            "height": widest.height,
        }


@dataclass(frozen=True)
class ListedRendition:
    """A rendition read with its picture (JSON rows): what srcsets and og:image print, without a model instance."""

    width: int
    height: int
    format: str
    name: str
    crop: str = ""  # renditions.ORIGINAL, "16:9" or "1:1"

    @property
    def url(self):
        return rendition_url(self.name)


def rendition_url(name):
    """A rendition file's address: remembered when files are local (a page prints dozens, the same every time)."""
    storage = Rendition._meta.get_field("file").storage
    return local_url(name) if isinstance(storage, FileSystemStorage) else storage.url(name)


@functools.lru_cache(maxsize=16384)
def local_url(name):
    return Rendition._meta.get_field("file").storage.url(name)


@receiver(setting_changed)
def forget_local_urls(sender, setting, **kwargs):
    if setting in ("MEDIA_URL", "STORAGES"):
        local_url.cache_clear()


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
    crop = models.CharField(
        _("crop"),
        max_length=10,
        blank=True,
        default=renditions.ORIGINAL,
        help_text=_("Proportions the picture was cut to around its focal point; empty for the whole picture."),
    )
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    file = models.ImageField(_("file"), upload_to=rendition_upload_to, width_field=None, height_field=None)

    class Meta:
        ordering = ["image", "crop", "format", "width"]
        verbose_name = _("rendition")
        verbose_name_plural = _("renditions")
        constraints = [
            models.UniqueConstraint(fields=["image", "crop", "width", "format"], name="unique_rendition_crop")
        ]

    def __str__(self):
        return f"{self.image_id} {self.crop} {self.width}w {self.format}".replace("  ", " ")

    @property
    def url(self):
        return self.file.url


@dataclass(frozen=True)
class VersionState:
    """
    Where one language version stands for readers now and what changes it next, as the desk reads it: the state
    (`missing`, `draft`, `review`, `scheduled`, `embargoed`, `live`, `expired`, `unpublished`), its label with the
    time that matters, and notes such as "expires …". Times are in the newsroom's time zone.
    """

    key: str
    label: str
    goes_live_at: datetime.datetime | None = None
    notes: tuple = ()

    @property
    def is_live(self):
        return self.key == "live"

    def __str__(self):
        return " · ".join([self.label, *self.notes])

    @property
    def url(self):
        return self.file.url


# A caption in `ArticleQuerySet.for_page`'s rows: the caption, its picture, the picture's renditions.
CAPTION_ROW = (
    "id",
    "key",
    "placement",
    "position",
    "paragraph",
    *languages.fields("text"),
    "image__id",
    "image__file",
    "image__width",
    "image__height",
    "image__credit",
    "image__archive_title",
    *(f"image__{name}" for name in languages.fields("alt_text")),
    "renditions",
)
# What every card prints besides its language's text: its address, short link and feed dates.
CARD_COLUMNS = ("id", "short_code", "updated_at")
CARD_FIELDS = ("headline", "slug", "teaser", "published_at")


@functools.lru_cache(maxsize=8192)
def article_path(language, slug, pk, script_prefix):
    """An article's address in a language; remembered, since a page prints several and reversing is not cheap."""
    with override(language):
        return reverse("reader:article", kwargs={"slug": slug, "pk": pk})


@receiver(setting_changed)
def forget_article_paths(sender, setting, **kwargs):
    if setting == "ROOT_URLCONF":
        article_path.cache_clear()


def text_digest(headline, teaser, body):
    """The digest of a text (an article's language version or an agency item) that translations compare."""
    digest = hashlib.sha256()
    for part in (headline, teaser, body):
        digest.update((part or "").strip().encode() + b"\x00")
    return digest.hexdigest()


def generate_short_code():
    return "".join(secrets.choice(SHORT_CODE_ALPHABET) for _ in range(SHORT_CODE_LENGTH))


def published_condition(language, now):
    """The rule for a language version readers may see now: published, live, out of embargo, not yet expired."""
    return (
        models.Q(
            **{localized("status", language): Status.PUBLISHED, f"{localized('published_at', language)}__lte": now}
        )
        & (models.Q(embargoed_until__isnull=True) | models.Q(embargoed_until__lte=now))
        # Expiry hides an article at once; publish_scheduled only records it as unpublished afterwards.
        & (models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now))
    )


def has_language_condition(language):
    headline = localized("headline", language)
    return ~models.Q(**{headline: ""}) & models.Q(**{f"{headline}__isnull": False})


# What the desk overview counts per language version, and what its lines filter the article list by.
DESK_VIEWS = ("review", "scheduled", "embargoed", "expiring", "published_today", "missing")
DESK_WINDOW = timezone.timedelta(hours=24)


def desk_condition(view, language, now):
    """
    One line of the desk overview as a condition: versions in review; scheduled to go live within DESK_WINDOW (or
    overdue); live but embargoed; expiring within DESK_WINDOW; published since the newsroom's midnight and visible;
    missing while another language version exists.
    """
    status, exists = localized("status", language), has_language_condition(language)
    soon = now + DESK_WINDOW
    if view == "review":
        return exists & models.Q(**{status: Status.REVIEW})
    if view == "scheduled":
        return exists & models.Q(**{status: Status.SCHEDULED, f"{localized('scheduled_at', language)}__lt": soon})
    if view == "embargoed":
        return exists & models.Q(**{status: Status.PUBLISHED, "embargoed_until__gt": now})
    if view == "expiring":
        return (
            exists
            & models.Q(**{f"{status}__in": [Status.PUBLISHED, Status.SCHEDULED]})
            & models.Q(expires_at__gt=now, expires_at__lte=soon)
        )
    if view == "published_today":
        midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        return published_condition(language, now) & models.Q(
            **{f"{localized('published_at', language)}__gte": midnight}
        )
    if view == "missing":
        others = [has_language_condition(code) for code in LANGUAGE_CODES if code != language]
        return ~exists & functools.reduce(operator.or_, others, models.Q(pk__in=[]))
    raise ValueError(f"unknown desk view {view!r}")


class ArticleQuerySet(models.QuerySet):
    def desk(self, view, language, now=None):
        """The versions one line of the desk overview counts (`desk_condition`)."""
        return self.filter(desk_condition(view, language, now or timezone.now()))

    def desk_counts(self, now=None):
        """{(language, view): count} for every line of the desk overview, in one query."""
        now = now or timezone.now()
        totals = self.aggregate(
            **{
                f"{view}__{code}": models.Count("pk", filter=desk_condition(view, code, now))
                for code in LANGUAGE_CODES
                for view in DESK_VIEWS
            }
        )
        return {tuple(reversed(key.split("__"))): count for key, count in totals.items()}

    def published(self, language, now=None):
        """Language versions readers may see now (`published_condition`)."""
        return self.filter(published_condition(language, now or timezone.now()))

    def public_or_scheduled(self):
        """Articles with a language version that is live or scheduled (`Article.is_public_or_scheduled`)."""
        condition = models.Q()
        for language in LANGUAGE_CODES:
            condition |= models.Q(**{f"{localized('status', language)}__in": [Status.PUBLISHED, Status.SCHEDULED]})
        return self.filter(condition)

    def missing_language(self, language):
        """Articles that have no text at all in `language`."""
        headline = localized("headline", language)
        return self.filter(models.Q(**{headline: ""}) | models.Q(**{f"{headline}__isnull": True}))

    def with_state(self, language, status):
        """Articles whose `language` version exists and is in `status`."""
        return self.filter(**{localized("status", language): status}).exclude(
            pk__in=self.model.objects.missing_language(language).values("pk")
        )

    def latest_first(self, language):
        return self.order_by(f"-{localized('published_at', language)}", "-pk")

    def published_in_any_language(self, now=None):
        """Articles with at least one language version readers may see now."""
        now = now or timezone.now()
        return self.filter(functools.reduce(operator.or_, (published_condition(code, now) for code in LANGUAGE_CODES)))

    def published_since(self, language, since, now=None):
        """Language versions published at or after `since` that readers may see now (news sitemaps)."""
        return self.published(language, now=now).filter(**{f"{localized('published_at', language)}__gte": since})

    def search(self, query, language):
        """Articles whose `language` version matches `query`, best match first; Arabic folded by `normalize`."""
        return search.search_articles(self, query, language)

    def create_many(self, articles):
        """
        Insert new articles in one query (an import file's), each prepared as `save()` prepares it and announced by
        the same `post_save` signal, so whatever listens (the page cache) hears of each.
        """
        for article in articles:
            article.prepare_save()
        created = self.bulk_create(articles)
        for article in created:
            models.signals.post_save.send(
                sender=self.model, instance=article, created=True, update_fields=None, raw=False, using=self.db
            )
        return created

    def cards(self, language):
        """Only the columns a card of the `language` version prints (lists, feeds): never bodies or search columns."""
        return self.only(*CARD_COLUMNS, *(localized(name, language) for name in CARD_FIELDS))

    def for_page(self, language, now=None):
        """
        What the `language` version's page prints, in one query: the columns it shows (its alternates need every
        language's slug and state) and, as JSON rows, its agencies, categories, pictures with their renditions and
        the related articles readers may see (`now` as for `published`; `Now()` keeps the query's SQL constant).
        """
        names = [localized("name", code) for code in LANGUAGE_CODES]
        renditions = Rendition.objects.filter(image=models.OuterRef("image_id")).order_by("format", "width")
        links = self.model.related.through.objects.filter(from_article_id=models.OuterRef(models.OuterRef("pk")))
        related = (
            # Through the links first (an index lookup), then those articles: not every article joined to the links.
            self.model.objects.filter(pk__in=links.values("to_article_id"))
            .filter(published_condition(language, now or timezone.now()))
            .order_by(f"-{localized('published_at', language)}", "-pk")
        )
        return self.only(
            *CARD_COLUMNS,
            "embargoed_until",
            "expires_at",
            *(localized(name, code) for code in LANGUAGE_CODES for name in ("slug", "status", "published_at")),
            *(localized(name, language) for name in ("headline", "teaser", "body", "initials")),
        ).annotate(
            source_rows=JSONRows(
                ArticleSource.objects.filter(article=models.OuterRef("pk")).order_by("position", "pk"),
                "source_id",
                "source__code",
                *(f"source__{name}" for name in names),
            ),
            category_rows=JSONRows(
                Category.objects.filter(articles=models.OuterRef("pk")).order_by("pk"),
                "pk",
                *names,
                *(localized("slug", code) for code in LANGUAGE_CODES),
            ),
            topic_rows=JSONRows(
                Topic.objects.filter(articles=models.OuterRef("pk")).order_by("pk"),
                "pk",
                *names,
                *(localized("slug", code) for code in LANGUAGE_CODES),
            ),
            caption_rows=JSONRows(
                Caption.objects.filter(article=models.OuterRef("pk")).order_by("position", "pk"),
                *CAPTION_ROW[:-1],
                JSONRows(renditions, "width", "height", "format", "file", "crop"),
            ),
            related_rows=JSONRows(related, *card_row(language)),
        )


def card_row(language):
    """The fields of a card in `related_rows`, in order."""
    return [*CARD_COLUMNS, *(localized(name, language) for name in CARD_FIELDS)]


def from_row(model, values):
    """An instance of `model` from column values (by attribute name) read in a JSON row, as if read by a query."""
    names = [field.attname for field in model._meta.concrete_fields if field.attname in values]
    return model.from_db(None, names, [values[name] for name in names])


def json_rows(value):
    """JSON rows as read: already decoded by a JSON field, or text (a raw query; SQLite nesting)."""
    if isinstance(value, str | bytes):
        return json.loads(value)
    return value or []


def as_datetime(value):
    """A time read from a JSON row: ISO text on PostgreSQL, Django's UTC text on SQLite."""
    if value is None:
        return None
    parsed = parse_datetime(value)
    return timezone.make_aware(parsed, datetime.UTC) if timezone.is_naive(parsed) else parsed


class Article(models.Model):
    short_code = models.CharField(
        _("short code"),
        max_length=16,
        unique=True,
        blank=True,
        help_text=_("Kept from the source when imported, generated otherwise; the short link is /p/ and this code."),
    )
    headline = models.CharField(_("headline"), max_length=300, blank=True)
    slug = models.SlugField(_("slug"), max_length=255, allow_unicode=True, blank=True)
    teaser = models.TextField(_("teaser"), blank=True)
    body = models.TextField(
        _("body"),
        blank=True,
        help_text=_(
            "Paragraphs, subheads, emphasis, links, lists, quotes and the article's pictures; cleaned on save."
        ),
    )
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
    topics = models.ManyToManyField(Topic, verbose_name=_("topics"), blank=True, related_name="articles")
    related = models.ManyToManyField(
        "self", verbose_name=_("related articles"), blank=True, symmetrical=False, related_name="related_from"
    )
    images = models.ManyToManyField(
        Image, verbose_name=_("images"), through="Caption", blank=True, related_name="articles"
    )

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
    # Per imported language: the last import's fingerprint, agency version and time, and a digest of the text right
    # after it. If the text differs now, an editor has worked on it and a newer agency version must not overwrite it.
    import_state = models.JSONField(_("import state"), default=dict, blank=True, editable=False)
    agency_metadata = models.JSONField(
        _("internal agency metadata"),
        default=dict,
        blank=True,
        help_text=_("Editorial notes and agency lines from the feed; never shown to readers."),
    )
    # Per language (translation.py): the version's text folded like queries are, for the reader's search.
    search_document = models.TextField(_("search document"), blank=True, editable=False)
    # Per language (translation.py): a digest of the version's text, so a translation made from it knows when it
    # changed (TranslationSource) without reading the text again.
    text_digest = models.CharField(_("text digest"), max_length=64, blank=True, editable=False)
    # The admin searches every language at once: the search documents side by side.
    search_text = models.TextField(_("search text"), blank=True, editable=False)

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Raised by every save; an edit form carries the number it was opened at, so a stale form is refused.
    edit_version = models.PositiveIntegerField(_("edit version"), default=0, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [
            # Each language's search vector (added below), and what listings of a language's live versions sort by.
            *(
                search.SearchVectorIndex(fields=[search.vector_field(c)], name=f"article_search_{c}")
                for c in LANGUAGE_CODES
            ),
            # The editors' search: each language's folded headline.
            *(
                search.SearchVectorIndex(fields=[search.headline_vector_field(c)], name=f"article_headline_{c}")
                for c in LANGUAGE_CODES
            ),
            # What the sitemap's last modification time reads.
            models.Index(fields=["updated_at"], name="article_updated"),
            # The admin's list, newest first, and the formats its filter offers.
            models.Index(fields=["-created_at", "-id"], name="article_created"),
            models.Index(fields=["source_format"], name="article_source_format"),
            # What the scheduler looks for every minute: due versions, expiries, embargoes that end.
            *(
                models.Index(
                    fields=[localized("scheduled_at", code)],
                    condition=models.Q(**{localized("status", code): Status.SCHEDULED}),
                    name=f"article_scheduled_{code}",
                )
                for code in LANGUAGE_CODES
            ),
            models.Index(fields=["expires_at"], condition=models.Q(expires_at__isnull=False), name="article_expires"),
            models.Index(
                fields=["embargoed_until"], condition=models.Q(embargoed_until__isnull=False), name="article_embargoed"
            ),
            *(
                models.Index(
                    fields=[f"-{localized('published_at', code)}", "-id"],
                    condition=models.Q(**{localized("status", code): Status.PUBLISHED}),
                    name=f"article_published_{code}",
                )
                for code in LANGUAGE_CODES
            ),
        ]
        # The workflow's actions (workflow/transitions.py) each name one of these.
        permissions = [
            ("publish_article", _("Can publish and unpublish articles")),
            ("submit_article", _("Can submit articles for review")),
            ("schedule_article", _("Can schedule articles")),
            ("correct_article", _("Can correct published articles")),
            ("take_over_lock", _("Can take over another editor's lock")),
        ]

    def __str__(self):
        return next(filter(None, (self.text("headline", code) for code in LANGUAGE_CODES)), self.short_code)

    def save(self, *args, **kwargs):
        self.prepare_save()
        if kwargs.get("update_fields") is not None:
            derived = {
                "search_text",
                "short_code",
                "edit_version",
                *languages.fields("search_document"),
                *languages.fields("text_digest"),
            }
            kwargs["update_fields"] = set(kwargs["update_fields"]) | derived
        super().save(*args, **kwargs)

    def get_absolute_url(self, language=None):
        language = language or next((code for code in LANGUAGE_CODES if self.has_language(code)), languages.DEFAULT)
        return article_path(language, self.text("slug", language) or "article", self.pk, get_script_prefix())

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # The values as read, so a save can tell what readers will see differently without reading the row again.
        instance.loaded_values = dict(zip(field_names, values, strict=True))
        return instance

    def linked_ids(self):
        """Ids of its categories and topics and of the articles that list it as related: prefetched, or one query."""
        prefetched = getattr(self, "_prefetched_objects_cache", {})
        if {"categories", "topics", "related_from"} <= prefetched.keys():
            return dependencies.Linked(
                tuple(c.pk for c in self.categories.all()),
                tuple(t.pk for t in self.topics.all()),
                tuple(a.pk for a in self.related_from.all()),
            )
        groups = [
            Article.categories.through.objects.filter(article_id=self.pk)
            .annotate(kind=models.Value("categories"))
            .values_list("kind", "category_id"),
            Article.topics.through.objects.filter(article_id=self.pk)
            .annotate(kind=models.Value("topics"))
            .values_list("kind", "topic_id"),
            Article.related.through.objects.filter(to_article_id=self.pk)
            .annotate(kind=models.Value("related_from"))
            .values_list("kind", "from_article_id"),
        ]
        found = {name: [] for name in dependencies.Linked._fields}
        for kind, pk in groups[0].union(*groups[1:], all=True):
            found[kind].append(pk)
        return dependencies.Linked(**{name: tuple(ids) for name, ids in found.items()})

    def prepare_save(self):
        """What every save does first (`ArticleQuerySet.create_many` too): derived fields, and a new edit version."""
        self.refresh_derived_fields()
        self.edit_version += 1

    def get_preview_url(self, language):
        """The staff preview of one language version in any state (the reader page's template, never cached)."""
        with override(language):
            return reverse("reader:preview", kwargs={"pk": self.pk})

    def get_shared_preview_url(self, language):
        """
        A read-only preview link for someone without an account: signed, and valid for PREVIEW_LINK_MAX_AGE from
        now. It opens every language version of this article (the language is the URL's), nothing else.
        """
        token = signing.dumps({"article": self.pk}, salt=PREVIEW_SALT)
        with override(language):
            return reverse("reader:shared_preview", kwargs={"token": token})

    @staticmethod
    def pk_from_preview_token(token):
        """The article a shared preview token opens; raises signing.BadSignature (or SignatureExpired) otherwise."""
        data = signing.loads(token, salt=PREVIEW_SALT, max_age=settings.PREVIEW_LINK_MAX_AGE)
        return int(data["article"])

    # --- per-language access -------------------------------------------------------------------------------
    def text(self, field, language):
        return getattr(self, localized(field, language)) or ""

    def status_in(self, language):
        return getattr(self, localized("status", language)) or Status.DRAFT

    def get_status_display_in(self, language):
        return Status(self.status_in(language)).label

    def published_at_in(self, language):
        return getattr(self, localized("published_at", language))

    def scheduled_at_in(self, language):
        return getattr(self, localized("scheduled_at", language))

    def has_language(self, language):
        return bool(self.text("headline", language))

    @property
    def missing_languages(self):
        return [code for code in LANGUAGE_CODES if not self.has_language(code)]

    def is_published(self, language, now=None):
        now = now or timezone.now()
        published_at = self.published_at_in(language)
        return (
            self.status_in(language) == Status.PUBLISHED
            and published_at is not None
            and published_at <= now
            and (self.embargoed_until is None or self.embargoed_until <= now)
            and (self.expires_at is None or self.expires_at > now)
        )

    def goes_live_at(self, language, now=None):
        """When a scheduled, embargoed or future-dated version becomes visible to readers; None otherwise."""
        now = now or timezone.now()
        status = self.status_in(language)
        if status == Status.SCHEDULED:
            start = self.scheduled_at_in(language)
        elif status == Status.PUBLISHED:
            start = self.published_at_in(language)
        else:
            return None
        times = [time for time in (start, self.embargoed_until) if time is not None]
        when = max(times) if times else None
        return when if when is not None and when > now else None

    def version_state(self, language, now=None):
        """The desk's view of one language version (VersionState): its state, the time that matters, expiry."""
        now = now or timezone.now()
        if not self.has_language(language):
            return VersionState("missing", gettext("not written yet"))
        status = self.status_in(language)
        notes = []
        embargoed = self.embargoed_until is not None and self.embargoed_until > now
        if status == Status.SCHEDULED:
            scheduled = self.scheduled_at_in(language)
            key, label = "scheduled", gettext("scheduled for %(time)s") % {"time": languages.newsroom_time(scheduled)}
            if embargoed and (scheduled is None or self.embargoed_until > scheduled):
                notes.append(
                    gettext("embargoed until %(time)s") % {"time": languages.newsroom_time(self.embargoed_until)}
                )
        elif status == Status.PUBLISHED:
            published_at = self.published_at_in(language)
            if self.expires_at is not None and self.expires_at <= now:
                key, label = "expired", gettext("expired %(time)s") % {"time": languages.newsroom_time(self.expires_at)}
            elif embargoed:
                key = "embargoed"
                label = gettext("embargoed until %(time)s") % {"time": languages.newsroom_time(self.embargoed_until)}
            elif published_at is not None and published_at > now:
                key, label = (
                    "scheduled",
                    gettext("scheduled for %(time)s") % {"time": languages.newsroom_time(published_at)},
                )
            else:
                key, label = "live", str(Status.PUBLISHED.label)
        else:
            key, label = status, str(Status(status).label)
        if status in (Status.SCHEDULED, Status.PUBLISHED) and self.expires_at is not None and self.expires_at > now:
            notes.append(gettext("expires %(time)s") % {"time": languages.newsroom_time(self.expires_at)})
        return VersionState(key, label, self.goes_live_at(language, now), tuple(notes))

    def published_languages(self, now=None):
        """Codes of the language versions readers may see now, in the site's language order."""
        return [code for code in LANGUAGE_CODES if self.is_published(code, now=now)]

    def is_public_or_scheduled(self):
        """Whether any language version is live or about to be: changing it then changes what readers see."""
        return any(self.status_in(code) in (Status.PUBLISHED, Status.SCHEDULED) for code in LANGUAGE_CODES)

    def may_be_changed_by(self, user):
        """Reporters change drafts; once a language version is live or scheduled, changing it needs publishing."""
        return not self.is_public_or_scheduled() or user.has_perm(PUBLISH_PERMISSION)

    # --- completeness ------------------------------------------------------------------------------------------
    def missing_fields(self, language):
        """Names of the fields a language version needs before it can be published."""
        labels = {"headline": _("headline"), "teaser": _("teaser"), "body": _("body"), "slug": _("slug")}
        return [label for field, label in labels.items() if not strip_tags(self.text(field, language)).strip()]

    def check_complete(self, language):
        """Raise a ValidationError naming exactly what a language version lacks to be published."""
        self.refresh_derived_fields()  # a slug can be derived from the headline, so it is never "missing" then
        missing = self.missing_fields(language)
        if missing:
            raise ValidationError(
                gettext("The %(language)s version has no %(fields)s.")
                % {"language": languages.name(language), "fields": languages.interface().join(missing)},
                code="incomplete",
            )

    def publish_warnings(self, language):
        """Gaps that do not block publishing a language version but that an editor should see."""
        warnings = []
        if self.pk is None:
            return warnings
        if not self.categories.exists():
            warnings.append(gettext("The article has no category."))
        for caption in self.captions.select_related("image"):
            image = caption.image
            if image.is_awaiting_file:
                warnings.append(gettext("Image “%(image)s” is still awaiting its file.") % {"image": image})
            if not getattr(image, localized("alt_text", language)):
                warnings.append(
                    gettext("Image “%(image)s” has no %(language)s alt text.")
                    % {"image": image, "language": languages.name(language)}
                )
        return warnings

    # --- state of one language version (the workflow decides when; these say how) -------------------------------
    def publish(self, language, when=None):
        """Make one language version live; refuses an incomplete version and says what is missing."""
        self.check_complete(language)
        self.set_status(language, Status.PUBLISHED, now=when)

    def set_status(self, language, status, scheduled_at=None, now=None):
        """
        Put one language version in `status`: only a scheduled version keeps a scheduled time, and the first time a
        version goes live is its publication time.
        """
        setattr(self, localized("status", language), status)
        setattr(self, localized("scheduled_at", language), scheduled_at if status == Status.SCHEDULED else None)
        if status == Status.PUBLISHED and not self.published_at_in(language):
            setattr(self, localized("published_at", language), now or timezone.now())

    # --- what pages and exports print ---------------------------------------------------------------------------
    # Read with the article by `ArticleQuerySet.for_page` as JSON rows, these build the objects the page shows
    # (never saved); without the rows they come from the prefetch cache or a query.
    @cached_property
    def shown_sources(self):
        """Sources in the order the article credits them."""
        rows = getattr(self, "source_rows", None)
        if rows is None:
            return [link.source for link in sorted(self.source_links.all(), key=lambda link: link.position)]
        names = ["id", "code", *(localized("name", code) for code in LANGUAGE_CODES)]
        return [from_row(Source, dict(zip(names, row, strict=True))) for row in json_rows(rows)]

    @cached_property
    def shown_categories(self):
        """Its categories by name."""
        rows = getattr(self, "category_rows", None)
        if rows is None:
            return list(self.categories.all())
        fields = ["id", *(localized(name, code) for name in ("name", "slug") for code in LANGUAGE_CODES)]
        found = [from_row(Category, dict(zip(fields, row, strict=True))) for row in json_rows(rows)]
        return sorted(found, key=lambda category: (category.name or "", category.pk))

    @cached_property
    def shown_topics(self):
        """Its topics by name."""
        rows = getattr(self, "topic_rows", None)
        if rows is None:
            return list(self.topics.all())
        fields = ["id", *(localized(name, code) for name in ("name", "slug") for code in LANGUAGE_CODES)]
        found = [from_row(Topic, dict(zip(fields, row, strict=True))) for row in json_rows(rows)]
        return sorted(found, key=lambda topic: (topic.name or "", topic.pk))

    @cached_property
    def shown_captions(self):
        """Its captions in order, each with its picture and the picture's renditions."""
        rows = getattr(self, "caption_rows", None)
        if rows is None:
            return list(self.captions.all())
        captions = []
        for row in json_rows(rows):
            values = dict(zip(CAPTION_ROW, row, strict=True))
            image = from_row(Image, {name[7:]: value for name, value in values.items() if name.startswith("image__")})
            image.rendition_rows = json_rows(values["renditions"])
            caption = from_row(Caption, {"article_id": self.pk, "image_id": image.pk, **values})
            caption.image = image
            captions.append(caption)
        return captions

    def shown_related(self, language):
        """The related articles readers may see in `language`, newest first, as cards."""
        rows = getattr(self, "related_rows", None)
        if rows is None:
            return list(self.related.all())
        published_at = localized("published_at", language)
        cards = []
        for row in json_rows(rows):
            values = dict(zip(card_row(language), row, strict=True))
            values[published_at] = as_datetime(values[published_at])
            values["updated_at"] = as_datetime(values["updated_at"])
            cards.append(from_row(Article, values))
        return cards

    def ordered_sources(self):
        return self.shown_sources

    def credit_line(self, language):
        """The initials-and-agencies line, e.g. `ف.ي/أ.ح (ا ف ب، رويترز، د ب ا)`."""
        names = languages.get(language).join(source.display_name(language) for source in self.ordered_sources())
        initials = self.text("initials", language)
        if initials and names:
            return f"{initials} ({names})"
        return initials or (f"({names})" if names else "")

    def short_link(self):
        return f"{settings.SHORT_LINK_BASE}/p/{self.short_code}"

    def lead_caption(self):
        """The lead picture's caption, or None."""
        return next((caption for caption in self.shown_captions if caption.placement == Placement.LEAD), None)

    # --- derived fields ---------------------------------------------------------------------------------------
    def sanitize_bodies(self):
        """Clean each language's body with the one sanitiser; a body this instance cleaned already is left as it is."""
        cleaned = self.__dict__.setdefault("_cleaned_bodies", {})
        for language in LANGUAGE_CODES:
            body = self.text("body", language)
            if body and cleaned.get(language) != body:
                cleaned[language] = sanitizer.clean_html(body)
                setattr(self, localized("body", language), cleaned[language])

    def refresh_derived_fields(self):
        """Sanitize bodies, fill slugs and the short code, rebuild the search text: one place for all of it."""
        self.sanitize_bodies()
        for language in LANGUAGE_CODES:
            headline = self.text("headline", language)
            if headline and not self.text("slug", language):
                setattr(self, localized("slug", language), slugify(headline, allow_unicode=True)[:200].strip("-"))
        if not self.short_code:
            self.short_code = self.unique_short_code()
        documents = [
            " ".join(
                search.normalize(strip_tags(self.text(field, language))) for field in ("headline", "teaser", "body")
            )
            for language in LANGUAGE_CODES
        ]
        for language, document in zip(LANGUAGE_CODES, documents, strict=True):
            setattr(self, localized("search_document", language), document)
            setattr(self, localized("text_digest", language), self.digest_text(language))
        self.search_text = " ".join(documents)

    def digest_text(self, language):
        """A digest of one language version's headline, teaser and body: what a translation is made from."""
        return text_digest(self.text("headline", language), self.text("teaser", language), self.text("body", language))

    def content_digest(self, language, caption_texts=None):
        """
        A digest of what editors can change in one language version, captions included (pass `caption_texts`, in
        order, when they are known, to spare the query).
        """
        if caption_texts is None:
            caption_texts = [caption.text_for(language) for caption in self.captions.order_by("position", "pk")]
        digest = hashlib.sha256()
        for field in ("headline", "teaser", "body", "initials"):
            digest.update(self.text(field, language).encode() + b"\x00")
        for text in caption_texts:
            digest.update(text.encode() + b"\x00")
        return digest.hexdigest()

    @classmethod
    def unique_short_code(cls):
        while True:
            code = generate_short_code()
            if not cls.objects.filter(short_code=code).exists():
                return code


def add_search_vectors():
    """
    Per language, the search document as a tsvector in that language's configuration (the readers' search), and the
    folded headline as one (the editors'); see articles/search.py.
    """
    for language in languages.all_languages():
        expression = search.StoredSearchVector(language.field("search_document"), config=language.search_config)
        vector = models.GeneratedField(expression=expression, output_field=SearchVectorField(), db_persist=True)
        Article.add_to_class(search.vector_field(language.code), vector)
        expression = search.StoredSearchVector(search.Folded(language.field("headline")), config=language.search_config)
        vector = models.GeneratedField(expression=expression, output_field=SearchVectorField(), db_persist=True)
        Article.add_to_class(search.headline_vector_field(language.code), vector)


add_search_vectors()


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


class CaptionQuerySet(models.QuerySet):
    def with_pictures(self):
        """Captions with their images and every rendition of each, in one query."""
        return self.select_related("image").annotate(
            image_renditions=JSONRows(
                Rendition.objects.filter(image=models.OuterRef("image_id")).order_by("format", "width"),
                "width",
                "height",
                "format",
                "file",
                "crop",
            )
        )


class Caption(models.Model):
    """One use of an image in an article: where it stands and what it says there."""

    article = models.ForeignKey(Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="captions")
    image = models.ForeignKey(Image, verbose_name=_("image"), on_delete=models.PROTECT, related_name="captions")
    # What the body's picture markers (`<figure data-picture="...">`) name: made by the browser for a picture added
    # in the form, so the editor can place it in the text before it is saved.
    key = models.UUIDField(_("key"), default=uuid.uuid4, unique=True)
    placement = models.CharField(_("placement"), max_length=10, choices=Placement.choices, default=Placement.INLINE)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    paragraph = models.PositiveSmallIntegerField(
        _("after paragraph"),
        default=0,
        help_text=_(
            "Number of body paragraphs before an inline image, where the body does not place it (agency copy); "
            "a picture the editor places in the text stands there."
        ),
    )
    text = models.TextField(_("caption"), blank=True)

    objects = CaptionQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("caption")
        verbose_name_plural = _("captions")

    def __str__(self):
        return next(filter(None, (self.text_for(code) for code in LANGUAGE_CODES)), None) or str(self.image)

    def text_for(self, language):
        return getattr(self, localized("text", language)) or ""

    @property
    def image_renditions(self):
        return self.image.rendition_rows

    @image_renditions.setter
    def image_renditions(self, rows):
        # Set by `with_pictures` as each caption is read (after its image): the image then needs no query of its own.
        self.image.rendition_rows = rows


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
