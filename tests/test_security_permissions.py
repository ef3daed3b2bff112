"""
A reporter may not change what readers see, by any path: the Import page, the import command, pending agency
versions and the Image admin. Each such change by someone who may is kept as a revision and logged, naming them.
"""

import json
import tempfile
from io import StringIO
from pathlib import Path

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import TestCase
from django.urls import reverse
from reversion.models import Version

from articles.models import Article, Status
from interchange.models import PendingUpdate

from .factories import make_article, make_pending_update, make_user, picture_upload

IMPORT_URL = reverse("admin:interchange_import")


def ninjs_item(headline="عنوان الوكالة الجديد", **fields):
    """A ninjs 2 item in Arabic; `altids` with a short code or a matching `uri` makes it an existing article's."""
    item = {
        "uri": "urn:newsroom-test:security:1",
        "version": "2",
        "versioncreated": "2025-05-01T10:00:00Z",
        "pubstatus": "usable",
        "language": "ar",
        "headlines": [{"role": "main", "value": headline}],
        "descriptions": [{"role": "summary", "value": "مقدمة من الوكالة."}],
        "bodies": [{"role": "main", "contenttype": "text/html", "value": "<p>نص الوكالة.</p>"}],
    }
    item.update(fields)
    return item


def upload(item, name="item.json"):
    return SimpleUploadedFile(name, json.dumps(item, ensure_ascii=False).encode(), content_type="application/json")


def log_entries(obj):
    return LogEntry.objects.filter(object_id=str(obj.pk), content_type__model=obj._meta.model_name)


class ImportPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.reporter = make_user("rita", "reporter")
        cls.editor = make_user("edith", "editor")

    def setUp(self):
        self.live = make_article(publish=["ar"])
        self.live_headline = self.live.headline_ar

    def import_page(self, user, item, **options):
        """Upload one item, then confirm the preview, as `user`; returns the confirmation's response."""
        self.client.force_login(user)
        response = self.client.post(IMPORT_URL, {"files": [upload(item)], "format": "auto", "language": "", **options})
        self.assertEqual(response.status_code, 200)
        confirm = {"confirm": "1", "token": response.context["token"], "format": "auto", "language": "", **options}
        return self.client.post(IMPORT_URL, confirm)

    def test_publish_is_offered_only_to_those_who_may_publish(self):
        self.client.force_login(self.reporter)
        self.assertNotIn("publish", self.client.get(IMPORT_URL).context["form"].fields)
        self.client.force_login(self.editor)
        self.assertIn("publish", self.client.get(IMPORT_URL).context["form"].fields)

    def test_reporter_asking_to_publish_is_refused_at_upload(self):
        self.client.force_login(self.reporter)
        response = self.client.post(IMPORT_URL, {"files": [upload(ninjs_item())], "format": "auto", "publish": "on"})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(Article.objects.count(), 1, "no article was created")

    def test_reporter_asking_to_publish_is_refused_at_confirmation(self):
        # The preview never carries "publish" for a reporter; a forged confirmation adds it.
        self.client.force_login(self.reporter)
        response = self.client.post(IMPORT_URL, {"files": [upload(ninjs_item())], "format": "auto"})
        token = response.context["token"]
        response = self.client.post(IMPORT_URL, {"confirm": "1", "token": token, "format": "auto", "publish": "on"})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(Article.objects.count(), 1, "no article was created")
        self.assertEqual(Article.objects.published("ar").get(), self.live, "nothing else was published")

    def test_reporter_import_is_logged_and_kept_as_a_revision(self):
        response = self.import_page(self.reporter, ninjs_item())
        self.assertContains(response, "imported 1")
        article = Article.objects.get(source_identifier="urn:newsroom-test:security:1")
        self.assertEqual(article.status_in("ar"), Status.DRAFT)
        entry = log_entries(article).get()
        self.assertEqual((entry.user, entry.action_flag), (self.reporter, ADDITION))
        # The file as the reporter uploaded it, not the staging folder it waited in.
        self.assertIn("from item.json (ninjs version 2)", entry.get_change_message())
        self.assertEqual(Version.objects.get_for_object(article).get().revision.user, self.reporter)

    def test_reporter_update_of_a_live_article_by_short_code_waits_for_an_editor(self):
        item = ninjs_item(altids=[{"role": "shortcode", "value": self.live.short_code}])
        response = self.import_page(self.reporter, item)
        self.assertContains(response, "conflict")
        self.assertContains(response, "awaits an editor who may publish")
        self.live.refresh_from_db()
        self.assertEqual(self.live.headline_ar, self.live_headline)
        pending = PendingUpdate.objects.get(article=self.live)
        self.assertEqual(pending.headline, "عنوان الوكالة الجديد")
        self.assertEqual(pending.file_name, "item.json")
        self.assertFalse(Version.objects.get_for_object(self.live).exists())

    def test_reporter_update_of_a_live_article_by_identifier_waits_for_an_editor(self):
        self.live.source_identifier = "urn:newsroom-test:security:1"
        self.live.save()
        self.import_page(self.reporter, ninjs_item())
        self.live.refresh_from_db()
        self.assertEqual(self.live.headline_ar, self.live_headline)
        self.assertTrue(PendingUpdate.objects.filter(article=self.live).exists())

    def test_reporter_update_of_a_scheduled_article_waits_too(self):
        draft = make_article(languages=("ar",))
        draft.status_de = Status.SCHEDULED  # the other language: shared fields and pictures would still change
        draft.save()
        self.import_page(self.reporter, ninjs_item(altids=[{"role": "shortcode", "value": draft.short_code}]))
        draft.refresh_from_db()
        self.assertNotEqual(draft.headline_ar, "عنوان الوكالة الجديد")
        self.assertTrue(PendingUpdate.objects.filter(article=draft).exists())

    def test_editor_update_of_a_live_article_is_made_logged_and_kept(self):
        item = ninjs_item(altids=[{"role": "shortcode", "value": self.live.short_code}])
        response = self.import_page(self.editor, item)
        self.assertContains(response, "updated 1")
        self.live.refresh_from_db()
        self.assertEqual(self.live.headline_ar, "عنوان الوكالة الجديد")
        self.assertFalse(PendingUpdate.objects.exists())
        entry = log_entries(self.live).get()
        self.assertEqual((entry.user, entry.action_flag), (self.editor, CHANGE))
        self.assertIn("Updated the Arabic version from item.json", entry.get_change_message())
        revision = Version.objects.get_for_object(self.live).get().revision
        self.assertEqual(revision.user, self.editor)
        self.assertEqual(revision.get_comment(), entry.get_change_message())

    def test_editor_may_publish_on_import(self):
        response = self.import_page(self.editor, ninjs_item(), publish="on")
        self.assertContains(response, "imported 1")
        article = Article.objects.get(source_identifier="urn:newsroom-test:security:1")
        self.assertEqual(article.status_in("ar"), Status.PUBLISHED)
        self.assertIn("Published the Arabic version", log_entries(article).get().get_change_message())

    def test_reporter_import_leaves_a_live_articles_picture_alone(self):
        shown = make_article(publish=["ar"], images=1).captions.get().image
        shown.source_identifier = "urn:newsroom-test:pic:shared"
        shown.save()
        picture = {
            "name": "main",
            "uri": "urn:newsroom-test:pic:shared",
            "type": "picture",
            "copyrightholder": "Someone Else",
            "renditions": [{"name": "original", "href": "https://images.example.org/shared.jpg"}],
        }
        response = self.import_page(self.reporter, ninjs_item(associations=[picture]))
        self.assertContains(response, "imported 1")
        shown.refresh_from_db()
        self.assertEqual(shown.credit, "Newsroom/Test")
        self.assertEqual(shown.remote_url, "")


class PendingUpdateTests(TestCase):
    """Applying a waiting agency version is a change like any other: refused on live articles without publishing."""

    @classmethod
    def setUpTestData(cls):
        review = Permission.objects.filter(content_type__app_label="interchange", codename__endswith="pendingupdate")
        cls.reporter = make_user("rita", "reporter")
        cls.editor = make_user("edith", "editor")
        for user in (cls.reporter, cls.editor):
            user.user_permissions.add(*review)

    def setUp(self):
        self.live = make_article(publish=["ar"])
        self.pending = make_pending_update(self.live, file_name="item.json", version="2")

    def apply(self, user):
        self.client.force_login(user)
        return self.client.post(
            reverse("admin:interchange_pendingupdate_changelist"),
            {"action": "apply_updates", "_selected_action": [self.pending.pk]},
            follow=True,
        )

    def test_reporter_may_not_apply_to_a_live_article(self):
        response = self.apply(self.reporter)
        self.assertContains(response, "1 agency version was not applied")
        self.live.refresh_from_db()
        self.assertNotEqual(self.live.headline_ar, "عنوان الوكالة")
        self.assertTrue(PendingUpdate.objects.exists())
        self.assertFalse(log_entries(self.live).exists())

    def test_editor_applies_it_logged_and_kept(self):
        response = self.apply(self.editor)
        self.assertContains(response, "1 agency version applied")
        self.live.refresh_from_db()
        self.assertEqual(self.live.headline_ar, "عنوان الوكالة")
        self.assertFalse(PendingUpdate.objects.exists())
        entry = log_entries(self.live).get()
        self.assertEqual(entry.user, self.editor)
        self.assertIn("Applied the agency's pending Arabic version", entry.get_change_message())
        self.assertEqual(Version.objects.get_for_object(self.live).get().revision.user, self.editor)


class ImportCommandTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.reporter = make_user("rita", "reporter")
        cls.editor = make_user("edith", "editor")

    def setUp(self):
        self.path = Path(tempfile.mkdtemp()) / "item.json"

    def run_import(self, item, *args):
        self.path.write_text(json.dumps(item, ensure_ascii=False), encoding="utf-8")
        call_command("import_articles", str(self.path), *args, stdout=StringIO())

    def test_reporter_may_not_publish(self):
        with self.assertRaisesMessage(CommandError, "You may not publish articles"):
            self.run_import(ninjs_item(), "--user", "rita", "--publish")
        self.assertFalse(Article.objects.exists())

    def test_reporter_update_of_a_live_article_waits(self):
        live = make_article(publish=["ar"])
        self.run_import(ninjs_item(altids=[{"role": "shortcode", "value": live.short_code}]), "--user", "rita")
        live.refresh_from_db()
        self.assertNotEqual(live.headline_ar, "عنوان الوكالة الجديد")
        self.assertTrue(PendingUpdate.objects.filter(article=live).exists())

    def test_editor_publishes_named_in_the_history(self):
        self.run_import(ninjs_item(), "--user", "edith", "--publish")
        article = Article.objects.published("ar").get()
        self.assertEqual(log_entries(article).get().user, self.editor)
        self.assertEqual(Version.objects.get_for_object(article).get().revision.user, self.editor)


class ImageAdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.reporter = make_user("rita", "reporter")
        cls.editor = make_user("edith", "editor")

    def setUp(self):
        self.image = make_article(publish=["ar"], images=1).captions.get().image
        self.url = reverse("admin:articles_image_change", args=[self.image.pk])

    def change(self, user, image=None, **changes):
        self.client.force_login(user)
        image = image or self.image
        data = {
            "archive_title": image.archive_title,
            "credit": image.credit,
            "alt_text_ar": image.alt_text_ar or "",
            "alt_text_de": image.alt_text_de or "",
            "source_identifier": image.source_identifier,
            "remote_url": image.remote_url,
            **changes,
        }
        return self.client.post(reverse("admin:articles_image_change", args=[image.pk]), data)

    def test_reporter_sees_a_live_articles_picture_read_only(self):
        self.client.force_login(self.reporter)
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertFalse(response.context["has_change_permission"])
        self.assertNotContains(response, 'name="credit"')
        self.assertContains(response, "Newsroom/Test")

    def test_reporter_may_not_change_a_live_articles_credit(self):
        response = self.change(self.reporter, credit="Someone Else")
        self.assertEqual(response.status_code, 403)
        self.image.refresh_from_db()
        self.assertEqual(self.image.credit, "Newsroom/Test")

    def test_reporter_may_not_swap_a_live_articles_picture(self):
        response = self.change(self.reporter, file=picture_upload(color=(0, 0, 255)))
        self.assertEqual(response.status_code, 403)
        self.image.refresh_from_db()
        self.assertFalse(self.image.file)

    def test_a_scheduled_articles_picture_is_protected_too(self):
        article = make_article(images=1)
        article.status_de = Status.SCHEDULED
        article.save()
        image = article.captions.get().image
        self.assertEqual(self.change(self.reporter, image=image, credit="Someone Else").status_code, 403)

    def test_reporter_changes_a_draft_articles_picture(self):
        image = make_article(images=1).captions.get().image
        self.assertEqual(self.change(self.reporter, image=image, credit="Anders").status_code, 302)
        image.refresh_from_db()
        self.assertEqual(image.credit, "Anders")

    def test_editor_changes_it_logged_and_kept(self):
        response = self.change(self.editor, credit="Someone Else")
        self.assertEqual(response.status_code, 302)
        self.image.refresh_from_db()
        self.assertEqual(self.image.credit, "Someone Else")
        self.assertEqual(log_entries(self.image).get().user, self.editor)
        self.assertEqual(Version.objects.get_for_object(self.image).get().revision.user, self.editor)

    def test_list_and_history_render_and_a_reporter_may_not_revert(self):
        self.change(self.editor, credit="First Credit")
        first = Version.objects.get_for_object(self.image).get()
        self.change(self.editor, credit="Someone Else")
        self.client.force_login(self.reporter)
        self.assertEqual(self.client.get(reverse("admin:articles_image_changelist")).status_code, 200)
        history = self.client.get(reverse("admin:articles_image_history", args=[self.image.pk]))
        self.assertContains(history, "edith")
        # Reverting is a change like any other.
        revert = reverse("admin:articles_image_revision", args=[self.image.pk, first.pk])
        self.assertEqual(self.client.post(revert, {"credit": "First Credit"}).status_code, 403)
        self.image.refresh_from_db()
        self.assertEqual(self.image.credit, "Someone Else")
