"""
Faults (issue 12): a database that does not answer costs seconds, not minutes, and gives a localised 503 (JSON for
the API) while cached pages keep serving; a cache outage does not stop staff from logging in; health checks for load
balancers; structured request logs.
"""

import json
import os
import socket
import subprocess
import sys
import threading
import time
from unittest import mock

import psycopg
import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import ConnectionHandler
from django.test import Client, SimpleTestCase, TestCase, override_settings
from django.urls import reverse

from newsroom.backends.postgresql.base import BREAKER, DatabaseWrapper
from tests.factories import make_article, make_user

UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


class SilentServer:
    """A TCP server that accepts connections and never says a word: a database that has stopped answering."""

    def __enter__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.held = []
        self.thread = threading.Thread(target=self.accept, daemon=True)
        self.thread.start()
        return self

    def accept(self):
        while True:
            try:
                conn, _address = self.listener.accept()
            except OSError:
                return
            self.held.append(conn)

    def __exit__(self, *exc):
        self.listener.close()
        for conn in self.held:
            conn.close()


# What the subprocess below does: the site's own settings, a database that does not answer, three requests.
PROBE = """
import json, time
import django
django.setup()
from django.test import Client
client = Client(HTTP_ACCEPT_LANGUAGE="de")
results = {}
for path in ("/de/archive/", "/api/articles/", "/healthz", "/readyz"):
    started = time.monotonic()
    response = client.get(path)
    results[path] = {
        "status": response.status_code,
        "seconds": round(time.monotonic() - started, 2),
        "type": response["Content-Type"],
        "body": response.content.decode()[:2000],
        "retry": response.get("Retry-After"),
    }
print(json.dumps(results))
"""


class DatabaseOutageTests(SimpleTestCase):
    @pytest.mark.slow  # waits out a real connect timeout in a subprocess
    def test_a_database_that_does_not_answer_gives_a_503_within_the_connect_timeout(self):
        with SilentServer() as server:
            environment = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "newsroom.settings",
                "DEBUG": "1",
                "DATABASE_URL": f"postgres://newsroom@127.0.0.1:{server.port}/newsroom",
                "DATABASE_CONNECT_TIMEOUT": "2",
                "REDIS_URL": "",
            }
            probe = subprocess.run(
                [sys.executable, "-c", PROBE],
                cwd=settings.BASE_DIR,
                env=environment,
                capture_output=True,
                text=True,
                timeout=60,
            )
        self.assertEqual(probe.returncode, 0, probe.stderr[-3000:])
        results = json.loads(probe.stdout.strip().splitlines()[-1])
        page = results["/de/archive/"]
        self.assertEqual(page["status"], 503)
        self.assertLess(page["seconds"], 6, "psycopg's own default would wait 130 s")
        self.assertIn('<html lang="de"', page["body"])
        self.assertEqual(page["retry"], "10")
        api = results["/api/articles/"]
        self.assertEqual((api["status"], api["type"]), (503, "application/json"))
        self.assertIn("error", json.loads(api["body"]))
        self.assertEqual(results["/healthz"]["status"], 200)
        self.assertEqual(results["/readyz"]["status"], 503)
        self.assertFalse(json.loads(results["/readyz"]["body"])["checks"]["database"]["ok"])
        # Only the first request waited on the database: the circuit breaker answered the others at once.
        self.assertEqual(len(server.held), 1)

    def test_the_timeouts_come_from_the_environment(self):
        code = "import json; from newsroom import settings; print(json.dumps(settings.DATABASES['default']['OPTIONS']))"
        environment = {
            **os.environ,
            "DEBUG": "1",
            "DATABASE_URL": "postgres://newsroom@db.example.org:5432/newsroom",
            "DATABASE_CONNECT_TIMEOUT": "4",
            "DATABASE_STATEMENT_TIMEOUT": "1500",
            "DATABASE_PARALLEL_WORKERS": "2",
        }
        options = json.loads(
            subprocess.run(
                [sys.executable, "-c", code],
                cwd=settings.BASE_DIR,
                env=environment,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        self.assertEqual(options["connect_timeout"], 4)
        self.assertEqual(options["options"], "-c statement_timeout=1500 -c max_parallel_workers_per_gather=2")
        self.assertEqual(options["tcp_user_timeout"], 6000)


class CircuitBreakerTests(SimpleTestCase):
    """After a failed connect a process does not try again for a pause (newsroom/backends/postgresql)."""

    def setUp(self):
        BREAKER.close()
        self.addCleanup(BREAKER.close)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]  # closed again: connecting is refused at once
        database = {"ENGINE": "newsroom.backends.postgresql", "NAME": "newsroom", "HOST": "127.0.0.1", "PORT": port}
        configured = ConnectionHandler().configure_settings({"default": database})["default"]
        self.database = DatabaseWrapper(configured, alias="outage")

    def connects(self):
        """How many times the process really tried to connect, for one request's worth of database use."""
        with mock.patch("psycopg.connect", wraps=psycopg.connect) as connect:
            with self.assertRaises(psycopg.OperationalError):  # Django's ensure_connection makes it its own
                self.database.get_new_connection(self.database.get_connection_params())
        return connect.call_count

    def test_after_a_failed_connect_the_next_ones_fail_at_once(self):
        self.assertEqual(self.connects(), 1)
        self.assertEqual([self.connects() for _ in range(3)], [0, 0, 0])
        self.assertEqual(BREAKER.current_state, "open")

    def test_after_the_pause_one_connect_is_tried_and_a_failure_opens_the_circuit_again(self):
        self.connects()
        BREAKER.half_open()  # what the pause's end does
        self.assertEqual(self.connects(), 1)
        self.assertEqual((self.connects(), BREAKER.current_state), (0, "open"))

    def test_the_pause_comes_from_the_environment(self):
        self.assertEqual(BREAKER.reset_timeout, settings.DATABASE_OUTAGE_PAUSE)
        self.assertEqual(settings.DATABASE_OUTAGE_PAUSE, 5)


class OutageInProcessTests(TestCase):
    def test_cached_pages_keep_serving_and_others_answer_503_in_the_readers_language(self):
        make_article(publish=["ar", "de"])
        self.assertEqual(self.client.get("/ar/").status_code, 200)  # now in the page cache
        down = mock.patch.object(BaseDatabaseWrapper, "_cursor", side_effect=OperationalError("connection refused"))
        with down, self.assertLogs("newsroom", "ERROR") as logged:
            self.assertEqual(self.client.get("/ar/").status_code, 200)
            archive = self.client.get("/de/archive/")
            api = self.client.get("/api/articles/?language=ar")
            again = self.client.get("/ar/archive/")
        self.assertEqual(archive.status_code, 503)
        self.assertContains(archive, '<html lang="de"', status_code=503)
        self.assertEqual(archive["Cache-Control"], "no-store")
        self.assertEqual((api.status_code, api["Content-Type"]), (503, "application/json"))
        self.assertEqual(again.status_code, 503)
        self.assertEqual(len(logged.output), 1, "logged once per interval, not once per request")

    def test_a_bug_is_still_a_500_not_a_503_and_the_api_answers_json(self):
        client = Client(raise_request_exception=False)
        with mock.patch("reader.views.ArchiveView.get", side_effect=ValueError("a bug")):
            page = client.get("/de/archive/")
        with mock.patch("interchange.api.Article.objects.published", side_effect=ValueError("a bug")):
            api = client.get("/api/articles/?language=ar")
        self.assertEqual(page.status_code, 500)
        self.assertTemplateUsed(page, "500.html")
        self.assertEqual((api.status_code, api["Content-Type"]), (500, "application/json"))

    def test_statement_timeout_is_set_on_postgresql(self):
        if connection.vendor != "postgresql":
            self.skipTest("statement timeouts are PostgreSQL's")
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            self.assertIn(cursor.fetchone()[0], ("30s", "30000ms"))


class CacheOutageTests(TestCase):
    @override_settings(CACHES=UNREACHABLE_REDIS)
    def test_staff_log_in_and_use_the_admin_while_the_cache_is_down(self):
        self.assertEqual(settings.SESSION_ENGINE, "django.contrib.sessions.backends.db")
        make_user("amira", "editor")
        started = time.monotonic()
        response = self.client.post(reverse("admin:login"), {"username": "amira", "password": "pw-amira"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.client.get(reverse("admin:index")).status_code, 200)
        self.assertEqual(self.client.get(reverse("admin:articles_article_changelist")).status_code, 200)
        self.assertLess(time.monotonic() - started, 5)


class HealthTests(TestCase):
    def test_healthz_answers_without_touching_anything(self):
        with self.assertNumQueries(0):
            response = self.client.get("/healthz")
        self.assertEqual(response.json(), {"status": "ok"})
        self.assertIn("no-cache", response["Cache-Control"])

    def test_readyz_checks_database_cache_and_storage(self):
        response = self.client.get("/readyz")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(set(response.json()["checks"]), {"database", "cache", "storage"})

    @override_settings(CACHES=UNREACHABLE_REDIS)
    def test_readyz_reports_a_cache_outage_quickly_but_stays_ready(self):
        """Pages are served uncached then; taking every server out of the balancer would make it an outage."""
        started = time.monotonic()
        response = self.client.get("/readyz")
        self.assertLess(time.monotonic() - started, 5)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["status"], "degraded")
        checks = response.json()["checks"]
        self.assertFalse(checks["cache"]["ok"])
        self.assertTrue(checks["database"]["ok"])

    @override_settings(SECURE_SSL_REDIRECT=True)
    def test_probes_over_plain_http_are_not_redirected(self):
        self.assertEqual(Client().get("/healthz").status_code, 200)
        self.assertEqual(Client().get("/ar/").status_code, 301)

    @override_settings(REQUEST_LOG=True)
    def test_request_log_writes_json_lines_with_timings_and_leaves_probes_out(self):
        client = Client()
        with self.assertLogs("newsroom.request", "INFO") as logged:
            client.get("/healthz")
            client.get("/readyz")
            client.get("/ar/")
        self.assertEqual(len(logged.records), 1)
        record = json.loads(logged.records[0].getMessage())
        self.assertEqual((record["method"], record["path"], record["status"]), ("GET", "/ar/", 200))
        self.assertIsInstance(record["duration_ms"], float)
