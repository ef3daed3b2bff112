"""
The incoming wire and the translation desk: agency copy in any language kept as wire copy, used as an article
version or as the source of a translation, and a translation that learns when its source changed.
"""

import copy
import json
import tempfile
from pathlib import Path

from django.contrib.auth.models import User
from django.test import TestCase, TransactionTestCase
from django.urls import reverse

from articles.models import Article, Status, TranslationSource
from interchange.models import PendingUpdate, WireItem
from interchange.writer import CREATED, UNCHANGED, WIRE, apply_pending_update, use_wire_item
from workflow import translations

from .factories import SAMPLES, import_files, make_article, make_user, needs_samples, picture_bytes

ENGLISH = {
    "uri": "urn:newsroom-test:wire:en:1",
    "version": "1",
    "versioncreated": "2025-06-01T08:00:00Z",
    "language": "en",
    "urgency": 1,
    "headlines": [{"role": "main", "value": "Bridge opens over the river"}],
    "descriptions": [{"role": "summary", "value": "The bridge links both banks."}],
    "bodies": [
        {
            "role": "main",
            "contenttype": "text/html",
            "value": "<p>The bridge opened this morning.</p><p>It is two hundred metres long.</p>",
        }
    ],
    "subjects": [{"name": "Transport"}],
    "infosources": [{"name": "AFP"}],
}


def write(obj, name="item.json"):
    path = Path(tempfile.mkdtemp()) / name
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    return path


def updated_english(**changes):
    item = copy.deepcopy(ENGLISH)
    item["version"] = "2"
    item["versioncreated"] = "2025-06-01T10:00:00Z"
    item["bodies"][0]["value"] = "<p>The bridge opened this morning.</p><p>It is three hundred metres long.</p>"
    item.update(changes)
    return item


class AnyLanguageTests(TestCase):
    def test_an_english_item_is_wire_copy_not_an_article(self):
        summary = import_files([write(ENGLISH)])
        (outcome,) = summary.outcomes
        self.assertEqual(outcome.status, WIRE)
        self.assertIn("kept as wire copy 1", str(summary))
        self.assertFalse(Article.objects.exists())
        wire = WireItem.objects.get()
        self.assertEqual(
            (wire.language, wire.headline, wire.urgency, wire.state), ("en", ENGLISH["headlines"][0]["value"], 1, "new")
        )
        self.assertEqual(wire.topics, ["Transport"])
        self.assertIn("metres", wire.body)
        # The same file again changes nothing.
        self.assertEqual(import_files([write(ENGLISH)]).outcomes[0].status, WIRE)
        self.assertEqual(WireItem.objects.count(), 1)

    def test_urgency_from_the_agency_or_a_flash_headline(self):
        items = [
            {**ENGLISH, "uri": "urn:t:u:1", "urgency": 3},
            {**ENGLISH, "uri": "urn:t:u:2", "urgency": None, "priority": 2},
            {**ENGLISH, "uri": "urn:t:u:3", "urgency": None, "headlines": [{"value": "EIL: Brücke gesperrt"}]},
            {**ENGLISH, "uri": "urn:t:u:4", "urgency": None},
        ]
        import_files([write(items)])
        urgencies = dict(WireItem.objects.values_list("identifier", "urgency"))
        self.assertEqual(urgencies, {"urn:t:u:1": 3, "urn:t:u:2": 2, "urn:t:u:3": 1, "urn:t:u:4": None})

    def test_a_publishing_language_item_is_an_article_and_used_wire_copy(self):
        item = {**ENGLISH, "uri": "urn:newsroom-test:wire:de:1", "language": "de"}
        outcome = import_files([write(item)]).outcomes[0]
        self.assertEqual(outcome.status, CREATED)
        wire = WireItem.objects.get()
        self.assertEqual((wire.state, wire.article), ("used", outcome.article))

    @needs_samples
    def test_every_sample_in_another_language_is_kept(self):
        summary = import_files(sorted((SAMPLES / "ninjs").glob("*.json")))
        languages = set(WireItem.objects.values_list("language", flat=True))
        self.assertTrue({"en", "nb", "de"} <= languages, summary)
        self.assertFalse(Article.objects.exclude(headline_de="").filter(headline_ar="").filter(headline_de="").exists())


class TranslationFromAgencyTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = make_user("editor", "editor")

    def test_an_english_item_starts_an_arabic_version_that_learns_its_source_changed(self):
        import_files([write(ENGLISH)])
        wire = WireItem.objects.get()
        article = use_wire_item(wire, "ar", user=self.editor)
        wire.refresh_from_db()
        self.assertEqual((wire.state, wire.article), ("used", article))
        source = article.translation_sources.get()
        self.assertEqual((source.language, source.kind, source.source_language), ("ar", "agency", "en"))
        self.assertEqual(source.reference, ENGLISH["uri"])
        self.assertFalse(article.has_language("ar"), "the Arabic version waits for its translation")
        self.assertEqual([s.source.code for s in article.source_links.select_related("source")], ["afp"])
        self.assertEqual(list(TranslationSource.objects.to_translate()), [source])
        self.assertFalse(TranslationSource.objects.source_changed().exists())

        # The translator translates and marks it done; it goes live.
        article.headline_ar, article.teaser_ar = "افتتاح جسر فوق النهر", "يربط الجسر ضفتي النهر."
        article.body_ar = "<p>افتتح الجسر صباح اليوم.</p><p>ويبلغ طوله مئتي متر.</p>"
        article.publish("ar")
        article.save()
        source.mark_done(self.editor)
        self.assertFalse(TranslationSource.objects.to_translate().exists())

        # The agency sends a new version of the English item.
        self.assertEqual(import_files([write(updated_english())]).outcomes[0].status, WIRE)
        source.refresh_from_db()
        self.assertTrue(source.is_source_changed)
        self.assertEqual(list(TranslationSource.objects.source_changed()), [source])
        (label, paragraphs), *others = translations.changes(source)
        self.assertEqual((str(label), others), ("body", []))
        self.assertEqual(
            paragraphs, [("It is <del>two</del> hundred metres long.", "It is <ins>three</ins> hundred metres long.")]
        )
        # Published translations stay live while they are brought up to date.
        article.refresh_from_db()
        self.assertTrue(article.is_published("ar"))

        # The change page shows it; marking it done clears it.
        self.client.force_login(self.editor)
        page = self.client.get(reverse("admin:articles_article_change", args=[article.pk]))
        self.assertContains(page, "Source changed since it was translated")
        self.assertContains(page, "three hundred")
        self.assertContains(page, 'lang="en" dir="ltr"')
        desk = self.client.get(reverse("admin:articles_translations") + "?language=ar")
        self.assertContains(desk, article.headline_ar)
        response = self.client.post(reverse("admin:articles_article_translation", args=[article.pk, "ar", "done"]))
        self.assertRedirects(response, reverse("admin:articles_article_change", args=[article.pk]))
        self.assertFalse(TranslationSource.objects.source_changed().exists())
        self.assertNotContains(
            self.client.get(reverse("admin:articles_article_change", args=[article.pk])),
            "errornote translation-changed",
        )

    def test_a_german_item_used_as_german_and_as_arabic(self):
        item = {**ENGLISH, "uri": "urn:newsroom-test:wire:de:2", "language": "de"}
        from interchange.models import Feed

        feed = Feed.objects.create(name="dpa", location="https://example.org/feed")
        from interchange.importers import parse_each
        from interchange.writer import import_parsed

        parsed = parse_each(json.dumps(item).encode(), "item.json")
        outcome = import_parsed(parsed, user=self.editor, file="item.json", feed=feed, create_articles=False)[0]
        self.assertEqual(outcome.status, WIRE)
        wire = WireItem.objects.get()
        self.assertEqual(wire.feed, feed)
        german = use_wire_item(wire, "de", user=self.editor)
        self.assertEqual(german.headline_de, ENGLISH["headlines"][0]["value"])
        self.assertEqual(german.source_identifier, item["uri"])
        arabic = use_wire_item(wire, "ar", user=self.editor)
        self.assertEqual(arabic, german, "one article, its Arabic version translated from the agency item")
        self.assertEqual(german.translation_sources.get().language, "ar")


class TranslationFromOtherLanguageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = make_user("editor", "editor")

    def test_a_version_translated_from_the_other_language_learns_when_it_changes(self):
        article = make_article(languages=("de",), publish=("de",))
        self.client.force_login(self.editor)
        page = self.client.get(reverse("admin:articles_article_change", args=[article.pk]))
        self.assertContains(page, "Translate from German")
        self.client.post(reverse("admin:articles_article_translation", args=[article.pk, "ar", "from-de"]))
        source = article.translation_sources.get()
        self.assertEqual((source.kind, source.source_language, source.language), ("article", "de", "ar"))
        self.assertFalse(TranslationSource.objects.source_changed().exists())
        article.refresh_from_db()
        article.body_de = "<p>Erster Absatz.</p><p>Ein neuer zweiter Absatz.</p>"
        article.save()
        self.assertEqual(list(TranslationSource.objects.source_changed()), [source])
        queue = translations.queue("ar")
        self.assertEqual(list(queue["changed"]), [source])
        self.assertEqual(list(queue["started"]), [source])
        self.assertEqual(list(queue["missing"]), [])


class WireAdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = make_user("editor", "editor")
        cls.reporter = make_user("reporter", "reporter")

    def setUp(self):
        folder = Path(tempfile.mkdtemp())
        (folder / "pictures").mkdir()
        (folder / "pictures" / "bridge.jpg").write_bytes(picture_bytes(width=400, height=300))
        arabic = {
            **ENGLISH,
            "uri": "urn:newsroom-test:wire:ar:1",
            "language": "ar",
            "urgency": 5,
            "headlines": [{"role": "main", "value": "إفتتاح الجسر الجديد"}],
        }
        (folder / "en.json").write_text(json.dumps(ENGLISH), encoding="utf-8")
        (folder / "ar.json").write_text(json.dumps(arabic, ensure_ascii=False), encoding="utf-8")
        import_files([folder / "en.json"])

    def test_the_wire_lists_searches_and_filters(self):
        self.client.force_login(self.editor)
        url = reverse("admin:interchange_wireitem_changelist")
        page = self.client.get(url)
        self.assertContains(page, "Bridge opens")
        self.assertContains(page, 'class="wire-flash"')
        self.assertContains(self.client.get(url, {"q": "BRIDGE"}), "Bridge opens")
        self.assertNotContains(self.client.get(url, {"q": "ferry"}), "Bridge opens")
        self.assertContains(self.client.get(url, {"urgency": "flash"}), "Bridge opens")
        self.assertNotContains(self.client.get(url, {"urgency": "normal"}), "Bridge opens")
        self.assertContains(self.client.get(url, {"language": "en"}), "Bridge opens")

    def test_use_as_arabic_from_the_item_page(self):
        self.client.force_login(self.editor)
        wire = WireItem.objects.get()
        page = self.client.get(reverse("admin:interchange_wireitem_change", args=[wire.pk]))
        self.assertContains(page, "Translate into Arabic")
        self.assertContains(page, 'lang="en" dir="ltr"')
        response = self.client.post(reverse("admin:interchange_wireitem_use", args=[wire.pk, "ar"]))
        article = Article.objects.get()
        self.assertRedirects(response, reverse("admin:articles_article_change", args=[article.pk]))
        self.assertEqual(article.translation_sources.get().source_language, "en")

    def test_the_list_action_and_who_may_use(self):
        wire = WireItem.objects.get()
        self.client.force_login(self.editor)
        self.client.post(
            reverse("admin:interchange_wireitem_changelist"),
            {"action": "use_as_de", "_selected_action": [wire.pk]},
        )
        self.assertEqual(Article.objects.get().translation_sources.get().language, "de")
        self.client.post(
            reverse("admin:interchange_wireitem_changelist"),
            {"action": "ignore_items", "_selected_action": [wire.pk]},
        )
        self.assertEqual(WireItem.objects.get().state, "ignored")

    def test_a_canceled_item_is_refused_with_its_reason(self):
        canceled = {**ENGLISH, "uri": "urn:newsroom-test:wire:de:canceled", "language": "de", "pubstatus": "canceled"}
        import_files([write(canceled)])
        wire = WireItem.objects.get(identifier=canceled["uri"])
        self.client.force_login(self.editor)
        for language in ("de", "ar"):
            with self.subTest(language=language):
                page = self.client.post(
                    reverse("admin:interchange_wireitem_use", args=[wire.pk, language]), follow=True
                )
                self.assertContains(page, "the agency canceled this item")
                page = self.client.post(
                    reverse("admin:interchange_wireitem_changelist"),
                    {"action": f"use_as_{language}", "_selected_action": [wire.pk]},
                    follow=True,
                )
                self.assertContains(page, "the agency canceled this item")
        self.assertFalse(Article.objects.exists())
        self.assertEqual(WireItem.objects.get(pk=wire.pk).state, WireItem.State.NEW)

    def test_arabic_search_is_folded(self):
        folder = Path(tempfile.mkdtemp())
        arabic = {**ENGLISH, "uri": "urn:newsroom-test:wire:ar:2", "language": "ar"}
        arabic["headlines"] = [{"role": "main", "value": "إفتتاح الجسر الجديد"}]
        (folder / "ar.json").write_text(json.dumps(arabic, ensure_ascii=False), encoding="utf-8")
        self.assertEqual(import_files([folder / "ar.json"]).outcomes[0].status, CREATED)
        self.assertEqual(WireItem.objects.search("افتتاح").get().language, "ar")

    def test_unchanged_reimport(self):
        self.assertEqual(import_files([write({**ENGLISH, "language": "de"})]).outcomes[0].status, CREATED)
        self.assertEqual(import_files([write({**ENGLISH, "language": "de"})]).outcomes[0].status, UNCHANGED)
        self.assertEqual(Article.objects.get().status_in("de"), Status.DRAFT)


@needs_samples
class EnglishSampleTests(TestCase):
    """IPTC's English ninjs example (../shared), kept as wire copy and translated into Arabic."""

    def test_the_english_sample_starts_an_arabic_version_that_learns_when_the_agency_updates_it(self):
        sample = SAMPLES / "ninjs" / "2.2_005_complex_text_article.json"
        self.assertEqual(import_files([sample]).outcomes[0].status, WIRE)
        wire = WireItem.objects.get()
        self.assertEqual(wire.language, "en")
        article = use_wire_item(wire, "ar", user=make_user("editor", "editor"))
        source = article.translation_sources.get(language="ar")
        self.assertEqual((source.kind, source.source_language, source.reference), ("agency", "en", wire.identifier))
        self.assertFalse(source.is_source_changed)

        # The agency sends a newer version with a changed paragraph.
        item = json.loads(sample.read_text(encoding="utf-8"))
        item["version"] = "2"
        item["versioncreated"] = "2030-01-01T00:00:00Z"
        for body in item["bodies"]:  # the plain text and the HTML one alike
            body["value"] = body["value"].replace("captain", "former captain", 1)
        self.assertEqual(import_files([write(item)]).outcomes[0].status, WIRE)
        source.refresh_from_db()
        self.assertTrue(source.is_source_changed)
        (label, paragraphs), *_others = translations.changes(source)
        self.assertIn("<ins>former</ins>", paragraphs[0][1])
        self.assertEqual(list(TranslationSource.objects.source_changed()), [source])


class AutocommitTests(TransactionTestCase):
    """Outside a test's transaction, as in production: the writer opens its own before it locks rows."""

    def test_apply_a_pending_version_and_use_an_item(self):
        editor = User.objects.create_superuser("chief", "chief@example.org", "pw")
        import_files([write({**ENGLISH, "language": "de"})])
        article = Article.objects.get()
        article.teaser_de = "Von der Redaktion."
        article.save()
        import_files([write({**updated_english(), "language": "de"})])
        pending = PendingUpdate.objects.get()
        self.assertEqual(apply_pending_update(pending, user=editor).article, article)
        import_files([write({**ENGLISH, "uri": "urn:newsroom-test:wire:en:auto"})])
        wire = WireItem.objects.get(identifier="urn:newsroom-test:wire:en:auto")
        self.assertTrue(use_wire_item(wire, "ar", user=editor).translation_sources.exists())
