"""
`manage.py ingest` against a web server of our own (a thread serving ../shared/samples and generated pictures) and a
drop folder: items and pictures arrive, a second run takes in nothing, a failing feed is recorded while the others
go on, private addresses are refused, and two processes polling at once take each item once (PostgreSQL).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path
from unittest import skipUnless

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TestCase, TransactionTestCase, override_settings
from django.utils import timezone

from articles.models import Article, Image
from interchange import fetch, ingest
from interchange.models import Feed, WireItem

from .factories import SAMPLES, needs_samples, picture_bytes

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Test agency</title><id>urn:test:feed</id>
<updated>2025-06-01T08:00:00Z</updated>
{entries}
</feed>"""
ENTRY = """<entry><id>{id}</id><title>{id}</title><updated>2025-06-01T08:00:00Z</updated>
<link rel="alternate" href="{href}"/></entry>"""


class AgencyServer:
    """
    A web server in a thread: `/samples/<path>` serves ../shared/samples (picture addresses in them pointing here),
    `/pictures/<name>` a generated JPEG, `/feed.atom` an Atom feed linking samples, `/broken` a 500, `/slow` an
    answer later than any client waits, `/held` an answer only once `release` is set. It counts requests by path.
    """

    def __init__(self):
        self.requests = []
        self.release = threading.Event()
        self.stop = threading.Event()
        self.routes = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.requests.append(self.path)
                status, headers, body = server.answer(self)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path, host="127.0.0.1"):
        return f"http://{host}:{self.port}{path}"

    def close(self):
        self.release.set()
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def answer(self, request):
        path = request.path
        if path in self.routes:
            return self.routes[path]
        if path.startswith("/samples/"):
            data = (SAMPLES / path.removeprefix("/samples/")).read_bytes()
            data = data.replace(b"http://hosted.ap.org/photos/", self.url("/pictures/").encode())
            etag = f'"{len(data)}-{path}"'
            if request.headers.get("If-None-Match") == etag:
                return 304, {"ETag": etag}, b""
            return 200, {"ETag": etag, "Content-Type": "application/json"}, data
        if path.startswith("/pictures/"):
            return 200, {"Content-Type": "image/jpeg"}, picture_bytes(width=800, height=450)
        if path == "/feed.atom":
            entries = "".join(
                ENTRY.format(id=f"urn:test:{name}", href=self.url(f"/samples/{name}"))
                for name in ("ninjs/2.1_dpa_text.json", "newsml-g2/dpa_with_dateline.xml")
            )
            return (
                200,
                {"Content-Type": "application/atom+xml", "ETag": '"feed-1"'},
                ATOM.format(entries=entries).encode(),
            )
        if path == "/broken":
            return 500, {}, b"internal error"
        if path == "/slow":
            self.stop.wait(5)
            return 200, {}, b"{}"
        if path == "/held":
            self.release.wait(30)
            return self.answer_json(ITEMS)
        return 404, {}, b"not found"

    @staticmethod
    def answer_json(data):
        return 200, {"Content-Type": "application/json"}, json.dumps(data).encode()


def ninjs_item(number, language="de", pictures=()):
    return {
        "uri": f"urn:test:ingest:{number}",
        "version": "1",
        "versioncreated": "2025-06-01T08:00:00Z",
        "language": language,
        "urgency": 1 if number == 1 else 4,
        "headlines": [{"role": "main", "value": f"Meldung Nummer {number}"}],
        "descriptions": [{"role": "summary", "value": "Ein Vorspann."}],
        "bodies": [{"role": "main", "contenttype": "text/html", "value": f"<p>Absatz {number}.</p>"}],
        "associations": [
            {
                "name": f"pic{index}",
                "uri": f"urn:test:ingest:pic:{number}:{index}",
                "type": "picture",
                "copyrightholder": "Test",
                "renditions": [{"name": "original", "href": href}],
            }
            for index, href in enumerate(pictures)
        ],
    }


ITEMS = [ninjs_item(number) for number in range(1, 4)]


def old(path):
    """Make a dropped file look settled (written a minute ago) rather than sleep."""
    stamp = time.time() - 60
    os.utime(path, (stamp, stamp))
    return path


FAST = {
    "FETCH_ALLOWED_HOSTS": ["127.0.0.1"],
    "FETCH_TIMEOUT_SECONDS": 0.5,
    "FETCH_BACKOFF_SECONDS": 0,
    "FETCH_RETRIES": 1,
    "INGEST_SETTLE_SECONDS": 30,
    "INGEST_DROP_ROOT": tempfile.gettempdir(),
}


@needs_samples
@override_settings(**FAST)
class IngestTests(TestCase):
    def setUp(self):
        self.server = AgencyServer()
        self.addCleanup(self.server.close)
        self.folder = Path(tempfile.mkdtemp(prefix="drop-"))
        self.addCleanup(shutil.rmtree, self.folder, ignore_errors=True)

    def feed(self, name, kind=Feed.Kind.URL, location="", **kwargs):
        return Feed.objects.create(name=name, kind=kind, location=location, **kwargs)

    def run_ingest(self, *args):
        out, err = StringIO(), StringIO()
        try:
            call_command("ingest", "--once", *args, stdout=out, stderr=err)
        except CommandError:
            pass
        return out.getvalue() + err.getvalue()

    def test_items_and_pictures_arrive_once_from_every_kind_of_feed(self):
        self.server.routes["/items.json"] = AgencyServer.answer_json(
            [ninjs_item(10, pictures=[self.server.url("/pictures/ten.jpg")])]
        )
        self.feed("ap", location=self.server.url("/samples/ninjs/2.2_007_multimedia.json"))
        self.feed("dpa-links", kind=Feed.Kind.LINKS, location=self.server.url("/feed.atom"))
        self.feed("desk", location=self.server.url("/items.json"), creates_articles=True)
        self.feed("drop", kind=Feed.Kind.FOLDER, location=str(self.folder), language="de")
        old(shutil.copy(SAMPLES / "ninjs" / "2.1_ntb_text.json", self.folder / "ntb.json"))
        old(shutil.copy(SAMPLES / "newsml-g2" / "iptc_LISTING_2_NewsML-G2_Text_Document.xml", self.folder / "g2.xml"))
        (self.folder / "broken.json").write_text("{not json", encoding="utf-8")
        old(self.folder / "broken.json")
        (self.folder / "arriving.json").write_text("{", encoding="utf-8")  # still being written: fresh

        output = self.run_ingest()

        # Every item is wire copy, in its own language; the desk feed's German item is a draft article too.
        languages = dict(WireItem.objects.values_list("identifier", "language"))
        self.assertEqual(languages["http://ninjs.example.com/newsitems/20130709cplx456"], "en")
        self.assertEqual(languages["urn:newsml:dpa.com:20090101:190510-99-167362"], "de")
        self.assertEqual(languages["urn:8d19cf88-b3ab-4972-8fec-1207599f2872"], "nb")
        self.assertEqual(len(languages), 6, output)
        article = Article.objects.get(source_identifier="urn:test:ingest:10")
        self.assertEqual(article.status_in("de"), "draft")
        # Pictures named by address arrived, with renditions, for wire copy and articles alike.
        ap_picture = Image.objects.get(source_identifier="http://ninjs.example.com/newsitems/20130709simpPh123")
        self.assertTrue(ap_picture.file)
        self.assertTrue(ap_picture.renditions.exists())
        ap_item = WireItem.objects.get(identifier="http://ninjs.example.com/newsitems/20130709cplx456")
        self.assertIn(ap_picture, ap_item.images.all())
        self.assertTrue(article.captions.get().image.renditions.exists())
        # The drop folder: read files filed away with what happened, the one being written left alone.
        self.assertEqual(
            sorted(p.name for p in (self.folder / "done").iterdir() if p.suffix != ".txt"), ["g2.xml", "ntb.json"]
        )
        self.assertTrue((self.folder / "failed" / "broken.json").exists())
        self.assertIn("no format", (self.folder / "failed" / "broken.json.txt").read_text(encoding="utf-8"))
        self.assertTrue((self.folder / "arriving.json").exists())
        self.assertTrue(all(feed.last_success_at and not feed.last_error for feed in Feed.objects.all()))
        self.assertEqual(Feed.objects.get(name="ap").items_seen, 1)

        counts = (WireItem.objects.count(), Article.objects.count(), Image.objects.count())
        requests = len(self.server.requests)
        Feed.objects.update(last_polled_at=None)
        self.run_ingest()
        self.assertEqual((WireItem.objects.count(), Article.objects.count(), Image.objects.count()), counts)
        # Unchanged addresses answered 304; linked entries already read were not fetched again.
        second = self.server.requests[requests:]
        self.assertNotIn("/samples/ninjs/2.1_dpa_text.json", second)
        self.assertFalse(any(path.startswith("/pictures/") for path in second))

    def test_a_failing_feed_is_recorded_and_the_others_go_on(self):
        self.server.routes["/items.json"] = AgencyServer.answer_json(ITEMS)
        self.feed("broken", location=self.server.url("/broken"))
        self.feed("slow", location=self.server.url("/slow"))
        self.feed("good", location=self.server.url("/items.json"))
        output = self.run_ingest()
        broken, slow, good = (Feed.objects.get(name=name) for name in ("broken", "slow", "good"))
        self.assertIn("500", broken.last_error)
        self.assertIsNotNone(broken.last_error_at)
        self.assertIsNone(broken.last_success_at)
        self.assertIn("timed out", slow.last_error)
        self.assertFalse(good.last_error)
        self.assertEqual(WireItem.objects.count(), 3, output)
        # Retried once with backoff before it was recorded.
        self.assertEqual(self.server.requests.count("/broken"), 2)
        self.assertFalse(broken.is_healthy)
        self.assertIsNone(broken.leased_until, "the lease is given back after a failure too")

    def test_a_picture_at_a_private_address_is_refused_unless_allowed(self):
        private = self.server.url("/pictures/private.jpg", host="localhost")
        self.server.routes["/items.json"] = AgencyServer.answer_json([ninjs_item(20, pictures=[private])])
        self.feed("desk", location=self.server.url("/items.json"))
        self.run_ingest()
        self.assertNotIn("/pictures/private.jpg", self.server.requests)
        wire = WireItem.objects.get()
        self.assertEqual(wire.images.count(), 0)
        with self.assertRaisesMessage(fetch.FetchError, "private network"):
            fetch.fetch_picture(private)
        with self.assertRaisesMessage(fetch.FetchError, "private network"):
            fetch.fetch_picture("http://169.254.169.254/latest/meta-data/")
        with override_settings(FETCH_ALLOWED_HOSTS=["localhost"]):
            self.assertTrue(fetch.fetch_picture(private))

    def test_limits_and_redirects(self):
        self.server.routes["/big"] = (200, {}, b"x" * 2048)
        self.server.routes["/loop"] = (302, {"Location": "/loop"}, b"")
        self.server.routes["/not-a-picture"] = (200, {"Content-Type": "image/jpeg"}, b"<html>hello</html>")
        with self.assertRaisesMessage(fetch.FetchError, "limit is 1,024"):
            fetch.fetch(self.server.url("/big"), max_bytes=1024)
        with self.assertRaisesMessage(fetch.FetchError, "more than 3 redirects"):
            fetch.fetch(self.server.url("/loop"), max_bytes=1024)
        with self.assertRaisesMessage(fetch.FetchError, "not a picture"):
            fetch.fetch_picture(self.server.url("/not-a-picture"))

    def test_credentials_come_from_the_environment_and_are_never_stored(self):
        feed = self.feed("secret", location=self.server.url("/items.json"), credentials_variable="TEST_FEED_TOKEN")
        with self.assertRaisesMessage(ingest.FeedError, "TEST_FEED_TOKEN"):
            ingest.credentials(feed)
        os.environ["TEST_FEED_TOKEN"] = "user:pass"
        self.addCleanup(os.environ.pop, "TEST_FEED_TOKEN")
        self.assertEqual(ingest.credentials(feed), {"Authorization": "Basic dXNlcjpwYXNz"})
        self.assertNotIn("pass", json.dumps(list(Feed.objects.values())[0], default=str))

    def test_a_drop_folder_outside_the_drop_root_is_refused(self):
        feed = self.feed("etc", kind=Feed.Kind.FOLDER, location="/etc")
        with self.assertRaisesMessage(ValidationError, "INGEST_DROP_ROOT"):
            feed.full_clean()
        self.run_ingest()
        feed.refresh_from_db()
        self.assertIn("not below INGEST_DROP_ROOT", feed.last_error)
        self.assertFalse(Path("/etc/done").exists())

    def test_a_leased_feed_is_skipped(self):
        feed = self.feed("busy", location=self.server.url("/items.json"))
        self.assertTrue(ingest.take_lease(feed, "other", timezone.now()))
        self.assertIn("skipped", self.run_ingest())
        self.assertEqual(self.server.requests, [])


@skipUnless(connection.vendor == "postgresql", "two processes at once need a database server")
@override_settings(**FAST)
class ConcurrentIngestTests(TransactionTestCase):
    def test_two_processes_started_together_take_each_item_once(self):
        server = AgencyServer()
        self.addCleanup(server.close)
        folder = Path(tempfile.mkdtemp(prefix="drop-"))
        for number in range(5):
            path = folder / f"item-{number}.json"
            path.write_text(json.dumps([ninjs_item(100 + number)]), encoding="utf-8")
            old(path)
        Feed.objects.create(name="held", location=server.url("/held"), creates_articles=True)
        Feed.objects.create(name="drop", kind=Feed.Kind.FOLDER, location=str(folder), creates_articles=True)
        database = settings.DATABASES["default"]
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
            "FETCH_ALLOWED_HOSTS": "127.0.0.1",
            "INGEST_SETTLE_SECONDS": "30",
            "INGEST_DROP_ROOT": tempfile.gettempdir(),
        }
        command = [sys.executable, "manage.py", "ingest", "--once", "--no-pictures"]
        processes = [
            subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for _ in range(2)
        ]
        # The process that took the web feed waits for its answer; the other finds the feed taken and finishes.
        with ThreadPoolExecutor(max_workers=2) as pool:
            waiting = [pool.submit(process.wait, 120) for process in processes]
            wait(waiting, return_when=FIRST_COMPLETED, timeout=120)
            server.release.set()
        outputs = [process.communicate(timeout=60)[0].decode() for process in processes]
        self.assertEqual(server.requests.count("/held"), 1, outputs)
        self.assertIn("skipped", "".join(outputs))
        self.assertEqual(WireItem.objects.count(), 8)
        self.assertEqual(Article.objects.count(), 8)
        self.assertEqual(
            sorted(p.name for p in (folder / "done").iterdir() if p.suffix == ".json"),
            [f"item-{n}.json" for n in range(5)],
        )
        self.assertEqual([process.returncode for process in processes], [0, 0], outputs)
