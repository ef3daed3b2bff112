"""Load the demo articles and, with --editor, create a local editor account with a generated password."""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from articles import demo


class Command(BaseCommand):
    help = "Load a few short bilingual demo articles (idempotent); optionally create a local editor account."

    def add_arguments(self, parser):
        parser.add_argument(
            "--editor", metavar="USERNAME", help="Create this superuser if absent and print its password."
        )

    def handle(self, *args, editor, **options):
        created = demo.load()
        self.stdout.write(f"demo content: {created} article(s) created")
        if editor:
            User = get_user_model()
            if User.objects.filter(username=editor).exists():
                self.stdout.write(f"editor account {editor!r} exists already (password unchanged)")
            else:
                password = secrets.token_urlsafe(12)
                User.objects.create_superuser(editor, f"{editor}@localhost", password)
                self.stdout.write(self.style.SUCCESS(f"editor account: {editor} / password: {password}"))
