"""
The newsroom's content: articles in Arabic and German, the agencies they cite, their categories, and the pictures
they show.

Translated fields (headline, teaser, body, slug, status, ...) are registered in translation.py; each language
version of an article therefore carries its own text *and* its own publication state and time.
"""
import hashlib
import secrets
from datetime import timedelta

import reversion
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
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


def bilingual(arabic, german):
    """`اقتصاد / Wirtschaft` for choosers where editors may search in either language."""
    names = [name for name in (arabic, german) if name]
    return " / ".join(dict.fromkeys(names))


class ShownOnPublicPages(models.Model):
    """Content that public pages show: saving or deleting it orphans every cached page (see caching.py)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        caching.content_changed()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        caching.content_changed()
        return result


class Placement(models.TextChoices):
    LEAD = "lead", _("Lead image")
    INLINE = "inline", _("Inline image")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("In review")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHED = "published", _("Published")
    UNPUBLISHED = "unpublished", _("Unpublished")


class Source(ShownOnPublicPages):
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
        return bilingual(self.name_ar, self.name_de) or self.code

    def display_name(self, language):
        return getattr(self, localized("name", language)) or self.code


class Category(ShownOnPublicPages):
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
        return bilingual(self.name_ar, self.name_de) or str(self.pk)

    def save(self, *args, **kwargs):
        for language in LANGUAGE_CODES:
            name = getattr(self, localized("name", language))
            if name and not getattr(self, localized("slug", language)):
                setattr(self, localized("slug", language), slugify(name, allow_unicode=True)[:120])
        super().save(*args, **kwargs)

    def display_name(self, language):
        return getattr(self, localized("name", language)) or ""

    def get_absolute_url(self, language=None):
        language = language or LANGUAGE_CODES[0]
        with override(language):
            return reverse("articles:category", kwargs={"slug": getattr(self, localized("slug", language)) or self.pk})


def image_upload_to(instance, filename):
    now = timezone.now()
    return f"images/{now:%Y/%m}/{filename}"


class Image(ShownOnPublicPages):
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
        adding = self._state.adding
        super().save(*args, **kwargs)
        # A new picture has no renditions yet: imports create many such rows, so they skip the clean-up queries.
        if is_new_file or (not self.file and not adding):
            # Renditions are made here, when a file arrives, so no reader's request ever resizes a picture.
            self.delete_renditions()
        if is_new_file:
            self.ensure_renditions()

    def delete(self, *args, **kwargs):
        self.delete_renditions()
        return super().delete(*args, **kwargs)

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
        """Language versions readers may see now: published, live, out of embargo and not yet expired."""
        now = now or timezone.now()
        return (
            self.filter(
                **{
                    localized("status", language): Status.PUBLISHED,
                    f"{localized('published_at', language)}__lte": now,
                }
            )
            .filter(models.Q(embargoed_until__isnull=True) | models.Q(embargoed_until__lte=now))
            # Expiry hides an article at once; publish_scheduled only records it as unpublished afterwards.
            .filter(models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now))
        )

    def due(self, now=None):
        """Articles with a language version whose scheduled time has come, or a live version that has expired."""
        now = now or timezone.now()
        condition = models.Q(pk__in=[])
        for language in LANGUAGE_CODES:
            condition |= models.Q(
                **{localized("status", language): Status.SCHEDULED, f"{localized('scheduled_at', language)}__lte": now}
            )
            condition |= models.Q(**{localized("status", language): Status.PUBLISHED, "expires_at__lte": now})
        return self.filter(condition)

    def run_schedule(self, now=None, user=None, dry_run=False):
        """
        Publish what is due and unpublish what has expired, one article per transaction.

        Safe on several servers at once: each article is locked with SKIP LOCKED, so a second run passes over what
        the first is handling, and the state is read again inside the lock, so nothing is published twice.
        Returns (article, language, action, error) tuples.
        """
        now = now or timezone.now()
        report = []
        for pk in list(self.due(now).values_list("pk", flat=True)):
            with transaction.atomic():
                article = Article.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
                if article is None:
                    continue  # another run holds it
                for language, action in article.due_actions(now):
                    try:
                        if not dry_run:
                            article.transition(language, action, user, now=now, check_permission=False)
                        report.append((article, language, action, None))
                    except ValidationError as error:
                        report.append((article, language, action, " ".join(error.messages)))
                        if action == "publish":
                            # Incomplete when its time came: back to draft, so it is fixed rather than retried forever.
                            article.transition(language, "return", user, now=now, check_permission=False)
                if dry_run:
                    transaction.set_rollback(True)
        return report

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


class Article(ShownOnPublicPages):
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
    # Per imported language: the last import's fingerprint, agency version and time, and a digest of the text right
    # after it. If the text differs now, an editor has worked on it and a newer agency version must not overwrite it.
    import_state = models.JSONField(_("import state"), default=dict, blank=True, editable=False)
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

    # --- editorial workflow (issue 5) --------------------------------------------------------------------------
    # Raised by every save; an edit form carries the number it was opened at, so a stale form is refused.
    edit_version = models.PositiveIntegerField(_("edit version"), default=0, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        permissions = [
            ("publish_article", _("Can publish and unpublish articles")),
            ("submit_article", _("Can submit articles for review")),
            ("schedule_article", _("Can schedule articles")),
            ("correct_article", _("Can correct published articles")),
            ("take_over_lock", _("Can take over another editor's lock")),
        ]

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
        return [label for field, label in labels.items() if not strip_tags(self.text(field, language)).strip()]

    def check_complete(self, language):
        """Raise a ValidationError naming exactly what a language version lacks to be published."""
        self.refresh_derived_fields()  # a slug can be derived from the headline, so it is never "missing" then
        missing = self.missing_fields(language)
        if missing:
            raise ValidationError(
                gettext("The %(language)s version has no %(fields)s.")
                % {"language": language_name(language), "fields": ", ".join(str(m) for m in missing)},
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
                    % {"image": image, "language": language_name(language)}
                )
        return warnings

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

    def publish(self, language, when=None):
        """Make one language version live; refuses an incomplete version and says what is missing."""
        self.check_complete(language)
        setattr(self, localized("status", language), Status.PUBLISHED)
        setattr(self, localized("scheduled_at", language), None)
        if not self.published_at_in(language):
            setattr(self, localized("published_at", language), when or timezone.now())

    def unpublish(self, language):
        setattr(self, localized("status", language), Status.UNPUBLISHED)

    # --- editorial workflow -------------------------------------------------------------------------------------
    # The one table of what may happen to a language version: action -> (states it starts from, state it leads
    # to, permission it needs). The admin offers only actions whose start state and permission match.
    TRANSITIONS = {
        "submit": ({Status.DRAFT, Status.UNPUBLISHED}, Status.REVIEW, "articles.submit_article"),
        "return": ({Status.REVIEW, Status.SCHEDULED}, Status.DRAFT, "articles.publish_article"),
        "schedule": ({Status.DRAFT, Status.REVIEW, Status.UNPUBLISHED, Status.SCHEDULED}, Status.SCHEDULED,
                     "articles.schedule_article"),
        "publish": ({Status.DRAFT, Status.REVIEW, Status.SCHEDULED, Status.UNPUBLISHED}, Status.PUBLISHED,
                    "articles.publish_article"),
        "unpublish": ({Status.PUBLISHED}, Status.UNPUBLISHED, "articles.publish_article"),
        "correct": ({Status.PUBLISHED}, Status.PUBLISHED, "articles.correct_article"),
    }
    ACTION_LABELS = {
        "submit": _("Submit for review"),
        "return": _("Return to draft"),
        "schedule": _("Schedule"),
        "publish": _("Publish now"),
        "unpublish": _("Unpublish"),
        "correct": _("Publish a correction"),
    }
    ACTION_DONE = {
        "submit": _("Submitted the %(language)s version for review."),
        "return": _("Returned the %(language)s version to draft."),
        "schedule": _("Scheduled the %(language)s version for %(when)s."),
        "publish": _("Published the %(language)s version."),
        "unpublish": _("Unpublished the %(language)s version."),
        "correct": _("Corrected the %(language)s version: %(note)s"),
    }

    def available_actions(self, language, user):
        """Actions `user` may take on one language version now, in the table's order."""
        status = self.status_in(language)
        return [
            action
            for action, (sources, _target, permission) in self.TRANSITIONS.items()
            if status in sources and user.has_perm(permission)
        ]

    def due_actions(self, now):
        """What publish_scheduled must do to this article now: (language, "publish" | "unpublish") pairs."""
        actions = []
        for language in LANGUAGE_CODES:
            status = self.status_in(language)
            scheduled_at = getattr(self, localized("scheduled_at", language))
            if status == Status.SCHEDULED and scheduled_at and scheduled_at <= now:
                actions.append((language, "publish"))
            elif status == Status.PUBLISHED and self.expires_at and self.expires_at <= now:
                actions.append((language, "unpublish"))
        return actions

    def transition(self, language, action, user, when=None, note="", now=None, check_permission=True):
        """
        Take one workflow action on one language version, save, keep a revision and log it.

        Raises PermissionDenied when `user` may not, ValidationError when the version's state or content does not
        allow it (the message says why). The row is locked and read again first, so two editors (or an editor and
        publish_scheduled) cannot both act on the state they saw.
        """
        if action not in self.TRANSITIONS:
            raise ValidationError(gettext("Unknown action “%(action)s”.") % {"action": action}, code="unknown")
        if language not in LANGUAGE_CODES:
            raise ValidationError(gettext("Unknown language “%(language)s”.") % {"language": language}, code="unknown")
        sources, target, permission = self.TRANSITIONS[action]
        if check_permission and not user.has_perm(permission):
            raise PermissionDenied(
                gettext("You may not %(action)s articles.") % {"action": str(self.ACTION_LABELS[action]).lower()}
            )
        now = now or timezone.now()
        with transaction.atomic(), reversion.create_revision():
            current = Article.objects.select_for_update().get(pk=self.pk)
            status = current.status_in(language)
            if status not in sources:
                raise ValidationError(
                    gettext("The %(language)s version is %(status)s; it cannot be changed that way (%(action)s).")
                    % {
                        "language": language_name(language),
                        "status": str(Status(status).label).lower(),
                        "action": str(self.ACTION_LABELS[action]).lower(),
                    },
                    code="state",
                )
            if action == "publish":
                current.publish(language, when=now)
            elif action == "schedule":
                if when is None:
                    raise ValidationError(gettext("Choose when to publish."), code="required")
                when = when.replace(second=0, microsecond=0)  # the newsroom schedules to the minute
                if when <= now:
                    raise ValidationError(gettext("The scheduled time must be in the future."), code="past")
                current.check_complete(language)
                setattr(current, localized("status", language), Status.SCHEDULED)
                setattr(current, localized("scheduled_at", language), when)
            elif action == "correct":
                if not note.strip():
                    raise ValidationError(gettext("Write the correction note readers will see."), code="required")
                current.check_complete(language)
            else:
                setattr(current, localized("status", language), target)
                if action != "unpublish":
                    setattr(current, localized("scheduled_at", language), None)
            current.save()
            if action == "correct":
                Correction.objects.create(article=current, language=language, text=note.strip(), created_by=user)
            message = str(self.ACTION_DONE[action]) % {
                "language": language_name(language),
                "when": timezone.localtime(when).strftime("%Y-%m-%d %H:%M %Z") if when else "",
                "note": note.strip(),
            }
            if user is not None:
                reversion.set_user(user)
            reversion.set_comment(message)
            if user is not None and user.pk:
                LogEntry.objects.log_actions(user.pk, [current], CHANGE, change_message=message, single_object=True)
        self.refresh_from_db()
        return message

    def corrections_for(self, language):
        return self.corrections.filter(language=language).order_by("created_at")

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
        documents = {
            language: " ".join(normalize(strip_tags(self.text(field, language))) for field in ("headline", "teaser", "body"))
            for language in LANGUAGE_CODES
        }
        for language, document in documents.items():
            setattr(self, localized("search_document", language), document)
        # The admin searches both languages at once; it is the two documents side by side.
        self.search_text = " ".join(documents.values())

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

    def save(self, *args, **kwargs):
        self.refresh_derived_fields()
        self.edit_version += 1
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = set(kwargs["update_fields"]) | {
                "search_text", "short_code", "edit_version", *(localized("search_document", code) for code in LANGUAGE_CODES)
            }
        super().save(*args, **kwargs)


def language_name(language):
    return dict(settings.LANGUAGES).get(language, language)


class ArticleSource(ShownOnPublicPages):
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


class Caption(ShownOnPublicPages):
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


class PendingUpdate(models.Model):
    """
    A newer agency version of an article an editor has changed since its last import: kept here instead of
    overwriting the editor's work, until an editor applies or discards it.
    """

    article = models.ForeignKey(Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="pending_updates")
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    source_format = models.CharField(_("source format"), max_length=20)
    source_version = models.CharField(_("source version"), max_length=100, blank=True)
    file_name = models.CharField(_("file"), max_length=500, blank=True)
    payload = models.JSONField(_("incoming item"), help_text=_("The parsed item as the agency sent it."))
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    created_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("pending agency update")
        verbose_name_plural = _("pending agency updates")
        constraints = [models.UniqueConstraint(fields=["article", "fingerprint"], name="unique_pending_update")]

    def __str__(self):
        return gettext("Update of {article} ({language})").format(article=self.article, language=self.language)

    @property
    def headline(self):
        return self.payload.get("headline", "")


# --- editorial workflow (issue 5) ---------------------------------------------------------------------------------
# Revisions are registered in translation.py, once the per-language columns exist.


class Correction(models.Model):
    """A dated note shown under a published language version that was corrected after it went live."""

    article = models.ForeignKey(Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="corrections")
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    text = models.TextField(_("correction"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")

    def __str__(self):
        return self.text


class EditLock(models.Model):
    """Who is editing an article now; refreshed while their change page is open, stale after LOCK_TIMEOUT."""

    LOCK_TIMEOUT = timedelta(minutes=3)

    article = models.OneToOneField(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="edit_lock", primary_key=True
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("editor"), on_delete=models.CASCADE)
    locked_at = models.DateTimeField(_("locked since"), default=timezone.now)
    seen_at = models.DateTimeField(_("last seen"), default=timezone.now)

    class Meta:
        verbose_name = _("edit lock")
        verbose_name_plural = _("edit locks")

    def __str__(self):
        return f"{self.article} — {self.user}"

    def is_stale(self, now=None):
        return self.seen_at < (now or timezone.now()) - self.LOCK_TIMEOUT

    @classmethod
    def holder(cls, article, now=None):
        """The live lock on `article`, or None."""
        lock = cls.objects.select_related("user").filter(article=article).first()
        return None if lock is None or lock.is_stale(now) else lock

    @classmethod
    def acquire(cls, article, user, take_over=False, now=None):
        """Take or refresh the lock for `user`; returns the lock, which is someone else's if they hold it."""
        now = now or timezone.now()
        with transaction.atomic():
            lock = cls.objects.select_for_update().select_related("user").filter(article=article).first()
            if lock is not None and lock.user_id != user.pk and not lock.is_stale(now) and not take_over:
                return lock
            if lock is None:
                return cls.objects.create(article=article, user=user, locked_at=now, seen_at=now)
            if lock.user_id != user.pk:
                lock.user, lock.locked_at = user, now
            lock.seen_at = now
            lock.save()
            return lock

    @classmethod
    def release(cls, article, user):
        cls.objects.filter(article=article, user=user).delete()


class JobRun(models.Model):
    """When a periodic job last ran and what it did, so the admin can warn when cron has stopped."""

    STALE_AFTER = timedelta(minutes=5)

    name = models.CharField(_("name"), max_length=100, unique=True)
    finished_at = models.DateTimeField(_("last run"))
    summary = models.TextField(_("summary"), blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")

    def __str__(self):
        return self.name

    def is_stale(self, now=None):
        return self.finished_at < (now or timezone.now()) - self.STALE_AFTER

    @classmethod
    def record(cls, name, summary=""):
        return cls.objects.update_or_create(name=name, defaults={"finished_at": timezone.now(), "summary": summary})[0]


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
