"""Search: Arabic folded the same way at index and query time, on SQLite and on PostgreSQL alike."""

import importlib
from unittest import mock, skipUnless

from django.contrib.postgres.search import SearchQuery
from django.core.cache import cache
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import languages, search
from articles.models import Article
from articles.search import normalize
from tests.factories import make_article


class NormalizeTests(TestCase):
    def test_arabic_letter_variants_marks_and_tatweel(self):
        self.assertEqual(normalize("الرقة"), normalize("الرقه"))
        self.assertEqual(normalize("أحمد إلى آخر"), "احمد الي اخر")
        self.assertEqual(normalize("مُحَمَّد"), "محمد")
        self.assertEqual(normalize("كتــاب"), "كتاب")
        self.assertEqual(normalize("Straße GROSS"), "strasse gross")

    def test_german_umlauts_and_sharp_s_fold_like_their_spelt_out_forms(self):
        self.assertEqual(normalize("Öffnungszeiten"), normalize("Oeffnungszeiten"))
        self.assertEqual(normalize("Straße"), normalize("Strasse"))
        self.assertEqual(normalize("Mädchen für Bücher"), "maedchen fuer buecher")


class SearchTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.raqqa = make_article(
            publish=("ar", "de"),
            headline_ar="معركة الرقة تبدأ",
            body_ar="<p>بدأت القوات هجوما على مدينة الرقة.</p>",
            headline_de="Offensive auf Rakka beginnt",
            body_de="<p>Die Truppen greifen die Stadt Rakka an.</p>",
        )
        cls.other = make_article(
            publish=("ar", "de"), headline_ar="مكتبة المدينة", headline_de="Stadtbibliothek öffnet länger"
        )
        cls.draft = make_article(headline_ar="مسودة عن الرقة", headline_de="Entwurf über Rakka")
        cls.embargoed = make_article(
            publish=("ar", "de"),
            headline_ar="خبر محظور عن الرقة",
            headline_de="Sperrfrist Rakka",
            embargoed_until=timezone.now() + timezone.timedelta(days=1),
        )

    def setUp(self):
        cache.clear()

    def search(self, query, language):
        return list(Article.objects.published(language).search(query, language))

    def test_taa_marbuta_folded_at_both_ends(self):
        self.assertEqual(self.search("الرقه", "ar"), [self.raqqa])
        self.assertEqual(self.search("الرقة", "ar"), [self.raqqa])

    def test_german(self):
        self.assertEqual(self.search("Rakka", "de"), [self.raqqa])
        self.assertEqual(self.search("stadtbibliothek", "de"), [self.other])

    def test_language_versions_are_searched_separately(self):
        self.assertEqual(self.search("Rakka", "ar"), [])

    def test_empty_query_finds_nothing(self):
        self.assertEqual(self.search("   ", "ar"), [])

    def test_search_page(self):
        response = self.client.get("/ar/search/", {"q": "الرقه"})
        self.assertContains(response, "معركة الرقة تبدأ")
        self.assertNotContains(response, "مسودة")
        self.assertNotContains(response, "محظور")
        self.assertContains(response, 'value="الرقه"')

    def test_hostile_queries_are_harmless(self):
        for query in ("'); DROP TABLE articles_article; --", "<script>", "a & | ! :*", "x" * 1000):
            with self.subTest(query=query[:20]):
                response = self.client.get("/de/search/", {"q": query})
                self.assertEqual(response.status_code, 200)
                self.assertNotContains(response, "<script>")

    def test_german_search_folds_umlauts_and_sharp_s(self):
        library = make_article(
            publish=("de",), headline_de="Neue Öffnungszeiten in der Bahnhofstraße", body_de="<p>Ab Montag.</p>"
        )
        self.assertEqual(self.search("Oeffnungszeiten", "de"), [library])
        self.assertEqual(self.search("Bahnhofstrasse", "de"), [library])
        self.assertEqual(self.search("öffnungszeiten", "de"), [library])


class CandidateTests(TestCase):
    """A common word ranks only the newest matches: the work per query does not grow with the archive."""

    @classmethod
    def setUpTestData(cls):
        now = timezone.now()
        cls.articles = []
        for age in range(6):
            article = make_article(publish=("ar",), headline_ar=f"سوريا خبر رقم {age}")
            Article.objects.filter(pk=article.pk).update(published_at_ar=now - timezone.timedelta(hours=age + 1))
            cls.articles.append(article)

    def test_only_the_newest_matches_are_ranked_and_the_page_says_so(self):
        cache.clear()
        with mock.patch.object(search, "RANKED_CANDIDATES", 4):
            found = list(Article.objects.published("ar").search("سوريا", "ar"))
            response = self.client.get("/ar/search/", {"q": "سوريا"})
        self.assertEqual(set(found), set(self.articles[:4]))
        self.assertContains(response, "٤")  # the count, in the page's digits
        self.assertEqual(len(response.context_data["object_list"]), 4)
        self.assertTrue(response.context_data["capped"])


@skipUnless(connection.vendor == "postgresql", "full-text search plans exist on PostgreSQL only")
class SearchPlanTests(TestCase):
    """The match is found in the language's GIN index over the stored vector, never by reading every article."""

    @classmethod
    def setUpTestData(cls):
        for number in range(30):
            make_article(publish=("ar", "de"), headline_ar=f"سوريا {number}", headline_de=f"Syrien {number}")

    def plan(self, queryset):
        with connection.cursor() as cursor:
            # Tiny test tables are cheaper to scan; forbidding scans asks whether the index can serve the query.
            cursor.execute("SET LOCAL enable_seqscan = off")
            sql, params = queryset.query.sql_with_params()
            cursor.execute(f"EXPLAIN {sql}", params)
            return "\n".join(row[0] for row in cursor.fetchall())

    def test_each_language_matches_in_its_index(self):
        for language, word, index in (("ar", "سوريا", "article_search_ar"), ("de", "Syrien", "article_search_de")):
            query = SearchQuery(search.normalize(word), config=languages.get(language).search_config)
            with self.subTest(language=language):
                plan = self.plan(Article.objects.filter(**{search.vector_field(language): query}))
                self.assertIn(f"Bitmap Index Scan on {index}", plan)

    def test_a_search_reads_no_article_it_does_not_need(self):
        for language, word in (("ar", "سوريا"), ("de", "Syrien")):
            with self.subTest(language=language):
                plan = self.plan(Article.objects.published(language).search(word, language))
                self.assertNotIn("Seq Scan", plan)
                self.assertNotIn("to_tsvector", plan)  # the stored vector is read, never computed per row
                self.assertIn("Limit", plan)  # only a bounded set of matches is ranked


class StoredVectorTests(TestCase):
    """The generated vector columns: the database fills them; inserts do not read them back."""

    def test_inserts_read_back_only_the_key(self):
        with CaptureQueriesContext(connection) as queries:
            make_article(headline_de="Hochwasser am Rhein", publish=["de"])
            Article.objects.create_many([Article(headline_de="Brücke über die Mosel", short_code="VEC22")])
        inserts = [
            query["sql"]
            for query in queries.captured_queries
            if query["sql"].startswith('INSERT INTO "articles_article"')
        ]
        self.assertEqual(len(inserts), 2)
        for sql in inserts:
            self.assertNotIn("vector", sql.partition(" RETURNING ")[2])

    @skipUnless(connection.vendor == "postgresql", "the vectors are PostgreSQL's")
    def test_the_database_fills_them_for_searches(self):
        Article.objects.create_many([Article(headline_de="Brücke über die Mosel", short_code="VEC22")])
        article = Article.objects.get(short_code="VEC22")
        self.assertIn("mosel", article.headline_vector_de)
        self.assertIn("mosel", article.search_vector_de)


class RebuiltDocumentsTests(TestCase):
    """Migration 0008 writes every article's search documents as saving it would."""

    def test_documents_built_before_are_rebuilt(self):
        from django.apps import apps

        rebuild = importlib.import_module("articles.migrations.0008_search_documents_keep_paragraphs_apart")
        article = make_article(headline_de="Brücke", body_de="<p>in Berlin</p><p>Die Stadt</p>", publish=["de"])
        saved = Article.objects.values_list("search_document_de", "search_document_ar", "search_text").get()
        Article.objects.update(search_document_de="in berlindie stadt", search_text="in berlindie stadt")
        rebuild.rebuild_search_documents(apps, None)
        self.assertEqual(
            Article.objects.values_list("search_document_de", "search_document_ar", "search_text").get(), saved
        )
        self.assertIn("berlin die", saved[0])
        article.refresh_from_db()
        self.assertEqual(article.body_de, "<p>in Berlin</p><p>Die Stadt</p>")
