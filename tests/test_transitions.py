"""The workflow is one table: every rule reads it, so a new action is one entry (here a made-up "archive")."""

from django.contrib.admin.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.test import TestCase
from django.utils import timezone
from reversion.models import Version

from articles.models import Article, Status
from tests.factories import make_article, make_user
from workflow.transitions import TRANSITIONS, WORKFLOW, Action, Due, Transition, Workflow


class Extra(models.TextChoices):
    ARCHIVE = "archive", "Archive"


# A hypothetical action: take a live version off the site when its article expires, or by hand with the
# unpublishing permission. This entry is all a new action needs besides its permission.
ARCHIVE = Transition(
    Extra.ARCHIVE,
    from_states=frozenset({Status.PUBLISHED}),
    to_state=Status.UNPUBLISHED,
    permission="articles.publish_article",
    done="Archived the %(language)s version.",
    due=Due(Status.PUBLISHED, "expires_at", per_language=False),
)


class TableTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = make_user("editor", "editor")
        cls.reporter = make_user("reporter", "reporter")

    def test_every_action_has_one_entry_and_a_label(self):
        self.assertEqual([t.action for t in TRANSITIONS], list(Action))
        for transition in TRANSITIONS:
            self.assertEqual(transition.label, transition.action.label)

    def test_a_new_action_is_one_table_entry(self):
        # Without unpublish, the table's only expiry rule is the new action's.
        workflow = Workflow([*(t for t in TRANSITIONS if t.action != Action.UNPUBLISH), ARCHIVE])
        article = make_article(publish=["ar"])
        actions = [t.action for t in workflow.available_actions(article, "ar", self.editor)]
        self.assertIn("archive", actions)
        self.assertNotIn("archive", [t.action for t in workflow.available_actions(article, "ar", self.reporter)])
        with self.assertRaises(PermissionDenied):
            workflow.transition(article, "ar", "archive", self.reporter)

        message = workflow.transition(article, "ar", "archive", self.editor)
        self.assertEqual(message, "Archived the Arabic version.")
        self.assertEqual(article.status_in("ar"), Status.UNPUBLISHED)
        self.assertTrue(LogEntry.objects.filter(change_message=message, user=self.editor).exists())
        self.assertEqual(Version.objects.get_for_object(article).first().revision.get_comment(), message)
        with self.assertRaises(ValidationError):
            workflow.transition(article, "ar", "archive", self.editor)

    def test_the_schedule_runner_reads_the_new_entry(self):
        workflow = Workflow([*(t for t in TRANSITIONS if t.action != Action.UNPUBLISH), ARCHIVE])
        article = make_article(publish=["ar", "de"])
        Article.objects.filter(pk=article.pk).update(expires_at=timezone.now() - timezone.timedelta(minutes=1))
        article.refresh_from_db()
        self.assertEqual(
            [(language, t.action) for language, t in workflow.due_actions(article, timezone.now())],
            [("ar", "archive"), ("de", "archive")],
        )
        report = workflow.run_schedule()
        self.assertEqual(
            [(language, action) for _article, language, action, _error in report],
            [("ar", "archive"), ("de", "archive")],
        )
        article.refresh_from_db()
        self.assertEqual({article.status_in("ar"), article.status_in("de")}, {Status.UNPUBLISHED})

    def test_unknown_actions_are_refused_with_a_reason(self):
        article = make_article()
        with self.assertRaisesMessage(ValidationError, "Unknown action"):
            WORKFLOW.transition(article, "ar", "archive", self.editor)


class ExpiryTests(TestCase):
    def test_an_expired_article_goes_live_only_with_a_later_expiry(self):
        editor = make_user("editor", "editor")
        article = make_article(publish=("de",))
        article.expires_at = timezone.now() - timezone.timedelta(minutes=1)
        article.save()
        WORKFLOW.run_schedule(user=editor)
        article.refresh_from_db()
        self.assertEqual(article.status_de, Status.UNPUBLISHED)
        with self.assertRaisesMessage(ValidationError, "set a later expiry"):
            WORKFLOW.transition(article, "de", Action.PUBLISH, editor)
        with self.assertRaisesMessage(ValidationError, "set a later expiry"):
            WORKFLOW.transition(
                article, "de", Action.SCHEDULE, editor, when=timezone.now() + timezone.timedelta(hours=1)
            )
        article.expires_at = timezone.now() + timezone.timedelta(days=1)
        article.save()
        WORKFLOW.transition(article, "de", Action.PUBLISH, editor)
        self.assertTrue(article.is_published("de"))
