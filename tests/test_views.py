"""The reader site's pages: the seed article as the seed shows it, German pages, query counts, cache and 404s."""

import json
import re
from unittest import mock, skipUnless

from django.contrib.auth.models import Permission, User
from django.core.cache import cache
from django.db import connection
from django.template import loader
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from lxml import html as lxml_html

from articles.models import Article, Category, Status
from articles.pagination import CappedPaginator
from tests.factories import (
    SEED,
    import_seed,
    make_article,
    make_category,
    make_source,
    needs_seed,
    picture_upload,
    temporary_media,
)
from workflow.models import Correction

# Fixed, whatever an article carries: the article with its agencies, categories, topics, corrections, pictures with
# their renditions and the related articles readers may see, in one query.
ARTICLE_PAGE_QUERIES = 1


def squash(text):
    return " ".join(text.replace("\xa0", " ").split())


def ui(msgid, language):
    with translation.override(language):
        return gettext(msgid)


def is_translated(msgid, language):
    """Whether the compiled catalogue has `msgid` in `language` (the lead compiles catalogues at merge time)."""
    return ui(msgid, language) != msgid


def read_seed():
    """The reference page's parts, read from the seed file at run time (never copied into the project)."""
    lines = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines()]
    skip_links = [re.sub(r"^\d+\.\s*", "", line) for line in lines if re.match(r"^\d+\.\s", line)]
    rest = [line for line in lines if line and not re.match(r"^\d+\.\s", line)]
    headline, date, teaser, short_link, lead_title, lead_credit_line = rest[:6]
    credit_prefix, lead_credit = lead_credit_line.split(": ", 1)
    credit_prefix += ":"
    body, index = [], 6
    inline = None
    while index < len(rest):
        line = rest[index]
        if re.match(r"^\S+/\S+ \(", line):
            agencies_line = line
            break
        following = rest[index + 1] if index + 1 < len(rest) else ""
        if credit_prefix in following and len(line) < 200:
            caption, credit = following.split(credit_prefix, 1)
            inline = {"after": len(body), "caption": caption.strip(), "credit": credit.strip()}
            index += 2
            continue
        body.append(line)
        index += 1
    return {
        "skip_links": skip_links,
        "headline": headline,
        "date": date,
        "teaser": teaser,
        "short_code": short_link.rstrip("/").rsplit("/", 1)[-1],
        "credit_prefix": credit_prefix,
        "lead_credit": lead_credit,
        "body": body,
        "inline": inline,
        "agencies_line": agencies_line,
    }


@needs_seed
class SeedArticlePageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.article = import_seed()
        cls.seed = read_seed()

    def setUp(self):
        cache.clear()
        self.response = self.client.get(self.article.get_absolute_url("ar"))
        self.page = lxml_html.fromstring(self.response.content)

    def test_language_and_direction(self):
        self.assertEqual(self.response.status_code, 200)
        self.assertEqual(self.page.get("lang"), "ar")
        self.assertEqual(self.page.get("dir"), "rtl")

    def test_headline_date_and_teaser(self):
        self.assertEqual(squash(self.page.findtext(".//h1")), self.seed["headline"])
        time = self.page.find(".//article//time")
        self.assertEqual(time.text, self.seed["date"])
        self.assertTrue(time.get("datetime").startswith("2016-11-06T"))
        self.assertEqual(squash(self.page.find_class("teaser")[0].text_content()), squash(self.seed["teaser"]))

    def test_skip_links(self):
        links = [squash(a.text_content()) for a in self.page.find_class("skip-links")[0].iter("a")]
        self.assertEqual(links[:2], [ui("Skip to content", "ar"), ui("Skip to main menu", "ar")])
        if is_translated("Skip to content", "ar"):
            self.assertEqual(links[:2], self.seed["skip_links"][:2])

    def test_short_link(self):
        self.assertContains(self.response, f"/p/{self.seed['short_code']}")
        response = self.client.get(f"/p/{self.seed['short_code']}", HTTP_ACCEPT_LANGUAGE="ar")
        self.assertRedirects(response, self.article.get_absolute_url("ar"), fetch_redirect_response=False)

    def test_credits_of_both_pictures(self):
        credits = [squash(node.text_content()) for node in self.page.find_class("credit")]
        prefix = ui("Image:", "ar")
        self.assertEqual(credits, [f"{prefix} {self.seed['lead_credit']}", f"{prefix} {self.seed['inline']['credit']}"])
        if is_translated("Image:", "ar"):
            self.assertEqual(prefix, self.seed["credit_prefix"])
        # Latin credits inside Arabic text are isolated.
        self.assertEqual(
            [squash(b.text_content()) for node in self.page.find_class("credit") for b in node.iter("bdi")],
            [self.seed["lead_credit"], self.seed["inline"]["credit"]],
        )

    def test_paragraphs_in_order_with_the_inline_picture_where_the_editor_put_it(self):
        body = self.page.find_class("article-body")[0]
        blocks = [child for child in body if child.tag in ("p", "figure")]
        paragraphs = [squash(child.text_content()) for child in blocks if child.tag == "p"]
        self.assertEqual(paragraphs, [squash(text) for text in self.seed["body"]])
        figure_at = [index for index, child in enumerate(blocks) if child.tag == "figure"]
        self.assertEqual(figure_at, [self.seed["inline"]["after"]])
        self.assertEqual(self.seed["inline"]["after"], 4)
        caption = squash(blocks[figure_at[0]].find_class("caption-text")[0].text_content())
        self.assertEqual(caption, self.seed["inline"]["caption"])

    def test_agencies_line(self):
        self.assertEqual(squash(self.page.find_class("credit-line")[0].text_content()), self.seed["agencies_line"])

    def test_german_draft_is_not_served_nor_linked(self):
        self.assertEqual(self.article.status_de, "draft")
        with translation.override("de"):
            url = reverse("reader:article", kwargs={"slug": "x", "pk": self.article.pk})
        self.assertEqual(self.client.get(url).status_code, 404)
        hreflangs = [
            link.get("hreflang")
            for link in self.page.iter("link")
            if link.get("rel") == "alternate" and link.get("hreflang")
        ]
        self.assertEqual(hreflangs, ["ar", "x-default"])
        self.assertNotIn(
            'hreflang="de" href="http', self.response.content.decode().replace('class="language-switch"', "")
        )


@temporary_media()
class GermanArticlePageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.category = make_category()
        cls.article = make_article(
            publish=("ar", "de"),
            sources=[make_source(), make_source("dpa", "د ب ا", "dpa")],
            images=2,
            categories=[cls.category],
        )
        cls.article.published_at_de = timezone.make_aware(timezone.datetime(2016, 11, 6, 9, 30))
        cls.article.save()

    def setUp(self):
        cache.clear()

    def test_german_page(self):
        response = self.client.get(self.article.get_absolute_url("de"))
        page = lxml_html.fromstring(response.content)
        self.assertEqual((page.get("lang"), page.get("dir")), ("de", "ltr"))
        self.assertEqual(page.find(".//article//time").text, "06.11.2016")
        self.assertEqual(squash(page.find_class("credit-line")[0].text_content()), "tj (AFP, dpa)")
        self.assertContains(response, f"{ui('Image:', 'de')} <bdi>Newsroom/Test</bdi>")
        self.assertContains(response, "Bildunterschrift 1")
        # German archive titles serve as alt text where no German alt text exists.
        self.assertContains(response, 'class="figure figure-awaiting-file"')
        self.assertNotContains(response, "<img")

    def test_reciprocal_hreflang_and_language_switch(self):
        for language, other in (("ar", "de"), ("de", "ar")):
            response = self.client.get(self.article.get_absolute_url(language))
            content = response.content.decode()
            self.assertIn(f'hreflang="{other}" href="http://testserver{self.article.get_absolute_url(other)}"', content)
            self.assertIn(
                f'hreflang="{language}" href="http://testserver{self.article.get_absolute_url(language)}"', content
            )
            self.assertIn('hreflang="x-default"', content)
            url = self.article.get_absolute_url(other)
            self.assertIn(f'class="language-switch" lang="{other}" hreflang="{other}" href="{url}"', content)

    def test_metadata(self):
        response = self.client.get(self.article.get_absolute_url("de"))
        content = response.content.decode()
        self.assertIn('<meta property="article:published_time" content="2016-11-06T09:30:00+01:00">', content)
        self.assertIn('<meta property="article:section" content="Politik">', content)
        self.assertIn('<link rel="canonical" href="http://testserver', content)
        page = lxml_html.fromstring(response.content)

        data = json.loads(page.find(".//script[@type='application/ld+json']").text)
        self.assertEqual(data["@type"], "NewsArticle")
        self.assertEqual(data["headline"], "Kurze Testmeldung")
        self.assertEqual(data["inLanguage"], "de")
        self.assertTrue(data["datePublished"].startswith("2016-11-06"))

    def test_json_ld_cannot_be_broken_out_of(self):
        self.article.headline_de = "</script><script>alert(1)</script> & Co"
        self.article.save()
        response = self.client.get(self.article.get_absolute_url("de"))
        content = response.content.decode()
        script = content.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
        self.assertNotIn("<", script)
        self.assertIn("\\u003C/script\\u003E", script)

    def test_wrong_slug_redirects_to_canonical(self):
        with translation.override("de"):
            url = reverse("reader:article", kwargs={"slug": "alter-titel", "pk": self.article.pk})
        self.assertRedirects(self.client.get(url), self.article.get_absolute_url("de"), status_code=301)

    def test_embargoed_and_unknown_articles_are_404(self):
        self.article.embargoed_until = timezone.now() + timezone.timedelta(hours=1)
        self.article.save()
        self.assertEqual(self.client.get(self.article.get_absolute_url("de")).status_code, 404)
        self.assertEqual(self.client.get("/de/x/a-999999/").status_code, 404)

    def test_404_is_localised_page(self):
        response = self.client.get("/de/nichts/a-999999/")
        self.assertContains(response, ui("Page not found", "de"), status_code=404)
        self.assertContains(response, 'lang="de"', status_code=404)


@temporary_media()
class QueryCountTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.small = make_article(publish=("ar", "de"), images=1)
        sources = [make_source(f"agency{n}", f"وكالة {n}", f"Agentur {n}") for n in range(5)]
        categories = [make_category(f"فئة {n}", f"Rubrik {n}") for n in range(5)]
        cls.large = make_article(publish=("ar", "de"), images=20, sources=sources, categories=categories)
        for caption in cls.large.captions.all()[:3]:
            caption.image.file = picture_upload()
            caption.image.save()
        cls.large.related.add(cls.small)

    def setUp(self):
        cache.clear()

    def test_article_pages_cost_the_same_whatever_they_carry(self):
        self.client.get("/ar/")  # the connection's one-time feature checks are not the page's
        Correction.objects.create(article=self.large, language="de", text="Korrigiert.")
        for article in (self.small, self.large):
            for language in ("ar", "de"):
                cache.clear()
                with self.subTest(article=article.pk, language=language), self.assertNumQueries(ARTICLE_PAGE_QUERIES):
                    response = self.client.get(article.get_absolute_url(language))
                    self.assertEqual(response.status_code, 200)

    def test_large_article_shows_everything(self):
        response = self.client.get(self.large.get_absolute_url("de"))
        self.assertEqual(response.content.decode().count("<figure"), 20)
        self.assertContains(response, "Agentur 4")
        self.assertContains(response, "Rubrik 4")
        self.assertContains(response, 'type="image/webp"')
        self.assertContains(response, 'width="64" height="48"')

    def test_listing_pages_have_fixed_costs(self):
        category = make_category("فئة القائمة", "Listenrubrik")
        for _ in range(25):
            make_article(publish=("ar", "de"), images=1, categories=[category])
        self.client.get("/ar/")  # the connection's one-time feature checks are not the page's
        budgets = (
            ("/ar/", 1),  # page (and one row to look ahead: nothing is counted) with lead pictures and renditions
            ("/de/?page=2", 1),
            (category.get_absolute_url("de"), 2),  # + the category
            ("/de/archive/", 4),  # count (capped), category and source choices of the filters, page
            (f"/de/archive/?category={category.pk}&page=2", 5),  # + the chosen category
            ("/ar/search/?q=خبر", 2),  # matches (capped), page
            ("/de/feed/rss/", 2),  # items, their categories
            (category.get_absolute_url("de") + "feed/rss/", 3),
        )
        for url, queries in budgets:
            cache.clear()
            with self.subTest(url), self.assertNumQueries(queries):
                self.assertEqual(self.client.get(url).status_code, 200)

    def test_cached_page_costs_no_query(self):
        self.client.get(self.large.get_absolute_url("ar"))
        with self.assertNumQueries(0):
            self.assertEqual(self.client.get(self.large.get_absolute_url("ar")).status_code, 200)


@temporary_media()
class CacheTests(TestCase):
    """Pages as a CDN sees them; which changes renew which pages is tested in test_caching.py."""

    @classmethod
    def setUpTestData(cls):
        cls.category = make_category()
        cls.article = make_article(publish=("ar", "de"), images=1, categories=[cls.category])

    def setUp(self):
        self.url = self.article.get_absolute_url("de")

    def test_headers_for_a_cdn(self):
        response = self.client.get(self.url)
        self.assertIn("public", response["Cache-Control"])
        self.assertIn("max-age=", response["Cache-Control"])
        self.assertIn("s-maxage=", response["Cache-Control"])
        self.assertIn("stale-while-revalidate=", response["Cache-Control"])
        self.assertIn(f"article-{self.article.pk}-de", response["Surrogate-Key"].split())
        self.assertIn(f"article-{self.article.pk}-de", response["Cache-Tag"].split(","))
        self.assertTrue(response["ETag"].startswith('"'))
        self.assertIn("Last-Modified", response)
        self.assertNotIn("Cookie", response.get("Vary", ""))

    def test_etag_answers_304(self):
        etag = self.client.get(self.url)["ETag"]
        response = self.client.get(self.url, HTTP_IF_NONE_MATCH=etag)
        self.assertEqual(response.status_code, 304)
        self.assertEqual(response.content, b"")

    def test_article_change_renews_its_page(self):
        etag = self.client.get(self.url)["ETag"]
        article = Article.objects.get(pk=self.article.pk)
        article.headline_de = "Neue Überschrift"
        with self.captureOnCommitCallbacks(execute=True):
            article.save()
        response = self.client.get(self.url, HTTP_IF_NONE_MATCH=etag)
        self.assertContains(response, "Neue Überschrift")
        self.assertNotEqual(response["ETag"], etag)

    def test_image_caption_and_category_changes_renew_the_page(self):
        self.client.get(self.url)
        image = self.article.captions.get().image
        image.credit = "Andere/Agentur"
        with self.captureOnCommitCallbacks(execute=True):
            image.save()
        self.assertContains(self.client.get(self.url), "Andere/Agentur")
        caption = self.article.captions.get()
        caption.text_de = "Neue Bildunterschrift"
        with self.captureOnCommitCallbacks(execute=True):
            caption.save()
        self.assertContains(self.client.get(self.url), "Neue Bildunterschrift")
        category = Category.objects.get(pk=self.category.pk)
        category.name_de = "Außenpolitik"
        with self.captureOnCommitCallbacks(execute=True):
            category.save()
        self.assertContains(self.client.get(self.url), "Außenpolitik")

    def test_unpublishing_removes_the_page(self):
        self.client.get(self.url)
        article = Article.objects.get(pk=self.article.pk)
        article.set_status("de", Status.UNPUBLISHED)
        with self.captureOnCommitCallbacks(execute=True):
            article.save()
        self.assertEqual(self.client.get(self.url).status_code, 404)


class ListingTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.category = make_category()
        cls.source = make_source()
        cls.with_category = make_article(publish=("ar", "de"), categories=[cls.category], sources=[cls.source])
        cls.without = make_article(publish=("de",), headline_de="Andere Meldung")
        cls.draft = make_article(headline_de="Entwurf")

    def setUp(self):
        cache.clear()

    def test_home_lists_published_versions_of_the_language(self):
        response = self.client.get("/de/")
        self.assertContains(response, "Kurze Testmeldung")
        self.assertContains(response, "Andere Meldung")
        self.assertNotContains(response, "Entwurf")
        self.assertContains(response, self.with_category.get_absolute_url("de"))
        arabic = self.client.get("/ar/")
        self.assertContains(arabic, "خبر تجريبي قصير")
        self.assertNotContains(arabic, "Andere Meldung")

    def test_category_page(self):
        response = self.client.get(self.category.get_absolute_url("de"))
        self.assertContains(response, "Kurze Testmeldung")
        self.assertNotContains(response, "Andere Meldung")
        self.assertEqual(self.client.get("/de/category/gibt-es-nicht/").status_code, 404)

    def test_archive_filters_and_pagination_keep_them(self):
        response = self.client.get("/de/archive/", {"category": self.category.pk})
        self.assertContains(response, "Kurze Testmeldung")
        self.assertNotContains(response, "Andere Meldung")
        today = timezone.localdate()
        response = self.client.get("/de/archive/", {"date_from": today + timezone.timedelta(days=1)})
        self.assertContains(response, ui("No articles match these filters.", "de"))
        response = self.client.get("/de/archive/", {"source": self.source.pk, "date_to": today})
        self.assertContains(response, "Kurze Testmeldung")

    def test_archive_pagination_links_keep_filters(self):
        for number in range(21):
            make_article(publish=("de",), headline_de=f"Meldung {number}", categories=[self.category])
        response = self.client.get("/de/archive/", {"category": self.category.pk})
        self.assertContains(response, f"?category={self.category.pk}&amp;page=2")

    def test_bad_parameters_give_an_empty_result_not_an_error(self):
        for query in ("?category=abc", "?date_from=gestern", "?page=zzz", "?page=999", "?source=-1&date_to=2016-13-45"):
            with self.subTest(query):
                self.assertEqual(self.client.get(f"/de/archive/{query}").status_code, 200)
        self.assertEqual(self.client.get("/de/?page=abc").status_code, 200)

    def test_the_first_and_last_days_there_are(self):
        # Midnight of 1 January of year 1 in Berlin is still year 0 in UTC: no bound, not an overflow.
        for query, found in (
            ("?date_from=0001-01-01", True),
            ("?date_to=0001-01-01", False),
            ("?date_to=9999-12-31", True),
        ):
            with self.subTest(query):
                response = self.client.get(f"/de/archive/{query}")
                self.assertEqual(response.status_code, 200)
                self.assertEqual("Kurze Testmeldung" in response.content.decode(), found)

    def test_addresses_no_article_can_have_are_404(self):
        self.client.raise_request_exception = False
        slug = self.with_category.text("slug", "de")
        for address in (
            f"/de/{slug}/a-{'9' * 30}/",
            "/de/category/a%00/",
            "/de/category/a%00/feed/rss/",
            "/de/topic/a%00/",
            "/de/topic/a%00/feed/rss/",
            "/api/articles/a%00/",
            "/p/a%00",
        ):
            with self.subTest(address):
                self.assertEqual(self.client.get(address).status_code, 404)

    def test_a_search_with_a_nul_searches_the_words_around_it(self):
        response = self.client.get("/de/search/", {"q": "Kurze\x00Testmeldung"})
        self.assertContains(response, self.with_category.get_absolute_url("de"))

    def test_two_categories_of_one_name_each_have_a_page(self):
        first = make_category(name_ar="رياضة", name_de="Sport")
        second = make_category(name_ar="رياضة", name_de="Sport")
        self.assertEqual((first.slug_de, second.slug_de), ("sport", "sport-2"))
        self.assertEqual(second.slug_ar, f"{first.slug_ar}-2")
        for category in (first, second):
            with self.subTest(category=category.pk):
                self.assertEqual(self.client.get(category.get_absolute_url("de")).status_code, 200)

    def test_short_link_prefers_the_readers_language_and_skips_drafts(self):
        response = self.client.get(f"/p/{self.with_category.short_code}", HTTP_ACCEPT_LANGUAGE="de")
        self.assertRedirects(response, self.with_category.get_absolute_url("de"), fetch_redirect_response=False)
        response = self.client.get(f"/p/{self.without.short_code.lower()}", HTTP_ACCEPT_LANGUAGE="ar")
        self.assertRedirects(response, self.without.get_absolute_url("de"), fetch_redirect_response=False)
        self.assertEqual(self.client.get(f"/p/{self.draft.short_code}").status_code, 404)
        self.assertEqual(self.client.get("/p/NOPE9").status_code, 404)

    def test_robots_txt(self):
        response = self.client.get("/robots.txt")
        self.assertEqual(response["Content-Type"], "text/plain; charset=utf-8")
        self.assertContains(response, "Sitemap: http://testserver/sitemap.xml")
        self.assertContains(response, "Disallow: /admin/")


@override_settings(DEBUG=False)
class ServerErrorTests(TestCase):
    def test_500_template_renders_without_context(self):

        content = loader.get_template("500.html").render()
        self.assertIn("<html", content)
        self.assertIn('dir="', content)


class CorrectionOnPageTests(TestCase):
    def test_correction_note_is_shown_dated_and_costs_no_query_of_its_own(self):
        article = make_article(publish=("ar", "de"), images=1)
        url = article.get_absolute_url("ar")
        self.client.get("/ar/")  # the connection's one-time feature checks are not the page's
        with self.assertNumQueries(ARTICLE_PAGE_QUERIES):
            self.assertNotContains(self.client.get(url), 'class="corrections"')
        with self.captureOnCommitCallbacks(execute=True):
            Correction.objects.create(
                article=article, language="ar", text="صُحّح اسم المدينة.", created_by=User.objects.create(username="ed")
            )
        with self.assertNumQueries(ARTICLE_PAGE_QUERIES):
            response = self.client.get(url)
        self.assertContains(response, 'class="corrections"')
        self.assertContains(response, "صُحّح اسم المدينة.")
        self.assertNotContains(self.client.get(article.get_absolute_url("de")), 'class="corrections"')


class PreviewTests(TestCase):
    """Previews: any version in any state for staff, 404 for everyone else, never cached, never indexed."""

    @classmethod
    def setUpTestData(cls):
        cls.editor = User.objects.create_user("desk", password="pw", is_staff=True)
        cls.editor.user_permissions.add(Permission.objects.get(codename="view_article"))
        cls.reader = User.objects.create_user("reader", password="pw")
        cls.draft = make_article(headline_de="Entwurf für morgen", publish=["ar"])

    def setUp(self):
        cache.clear()

    def preview_url(self, language="de", article=None):
        return (article or self.draft).get_preview_url(language)

    def test_anonymous_and_non_staff_get_404_like_a_draft(self):
        self.assertEqual(self.client.get(self.preview_url()).status_code, 404)
        self.client.force_login(self.reader)
        self.assertEqual(self.client.get(self.preview_url()).status_code, 404)
        self.assertEqual(self.client.get(self.draft.get_absolute_url("de")).status_code, 404)

    def test_staff_see_the_draft_in_the_page_template_with_a_banner(self):
        self.client.force_login(self.editor)
        response = self.client.get(self.preview_url())
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, '<article class="article">')  # the article page's own template
        page = lxml_html.fromstring(response.content.decode())
        self.assertEqual(page.xpath("//h1")[0].text_content(), "Entwurf für morgen")
        banner = page.xpath('//div[@class="preview-banner"]')[0].text_content()
        self.assertIn(ui("Draft", "de"), banner)
        self.assertIn(reverse("admin:articles_article_change", args=[self.draft.pk]), response.content.decode())
        self.assertEqual(page.xpath('//meta[@name="robots"]/@content'), ["noindex, nofollow"])
        self.assertEqual(response["X-Robots-Tag"], "noindex, nofollow")

    def test_never_cached_anywhere(self):
        self.client.force_login(self.editor)
        response = self.client.get(self.preview_url())
        cache_control = response["Cache-Control"]
        for directive in ("no-cache", "no-store", "private"):
            self.assertIn(directive, cache_control)
        self.assertNotIn("ETag", response)
        # A change shows at once: nothing kept the first rendering.
        Article.objects.filter(pk=self.draft.pk).update(headline_de="Geänderter Entwurf")
        self.assertContains(self.client.get(self.preview_url()), "Geänderter Entwurf")
        self.client.logout()
        self.assertEqual(self.client.get(self.preview_url()).status_code, 404)

    def test_banner_says_when_a_scheduled_or_embargoed_version_goes_live(self):
        when = timezone.now() + timezone.timedelta(days=2)
        article = make_article(publish=["de"], embargoed_until=when)
        self.client.force_login(self.editor)
        with translation.override("de"):
            response = self.client.get(self.preview_url("de", article))
        banner = lxml_html.fromstring(response.content.decode()).xpath('//div[@class="preview-banner"]')[0]
        self.assertIn(ui("embargoed until %(time)s", "de").split("%")[0].strip(), banner.text_content())
        self.assertIn(timezone.localtime(when).strftime("%H:%M"), banner.text_content())

    def test_a_missing_version_has_no_preview(self):
        self.client.force_login(self.editor)
        article = make_article(languages=["ar"])
        self.assertEqual(self.client.get(self.preview_url("de", article)).status_code, 404)

    def test_language_switch_leads_to_the_other_preview(self):
        self.client.force_login(self.editor)
        page = lxml_html.fromstring(self.client.get(self.preview_url("ar")).content.decode())
        self.assertEqual(page.xpath('//a[@class="language-switch"]/@href'), [self.preview_url("de")])

    def test_shared_link_opens_without_an_account_read_only_and_expires(self):
        url = self.draft.get_shared_preview_url("de")
        response = self.client.get(url)
        self.assertContains(response, "Entwurf für morgen")
        self.assertNotContains(response, reverse("admin:articles_article_change", args=[self.draft.pk]))
        self.assertIn("no-store", response["Cache-Control"])
        self.assertEqual(self.client.post(url).status_code, 405)
        self.assertEqual(self.client.get(url.replace("preview/", "preview/x")).status_code, 404)
        with override_settings(PREVIEW_LINK_MAX_AGE=-1):
            self.assertEqual(self.client.get(url).status_code, 404)

    def test_previews_are_in_no_sitemap_or_feed(self):
        self.client.force_login(self.editor)
        for name in ("sitemap_index", "news_sitemap", "reader:feed_rss"):
            with self.subTest(url=name), translation.override("de"):
                response = self.client.get(reverse(name))
                content = b"".join(response) if response.streaming else response.content
                self.assertNotIn(b"preview", content)
                self.assertNotIn("Entwurf für morgen".encode(), content)


@temporary_media()
class TeaserCropTests(TestCase):
    def test_cards_show_the_wide_crop_cut_around_the_focal_point(self):
        cache.clear()
        article = make_article(publish=["de"], images=1)
        image = article.captions.get().image
        image.file = picture_upload(width=1200, height=900)
        image.save()
        wide = {rendition.url for rendition in image.get_renditions("16:9")}
        html = self.client.get("/de/").content.decode()
        card = lxml_html.fromstring(html).xpath('//li[contains(@class, "card")]//img')[0]
        self.assertIn(card.get("src"), wide)
        self.assertEqual(int(card.get("width")) * 9, int(card.get("height")) * 16)


class KeysetListingTests(TestCase):
    """Home and category pages link to their neighbours by the articles at their edges, in order, none twice."""

    @classmethod
    def setUpTestData(cls):
        now = timezone.now()
        cls.category = make_category("فئة", "Rubrik")
        for number in range(47):
            article = make_article(publish=("de",), headline_de=f"Meldung {number}", categories=[cls.category])
            # Pairs published at the same second: the id keeps their order.
            Article.objects.filter(pk=article.pk).update(published_at_de=now - timezone.timedelta(minutes=number // 2))
        cls.expected = [
            article.headline_de for article in Article.objects.published("de").latest_first("de").only("headline_de")
        ]

    def walk(self, url, rel):
        pages = []
        while url:
            cache.clear()  # the page itself, not the cache's copy of it
            response = self.client.get(url)
            self.assertEqual(response.status_code, 200)
            pages.append([article.headline_de for article in response.context_data["page_obj"].object_list])
            link = lxml_html.fromstring(response.content).xpath(f'//nav[@class="pagination"]/a[@rel="{rel}"]/@href')
            url = response.wsgi_request.path + link[0] if link else None
            if rel == "next" and url:
                self.assertIn("older_than=", url)
        return pages, response.wsgi_request.get_full_path()

    def test_older_links_walk_every_article_once_and_newer_links_walk_back(self):
        for start in ("/de/", self.category.get_absolute_url("de")):
            with self.subTest(start):
                forward, last = self.walk(start, "next")
                self.assertEqual([headline for page in forward for headline in page], self.expected)
                self.assertEqual([len(page) for page in forward], [20, 20, 7])
                backward, first = self.walk(last, "prev")
                self.assertEqual(backward, forward[::-1])
                self.assertEqual(first, start)

    def test_a_page_from_an_edge_costs_what_the_first_does(self):
        older = Article.objects.published("de").latest_first("de")[19]
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(f"/de/?page=2&older_than={older.pk}")
        self.assertEqual(response.context_data["page_obj"].object_list[0].headline_de, self.expected[20])
        listing = [query["sql"] for query in queries.captured_queries if "ORDER BY" in query["sql"]]
        self.assertNotIn("OFFSET", listing[0])

    def test_an_edge_article_gone_from_the_list_starts_again_from_the_newest(self):
        gone = make_article(publish=("ar",))
        cache.clear()
        response = self.client.get(f"/de/?page=3&older_than={gone.pk}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context_data["page_obj"].object_list[0].headline_de, self.expected[0])


class CappedListingTests(TestCase):
    """Listings offer at most `LIST_CAP` articles as pages; past them, the archive narrowed by date."""

    @classmethod
    def setUpTestData(cls):
        now = timezone.now()
        for number in range(45):
            article = make_article(publish=("de",), headline_de=f"Meldung {number}")
            Article.objects.filter(pk=article.pk).update(published_at_de=now - timezone.timedelta(days=number))

    def setUp(self):
        patcher = mock.patch.object(CappedPaginator, "cap", 30)
        patcher.start()
        self.addCleanup(patcher.stop)

    def test_pages_stop_at_the_cap_and_the_last_links_to_older_articles(self):
        response = self.client.get("/de/?page=99")
        self.assertEqual(response.context_data["page_obj"].number, 2)
        self.assertContains(response, "Meldung 29")
        self.assertNotContains(response, "Meldung 30")
        older = response.context_data["older_url"]
        self.assertTrue(older.startswith("/de/archive/?date_to="))
        archive = self.client.get(older)
        self.assertContains(archive, "Meldung 29")
        self.assertContains(archive, "Meldung 44")
        self.assertNotContains(archive, "Meldung 28<")

    def test_the_archive_says_when_it_shows_only_the_newest(self):
        response = self.client.get("/de/archive/")
        self.assertTrue(response.context_data["paginator"].is_capped)
        self.assertEqual(response.context_data["paginator"].count, 30)
        self.assertContains(response, 'class="result-count"')

    def test_home_categories_and_topics_count_nothing(self):
        category = make_category("فئة", "Rubrik")
        Article.objects.first().categories.add(category)
        for url in ("/de/", "/de/?page=2", category.get_absolute_url("de")):
            with self.subTest(url), CaptureQueriesContext(connection) as queries:
                response = self.client.get(url)
            self.assertEqual(response.status_code, 200)
            self.assertFalse([query for query in queries.captured_queries if "COUNT(" in query["sql"]], url)

    def test_the_lookahead_row_tells_whether_an_older_page_follows(self):
        first, second = self.client.get("/de/"), self.client.get("/de/?page=2")
        self.assertTrue(first.context_data["page_obj"].has_next())
        self.assertContains(first, 'rel="next"')
        self.assertContains(first, "Seite 1<")
        self.assertFalse(second.context_data["page_obj"].has_next())
        self.assertEqual(len(second.context_data["page_obj"].object_list), 10)  # 30 under the cap, 20 a page

    def test_no_query_counts_more_than_the_cap(self):
        with CaptureQueriesContext(connection) as queries:
            self.client.get("/de/archive/")
        counts = [query["sql"] for query in queries.captured_queries if "COUNT(" in query["sql"]]
        self.assertTrue(counts)
        self.assertTrue(all("LIMIT 31" in sql for sql in counts), counts)


@skipUnless(connection.vendor == "postgresql", "query plans are PostgreSQL's")
class ListingPlanTests(TestCase):
    """Each listing reads its language's partial index in order, never every published article."""

    @classmethod
    def setUpTestData(cls):
        cls.category = make_category()
        for number in range(30):
            make_article(publish=("ar", "de"), categories=[cls.category], headline_de=f"Meldung {number}")

    def plan(self, queryset):
        with connection.cursor() as cursor:
            # Tiny test tables are cheaper to scan; forbidding scans asks whether an index can serve the query.
            cursor.execute("SET LOCAL enable_seqscan = off")
            sql, params = queryset.query.sql_with_params()
            cursor.execute(f"EXPLAIN {sql}", params)
            return "\n".join(row[0] for row in cursor.fetchall())

    def test_listings_use_the_language_index(self):
        for language in ("ar", "de"):
            newest = Article.objects.published(language).latest_first(language).cards(language)
            day = timezone.now() - timezone.timedelta(days=1)
            listings = {
                "home": newest[:20],
                "home, page 50": newest[980:1000],
                "archive, older": newest.filter(**{f"published_at_{language}__lt": day})[:20],
                "category": newest.filter(categories=self.category)[:20],
                "feed": newest[:30],
            }
            for name, queryset in listings.items():
                with self.subTest(language=language, listing=name):
                    plan = self.plan(queryset)
                    self.assertIn(f"article_published_{language}", plan)
                    self.assertNotIn("Seq Scan on articles_article", plan)
                    if name != "category":  # the index's order is the listing's: nothing is sorted
                        self.assertNotIn("Sort", plan)

    def test_the_capped_count_reads_the_index_too(self):
        plan = self.plan(Article.objects.published("de").latest_first("de")[:1001].values("pk"))
        self.assertIn("article_published_de", plan)
        self.assertNotIn("Seq Scan on articles_article", plan)
