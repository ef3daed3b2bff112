"""Revisions: every admin save keeps one; two can be compared per language and one restored."""

from django.test import TestCase
from django.urls import reverse

from articles.models import Article, Status
from tests.factories import make_article, make_user
from workflow import revisions
from workflow.transitions import WORKFLOW


class RevisionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = make_user("editor", "editor")

    def setUp(self):
        self.client.force_login(self.editor)

    def save_through_admin(self, article, **changes):
        url = reverse("admin:articles_article_change", args=[article.pk])
        form = self.client.get(url).context["adminform"].form
        data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
        for prefix in ("source_links", "captions"):
            data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
        data.update(changes)
        response = self.client.post(url, data)
        self.assertEqual(
            response.status_code, 302, getattr(response, "context", None) and response.context["adminform"].form.errors
        )

    def test_every_save_keeps_a_revision_saying_what_changed(self):
        article = make_article()
        self.save_through_admin(article, headline_de="Erste Fassung")
        self.save_through_admin(article, headline_de="Zweite Fassung", teaser_ar="مقدمة جديدة")
        versions = list(revisions.versions_of(article))
        self.assertEqual(len(versions), 2)
        self.assertEqual(versions[0].revision.user, self.editor)
        self.assertIn("[de]", versions[0].revision.get_comment())
        self.assertIn("[ar]", versions[0].revision.get_comment())

    def test_compare_shows_per_language_diff_escaped(self):
        article = make_article()
        self.save_through_admin(article, headline_de="Alt <script>alert(1)</script>")
        self.save_through_admin(article, headline_de="Neu")
        old, new = reversed(revisions.versions_of(article))
        response = self.client.get(
            reverse("admin:articles_article_compare", args=[article.pk]), {"a": old.pk, "b": new.pk}
        )
        self.assertContains(response, "&lt;script&gt;")
        self.assertNotContains(response, "<script>alert")
        german = [s for s in response.context["sections"] if s["code"] == "de"][0]
        arabic = [s for s in response.context["sections"] if s["code"] == "ar"][0]
        self.assertEqual([str(label) for label, _table in german["rows"]], ["headline"])
        self.assertEqual(arabic["rows"], [])

    def test_compare_without_choice_explains(self):
        article = make_article()
        response = self.client.get(reverse("admin:articles_article_compare", args=[article.pk]), follow=True)
        self.assertContains(response, "Choose two revisions")

    def test_history_lists_revisions_to_compare(self):
        article = make_article()
        self.save_through_admin(article, headline_de="Eins")
        response = self.client.get(reverse("admin:articles_article_history", args=[article.pk]))
        self.assertContains(response, 'name="a"')
        self.assertContains(response, reverse("admin:articles_article_compare", args=[article.pk]))

    def test_restore_brings_back_text_but_not_workflow_state(self):
        article = make_article()
        self.save_through_admin(article, headline_de="Gute Fassung")
        good = revisions.versions_of(article).first()
        self.save_through_admin(article, headline_de="Verdorbene Fassung")
        article.refresh_from_db()
        WORKFLOW.transition(article, "de", "publish", self.editor)
        stale_version = Article.objects.get(pk=article.pk).edit_version
        response = self.client.get(reverse("admin:articles_article_revision", args=[article.pk, good.pk]))
        self.assertContains(response, "Restore this revision")
        self.client.post(reverse("admin:articles_article_revision", args=[article.pk, good.pk]))
        article.refresh_from_db()
        self.assertEqual(article.headline_de, "Gute Fassung")
        self.assertEqual(article.status_de, Status.PUBLISHED)
        self.assertGreater(article.edit_version, stale_version)
        self.assertIn("Restored", revisions.versions_of(article).first().revision.get_comment())

    def test_reporter_cannot_restore_a_published_article(self):
        article = make_article()
        self.save_through_admin(article, headline_de="Fassung")
        version = revisions.versions_of(article).first()
        WORKFLOW.transition(article, "de", "publish", self.editor)
        self.client.force_login(make_user("reporter", "reporter"))
        response = self.client.post(reverse("admin:articles_article_revision", args=[article.pk, version.pk]))
        self.assertEqual(response.status_code, 403)
