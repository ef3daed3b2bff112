"""
Import articles from page-text, ninjs, NewsML-G2 or DW HTML files, folders of them, or zips. Every item is kept as
wire copy; items in Arabic or German also become that language version of an article (drafts unless --publish, and
drafts with the reason when they cannot go live yet).

With --user the import is that user's: their permissions apply (publishing, changing live articles) and the history
names them. Without it the command acts as its own system account, which the admin's history names and the
permission rules do not bind: whoever runs it has the shell, and with it every right.
"""

import argparse
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext
from tqdm import tqdm

from articles import languages
from articles.audit import system_user
from interchange.importers import FORMATS, ParseError, files
from interchange.writer import FAILED, UNCHANGED, import_files

SYSTEM_USERNAME = "import_articles"


class Command(BaseCommand):
    help = "Import article files; prints one line per item and a summary, exits non-zero if any item failed."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, help="Files, or folders with --recursive.")
        parser.add_argument(
            "--format", default="auto", choices=["auto", *FORMATS], help="Input format (default: detect)."
        )
        parser.add_argument(
            "--language",
            choices=languages.CODES,
            help="Import every item as this language version (otherwise items in other languages are kept as wire "
            "copy, the source of a translation).",
        )
        parser.add_argument("--publish", action="store_true", help="Publish the imported language versions at once.")
        parser.add_argument(
            "--user",
            dest="username",
            metavar="USERNAME",
            help=f"Import as this user, with their permissions (default: the {SYSTEM_USERNAME} system account).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Parse and check everything, write nothing.")
        parser.add_argument("--recursive", action="store_true", help="Import every file below the given folders.")
        parser.add_argument(
            "--progress",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="Progress bar (default: on a terminal).",
        )

    def handle(
        self, *args, paths, format, language, publish, username, dry_run, recursive, progress, verbosity, **options
    ):
        user = self.importing_user(username)
        try:
            inputs = list(files.expand(paths, recursive))
        except ParseError as error:
            raise CommandError(f"{error.reason}.") from None
        if not inputs:
            raise CommandError("No files to import.")
        show_progress = progress if progress is not None else sys.stderr.isatty()
        bar = tqdm(total=len(inputs), unit="file", disable=not show_progress, file=sys.stderr)
        try:
            summary = import_files(
                inputs,
                user=user,
                check_permission=username is not None,
                format=format,
                language=language,
                publish=publish,
                dry_run=dry_run,
                progress=lambda _: bar.update(),
            )
        except PermissionDenied as error:
            raise CommandError(str(error)) from None
        finally:
            bar.close()
        for outcome in summary.outcomes:
            if outcome.status == FAILED:
                self.stdout.write(self.style.ERROR(outcome.describe()))
            elif verbosity >= 1 and (outcome.status != UNCHANGED or verbosity >= 2):
                self.stdout.write(outcome.describe())
            for warning in outcome.warnings if verbosity >= 2 else ():
                self.stdout.write(self.style.WARNING(f"  warning: {warning}"))
        prefix = "dry run: " if dry_run else ""
        style = self.style.ERROR if summary.failed else self.style.SUCCESS
        self.stdout.write(style(f"{prefix}{summary}"))
        if summary.failed:
            raise CommandError(f"{len(summary.failed)} item(s) failed.", returncode=1)

    @staticmethod
    def importing_user(username):
        """The user named by --user, or the command's own system account."""
        if username is None:
            return system_user(SYSTEM_USERNAME)
        try:
            return get_user_model().objects.get_by_natural_key(username)
        except get_user_model().DoesNotExist:
            raise CommandError(gettext("There is no user “%(username)s”.") % {"username": username}) from None
