"""
Purging a CDN: after the save commits, the changed keys reach the configured server as HTTP PURGE requests, retried
when it fails, without holding up the save; nothing is sent when no purge URL is configured.
"""

import http.server
import threading

from django.test import TestCase, override_settings

from articles import dependencies
from articles.models import Article
from reader import purge
from tests.factories import make_article, make_category, make_user
from workflow.transitions import WORKFLOW, Action


class PurgeRecorder(http.server.BaseHTTPRequestHandler):
    """A CDN stand-in: records each request; answers the statuses queued in `answers` first, then 200."""

    def do_PURGE(self):  # noqa: N802 - the HTTP method's name
        server = self.server
        with server.lock:
            server.requests.append({"method": self.command, "path": self.path, "headers": dict(self.headers)})
            status = server.answers.pop(0) if server.answers else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class PurgeTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = make_user("chief", "chief editor")
        cls.category = make_category()
        cls.article = make_article(publish=("ar",), categories=[cls.category])

    def setUp(self):
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), PurgeRecorder)
        self.server.requests, self.server.answers, self.server.lock = [], [], threading.Lock()
        thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
        thread.start()
        self.addCleanup(thread.join, 5)
        self.addCleanup(self.server.shutdown)
        port = self.server.server_address[1]
        settings = override_settings(CDN_PURGE_URL=f"http://127.0.0.1:{port}/purge", CDN_PURGE_BACKOFF=0.01)
        settings.enable()
        self.addCleanup(settings.disable)

    def publish_german(self):
        with self.captureOnCommitCallbacks(execute=True):
            WORKFLOW.transition(Article.objects.get(pk=self.article.pk), "de", Action.PUBLISH, self.editor)
        self.assertTrue(purge.worker.flush(timeout=10))

    def expected_keys(self):
        pk = self.article.pk
        return {
            dependencies.article(pk, "de"),
            dependencies.article_pages(pk),
            dependencies.listing("de"),
            dependencies.content("de"),
            dependencies.category_listing(self.category.pk, "de"),
        }

    def test_publishing_purges_the_changed_keys_after_commit(self):
        self.publish_german()
        self.assertEqual(len(self.server.requests), 1)
        request = self.server.requests[0]
        self.assertEqual((request["method"], request["path"]), ("PURGE", "/purge"))
        self.assertEqual(set(request["headers"]["Surrogate-Key"].split()), self.expected_keys())

    def test_nothing_is_sent_before_the_transaction_commits_or_when_it_rolls_back(self):
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            WORKFLOW.transition(Article.objects.get(pk=self.article.pk), "de", Action.PUBLISH, self.editor)
        self.assertTrue(purge.worker.flush(timeout=10))
        self.assertEqual(self.server.requests, [])
        self.assertTrue(callbacks)

    def test_a_failed_purge_is_retried(self):
        self.server.answers.extend([503, 500])
        self.publish_german()
        self.assertEqual(len(self.server.requests), 3)
        self.assertEqual(set(self.server.requests[-1]["headers"]["Surrogate-Key"].split()), self.expected_keys())

    @override_settings(CDN_PURGE_HEADER="xkey-purge", CDN_PURGE_BATCH=2)
    def test_header_name_and_batches_follow_the_settings(self):
        self.publish_german()
        keys = set()
        for request in self.server.requests:
            sent = request["headers"]["xkey-purge"].split()
            self.assertLessEqual(len(sent), 2)
            keys.update(sent)
        self.assertEqual(keys, self.expected_keys())

    def test_a_draft_save_purges_nothing(self):
        article = Article.objects.get(pk=self.article.pk)
        article.headline_de = "Nur ein Entwurf"
        with self.captureOnCommitCallbacks(execute=True):
            article.save()
        self.assertTrue(purge.worker.flush(timeout=10))
        self.assertEqual(self.server.requests, [])

    def test_an_unreachable_cdn_never_holds_up_the_save(self):
        self.server.answers.extend([500] * 10)
        with override_settings(CDN_PURGE_ATTEMPTS=2), self.assertLogs("reader.purge", "ERROR") as logs:
            self.publish_german()  # returns although every purge fails
        self.assertEqual(len(self.server.requests), 2)
        self.assertIn("Gave up purge", logs.output[0])


class NoPurgeUrlTests(TestCase):
    def test_without_a_purge_url_nothing_is_queued(self):
        article = make_article(publish=("ar",))
        with self.captureOnCommitCallbacks(execute=True):
            article.headline_ar = "عنوان آخر"
            article.save()
        self.assertEqual(purge.worker.queue.unfinished_tasks, 0)
