"""
Bounded work (issue 12): zips are inflated only up to the limits whatever their headers say, pictures are judged by
their header and decoded within a memory budget, and one editor runs only so many imports at once. The peak memory
of a worker under the three attacks at once is measured in a fresh process.
"""

import io
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import SimpleTestCase, TestCase, override_settings
from django.urls import reverse
from PIL import Image as PILImage

from articles import renditions
from interchange import staging
from interchange.importers import ParseError, files
from tests.bombs import lying_zip, png_bomb
from tests.factories import make_user

MB = 1024 * 1024


class ZipTests(SimpleTestCase):
    def read(self, data):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "upload.zip"
            path.write_bytes(data)
            tracemalloc.start()
            try:
                results = list(files.read_inputs([path]))
                _current, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
        return results, peak

    @override_settings(IMPORT_MAX_FILE_BYTES=1 * MB)
    def test_a_member_whose_headers_understate_its_size_is_never_inflated_beyond_the_limit(self):
        # 64 MB of zeros that both headers call 100 bytes: at most the limit is inflated, then the checksum fails.
        results, peak = self.read(lying_zip(real_size=64 * MB, declared_size=100))
        self.assertEqual(len(results), 1)
        self.assertIsInstance(results[0], ParseError)
        self.assertIn("Bad CRC-32", results[0].reason)
        self.assertLess(peak, 3 * MB)

    @override_settings(IMPORT_MAX_FILE_BYTES=1 * MB)
    def test_a_member_inflated_beyond_the_limit_stops_at_the_limit(self):
        # Headers that claim 900 KB (under the limit) for 64 MB: reading stops at the declared size, then fails.
        results, peak = self.read(lying_zip(real_size=64 * MB, declared_size=900 * 1024))
        self.assertIsInstance(results[0], ParseError)
        self.assertLess(peak, 4 * MB)

    def test_a_member_that_says_it_is_too_large_is_refused_unread(self):
        results, peak = self.read(lying_zip(real_size=1024, declared_size=450 * MB))
        self.assertIn("the file is 471,859,200 bytes; the limit is 10,485,760", results[0].reason)
        self.assertLess(peak, 1 * MB)

    def test_a_member_is_read_with_limit_plus_one(self):
        """The one call that inflates: never asked for more than the limit and one byte."""
        data = io.BytesIO()
        import zipfile  # the standard library's, to build an honest zip here

        with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("a.txt", b"x" * 5000)
        with zipfile.ZipFile(data) as archive:
            with self.assertRaises(ParseError):
                files.read_member(archive, archive.getinfo("a.txt"), 4999)
            self.assertEqual(len(files.read_member(archive, archive.getinfo("a.txt"), 5000)), 5000)


class PictureTests(SimpleTestCase):
    def test_a_small_png_of_sixty_megapixels_is_refused_by_its_header_before_decoding(self):
        bomb = png_bomb()  # 7745 × 7745, under IMAGE_MAX_PIXELS, about 60 KB
        self.assertLess(len(bomb), 100_000)
        started = time.perf_counter()
        with self.assertRaises(ValidationError) as refused:
            renditions.validate_image_file(io.BytesIO(bomb))
        self.assertLess(time.perf_counter() - started, 0.5)
        self.assertEqual(refused.exception.code, "too_much_memory")
        self.assertIn("at most 32 MB are allowed", refused.exception.messages[0])

    def test_a_large_camera_jpeg_is_decoded_at_reduced_scale(self):
        buffer = io.BytesIO()
        PILImage.new("RGB", (6000, 4000), (90, 120, 150)).save(buffer, "JPEG", quality=60)
        buffer.seek(0)
        with PILImage.open(buffer) as picture:
            # A quarter of the pixels: 3000 × 2000 × 3 bytes instead of 72 MB.
            self.assertEqual(renditions.decoding_memory(picture), 3000 * 2000 * 3)
        buffer.seek(0)
        self.assertEqual(renditions.validate_image_file(buffer), (6000, 4000))
        buffer.seek(0)
        with PILImage.open(buffer) as picture:
            prepared = renditions.prepare(picture)
        self.assertEqual(prepared.size, (3000, 2000))

    def test_a_large_png_is_reduced_before_it_is_copied(self):
        picture = PILImage.new("RGBA", (5000, 1000), (0, 0, 0, 0))
        prepared = renditions.prepare(picture)
        self.assertEqual((prepared.mode, prepared.size), ("RGB", (2500, 500)))

    def test_exif_orientation_survives_reduction(self):
        buffer = io.BytesIO()
        exif = PILImage.Exif()
        exif[0x0112] = 6  # stored sideways: turn 90° clockwise
        PILImage.new("RGB", (4000, 2000)).save(buffer, "JPEG", exif=exif)
        buffer.seek(0)
        with PILImage.open(buffer) as picture:
            self.assertEqual(renditions.prepare(picture).size, (1000, 2000))

    @override_settings(IMAGE_MAX_DECODED_BYTES=64 * MB)
    def test_the_budget_is_a_setting(self):
        self.assertEqual(renditions.validate_image_file(io.BytesIO(png_bomb())), (7745, 7745))


class ConcurrentImportTests(TestCase):
    def setUp(self):
        cache.clear()
        self.user = make_user("chief", "chief editor")

    def test_one_editor_runs_at_most_the_allowed_number_of_imports(self):
        with staging.import_slot(self.user), staging.import_slot(self.user):
            with self.assertRaises(staging.TooManyImports), staging.import_slot(self.user):
                pass
            # Someone else is not held up.
            with staging.import_slot(make_user("other", "editor")):
                pass
        with staging.import_slot(self.user):
            pass  # the slots were given back

    def test_the_import_page_answers_429_while_the_slots_are_taken(self):
        self.client.force_login(self.user)
        staging.expire(max_age=0)  # previews other tests left behind
        upload = SimpleUploadedFile("a.txt", b"text")
        with staging.import_slot(self.user), staging.import_slot(self.user):
            response = self.client.post(reverse("admin:interchange_import"), {"files": [upload], "format": "auto"})
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "You are running other imports", status_code=429)
        self.assertEqual(staging.expire(max_age=0), 0, "nothing was staged")

    def test_the_preview_of_a_lying_zip_names_the_problem(self):
        self.client.force_login(self.user)
        upload = SimpleUploadedFile("agency.zip", lying_zip(real_size=32 * MB, declared_size=100))
        response = self.client.post(reverse("admin:interchange_import"), {"files": [upload], "format": "auto"})
        self.assertContains(response, "Bad CRC-32")


class PeakMemoryTests(SimpleTestCase):
    def test_a_worker_under_the_three_attacks_at_once_stays_under_200_mb(self):
        with tempfile.TemporaryDirectory() as folder:
            probe = subprocess.run(
                [sys.executable, "-m", "tests.memory_probe", folder],
                cwd=settings.BASE_DIR,
                env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "DEBUG": "1"},
                capture_output=True,
                text=True,
                timeout=120,
                check=True,
            )
        report = json.loads(probe.stdout.strip().splitlines()[-1])
        outcomes = report["outcomes"]
        self.assertIn("Bad CRC-32", outcomes["understated.zip"][0])
        # The refusal names the size the zip claims and the limit, in whichever language the probe speaks.
        self.assertIn("471,859,200", outcomes["declared-huge.zip"][0])
        self.assertIn(f"{settings.IMPORT_MAX_FILE_BYTES:,}", outcomes["declared-huge.zip"][0])
        self.assertEqual(outcomes["bomb.png"], "too_much_memory")
        self.assertEqual(outcomes["large.png"][-1], [1280, 960])
        self.assertLess(report["peak_mb"], 200, report)
