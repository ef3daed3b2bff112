"""Topics: kept per language from imports, shown as "more topics", each with a page and a feed, exported as subjects."""

import json
import tempfile
from pathlib import Path

from django.core.cache import cache
from django.test import TestCase

from articles.models import Article, Topic
from interchange.exporters.ninjs import to_ninjs, with_relations
from interchange.importers import dwhtml

from .factories import import_files, make_article, make_category

GERMAN = {
    "uri": "urn:newsroom-test:topics:de",
    "version": "1",
    "versioncreated": "2025-06-01T08:00:00Z",
    "language": "de",
    "headlines": [{"role": "main", "value": "Neue Brücke über den Rhein"}],
    "descriptions": [{"role": "summary", "value": "Die Brücke verbindet beide Ufer."}],
    "bodies": [{"role": "main", "contenttype": "text/html", "value": "<p>Die Brücke ist eröffnet.</p>"}],
    "subjects": [{"name": "Verkehr"}, {"name": "Politik"}, {"uri": "http://cv.iptc.org/newscodes/mediatopic/04000000"}],
    "keywords": ["Rhein", "Verkehr", "Brücken"],
}


def write(obj):
    path = Path(tempfile.mkdtemp()) / "item.json"
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    return path


class TopicImportTests(TestCase):
    def test_keywords_and_subjects_become_topics_in_the_items_language(self):
        politics = make_category(name_ar="سياسة", name_de="Politik")
        import_files([write(GERMAN)], publish=True)
        article = Article.objects.get()
        names = sorted(topic.name_de for topic in article.topics.all())
        self.assertEqual(names, ["Brücken", "Politik", "Rhein", "Verkehr"], "codes name no topic; repeats once")
        self.assertTrue(all(not topic.name_ar for topic in article.topics.all()), "German topics are not Arabic")
        self.assertEqual(list(article.categories.all()), [politics])
        # Another item with a known topic finds it; an unknown one is created.
        other = {**GERMAN, "uri": "urn:newsroom-test:topics:de:2", "keywords": ["rhein", "Hochwasser"]}
        import_files([write(other)])
        self.assertEqual(Topic.objects.count(), 5)
        self.assertEqual(Topic.objects.get(slug_de="rhein").articles.count(), 2)

    def test_dw_topics(self):
        page = """<!doctype html><html lang="ar"><head><meta property="og:site_name" content="dw.com">
        <link rel="canonical" href="https://www.dw.com/ar/x/a-123"></head><body><article><header>
        <div class="kicker"><span>سياسة</span><span>ألمانيا</span></div><h1>عنوان</h1></header>
        <div class="rich-text"><p>نص.</p></div></article></body></html>"""
        (item,) = dwhtml.parse(page.encode())
        path = Path(tempfile.mkdtemp()) / "page.html"
        path.write_bytes(page.encode())
        import_files([path])
        self.assertEqual(item.topics, ["سياسة", "ألمانيا"])
        self.assertEqual(sorted(Topic.objects.values_list("name_ar", flat=True)), sorted(item.topics))


class TopicPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.topic = Topic.objects.create(name_de="Rhein", name_ar="الراين")
        cls.german_only = Topic.objects.create(name_de="Brücken")
        cls.article = make_article(publish=("ar", "de"), headline_de="Brücke am Rhein")
        cls.article.topics.add(cls.topic, cls.german_only)
        cls.draft = make_article(headline_de="Entwurf am Rhein")
        cls.draft.topics.add(cls.topic)

    def setUp(self):
        cache.clear()

    def test_topic_page_in_each_language(self):
        response = self.client.get(self.topic.get_absolute_url("de"))
        self.assertContains(response, "Brücke am Rhein")
        self.assertNotContains(response, "Entwurf am Rhein")
        self.assertContains(response, '<h1 class="page-title">Rhein</h1>', html=True)
        arabic = self.client.get(self.topic.get_absolute_url("ar"))
        self.assertContains(arabic, "الراين")
        self.assertEqual(self.client.get("/ar/topic/brucken/").status_code, 404)
        self.assertEqual(self.client.get("/de/topic/gibt-es-nicht/").status_code, 404)

    def test_topic_page_has_a_fixed_cost(self):
        # The category page's query (the list with one row to look ahead, and each card's lead picture with its
        # renditions) and the topic itself.
        for number in range(5):
            make_article(publish=("de",), headline_de=f"Meldung {number}", images=2).topics.add(self.topic)
        cache.clear()
        with self.assertNumQueries(2):
            response = self.client.get(self.topic.get_absolute_url("de"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'class="card-image"', count=5)

    def test_topic_feed(self):
        response = self.client.get(f"/de/topic/{self.topic.slug_de}/feed/rss/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Brücke am Rhein")
        self.assertNotContains(response, "Entwurf am Rhein")

    def test_more_topics_on_the_article_page(self):
        german = self.client.get(self.article.get_absolute_url("de"))
        self.assertContains(german, f'href="{self.topic.get_absolute_url("de")}"')
        self.assertContains(german, f'href="{self.german_only.get_absolute_url("de")}"')
        arabic = self.client.get(self.article.get_absolute_url("ar"))
        self.assertContains(arabic, "الراين")
        self.assertNotContains(arabic, "Brücken", msg_prefix="a topic named only in German has no Arabic link")

    def test_renaming_a_topic_refreshes_the_pages(self):
        self.client.get(self.article.get_absolute_url("de"))
        self.topic.name_de = "Rheinland"
        with self.captureOnCommitCallbacks(execute=True):  # the page cache renews what changed once it commits
            self.topic.save()
        self.assertContains(self.client.get(self.article.get_absolute_url("de")), "Rheinland")

    def test_export_lists_topics_as_subjects(self):
        article = with_relations(Article.objects.filter(pk=self.article.pk)).get()
        subjects = to_ninjs(article, "de")["subjects"]
        self.assertIn({"name": "Rhein", "uri": f"urn:newsroom:topic:{self.topic.pk}"}, subjects)
        self.assertNotIn("Brücken", [subject["name"] for subject in to_ninjs(article, "ar")["subjects"]])
