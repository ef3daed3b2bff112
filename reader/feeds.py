"""RSS and Atom feeds of the latest published articles, per language and per category."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from articles import dependencies
from articles.models import Article, Category, Topic, localized

from .caching import depends_on

FEED_LENGTH = 30


class LatestArticlesFeed(Feed):
    """The newest language versions readers may see, in the language of the URL."""

    description = _("The latest articles.")
    # How the feed's object (a category, a topic) narrows the articles.
    object_filter = "categories"

    def title(self, obj=None):
        return gettext("{site}: latest news").format(site=settings.SITE_NAME)

    def link(self, obj=None):
        return reverse("reader:home")

    def feed_url(self, obj=None):
        return None

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        # What the feed shows, for the page cache: the listing, and category names printed with each item.
        return depends_on(response, *getattr(request, "feed_keys", ()), dependencies.CATEGORIES)

    def get_feed(self, obj, request):
        request.feed_keys = self.dependency_keys(obj)
        feed = super().get_feed(obj, request)
        feed.feed["language"] = get_language()
        return feed

    def dependency_keys(self, obj):
        return {dependencies.listing(get_language())}

    def items(self, obj=None):
        language = get_language()
        articles = Article.objects.published(language).latest_first(language).cards(language)
        if obj is not None:
            articles = articles.filter(**{self.object_filter: obj})
        return articles.prefetch_related("categories")[:FEED_LENGTH]

    def item_title(self, item):
        return item.text("headline", get_language())

    def item_description(self, item):
        return item.text("teaser", get_language())

    def item_link(self, item):
        return item.get_absolute_url(get_language())

    def item_guid(self, item):
        return f"{item.short_link()}#{get_language()}" if item.short_code else None

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.published_at_in(get_language())

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        language = get_language()
        return [name for name in (category.display_name(language) for category in item.categories.all()) if name]


class LatestArticlesAtomFeed(LatestArticlesFeed):
    feed_type = Atom1Feed
    subtitle = LatestArticlesFeed.description


class CategoryFeed(LatestArticlesFeed):
    """The newest articles of one category."""

    def get_object(self, request, slug):
        return get_object_or_404(Category, **{localized("slug", get_language()): slug})

    def title(self, obj=None):
        return gettext("{site}: {category}").format(site=settings.SITE_NAME, category=obj.display_name(get_language()))

    def link(self, obj=None):
        return obj.get_absolute_url(get_language())

    def dependency_keys(self, obj):
        return {dependencies.category_listing(obj.pk, get_language()), dependencies.category(obj.pk)}


class TopicFeed(CategoryFeed):
    """The newest articles on one topic."""

    object_filter = "topics"

    def get_object(self, request, slug):
        return get_object_or_404(Topic, **{localized("slug", get_language()): slug})

    def dependency_keys(self, obj):
        return {dependencies.topic_listing(obj.pk, get_language()), dependencies.topic(obj.pk)}
