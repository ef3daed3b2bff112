"""RSS/Atom feeds: per language and per category, only published versions, never embargoed ones."""

from django.core.cache import cache
from django.test import TestCase
from django.utils import timezone
from lxml import etree

from tests.factories import make_article, make_category


class FeedTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.category = make_category()
        cls.both = make_article(publish=("ar", "de"), categories=[cls.category])
        cls.arabic_only = make_article(publish=("ar",), headline_ar="خبر عربي فقط", headline_de="Nur Entwurf")
        cls.embargoed = make_article(
            publish=("ar", "de"),
            headline_de="Gesperrt",
            headline_ar="محظور",
            embargoed_until=timezone.now() + timezone.timedelta(hours=3),
        )

    def setUp(self):
        cache.clear()

    def titles(self, url):
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        root = etree.fromstring(response.content)
        return [node.text for node in root.iter("title", "{http://www.w3.org/2005/Atom}title")][1:]

    def test_german_rss_lists_only_published_german_versions(self):
        self.assertEqual(self.titles("/de/feed/rss/"), ["Kurze Testmeldung"])

    def test_arabic_atom(self):
        titles = self.titles("/ar/feed/atom/")
        self.assertCountEqual(titles, ["خبر تجريبي قصير", "خبر عربي فقط"])

    def test_category_feed(self):
        self.assertEqual(self.titles(f"/de/category/{self.category.slug_de}/feed/rss/"), ["Kurze Testmeldung"])
        self.assertEqual(self.client.get("/de/category/nichts/feed/rss/").status_code, 404)

    def test_items_link_to_their_language_version(self):
        content = self.client.get("/de/feed/rss/").content.decode()
        self.assertIn(f"http://testserver{self.both.get_absolute_url('de')}", content)
        self.assertIn("<language>de</language>", content)
