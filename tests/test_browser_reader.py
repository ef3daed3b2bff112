"""The reader site in Chromium at phone and desktop widths: direction, dates, credits, links, no foreign hosts."""

import pytest
from django.core.cache import cache
from django.utils import timezone

from articles.models import Article
from tests.browser import DESKTOP, PHONE, BrowserTestCase
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

pytestmark = pytest.mark.browser


@temporary_media()
class ReaderBrowserTests(BrowserTestCase):
    def setUp(self):
        cache.clear()
        category = make_category()
        self.article = make_article(
            publish=("ar", "de"),
            images=2,
            sources=[make_source(), make_source("dpa", "د ب ا", "dpa")],
            categories=[category],
            body_ar="<p>فقرة أولى.</p><p>فقرة ثانية.</p><p>فقرة ثالثة.</p>",
            body_de="<p>Erster Absatz.</p><p>Zweiter Absatz.</p><p>Dritter Absatz.</p>",
        )
        self.article.published_at_ar = self.article.published_at_de = timezone.make_aware(
            timezone.datetime(2016, 11, 6, 10)
        )
        self.article.save()
        lead = self.article.captions.get(position=0).image
        lead.file = picture_upload(width=1200, height=675)
        lead.save()
        for number in range(3):
            make_article(publish=("ar", "de"), headline_de=f"Weitere Meldung {number}", headline_ar=f"خبر آخر {number}")
        self.seed_article = import_seed() if SEED.exists() else None

    def visit(self, path, viewport, name, locale="ar"):
        page = self.open_page(viewport=viewport, locale=locale)
        response = page.goto(self.live_server_url + path)
        self.assertEqual(response.status, 200, path)
        self.screenshot(page, name)
        self.assertNoThirdPartyRequests(page)
        return page

    def test_arabic_and_german_article_pages(self):
        for viewport, label in ((PHONE, "phone"), (DESKTOP, "desktop")):
            page = self.visit(self.article.get_absolute_url("ar"), viewport, f"article-ar-{label}")
            self.assertEqual(page.get_attribute("html", "dir"), "rtl")
            self.assertEqual(page.get_attribute("html", "lang"), "ar")
            self.assertEqual(page.text_content("article time").strip(), "٦ نوفمبر ٢٠١٦")
            self.assertEqual(page.text_content(".credit-line").strip(), "ت.ج (ا ف ب، د ب ا)")
            self.assertIn("Newsroom/Test", page.text_content(".figure .credit"))
            self.assertEqual(page.locator(".article-body figure").count(), 1)
            # The lead picture is laid out before it loads: no shift, and the image fits the phone.
            box = page.locator(".article > figure img").bounding_box()
            self.assertLessEqual(box["width"], viewport["width"])
            self.assertAlmostEqual(box["height"] / box["width"], 675 / 1200, places=2)
            # Page never scrolls sideways.
            self.assertLessEqual(page.evaluate("document.documentElement.scrollWidth"), viewport["width"])

            page = self.visit(self.article.get_absolute_url("de"), viewport, f"article-de-{label}", locale="de")
            self.assertEqual(page.get_attribute("html", "dir"), "ltr")
            self.assertEqual(page.text_content("article time").strip(), "06.11.2016")
            self.assertEqual(page.text_content(".credit-line").strip(), "tj (AFP, dpa)")

    def test_language_switch_and_short_link(self):
        page = self.visit(self.article.get_absolute_url("de"), PHONE, "switch-de", locale="de")
        page.click("a.language-switch")
        page.wait_for_load_state()
        self.assertEqual(page.get_attribute("html", "lang"), "ar")
        self.assertIn(f"/a-{self.article.pk}/", page.url)
        short = page.get_attribute(".short-link a", "href")
        page.goto(short)
        self.assertIn(f"/a-{self.article.pk}/", page.url)
        self.assertNoThirdPartyRequests(page)

    def test_home_archive_and_search(self):
        for viewport, label in ((PHONE, "phone"), (DESKTOP, "desktop")):
            page = self.visit("/ar/", viewport, f"home-ar-{label}")
            self.assertGreaterEqual(page.locator(".card").count(), 4)
            page = self.visit("/de/", viewport, f"home-de-{label}", locale="de")
            self.assertIn("Weitere Meldung 0", page.text_content("main"))
            page = self.visit("/de/archive/", viewport, f"archive-de-{label}", locale="de")
            self.assertGreaterEqual(page.locator(".card").count(), 4)
            page = self.visit("/ar/archive/", viewport, f"archive-ar-{label}")
            self.assertEqual(page.get_attribute("html", "dir"), "rtl")
        page = self.visit("/ar/", PHONE, "search-ar-phone")
        page.fill("#site-search", "الرقه" if self.seed_article else "خبر")
        page.press("#site-search", "Enter")
        page.wait_for_load_state()
        self.screenshot(page, "search-ar-results")
        self.assertGreaterEqual(page.locator(".card").count(), 1)
        self.assertNoThirdPartyRequests(page)

    @needs_seed
    def test_seed_page(self):
        for viewport, label in ((PHONE, "phone"), (DESKTOP, "desktop")):
            page = self.visit(self.seed_article.get_absolute_url("ar"), viewport, f"seed-ar-{label}")
            self.assertEqual(page.get_attribute("html", "dir"), "rtl")
            self.assertEqual(page.locator(".article-body > p").count(), 7)
            self.assertEqual(page.locator(".figure .credit").count(), 2)
            self.assertEqual(page.locator("img").count(), 0)  # no files yet: captions and credits, no broken picture
        self.assertFalse(Article.objects.get(pk=self.seed_article.pk).is_published("de"))
