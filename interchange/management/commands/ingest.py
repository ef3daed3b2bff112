"""
Poll the feeds that are due (drop folders and web addresses) and take in what is new: every item as wire copy,
draft articles where a feed creates them. Safe to run from cron on many servers at once: each feed is polled by one
process at a time.

    * * * * *  cd /srv/newsroom && .venv/bin/python manage.py ingest --once
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from articles.audit import system_user
from interchange import ingest
from interchange.models import Feed
from interchange.writer import FAILED, WIRE


class Command(BaseCommand):
    help = "Poll due feeds (or the one named) and import what is new; exits non-zero when a feed failed."

    def add_arguments(self, parser):
        parser.add_argument("--feed", metavar="NAME", help="Poll this feed now, due or not.")
        parser.add_argument("--once", action="store_true", help="Poll what is due once and stop (for cron).")
        parser.add_argument(
            "--no-pictures", action="store_true", help="Do not download the pictures items name by address."
        )

    def handle(self, *args, feed, once, no_pictures, verbosity, **options):
        if feed is not None and not Feed.objects.filter(name=feed).exists():
            raise CommandError(f"There is no feed {feed!r}.")
        user = system_user(ingest.SYSTEM_USERNAME)
        while True:
            polls = [ingest.poll(each, user=user, fetch_pictures=not no_pictures) for each in ingest.due(name=feed)]
            for result in polls:
                self.report(result, verbosity)
            if once or feed is not None:
                break
            time.sleep(self.pause())
        if any(result.error for result in polls):
            raise CommandError("A feed failed; its health in the admin says why.", returncode=1)

    def report(self, result, verbosity):
        name = result.feed.name
        if result.skipped:
            self.stdout.write(f"{name}: skipped ({result.skipped})")
            return
        for outcome in result.outcomes:
            if outcome.status == FAILED:
                self.stdout.write(self.style.ERROR(f"{name}: {outcome.describe()}"))
            elif verbosity >= 2:
                self.stdout.write(f"{name}: {outcome.describe()}")
        for note in result.left if verbosity >= 1 else ():
            self.stdout.write(f"{name}: left for the next run: {note}")
        counts = (
            f"{len(result.outcomes)} items, {result.count(WIRE)} wire copy, {result.count(FAILED)} failed, "
            f"{result.pictures} pictures"
        )
        if result.error:
            self.stderr.write(self.style.ERROR(f"{name}: error: {result.error} ({counts})"))
        elif verbosity >= 1:
            self.stdout.write(self.style.SUCCESS(f"{name}: {counts}"))

    @staticmethod
    def pause():
        """Seconds until the next feed is due (at least one, at most a minute)."""
        now = timezone.now()
        waits = [
            (feed.last_polled_at + timezone.timedelta(seconds=feed.poll_interval) - now).total_seconds()
            for feed in Feed.objects.filter(is_enabled=True)
            if feed.last_polled_at is not None
        ]
        return min(max(min(waits, default=60), 1), 60)
