"""
sitemap.xml: every live language version of every article with its other live versions as alternates, the home
pages, and the news sitemap of the last two days.

The article sitemap is paged by ranges of primary keys and reads only the columns it prints, so a crawler fetching
any page of it at any archive size costs one index lookup and five hundred small rows, never the whole table.
"""

import math

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models import Max
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.decorators.http import require_GET

from articles import languages
from articles.models import Article

NEWS_SITEMAP_DAYS = 2
NEWS_SITEMAP_LIMIT = 1000


class KeyRangePage:
    def __init__(self, object_list, number):
        self.object_list = object_list
        self.number = number


class KeyRangePaginator:
    """
    Pages as ranges of primary keys (page 1 holds ids 1 to `per_page`): each page is one index range scan however
    deep it is, and counting the pages reads one row. A range whose articles were deleted gives a short page.
    """

    def __init__(self, queryset, per_page):
        self.queryset = queryset
        self.per_page = per_page

    @cached_property
    def num_pages(self):
        highest = self.queryset.aggregate(highest=Max("pk"))["highest"] or 0
        return max(1, math.ceil(highest / self.per_page))

    def page(self, number):
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger("That page number is not an integer") from None
        if not 1 <= number <= self.num_pages:
            raise EmptyPage("That page contains no results")
        first = (number - 1) * self.per_page
        return KeyRangePage(self.queryset.filter(pk__gt=first, pk__lte=first + self.per_page).order_by("pk"), number)


class ArticleSitemap(Sitemap):
    changefreq = "daily"
    limit = 500

    # What deciding which versions are live, and printing their addresses, reads; bodies stay in the database.
    COLUMNS = [
        "pk",
        "updated_at",
        "embargoed_until",
        "expires_at",
        *(languages.field(name, code) for code in languages.CODES for name in ("slug", "status", "published_at")),
    ]

    def items(self):
        return Article.objects.published_in_any_language().only(*self.COLUMNS)

    @cached_property
    def paginator(self):
        return KeyRangePaginator(self.items(), self.limit)

    def get_latest_lastmod(self):
        # Of live versions only: a draft's edit is no change to the sitemap, and its time is not the public's.
        return self.items().aggregate(latest=Max("updated_at"))["latest"]

    def get_urls(self, page=1, site=None, protocol=None):
        """One entry per live language version, each listing every live version (and x-default) as alternates."""
        protocol = self.get_protocol(protocol)
        prefix = f"{protocol}://{self.get_domain(site)}"
        now = timezone.now()
        urls, latest = [], None
        for article in self.paginator.page(page).object_list:
            live = article.published_languages(now)
            if not live:
                continue
            locations = {code: prefix + article.get_absolute_url(code) for code in live}
            alternates = [{"location": location, "lang_code": code} for code, location in locations.items()]
            alternates.append({"location": locations[live[0]], "lang_code": "x-default"})
            latest = max(latest or article.updated_at, article.updated_at)
            urls.extend(
                {
                    "item": article,
                    "location": location,
                    "lastmod": article.updated_at,
                    "changefreq": self.changefreq,
                    "priority": "",
                    "alternates": alternates,
                }
                for location in locations.values()
            )
        self.latest_lastmod = latest
        return urls


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
    """A Google News sitemap: language versions published in the last two days (their titles, never their bodies)."""
    since = timezone.now() - timezone.timedelta(days=NEWS_SITEMAP_DAYS)
    entries = []
    for language in languages.CODES:
        columns = ["pk", *(languages.field(name, language) for name in ("slug", "headline", "published_at"))]
        articles = Article.objects.published_since(language, since).latest_first(language).only(*columns)
        for article in articles[:NEWS_SITEMAP_LIMIT]:
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
