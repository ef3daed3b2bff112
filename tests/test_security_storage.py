"""
Shared state for many servers (issue 12): pictures, renditions and staged imports go through the storage API (the
local disk, or an S3-compatible store, here moto's in-process fake), abandoned previews expire, rebuilding renditions
never loses what it cannot rebuild, and a damaged picture is a form error that leaves no file behind.
"""

import os
import tempfile
from datetime import timedelta
from io import StringIO
from pathlib import Path

import boto3
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from moto import mock_aws

from articles.models import Image, Rendition
from interchange import staging
from tests.factories import make_image, picture_bytes, picture_upload


def files_under(folder):
    return sorted(str(path.relative_to(folder)) for path in Path(folder).rglob("*") if path.is_file())


class DamagedPictureTests(TestCase):
    def setUp(self):
        self.client.force_login(User.objects.create_superuser("chief", "chief@example.com", "pw"))

    def test_a_damaged_jpeg_is_a_form_error_and_leaves_no_file(self):
        media = settings.MEDIA_ROOT
        before = files_under(media)
        damaged = picture_bytes(width=800, height=600)[:3000]  # a valid header, then the data stops
        response = self.client.post(
            reverse("admin:articles_image_add"),
            {"file": SimpleUploadedFile("damaged.jpg", damaged, content_type="image/jpeg"), "credit": "x"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "The file is not a picture or is damaged.")
        self.assertFalse(Image.objects.exists())
        self.assertEqual(files_under(media), before)

    def test_a_picture_that_fails_while_rendering_takes_its_file_with_it(self):
        media = settings.MEDIA_ROOT
        before = files_under(media)
        image = Image(credit="x")
        image.file = SimpleUploadedFile("truncated.jpg", picture_bytes(width=800, height=600)[:3000])
        with self.assertRaises(OSError):
            image.save()  # no clean() here, as a careless caller might
        self.assertEqual(files_under(media), before)


class RebuildRenditionsTests(TestCase):
    def test_force_on_a_host_without_the_originals_keeps_every_rendition(self):
        image = make_image(with_file=True)
        kept = set(Rendition.objects.values_list("pk", flat=True))
        os.remove(image.file.path)  # this host never had the original
        out = StringIO()
        with self.assertRaises(CommandError):
            call_command("rebuild_renditions", "--force", stdout=out)
        self.assertEqual(set(Rendition.objects.values_list("pk", flat=True)), kept)
        self.assertIn("1 failed", out.getvalue())
        for rendition in Rendition.objects.all():
            self.assertTrue(rendition.file.storage.exists(rendition.file.name))


class StagingTests(TestCase):
    def setUp(self):
        # A staging area of its own: other tests leave previews behind in the shared one.
        folder = self.enterContext(tempfile.TemporaryDirectory())
        imports = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": folder}}
        self.enterContext(override_settings(STORAGES={**settings.STORAGES, "imports": imports}))

    def upload(self, name="a.txt"):
        return SimpleUploadedFile(name, b"content")

    def test_staged_files_come_back_in_upload_order(self):
        token = staging.stage([self.upload("b.txt"), self.upload("a.txt")])
        with staging.local_copies(token) as paths:
            self.assertEqual([path.name for path in paths], ["000-b.txt", "001-a.txt"])
        staging.delete(token)
        self.assertEqual(staging.staged_names(token), [])

    def test_abandoned_previews_expire_on_the_next_upload_and_by_command(self):
        old = staging.stage([self.upload()])
        later = timezone.now() + timedelta(seconds=settings.IMPORT_STAGING_MAX_AGE + 60)
        self.assertEqual(staging.expire(now=later - timedelta(seconds=120)), 0)
        self.assertEqual(staging.expire(now=later), 1)
        self.assertEqual(staging.staged_names(old), [])
        # The next upload clears what expired before it.
        stale = staging.stage([self.upload()])
        with override_settings(IMPORT_STAGING_MAX_AGE=0):
            fresh = staging.stage([self.upload()])
        self.assertEqual(staging.staged_names(stale), [])
        self.assertNotEqual(staging.staged_names(fresh), [])
        out = StringIO()
        call_command("clean_import_staging", "--max-age", "0", stdout=out)
        self.assertIn("1 abandoned import preview(s) deleted.", out.getvalue())

    def test_a_forged_token_reads_nothing(self):
        self.assertEqual(staging.staged_names("../../etc"), [])
        self.assertEqual(staging.staged_names(""), [])


S3_STORAGES = {
    "default": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": "newsroom-test", "location": "media", "querystring_auth": False},
    },
    "imports": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": "newsroom-test", "location": "import-staging", "default_acl": "private"},
    },
    "staticfiles": settings.STORAGES["staticfiles"],
}


@mock_aws
@override_settings(STORAGES=S3_STORAGES)
class ObjectStoreTests(TestCase):
    """The same code on an S3-compatible store: nothing in it assumes a local disk."""

    def setUp(self):
        os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
        self.bucket = boto3.resource("s3", region_name="us-east-1").create_bucket(Bucket="newsroom-test")

    def keys(self, prefix):
        return sorted(item.key for item in self.bucket.objects.filter(Prefix=prefix))

    def test_pictures_and_renditions_are_stored_as_objects(self):
        image = Image(credit="x")
        image.file = picture_upload(width=700, height=350)
        image.save()
        keys = self.keys("media/")
        self.assertIn(f"media/{image.file.name}", keys)
        # Three widths of the whole picture and two of each teaser crop (16:9, 1:1), in two formats each.
        self.assertEqual(len([key for key in keys if key.startswith("media/renditions/")]), 14)
        self.assertTrue(image.picture["src"].startswith("https://newsroom-test.s3.amazonaws.com/media/renditions/"))
        image.rebuild_renditions()
        self.assertEqual(len(self.keys("media/renditions/")), 14)

    def test_an_import_preview_staged_in_the_store_is_read_back_from_it(self):
        token = staging.stage([SimpleUploadedFile("item.txt", b"agency copy")])
        self.assertEqual(self.keys("import-staging/"), [f"import-staging/{token}/000-item.txt"])
        with staging.local_copies(token) as paths:
            self.assertEqual(paths[0].read_bytes(), b"agency copy")
            copy = paths[0]
        self.assertFalse(copy.exists(), "the local copy is removed afterwards")
        later = timezone.now() + timedelta(seconds=settings.IMPORT_STAGING_MAX_AGE + 1)
        self.assertEqual(staging.expire(now=later), 1)
        self.assertEqual(self.keys("import-staging/"), [])

    def test_a_damaged_picture_leaves_no_object(self):
        image = Image(credit="x")
        image.file = SimpleUploadedFile("truncated.jpg", picture_bytes(width=800, height=600)[:3000])
        with self.assertRaises(OSError):
            image.save()
        self.assertEqual(self.keys("media/"), [])

    def test_readyz_reaches_the_store(self):
        response = self.client.get("/readyz")
        self.assertEqual(response.json()["checks"]["storage"]["ok"], True)
