"""The public templates' helpers: the parts of every page rendered once per language (`chrome`), escaping."""

import jinja2.runtime
from django.core.cache import cache
from django.template import engines
from django.test import SimpleTestCase, TestCase, override_settings
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy
from lxml import html as lxml_html
from markupsafe import Markup, escape

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


class HTMLish:
    def __html__(self):
        return "<b>bold</b>"


class FastEscapeTests(SimpleTestCase):
    VALUES = [
        "Krieg & Frieden <\"Syrien\"> 'heute'",
        "سوريا <ب> & «ج»",
        "",
        Markup("<em>safe</em>"),
        SafeString("<i>Django-safe</i>"),
        HTMLish(),
        7,
        None,
        3.5,
        gettext_lazy("Archive"),
    ]

    def test_the_same_markup_as_markupsafe(self):
        for value in self.VALUES:
            with self.subTest(value=value):
                ours, theirs = templating.fast_escape(value), escape(value)
                self.assertEqual(ours, theirs)
                self.assertIs(type(ours), Markup)

    def test_the_templates_print_with_it(self):
        self.assertIs(jinja2.runtime.escape, templating.fast_escape)
        template = engines["jinja2"].from_string("{{ a }}|{{ b }}|{{ c }}|{{ d }}")
        self.assertEqual(
            template.render({"a": "<x> & y", "b": Markup("<p>"), "c": HTMLish(), "d": 42}),
            "&lt;x&gt; &amp; y|<p>|<b>bold</b>|42",
        )
