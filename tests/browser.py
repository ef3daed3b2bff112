"""
Base class for tests that drive Debian's Chromium through Playwright against a live test server.

Every request the page makes is recorded; `assertNoThirdPartyRequests` fails on any host but the test server.
Without Chromium (or Playwright) the tests skip and say why.
"""

import os
import shutil
import threading
from pathlib import Path
from unittest import SkipTest
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles.testing import StaticLiveServerTestCase
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(settings.BASE_DIR) / "tests" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


# On SQLite the live server's threads share the test's one in-memory connection. A browser loads a page's parts in
# parallel, and a request may still be running (a heartbeat, a picture) when a test ends and flushes the database:
# both would use the connection at once ("database table is locked"). Requests therefore take turns, and the flush
# waits for the one in progress.
DATABASE_TURN = threading.RLock()


class TakingTurnsServer(ThreadedWSGIServer):
    def set_app(self, app):
        def application(environ, start_response):
            with DATABASE_TURN:
                # The body is read inside the turn too (a streaming response may still query), then closed as a
                # WSGI server closes it, which ends Django's request.
                response = app(environ, start_response)
                try:
                    return list(response)
                finally:
                    if hasattr(response, "close"):
                        response.close()

        super().set_app(application)


class TakingTurnsServerThread(LiveServerThread):
    server_class = TakingTurnsServer


class BrowserTestCase(StaticLiveServerTestCase):
    # Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from such a thread.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    server_thread_class = TakingTurnsServerThread

    def _fixture_teardown(self):
        with DATABASE_TURN:
            super()._fixture_teardown()

    @classmethod
    def setUpClass(cls):
        if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
            raise SkipTest(f"Chromium is not installed at {CHROMIUM}: browser tests skipped (apt-get install chromium)")
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            raise SkipTest("Playwright's Python package is not installed: browser tests skipped") from None
        super().setUpClass()
        cls.playwright = sync_playwright().start()
        cls.browser = cls.playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls.playwright.stop()
        super().tearDownClass()

    def open_page(self, viewport=DESKTOP, locale="ar"):
        """A fresh page that records every request it makes."""
        context = self.browser.new_context(viewport=viewport, locale=locale)
        self.addCleanup(context.close)
        # A change page says "I left" when it closes (static/admin/article_lock.js); at the end of a test that write
        # would race the database flush, so it goes nowhere here.
        context.route("**/lock/", self.drop_leave_beacon)
        page = context.new_page()
        page.requested_urls = []
        page.on("request", lambda request: page.requested_urls.append(request.url))
        return page

    @staticmethod
    def drop_leave_beacon(route):
        if b'name="leave"' in (route.request.post_data_buffer or b""):
            route.abort()
        else:
            route.continue_()

    def assertNoThirdPartyRequests(self, page):
        own = urlsplit(self.live_server_url).netloc
        foreign = [
            url
            for url in page.requested_urls
            if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc != own
        ]
        self.assertEqual(foreign, [], "the page asked another host for something")

    def screenshot(self, page, name):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
