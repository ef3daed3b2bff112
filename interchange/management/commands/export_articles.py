"""Export articles as ninjs JSON: one object per language version."""

import json

from django.core.management.base import BaseCommand, CommandError

from articles import languages
from articles.models import Article
from interchange.exporters.ninjs import to_ninjs, with_relations


class Command(BaseCommand):
    help = "Write articles as a JSON list of ninjs 2.x objects, one per language version that has text."

    def add_arguments(self, parser):
        parser.add_argument("--format", default="ninjs", choices=["ninjs"])
        parser.add_argument("--language", choices=languages.CODES, help="Only this language version.")
        parser.add_argument("--short-code", nargs="+", dest="short_codes", help="Only these articles.")
        parser.add_argument("--output", help="File to write (default: standard output).")

    def handle(self, *args, format, language, short_codes, output, **options):
        articles = with_relations(Article.objects.order_by("pk"))
        if short_codes:
            articles = articles.filter(short_code__in=short_codes)
            missing = set(short_codes) - set(articles.values_list("short_code", flat=True))
            if missing:
                raise CommandError(f"No article with short code {', '.join(sorted(missing))}.")
        chosen = [language] if language else languages.CODES
        items = [
            to_ninjs(article, code)
            for article in articles.iterator(chunk_size=200)
            for code in chosen
            if article.has_language(code)
        ]
        text = json.dumps(items, ensure_ascii=False, indent=2)
        if output:
            with open(output, "w", encoding="utf-8") as target:
                target.write(text + "\n")
            self.stderr.write(f"wrote {len(items)} item(s) to {output}")
        else:
            self.stdout.write(text)
