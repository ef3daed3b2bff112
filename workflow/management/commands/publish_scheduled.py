"""
Publish the language versions whose scheduled time has come and unpublish those that have expired.

Meant for cron every minute; several servers may run it at once (see Workflow.run_schedule). `--every SECONDS`
keeps it running, for development: `make run` starts it beside the server, so scheduled versions go live without
cron there.
"""

import time
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import DatabaseError
from django.utils import timezone

from articles import languages
from articles.audit import system_user
from workflow.models import JobRun
from workflow.transitions import WORKFLOW

SCHEDULER_USERNAME = "publish_scheduled"
FIRST_RUN_LOOKBACK = timedelta(days=1)
RUN_OVERLAP = timedelta(minutes=2)


class Command(BaseCommand):
    help = "Publish what is scheduled and due, unpublish what has expired; safe to run on several servers at once."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Say what would be done and change nothing.")
        parser.add_argument(
            "--every",
            type=int,
            metavar="SECONDS",
            help="Keep running, once every SECONDS (development; production runs it from cron).",
        )

    def handle(self, *args, dry_run, verbosity, every=None, **options):
        if every:
            self.loop(every, dry_run=dry_run, verbosity=verbosity)
        else:
            self.run_once(dry_run=dry_run, verbosity=verbosity)

    def loop(self, every, dry_run=False, verbosity=1, sleep=time.sleep, times=None):
        """Run every `every` seconds (`times` runs, or until stopped); a failed run is reported and the next tried."""
        done = 0
        try:
            while times is None or done < times:
                try:
                    self.run_once(dry_run=dry_run, verbosity=verbosity)
                except DatabaseError as error:  # a database busy or away for a moment: the next run tries again
                    self.stderr.write(self.style.ERROR(f"scheduled publishing failed: {error}"))
                done += 1
                if times is None or done < times:
                    sleep(every)
        except KeyboardInterrupt:
            return

    def run_once(self, dry_run=False, verbosity=1):
        now = timezone.now()
        previous = JobRun.objects.filter(name=JobRun.SCHEDULER).first()
        # What time alone made visible since the last run (with a margin for clocks and overlapping runs) is
        # renewed in the page cache now, not when a cached page happens to expire.
        since = (previous.finished_at if previous else now - FIRST_RUN_LOOKBACK) - RUN_OVERLAP
        report = WORKFLOW.run_schedule(now=now, user=system_user(SCHEDULER_USERNAME), dry_run=dry_run, since=since)
        done = 0
        for article, language, action, error in report:
            line = f"{action} {article.pk} ({languages.name(language)}) {article.text('headline', language)}"
            if error:
                self.stderr.write(self.style.ERROR(f"{line}: {error}"))
            else:
                done += 1
                if verbosity >= 1:
                    self.stdout.write(self.style.SUCCESS(line))
        summary = f"{done} done, {len(report) - done} refused"
        if dry_run:
            self.stdout.write(f"dry run: {summary}; nothing was changed")
            return
        JobRun.record(JobRun.SCHEDULER, summary)
        if verbosity >= 1:
            self.stdout.write(summary)
