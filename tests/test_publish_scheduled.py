"""publish_scheduled: publishes what is due, unpublishes what expired, once, even with several runs at once."""

import threading
from datetime import timedelta
from io import StringIO
from pathlib import Path
from unittest import skipUnless

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.core.management import call_command
from django.db import OperationalError, connection, connections
from django.test import TestCase, TransactionTestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Status
from tests.factories import make_article, make_category, make_source, make_user
from workflow.management.commands.publish_scheduled import Command
from workflow.models import JobRun
from workflow.transitions import WORKFLOW


def schedule(article, language, when):
    setattr(article, f"status_{language}", Status.SCHEDULED)
    setattr(article, f"scheduled_at_{language}", when)
    article.save()


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("publish_scheduled", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


class PublishScheduledTests(TestCase):
    def test_publishes_what_is_due_and_only_that(self):
        now = timezone.now()
        due = make_article(headline_de="Fällig")
        schedule(due, "de", now - timedelta(minutes=1))
        later = make_article(headline_de="Später")
        schedule(later, "de", now + timedelta(hours=1))
        out, err = run()
        due.refresh_from_db()
        later.refresh_from_db()
        self.assertEqual(due.status_de, Status.PUBLISHED)
        self.assertEqual(due.status_ar, Status.DRAFT)
        self.assertIsNone(due.scheduled_at_de)
        self.assertEqual(later.status_de, Status.SCHEDULED)
        self.assertIn(f"publish {due.pk}", out)
        self.assertIn("Fällig", out)
        self.assertIn("1 done, 0 refused", out)
        self.assertEqual(err, "")
        self.assertTrue(Article.objects.published("de").filter(pk=due.pk).exists())
        entry = LogEntry.objects.get(object_id=str(due.pk))
        self.assertEqual(entry.user.username, "publish_scheduled")
        self.assertFalse(entry.user.has_usable_password())

    def test_unpublishes_expired(self):
        article = make_article(publish=["ar", "de"], expires_at=timezone.now() - timedelta(minutes=1))
        out, _err = run()
        article.refresh_from_db()
        self.assertEqual((article.status_ar, article.status_de), (Status.UNPUBLISHED, Status.UNPUBLISHED))
        self.assertIn(f"unpublish {article.pk}", out)

    def test_incomplete_version_goes_back_to_draft_with_a_reason(self):
        article = make_article()
        schedule(article, "de", timezone.now() - timedelta(minutes=1))
        Article.objects.filter(pk=article.pk).update(teaser_de="")
        _out, err = run()
        article.refresh_from_db()
        self.assertEqual(article.status_de, Status.DRAFT)
        self.assertIn("teaser", err)

    def test_dry_run_changes_nothing(self):
        article = make_article()
        schedule(article, "ar", timezone.now() - timedelta(minutes=1))
        out, _err = run("--dry-run")
        article.refresh_from_db()
        self.assertEqual(article.status_ar, Status.SCHEDULED)
        self.assertIn("dry run", out)
        self.assertFalse(JobRun.objects.exists())

    def test_records_its_run_for_the_admin(self):
        editor = make_user("editor", "editor")
        self.client.force_login(editor)
        response = self.client.get(reverse("admin:articles_article_changelist"))
        self.assertContains(response, "scheduler-stale")
        run()
        self.assertEqual(JobRun.objects.get().summary, "0 done, 0 refused")
        response = self.client.get(reverse("admin:articles_article_changelist"))
        self.assertNotContains(response, "scheduler-stale")
        self.assertContains(response, "scheduler-status")
        JobRun.objects.update(finished_at=timezone.now() - timedelta(minutes=10))
        self.assertContains(self.client.get(reverse("admin:index")), "scheduler-stale")

    def test_embargo_still_hides_a_published_schedule(self):
        now = timezone.now()
        article = make_article(embargoed_until=now + timedelta(hours=1))
        schedule(article, "ar", now - timedelta(minutes=1))
        run()
        article.refresh_from_db()
        self.assertEqual(article.status_ar, Status.PUBLISHED)
        self.assertFalse(Article.objects.published("ar").exists())
        self.assertTrue(Article.objects.published("ar", now=now + timedelta(hours=1)).exists())


@skipUnless(connection.vendor == "postgresql", "needs PostgreSQL row locks (SKIP LOCKED); SQLite serialises writers")
class ConcurrentRunsTests(TransactionTestCase):
    """Two runs at once, each on its own connection, publish every due item exactly once."""

    def test_two_runs_publish_each_item_once(self):
        due = timezone.now() - timedelta(minutes=1)
        articles = []
        for number in range(12):
            article = make_article(headline_ar=f"خبر {number}", headline_de=f"Meldung {number}")
            schedule(article, "ar", due)
            schedule(article, "de", due)
            articles.append(article)
        barrier = threading.Barrier(2)
        reports = [None, None]

        def worker(index):
            try:
                barrier.wait()
                reports[index] = WORKFLOW.run_schedule(user=None)
            finally:
                connections.close_all()  # this thread's own connection

        threads = [threading.Thread(target=worker, args=(index,)) for index in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        done = [
            (article.pk, language) for report in reports for article, language, _action, error in report if not error
        ]
        self.assertEqual(len(done), 24)
        self.assertEqual(len(set(done)), 24, "a language version was published twice")
        self.assertEqual(Article.objects.published("ar").count(), 12)
        self.assertEqual(Article.objects.published("de").count(), 12)


class DevelopmentLoopTests(TestCase):
    """`publish_scheduled --every N`: what `make run` starts beside the server, so due versions go live there."""

    def test_each_run_publishes_what_has_come_due_since(self):
        article = make_article(headline_de="Gleich")
        schedule(article, "de", timezone.now() + timedelta(hours=1))
        waits = []

        def sleep(seconds):
            # Between the two runs the scheduled time comes (as it would during the wait).
            waits.append(seconds)
            Article.objects.filter(pk=article.pk).update(scheduled_at_de=timezone.now() - timedelta(seconds=1))

        command = Command(stdout=StringIO(), stderr=StringIO())
        command.loop(30, verbosity=0, sleep=sleep, times=2)
        article.refresh_from_db()
        self.assertEqual(article.status_de, Status.PUBLISHED)
        self.assertEqual(waits, [30])
        self.assertTrue(JobRun.objects.filter(name=JobRun.SCHEDULER).exists())

    def test_a_failed_run_is_reported_and_the_loop_goes_on(self):
        err = StringIO()
        command = Command(stdout=StringIO(), stderr=err)
        runs = []

        def run_once(**options):
            runs.append(options)
            if len(runs) == 1:
                raise OperationalError("database is locked")

        command.run_once = run_once
        command.loop(5, sleep=lambda seconds: None, times=3)
        self.assertEqual(len(runs), 3)
        self.assertIn("database is locked", err.getvalue())

    def test_make_run_starts_it_beside_the_server(self):
        makefile = (Path(settings.BASE_DIR) / "Makefile").read_text()
        run_target = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
        self.assertIn("publish_scheduled --every $(SCHEDULER_SECONDS)", run_target)
        self.assertIn("trap 'kill $$scheduler", run_target)
        self.assertLess(run_target.index("publish_scheduled --every"), run_target.index("runserver"))


class QueryBudgetTests(TestCase):
    """Each due version costs its own writes only: at most 5 queries, however many are due at once."""

    def due_versions(self, count):
        afp, politics = make_source(), make_category()
        for _ in range(count):
            article = make_article(sources=[afp], categories=[politics], images=1)
            schedule(article, "de", timezone.now() - timedelta(minutes=1))

    def queries_for(self, count):
        self.due_versions(count)
        with CaptureQueriesContext(connection) as queries, self.captureOnCommitCallbacks(execute=True):
            run()
        return len([query for query in queries.captured_queries if "SAVEPOINT" not in query["sql"]])

    def test_at_most_five_queries_per_version(self):
        run()  # the scheduler's account exists from here on, as in production after the first run
        one, eleven = self.queries_for(1), self.queries_for(11)
        self.assertLessEqual((eleven - one) / 10, 5)
        self.assertLessEqual(eleven / 11, 5)
