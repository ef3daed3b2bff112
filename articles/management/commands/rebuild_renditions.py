"""
Make the missing renditions of every image (or, with --force, all of them again). An image whose original cannot be
read here (missing on this host, damaged) keeps the renditions it has and is reported as failed.
"""

import argparse
import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from articles.models import Image


class Command(BaseCommand):
    help = "Create missing picture renditions; --force rebuilds them all, --dry-run only counts."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Rebuild existing renditions too (replaced only once rebuilt)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count the images that would be processed; write nothing."
        )
        parser.add_argument(
            "--progress",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="Progress bar (default: on a terminal).",
        )

    def handle(self, *args, force, dry_run, progress, verbosity, **options):
        images = Image.objects.exclude(file="").prefetch_related("renditions").order_by("pk")
        total = images.count()
        if dry_run:
            self.stdout.write(f"dry run: {total} image(s) with a file would be checked.")
            return
        show_progress = progress if progress is not None else sys.stderr.isatty()
        failed = []
        made = 0
        with tqdm(total=total, unit="image", disable=not show_progress, file=sys.stderr) as bar:
            for image in images.iterator(chunk_size=200):
                before = len(image.renditions.all())
                try:
                    made += len(image.rebuild_renditions()) if force else len(image.ensure_renditions()) - before
                except Exception as error:  # noqa: BLE001 - storage and Pillow raise many types; each image is on its own
                    failed.append(image)
                    self.stdout.write(self.style.ERROR(f"image {image.pk}: {type(error).__name__}: {error}"))
                bar.update()
        style = self.style.ERROR if failed else self.style.SUCCESS
        self.stdout.write(style(f"{total} image(s) checked, {made} rendition(s) made, {len(failed)} failed."))
        if failed:
            raise CommandError(f"{len(failed)} image(s) could not be rendered.", returncode=1)
