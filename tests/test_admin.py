"""The editors' admin: side-by-side languages, Arabic inputs right to left, lists, import page."""

import io
import json
import re
import uuid
import zipfile
from datetime import timedelta

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from lxml import html as lxml_html
from reversion.models import Version

from articles import languages
from articles.models import Article, Caption, Image, Status
from interchange.models import PendingUpdate
from tests.factories import make_image, make_pending_update, make_user, needs_seed
from workflow import desk
from workflow.models import EditorProfile

from .factories import SEED, import_files, make_article, make_category, make_source, picture_upload
from .test_importers_pagetext import ARABIC_PAGE, GERMAN_PAGE

THIRD_PARTY = re.compile(r"""(?:src|href)=["'](?:https?:)?//(?!testserver)""")


def input_tag(html, name):
    match = re.search(rf'<(?:input|textarea)[^>]*name="{name}"[^>]*>', html)
    assert match, f"no input named {name}"
    return match.group(0)


class AdminTestCase(TestCase):
    def assertOnPage(self, text, html):
        # Not assertIn: its failure message would print the whole admin page.
        self.assertTrue(text in html, f"{text!r} is not on the page")

    @classmethod
    def setUpTestData(cls):
        cls.editor = User.objects.create_superuser("editor", "editor@example.com", "pw-for-tests")

    def setUp(self):
        self.client.force_login(self.editor)


class ArticleChangePageTests(AdminTestCase):
    def test_arabic_inputs_are_right_to_left_whatever_the_admin_language(self):
        article = make_article(sources=[make_source()], images=2)
        for admin_language in ("de", "ar", "en"):
            with self.subTest(admin_language=admin_language):
                response = self.client.get(
                    reverse("admin:articles_article_change", args=[article.pk]), HTTP_ACCEPT_LANGUAGE=admin_language
                )
                self.assertEqual(response.status_code, 200)
                html = response.content.decode()
                for name in ("headline_ar", "teaser_ar", "body_ar", "initials_ar", "captions-0-text_ar"):
                    tag = input_tag(html, name)
                    self.assertIn('dir="rtl"', tag)
                    self.assertIn('lang="ar"', tag)
                for name in ("headline_de", "body_de", "captions-0-text_de"):
                    tag = input_tag(html, name)
                    self.assertIn('dir="ltr"', tag)
                    self.assertIn('lang="de"', tag)
                self.assertIsNone(THIRD_PARTY.search(html), "the admin loads something from another host")

    @needs_seed
    def test_imported_seed_renders_every_part(self):
        import_files([SEED])
        article = Article.objects.get()
        response = self.client.get(reverse("admin:articles_article_change", args=[article.pk]))
        html = response.content.decode()
        self.assertEqual(response.status_code, 200)
        self.assertOnPage(article.headline_ar, html)
        self.assertOnPage("2SFM4", html)
        self.assertOnPage("picture alliance/NurPhoto/J. Simkin", html)  # the image's credit, in the caption inline
        self.assertOnPage(article.captions.last().image.archive_title, html)
        self.assertOnPage(article.captions.last().text_ar, html)
        self.assertOnPage('value="ف.ي/أ.ح"', html)
        self.assertOnPage("awaiting its file", html)
        self.assertIn('dir="rtl"', input_tag(html, "headline_ar"))

    def test_edit_and_save_both_languages(self):
        article = make_article(languages=("ar",))
        url = reverse("admin:articles_article_change", args=[article.pk])
        response = self.client.get(url)
        form = response.context["adminform"].form
        data = {key: value for key, value in form.initial.items() if value is not None and not isinstance(value, list)}
        data.update(
            {
                "headline_de": "Neue deutsche Fassung",
                "teaser_de": "Vorspann",
                "body_de": "<p>Text</p><script>alert(1)</script>",
                "status_ar": "draft",
                "status_de": "draft",
                "source_links-TOTAL_FORMS": "0",
                "source_links-INITIAL_FORMS": "0",
                "captions-TOTAL_FORMS": "0",
                "captions-INITIAL_FORMS": "0",
                "pending_updates-TOTAL_FORMS": "0",
                "pending_updates-INITIAL_FORMS": "0",
            }
        )
        data.pop("categories", None)
        data.pop("related", None)
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302, response.context and response.context["adminform"].form.errors)
        article.refresh_from_db()
        self.assertEqual(article.headline_de, "Neue deutsche Fassung")
        self.assertEqual(article.body_de, "<p>Text</p>")  # sanitized on save
        self.assertEqual(article.slug_de, "neue-deutsche-fassung")

    def test_add_page_renders(self):
        response = self.client.get(reverse("admin:articles_article_add"))
        self.assertEqual(response.status_code, 200)
        self.assertIn('dir="rtl"', input_tag(response.content.decode(), "headline_ar"))


class ArticleListTests(AdminTestCase):
    def test_missing_column_filters_and_search(self):
        afp = make_source()
        politics = make_category()
        make_article(languages=("ar",), headline_ar="خبر عربي فقط", sources=[afp], categories=[politics])
        make_article(headline_de="Beide Sprachen", publish=("de",))
        url = reverse("admin:articles_article_changelist")
        html = self.client.get(url).content.decode()
        self.assertOnPage("state-missing", html)
        self.assertOnPage("Import", html)
        self.assertContains(self.client.get(url, {"status_de": "missing"}), "خبر عربي فقط")
        self.assertNotContains(self.client.get(url, {"status_de": "published"}), "خبر عربي فقط")
        self.assertContains(self.client.get(url, {"status_de": "published"}), "Beide Sprachen")
        self.assertContains(self.client.get(url, {"source": afp.pk}), "خبر عربي فقط")
        self.assertContains(self.client.get(url, {"category": politics.pk}), "خبر عربي فقط")
        self.assertNotContains(self.client.get(url, {"category": politics.pk}), "Beide Sprachen")
        self.assertContains(self.client.get(url, {"q": "Beide"}), "Beide Sprachen")
        self.assertContains(self.client.get(url, {"q": "عربي"}), "خبر عربي فقط")

    def test_search_by_short_code_identifier_and_headline_words_in_both_languages(self):
        raqqa = make_article(
            headline_ar="معركة الرقة تبدأ", headline_de="Offensive auf Rakka beginnt", source_identifier="urn:afp:1"
        )
        other = make_article(headline_ar="مكتبة المدينة", headline_de="Öffnungszeiten der Stadtbibliothek")
        url = reverse("admin:articles_article_changelist")

        def found(term):
            return set(self.client.get(url, {"q": term}).context["cl"].result_list)

        self.assertEqual(found(raqqa.short_code), {raqqa})
        self.assertEqual(found(raqqa.short_code.lower()), {raqqa})
        self.assertEqual(found("urn:afp:1"), {raqqa})
        self.assertEqual(found("Rakka"), {raqqa})
        self.assertEqual(found("Offens beg"), {raqqa})  # the first letters of each word
        self.assertEqual(found("الرقة"), {raqqa})
        self.assertEqual(found("Öffnungszeiten"), {other})
        self.assertEqual(found("Stadtbibl"), {other})
        self.assertEqual(found("nirgends"), set())

    def test_the_list_never_counts_or_deduplicates_the_whole_table(self):
        politics, afp = make_category(), make_source()
        for _ in range(3):
            make_article(categories=[politics], sources=[afp])
        url = reverse("admin:articles_article_changelist")
        for query in ({}, {"category": politics.pk}, {"source": afp.pk}, {"q": "Kurze"}):
            with self.subTest(query=query), CaptureQueriesContext(connection) as queries:
                self.assertEqual(self.client.get(url, query).status_code, 200)
            article_queries = [q["sql"] for q in queries.captured_queries if '"articles_article"' in q["sql"]]
            for sql in article_queries:
                self.assertNotIn('DISTINCT "articles_article"."id"', sql)  # every column, bodies too
            counts = [sql for sql in article_queries if "COUNT(" in sql]
            self.assertTrue(counts and all(" LIMIT " in sql for sql in counts), counts)
            self.assertFalse(any("body_ar" in sql for sql in article_queries), "the list reads bodies")

    def test_related_articles_autocomplete_uses_the_same_search(self):
        target = make_article(headline_de="Wahlergebnis in Berlin")
        make_article(headline_de="Wetterbericht")
        response = self.client.get(
            reverse("admin:autocomplete"),
            {"app_label": "articles", "model_name": "article", "field_name": "related", "term": "Wahl"},
        )
        self.assertEqual([item["id"] for item in response.json()["results"]], [str(target.pk)])

    def test_other_admin_pages_render(self):
        make_source()
        make_category()
        for name in ("source", "category", "image"):
            with self.subTest(name=name):
                self.assertEqual(self.client.get(reverse(f"admin:articles_{name}_changelist")).status_code, 200)
                response = self.client.get(reverse(f"admin:articles_{name}_add"))
                self.assertEqual(response.status_code, 200)
        self.assertIn(
            'dir="rtl"', input_tag(self.client.get(reverse("admin:articles_source_add")).content.decode(), "name_ar")
        )

    def test_autocomplete_for_sources_and_categories(self):
        make_source(code="reuters", name_ar="رويترز", name_de="Reuters")
        make_category(name_de="Wirtschaft", name_ar="اقتصاد")
        article_field = {"app_label": "articles", "model_name": "article"}
        response = self.client.get(
            reverse("admin:autocomplete"), {**article_field, "field_name": "categories", "term": "Wirt"}
        )
        self.assertContains(response, "Wirtschaft")
        response = self.client.get(
            reverse("admin:autocomplete"),
            {"app_label": "articles", "model_name": "articlesource", "field_name": "source", "term": "رويت"},
        )
        self.assertContains(response, "Reuters")


class ImageAdminTests(AdminTestCase):
    def test_upload_validates_with_pillow(self):
        url = reverse("admin:articles_image_add")
        response = self.client.post(url, {"file": SimpleUploadedFile("x.jpg", b"not an image"), "archive_title": "x"})
        self.assertEqual(response.status_code, 200)
        self.assertFalse(Image.objects.exists())
        response = self.client.post(
            url, {"file": picture_upload(width=320, height=200), "archive_title": "Test", "credit": "Newsroom"}
        )
        self.assertEqual(response.status_code, 302)
        image = Image.objects.get()
        self.assertEqual((image.width, image.height), (320, 200))
        self.assertEqual(len(image.content_hash), 64)


class ImportPageTests(AdminTestCase):
    def test_preview_then_import(self):
        url = reverse("admin:interchange_import")
        self.assertEqual(self.client.get(url).status_code, 200)
        files = [
            SimpleUploadedFile("arabic.txt", ARABIC_PAGE.encode()),
            SimpleUploadedFile("german.txt", GERMAN_PAGE.encode()),
            SimpleUploadedFile("broken.txt", b"Nur eine Zeile"),
        ]
        response = self.client.post(url, {"files": files, "format": "auto", "language": ""})
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertOnPage("حديقة النباتات تفتتح جناحا جديدا", html)
        self.assertOnPage("Botanischer Garten eröffnet neues Tropenhaus", html)
        self.assertOnPage("no date line", html)
        self.assertOnPage("rtr → reuters", html)
        self.assertFalse(Article.objects.exists(), "a preview writes nothing")
        token = response.context["token"]
        response = self.client.post(url, {"confirm": "1", "token": token, "format": "auto", "language": ""})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "imported 2, updated 0, unchanged 0, failed 1")
        self.assertEqual(Article.objects.count(), 2)
        # The token is spent: a second confirmation imports nothing more.
        response = self.client.post(url, {"confirm": "1", "token": token, "format": "auto"})
        self.assertEqual(response.status_code, 302)

    def test_needs_add_permission(self):
        reader = User.objects.create_user("reader", password="pw", is_staff=True)
        self.client.force_login(reader)
        self.assertEqual(self.client.get(reverse("admin:interchange_import")).status_code, 403)

    @override_settings(IMPORT_MAX_FILE_BYTES=100)
    def test_large_upload_refused(self):
        response = self.client.post(
            reverse("admin:interchange_import"),
            {"files": [SimpleUploadedFile("big.txt", b"x" * 200)], "format": "auto"},
        )
        self.assertContains(response, "larger than")


class PendingUpdateAdminTests(AdminTestCase):
    def test_review_and_apply_an_agency_version(self):

        article = make_article(languages=("ar",))
        pending = make_pending_update(article)
        article.source_identifier = "urn:x"
        article.save()
        html = self.client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()
        self.assertOnPage("عنوان الوكالة", html)
        html = self.client.get(reverse("admin:interchange_pendingupdate_change", args=[pending.pk])).content.decode()
        self.assertOnPage('class="text-diff"', html)
        self.assertOnPage(article.headline_ar, html)
        response = self.client.post(
            reverse("admin:interchange_pendingupdate_changelist"),
            {"action": "apply_updates", "_selected_action": [pending.pk]},
        )
        self.assertEqual(response.status_code, 302)
        article.refresh_from_db()
        self.assertEqual(article.headline_ar, "عنوان الوكالة")
        self.assertFalse(PendingUpdate.objects.exists())


class PendingUpdateReviewPageTests(AdminTestCase):
    """The review page: the same word-level diff as the revisions, and Apply and Discard on the page."""

    def pending_for(self, article, headline="Neuer Titel der Agentur"):
        article.source_identifier = "urn:y"
        article.save()
        return PendingUpdate.objects.create(
            article=article,
            language="de",
            source_format="ninjs",
            source_version="3",
            fingerprint="e" * 64,
            payload={
                "identifier": "urn:y",
                "language": "de",
                "headline": headline,
                "teaser": article.teaser_de,
                "body_html": "<p>Erster Absatz.</p><p>Zweiter, neuer Absatz.</p>",
                "format": "ninjs",
                "images": [],
            },
        )

    def review_page(self, pending):
        response = self.client.get(reverse("admin:interchange_pendingupdate_change", args=[pending.pk]))
        return lxml_html.fromstring(response.content.decode())

    def test_diff_marks_words_per_paragraph_with_apply_and_discard(self):
        pending = self.pending_for(make_article(languages=("de",)))
        page = self.review_page(pending)
        inserted = [element.text.strip() for element in page.xpath('//td[@lang="de"]/ins')]
        deleted = [element.text.strip() for element in page.xpath('//td[@lang="de"]/del')]
        self.assertEqual(inserted, ["Neuer Titel der Agentur", ", neuer"])
        self.assertEqual(deleted, ["Kurze Testmeldung"])
        self.assertEqual(len(page.xpath('//button[@form="pending-apply"]')), 1)
        self.assertEqual(len(page.xpath('//button[@form="pending-discard"]')), 1)

    def test_apply_button_applies_and_keeps_a_revision_naming_the_editor(self):
        article = make_article(languages=("de",))
        pending = self.pending_for(article)
        response = self.client.post(reverse("admin:interchange_apply", args=[pending.pk]))
        self.assertRedirects(response, reverse("admin:articles_article_change", args=[article.pk]))
        article.refresh_from_db()
        self.assertEqual(article.headline_de, "Neuer Titel der Agentur")
        self.assertFalse(PendingUpdate.objects.exists())
        revision = Version.objects.get_for_object(article).first().revision
        self.assertEqual(revision.user, self.editor)
        self.assertIn("3", revision.get_comment())
        self.assertTrue(LogEntry.objects.filter(object_id=str(article.pk), user=self.editor).exists())

    def test_applying_to_a_live_article_needs_the_publish_permission(self):
        article = make_article(languages=("de",), publish=("de",))
        pending = self.pending_for(article)
        desk = User.objects.create_user("desk", password="pw", is_staff=True)
        desk.user_permissions.set(
            Permission.objects.filter(
                codename__in=["view_pendingupdate", "change_pendingupdate", "view_article", "change_article"]
            )
        )
        self.client.force_login(desk)
        page = self.review_page(pending)
        self.assertEqual(page.xpath('//button[@form="pending-apply"]'), [])
        self.assertIn("only an editor who may publish", page.text_content())
        self.assertEqual(self.client.post(reverse("admin:interchange_apply", args=[pending.pk])).status_code, 403)
        self.assertTrue(PendingUpdate.objects.filter(pk=pending.pk).exists())
        article.refresh_from_db()
        self.assertEqual(article.headline_de, "Kurze Testmeldung")

    def test_discard_keeps_the_text_and_says_so_in_the_history(self):
        article = make_article(languages=("de",))
        pending = self.pending_for(article)
        self.assertEqual(self.client.get(reverse("admin:interchange_discard", args=[pending.pk])).status_code, 405)
        self.client.post(reverse("admin:interchange_discard", args=[pending.pk]))
        self.assertFalse(PendingUpdate.objects.exists())
        article.refresh_from_db()
        self.assertEqual(article.headline_de, "Kurze Testmeldung")
        entry = LogEntry.objects.get(object_id=str(article.pk))
        self.assertIn("Discarded the agency version 3", entry.get_change_message())

    def test_apply_refused_by_the_writer_keeps_the_version_and_says_why(self):
        article = make_article(languages=("de",), publish=("de",))
        pending = self.pending_for(article)
        pending.payload = {**pending.payload, "pubstatus": "withheld"}
        pending.save()
        response = self.client.post(reverse("admin:interchange_apply", args=[pending.pk]), follow=True)
        self.assertIn("withholds", " ".join(str(message) for message in response.context["messages"]))
        self.assertTrue(PendingUpdate.objects.filter(pk=pending.pk).exists())
        article.refresh_from_db()
        self.assertEqual(article.headline_de, "Kurze Testmeldung")

    def test_the_list_action_asks_what_the_apply_button_asks(self):
        article = make_article(languages=("de",))
        pending = self.pending_for(article)
        desk = User.objects.create_user("desk", password="pw", is_staff=True)
        desk.user_permissions.set(
            Permission.objects.filter(codename__in=["view_pendingupdate", "change_pendingupdate", "view_article"])
        )
        self.client.force_login(desk)
        self.assertEqual(self.client.post(reverse("admin:interchange_apply", args=[pending.pk])).status_code, 403)
        response = self.client.post(
            reverse("admin:interchange_pendingupdate_changelist"),
            {"action": "apply_updates", "_selected_action": [pending.pk]},
            follow=True,
        )
        self.assertIn("You may not change this article", " ".join(str(m) for m in response.context["messages"]))
        article.refresh_from_db()
        self.assertEqual(article.headline_de, "Kurze Testmeldung")
        self.assertTrue(PendingUpdate.objects.filter(pk=pending.pk).exists())


class MalformedAddressTests(AdminTestCase):
    """An address of the admin's own pages with an id that cannot be one finds nothing: 404, never a 500."""

    def test_every_custom_page_with_a_malformed_id(self):
        self.client.raise_request_exception = False
        article = make_article(languages=("de",))
        pages = [
            ("get", "articles/article/abc/preview/"),
            ("post", "articles/article/abc/workflow/"),
            ("post", "articles/article/abc/lock/"),
            ("get", "articles/article/abc/history/"),
            ("get", "articles/article/abc/history/compare/?a=1&b=2"),
            ("post", "articles/article/abc/translation/de/done/"),
            ("post", "interchange/pendingupdate/abc/apply/"),
            ("post", "interchange/pendingupdate/abc/discard/"),
            ("post", "interchange/wireitem/abc/use/de/"),
            ("get", f"articles/article/{article.pk}/history/99999999999999999999999/"),
        ]
        for method, address in pages:
            with self.subTest(address=address):
                response = getattr(self.client, method)(f"/admin/{address}")
                self.assertEqual(response.status_code, 404)


class ZipImportPageTests(AdminTestCase):
    def test_zip_preview_lists_each_item(self):

        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("a.txt", ARABIC_PAGE)
            archive.writestr("b.txt", GERMAN_PAGE)
        response = self.client.post(
            reverse("admin:interchange_import"),
            {"files": [SimpleUploadedFile("feed.zip", buffer.getvalue())], "format": "auto"},
        )
        html = response.content.decode()
        self.assertOnPage("feed.zip:a.txt", html)
        self.assertOnPage("Botanischer Garten eröffnet neues Tropenhaus", html)
        response = self.client.post(
            reverse("admin:interchange_import"), {"confirm": "1", "token": response.context["token"], "format": "auto"}
        )
        self.assertContains(response, "imported 2, updated 0, unchanged 0, failed 0")


class ArticlePicturesFormTests(AdminTestCase):
    """Pictures in the article's form: upload or choose, captions and alt text per language, focal point, reuse."""

    def post_picture(self, article, **row):
        url = reverse("admin:articles_article_change", args=[article.pk])
        form = self.client.get(url).context["adminform"].form
        data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
        data.update({"source_links-TOTAL_FORMS": 0, "source_links-INITIAL_FORMS": 0})
        data.update({"captions-TOTAL_FORMS": 1, "captions-INITIAL_FORMS": 0, "_continue": "1"})
        data.update({f"captions-0-{name}": value for name, value in row.items()})
        return self.client.post(url, data)

    def new_row(self, **values):
        return {"key": str(uuid.uuid4()), "placement": "lead", "position": 0, **values}

    def test_an_upload_becomes_the_articles_picture_with_its_words_and_focal_point(self):
        article = make_article()
        row = self.new_row(
            upload=picture_upload("neu.jpg", width=800, height=400),
            archive_title="Solarpark Rhein",
            credit="Agentur/Fotografin",
            alt_text_ar="ألواح شمسية",
            alt_text_de="Solarmodule",
            text_ar="الحديقة الشمسية",
            text_de="Der Solarpark",
            focal_x="0.9",
            focal_y="0.25",
        )
        response = self.post_picture(article, **row)
        self.assertEqual(response.status_code, 302, response.context and response.context["errors"])
        caption = article.captions.select_related("image").get()
        image = caption.image
        self.assertEqual(str(caption.key), row["key"])
        self.assertEqual((caption.text_ar, caption.text_de), ("الحديقة الشمسية", "Der Solarpark"))
        self.assertEqual((image.archive_title, image.credit), ("Solarpark Rhein", "Agentur/Fotografin"))
        self.assertEqual((image.alt_text_ar, image.alt_text_de), ("ألواح شمسية", "Solarmodule"))
        self.assertEqual((image.focal_x, image.focal_y), (0.9, 0.25))
        self.assertTrue(image.get_renditions("16:9"))

    def test_an_upload_already_in_the_archive_is_reused(self):
        stored = make_image(with_file=True, archive_title="Archivbild")
        article = make_article()
        self.post_picture(article, **self.new_row(upload=picture_upload("copy.jpg"), text_de="Gleiches Bild"))
        self.assertEqual(article.captions.get().image, stored)
        self.assertEqual(Image.objects.count(), 1)
        self.assertEqual(Image.objects.get().archive_title, "Archivbild")

    def test_a_picture_chosen_from_the_archive_or_neither(self):
        stored = make_image(with_file=True)
        article = make_article()
        self.post_picture(article, **self.new_row(image=stored.pk, text_de="Aus dem Archiv"))
        self.assertEqual(article.captions.get().image, stored)
        other = make_article()
        response = self.post_picture(other, **self.new_row(text_de="Ohne Bild"))
        self.assertContains(response, "Upload a picture or choose one from the archive.")
        self.assertFalse(other.captions.exists())

    def test_a_reporter_may_not_change_a_picture_a_live_article_shows(self):
        live = make_article(publish=["de"], images=1)
        shown = live.captions.get().image
        draft = make_article()
        caption = Caption.objects.create(article=draft, image=shown, text_de="Im Entwurf")
        reporter = make_user("rita", "reporter")
        self.client.force_login(reporter)
        url = reverse("admin:articles_article_change", args=[draft.pk])
        form = self.client.get(url).context["adminform"].form
        data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
        data.update({"source_links-TOTAL_FORMS": 0, "source_links-INITIAL_FORMS": 0})
        data.update({"captions-TOTAL_FORMS": 1, "captions-INITIAL_FORMS": 1, "captions-0-id": caption.pk})
        row = {"image": shown.pk, "key": str(caption.key), "placement": "inline", "position": 0}
        row.update({"archive_title": shown.archive_title, "text_de": "Im Entwurf", "credit": "Anders"})
        data.update({f"captions-0-{field}": value for field, value in row.items()})
        response = self.client.post(url, data)
        self.assertContains(response, "only an editor who may publish can change its credit")
        shown.refresh_from_db()
        self.assertEqual(shown.credit, "Newsroom/Test")

    def test_not_a_picture_is_refused_in_the_row(self):
        article = make_article()
        fake = SimpleUploadedFile("fake.jpg", b"not a picture", content_type="image/jpeg")
        response = self.post_picture(article, **self.new_row(upload=fake))
        self.assertContains(response, "The file is not a picture or is damaged.")

    def test_thumbnails_are_renditions_never_originals(self):
        image = make_image(with_file=True)
        article = make_article()
        Caption.objects.create(article=article, image=image)
        for url in (
            reverse("admin:articles_article_change", args=[article.pk]),
            reverse("admin:articles_image_changelist"),
            reverse("admin:articles_image_change", args=[image.pk]),
        ):
            with self.subTest(url=url):
                html = self.client.get(url).content.decode()
                self.assertNotIn(f'src="{image.file.url}"', html)
                self.assertIn("/media/renditions/", html)

    def test_the_image_admin_refuses_a_second_copy_and_names_the_first(self):
        stored = make_image(with_file=True, archive_title="Erstes Bild")
        response = self.client.post(
            reverse("admin:articles_image_add"), {"file": picture_upload("again.jpg"), "focal_x": 0.5, "focal_y": 0.5}
        )
        self.assertContains(response, "This picture is in the archive already:")
        self.assertContains(response, reverse("admin:articles_image_change", args=[stored.pk]))
        self.assertEqual(Image.objects.count(), 1)


class BodyEditorPageTests(AdminTestCase):
    def test_each_body_gets_the_editor_in_its_language_served_by_us_without_inline_script(self):
        article = make_article()
        html = self.client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()
        for language, direction in (("ar", "rtl"), ("de", "ltr")):
            tag = input_tag(html, f"body_{language}")
            self.assertIn("data-body-editor", tag)
            self.assertIn(f'lang="{language}"', tag)
            self.assertIn(f'dir="{direction}"', tag)
        self.assertIn('<script src="/static/admin/body_editor.js" type="module">', html)
        self.assertIn("/static/django_prose_editor/editor.css", html)
        self.assertIsNone(THIRD_PARTY.search(html))

    def test_no_inline_script_or_style_on_the_desks_pages(self):
        article = make_article(publish=["de"])
        pages = [
            reverse("admin:index"),
            reverse("admin:articles_article_changelist"),
            reverse("admin:articles_article_change", args=[article.pk]),
            reverse("admin:articles_article_preview", args=[article.pk]),
            reverse("admin:articles_article_history", args=[article.pk]),
            article.get_preview_url("de"),
        ]
        inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(?:json|ld\+json))[^>]*>")
        for url in pages:
            with self.subTest(url=url):
                html = self.client.get(url).content.decode()
                self.assertIsNone(inline_script.search(html))
                self.assertNotIn("<style", html)
                self.assertNotIn(" style=", html)


class QuickImportTests(AdminTestCase):
    """One agency file from the desk: imported as a draft, and the editor lands on it."""

    item = {
        "uri": "urn:newsml:dpa.com:20260101:quick-1",
        "version": "3",
        "versioncreated": "2026-01-01T10:00:00+01:00",
        "language": "de",
        "headlines": [{"role": "main", "value": "Schnell importiert"}],
        "descriptions": [{"role": "summary", "value": "Vorspann."}],
        "bodies": [{"role": "main", "contenttype": "text/html", "value": "<p>Text.</p>"}],
        "infosources": [{"name": "dpa"}],
    }

    def post(self, name, content):
        upload = SimpleUploadedFile(name, content)
        return self.client.post(reverse("admin:interchange_quick_import"), {"file": upload}, follow=True)

    def test_a_single_item_opens_as_a_draft(self):
        response = self.post("item.json", json.dumps(self.item).encode())
        article = Article.objects.get(source_identifier=self.item["uri"])
        self.assertRedirects(response, reverse("admin:articles_article_change", args=[article.pk]))
        self.assertEqual(article.status_de, "draft")
        self.assertContains(response, "Imported as a draft: Schnell importiert")

    def test_what_cannot_be_imported_is_said_and_a_zip_goes_to_the_import_page(self):
        response = self.post("broken.json", b"{not json")
        self.assertRedirects(response, reverse("admin:articles_article_changelist"))
        self.assertContains(response, "Not imported:")
        self.assertFalse(Article.objects.exists())
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("a.json", json.dumps(self.item))
        response = self.post("feed.zip", buffer.getvalue())
        self.assertRedirects(response, reverse("admin:interchange_import"))
        self.assertFalse(Article.objects.exists())

    def test_needs_the_add_permission_and_a_post(self):
        self.assertEqual(self.client.get(reverse("admin:interchange_quick_import")).status_code, 405)
        viewer = User.objects.create_user("viewer", password="pw", is_staff=True)
        self.client.force_login(viewer)
        self.assertEqual(self.post("item.json", json.dumps(self.item).encode()).status_code, 403)


class DeskOverviewTests(AdminTestCase):
    def test_the_start_page_shows_the_desk_per_language_with_links_to_the_list(self):
        now = timezone.now()
        scheduled = make_article(headline_de="Bald online")
        scheduled.set_status("de", Status.SCHEDULED, scheduled_at=now + timedelta(hours=2))
        scheduled.save()
        make_article(languages=["de"], headline_de="Nur deutsch")
        response = self.client.get(reverse("admin:index"))
        desk = {column["code"]: column for column in response.context["desk"]}
        german = {line["view"]: line for line in desk["de"]["lines"]}
        self.assertEqual(german["scheduled"]["count"], 1)
        self.assertEqual(german["scheduled"]["articles"][0]["headline"], "Bald online")
        self.assertEqual({line["view"]: line for line in desk["ar"]["lines"]}["missing"]["count"], 1)
        self.assertEqual(desk["de"]["pending"]["count"], 0)
        self.assertContains(response, "?desk=de:scheduled")
        self.assertContains(response, "scheduler-stale")
        listed = self.client.get(german["scheduled"]["url"])
        self.assertEqual([article.pk for article in listed.context["cl"].result_list], [scheduled.pk])

    def test_the_overview_costs_three_queries_however_many_articles(self):
        for number in range(5):
            make_article(publish=["de"], headline_de=f"Meldung {number}")
        with self.assertNumQueries(3):
            desk.overview()

    def test_each_timed_list_shows_its_soonest_however_many_wait(self):
        now = timezone.now()
        articles = []
        for minutes in range(30):
            article = make_article()
            article.set_status("de", Status.SCHEDULED, scheduled_at=now + timedelta(hours=20, minutes=-minutes))
            article.save()
            articles.append(article)
        listed = [item["pk"] for item in desk.timed_articles("de", now)["scheduled"]]
        self.assertEqual(listed, [article.pk for article in reversed(articles[-8:])])

    def test_readers_without_articles_get_no_desk(self):
        viewer = User.objects.create_user("viewer", password="pw", is_staff=True)
        self.client.force_login(viewer)
        self.assertNotIn("desk", self.client.get(reverse("admin:index")).context)


class AdminLanguageTests(TestCase):
    """The admin speaks the editor's language: Arabic, German or English, kept per editor; the site is untouched."""

    @classmethod
    def setUpTestData(cls):
        cls.editor = User.objects.create_superuser("editor", "editor@example.com", "pw-for-tests")

    def setUp(self):
        self.client.force_login(self.editor)

    def test_an_english_browser_gets_the_english_admin_named_after_the_newsroom(self):
        response = self.client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8")
        self.assertEqual(response.context["LANGUAGE_CODE"], "en")
        self.assertContains(response, '<html lang="en" dir="ltr">')
        self.assertContains(response, f'<a href="{reverse("admin:index")}">{settings.SITE_NAME}</a>')
        self.assertNotContains(response, "Django")
        arabic = self.client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="ar")
        self.assertContains(arabic, '<html lang="ar" dir="rtl">')

    def test_the_switch_sticks_to_the_editor_across_sessions(self):
        self.client.post(reverse("admin:set_language"), {"language": "de", "next": reverse("admin:index")})
        self.assertEqual(EditorProfile.objects.get(user=self.editor).admin_language, "de")
        self.client.logout()
        self.client.force_login(self.editor)
        response = self.client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(response, '<html lang="de" dir="ltr">')
        refused = self.client.post(reverse("admin:set_language"), {"language": "fr", "next": "https://evil.example/"})
        self.assertEqual(refused["Location"], reverse("admin:index"))
        self.assertEqual(EditorProfile.objects.get(user=self.editor).admin_language, "de")

    @override_settings(LANGUAGE_CODE="ar")
    def test_english_makes_no_public_english_site_and_no_english_columns(self):
        self.assertNotIn("en", languages.CODES)
        self.assertFalse(hasattr(Article, "headline_en"))
        make_article(publish=["ar", "de"])
        self.assertEqual(self.client.get("/en/").status_code, 404)
        self.assertEqual(self.client.get("/de/", HTTP_ACCEPT_LANGUAGE="en").status_code, 200)

    def test_the_other_directions_names_are_isolated_in_title_and_breadcrumbs(self):
        article = make_article(headline_ar="", headline_de="Faktencheck: Stimmt das wirklich?", languages=["de"])
        response = self.client.get(
            reverse("admin:articles_article_change", args=[article.pk]), HTTP_ACCEPT_LANGUAGE="ar"
        )
        html = response.content.decode()
        self.assertIn("<bdi>Faktencheck: Stimmt das wirklich?</bdi>", html)
        title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
        self.assertIn("\u2068Faktencheck: Stimmt das wirklich?\u2069", title)

    def test_arabic_messages_join_lists_with_the_arabic_comma(self):
        article = make_article(teaser_ar="", body_ar="", languages=["ar"])
        response = self.client.get(
            reverse("admin:articles_article_change", args=[article.pk]), HTTP_ACCEPT_LANGUAGE="ar"
        )
        missing = response.context["workflow"][0]["missing"]
        self.assertIn("، ", missing)
        self.assertNotIn(", ", missing)


class ArticleListQueryTests(AdminTestCase):
    def test_the_state_columns_cost_no_query_per_row(self):
        url = reverse("admin:articles_article_changelist")
        make_article(publish=["de"], embargoed_until=timezone.now() + timedelta(hours=1))
        self.client.get(url)  # the session and the content types are cached after the first page
        with CaptureQueriesContext(connection) as one:
            self.client.get(url)
        for number in range(6):
            make_article(publish=["ar"], expires_at=timezone.now() + timedelta(days=number + 1))
        with CaptureQueriesContext(connection) as seven:
            response = self.client.get(url)
        self.assertContains(response, "state-embargoed")
        self.assertContains(response, "expires")
        self.assertEqual(len(seven), len(one))
