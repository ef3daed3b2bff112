"""The editors' admin: side-by-side languages, Arabic inputs right to left, lists, import page."""

import io
import re
import zipfile

from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase, override_settings
from django.urls import reverse
from lxml import html as lxml_html
from reversion.models import Version

from articles.models import Article, Image
from interchange.models import PendingUpdate
from interchange.writer import import_files
from tests.factories import needs_seed

from .factories import SEED, make_article, make_category, make_source, picture_upload
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
        self.assertContains(self.client.get(url, {"sources__id__exact": afp.pk}), "خبر عربي فقط")
        self.assertContains(self.client.get(url, {"categories__id__exact": politics.pk}), "خبر عربي فقط")
        self.assertContains(self.client.get(url, {"q": "Beide"}), "Beide Sprachen")
        self.assertContains(self.client.get(url, {"q": "عربي"}), "خبر عربي فقط")

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
        pending = PendingUpdate.objects.create(
            article=article,
            language="ar",
            source_format="ninjs",
            source_version="2",
            fingerprint="f" * 64,
            payload={
                "identifier": "urn:x",
                "language": "ar",
                "headline": "عنوان الوكالة",
                "teaser": "مقدمة",
                "body_html": "<p>نص</p>",
                "format": "ninjs",
                "images": [],
            },
        )
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
