"""
sitemap.xml: every article with its published language versions as alternates, and the home pages; and the news
sitemap of the last two days' language versions.
"""

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from articles import languages
from articles.models import Article

NEWS_SITEMAP_DAYS = 2


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


@require_GET
def news_sitemap(request):
    """A Google News sitemap: language versions published in the last two days."""
    since = timezone.now() - timezone.timedelta(days=NEWS_SITEMAP_DAYS)
    entries = []
    for language in languages.CODES:
        for article in Article.objects.published_since(language, since).latest_first(language)[:1000]:
            entries.append(
                {
                    "location": request.build_absolute_uri(article.get_absolute_url(language)),
                    "language": language,
                    "title": article.text("headline", language),
                    "published_at": article.published_at_in(language),
                }
            )
    return render(
        request,
        "reader/news_sitemap.xml",
        {"entries": entries, "publication": settings.SITE_NAME},
        content_type="application/xml; charset=utf-8",
    )
