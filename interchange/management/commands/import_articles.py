"""Import articles from page-text, ninjs, NewsML-G2 or DW HTML files, folders of them, or zips."""

import argparse
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from articles import languages
from interchange.importers import FORMATS, ParseError, files
from interchange.writer import FAILED, UNCHANGED, import_files


class Command(BaseCommand):
    help = "Import article files; prints one line per item and a summary, exits non-zero if any item failed."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, help="Files, or folders with --recursive.")
        parser.add_argument(
            "--format", default="auto", choices=["auto", *FORMATS], help="Input format (default: detect)."
        )
        parser.add_argument("--language", choices=languages.CODES, help="Import as this language version.")
        parser.add_argument("--publish", action="store_true", help="Publish the imported language versions at once.")
        parser.add_argument("--dry-run", action="store_true", help="Parse and check everything, write nothing.")
        parser.add_argument("--recursive", action="store_true", help="Import every file below the given folders.")
        parser.add_argument(
            "--progress",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="Progress bar (default: on a terminal).",
        )

    def handle(self, *args, paths, format, language, publish, dry_run, recursive, progress, verbosity, **options):
        try:
            inputs = list(files.expand(paths, recursive))
        except ParseError as error:
            raise CommandError(f"{error.reason}.") from None
        if not inputs:
            raise CommandError("No files to import.")
        show_progress = progress if progress is not None else sys.stderr.isatty()
        bar = tqdm(total=len(inputs), unit="file", disable=not show_progress, file=sys.stderr)
        summary = import_files(
            inputs, format=format, language=language, publish=publish, dry_run=dry_run, progress=lambda _: bar.update()
        )
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
