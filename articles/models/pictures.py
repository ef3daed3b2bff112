"""Pictures: the image assets, their renditions, and the captions that place them in articles."""

import functools
import uuid
from typing import NamedTuple

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.signals import setting_changed
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.dispatch import receiver
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from PIL import Image as PILImage

from .. import languages, renditions
from ..aggregates import JSONRows
from ..languages import CODES as LANGUAGE_CODES
from .common import PUBLISH_PERMISSION, Placement, localized


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
        return not self.articles.public_or_scheduled().exists()

    def get_renditions(self, crop=renditions.ORIGINAL):
        """
        This picture's renditions of one crop (uncropped by default), narrowest first: read with its caption
        (`CaptionQuerySet.with_pictures`), from the prefetch cache, or with a query.
        """
        rows = getattr(self, "rendition_rows", None)
        if rows is not None:
            # Each row is (width, height, format, file, crop): only the crop asked for becomes an object.
            listed = [ListedRendition(*row) for row in rows if row[4] == crop]
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


class ListedRendition(NamedTuple):
    """
    A rendition read with its picture (JSON rows): what srcsets and og:image print, without a model instance. A named
    tuple, which a page makes dozens of, is several times quicker to make than a frozen dataclass.
    """

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
    return local_url(name) if files_are_local() else Rendition._meta.get_field("file").storage.url(name)


@functools.cache
def files_are_local():
    # Asked once, not per rendition: the storage is a lazy object, and every isinstance() on it goes through it.
    return isinstance(Rendition._meta.get_field("file").storage, FileSystemStorage)


@functools.lru_cache(maxsize=16384)
def local_url(name):
    return Rendition._meta.get_field("file").storage.url(name)


@receiver(setting_changed)
def forget_local_urls(sender, setting, **kwargs):
    if setting in ("MEDIA_URL", "STORAGES"):
        local_url.cache_clear()
        files_are_local.cache_clear()


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


# A caption in `ArticleQuerySet.for_page`'s rows: the caption, its picture, the picture's renditions.
# What a card's picture needs, read with the card (`ArticleQuerySet.with_lead_pictures`).
LEAD_PICTURE_ROW = ("image__id", "image__file", "image__width", "image__height", "renditions")
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
    "image__source_identifier",
    "image__remote_url",
    "renditions",
)


def rendition_rows(crops=None):
    """
    The renditions of the picture of the outer query's row (its `image_id`: a caption's, a card's lead) as JSON rows
    of what `ListedRendition` holds, narrowest first per format; only those of `crops` when given.
    """
    renditions = Rendition.objects.filter(image=models.OuterRef("image_id")).order_by("format", "width")
    if crops is not None:
        renditions = renditions.filter(crop__in=crops)
    return JSONRows(renditions, "width", "height", "format", "file", "crop")


class CaptionQuerySet(models.QuerySet):
    def with_pictures(self):
        """Captions with their images and every rendition of each, in one query."""
        return self.select_related("image").annotate(image_renditions=rendition_rows())


class Caption(models.Model):
    """One use of an image in an article: where it stands and what it says there."""

    article = models.ForeignKey(
        "articles.Article", verbose_name=_("article"), on_delete=models.CASCADE, related_name="captions"
    )
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
