"""
Publish the language versions whose scheduled time has come and unpublish those that have expired.

Meant for cron every minute; several servers may run it at once (see Workflow.run_schedule).
"""

from django.core.management.base import BaseCommand

from articles import languages
from articles.audit import system_user
from workflow.models import JobRun
from workflow.transitions import WORKFLOW

SCHEDULER_USERNAME = "publish_scheduled"


class Command(BaseCommand):
    help = "Publish what is scheduled and due, unpublish what has expired; safe to run on several servers at once."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Say what would be done and change nothing.")

    def handle(self, *args, dry_run, verbosity, **options):
        report = WORKFLOW.run_schedule(user=system_user(SCHEDULER_USERNAME), dry_run=dry_run)
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
