"""The three roles, through the admin as a browser would use it."""

from django.contrib.auth.models import Group
from django.test import TestCase
from django.urls import reverse

from articles.models import Article, Status
from tests.factories import make_article, make_category, make_source, make_user
from workflow.roles import ROLES


class GroupsTests(TestCase):
    def test_migration_created_the_groups(self):
        self.assertEqual(set(Group.objects.values_list("name", flat=True)), {"reporter", "editor", "chief editor"})

    def test_each_group_holds_exactly_its_roles_permissions(self):
        for name, permissions in ROLES.items():
            with self.subTest(role=name):
                group = Group.objects.get(name=name)
                held = {
                    f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")
                }
                self.assertEqual(held, set(permissions))

    def test_custom_permissions_are_assigned(self):
        perms = lambda name: set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))  # noqa: E731
        self.assertIn("submit_article", perms("reporter"))
        self.assertNotIn("publish_article", perms("reporter"))
        self.assertTrue({"publish_article", "schedule_article", "correct_article"} <= perms("editor"))
        self.assertNotIn("delete_article", perms("editor"))
        self.assertTrue({"delete_article", "take_over_lock", "change_source", "add_category"} <= perms("chief editor"))


class RoleTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.reporter = make_user("reporter", "reporter")
        cls.editor = make_user("editor", "editor")
        cls.chief = make_user("chief", "chief editor")
        cls.draft = make_article(headline_de="Entwurf")
        cls.live = make_article(publish=["ar"], headline_de="Live")

    def change(self, article):
        return reverse("admin:articles_article_change", args=[article.pk])

    def post_action(self, action, article):
        return self.client.post(
            reverse("admin:articles_article_changelist"),
            {"action": action, "language": "", "_selected_action": [article.pk]},
            follow=True,
        )

    def test_reporter_creates_edits_and_submits_drafts(self):
        self.client.force_login(self.reporter)
        self.assertEqual(self.client.get(reverse("admin:articles_article_add")).status_code, 200)
        response = self.client.get(self.change(self.draft))
        self.assertContains(response, 'value="ar:submit"')
        self.assertNotContains(response, 'value="ar:publish"')
        self.assertNotContains(response, 'value="ar:schedule"')

    def test_reporter_cannot_edit_published_or_use_publishing_actions(self):
        self.client.force_login(self.reporter)
        response = self.client.get(self.change(self.live))
        self.assertEqual(response.status_code, 200)  # view only
        self.assertNotContains(response, 'name="_save"')
        changelist = self.client.get(reverse("admin:articles_article_changelist"))
        self.assertNotContains(changelist, "publish_selected")
        self.post_action("publish_selected", self.draft)
        self.assertEqual(Article.objects.get(pk=self.draft.pk).status_ar, Status.DRAFT)

    def test_reporter_cannot_delete_or_manage_sources(self):
        self.client.force_login(self.reporter)
        self.assertEqual(
            self.client.get(reverse("admin:articles_article_delete", args=[self.draft.pk])).status_code, 403
        )
        self.assertEqual(self.client.get(reverse("admin:articles_source_add")).status_code, 403)

    def test_editor_publishes_schedules_corrects_unpublishes(self):
        self.client.force_login(self.editor)
        response = self.client.get(self.change(self.live))
        for action in ("ar:unpublish", "ar:correct", "de:publish", "de:schedule"):
            self.assertContains(response, f'value="{action}"')
        self.post_action("publish_selected", self.draft)
        draft = Article.objects.get(pk=self.draft.pk)
        self.assertEqual((draft.status_ar, draft.status_de), (Status.PUBLISHED, Status.PUBLISHED))

    def test_editor_cannot_delete_or_manage_categories(self):
        self.client.force_login(self.editor)
        self.assertEqual(
            self.client.get(reverse("admin:articles_article_delete", args=[self.draft.pk])).status_code, 403
        )
        self.assertEqual(self.client.get(reverse("admin:articles_category_add")).status_code, 403)
        self.assertNotContains(self.client.get(reverse("admin:articles_article_changelist")), "delete_selected")

    def test_chief_editor_deletes_and_manages_sources_and_categories(self):
        self.client.force_login(self.chief)
        self.assertEqual(
            self.client.get(reverse("admin:articles_source_change", args=[make_source().pk])).status_code, 200
        )
        category = make_category()
        response = self.client.post(
            reverse("admin:articles_category_change", args=[category.pk]),
            {"name_ar": "اقتصاد", "name_de": "Wirtschaft", "slug_ar": "", "slug_de": "", "aliases": "[]"},
        )
        self.assertEqual(response.status_code, 302)
        response = self.client.post(reverse("admin:articles_article_delete", args=[self.draft.pk]), {"post": "yes"})
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Article.objects.filter(pk=self.draft.pk).exists())
