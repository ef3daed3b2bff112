"""Load a `backup` file into an empty, migrated database (`manage.py migrate` first), then say what it holds."""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from articles import languages
from articles.models import Article, Image


class Command(BaseCommand):
    help = "Load a backup written by `backup` into an empty, migrated database."

    def add_arguments(self, parser):
        parser.add_argument("backup", help="The file `backup` wrote.")

    def handle(self, *args, backup, verbosity, **options):
        if Article.objects.exists():
            raise CommandError("The database already holds articles; restore only into an empty, migrated database.")
        # One transaction: a backup that does not load leaves the database as empty as it was.
        with transaction.atomic():
            call_command("loaddata", backup, verbosity=0)
        if verbosity:
            total = Article.objects.count()
            counts = ", ".join(
                f"{total - Article.objects.missing_language(code).count()} in {code}" for code in languages.CODES
            )
            self.stdout.write(f"restored {total} article(s) ({counts}), {Image.objects.count()} picture record(s).")
