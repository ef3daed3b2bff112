"""sitemap.xml: every article with its published language versions as alternates, and the home pages."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse
from django.utils.translation import get_language

from articles.models import Article


class ArticleSitemap(Sitemap):
    i18n = True
    alternates = True
    x_default = True
    changefreq = "daily"
    limit = 5000

    def items(self):
        return Article.objects.published_in_any_language().order_by("-pk")

    def get_languages_for_item(self, item):
        # Only the language versions readers may see; a draft translation is neither listed nor an alternate.
        return item.published_languages()

    def location(self, item):
        return item.get_absolute_url(get_language())

    def lastmod(self, item):
        return item.updated_at


class HomeSitemap(Sitemap):
    i18n = True
    alternates = True
    x_default = True
    changefreq = "hourly"
    priority = 1.0

    def items(self):
        return ["reader:home"]

    def location(self, item):
        return reverse(item)


SITEMAPS = {"articles": ArticleSitemap, "home": HomeSitemap}
