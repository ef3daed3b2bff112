"""Sets of articles: what readers may see, what the desk lists, and what each public page reads in one query."""

import datetime
import functools
import json
import operator
import secrets

from django.core.signals import setting_changed
from django.db import models
from django.db.models.base import ModelState
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import override

from .. import renditions, search
from ..aggregates import JSONRows
from ..languages import CODES as LANGUAGE_CODES
from .common import SHORT_CODE_ALPHABET, SHORT_CODE_LENGTH, Placement, Status, localized
from .pictures import CAPTION_ROW, LEAD_PICTURE_ROW, Caption, Image, rendition_rows
from .taxonomy import ArticleSource, Category, Topic

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

    def older_than(self, language, pk):
        """What `latest_first` lists after article `pk`: published before it, or at the same time with a lower id."""
        return self.filter(self._edge(language, pk, "lt"))

    def newer_than(self, language, pk):
        """What `latest_first` lists before article `pk`."""
        return self.filter(self._edge(language, pk, "gt"))

    def _edge(self, language, pk, lookup):
        field = localized("published_at", language)
        # The edge article's time is read in the same query, so a link carries only its id.
        at = models.Subquery(self.model.objects.filter(pk=pk).order_by().values(field)[:1])
        # The inclusive bound alone is what the published-date index answers; the id orders articles published at
        # the same moment.
        return models.Q(**{f"{field}__{lookup}e": at}) & (
            models.Q(**{f"{field}__{lookup}": at}) | models.Q(**{f"pk__{lookup}": pk})
        )

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

    def with_lead_pictures(self):
        """
        Each article's lead picture with its renditions as a JSON row of the same query, which `Article.lead_picture`
        reads: a list of cards costs one query, and builds no caption or picture model per card.
        """
        leads = Caption.objects.filter(article=models.OuterRef("pk"), placement=Placement.LEAD)
        return self.annotate(
            lead_picture_rows=JSONRows(
                leads.order_by("position", "pk"), *LEAD_PICTURE_ROW[:-1], rendition_rows(), limit=1
            )
        )

    def for_page(self, language, now=None):
        """
        What the `language` version's page prints, in one query: the columns it shows (its alternates need every
        language's slug and state) and, as JSON rows, its agencies, categories, pictures with their renditions and
        the related articles readers may see (`now` as for `published`; `Now()` keeps the query's SQL constant).
        """
        links = self.model.related.through.objects.filter(from_article_id=models.OuterRef(models.OuterRef("pk")))
        related = (
            # Through the links first (an index lookup), then those articles: not every article joined to the links.
            self.model.objects.filter(pk__in=links.values("to_article_id"))
            .filter(published_condition(language, now or timezone.now()))
            .order_by(f"-{localized('published_at', language)}", "-pk")
        )
        return (
            self.only(
                *CARD_COLUMNS,
                "embargoed_until",
                "expires_at",
                *(localized(name, code) for code in LANGUAGE_CODES for name in ("slug", "status", "published_at")),
                *(localized(name, language) for name in ("headline", "teaser", "body", "initials")),
            )
            # A page shows its pictures uncropped: the teaser crops are for cards.
            .with_relation_rows(rendition_crops=[renditions.ORIGINAL])
            .annotate(related_rows=JSONRows(related, *card_row(language)))
        )

    def with_relation_rows(self, rendition_crops=None):
        """
        Its agencies, categories, topics and pictures with their renditions (of `rendition_crops` when given) as JSON
        rows of the same query, which `Article.shown_sources` and the others read: a list of N articles costs one
        query, not one per relation, and no related manager is built per article (prefetching does both).
        """
        names = [localized("name", code) for code in LANGUAGE_CODES]
        return self.annotate(
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
                rendition_rows(rendition_crops),
            ),
        )


def card_row(language):
    """The fields of a card in `related_rows`, in order."""
    return [*CARD_COLUMNS, *(localized(name, language) for name in CARD_FIELDS)]


def from_row(model, values):
    """
    An instance of `model` from column values (by attribute name) read in a JSON row, as `Model.from_db` gives it
    when the query read those columns: the others are deferred (read on first use). Built without calling the
    model's constructor: a page builds dozens of these display objects (agencies, pictures, cards) and never saves
    them, and the constructor, with django-modeltranslation's wrapper and the init signals, was most of their cost.
    """
    instance = model.__new__(model)
    instance._state = ModelState()
    instance._state.adding = False
    instance.__dict__.update((name, values[name]) for name in concrete_attnames(model) if name in values)
    return instance


@functools.cache
def concrete_attnames(model):
    return tuple(field.attname for field in model._meta.concrete_fields)


def picture_from_row(values):
    """The picture of a caption's or a card's JSON row: its `image__` columns, and its renditions as listed."""
    image = from_row(Image, {name[7:]: value for name, value in values.items() if name.startswith("image__")})
    image.rendition_rows = json_rows(values["renditions"])
    return image


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
