"""
The public page cache: hits answered before the rest of the stack with the same headers, keys that include the
scheme and ignore unknown parameters, one render for a crowd asking for a stale page, and a cache that can fail.
Which changes renew which pages is in test_invalidation.py.
"""

import io
import logging
import shutil
import socket
import subprocess
import threading
import time
from datetime import timedelta
from unittest import mock, skipUnless
from urllib.parse import unquote_to_bytes

from django.core.handlers.base import BaseHandler
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.http import HttpResponse
from django.test import RequestFactory, SimpleTestCase, TestCase, override_settings
from django.urls import path, reverse
from django.utils import timezone

from articles import dependencies
from articles.models import Article
from reader import caching
from tests.factories import make_article, make_category


def resolutions():
    """Counts URL resolutions: a hit served before the stack resolves nothing."""
    return mock.patch.object(BaseHandler, "resolve_request", autospec=True, side_effect=BaseHandler.resolve_request)


class HitTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.article = make_article(publish=("ar", "de"), categories=[make_category()])

    def test_a_hit_runs_no_view_no_resolution_and_no_query(self):
        url = self.article.get_absolute_url("de")
        first = self.client.get(url)
        with resolutions() as resolve, self.assertNumQueries(0):
            second = self.client.get(url)
        self.assertEqual(resolve.call_count, 0)
        self.assertEqual(second.content, first.content)

    def test_a_hit_carries_exactly_the_headers_the_whole_stack_gave(self):
        url = self.article.get_absolute_url("ar")
        first = self.client.get(url)
        second = self.client.get(url)
        self.assertEqual(dict(second.items()), dict(first.items()))
        for header in ("X-Content-Type-Options", "Referrer-Policy", "Cross-Origin-Opener-Policy", "X-Frame-Options"):
            with self.subTest(header):
                self.assertIn(header, second)
        self.assertEqual(second["Content-Language"], "ar")

    @override_settings(SECURE_HSTS_SECONDS=3600)
    def test_security_headers_added_by_middleware_are_kept(self):
        url = self.article.get_absolute_url("de")
        first = self.client.get(url, secure=True)
        second = self.client.get(url, secure=True)
        self.assertEqual(first["Strict-Transport-Security"], "max-age=3600")
        self.assertEqual(second["Strict-Transport-Security"], "max-age=3600")

    def test_validators_answer_304_from_the_cache(self):
        url = self.article.get_absolute_url("de")
        first = self.client.get(url)
        with self.assertNumQueries(0):
            by_etag = self.client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
            by_date = self.client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
        self.assertEqual((by_etag.status_code, by_date.status_code), (304, 304))

    def test_a_miss_answers_304_too(self):
        url = self.article.get_absolute_url("de")
        etag = self.client.get(url)["ETag"]
        caching.local.clear()
        from django.core.cache import cache

        cache.clear()
        self.assertEqual(self.client.get(url, HTTP_IF_NONE_MATCH=etag).status_code, 304)

    def test_the_scheme_is_part_of_the_key(self):
        url = self.article.get_absolute_url("de")
        plain = self.client.get(url)
        secure = self.client.get(url, secure=True)
        self.assertContains(plain, '<link rel="canonical" href="http://testserver')
        self.assertContains(secure, '<link rel="canonical" href="https://testserver')
        self.assertNotContains(secure, "http://testserver")

    def test_unknown_parameters_do_not_split_the_cache(self):
        self.client.get("/de/")
        with self.assertNumQueries(0):
            for query in ("?utm_source=x", "?_=12345", "?utm_source=y&fbclid=abc", "?page=1", "?page=0001"):
                with self.subTest(query):
                    self.assertEqual(self.client.get(f"/de/{query}").status_code, 200)

    def test_a_parameter_another_page_reads_redirects_to_the_page_without_it(self):
        url = self.article.get_absolute_url("de")
        response = self.client.get(f"{url}?page=2&utm_source=x")
        self.assertRedirects(response, url, status_code=301, fetch_redirect_response=False)
        self.assertRedirects(self.client.get("/de/?q=x&page=2"), "/de/?page=2", 301, fetch_redirect_response=False)

    def test_the_view_sees_only_its_parameters(self):
        response = self.client.get("/de/search/", {"q": "  Kurze   Testmeldung ", "utm_source": "x"})
        self.assertEqual(response.wsgi_request.GET.dict(), {"q": "Kurze Testmeldung"})
        self.assertContains(response, 'value="Kurze Testmeldung"')

    def test_only_public_get_answers_are_stored(self):
        self.assertEqual(self.client.get("/de/x/a-999999/").status_code, 404)
        with self.assertNumQueries(1):
            self.assertEqual(self.client.get("/de/x/a-999999/").status_code, 404)
        self.client.get(f"/p/{self.article.short_code}")
        self.assertEqual(self.client.post(self.article.get_absolute_url("de")).status_code, 405)


def wsgi_environ(path, method="GET", **extra):
    return {
        "REQUEST_METHOD": method,
        "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
        "QUERY_STRING": extra.pop("query", ""),
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "wsgi.input": io.BytesIO(),
        "wsgi.url_scheme": "http",
        "SERVER_PROTOCOL": "HTTP/1.1",
        **extra,
    }


class WsgiFrontTests(TestCase):
    """CachedPages (newsroom/wsgi.py) answers fresh hits before Django with what the stack gave them."""

    @classmethod
    def setUpTestData(cls):
        cls.article = make_article(publish=("ar", "de"))

    def call(self, environ):
        answer = {}

        def start_response(status, headers):
            answer.update(status=status, headers=dict(headers))

        body = b"".join(self.application(environ, start_response))
        return answer["status"], answer["headers"], body

    def setUp(self):
        # As Django's test client does: the request signals must not close the test's database connection.
        for signal in (request_started, request_finished):
            signal.disconnect(close_old_connections)
            self.addCleanup(signal.connect, close_old_connections)
        self.django = mock.Mock(wraps=WSGIHandler())
        self.application = caching.CachedPages(self.django)
        self.url = self.article.get_absolute_url("ar")

    def test_a_fresh_hit_is_answered_before_django_with_the_same_status_headers_and_bytes(self):
        first = self.call(wsgi_environ(self.url))
        self.assertEqual(self.django.call_count, 1)
        with self.assertNumQueries(0):
            second = self.call(wsgi_environ(self.url, query="utm_source=x"))
        self.assertEqual(self.django.call_count, 1)
        self.assertEqual(second, first)
        status, headers, body = self.call(wsgi_environ(self.url, method="HEAD"))
        self.assertEqual((status, body, headers["Content-Length"]), ("200 OK", b"", str(len(first[2]))))
        self.assertEqual(self.django.call_count, 1)

    def test_the_scheme_comes_from_the_proxy_header_as_django_reads_it(self):
        with override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")):
            secure = self.call(wsgi_environ(self.url, HTTP_X_FORWARDED_PROTO="https"))
            plain = self.call(wsgi_environ(self.url))
            again = self.call(wsgi_environ(self.url, HTTP_X_FORWARDED_PROTO="https, http"))
        self.assertEqual(self.django.call_count, 2)
        self.assertIn(b"https://testserver", secure[2])
        self.assertNotIn(b"https://testserver", plain[2])
        self.assertEqual(again, secure)

    def test_conditional_stale_and_other_requests_go_to_django(self):
        status, headers, _body = self.call(wsgi_environ(self.url))
        self.assertEqual(self.call(wsgi_environ(self.url, HTTP_IF_NONE_MATCH=headers["ETag"]))[0], "304 Not Modified")
        self.assertEqual(self.django.call_count, 2)
        caching.invalidate({dependencies.article(self.article.pk, "ar")})
        self.call(wsgi_environ(self.url))
        self.assertEqual(self.django.call_count, 3)
        self.call(wsgi_environ("/api/articles/", query="language=ar"))
        self.call(wsgi_environ("/api/articles/", query="language=ar&x=1"))
        self.assertEqual(self.django.call_count, 5)


class ApiCacheTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.article = make_article(publish=("ar", "de"), images=1)

    def test_the_api_is_cached_by_its_normalised_parameters(self):
        self.client.get("/api/articles/?language=de&page_size=10")
        with self.assertNumQueries(0):
            same = self.client.get("/api/articles/?page_size=10&language=de")
        self.assertEqual(same.status_code, 200)
        self.assertIn(dependencies.content("de"), same["Surrogate-Key"].split())

    def test_unknown_parameters_are_refused_even_when_the_clean_query_is_cached(self):
        self.assertEqual(self.client.get("/api/articles/?language=de").status_code, 200)
        response = self.client.get("/api/articles/?language=de&utm_source=x")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["unknown"], ["utm_source"])
        detail = self.client.get(f"/api/articles/{self.article.short_code}/?page=2")
        self.assertEqual((detail.status_code, detail.json()["unknown"]), (400, ["page"]))

    def test_detail_names_every_language_version_it_could_show(self):
        response = self.client.get(f"/api/articles/{self.article.short_code}/")
        keys = response["Surrogate-Key"].split()
        self.assertIn(dependencies.article(self.article.pk, "ar"), keys)
        self.assertIn(dependencies.article(self.article.pk, "de"), keys)


renders = []
release = threading.Event()


def slow_page(request):
    """Renders once per call; the second render waits until the test lets it finish."""
    renders.append(threading.get_ident())
    if len(renders) > 1:
        release.wait(timeout=10)
    return HttpResponse(f"render {len(renders)}")


urlpatterns = [path("hot/", caching.cached(slow_page, keys=["hot"]))]


@override_settings(ROOT_URLCONF=__name__, PUBLIC_STATEMENT_TIMEOUT_MS=0)  # the view reads no database
class StampedeTests(SimpleTestCase):
    def setUp(self):
        renders.clear()
        release.clear()
        self.key = caching.Address(RequestFactory().get("/hot/")).key()

    def crowd(self, size=8):
        """`size` readers at once; returns what each got once all but the renderer were answered."""
        answers, served = [], threading.Condition()

        def reader():
            content = self.client_class().get("/hot/").content
            with served:
                answers.append(content)
                served.notify()

        threads = [threading.Thread(target=reader) for _ in range(size)]
        for thread in threads:
            thread.start()
        with served:
            # Everyone but the one rendering is answered at once with the stale copy.
            self.assertTrue(served.wait_for(lambda: len(answers) >= size - 1, timeout=10))
        release.set()
        for thread in threads:
            thread.join(timeout=10)
        return sorted(answers)

    def test_a_crowd_asking_for_an_invalidated_page_causes_one_render(self):
        self.assertEqual(self.client.get("/hot/").content, b"render 1")
        caching.invalidate({"hot"})
        self.assertEqual(self.crowd(), [b"render 1"] * 7 + [b"render 2"])
        self.assertEqual(len(renders), 2)
        self.assertEqual(self.client.get("/hot/").content, b"render 2")

    def test_a_crowd_asking_for_an_expired_page_causes_one_render(self):
        with override_settings(PUBLIC_PAGE_CACHE_SECONDS=0):  # expired as soon as stored, still in the stale window
            self.assertEqual(self.client.get("/hot/").content, b"render 1")
            self.assertEqual(self.crowd(), [b"render 1"] * 7 + [b"render 2"])
        self.assertEqual(len(renders), 2)

    def test_the_stale_copy_is_served_only_while_someone_renders_and_only_for_a_while(self):
        release.set()
        self.client.get("/hot/")
        caching.invalidate({"hot"})
        self.assertTrue(caching.take_render_lock(self.key))  # another worker is rendering it
        self.assertEqual(self.client.get("/hot/").content, b"render 1")
        with override_settings(PUBLIC_PAGE_STALE_SECONDS=0):  # stale longer than allowed: rendered anyway
            self.assertEqual(self.client.get("/hot/").content, b"render 2")
        caching.release_render_lock(self.key)
        self.assertEqual(self.client.get("/hot/").content, b"render 2")
        self.assertEqual(len(renders), 2)


class ExpiryTests(TestCase):
    """
    An article that expires leaves every cache at that moment (its page and its API answer), not when the scheduler
    next unpublishes it: the page cache keeps it no longer, serves no stale copy then, and tells browsers and CDNs.
    """

    @classmethod
    def setUpTestData(cls):
        cls.expiring = make_article(publish=("ar", "de"), expires_at=timezone.now() + timedelta(seconds=30))
        cls.lasting = make_article(publish=("ar", "de"))

    def addresses(self, article):
        api = reverse("api:article_detail", args=[article.short_code])
        return [article.get_absolute_url("ar"), article.get_absolute_url("de"), f"{api}?language=de", api]

    def a_minute_later(self, article):
        """
        A minute on for the page cache's clock; for the database, which reads its own, the article's expiry moved
        back instead. Written past the signals, as time passing is: nothing is invalidated.
        """
        Article.objects.filter(pk=article.pk).update(expires_at=timezone.now() - timedelta(seconds=30))
        now = time.time() + 60
        return mock.patch.object(caching.time, "time", lambda: now)

    def test_browsers_and_cdns_keep_it_no_longer_than_it_is_live(self):
        for address in self.addresses(self.expiring):
            with self.subTest(address):
                control = self.client.get(address)["Cache-Control"]
                ages = dict(part.split("=") for part in control.split(", ") if "=" in part)
                self.assertLessEqual(int(ages["max-age"]), 30)
                self.assertLessEqual(int(ages["s-maxage"]), 30)
                self.assertEqual(ages["stale-while-revalidate"], "0")
        lasting = self.client.get(self.lasting.get_absolute_url("de"))["Cache-Control"]
        self.assertIn("max-age=60", lasting)

    def test_the_page_cache_stops_serving_it_when_it_expires(self):
        addresses = self.addresses(self.expiring)
        for address in addresses:
            self.assertEqual(self.client.get(address).status_code, 200)
        with self.a_minute_later(self.expiring):
            for address in addresses:
                with self.subTest(address):
                    self.assertEqual(self.client.get(address).status_code, 404)

    def test_not_even_as_a_stale_copy_while_another_worker_renders_it(self):
        address = self.expiring.get_absolute_url("de")
        key = self.client.get(address).wsgi_request.page_cache["key"]
        self.assertTrue(caching.take_render_lock(key))
        with self.a_minute_later(self.expiring):
            self.assertEqual(self.client.get(address).status_code, 404)
        caching.release_render_lock(key)

    def test_a_page_without_an_expiry_is_served_from_the_cache_meanwhile(self):
        # What the tests above rely on: the same steps leave a page that does not expire in the cache.
        address = self.lasting.get_absolute_url("de")
        self.client.get(address)
        with self.a_minute_later(self.lasting), self.assertNumQueries(0):
            self.assertEqual(self.client.get(address).status_code, 200)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@skipUnless(shutil.which("redis-server"), "redis-server is not installed")
class RedisOutageTests(TestCase):
    """A Redis of the test's own on another port, stopped by the test: pages go on, uncached, logged once."""

    @classmethod
    def setUpTestData(cls):
        cls.article = make_article(publish=("ar", "de"))

    def setUp(self):
        self.port = free_port()
        self.redis = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        self.addCleanup(self.stop_redis)
        caches = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": f"redis://127.0.0.1:{self.port}/0",
                "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
            }
        }
        settings = override_settings(CACHES=caches, PAGE_CACHE_RETRY_SECONDS=0, PAGE_CACHE_ERROR_LOG_SECONDS=60)
        settings.enable()
        self.addCleanup(settings.disable)
        self.wait_for_redis()

    def wait_for_redis(self):
        for _attempt in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.05).close()
                return
            except OSError:
                threading.Event().wait(0.01)  # redis-server is starting; nothing else to wait on
        self.fail("redis-server did not start")

    def stop_redis(self):
        if self.redis.poll() is None:
            self.redis.terminate()
            self.redis.wait(timeout=10)

    def test_pages_render_uncached_and_the_outage_is_logged_once(self):
        url = self.article.get_absolute_url("de")
        self.assertEqual(self.client.get(url).status_code, 200)
        with self.assertNumQueries(0):
            self.assertEqual(self.client.get(url).status_code, 200)  # cached in Redis
        self.stop_redis()
        caching.local.clear()
        caching.clock.forget()
        with self.assertLogs("reader.caching", level=logging.ERROR) as logs:
            for page in (url, "/de/", "/ar/", url, "/de/archive/", "/api/articles/?language=de"):
                with self.subTest(page):
                    self.assertEqual(self.client.get(page).status_code, 200)
        self.assertEqual(len(logs.records), 1)
        self.assertIn("Page cache unavailable", logs.output[0])

    def test_the_log_line_comes_again_after_its_interval(self):
        self.stop_redis()
        with override_settings(PAGE_CACHE_ERROR_LOG_SECONDS=0), self.assertLogs("reader.caching", "ERROR") as logs:
            self.client.get("/de/")
            self.client.get("/de/")
        self.assertGreaterEqual(len(logs.records), 2)
