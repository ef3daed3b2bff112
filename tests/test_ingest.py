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
import zipfile
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path
from unittest import mock, skipUnless

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection
from django.test import TestCase, TransactionTestCase, override_settings
from django.utils import timezone

from articles.models import Article, Image
from interchange import fetch, ingest, writer
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


def drop_file(path, data):
    """Write a settled drop-folder file (JSON unless bytes are given)."""
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(json.dumps(data), encoding="utf-8")
    return old(path)


def names(folder):
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


@override_settings(**FAST)
class DropFolderTests(TestCase):
    def setUp(self):
        self.folder = Path(tempfile.mkdtemp(prefix="drop-"))
        self.addCleanup(shutil.rmtree, self.folder, ignore_errors=True)
        self.feed = Feed.objects.create(
            name="drop", kind=Feed.Kind.FOLDER, location=str(self.folder), creates_articles=True
        )

    def poll(self):
        Feed.objects.update(last_polled_at=None)
        return ingest.poll(Feed.objects.get(pk=self.feed.pk), user=None)

    def test_a_zip_whose_items_name_pictures_in_it_is_imported_and_the_files_after_it_too(self):
        with zipfile.ZipFile(self.folder / "a.zip", "w") as archive:
            archive.writestr("a.json", json.dumps(ninjs_item(1, pictures=["photo.jpg"])))
            archive.writestr("photo.jpg", picture_bytes(800, 450))
        old(self.folder / "a.zip")
        # A picture of the same name beside the zip belongs to b.json, and moves with it only.
        drop_file(self.folder / "photo.jpg", picture_bytes(800, 450, color=(0, 0, 200)))
        drop_file(self.folder / "b.json", [ninjs_item(2, pictures=["photo.jpg"])])
        result = self.poll()
        self.assertFalse(result.error)
        self.assertEqual(
            names(self.folder),
            ["done", "done/a.zip", "done/a.zip.txt", "done/b.json", "done/b.json.txt", "done/photo.jpg"],
        )
        for identifier in ("urn:test:ingest:1", "urn:test:ingest:2"):
            self.assertEqual(WireItem.objects.get(identifier=identifier).images.count(), 1)

    def test_an_unforeseen_failure_files_that_file_away_with_the_reason_and_the_rest_go_on(self):
        drop_file(self.folder / "a.json", [ninjs_item(1, pictures=["http://127.0.0.1:99999/p.jpg"])])
        drop_file(self.folder / "b.json", [ninjs_item(2)])
        drop_file(self.folder / "c.json", [ninjs_item(3)])
        real = ingest.ingest

        def failing(feed, name, *args, **kwargs):
            if name == "b.json":
                raise RuntimeError("disk on fire")
            return real(feed, name, *args, **kwargs)

        with mock.patch.object(ingest, "ingest", failing), self.assertLogs("interchange.ingest", "ERROR"):
            result = self.poll()
        self.assertFalse(result.error)
        self.assertEqual(names(self.folder / "done"), ["a.json", "a.json.txt", "c.json", "c.json.txt"])
        self.assertEqual(names(self.folder / "failed"), ["b.json", "b.json.txt"])
        report = (self.folder / "failed" / "b.json.txt").read_text(encoding="utf-8")
        self.assertIn("unexpected error: RuntimeError: disk on fire", report)
        # The malformed picture address is the item's warning, not the feed's end.
        warnings = [warning for outcome in result.outcomes for warning in outcome.warnings]
        self.assertTrue(any("not a valid address" in warning for warning in warnings), warnings)
        self.assertEqual(WireItem.objects.count(), 2)

    def test_a_report_never_overwrites_a_file_filed_away_before(self):
        drop_file(self.folder / "story.json.txt", b"AGENCY ORIGINAL")
        self.poll()
        drop_file(self.folder / "story.json", b"{bad")
        self.poll()
        failed = self.folder / "failed"
        self.assertEqual((failed / "story.json.txt").read_text(), "AGENCY ORIGINAL")
        moved = [path for path in failed.iterdir() if path.name.startswith("story.") and path.suffix == ".json"]
        self.assertEqual(len(moved), 1)
        self.assertEqual(moved[0].read_text(), "{bad")
        self.assertIn("story.json: failed", moved[0].with_name(moved[0].name + ".txt").read_text(encoding="utf-8"))

    def test_an_item_naming_a_picture_still_being_written_waits_for_the_next_run(self):
        drop_file(self.folder / "a.json", [ninjs_item(1, pictures=["photo.jpg"])])
        (self.folder / "photo.jpg").write_bytes(picture_bytes(800, 450)[:500])  # fresh: still arriving
        result = self.poll()
        self.assertIn("a.json: picture photo.jpg is still being written", result.left)
        self.assertEqual(names(self.folder), ["a.json", "photo.jpg"])
        self.assertFalse(WireItem.objects.exists())
        drop_file(self.folder / "photo.jpg", picture_bytes(800, 450))  # complete, and settled
        self.poll()
        self.assertEqual(names(self.folder / "done"), ["a.json", "a.json.txt", "photo.jpg"])
        self.assertEqual(WireItem.objects.get().images.count(), 1)

    def test_links_are_not_followed(self):
        outside = Path(tempfile.mkdtemp(prefix="outside-"))
        self.addCleanup(shutil.rmtree, outside, ignore_errors=True)
        drop_file(outside / "secret.json", [ninjs_item(77)])
        drop_file(outside / "secret.jpg", picture_bytes(800, 450))
        os.symlink(outside / "secret.json", self.folder / "link.json")
        os.symlink(outside / "secret.jpg", self.folder / "photo.jpg")
        drop_file(self.folder / "a.json", [ninjs_item(1, pictures=["photo.jpg"])])
        with override_settings(INGEST_DROP_ROOT=str(self.folder)):
            self.poll()
        self.assertFalse(WireItem.objects.filter(identifier="urn:test:ingest:77").exists())
        self.assertIn("links in a drop folder are not followed", (self.folder / "failed" / "link.json.txt").read_text())
        self.assertIn("photo.jpg is a link", (self.folder / "failed" / "a.json.txt").read_text())
        self.assertTrue((outside / "secret.json").exists(), "the link is moved, never what it points to")

    def test_a_file_named_done_stops_the_feed_with_a_reason_and_moves_nothing(self):
        drop_file(self.folder / "done", b"not a folder")
        drop_file(self.folder / "a.json", [ninjs_item(1)])
        result = self.poll()
        self.assertIn("is not a folder", result.error)
        self.assertEqual(names(self.folder), ["a.json", "done"])

    @override_settings(INGEST_LEASE_SECONDS=60)
    def test_the_lease_is_renewed_after_each_file(self):
        for number in range(3):
            drop_file(self.folder / f"{number}.json", [ninjs_item(number)])
        clock = [timezone.now()]
        taken = []
        real = ingest.ingest

        def slow(*args, **kwargs):
            clock[0] += timedelta(seconds=40)  # each file takes 40 s of a 60 s lease
            taken.append(ingest.take_lease(self.feed, "other", clock[0]))
            return real(*args, **kwargs)

        with mock.patch.object(ingest, "ingest", slow), mock.patch.object(ingest.timezone, "now", lambda: clock[0]):
            self.poll()
        self.assertEqual(taken, [False, False, False])
        self.assertEqual(WireItem.objects.count(), 3)


@override_settings(**FAST)
class WebFeedTests(TestCase):
    def setUp(self):
        self.server = AgencyServer()
        self.addCleanup(self.server.close)

    def poll(self, name):
        Feed.objects.update(last_polled_at=None)
        return ingest.poll(Feed.objects.get(name=name), user=None)

    def serve_with_etag(self, path, body):
        answer = self.server.answer

        def conditional(request):
            if request.path != path:
                return answer(request)
            if request.headers.get("If-None-Match") == '"v1"':
                return 304, {"ETag": '"v1"'}, b""
            return 200, {"ETag": '"v1"'}, body

        self.server.answer = conditional

    def test_a_linked_entry_that_failed_is_fetched_again_although_the_feed_is_unchanged(self):
        self.server.routes["/one.json"] = (503, {}, b"busy")
        entries = ENTRY.format(id="urn:x:1", href=self.server.url("/one.json"))
        self.serve_with_etag("/feed.atom", ATOM.format(entries=entries).encode())
        Feed.objects.create(name="links", kind=Feed.Kind.LINKS, location=self.server.url("/feed.atom"))
        self.assertIn("503", self.poll("links").error)
        self.server.routes["/one.json"] = AgencyServer.answer_json([ninjs_item(1)])  # the server recovered
        self.assertFalse(self.poll("links").error)
        self.assertEqual(WireItem.objects.count(), 1)
        self.poll("links")
        self.assertEqual(self.server.requests[-1], "/feed.atom", "remembered once all was in: a 304 now")

    def test_items_that_must_be_written_again_are_fetched_again(self):
        self.serve_with_etag("/items.json", json.dumps([ninjs_item(5)]).encode())
        Feed.objects.create(name="url", location=self.server.url("/items.json"))
        real = writer.import_items
        calls = []

        def racing(*args, **kwargs):
            calls.append(1)
            if len(calls) == 1:
                raise IntegrityError("another process wrote the same item")
            return real(*args, **kwargs)

        with mock.patch.object(writer, "import_items", racing):
            self.assertTrue(self.poll("url").outcomes[0].retry)
            self.poll("url")
        self.assertEqual(WireItem.objects.count(), 1)
        self.assertEqual(self.server.requests, ["/items.json", "/items.json"])

    def test_a_feed_deleted_while_polled_does_not_stop_the_others(self):
        self.server.routes["/b.json"] = AgencyServer.answer_json([ninjs_item(2)])
        Feed.objects.create(name="a", location=self.server.url("/a.json"))
        Feed.objects.create(name="b", location=self.server.url("/b.json"))
        real = ingest.poll_url

        def deleting(feed, *args):
            if feed.name == "a":
                Feed.objects.filter(pk=feed.pk).delete()  # an editor deletes it in the admin meanwhile
                return None
            return real(feed, *args)

        with mock.patch.object(ingest, "poll_url", deleting):
            call_command("ingest", "--once", stdout=StringIO(), stderr=StringIO())
        self.assertIn("/b.json", self.server.requests)

    def test_a_feed_polled_by_another_process_since_it_was_found_due_is_not_polled_again(self):
        self.server.routes["/a.json"] = AgencyServer.answer_json([ninjs_item(1)])
        Feed.objects.create(name="a", location=self.server.url("/a.json"))
        stale = ingest.due()
        ingest.poll(Feed.objects.get(), user=None)
        self.assertTrue(ingest.poll(stale[0], user=None).skipped)
        self.assertEqual(self.server.requests, ["/a.json"])
        self.assertFalse(ingest.poll(Feed.objects.get(), user=None).skipped, "asked for by name: polled, due or not")

    def test_a_files_pictures_are_never_all_held_at_once(self):
        picture = picture_bytes(800, 450)
        budget = 3 * len(picture)
        for number in range(12):
            self.server.routes[f"/p{number}.jpg"] = (200, {}, picture)
        items = [ninjs_item(number, pictures=[self.server.url(f"/p{number}.jpg")]) for number in range(12)]
        self.server.routes["/items.json"] = AgencyServer.answer_json(items)
        Feed.objects.create(name="url", location=self.server.url("/items.json"))
        held = []
        real = ingest.import_parsed

        def measuring(parsed, **kwargs):
            held.append(sum(len(image.content or b"") for item in parsed for image in item.images))
            return real(parsed, **kwargs)

        with override_settings(INGEST_PICTURE_BYTES_IN_MEMORY=budget):
            with mock.patch.object(ingest, "import_parsed", measuring):
                result = self.poll("url")
        self.assertEqual(result.pictures, 12)
        self.assertEqual(held, [budget] * 4)
        self.assertEqual(Image.objects.exclude(file="").count(), 12)
        self.assertEqual(WireItem.objects.filter(images__isnull=False).count(), 12)
        self.assertTrue(all(image.content is None for outcome in result.outcomes for image in outcome.parsed.images))
