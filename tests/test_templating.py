"""The public templates' helpers: the parts of every page rendered once per language (`chrome`)."""

from django.core.cache import cache
from django.test import TestCase, override_settings
from lxml import html as lxml_html

from reader import templating
from tests.factories import make_article


def page(client, path, **params):
    response = client.get(path, params)
    return response, lxml_html.fromstring(response.content)


@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}})
class ChromeTests(TestCase):
    def setUp(self):
        cache.clear()
        templating.chrome_parts.cache_clear()

    def test_each_language_has_its_own_menu_and_footer(self):
        article = make_article(publish=("ar", "de"))
        for code, home, archive_label in (("ar", "/ar/", "الأرشيف"), ("de", "/de/", "Archiv")):
            with self.subTest(code):
                _response, tree = page(self.client, article.get_absolute_url(code))
                self.assertEqual(tree.get("lang"), code)
                self.assertEqual(tree.xpath("//a[@class='brand']/@href"), [home])
                self.assertIn(archive_label, tree.xpath("//footer//a/text()"))
                self.assertEqual(tree.xpath("//form[@role='search']/@action"), [f"/{code}/search/"])

    def test_rendered_once_per_language(self):
        article = make_article(publish=("ar", "de"))
        for _ in range(3):
            for code in ("ar", "de"):
                self.client.get(article.get_absolute_url(code))
        info = templating.chrome_parts.cache_info()
        self.assertEqual((info.misses, info.currsize), (2, 2))

    def test_a_changed_site_name_is_shown_at_once(self):
        article = make_article(publish=("de",))
        self.client.get(article.get_absolute_url("de"))
        with self.settings(SITE_NAME="Nachrichten Test"):
            _response, tree = page(self.client, article.get_absolute_url("de"))
        self.assertEqual(tree.xpath("//a[@class='brand']/text()"), ["Nachrichten Test"])
        self.assertIn("Nachrichten Test", tree.xpath("//footer//a/text()"))

    def test_the_search_form_shows_the_query_where_there_is_one(self):
        article = make_article(publish=("de",))
        _response, tree = page(self.client, "/de/search/", q="<Wahl & Ergebnis>")
        self.assertEqual(tree.xpath("//input[@id='site-search']/@value"), ["<Wahl & Ergebnis>"])
        _response, tree = page(self.client, article.get_absolute_url("de"))
        self.assertEqual(tree.xpath("//input[@id='site-search']/@value"), [""])

    def test_a_page_outside_the_languages_urls_still_has_its_menu(self):
        response, tree = page(self.client, "/de/no-such-page/")
        self.assertEqual(response.status_code, 404)
        self.assertEqual(tree.xpath("//a[@class='brand']/@href"), ["/de/"])
        self.assertEqual(len(tree.xpath("//footer//a")), 4)
