"""The audit trail: one revision and one admin log entry per change, naming the user; accounts for commands."""

import reversion
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth.models import User
from django.test import TestCase
from reversion.errors import RevisionManagementError
from reversion.models import Version

from articles.audit import record, system_user

from .factories import make_article, make_user


class RecordTests(TestCase):
    def test_names_the_user_in_the_revision_and_the_log(self):
        article = make_article()
        editor = make_user("editor", "editor")
        with reversion.create_revision():
            article.save()
            record(article, editor, "Imported from item.json", action_flag=ADDITION)
        version = Version.objects.get_for_object(article).get()
        self.assertEqual(version.revision.user, editor)
        self.assertEqual(version.revision.get_comment(), "Imported from item.json")
        entry = LogEntry.objects.get(object_id=str(article.pk))
        self.assertEqual((entry.user, entry.action_flag), (editor, ADDITION))
        self.assertEqual(entry.get_change_message(), "Imported from item.json")

    def test_change_is_the_default(self):
        article = make_article()
        with reversion.create_revision():
            record(article, make_user("editor"), "Changed")
        self.assertEqual(LogEntry.objects.get().action_flag, CHANGE)

    def test_outside_a_revision_is_a_mistake(self):
        # A log entry without the revision of what changed would be half a record.
        with self.assertRaises(RevisionManagementError):
            record(make_article(), make_user("editor"), "Changed")


class SystemUserTests(TestCase):
    def test_an_account_that_cannot_log_in_made_once(self):
        account = system_user("import_articles")
        self.assertFalse(account.is_active)
        self.assertFalse(account.has_usable_password())
        self.assertEqual(system_user("import_articles"), account)
        self.assertEqual(User.objects.filter(username="import_articles").count(), 1)
