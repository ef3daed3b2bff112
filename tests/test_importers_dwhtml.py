"""The DW article page parser: our own small pages (Arabic, German) and a real DW page in ../shared."""

import json
from datetime import UTC, datetime

import lxml.html
import pytest

from interchange.importers import dwhtml
from interchange.importers.base import ParsedItem, ParseError
from tests.factories import SAMPLES as SHARED_SAMPLES
from tests.factories import needs_samples

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
