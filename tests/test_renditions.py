"""Renditions: the pure Pillow operations, the model methods that store them, and the rebuild command."""

import io
from io import StringIO

from django.core.files.uploadedfile import SimpleUploadedFile
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
        rendition = Rendition.objects.get(image=image, crop="", width=320, format="webp")
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
        kept = set(Rendition.objects.filter(image=image).values_list("pk", flat=True))
        image = Image.objects.get(pk=image.pk)
        # The whole picture and the two teaser crops, each in both formats; the JPEGs were kept as they were.
        self.assertEqual(len(image.ensure_renditions()), 6)
        self.assertLessEqual(kept, set(Rendition.objects.filter(image=image).values_list("pk", flat=True)))

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
        self.assertEqual(Rendition.objects.filter(image=image).count(), 6)
        self.assertIn("1 image(s) checked, 6 rendition(s) made, 0 failed", out.getvalue())

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
        self.assertEqual(len(after), 6)
        self.assertFalse(before & after)


class CropTests(TestCase):
    def test_crop_box_is_the_largest_box_of_the_ratio(self):
        self.assertEqual(renditions.crop_box((1600, 1200), (16, 9)), (0, 150, 1600, 1050))
        self.assertEqual(renditions.crop_box((1600, 1200), (1, 1)), (200, 0, 1400, 1200))

    def test_crop_box_centres_on_the_focal_point_within_the_edges(self):
        # A subject at the far left: the square starts at the left edge rather than outside the picture.
        self.assertEqual(renditions.crop_box((1600, 1200), (1, 1), focus=(0.05, 0.5)), (0, 0, 1200, 1200))
        self.assertEqual(renditions.crop_box((1600, 1200), (1, 1), focus=(0.6, 0.5)), (360, 0, 1560, 1200))
        # A tall picture: the wide crop stands around the subject, or as near it as the bottom edge allows.
        self.assertEqual(renditions.crop_box((900, 1600), (16, 9), focus=(0.5, 0.5)), (0, 547, 900, 1053))
        self.assertEqual(renditions.crop_box((900, 1600), (16, 9), focus=(0.5, 0.9)), (0, 1094, 900, 1600))

    def test_crop_to_ratio_keeps_the_focal_pixel(self):
        picture = PILImage.new("RGB", (400, 300), (0, 0, 0))
        picture.putpixel((380, 20), (255, 0, 0))
        cropped = renditions.crop_to_ratio(picture, (1, 1), focus=(0.95, 0.07))
        self.assertEqual(cropped.size, (300, 300))
        self.assertIn((255, 0, 0), [cropped.getpixel((x, 20)) for x in range(300)])

    def test_crop_widths_never_upscale(self):
        self.assertEqual(renditions.crop_widths("16:9", 2000), [320, 640, 960])
        self.assertEqual(renditions.crop_widths("1:1", 200), [160, 200])


@temporary_media()
class FocalPointTests(TestCase):
    def crop_of(self, image, crop):
        rendition = max(Image.objects.get(pk=image.pk).get_renditions(crop), key=lambda r: (r.format, r.width))
        with rendition.file.open("rb") as file, PILImage.open(file) as decoded:
            return decoded.convert("RGB").copy()

    def test_teaser_crops_are_made_on_upload(self):
        image = Image(credit="Newsroom/Test")
        image.file = picture_upload(width=1200, height=600)
        image.save()
        wide = image.get_renditions("16:9")
        square = image.get_renditions("1:1")
        self.assertEqual({(r.width, r.height) for r in wide}, {(320, 180), (640, 360), (960, 540)})
        self.assertEqual({(r.width, r.height) for r in square}, {(160, 160), (320, 320)})
        self.assertEqual(image.picture_of("16:9")["width"], 960)

    def test_moving_the_focal_point_cuts_the_crops_again(self):
        left_red = PILImage.new("RGB", (1200, 600), (0, 0, 255))
        left_red.paste((255, 0, 0), (0, 0, 300, 600))
        buffer = io.BytesIO()
        left_red.save(buffer, format="PNG")
        image = Image(credit="Newsroom/Test")
        image.file = SimpleUploadedFile("left.png", buffer.getvalue(), content_type="image/png")
        image.save()
        originals = {r.pk for r in image.get_renditions()}
        self.assertGreater(self.crop_of(image, "1:1").getpixel((5, 100))[2], 200)  # centred: blue at the left
        image = Image.objects.get(pk=image.pk)
        image.focal_x = 0.1
        image.save()
        self.assertGreater(self.crop_of(image, "1:1").getpixel((5, 100))[0], 200)  # moved: red at the left
        self.assertEqual({r.pk for r in Image.objects.get(pk=image.pk).get_renditions()}, originals)

    def test_thumbnail_is_a_rendition_never_the_original(self):
        image = make_image(with_file=True)
        image = Image.objects.prefetch_related("renditions").get(pk=image.pk)
        self.assertEqual(image.thumbnail.crop, "1:1")
        self.assertNotEqual(image.thumbnail.file.url, image.file.url)
        self.assertIsNone(make_image().thumbnail)

    def test_stored_copy_of_finds_the_same_content(self):
        image = make_image(with_file=True)
        self.assertEqual(Image.stored_copy_of(picture_upload(name="again.jpg")), image)
        self.assertIsNone(Image.stored_copy_of(picture_upload(color=(1, 2, 3))))
