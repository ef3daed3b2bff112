"""Damaged or odd import input fails the one item with a reason, never the request, and leaves nothing behind."""

import io
import json
import struct
import tempfile
import zipfile
from pathlib import Path
from unittest import mock

from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.test import TestCase
from django.urls import reverse
from reversion.models import Version

from articles.audit import system_user
from articles.models import Article, Caption, Image, Placement, Rendition
from interchange import staging
from interchange.admin_views import SESSION_KEY
from interchange.importers import ParsedImage, ParsedItem
from interchange.writer import CREATED, FAILED, import_files, import_parsed

from .factories import make_article, make_user, picture_bytes

URL = reverse("admin:interchange_import")


def ninjs(uri, pictures=(), language="de"):
    item = {
        "uri": uri,
        "version": "1",
        "versioncreated": "2025-06-01T08:00:00Z",
        "language": language,
        "headlines": [{"role": "main", "value": "Eine Meldung"}],
        "descriptions": [{"role": "summary", "value": "Ein Vorspann."}],
        "bodies": [{"role": "main", "contenttype": "text/html", "value": "<p>Ein Absatz.</p>"}],
    }
    if pictures:
        item["associations"] = [
            {"uri": f"urn:t:pic:{number}", "type": "picture", "renditions": [{"href": href, "width": 64, "height": 48}]}
            for number, href in enumerate(pictures)
        ]
    return item


def item_bytes(uri, **kwargs):
    return json.dumps(ninjs(uri, **kwargs)).encode()


def zip_of(members):
    """A zip of (name, bytes, compression) members."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data, compression in members:
            archive.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), data, compress_type=compression)
    return bytearray(buffer.getvalue())


def damage(raw, name, flag=None, method=None, crc=None):
    """Set a member's flag bits, compression method or CRC in both its local and its central header."""
    encoded = name.encode()
    for signature, name_at, flag_at, crc_at in ((b"PK\x03\x04", 26, 6, 14), (b"PK\x01\x02", 28, 8, 16)):
        header = raw.find(signature)
        while header >= 0:
            length = struct.unpack_from("<H", raw, header + name_at)[0]
            start = header + (30 if signature == b"PK\x03\x04" else 46)
            if bytes(raw[start : start + length]) == encoded:
                if flag is not None:
                    struct.pack_into("<H", raw, header + flag_at, flag)
                if method is not None:
                    struct.pack_into("<H", raw, header + flag_at + 2, method)
                if crc is not None:
                    struct.pack_into("<I", raw, header + crc_at, crc)
            header = raw.find(signature, header + 4)
    return bytes(raw)


def write(data, name):
    path = Path(tempfile.mkdtemp()) / name
    path.write_bytes(data)
    return path


def stored_files():
    root = Path(settings.MEDIA_ROOT)
    return {path for path in root.rglob("*") if path.is_file() and "staging" not in path.parts}


class DamagedZipTests(TestCase):
    """Each damaged member fails alone, naming the member and why; the zip's other items are imported."""

    @classmethod
    def setUpTestData(cls):
        cls.editor = make_user("editor", "editor")

    def import_zip(self, data):
        summary = import_files([write(data, "batch.zip")], user=self.editor, label=lambda name: Path(name).name)
        return {outcome.file: outcome for outcome in summary.outcomes}

    def members(self, pictures=()):
        return [
            ("a.json", item_bytes("urn:t:a", pictures=pictures), zipfile.ZIP_STORED),
            *(("p.jpg", picture_bytes(), zipfile.ZIP_STORED) for _ in pictures),
            ("good.json", item_bytes("urn:t:good"), zipfile.ZIP_STORED),
        ]

    def assert_fails_alone(self, outcomes, reason, label="batch.zip:a.json"):
        self.assertEqual(outcomes[label].status, FAILED)
        self.assertIn(reason, outcomes[label].reason)
        self.assertEqual(outcomes["batch.zip:good.json"].status, CREATED)
        self.assertFalse(Article.objects.filter(source_identifier="urn:t:a").exists())

    def test_an_encrypted_item_fails_alone(self):
        outcomes = self.import_zip(damage(zip_of(self.members()), "a.json", flag=1))
        self.assert_fails_alone(outcomes, "a.json in the zip cannot be read: it is encrypted")

    def test_an_unsupported_compression_method_fails_alone(self):
        outcomes = self.import_zip(damage(zip_of(self.members()), "a.json", method=99))
        self.assert_fails_alone(outcomes, "a.json in the zip cannot be read: it is compressed with a method")

    def test_a_corrupt_deflate_stream_fails_alone(self):
        raw = zip_of([("a.json", item_bytes("urn:t:a") * 5, zipfile.ZIP_DEFLATED), *self.members()[1:]])
        start = raw.find(b"PK\x03\x04") + 30 + len("a.json")
        raw[start : start + 8] = b"\xff" * 8
        self.assert_fails_alone(self.import_zip(bytes(raw)), "a.json in the zip cannot be read: it is damaged")

    def test_a_picture_with_a_bad_crc_fails_its_item_alone(self):
        outcomes = self.import_zip(damage(zip_of(self.members(["p.jpg"])), "p.jpg", crc=0xDEADBEEF))
        self.assert_fails_alone(outcomes, "picture p.jpg: p.jpg in the zip cannot be read: it is damaged")
        self.assertFalse(Image.objects.exclude(file="").exists())

    def test_an_encrypted_picture_fails_its_item_alone(self):
        outcomes = self.import_zip(damage(zip_of(self.members(["p.jpg"])), "p.jpg", flag=1))
        self.assert_fails_alone(outcomes, "picture p.jpg: p.jpg in the zip cannot be read: it is encrypted")

    def test_the_import_page_reports_a_damaged_zip(self):
        self.client.force_login(self.editor)
        data = damage(zip_of(self.members()), "a.json", flag=1)
        response = self.client.post(
            URL, {"files": [SimpleUploadedFile("batch.zip", data)], "format": "auto", "language": ""}
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "it is encrypted")


class ImportPageTests(TestCase):
    """The Import page answers every upload and confirmation with a page, never a 500, and loses no preview."""

    @classmethod
    def setUpTestData(cls):
        cls.editor = make_user("editor", "editor")

    def setUp(self):
        self.client.force_login(self.editor)

    def preview(self, name="a.json", data=None):
        data = item_bytes("urn:t:a") if data is None else data
        return self.client.post(URL, {"files": [SimpleUploadedFile(name, data)], "format": "auto", "language": ""})

    def test_a_long_file_name_is_shortened_keeping_its_extension(self):
        response = self.preview("ب" * 120 + "a" * 15 + ".json")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["summary"].outcomes[0].status, CREATED)
        (name,) = staging.staged_names(response.context["token"])
        self.assertTrue(name.endswith(".json"))
        self.assertLessEqual(len(Path(name).name.encode()), 255)

    def test_an_upload_the_storage_refuses_is_a_form_error(self):
        with mock.patch.object(staging.storage(), "save", side_effect=OSError(28, "No space left on device")):
            response = self.preview()
        self.assertEqual(response.status_code, 200)
        self.assertIn("No space left on device", str(response.context["form"].errors["files"]))
        self.assertNotIn(SESSION_KEY, self.client.session)

    def confirm(self, token):
        return self.client.post(URL, {"confirm": "1", "token": token, "format": "auto"})

    def test_confirming_after_the_staged_files_vanished_says_the_upload_expired(self):
        token = self.preview().context["token"]
        real = staging.local_copies

        def deleted_meanwhile(token):
            staging.delete(token)  # another request imported them between the check and the import
            return real(token)

        with mock.patch.object(staging, "local_copies", deleted_meanwhile):
            response = self.confirm(token)
        self.assertRedirects(response, URL, fetch_redirect_response=False)
        self.assertFalse(Article.objects.exists())

    def test_an_upload_is_imported_once_however_often_it_is_confirmed(self):
        token = self.preview().context["token"]
        self.assertTrue(staging.claim(token), "a concurrent confirmation of the same upload")
        response = self.confirm(token)
        self.assertRedirects(response, URL, fetch_redirect_response=False)
        self.assertFalse(Article.objects.exists())

        token = self.preview().context["token"]
        self.assertEqual(self.confirm(token).context["summary"].outcomes[0].status, CREATED)
        self.assertNotIn(SESSION_KEY, self.client.session)
        self.assertRedirects(self.confirm(token), URL, fetch_redirect_response=False)
        self.assertEqual(Article.objects.count(), 1)

    def test_posting_no_files_is_a_form_error_and_keeps_the_pending_preview(self):
        token = self.preview().context["token"]
        response = self.client.post(URL, {"format": "auto", "language": ""})
        self.assertEqual(response.status_code, 200)
        self.assertNotEqual(response.context.get("step"), "preview")
        self.assertEqual(response.context["form"].errors["files"], ["This field is required."])
        self.assertEqual(self.client.session[SESSION_KEY], token)
        self.assertEqual(self.confirm(token).context["summary"].outcomes[0].status, CREATED)


class StoredFileTests(TestCase):
    """An item that fails leaves no picture files behind; a file that rolls back as a whole leaves none either."""

    @classmethod
    def setUpTestData(cls):
        cls.editor = make_user("editor", "editor")

    def folder_with(self, items, pictures):
        folder = Path(tempfile.mkdtemp())
        for name, data in pictures.items():
            (folder / name).write_bytes(data)
        path = folder / "items.json"
        path.write_text(json.dumps(items))
        return path

    def assert_no_orphans(self, before):
        root = Path(settings.MEDIA_ROOT)
        referenced = {root / image.file.name for image in Image.objects.exclude(file="")}
        referenced |= {root / rendition.file.name for rendition in Rendition.objects.all()}
        self.assertEqual(stored_files() - before - referenced, set())

    def test_a_failing_item_deletes_the_picture_files_it_stored(self):
        before = stored_files()
        path = self.folder_with(
            [ninjs("urn:t:two", pictures=["good.jpg", "bad.jpg"]), ninjs("urn:t:next", pictures=["good.jpg"])],
            {"good.jpg": picture_bytes(), "bad.jpg": b"not a picture"},
        )
        summary = import_files([path], user=self.editor)
        self.assertEqual([outcome.status for outcome in summary.outcomes], [FAILED, CREATED])
        self.assert_no_orphans(before)
        # The next item of the file, naming the same picture, stores its file again.
        picture = Article.objects.get(source_identifier="urn:t:next").captions.get().image
        self.assertTrue(picture.file.storage.exists(picture.file.name))
        self.assertTrue(picture.renditions.exists())

    def test_a_file_that_rolls_back_deletes_the_picture_files_it_stored(self):
        before = stored_files()
        path = self.folder_with([ninjs("urn:t:one", pictures=["good.jpg"])], {"good.jpg": picture_bytes()})
        with mock.patch("interchange.writer.record_wire", side_effect=IntegrityError("a concurrent import")):
            summary = import_files([path], user=self.editor)
        self.assertEqual(summary.outcomes[0].status, FAILED)
        self.assertFalse(Image.objects.exists())
        self.assertEqual(stored_files() - before, set())


class WirePictureTests(TestCase):
    """A wire-only item gives a waiting picture its file only as a change its user may make, and records it."""

    def live_picture(self):
        article = make_article(publish=("de",))
        picture = Image.objects.create(source_identifier="urn:t:pic:0", archive_title="Unser Bild", credit="Ours")
        Caption.objects.create(article=article, image=picture, placement=Placement.LEAD, position=0)
        return picture

    def wire_item(self, credit="Agency credit"):
        picture = ParsedImage(identifier="urn:t:pic:0", credit=credit, filename="p.jpg", content=picture_bytes())
        return ParsedItem(
            identifier="urn:t:wire",
            language="en",
            headline="A report",
            format="ninjs",
            body_html="<p>Text</p>",
            images=[picture],
        )

    def test_a_user_who_may_not_change_a_live_picture_leaves_it_as_it_is(self):
        picture = self.live_picture()
        reporter = make_user("reporter", "reporter")
        (outcome,) = import_parsed([self.wire_item()], user=reporter, file="feed.json")
        picture.refresh_from_db()
        self.assertEqual((picture.credit, picture.file.name), ("Ours", ""))
        self.assertIn("is shown in a live or scheduled article", " ".join(outcome.warnings))

    def test_a_picture_changed_from_wire_copy_keeps_a_revision_and_log_entry(self):
        picture = self.live_picture()
        ingest = system_user("ingest")
        import_parsed([self.wire_item()], user=ingest, check_permission=False, file="feed.json", create_articles=False)
        picture.refresh_from_db()
        self.assertEqual(picture.credit, "Agency credit")
        self.assertTrue(picture.file)
        entry = LogEntry.objects.get(object_id=str(picture.pk), content_type__model="image")
        self.assertEqual((entry.user, entry.action_flag), (ingest, CHANGE))
        self.assertIn("urn:t:wire", entry.change_message)
        (version,) = Version.objects.get_for_object(picture)
        self.assertEqual(version.revision.user, ingest)
        self.assertIn("Agency credit", version.serialized_data)
