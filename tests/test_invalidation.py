"""
Which cached responses a change renews: a draft none, publishing article A in a language exactly A's pages and the
listings that show A in that language, a picture, caption, agency or category what shows it; the scheduler what
time changed.
"""

from datetime import timedelta
from io import StringIO
from unittest import mock

from django.core.handlers.base import BaseHandler
from django.core.management import call_command
from django.test import TestCase
from django.utils import timezone

from articles import dependencies
from articles.models import Article, Status, Topic
from reader import caching
from tests.factories import make_article, make_category, make_source, make_user
from workflow.transitions import WORKFLOW, Action


class PageSet:
    """Public pages of a test, fetched once to cache them, then asked whether each is still a cache hit."""

    def __init__(self, test, urls):
        self.test, self.urls = test, urls

    def fetch_all(self):
        for url in self.urls:
            response = self.test.client.get(url)
            self.test.assertIn(response.status_code, (200, 404), url)

    def hits(self):
        """URLs answered from the cache without a query; the others are fetched (and cached) again."""
        found = set()
        for url in self.urls:
            with mock.patch.object(
                BaseHandler, "resolve_request", autospec=True, side_effect=BaseHandler.resolve_request
            ) as resolve:
                self.test.client.get(url)
            if not resolve.called:
                found.add(url)
        return found


class InvalidationTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = make_user("chief", "chief editor")
        cls.politics = make_category("سياسة", "Politik")
        cls.sport = make_category("رياضة", "Sport")
        cls.afp = make_source()
        # A: live in Arabic, German waiting as a draft; B: live in both, elsewhere; C lists A as related.
        cls.a = make_article(publish=("ar",), categories=[cls.politics], sources=[cls.afp], headline_de="A Entwurf")
        cls.b = make_article(publish=("ar", "de"), categories=[cls.sport], headline_de="B Meldung")
        cls.c = make_article(publish=("ar", "de"), categories=[cls.sport], headline_de="C Meldung")
        cls.c.related.add(cls.a)
        cls.elections = Topic.objects.create(name="Wahlen", name_de="Wahlen")
        cls.a.topics.add(cls.elections)

    def pages(self):
        a, b, c = self.a, self.b, self.c
        return {
            "a-ar": a.get_absolute_url("ar"),
            "b-ar": b.get_absolute_url("ar"),
            "b-de": b.get_absolute_url("de"),
            "c-ar": c.get_absolute_url("ar"),
            "c-de": c.get_absolute_url("de"),
            "home-ar": "/ar/",
            "home-de": "/de/",
            "politics-ar": self.politics.get_absolute_url("ar"),
            "politics-de": self.politics.get_absolute_url("de"),
            "sport-de": self.sport.get_absolute_url("de"),
            "archive-ar": "/ar/archive/",
            "archive-de": "/de/archive/",
            "search-ar": "/ar/search/?q=خبر",
            "search-de": "/de/search/?q=Meldung",
            "rss-ar": "/ar/feed/rss/",
            "rss-de": "/de/feed/rss/",
            "politics-rss-de": self.politics.get_absolute_url("de") + "feed/rss/",
            "elections-de": self.elections.get_absolute_url("de"),
            "elections-rss-de": self.elections.get_absolute_url("de") + "feed/rss/",
            "sitemap": "/sitemap.xml",
            "sitemap-articles": "/sitemap-articles.xml",
            "news-sitemap": "/sitemap-news.xml",
            "api-ar": "/api/articles/?language=ar",
            "api-de": "/api/articles/?language=de",
            "api-a": f"/api/articles/{a.short_code}/",
            "api-b": f"/api/articles/{b.short_code}/",
            "robots": "/robots.txt",
        }

    def cached_pages(self):
        pages = PageSet(self, list(self.pages().values()))
        pages.fetch_all()
        self.assertEqual(pages.hits(), set(pages.urls), "every page is cached before the change")
        return pages

    def renewed_after(self, change):
        """Names of the pages a change renews (cached before, not a hit after), and the keys it touched."""
        pages = self.cached_pages()
        with mock.patch.object(caching, "invalidate", wraps=caching.invalidate) as invalidate:
            with self.captureOnCommitCallbacks(execute=True):
                change()
        touched = set().union(*(set(call.args[0]) for call in invalidate.call_args_list))
        by_url = {url: name for name, url in self.pages().items()}
        hits = pages.hits()
        return {by_url[url] for url in pages.urls if url not in hits}, touched

    def test_a_draft_save_leaves_every_cached_page_cached(self):
        def change():
            article = Article.objects.get(pk=self.a.pk)
            article.headline_de = "A Entwurf, überarbeitet"
            article.body_de = "<p>Neuer Text im Entwurf.</p>"
            article.save()
            make_article(headline_de="Ganz neuer Entwurf", categories=[self.politics])
            WORKFLOW.transition(article, "de", Action.SUBMIT, self.editor)

        renewed, touched = self.renewed_after(change)
        self.assertEqual(renewed, set())
        self.assertEqual(touched, set())

    def test_publishing_a_version_renews_exactly_its_pages_and_the_listings_that_show_it(self):
        renewed, touched = self.renewed_after(
            lambda: WORKFLOW.transition(Article.objects.get(pk=self.a.pk), "de", Action.PUBLISH, self.editor)
        )
        a = self.a.pk
        self.assertEqual(
            touched,
            {
                dependencies.article(a, "de"),
                dependencies.article_pages(a),  # its Arabic page now lists the German one as an alternate
                dependencies.article(self.c.pk, "de"),  # C's German page lists A as related
                dependencies.listing("de"),
                dependencies.content("de"),
                dependencies.category_listing(self.politics.pk, "de"),
                dependencies.topic_listing(self.elections.pk, "de"),
            },
        )
        self.assertEqual(
            renewed,
            {
                "a-ar",
                "c-de",
                "home-de",
                "politics-de",
                "archive-de",
                "search-de",
                "rss-de",
                "politics-rss-de",
                "elections-de",
                "elections-rss-de",
                "sitemap",
                "sitemap-articles",
                "news-sitemap",
                "api-de",
                "api-a",
            },
        )

    def test_a_correction_renews_the_corrected_version_and_what_shows_its_text(self):
        def change():
            article = Article.objects.get(pk=self.b.pk)
            article.body_de = "<p>Berichtigter Text.</p>"
            article.save()
            WORKFLOW.transition(article, "de", Action.CORRECT, self.editor, note="Eine Zahl war falsch.")

        renewed, touched = self.renewed_after(change)
        self.assertEqual(touched, {dependencies.article(self.b.pk, "de"), dependencies.content("de")})
        self.assertEqual(renewed, {"b-de", "search-de", "api-de", "api-b"})

    def test_a_headline_change_renews_the_cards_too(self):
        def change():
            article = Article.objects.get(pk=self.b.pk)
            article.headline_ar = "عنوان جديد"
            article.save()

        renewed, _touched = self.renewed_after(change)
        self.assertEqual(
            renewed,
            {"b-ar", "home-ar", "archive-ar", "search-ar", "rss-ar", "sitemap", "sitemap-articles"}
            | {"news-sitemap", "api-ar", "api-b"},
        )

    def test_unpublishing_renews_its_pages_and_listings(self):
        renewed, _touched = self.renewed_after(
            lambda: WORKFLOW.transition(Article.objects.get(pk=self.b.pk), "de", Action.UNPUBLISH, self.editor)
        )
        self.assertEqual(
            renewed,
            {"b-ar", "b-de", "home-de", "sport-de", "archive-de", "search-de", "rss-de"}
            | {"sitemap", "sitemap-articles", "news-sitemap", "api-de", "api-b"},
        )
        self.assertEqual(self.client.get(self.b.get_absolute_url("de")).status_code, 404)
        self.assertNotContains(self.client.get("/de/"), "B Meldung")

    def test_a_picture_agency_or_category_change_renews_what_shows_it(self):
        renewed, _touched = self.renewed_after(lambda: self.afp.save())
        self.assertIn("a-ar", renewed)
        self.assertIn("archive-ar", renewed)  # the agency filter's choices
        self.assertNotIn("home-ar", renewed)
        renewed, _touched = self.renewed_after(lambda: self.sport.save())
        self.assertTrue({"b-ar", "sport-de", "archive-de", "rss-de"} <= renewed)
        self.assertNotIn("a-ar", renewed)

    def test_categories_and_related_articles_changed_from_either_side(self):
        renewed, _touched = self.renewed_after(lambda: self.b.categories.add(self.politics))
        self.assertTrue({"b-ar", "b-de", "politics-de", "politics-rss-de"} <= renewed)
        self.assertNotIn("a-ar", renewed)
        renewed, _touched = self.renewed_after(lambda: self.b.related.add(self.c))
        self.assertEqual(renewed, {"b-ar", "b-de"})

    def test_topics_changed_from_either_side_and_renamed(self):
        renewed, _touched = self.renewed_after(lambda: self.b.topics.add(self.elections))
        self.assertTrue({"b-ar", "b-de", "elections-de", "elections-rss-de"} <= renewed)
        self.assertNotIn("politics-de", renewed)
        renewed, _touched = self.renewed_after(lambda: self.elections.articles.remove(self.b))
        self.assertTrue({"b-de", "elections-de"} <= renewed)

        def rename():
            self.elections.name_de = "Wahlen 2026"
            self.elections.save()

        renewed, touched = self.renewed_after(rename)
        self.assertEqual(touched, {dependencies.topic(self.elections.pk), dependencies.TOPICS})
        self.assertTrue({"elections-de", "elections-rss-de"} <= renewed)
        self.assertNotIn("home-de", renewed)


class SchedulerTests(TestCase):
    """publish_scheduled renews what it changes when it runs: nothing waits for a cache entry to expire."""

    @classmethod
    def setUpTestData(cls):
        cls.live = make_article(publish=("de",), headline_de="Schon sichtbar")

    def run_scheduler(self):
        with self.captureOnCommitCallbacks(execute=True):
            call_command("publish_scheduled", stdout=StringIO(), stderr=StringIO())

    def test_a_scheduled_version_appears_when_the_scheduler_runs(self):
        article = make_article(headline_de="Geplante Meldung")
        article.set_status("de", Status.SCHEDULED, scheduled_at=timezone.now() + timedelta(minutes=5))
        article.save()
        self.assertNotContains(self.client.get("/de/"), "Geplante Meldung")
        Article.objects.filter(pk=article.pk).update(scheduled_at_de=timezone.now() - timedelta(seconds=1))
        self.assertNotContains(self.client.get("/de/"), "Geplante Meldung")  # still the cached page
        self.run_scheduler()
        self.assertContains(self.client.get("/de/"), "Geplante Meldung")

    def test_an_expired_version_vanishes_when_the_scheduler_runs(self):
        url = self.live.get_absolute_url("de")
        self.assertContains(self.client.get("/de/"), "Schon sichtbar")
        self.assertEqual(self.client.get(url).status_code, 200)
        Article.objects.filter(pk=self.live.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
        self.run_scheduler()
        self.assertNotContains(self.client.get("/de/"), "Schon sichtbar")
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertNotContains(self.client.get("/de/feed/rss/"), "Schon sichtbar")

    def test_a_lifted_embargo_shows_when_the_scheduler_runs(self):
        article = make_article(
            publish=("de",), headline_de="Unter Sperrfrist", embargoed_until=timezone.now() + timedelta(minutes=5)
        )
        self.assertNotContains(self.client.get("/de/"), "Unter Sperrfrist")
        # Saved an hour ago under an embargo that ended a second ago: no save says it is visible now.
        Article.objects.filter(pk=article.pk).update(
            embargoed_until=timezone.now() - timedelta(seconds=1), updated_at=timezone.now() - timedelta(hours=1)
        )
        self.assertNotContains(self.client.get("/de/"), "Unter Sperrfrist")  # still the cached page
        self.run_scheduler()
        self.assertContains(self.client.get("/de/"), "Unter Sperrfrist")
        self.assertContains(self.client.get("/de/feed/rss/"), "Unter Sperrfrist")
