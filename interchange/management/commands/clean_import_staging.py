"""Delete Import page previews that were never confirmed (run daily from cron; uploads also clean up as they go)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from interchange import staging


class Command(BaseCommand):
    help = "Delete staged Import page uploads older than IMPORT_STAGING_MAX_AGE seconds (or --max-age)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--max-age",
            type=int,
            default=settings.IMPORT_STAGING_MAX_AGE,
            help="Age in seconds after which an unconfirmed preview is deleted.",
        )

    def handle(self, *args, max_age, verbosity, **options):
        deleted = staging.expire(max_age=max_age)
        if verbosity:
            self.stdout.write(f"{deleted} abandoned import preview(s) deleted.")
