"""The article: one row with a version per publishing language, each with its own text, state and times."""

import datetime
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import strip_tags
from django.utils.text import slugify
from django.utils.translation import gettext, override
from django.utils.translation import gettext_lazy as _

from .. import dependencies, languages, sanitizer, search
from ..languages import CODES as LANGUAGE_CODES
from .common import PREVIEW_SALT, PUBLISH_PERMISSION, Placement, Status, localized, text_digest
from .pictures import CAPTION_ROW, LEAD_PICTURE_ROW, Caption, Image
from .querysets import (
    ArticleQuerySet,
    article_path,
    as_datetime,
    card_row,
    from_row,
    generate_short_code,
    json_rows,
    picture_from_row,
)
from .taxonomy import Category, Source, Topic


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
            image = picture_from_row(values)
            caption = from_row(Caption, {"article_id": self.pk, "image_id": image.pk, **values})
            # As select_related caches it (the descriptor's assignment checks what a read row need not).
            Caption.image.field.set_cached_value(caption, image)
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

    @cached_property
    def lead_picture(self):
        """
        A card's picture: the lead caption's image with its renditions, when the card was read with it
        (`with_lead_pictures`); a card read without it (a related article's) shows none, and costs no query.
        """
        found = json_rows(getattr(self, "lead_picture_rows", None))
        if not found:
            return None
        return picture_from_row(dict(zip(LEAD_PICTURE_ROW, found[0], strict=True)))

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
            # The bodies were sanitized above.
            search.document(*(self.text(field, language) for field in ("headline", "teaser", "body")))
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
        vector = search.StoredVectorField(expression=expression, output_field=SearchVectorField(), db_persist=True)
        Article.add_to_class(search.vector_field(language.code), vector)
        expression = search.StoredSearchVector(search.Folded(language.field("headline")), config=language.search_config)
        vector = search.StoredVectorField(expression=expression, output_field=SearchVectorField(), db_persist=True)
        Article.add_to_class(search.headline_vector_field(language.code), vector)


add_search_vectors()
