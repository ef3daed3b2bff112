"""Public pages run under a statement timeout on PostgreSQL; a query cut off answers a clean 503, never a trace."""

from unittest import mock, skipUnless

from django.contrib.auth.models import User
from django.db import OperationalError, connection
from django.test import SimpleTestCase, TransactionTestCase, override_settings

from reader import statement_timeout
from reader.views import HomeView
from tests.factories import make_article


def sleep_in_database(*args, **kwargs):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(2)")


@skipUnless(connection.vendor == "postgresql", "statement_timeout is PostgreSQL's")
@override_settings(PUBLIC_STATEMENT_TIMEOUT_MS=100)
class StatementTimeoutTests(TransactionTestCase):
    """Without a surrounding test transaction, as requests run in production."""

    def setUp(self):
        self.article = make_article(publish=("ar", "de"))
        self.addCleanup(statement_timeout.limit, 0)  # later tests share this connection

    def current_timeout(self):
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            return cursor.fetchone()[0]

    def test_public_pages_run_under_the_timeout_and_the_admin_does_not(self):
        self.client.get("/de/")
        self.assertEqual(self.current_timeout(), "100ms")
        self.client.force_login(User.objects.create_superuser("chief", password="pw-chief"))
        self.client.get("/admin/articles/article/")
        self.assertEqual(self.current_timeout(), "0")

    def test_a_slow_public_query_answers_a_clean_503(self):
        with mock.patch.object(HomeView, "get_context_data", sleep_in_database):
            response = self.client.get("/de/")
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response["Retry-After"], "5")
        self.assertContains(response, 'lang="de"', status_code=503)
        self.assertNotContains(response, "Traceback", status_code=503)

    def test_a_slow_api_query_answers_json(self):
        with mock.patch("interchange.api.to_ninjs", side_effect=sleep_in_database):
            response = self.client.get("/api/articles/?language=de")
        self.assertEqual(response.status_code, 503)
        self.assertIn("error", response.json())


class DriverError(Exception):
    def __init__(self, sqlstate):
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


class DetectionTests(SimpleTestCase):
    def test_only_a_cancelled_statement_counts_as_a_timeout(self):
        cancelled, other = OperationalError("canceling statement"), OperationalError("server closed the connection")
        cancelled.__cause__ = DriverError("57014")
        other.__cause__ = DriverError("08006")
        self.assertTrue(statement_timeout.is_timeout(cancelled))
        self.assertFalse(statement_timeout.is_timeout(other))
        self.assertFalse(statement_timeout.is_timeout(ValueError()))
