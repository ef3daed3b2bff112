"""Renditions: the pure Pillow operations, the model methods that store them, and the rebuild command."""

import io
from io import StringIO

from django.core.management import call_command
from django.test import TestCase
from PIL import Image as PILImage

from articles import renditions
from articles.models import Image, Rendition
from tests.factories import make_image, picture_upload, temporary_media


class PureOperationTests(TestCase):
    def test_target_widths_never_upscale(self):
        self.assertEqual(renditions.target_widths(64), [64])
        self.assertEqual(renditions.target_widths(1000), [320, 640, 960, 1000])
        self.assertEqual(renditions.target_widths(4000), list(renditions.WIDTHS))

    def test_resize_keeps_proportions(self):
        picture = PILImage.new("RGB", (1000, 500))
        resized = renditions.resize_to_width(picture, 320)
        self.assertEqual(resized.size, (320, 160))
        self.assertEqual(renditions.resize_to_width(picture, 2000).size, (1000, 500))

    def test_prepare_flattens_transparency(self):
        picture = PILImage.new("RGBA", (20, 20), (0, 0, 0, 0))
        prepared = renditions.prepare(picture)
        self.assertEqual(prepared.mode, "RGB")
        self.assertEqual(prepared.getpixel((5, 5)), (255, 255, 255))

    def test_encode_webp_and_jpeg(self):
        picture = PILImage.new("RGB", (40, 30), (10, 120, 200))
        for image_format, pillow_name in (("webp", "WEBP"), ("jpeg", "JPEG")):
            with (
                self.subTest(image_format),
                PILImage.open(io.BytesIO(renditions.encode(picture, image_format))) as decoded,
            ):
                self.assertEqual(decoded.format, pillow_name)
                self.assertEqual(decoded.size, (40, 30))
        with self.assertRaises(ValueError):
            renditions.encode(picture, "bmp")


@temporary_media()
class ImageRenditionTests(TestCase):
    def test_upload_makes_every_width_in_both_formats(self):
        image = Image(credit="Newsroom/Test")
        image.file = picture_upload(width=1000, height=500)
        image.save()
        made = {(rendition.width, rendition.format) for rendition in image.get_renditions()}
        self.assertEqual(made, {(width, fmt) for width in (320, 640, 960, 1000) for fmt in ("webp", "jpeg")})
        rendition = Rendition.objects.get(image=image, width=320, format="webp")
        self.assertEqual(rendition.height, 160)
        with rendition.file.open("rb") as file, PILImage.open(file) as decoded:
            self.assertEqual((decoded.format, decoded.size), ("WEBP", (320, 160)))

    def test_picture_lists_sources_with_intrinsic_size(self):
        image = make_image(with_file=True)
        picture = Image.objects.prefetch_related("renditions").get(pk=image.pk).picture
        self.assertEqual((picture["width"], picture["height"]), (64, 48))
        self.assertEqual(picture["sources"][0]["type"], "image/webp")
        self.assertIn(" 64w", picture["srcset"])

    def test_image_without_file_has_no_picture(self):
        image = make_image()
        self.assertEqual(image.get_renditions(), [])
        self.assertIsNone(image.picture)

    def test_ensure_renditions_only_fills_gaps(self):
        image = make_image(with_file=True)
        Rendition.objects.filter(image=image, format="webp").delete()
        image = Image.objects.get(pk=image.pk)
        self.assertEqual(len(image.ensure_renditions()), 2)
        self.assertEqual(Rendition.objects.filter(image=image).count(), 2)

    def test_new_file_replaces_renditions(self):
        image = make_image(with_file=True)
        image.file = picture_upload(name="wider.jpg", width=700, height=350)
        image.save()
        self.assertEqual(sorted({r.width for r in image.get_renditions()}), [320, 640, 700])


@temporary_media()
class RebuildRenditionsCommandTests(TestCase):
    def test_rebuilds_missing_renditions(self):
        image = make_image(with_file=True)
        make_image()  # no file: skipped
        Rendition.objects.all().delete()
        out = StringIO()
        call_command("rebuild_renditions", stdout=out)
        self.assertEqual(Rendition.objects.filter(image=image).count(), 2)
        self.assertIn("1 image(s) checked, 2 rendition(s) made, 0 failed", out.getvalue())

    def test_dry_run_writes_nothing(self):
        make_image(with_file=True)
        Rendition.objects.all().delete()
        out = StringIO()
        call_command("rebuild_renditions", "--dry-run", stdout=out)
        self.assertEqual(Rendition.objects.count(), 0)
        self.assertIn("dry run: 1 image(s)", out.getvalue())

    def test_force_rebuilds_all(self):
        make_image(with_file=True)
        before = set(Rendition.objects.values_list("pk", flat=True))
        call_command("rebuild_renditions", "--force", stdout=StringIO())
        after = set(Rendition.objects.values_list("pk", flat=True))
        self.assertEqual(len(after), 2)
        self.assertFalse(before & after)
