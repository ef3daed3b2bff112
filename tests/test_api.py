"""The read-only ninjs API: only what readers may see, filtered and paginated."""

import json
from datetime import timedelta

from django.test import TestCase
from django.utils import timezone

from articles.models import Topic

from .factories import make_article, make_category, make_source


class ArticleApiTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.afp = make_source("afp")
        cls.dpa = make_source("dpa")
        cls.culture = make_category(name_ar="ثقافة", name_de="Kultur")
        cls.both = make_article(publish=("ar", "de"), sources=[cls.afp], categories=[cls.culture], images=2)
        cls.arabic = make_article(publish=("ar",), sources=[cls.dpa])
        cls.draft = make_article()
        cls.embargoed = make_article(publish=("ar", "de"), embargoed_until=timezone.now() + timedelta(hours=2))

    def get(self, url, **params):
        return self.client.get(url, params)

    def codes(self, response):
        return {item["altids"][0]["value"] for item in response.json()["results"]}

    def test_lists_only_published_versions_never_drafts_or_embargoed(self):
        response = self.get("/api/articles/", language="ar")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/json")
        self.assertIn("public", response["Cache-Control"])
        self.assertEqual(self.codes(response), {self.both.short_code, self.arabic.short_code})
        self.assertEqual(self.codes(self.get("/api/articles/", language="de")), {self.both.short_code})

    def test_filters(self):
        self.assertEqual(self.codes(self.get("/api/articles/", language="ar", source="dpa")), {self.arabic.short_code})
        self.assertEqual(
            self.codes(self.get("/api/articles/", language="ar", category=self.culture.slug_ar)), {self.both.short_code}
        )
        self.assertEqual(
            self.codes(self.get("/api/articles/", language="de", category=self.culture.slug_de)), {self.both.short_code}
        )
        self.assertEqual(
            self.codes(self.get("/api/articles/", language="ar", category=str(self.culture.pk))), {self.both.short_code}
        )
        later = (timezone.now() + timedelta(minutes=1)).isoformat()
        self.assertEqual(self.codes(self.get("/api/articles/", language="ar", published_after=later)), set())
        self.assertEqual(len(self.codes(self.get("/api/articles/", language="ar", published_before=later))), 2)

    def test_bad_parameters_are_a_clear_400(self):
        response = self.get("/api/articles/", language="fr")
        self.assertEqual(response.status_code, 400)
        self.assertIn("language", response.json()["errors"])
        self.assertEqual(self.get("/api/articles/", published_after="yesterday").status_code, 400)
        self.assertEqual(self.get("/api/articles/", page="x").status_code, 400)

    def test_values_python_reads_differently_are_refused_or_found_nothing(self):
        # "²" is a digit to str.isdigit, not to int(); a time at +14:00 on 1 January of year 1 is before any UTC time.
        self.assertEqual(self.get("/api/articles/", category="²").status_code, 200)
        self.assertEqual(self.codes(self.get("/api/articles/", category="²")), set())
        for name, value in (
            ("published_after", "0001-01-01T00:00:00+14:00"),
            ("published_before", "9999-12-31T23:59:59-14:00"),
        ):
            with self.subTest(name):
                response = self.get("/api/articles/", **{name: value})
                self.assertEqual(response.status_code, 400)
                self.assertIn("years 1 to 9999", json.dumps(response.json()))
        self.assertEqual(self.get("/api/articles/", page="99").status_code, 404)

    def test_pagination_links(self):
        for _ in range(3):
            make_article(publish=("ar",))
        first = self.get("/api/articles/", language="ar", page_size=2).json()
        self.assertEqual(first["count"], 5)
        self.assertEqual(len(first["results"]), 2)
        self.assertIsNone(first["previous"])
        self.assertIn("page=2", first["next"])
        self.assertIn("page_size=2", first["next"])
        last = self.client.get(first["next"].replace("http://testserver", "")).json()
        self.assertIn("page=1", last["previous"])

    def test_list_costs_a_fixed_number_of_queries(self):
        self.get("/api/articles/", language="de")  # the connection's one-time feature checks are not the list's
        with self.assertNumQueries(2):  # count (capped), the page with every relation as JSON rows
            self.get("/api/articles/", language="ar")

    def test_detail(self):
        response = self.get(f"/api/articles/{self.both.short_code}/")
        self.assertEqual([item["language"] for item in response.json()], ["ar", "de"])
        german = self.get(f"/api/articles/{self.both.short_code}/", language="de").json()
        self.assertEqual(german["headlines"][0]["value"], self.both.headline_de)
        self.assertEqual(self.get(f"/api/articles/{self.arabic.short_code}/", language="de").status_code, 404)
        self.assertEqual(self.get(f"/api/articles/{self.draft.short_code}/").status_code, 404)
        self.assertEqual(self.get(f"/api/articles/{self.embargoed.short_code}/").status_code, 404)
        self.assertEqual(self.get("/api/articles/NOPE9/").json()["error"], "no published article with that short code")

    def test_a_renamed_topic_is_renamed_in_cached_answers(self):
        topic = Topic.objects.create(name_de="Wahlen")
        self.both.topics.add(topic)
        detail, listing = f"/api/articles/{self.both.short_code}/", "/api/articles/"
        self.assertIn("Wahlen", self.get(detail, language="de").content.decode())
        self.assertIn("Wahlen", self.get(listing, language="de").content.decode())
        with self.captureOnCommitCallbacks(execute=True):
            topic.name_de = "Europawahl"
            topic.save()
        self.assertIn("Europawahl", self.get(detail, language="de").content.decode())
        self.assertIn("Europawahl", self.get(listing, language="de").content.decode())
