"""Articles as ninjs: valid against IPTC's 2.2 schema, nothing internal, and a round trip through the importer."""

import json
import tempfile
from io import StringIO
from pathlib import Path

import jsonschema
from django.core.management import call_command
from django.test import TestCase

from articles.models import Article, Caption
from interchange.exporters.ninjs import to_ninjs, with_relations
from tests.factories import needs_samples

from .factories import SAMPLES, SEED, import_files, make_article, make_category, make_source

SCHEMA = SAMPLES / "ninjs" / "schema" / "ninjs-schema_2.2.json"


def export(**options):
    out = StringIO()
    call_command("export_articles", stdout=out, **options)
    return json.loads(out.getvalue())


def snapshot(article, language):
    """What an article says in one language, as readers and editors see it."""
    captions = Caption.objects.filter(article=article).select_related("image").order_by("position")
    return {
        "headline": article.text("headline", language),
        "teaser": article.text("teaser", language),
        "body": article.text("body", language),
        "initials": article.text("initials", language),
        "short_code": article.short_code,
        "published": article.published_at_in(language),
        "sources": [source.code for source in article.ordered_sources()],
        "captions": [
            (
                c.placement,
                c.paragraph,
                c.text_for(language),
                c.image.credit,
                c.image.archive_title,
                getattr(c.image, f"alt_text_{language}") or "",
            )
            for c in captions
        ],
    }


class ExportContentTests(TestCase):
    def test_internal_metadata_never_exported(self):
        article = make_article(
            agency_metadata={"de": {"ednotes": [{"text": "Nur intern"}], "closing_line": "dpa ab/cd"}}
        )
        text = json.dumps([to_ninjs(article, "ar"), to_ninjs(article, "de")], ensure_ascii=False)
        self.assertNotIn("Nur intern", text)
        self.assertNotIn("ab/cd", text)

    def test_export_costs_a_fixed_number_of_queries(self):
        for _ in range(3):
            make_article(sources=[make_source("afp"), make_source("dpa")], images=3, categories=[make_category()])
        list(with_relations(Article.objects.all()))  # the connection's one-time feature checks are not the export's
        # The articles with their agencies, categories, topics and pictures as JSON rows of the same query.
        with self.assertNumQueries(1):
            items = [to_ninjs(a, "de") for a in with_relations(Article.objects.all())]
        self.assertEqual(len(items), 3)


@needs_samples
class SchemaTests(TestCase):
    def test_every_export_is_valid_ninjs_2_2(self):
        schema = json.loads(SCHEMA.read_text())
        validator = jsonschema.validators.validator_for(schema)(schema)
        make_article(
            publish=("ar",),
            sources=[make_source("afp"), make_source("reuters")],
            images=3,
            categories=[make_category()],
            byline="Von Test",
            dateline="Bonn",
        )
        make_article(languages=("de",))
        if SEED.exists():
            import_files([SEED])
        items = export()
        self.assertGreaterEqual(len(items), 3)
        for item in items:
            errors = [f"{error.json_path}: {error.message[:200]}" for error in validator.iter_errors(item)]
            self.assertEqual(errors, [], item["uri"])


class RoundTripTests(TestCase):
    def test_export_then_import_into_an_empty_database_reproduces_the_items(self):
        articles = [
            make_article(
                publish=("ar", "de"),
                sources=[make_source("dpa"), make_source("afp")],
                images=3,
                initials_ar="ت.ج/ع.م",
                initials_de="tj/am",
            ),
            make_article(languages=("ar",), sources=[make_source("reuters")]),
        ]
        if SEED.exists():
            import_files([SEED])
            articles.append(Article.objects.get(short_code="2SFM4"))
        before = {
            (article.short_code, language): snapshot(article, language)
            for article in articles
            for language in ("ar", "de")
            if article.has_language(language)
        }
        path = Path(tempfile.mkdtemp()) / "export.json"
        call_command("export_articles", "--output", str(path), stderr=StringIO())
        Caption.objects.all().delete()
        Article.objects.all().delete()

        summary = import_files([path])
        self.assertEqual(summary.failed, [])
        after = {
            (article.short_code, language): snapshot(article, language)
            for article in Article.objects.all()
            for language in ("ar", "de")
            if article.has_language(language)
        }
        self.assertEqual(after, before)
        # And importing the same export again changes nothing.
        self.assertEqual(
            str(import_files([path])).split(", ")[:3], ["imported 0", "updated 0", f"unchanged {len(before)}"]
        )
