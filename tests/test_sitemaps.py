"""sitemap.xml with language alternates, and the Google News sitemap of the last two days."""

import datetime
from unittest import mock

from django.core.cache import cache
from django.db import connection
from django.db.models import Max
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from lxml import etree

from articles.models import Article
from reader.sitemaps import ArticleSitemap
from tests.factories import make_article

NS = {
    "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "x": "http://www.w3.org/1999/xhtml",
    "n": "http://www.google.com/schemas/sitemap-news/0.9",
}


@override_settings(LANGUAGE_CODE="ar")  # x-default follows the site's default language, as in production
class SitemapTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.both = make_article(publish=("ar", "de"))
        cls.german_draft = make_article(publish=("ar",), headline_ar="عربي فقط")
        cls.draft = make_article()
        cls.embargoed = make_article(publish=("ar", "de"), embargoed_until=timezone.now() + timezone.timedelta(hours=1))
        cls.old = make_article(publish=("de",), headline_de="Alte Meldung")
        cls.old.published_at_de = timezone.now() - timezone.timedelta(days=5)
        cls.old.save()

    def setUp(self):
        cache.clear()

    def test_index_lists_sections(self):
        root = etree.fromstring(self.client.get("/sitemap.xml").content)
        locations = root.xpath("//s:loc/text()", namespaces=NS)
        self.assertIn("http://testserver/sitemap-articles.xml", locations)

    def test_the_index_dates_the_articles_by_their_live_versions_only(self):
        # A draft's edit says nothing to readers: the index's time is the newest live article's.
        Article.objects.filter(pk=self.draft.pk).update(updated_at=timezone.now() + timezone.timedelta(days=1))
        live = Article.objects.published_in_any_language().aggregate(latest=Max("updated_at"))["latest"]
        self.assertEqual(ArticleSitemap().get_latest_lastmod(), live)
        root = etree.fromstring(self.client.get("/sitemap.xml").content)
        (shown,) = root.xpath("//s:lastmod/text()", namespaces=NS)
        self.assertEqual(datetime.datetime.fromisoformat(shown), live)

    def test_only_published_versions_with_reciprocal_alternates(self):
        root = etree.fromstring(self.client.get("/sitemap-articles.xml").content)
        urls = {url.findtext("s:loc", namespaces=NS): url for url in root.findall("s:url", NS)}
        expected = {
            f"http://testserver{self.both.get_absolute_url('ar')}",
            f"http://testserver{self.both.get_absolute_url('de')}",
            f"http://testserver{self.german_draft.get_absolute_url('ar')}",
            f"http://testserver{self.old.get_absolute_url('de')}",
        }
        self.assertEqual(set(urls), expected)
        alternates = {
            link.get("hreflang"): link.get("href")
            for link in urls[f"http://testserver{self.both.get_absolute_url('de')}"].findall("x:link", NS)
        }
        self.assertEqual(set(alternates), {"ar", "de", "x-default"})
        lonely = urls[f"http://testserver{self.german_draft.get_absolute_url('ar')}"].findall("x:link", NS)
        self.assertNotIn("de", {link.get("hreflang") for link in lonely})

    def test_news_sitemap_has_the_last_two_days_only(self):
        response = self.client.get("/sitemap-news.xml")
        root = etree.fromstring(response.content)
        entries = {
            (url.findtext("s:loc", namespaces=NS), url.findtext(".//n:language", namespaces=NS))
            for url in root.findall("s:url", NS)
        }
        self.assertEqual(
            entries,
            {
                (f"http://testserver{self.both.get_absolute_url('ar')}", "ar"),
                (f"http://testserver{self.both.get_absolute_url('de')}", "de"),
                (f"http://testserver{self.german_draft.get_absolute_url('ar')}", "ar"),
            },
        )


class SitemapPagingTests(TestCase):
    """Pages are ranges of ids: each costs the same few small queries however large the archive is."""

    @classmethod
    def setUpTestData(cls):
        cls.articles = [make_article(publish=("ar", "de")) for _ in range(5)]

    def setUp(self):
        cache.clear()
        patcher = mock.patch.object(ArticleSitemap, "limit", 2)
        patcher.start()
        self.addCleanup(patcher.stop)

    def locations(self, url):
        return etree.fromstring(self.client.get(url).content).xpath("//s:loc/text()", namespaces=NS)

    def test_the_index_lists_every_page(self):
        pages = -(-self.articles[-1].pk // 2)
        locations = self.locations("/sitemap.xml")
        self.assertIn("http://testserver/sitemap-articles.xml", locations)
        self.assertIn(f"http://testserver/sitemap-articles.xml?p={pages}", locations)
        self.assertNotIn(f"http://testserver/sitemap-articles.xml?p={pages + 1}", locations)

    def test_each_article_is_on_exactly_one_page(self):
        first, pages = -(-self.articles[0].pk // 2), -(-self.articles[-1].pk // 2)
        seen = [loc for page in range(first, pages + 1) for loc in self.locations(f"/sitemap-articles.xml?p={page}")]
        expected = [f"http://testserver{a.get_absolute_url(code)}" for a in self.articles for code in ("ar", "de")]
        self.assertEqual(sorted(seen), sorted(expected))
        self.assertEqual(self.client.get(f"/sitemap-articles.xml?p={pages + 1}").status_code, 404)

    def test_a_page_reads_few_queries_and_no_bodies(self):
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(self.client.get("/sitemap-articles.xml?p=2").status_code, 200)
        self.assertEqual(len(queries), 2)  # the highest id, then the page's range
        self.assertFalse([q["sql"] for q in queries if "body_ar" in q["sql"] or "search_document" in q["sql"]])
