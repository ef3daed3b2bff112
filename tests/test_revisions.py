"""Revisions: every admin save keeps one; two can be compared per language and one restored."""

import json
from datetime import UTC, datetime, timedelta

import reversion
from django.db import connection
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from lxml import html as lxml_html

from articles import languages
from articles.models import Article, Status
from interchange import writer
from tests.factories import make_article, make_category, make_source, make_user
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
        self.assertEqual([str(change["label"]) for change in german["changes"]], ["headline"])
        self.assertEqual(arabic["changes"], [])

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

    def test_restore_fills_the_columns_revisions_leave_out(self):
        article = make_article()
        self.save_through_admin(article, headline_ar="نسخة جيدة", headline_de="Gute Fassung")
        good = revisions.versions_of(article).first()
        (data,) = json.loads(good.serialized_data)
        left_out = {"headline", "body", "slug", "search_document", "search_document_ar", "headline_vector_de"}
        self.assertFalse(left_out & data["fields"].keys())
        self.save_through_admin(article, headline_ar="نسخة سيئة", headline_de="Schlechte Fassung")
        self.client.post(reverse("admin:articles_article_revision", args=[article.pk, good.pk]))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT headline, search_document_ar, search_document_de FROM articles_article WHERE id = %s",
                [article.pk],
            )
            headline, arabic, german = cursor.fetchone()
        self.assertIn(headline, ("نسخة جيدة", "Gute Fassung"))
        self.assertIn("نسخه جيده", arabic)  # as search folds it
        self.assertIn("gute fassung", german)

    def test_reporter_cannot_restore_a_published_article(self):
        article = make_article()
        self.save_through_admin(article, headline_de="Fassung")
        version = revisions.versions_of(article).first()
        WORKFLOW.transition(article, "de", "publish", self.editor)
        self.client.force_login(make_user("reporter", "reporter"))
        response = self.client.post(reverse("admin:articles_article_revision", args=[article.pk, version.pk]))
        self.assertEqual(response.status_code, 403)


class ReadableCompareTests(TestCase):
    """The compare page as an editor reads it: words highlighted, local times, no internal values."""

    @classmethod
    def setUpTestData(cls):
        cls.editor = make_user("editor", "editor")

    def setUp(self):
        self.client.force_login(self.editor)

    def revise(self, article, **changes):
        with reversion.create_revision():
            reversion.set_user(self.editor)
            for name, value in changes.items():
                setattr(article, name, value)
            article.save()
        return revisions.versions_of(article).first()

    def compare_page(self, article, old, new):
        return self.client.get(reverse("admin:articles_article_compare", args=[article.pk]), {"a": old.pk, "b": new.pk})

    def test_an_inserted_arabic_word_is_highlighted_in_the_right_to_left_column(self):
        article = make_article()
        old = self.revise(article, body_ar="<p>قالت الوزارة إن الاجتماع انتهى.</p><p>فقرة ثانية.</p>")
        new = self.revise(article, body_ar="<p>قالت الوزارة اليوم إن الاجتماع انتهى.</p><p>فقرة ثانية.</p>")
        response = self.compare_page(article, old, new)
        page = lxml_html.fromstring(response.content.decode())
        inserted = page.xpath('//td[@lang="ar"][@dir="rtl"]/ins')
        self.assertEqual([element.text.strip() for element in inserted], ["اليوم"])
        self.assertEqual(page.xpath('//td[@lang="ar"]/del'), [])
        # The unchanged second paragraph is its own row, shown but not marked.
        unchanged = page.xpath('//tr[@class="diff-same"]/td[@lang="ar"]')
        self.assertEqual({cell.text_content() for cell in unchanged}, {"فقرة ثانية."})

    def test_columns_stay_on_the_same_side_in_both_languages(self):
        article = make_article()
        old = self.revise(article, headline_ar="عنوان قديم", headline_de="Alter Titel")
        new = self.revise(article, headline_ar="عنوان جديد", headline_de="Neuer Titel")
        page = lxml_html.fromstring(self.compare_page(article, old, new).content.decode())
        for table in page.xpath('//table[@class="text-diff"]'):
            # The table follows the admin's direction; only the cells carry the text's.
            self.assertIsNone(table.get("dir"))
            self.assertTrue(table.xpath("thead/tr/th")[0].text.startswith("Before"))

    @override_settings(TIME_ZONE="Europe/Berlin")
    def test_times_are_the_newsrooms_and_states_are_labels(self):
        article = make_article()
        old = self.revise(article, import_state={"de": {"fingerprint": "a"}})
        when = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
        new = self.revise(article, status_de=Status.SCHEDULED, scheduled_at_de=when, import_state={"de": {"x": 1}})
        response = self.compare_page(article, old, new)
        text = lxml_html.fromstring(response.content.decode()).text_content()
        self.assertIn("14:00 CEST", text)
        self.assertNotIn("12:00", text)
        self.assertIn("Scheduled", text)
        self.assertNotIn("scheduled_at", text)
        self.assertNotIn("fingerprint", text)
        self.assertNotIn("import", text.lower().replace("important", ""))

    def test_the_agency_version_is_a_revision_that_says_so(self):
        dpa = make_source("dpa", "د ب أ", "dpa")
        article = make_article(languages=["de"], sources=[dpa])
        # What the writer does for every imported item (fix-import-permissions): one revision per item.
        with reversion.create_revision():
            article.import_state = {"de": {"fingerprint": "f1", "version": "3"}}
            article.save()
        self.revise(article, headline_de="Vom Desk bearbeitet")
        response = self.client.get(reverse("admin:articles_article_history", args=[article.pk]))
        rows = lxml_html.fromstring(response.content.decode()).xpath('//tr[@class="revision-received"]')
        self.assertEqual(len(rows), 1)
        self.assertIn("received from dpa, version 3 (German)", rows[0].text_content())


class AgencyRevisionTests(TestCase):
    """The version received from the agency is the first revision, and the history says so."""

    item = {
        "uri": "urn:newsml:dpa.com:20260312:260312-99-7",
        "version": "3",
        "versioncreated": "2026-03-12T09:30:00+01:00",
        "language": "de",
        "headlines": [{"role": "main", "value": "Neuer Radweg am Rhein"}],
        "descriptions": [{"role": "summary", "value": "Die Stadt baut."}],
        "bodies": [{"role": "main", "contenttype": "text/html", "value": "<p>Erster Absatz.</p>"}],
        "infosources": [{"name": "dpa"}],
    }

    def test_the_imported_version_is_the_first_revision_and_compares_with_the_editors(self):
        make_source("dpa", "د ب أ", "dpa")
        editor = make_user("editor", "editor")
        [outcome] = writer.import_data("dpa.json", json.dumps(self.item).encode(), user=editor)
        article = outcome.article
        with reversion.create_revision():
            reversion.set_user(editor)
            article.refresh_from_db()
            article.body_de = "<p>Erster Absatz, vom Desk ergänzt.</p>"
            article.save()
        versions = list(revisions.versions_of(article))
        self.assertEqual(len(versions), 2)
        received = revisions.agency_versions(versions)
        self.assertEqual(received, {versions[1].pk: f"received from dpa, version 3 ({name('de')})"})
        self.client.force_login(editor)
        history = self.client.get(reverse("admin:articles_article_history", args=[article.pk]))
        self.assertContains(history, "received from dpa, version 3")
        compare = self.client.get(
            reverse("admin:articles_article_compare", args=[article.pk]), {"a": versions[1].pk, "b": versions[0].pk}
        )
        page = lxml_html.fromstring(compare.content.decode())
        self.assertEqual([ins.text.strip() for ins in page.xpath('//td[@lang="de"]/ins')], [", vom Desk ergänzt"])


def name(code):
    return str(languages.name(code))


class RestoreKeepsTodayTests(TestCase):
    """A restore brings back text, not visibility, and not what has been deleted since."""

    @classmethod
    def setUpTestData(cls):
        cls.editor = make_user("editor", "editor")

    def saved_revision(self, article):
        with reversion.create_revision():
            article.save()
        return revisions.versions_of(article).first()

    def test_an_older_revision_lifts_no_embargo_and_brings_back_no_expiry(self):
        article = make_article(publish=("de",))
        old = self.saved_revision(article)
        article.embargoed_until = timezone.now() + timedelta(days=1)
        article.save()
        revisions.restore(old, self.editor)
        self.assertFalse(Article.objects.published("de").filter(pk=article.pk).exists())
        article.refresh_from_db()
        self.assertIsNotNone(article.embargoed_until)

    def test_categories_agencies_and_pictures_deleted_since_are_left_out(self):
        culture, politics = make_category(name_de="Kultur"), make_category(name_de="Politik")
        article = make_article(categories=[culture, politics], sources=[make_source("afp")], images=1)
        old = self.saved_revision(article)
        culture.delete()
        caption = article.captions.get()
        caption.delete()  # a picture in use cannot be deleted: its caption goes first
        caption.image.delete()
        restored = revisions.restore(old, self.editor)
        connection.check_constraints()  # what the commit would check: no row names a deleted one
        self.assertEqual(list(restored.categories.all()), [politics])
        self.assertEqual(restored.captions.count(), 0)
        self.assertEqual([link.source.code for link in restored.source_links.all()], ["afp"])
