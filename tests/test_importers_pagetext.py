"""The page-text importer (the seed's format) and the writer it shares with the other formats."""

import datetime
import html
import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import CommandError, call_command
from django.test import TestCase
from django.utils import timezone

from articles.models import Article, Caption, Image, Placement, Source, Status
from interchange.importers import ParseError, pagetext, parse
from interchange.importers.base import ParsedItem
from interchange.models import WireItem
from interchange.writer import CREATED, FAILED, UNCHANGED, UPDATED, WIRE, import_items
from tests.factories import needs_seed

from .factories import SEED, as_import_command, import_files

ARABIC_PAGE = """\
  1. تخطي إلى المحتوى
  2. تخطي إلى القائمة الرئيسية

حديقة النباتات تفتتح جناحا جديدا

١٤ تشرين الثاني ٢٠٢٣

افتتحت حديقة النباتات جناحا جديدا للنباتات الاستوائية أمام الزوار.

https://p.dw.com/p/TEST1
Botanischer Garten Gewächshaus
صورة من: Newsroom/Test

يضم الجناح الجديد أكثر من مئتي نوع من النباتات.

وقالت إدارة الحديقة إن الدخول مجاني في الأسبوع الأول.

Botanischer Garten Besucher
زوار في الجناح الجديد.صورة من: Newsroom/Archiv

وتفتح الحديقة أبوابها يوميا من التاسعة صباحا.

ن.ح/ع.س (د ب أ، أ ف ب، رويترز)

تخطي إلى الجزء التالي اكتشاف المزيد

اكتشاف المزيد
"""

GERMAN_PAGE = """\
1. Zum Inhalt springen

Botanischer Garten eröffnet neues Tropenhaus

14.11.2023

Der Botanische Garten hat ein neues Haus für tropische Pflanzen eröffnet.

https://p.dw.com/p/TEST2

Im neuen Haus wachsen mehr als zweihundert Arten.

Der Eintritt ist in der ersten Woche frei.

nh/es (dpa, rtr)

Mehr entdecken
"""


def write(tmp, name, text):
    path = Path(tmp) / name
    path.write_text(text, encoding="utf-8")
    return path


class ParsePageTextTests(TestCase):
    def test_arabic_page_with_levantine_month(self):
        item = pagetext.parse(ARABIC_PAGE.encode())[0]
        self.assertEqual(item.language, "ar")
        self.assertEqual(item.headline, "حديقة النباتات تفتتح جناحا جديدا")
        self.assertEqual(timezone.localtime(item.published_at).date(), datetime.date(2023, 11, 14))
        self.assertEqual(item.short_code, "TEST1")
        self.assertEqual(item.identifier, "https://p.dw.com/p/TEST1")
        self.assertEqual(item.initials, "ن.ح/ع.س")
        self.assertEqual(item.agencies, ["د ب أ", "أ ف ب", "رويترز"])
        self.assertEqual(
            [image.archive_title for image in item.images],
            ["Botanischer Garten Gewächshaus", "Botanischer Garten Besucher"],
        )
        self.assertEqual(item.images[0].placement, "lead")
        self.assertEqual(item.images[1].caption, "زوار في الجناح الجديد.")
        self.assertEqual(item.images[1].credit, "Newsroom/Archiv")
        self.assertEqual(item.images[1].paragraph, 2)
        self.assertEqual(item.body_html.count("<p>"), 3)
        self.assertNotIn("اكتشاف", item.body_html)

    def test_german_page(self):
        item = pagetext.parse(GERMAN_PAGE.encode())[0]
        self.assertEqual(item.language, "de")
        self.assertEqual(timezone.localtime(item.published_at).date(), datetime.date(2023, 11, 14))
        self.assertEqual(item.agencies, ["dpa", "rtr"])
        self.assertEqual(item.initials, "nh/es")
        self.assertEqual(item.images, [])
        self.assertEqual(item.body_html.count("<p>"), 2)

    def test_egyptian_month_names_and_dates(self):
        self.assertEqual(pagetext.parse_date("٦ نوفمبر ٢٠١٦").date(), datetime.date(2016, 11, 6))
        self.assertEqual(pagetext.parse_date("3 أغسطس 2020").date(), datetime.date(2020, 8, 3))
        self.assertEqual(pagetext.parse_date("1. März 2021").date(), datetime.date(2021, 3, 1))
        self.assertIsNone(pagetext.parse_date("31.02.2020"))
        self.assertIsNone(pagetext.parse_date("ليس تاريخا"))

    def test_truncated_file_says_what_is_missing(self):
        with self.assertRaisesMessage(ParseError, "no date line"):
            pagetext.parse("\n".join(ARABIC_PAGE.splitlines()[:4]).encode())
        with self.assertRaisesMessage(ParseError, "no body paragraphs"):
            pagetext.parse("\n".join(ARABIC_PAGE.splitlines()[:9]).encode())

    def test_not_text(self):
        with self.assertRaisesMessage(ParseError, "not UTF-8"):
            pagetext.parse(b"\xff\xfe\x00binary")

    def test_auto_detection_picks_page_text(self):
        self.assertEqual(parse(ARABIC_PAGE.encode(), "page.txt")[0].format, "pagetext")


@needs_seed
class SeedImportTests(TestCase):
    """The reference article imports with every part exactly right."""

    def test_seed_imports_exactly(self):
        item = pagetext.parse(SEED.read_bytes())[0]
        summary = import_files([SEED])
        self.assertEqual(str(summary), "imported 1, updated 0, unchanged 0, failed 0")
        article = Article.objects.get()
        self.assertEqual(article.headline_ar, item.headline)
        self.assertTrue(article.headline_ar.endswith("الرقة"))
        self.assertFalse(article.has_language("de"))
        self.assertEqual(timezone.localtime(article.published_at_ar).date(), datetime.date(2016, 11, 6))
        self.assertEqual(article.short_code, "2SFM4")
        self.assertEqual(article.teaser_ar, item.teaser)
        self.assertTrue(article.teaser_ar.startswith("محادثات تركية أمريكية"))
        self.assertEqual(article.status_ar, Status.DRAFT)
        self.assertEqual(article.initials_ar, "ف.ي/أ.ح")
        self.assertEqual([source.code for source in article.ordered_sources()], ["afp", "reuters", "dpa"])
        self.assertEqual(article.credit_line("ar"), "ف.ي/أ.ح (ا ف ب، رويترز، د ب ا)")
        self.assertEqual(article.credit_line("de"), "(AFP, Reuters, dpa)")

        seed_lines = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
        captions = list(Caption.objects.filter(article=article).select_related("image"))
        self.assertEqual(len(captions), 2)
        lead, inline = captions
        self.assertEqual(lead.placement, Placement.LEAD)
        self.assertEqual(lead.image.archive_title, seed_lines[seed_lines.index("https://p.dw.com/p/2SFM4") + 1])
        self.assertTrue(lead.image.archive_title.startswith("Syrien Panzer"))
        self.assertEqual(lead.image.credit, "picture alliance/NurPhoto/J. Simkin")
        self.assertEqual(lead.text_ar, "")
        self.assertEqual(inline.placement, Placement.INLINE)
        self.assertEqual(inline.image.credit, "REUTERS/R. Said")
        self.assertTrue(inline.image.archive_title.startswith("Syrien Rebellen"))
        self.assertTrue(inline.text_ar.endswith("معركة الرقة."))
        self.assertEqual(inline.paragraph, 4)
        self.assertTrue(all(image.is_awaiting_file for image in Image.objects.all()))

        # Every body paragraph, in order: the long lines of the seed between the teaser and the initials line.
        start = seed_lines.index("https://p.dw.com/p/2SFM4")
        end = seed_lines.index("ف.ي/أ.ح (ا ف ب، رويترز، د ب ا)")
        expected = [line for line in seed_lines[start:end] if len(line) > 120]
        paragraphs = [p.removeprefix("<p>") for p in article.body_ar.split("</p>") if p.strip()]
        paragraphs = [p.strip().removeprefix("<p>") for p in paragraphs]
        self.assertEqual(len(paragraphs), 7)
        self.assertEqual([html.unescape(p) for p in paragraphs], expected)

    def test_reimport_changes_nothing(self):
        import_files([SEED])
        before = Article.objects.values().get()
        summary = import_files([SEED])
        self.assertEqual(str(summary), "imported 0, updated 0, unchanged 1, failed 0")
        self.assertEqual(Article.objects.values().get(), before)
        self.assertEqual(Caption.objects.count(), 2)
        self.assertEqual(Image.objects.count(), 2)

    def test_publish_flag(self):
        call_command("import_articles", str(SEED), "--publish", stdout=StringIO())
        article = Article.objects.get()
        self.assertTrue(article.is_published("ar"))
        self.assertEqual(timezone.localtime(article.published_at_ar).date(), datetime.date(2016, 11, 6))


class WriterTests(TestCase):
    def setUp(self):

        self.tmp = tempfile.mkdtemp()

    def test_import_update_and_unchanged(self):
        path = write(self.tmp, "a.txt", ARABIC_PAGE)
        self.assertEqual(import_files([path]).outcomes[0].status, CREATED)
        self.assertEqual(import_files([path]).outcomes[0].status, UNCHANGED)
        write(self.tmp, "a.txt", ARABIC_PAGE.replace("مجاني", "مجاني تماما"))
        self.assertEqual(import_files([path]).outcomes[0].status, UPDATED)
        self.assertEqual(Article.objects.count(), 1)
        self.assertIn("مجاني تماما", Article.objects.get().body_ar)

    def test_agency_spellings_map_to_sources(self):
        import_files([write(self.tmp, "a.txt", ARABIC_PAGE), write(self.tmp, "b.txt", GERMAN_PAGE)])
        arabic, german = Article.objects.order_by("short_code")
        self.assertEqual([s.code for s in arabic.ordered_sources()], ["dpa", "afp", "reuters"])
        self.assertEqual([s.code for s in german.ordered_sources()], ["dpa", "reuters"])
        self.assertFalse(Source.objects.filter(needs_naming=True).exists())

    def test_unknown_agency_is_created_for_an_editor_to_name(self):
        import_files([write(self.tmp, "c.txt", GERMAN_PAGE.replace("(dpa, rtr)", "(dpa, xyz)"))])
        source = Source.objects.get(needs_naming=True)
        self.assertEqual(source.name, "xyz")

    def test_failed_file_writes_nothing_and_batch_goes_on(self):
        good = write(self.tmp, "good.txt", GERMAN_PAGE)
        truncated = write(self.tmp, "truncated.txt", "\n".join(ARABIC_PAGE.splitlines()[:9]))
        missing = Path(self.tmp) / "missing.txt"
        summary = import_files([truncated, missing, good])
        self.assertEqual(str(summary), "imported 1, updated 0, unchanged 0, failed 2")
        failures = {Path(o.file).name: o.reason for o in summary.outcomes if o.status == FAILED}
        self.assertIn("no body paragraphs", failures["truncated.txt"])
        self.assertIn("No such file", failures["missing.txt"])
        self.assertEqual(Article.objects.get().short_code, "TEST2")

    def test_publish_refuses_incomplete_version_and_rolls_back(self):
        page = GERMAN_PAGE.replace(
            "https://p.dw.com/p/TEST2\n", "https://p.dw.com/p/TEST2\nNeues Bild Archiv\nBild: Newsroom/Test\n"
        )
        summary = import_files([write(self.tmp, "d.txt", page)], publish=True)
        self.assertEqual(summary.count(CREATED), 1)
        self.assertTrue(Article.objects.get().is_published("de"))

    def test_dry_run_writes_nothing(self):
        summary = import_files([write(self.tmp, "a.txt", ARABIC_PAGE)], dry_run=True)
        self.assertEqual(summary.count(CREATED), 1)
        self.assertFalse(Article.objects.exists())
        self.assertFalse(Image.objects.exists())

    def test_other_language_item_is_kept_as_wire_copy_unless_a_language_is_chosen(self):
        item = ParsedItem(identifier="x", language="en", headline="Hello", body_html="<p>World.</p>")
        outcome = import_items([item], **as_import_command())[0]
        self.assertEqual(outcome.status, WIRE)
        self.assertFalse(Article.objects.exists())
        self.assertEqual(WireItem.objects.get().language, "en")
        self.assertNotIn("--", outcome.reason)
        outcome = import_items([item], language="de", **as_import_command())[0]
        self.assertEqual(outcome.status, CREATED)
        self.assertEqual(outcome.article.headline_de, "Hello")


class ImportCommandTests(TestCase):
    def test_output_and_exit_code(self):

        tmp = tempfile.mkdtemp()
        good = write(tmp, "good.txt", GERMAN_PAGE)
        bad = write(tmp, "bad.txt", "Nur eine Zeile")
        out = StringIO()
        with self.assertRaises(CommandError) as raised:
            call_command("import_articles", str(good), str(bad), stdout=out)
        self.assertEqual(raised.exception.returncode, 1)
        text = out.getvalue()
        self.assertIn("good.txt", text)
        self.assertIn("bad.txt", text)
        self.assertIn("failed: no date line", text)
        self.assertIn("imported 1, updated 0, unchanged 0, failed 1", text)

    def test_folder_needs_recursive(self):

        tmp = tempfile.mkdtemp()
        write(tmp, "a.txt", ARABIC_PAGE)
        with self.assertRaisesMessage(CommandError, "--recursive"):
            call_command("import_articles", tmp, stdout=StringIO())
        out = StringIO()
        call_command("import_articles", tmp, "--recursive", "--language", "ar", stdout=out)
        self.assertIn("imported 1,", out.getvalue())
