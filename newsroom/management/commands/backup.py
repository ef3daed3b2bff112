"""
Write the newsroom's content to one JSON file that `restore` loads into an empty database of any kind: articles in
every language with their sources, categories, pictures' records, captions, corrections, pending agency versions,
revisions and the admin's log, with the users, groups and two-factor devices they name.

Picture files live in the media store and are backed up with it (README "Backups"); on PostgreSQL, pg_dump is the
faster path for the database. Natural keys stand in for users, groups, permissions and content types, so the file
loads into a database whose ids differ; what is only true for a moment (edit locks, sessions, login attempts, the
scheduler's last run) is left out.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand

# Transient state: restoring it would be wrong (a lock held by someone who is not editing) or meaningless.
EXCLUDED = [
    "contenttypes",  # recreated by migrate; referred to by natural key
    "auth.permission",  # likewise
    "sessions",
    "axes",
    "workflow.editlock",
    "workflow.jobrun",
]


class Command(BaseCommand):
    help = "Write all content to a JSON file (gzip-compressed when it ends in .gz) that `restore` loads."

    def add_arguments(self, parser):
        parser.add_argument("output", help="The backup file to write, e.g. newsroom-2025-01-31.json.gz.")

    def handle(self, *args, output, verbosity, **options):
        call_command(
            "dumpdata",
            natural_foreign=True,
            natural_primary=True,
            exclude=EXCLUDED,
            output=output,
            indent=None,
            verbosity=0,
        )
        if verbosity:
            self.stdout.write(f"backup written to {output}")
