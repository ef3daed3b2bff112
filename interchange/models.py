"""
What agency exchange keeps beside the articles: the feeds copy arrives from, the incoming wire (every agency item
received, in any language), and newer agency versions waiting for an editor's decision.
"""

import re
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from articles import languages
from articles.models import Article, Image, Source
from articles.search import normalize


class PendingUpdate(models.Model):
    """
    A newer agency version of an article an editor has changed since its last import: kept here instead of
    overwriting the editor's work, until an editor applies or discards it.
    """

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="pending_updates"
    )
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


def format_choices():
    # The importers' registry, imported here rather than at module level: it pulls in lxml and the parsers, which
    # model loading does not need.
    from .importers import FORMATS

    return [("auto", _("Detect automatically")), *((name, name) for name in FORMATS)]


class Feed(models.Model):
    """
    Where agency copy arrives by itself: a drop folder or a web address, polled by `manage.py ingest`. Credentials
    are named by an environment variable and never stored here.
    """

    class Kind(models.TextChoices):
        FOLDER = "folder", _("drop folder")
        URL = "url", _("web address returning items (ninjs, NewsML-G2, ...)")
        LINKS = "links", _("Atom or RSS feed whose entries link items")

    name = models.SlugField(_("name"), max_length=60, unique=True, help_text=_("What `ingest --feed` calls it."))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.URL)
    location = models.CharField(
        _("folder or web address"),
        max_length=1000,
        help_text=_("A folder below INGEST_DROP_ROOT for a drop folder, else an http(s) address."),
    )
    format = models.CharField(_("format"), max_length=20, default="auto", choices=format_choices)
    language = models.CharField(
        _("default language"),
        max_length=12,
        blank=True,
        help_text=_("ISO code for items that name no language (any language: other ones arrive as wire copy)."),
    )
    source = models.ForeignKey(
        Source,
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feeds",
        help_text=_("Credited when an item names no agency."),
    )
    is_enabled = models.BooleanField(_("enabled"), default=True)
    creates_articles = models.BooleanField(
        _("create draft articles"),
        default=False,
        help_text=_(
            "Write items in the publishing languages as draft articles at once; otherwise they wait on the incoming "
            "wire until an editor uses them."
        ),
    )
    poll_interval = models.PositiveIntegerField(
        _("poll interval (seconds)"), default=300, validators=[MinValueValidator(10)]
    )
    credentials_variable = models.CharField(
        _("credentials variable"),
        max_length=100,
        blank=True,
        validators=[RegexValidator(r"^[A-Z_][A-Z0-9_]*$", _("An environment variable name, like DPA_FEED_TOKEN."))],
        help_text=_(
            "The name of an environment variable holding “user:password” (HTTP Basic) or “Bearer <token>”; the "
            "secret itself is never stored here."
        ),
    )
    # Health: what the last polls did.
    last_polled_at = models.DateTimeField(_("last poll"), null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True, editable=False)
    items_seen = models.PositiveIntegerField(_("items seen"), default=0, editable=False)
    # What the next request sends back (ETag / Last-Modified) and which linked entries were read already.
    http_state = models.JSONField(_("HTTP state"), default=dict, blank=True, editable=False)
    # One process polls a feed at a time: it holds the lease until it is done (or the lease runs out).
    leased_until = models.DateTimeField(_("leased until"), null=True, blank=True, editable=False)
    leased_by = models.CharField(_("leased by"), max_length=200, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("feed")
        verbose_name_plural = _("feeds")

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.kind != self.Kind.FOLDER and not self.location.startswith(("http://", "https://")):
            raise ValidationError({"location": gettext("A web address starts with http:// or https://.")})
        if self.kind == self.Kind.FOLDER and not self.is_in_drop_root():
            raise ValidationError(
                {
                    "location": gettext("A drop folder must lie below %(root)s (INGEST_DROP_ROOT).")
                    % {"root": settings.INGEST_DROP_ROOT}
                }
            )
        if self.language and not re.fullmatch(r"[a-z]{2,8}", self.language):
            raise ValidationError({"language": gettext("An ISO language code such as ar, de or en.")})

    def is_in_drop_root(self):
        """Whether a drop folder lies below INGEST_DROP_ROOT (files there are read and moved, nowhere else)."""
        root = Path(settings.INGEST_DROP_ROOT).resolve()
        return bool(self.location) and Path(self.location).resolve().is_relative_to(root)

    def is_due(self, now=None):
        now = now or timezone.now()
        return self.last_polled_at is None or self.last_polled_at + timedelta(seconds=self.poll_interval) <= now

    @property
    def is_healthy(self):
        return self.last_error_at is None or (
            self.last_success_at is not None and self.last_success_at >= self.last_error_at
        )


class WireItemQuerySet(models.QuerySet):
    def search(self, query):
        """Items whose text holds every word of `query`, Arabic folded like the reader's search."""
        for word in normalize(query).split():
            self = self.filter(search_text__contains=word)
        return self


class WireItem(models.Model):
    """
    One agency item as received, in any language, latest version: the incoming wire. An editor uses it as the
    Arabic or German version of an article (or as the source a version is translated from), or ignores it.
    """

    class State(models.TextChoices):
        NEW = "new", _("new")
        USED = "used", _("used")
        IGNORED = "ignored", _("ignored")

    identifier = models.CharField(_("identifier"), max_length=500, unique=True)
    feed = models.ForeignKey(
        Feed, verbose_name=_("feed"), null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )
    file_name = models.CharField(_("file"), max_length=500, blank=True)
    format = models.CharField(_("format"), max_length=20)
    version = models.CharField(_("version"), max_length=100, blank=True)
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    language = models.CharField(_("language"), max_length=12, blank=True, db_index=True)
    headline = models.CharField(_("headline"), max_length=500)
    teaser = models.TextField(_("teaser"), blank=True)
    body = models.TextField(_("body"), blank=True, help_text=_("HTML, sanitized."))
    byline = models.CharField(_("byline"), max_length=300, blank=True)
    agency = models.CharField(_("agency"), max_length=200, blank=True)
    source = models.ForeignKey(
        Source, verbose_name=_("source"), null=True, blank=True, on_delete=models.SET_NULL, related_name="wire_items"
    )
    urgency = models.PositiveSmallIntegerField(
        _("urgency"), null=True, blank=True, db_index=True, help_text=_("1 is a flash (dpa “eil”), 9 the least urgent.")
    )
    topics = models.JSONField(_("topics"), default=list, blank=True)
    pubstatus = models.CharField(_("agency status"), max_length=20, default="usable")
    versioned_at = models.DateTimeField(_("agency version time"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("latest version received"), default=timezone.now, db_index=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.NEW, db_index=True)
    article = models.ForeignKey(
        Article,
        verbose_name=_("article"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="wire_items",
        help_text=_("The article made from this item."),
    )
    images = models.ManyToManyField(Image, verbose_name=_("pictures"), blank=True, related_name="wire_items")
    payload = models.JSONField(_("item as received"), default=dict)
    search_text = models.TextField(_("search text"), blank=True, editable=False)

    objects = WireItemQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-pk"]
        verbose_name = _("agency item")
        verbose_name_plural = _("incoming wire")

    def __str__(self):
        return self.headline

    @property
    def direction(self):
        return languages.direction(self.language)

    @property
    def is_publishing_language(self):
        return self.language in languages.CODES

    @property
    def is_flash(self):
        return self.urgency == 1

    def text(self):
        """The item's text as translations keep their source: headline, teaser and body."""
        return {"headline": self.headline, "teaser": self.teaser, "body": self.body}
