"""The DW article page parser: our own small pages (Arabic, German) and a real DW page in ../shared."""

import json
import tempfile
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import lxml.html
import pytest
from django.core.management import CommandError, call_command
from django.test import TestCase

from articles.models import Article, Image
from interchange.importers import dwhtml
from interchange.importers.base import ParsedItem, ParseError
from interchange.models import WireItem
from tests.factories import SAMPLES as SHARED_SAMPLES
from tests.factories import import_files, needs_samples

SAMPLES = SHARED_SAMPLES / "dw-html"

PAGE_AR = """<!doctype html>
<html lang="ar" dir="rtl">
<head>
  <meta charset="utf-8">
  <title>عنوان تجريبي – DW – 01.02.2024</title>
  <link rel="canonical" href="https://www.dw.com/ar/%D8%B9%D9%86%D9%88%D8%A7%D9%86/a-11112222">
  <meta property="og:site_name" content="dw.com">
  <script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",
    "headline":"عنوان تجريبي","author":[{"@type":"Person","name":"كاتب أول"}],
    "datePublished":"2024-02-01T08:30:00.000Z","dateModified":"2024-02-01T09:00:00.000Z"}</script>
</head>
<body>
<article>
  <header>
    <div class="kicker"><span>سياسة</span><span><a href="/ar/t-1"><span>ألمانيا</span></a></span></div>
    <h1 class="x">عنوان تجريبي</h1>
    <div class="author-details"><span class="author">كاتب أول</span><span class="author">كاتبة ثانية</span></div>
    <span class="time-area"><time>01.02.2024</time></span>
    <p class="teaser-text">ملخص قصير للمقال.</p>
  </header>
  <section><span>https://p.dw.com/p/4aBcD</span></section>
  <figure>
    <picture><img srcset="https://static.dw.com/image/123_600.jpg 78w, https://static.dw.com/image/123_605.jpg 1199w"
      alt="Deutschland Bonn Rhein Brücke"></picture>
    <figcaption>جسر فوق النهر<small class="copyright">صورة من: Beispiel/Agentur</small></figcaption>
  </figure>
  <div class="advertisement">إعلان</div>
  <div class="rich-text">
    <p>الفقرة&nbsp;الأولى مع <a class="internal-link" href="/ar/t-2">رابط</a>.</p>
    <figure class="placeholder-image"><img data-format="MASTER_LANDSCAPE" data-id="456"
      data-url="https://static.dw.com/image/456_${formatId}.jpg" alt="Archiv Titel zwei">
      <figcaption class="img-caption">صورة ثانية<small class="copyright">صورة من: مصور</small></figcaption>
    </figure>
    <h2>عنوان فرعي</h2>
    <p>الفقرة الثانية.</p>
    <span class="rich-text-ad"></span>
    <p>   </p>
  </div>
</article>
</body>
</html>
"""

PAGE_DE = """<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">
<meta property="og:url" content="https://www.dw.com/de/beispiel/a-33334444">
<meta name="description" content="Kurzer Vorspann."></head>
<body><article><header><h1>Ein Titel</h1><time>05.03.2024</time></header>
<div class="rich-text"><p>Nur ein Absatz.</p></div></article></body></html>
"""


def test_detect():
    assert dwhtml.detect(PAGE_AR.encode(), "a.html")
    assert dwhtml.detect(PAGE_DE.encode(), "")
    assert not dwhtml.detect(b"<html><body>example.org</body></html>", "a.html")
    assert not dwhtml.detect(b'{"uri": "dw.com"}', "a.json")


def test_arabic_page():
    (item,) = dwhtml.parse(PAGE_AR.encode(), "ar.html")
    assert isinstance(item, ParsedItem)
    assert item.format == "dwhtml"
    assert item.identifier == "https://p.dw.com/p/4aBcD"
    assert item.short_code == "4aBcD"
    assert item.language == "ar"
    assert item.headline == "عنوان تجريبي"
    assert item.teaser == "ملخص قصير للمقال."
    assert item.byline == "كاتب أول، كاتبة ثانية"
    assert item.categories == ["سياسة", "ألمانيا"]
    assert item.published_at == datetime(2024, 2, 1, 8, 30, tzinfo=UTC)
    assert item.updated_at == datetime(2024, 2, 1, 9, 0, tzinfo=UTC)
    assert item.body_html == (
        '<p>الفقرة الأولى مع <a href="https://www.dw.com/ar/t-2">رابط</a>.</p><h2>عنوان فرعي</h2><p>الفقرة الثانية.</p>'
    )
    lead, inline = item.images
    assert (lead.placement, lead.archive_title, lead.caption, lead.credit) == (
        "lead",
        "Deutschland Bonn Rhein Brücke",
        "جسر فوق النهر",
        "Beispiel/Agentur",
    )
    assert (lead.remote_url, lead.width, lead.identifier) == ("https://static.dw.com/image/123_605.jpg", 1199, "123")
    assert (inline.placement, inline.paragraph, inline.identifier) == ("inline", 1, "456")
    assert (inline.archive_title, inline.caption, inline.credit) == ("Archiv Titel zwei", "صورة ثانية", "مصور")
    assert inline.remote_url == "https://static.dw.com/image/456_605.jpg"


def test_page_without_short_link_or_json_ld():
    (item,) = dwhtml.parse(PAGE_DE.encode(), "de.html")
    assert item.identifier == "a-33334444" and item.short_code == ""
    assert item.teaser == "Kurzer Vorspann."
    assert item.published_at == datetime(2024, 3, 5, tzinfo=UTC)
    assert any("only the day" in warning for warning in item.warnings)
    assert item.body_html == "<p>Nur ein Absatz.</p>"


def test_language_override():
    (item,) = dwhtml.parse(PAGE_DE.encode(), "de.html", language="ar")
    assert item.language == "ar"


@pytest.mark.parametrize(
    "data, reason",
    [
        (PAGE_DE.encode("utf-16"), "not valid utf-8"),
        (PAGE_DE.replace("Ein Titel", "Ein Tit\u00e9l").encode("latin-1"), "not valid utf-8"),
        (PAGE_DE.replace("<h1>Ein Titel</h1>", "").encode(), "headline"),
        (PAGE_DE.replace("a-33334444", "x").encode(), "short link"),
        (b"", "empty"),
    ],
)
def test_refused_pages(data, reason):
    with pytest.raises(ParseError) as caught:
        dwhtml.parse(data, "bad.html")
    assert reason.lower() in caught.value.reason.lower()


# The real page in ../shared: compared with what a news parser extracted from it, never copied.


@needs_samples
def test_dw_sample_matches_the_expected_extraction():
    expected = json.loads((SAMPLES / "DW_2024_01_30.expected.json").read_text(encoding="utf-8"))
    data = (SAMPLES / "DW_2024_01_30.html").read_bytes()
    assert dwhtml.detect(data, "DW_2024_01_30.html")
    (item,) = dwhtml.parse(data, "DW_2024_01_30.html")
    assert item.headline == expected["title"]
    assert item.byline == ", ".join(expected["authors"])
    assert [item.teaser] == expected["body"]["summary"]
    assert item.categories == expected["topics"]
    assert item.published_at == datetime.fromisoformat(expected["publishing_date"])
    assert item.language == "de"
    assert item.short_code and item.identifier == f"https://p.dw.com/p/{item.short_code}"

    root = lxml.html.fragment_fromstring(item.body_html, create_parent="div")
    sections = [{"headline": [], "paragraphs": []}]
    for element in root:
        if element.tag == "h2":
            sections.append({"headline": [element.text_content()], "paragraphs": []})
        elif element.tag == "p":
            sections[-1]["paragraphs"].append(element.text_content())
    assert sections == expected["body"]["sections"]


@needs_samples
def test_dw_sample_pictures():
    (item,) = dwhtml.parse((SAMPLES / "DW_2024_01_30.html").read_bytes(), "DW_2024_01_30.html")
    assert [image.placement for image in item.images] == ["lead", "inline", "inline", "inline"]
    assert all(image.archive_title and image.caption and image.credit for image in item.images)
    assert not any(image.credit.startswith("Bild") for image in item.images)
    assert all(image.remote_url.startswith("https://static.dw.com/image/") for image in item.images)
    assert all(image.identifier.isdigit() for image in item.images)
    paragraphs = [image.paragraph for image in item.images[1:]]
    assert paragraphs == sorted(paragraphs) and paragraphs[0] == 1


# DW's earlier layouts, written by us after the structure news parsers read them by (fundus's DW parser, versions
# V1 until mid-2023 and V2 in 2023): our own text in DW's markup, in German and Arabic.

CLASSIC_DE = """<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8">
<title>Neue Brücke für Bonn | DW | 14.09.2021</title>
<meta name="keywords" content="Bonn, Rhein, Verkehr">
<meta property="og:title" content="Neue Brücke für Bonn | DW | 14.09.2021">
<link rel="canonical" href="https://www.dw.com/de/neue-bruecke-fuer-bonn/a-59181798">
</head><body><div id="bodyContent"><div class="col1">Navigation</div>
<div class="col3">
  <h1>Neue Brücke für Bonn</h1>
  <p class="intro">Die Stadt baut eine Brücke für Fußgänger über den Rhein.</p>
  <ul class="smallList">
    <li><strong>Datum</strong> 14.09.2021</li>
    <li><strong>Autorin/Autor</strong> Erika Muster, Max Beispiel</li>
    <li><strong>Themenseiten</strong> <a href="/de/bonn/t-100">Bonn</a>, <a href="/de/rhein/t-200">Rhein</a></li>
    <li><strong>Schlagwörter</strong> Bonn, Rhein, Brücke</li>
    <li><strong>Permalink</strong> https://p.dw.com/p/40Abc</li>
  </ul>
  <div class="picBox full"><a href="/de/bild/a-1">
    <img src="/image/59181792_303.jpg" alt="Bonn Rhein Brücke" title="Bonn Rhein Brücke"></a>
    <p>Die Brücke soll 2025 fertig sein. <span class="credit">Bild: Beispiel/Agentur</span></p></div>
  <div class="longText">
    <p>Der Stadtrat hat am Dienstag den Bau beschlossen.</p>
    <h2>Zwei Jahre Bauzeit</h2>
    <p>Die Arbeiten sollen im Frühjahr beginnen.</p>
    <div class="picBox"><img src="/image/59181800_303.jpg" alt="Baustelle">
      <p>Die Baustelle am Ufer Bild: Stadt Bonn</p></div>
    <p>Die Kosten liegen bei 30 Millionen Euro.</p>
    <p>em/mb (dpa, epd)</p>
  </div>
</div></div></body></html>
"""

CLASSIC_AR = """<!DOCTYPE html>
<html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>جسر جديد في بون | DW | 06.11.2016</title>
<link rel="canonical" href="https://www.dw.com/ar/%D8%AC%D8%B3%D8%B1/a-36281234">
</head><body><div class="col3">
  <h1>جسر جديد في بون</h1>
  <p class="intro">تبني المدينة جسرا للمشاة فوق نهر الراين.</p>
  <ul class="smallList">
    <li><strong>التاريخ</strong> ٠٦.١١.٢٠١٦</li>
    <li><strong>الكلمات المفتاحية</strong> بون، الراين</li>
    <li><strong>رابط مختصر</strong> https://p.dw.com/p/2SXyz</li>
  </ul>
  <div class="longText">
    <p>قرر مجلس المدينة يوم الثلاثاء بناء الجسر.</p>
    <p>وتبلغ التكلفة ثلاثين مليون يورو.</p>
    <p>ف.ي/أ.ح (ا ف ب، رويترز، د ب ا)</p>
  </div>
</div></body></html>
"""

LAYOUT_2023_DE = """<!doctype html><html lang="de"><head><meta charset="utf-8">
<meta property="og:site_name" content="dw.com">
<link rel="canonical" href="https://www.dw.com/de/impfung/a-65905555">
<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",
"headline":"Was Impfungen leisten",
"author":[{"@type":"Person","name":"Erika Muster"},{"@type":"Person","name":"Max Beispiel"}],
"datePublished":"2023-06-13T12:15:32.158Z"}</script></head>
<body><article><header><h1>Was Impfungen leisten</h1><p>Ein Vorspann über Impfungen.</p></header>
<div class="rich-text"><p>Erster Absatz.</p><h2>Ein Zwischentitel</h2><p>Zweiter Absatz.</p></div>
</article><aside data-tracking-name="related-topics">
<a href="/de/t-1">Gesundheit</a><a href="/de/t-2">Medizin</a></aside>
</body></html>
"""

FALLBACK_AR = """<!doctype html><html lang="ar"><head><meta charset="utf-8">
<meta property="og:title" content="عنوان من البيانات – DW – 01.02.2020">
<meta property="og:description" content="مقدمة من البيانات.">
<meta property="article:published_time" content="2020-02-01T07:00:00Z">
<meta property="og:url" content="https://www.dw.com/ar/x/a-52222222">
</head><body><article><div class="rich-text"><p>فقرة.</p></div></article></body></html>
"""

VIDEO_PAGE = """<!doctype html><html lang="de"><head><meta charset="utf-8">
<meta property="og:site_name" content="dw.com">
<link rel="canonical" href="https://www.dw.com/de/ein-video/av-65000000">
<script type="application/ld+json">{"@type":"NewsArticle","headline":"Ein Video",
"datePublished":"2024-01-01T08:00:00Z"}</script>
</head><body><article><header><h1>Ein Video</h1></header><div class="video-player"><video></video></div>
<p>https://p.dw.com/p/4Video</p></article></body></html>
"""


def test_classic_layout_german():
    (item,) = dwhtml.parse(CLASSIC_DE.encode(), "classic.html")
    assert item.identifier == "https://p.dw.com/p/40Abc"
    assert (item.headline, item.teaser) == (
        "Neue Brücke für Bonn",
        "Die Stadt baut eine Brücke für Fußgänger über den Rhein.",
    )
    assert item.byline == "Erika Muster, Max Beispiel"
    assert item.published_at == datetime(2021, 9, 14, tzinfo=UTC)
    assert item.topics == ["Bonn", "Rhein"]
    assert item.body_html == (
        "<p>Der Stadtrat hat am Dienstag den Bau beschlossen.</p><h2>Zwei Jahre Bauzeit</h2>"
        "<p>Die Arbeiten sollen im Frühjahr beginnen.</p><p>Die Kosten liegen bei 30 Millionen Euro.</p>"
    )
    assert (item.initials, item.agencies) == ("em/mb", ["dpa", "epd"])
    lead, inline = item.images
    assert (lead.placement, lead.caption, lead.credit, lead.identifier) == (
        "lead",
        "Die Brücke soll 2025 fertig sein.",
        "Beispiel/Agentur",
        "59181792",
    )
    assert lead.remote_url == "https://www.dw.com/image/59181792_303.jpg"
    assert (inline.placement, inline.paragraph, inline.caption, inline.credit) == (
        "inline",
        2,
        "Die Baustelle am Ufer",
        "Stadt Bonn",
    )


def test_classic_layout_arabic():
    (item,) = dwhtml.parse(CLASSIC_AR.encode(), "classic-ar.html")
    assert (item.language, item.short_code, item.headline) == ("ar", "2SXyz", "جسر جديد في بون")
    assert item.published_at == datetime(2016, 11, 6, tzinfo=UTC), "Arabic-Indic digits in the date"
    assert item.topics == ["بون", "الراين"]
    assert (item.initials, item.agencies) == ("ف.ي/أ.ح", ["ا ف ب", "رويترز", "د ب ا"])
    assert item.body_html.count("<p>") == 2


def test_2023_layout():
    (item,) = dwhtml.parse(LAYOUT_2023_DE.encode(), "2023.html")
    assert (item.headline, item.teaser) == ("Was Impfungen leisten", "Ein Vorspann über Impfungen.")
    assert item.byline == "Erika Muster, Max Beispiel"
    assert item.topics == ["Gesundheit", "Medizin"]
    assert item.published_at == datetime(2023, 6, 13, 12, 15, 32, 158000, tzinfo=UTC)
    assert item.identifier == "a-65905555"


def test_json_ld_and_open_graph_fill_what_the_page_lacks():
    (item,) = dwhtml.parse(FALLBACK_AR.encode(), "fallback.html")
    assert item.headline == "عنوان من البيانات"
    assert item.teaser == "مقدمة من البيانات."
    assert item.published_at == datetime(2020, 2, 1, 7, 0, tzinfo=UTC)
    assert item.identifier == "a-52222222"


@pytest.mark.parametrize(
    "page", [VIDEO_PAGE, PAGE_DE.replace("<p>Nur ein Absatz.</p>", "<span class='rich-text-ad'></span>")]
)
def test_a_page_without_article_text_is_refused(page):
    (error,) = dwhtml.parse_each(page.encode(), "video.html")
    assert isinstance(error, ParseError)
    assert "no article text" in error.reason


class DWImportTests(TestCase):
    def test_a_page_without_a_recognisable_body_fails_with_a_reason_and_writes_nothing(self):
        path = Path(tempfile.mkdtemp()) / "video.html"
        path.write_text(VIDEO_PAGE, encoding="utf-8")
        out = StringIO()
        with self.assertRaises(CommandError):
            call_command("import_articles", str(path), stdout=out)
        self.assertIn("failed: the page has no article text", out.getvalue())
        self.assertIn("imported 0, updated 0, unchanged 0, failed 1", out.getvalue())
        self.assertFalse(Article.objects.exists())
        self.assertFalse(WireItem.objects.exists())
        self.assertFalse(Image.objects.exists())

    def test_every_layout_imports(self):
        folder = Path(tempfile.mkdtemp())
        for name, page in (
            ("classic.html", CLASSIC_DE),
            ("classic-ar.html", CLASSIC_AR),
            ("2023.html", LAYOUT_2023_DE),
        ):
            (folder / name).write_text(page, encoding="utf-8")
        summary = import_files(sorted(folder.iterdir()))
        self.assertEqual(summary.count("created"), 3, [outcome.describe() for outcome in summary.outcomes])
        arabic = Article.objects.get(short_code="2SXyz")
        self.assertEqual(arabic.initials_ar, "ف.ي/أ.ح")
        self.assertEqual(arabic.credit_line("ar"), "ف.ي/أ.ح (ا ف ب، رويترز، د ب ا)")
        self.assertEqual(sorted(arabic.topics.values_list("name_ar", flat=True)), ["الراين", "بون"])


@needs_samples
class DWSampleImportTests(TestCase):
    def test_the_real_page_imports_with_its_topics(self):
        expected = json.loads((SAMPLES / "DW_2024_01_30.expected.json").read_text(encoding="utf-8"))
        summary = import_files([SAMPLES / "DW_2024_01_30.html"])
        article = summary.outcomes[0].article
        self.assertEqual(sorted(article.topics.values_list("name_de", flat=True)), sorted(expected["topics"]))
