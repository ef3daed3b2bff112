"""
One permission rule on every path (issue 12, item 1), for the paths this work touches: the admin's bulk actions and
the API. A reporter walks each of them against live articles and changes nothing readers see; an editor's change is
recorded in the admin log and a revision naming them. (The Import page, import_articles --user, pending updates and
the Image admin are walked in test_security_permissions.py.)
"""

from django.contrib.admin.models import LogEntry
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from articles.models import Article, Status
from tests.factories import make_article, make_user


class BulkActionPermissionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.reporter = make_user("rana", "reporter")
        cls.editor = make_user("omar", "editor")
        cls.live = make_article(publish=("ar", "de"))
        cls.draft = make_article()

    def post_action(self, user, action, **extra):
        self.client.force_login(user)
        data = {"action": action, "language": "", "_selected_action": [self.live.pk, self.draft.pk], **extra}
        return self.client.post(reverse("admin:articles_article_changelist"), data, follow=True)

    def statuses(self):
        return [
            (article.status_ar, article.status_de)
            for article in Article.objects.filter(pk__in=[self.live.pk, self.draft.pk]).order_by("pk")
        ]

    def test_a_reporter_is_not_offered_the_actions_and_a_forged_request_changes_nothing(self):
        self.client.force_login(self.reporter)
        changelist = self.client.get(reverse("admin:articles_article_changelist"))
        self.assertNotContains(changelist, "publish_selected")
        before = self.statuses()
        for action in ("publish_selected", "unpublish_selected"):
            with self.subTest(action=action):
                self.post_action(self.reporter, action)
                self.assertEqual(self.statuses(), before)
        self.post_action(self.reporter, "schedule_selected", apply="1", when=timezone.now().isoformat())
        self.assertEqual(self.statuses(), before)
        self.assertFalse(LogEntry.objects.filter(user=self.reporter).exists())

    def test_an_editors_bulk_change_is_logged_and_kept_as_a_revision_naming_them(self):
        self.post_action(self.editor, "unpublish_selected", language="ar")
        self.live.refresh_from_db()
        self.assertEqual(self.live.status_ar, Status.UNPUBLISHED)
        self.assertTrue(LogEntry.objects.filter(user=self.editor, object_id=str(self.live.pk)).exists())
        self.assertTrue(
            Version.objects.get_for_object(self.live).filter(revision__user=self.editor).exists(),
            "a revision names the editor",
        )

    def test_a_reporter_cannot_open_a_live_article_for_change(self):
        self.client.force_login(self.reporter)
        response = self.client.post(
            reverse("admin:articles_article_change", args=[self.live.pk]), {"headline_de": "Überschrieben"}
        )
        self.assertEqual(response.status_code, 403)
        self.live.refresh_from_db()
        self.assertNotEqual(self.live.headline_de, "Überschrieben")


class ApiPermissionTests(TestCase):
    """The API only reads: no method changes anything, whoever asks, and it shows only what readers may see."""

    @classmethod
    def setUpTestData(cls):
        cls.live = make_article(publish=("ar",))
        cls.draft = make_article()

    def test_no_method_writes(self):
        self.client.force_login(make_user("chief", "chief editor", is_superuser=True))
        for url in (reverse("api:article_list"), reverse("api:article_detail", args=[self.live.short_code])):
            for method in ("post", "put", "patch", "delete"):
                with self.subTest(url=url, method=method):
                    response = getattr(self.client, method)(
                        url, data={"headline_ar": "x"}, content_type="application/json"
                    )
                    self.assertEqual(response.status_code, 405)
        self.live.refresh_from_db()
        self.assertNotEqual(self.live.headline_ar, "x")

    def test_hidden_versions_stay_hidden(self):
        self.assertEqual(self.client.get(reverse("api:article_detail", args=[self.draft.short_code])).status_code, 404)
        self.assertEqual(
            self.client.get(reverse("api:article_detail", args=[self.live.short_code]), {"language": "de"}).status_code,
            404,
        )
        self.assertEqual(
            self.client.get(reverse("api:article_detail", args=[self.live.short_code]), {"language": "ar"}).status_code,
            200,
        )
