"""The NewsML-G2 parser: our own items (German, Arabic, packages, hostile XML) and IPTC's / dpa's samples."""

from datetime import UTC, datetime

import pytest

from interchange.importers import newsml
from interchange.importers.base import ParsedItem, ParseError
from tests.factories import SAMPLES as SHARED_SAMPLES
from tests.factories import needs_samples

SAMPLES = SHARED_SAMPLES / "newsml-g2"

NEWS_ITEM = """<?xml version="1.0" encoding="UTF-8"?>
<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="urn:test:g2:de:1" version="4" xml:lang="de">
  <itemMeta>
    <itemClass qcode="ninat:text"/>
    <provider qcode="nprov:test"><name>Testdienst</name></provider>
    <versionCreated>2024-05-02T12:00:00+02:00</versionCreated>
    <firstCreated>2024-05-02T11:00:00+02:00</firstCreated>
    <embargoed>2024-05-03T05:00:00Z</embargoed>
    <pubStatus qcode="stat:withheld"/>
    <edNote role="ednoterole:editorialnote">Sperrfrist beachten</edNote>
    <edNote role="ednoterole:contacts" pubconstraint="pconstraint:nonpublic">Telefon 0000</edNote>
  </itemMeta>
  <contentMeta>
    <infoSource qcode="is:test"><name>Beispielagentur</name></infoSource>
    <infoSource literal="Zweite Quelle"/>
    <subject qcode="medtop:1"><name xml:lang="en">weather</name><name xml:lang="de">Wetter</name></subject>
    <subject qcode="medtop:2"/>
    <language tag="de-DE"/>
    <headline rank="2">Dachzeile</headline>
    <headline rank="1">Sonne über Bonn</headline>
    <dateline>Bonn (test) - </dateline>
    <by>Von Berta Beispiel</by>
    <creditline>test</creditline>
    <description role="drol:summary">Ein warmer Tag.</description>
    <description role="drol:summary" pubconstraint="pconstraint:nonpublic">Nur intern</description>
  </contentMeta>
  <contentSet>
    <inlineXML contenttype="application/xhtml+xml">
      <html xmlns="http://www.w3.org/1999/xhtml">
        <head><title>Sonne über Bonn</title></head>
        <body>
          <header><h1>Sonne über Bonn</h1><p class="byline">Von Berta Beispiel</p></header>
          <section class="main">
            <p class="teaser">Ein warmer Tag.</p>
            <p>Erster   Absatz
               mit <a href="https://example.org/x" class="link">Link</a>.</p>
            <h2>Zwischentitel</h2>
            <p pubconstraint="pconstraint:nonpublic">Geheimer Absatz</p>
            <section class="np-nonpublic"><p>Kontakt: Redaktion</p></section>
            <p>Letzter Absatz.</p>
            <p>dpa xyz/ab</p>
          </section>
        </body>
      </html>
    </inlineXML>
  </contentSet>
</newsItem>
"""

NITF_ITEM = """<?xml version="1.0" encoding="UTF-8"?>
<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="urn:test:g2:ar:1" version="1" xml:lang="ar">
  <itemMeta>
    <itemClass qcode="ninat:text"/>
    <versionCreated>2024-06-01T09:00:00Z</versionCreated>
    <pubStatus qcode="stat:usable"/>
  </itemMeta>
  <contentMeta>
    <creator><name>مراسل تجريبي</name></creator>
    <located><name>القاهرة</name></located>
    <headline>افتتاح معرض الكتاب</headline>
  </contentMeta>
  <contentSet>
    <inlineXML contenttype="application/nitf+xml">
      <nitf xmlns="http://iptc.org/std/NITF/2006-10-18/">
        <head><docdata><ed-msg info="للتحرير فقط"/></docdata></head>
        <body>
          <body.head><abstract><p>زوار كثيرون.</p></abstract></body.head>
          <body.content>
            <p>الفقرة <person>الأولى</person>.</p>
            <hl2>عنوان فرعي</hl2>
            <block><p>الفقرة الثانية.</p></block>
            <note noteclass="editorsnote"><p>ملاحظة داخلية</p></note>
          </body.content>
        </body>
      </nitf>
    </inlineXML>
  </contentSet>
</newsItem>
"""

MESSAGE = """<?xml version="1.0" encoding="UTF-8"?>
<newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/">
  <header><sent>2024-07-01T10:00:00Z</sent></header>
  <itemSet>
    <packageItem guid="urn:test:pkg:1" version="1">
      <itemMeta><itemClass qcode="ninat:composite"/><versionCreated>2024-07-01T09:00:00Z</versionCreated></itemMeta>
      <groupSet root="G1"><group id="G1">
        <itemRef residref="urn:test:text:1"><itemClass qcode="ninat:text"/></itemRef>
        <itemRef residref="urn:test:pic:1"><itemClass qcode="ninat:picture"/></itemRef>
      </group></groupSet>
    </packageItem>
    <newsItem guid="urn:test:text:1" version="1" xml:lang="de">
      <itemMeta><itemClass qcode="ninat:text"/><versionCreated>2024-07-01T09:00:00Z</versionCreated></itemMeta>
      <contentMeta><headline>Markt öffnet</headline></contentMeta>
      <contentSet><inlineData contenttype="text/plain">Absatz eins.

Absatz zwei.</inlineData></contentSet>
    </newsItem>
    <newsItem guid="urn:test:pic:1" version="1" xml:lang="de">
      <itemMeta><itemClass qcode="ninat:picture"/><versionCreated>2024-07-01T08:00:00Z</versionCreated></itemMeta>
      <contentMeta>
        <creditline>Foto: Beispiel</creditline>
        <headline>Markt Stand Obst</headline>
        <description role="drol:caption">Obst am Stand</description>
      </contentMeta>
      <contentSet>
        <remoteContent rendition="rnd:thumb" href="https://img.example.org/m-small.jpg" width="80" height="60"/>
        <remoteContent rendition="rnd:highRes" href="./m.jpg" width="2000" height="1500"/>
      </contentSet>
    </newsItem>
    <newsItem guid="urn:test:text:2" version="1">
      <itemMeta><itemClass qcode="ninat:text"/><versionCreated>kein Datum</versionCreated></itemMeta>
      <contentMeta><headline>Kaputt</headline></contentMeta>
    </newsItem>
  </itemSet>
</newsMessage>
"""

LONE_PACKAGE = """<packageItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="urn:test:pkg:2" version="1">
  <itemMeta><itemClass qcode="ninat:composite"/><versionCreated>2024-07-01T09:00:00Z</versionCreated></itemMeta>
  <contentMeta>{headline}</contentMeta>
  <groupSet root="G1"><group id="G1"><itemRef residref="urn:elsewhere:1"/></group></groupSet>
</packageItem>
"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="urn:x"><contentMeta><headline>&lol3;</headline>
</contentMeta></newsItem>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE newsItem [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="urn:x"><contentMeta><headline>&secret;</headline>
</contentMeta></newsItem>
"""


def test_detect():
    assert newsml.detect(NEWS_ITEM.encode(), "a.xml")
    assert newsml.detect(MESSAGE.encode(), "")
    assert not newsml.detect(b'{"uri": "x"}', "a.json")
    assert not newsml.detect(b"<html><body>dw.com</body></html>", "a.html")
    assert not newsml.detect(b"", "")


def test_news_item_with_xhtml_body():
    (item,) = newsml.parse(NEWS_ITEM.encode(), "de.xml")
    assert isinstance(item, ParsedItem)
    assert item.identifier == "urn:test:g2:de:1"
    assert item.format == "newsml"
    assert (item.version, item.language, item.pubstatus) == ("4", "de", "withheld")
    assert item.headline == "Sonne über Bonn"
    assert item.teaser == "Ein warmer Tag."
    assert item.byline == "Von Berta Beispiel"
    assert item.dateline == "Bonn (test)"
    assert item.agencies == ["Beispielagentur", "Zweite Quelle"]
    assert item.categories == ["Wetter", "medtop:2"]
    assert item.published_at == datetime(2024, 5, 2, 9, 0, tzinfo=UTC)
    assert item.updated_at == datetime(2024, 5, 2, 10, 0, tzinfo=UTC)
    assert item.embargoed_until == datetime(2024, 5, 3, 5, 0, tzinfo=UTC)
    assert item.body_html == (
        '<p>Erster Absatz mit <a href="https://example.org/x">Link</a>.</p> <h2>Zwischentitel</h2> '
        "<p>Letzter Absatz.</p>"
    )


def test_non_public_content_goes_to_internal_only():
    (item,) = newsml.parse(NEWS_ITEM.encode(), "de.xml")
    public = " ".join([item.headline, item.teaser, item.body_html, item.byline, item.dateline, *item.categories])
    for secret in ("Sperrfrist", "Telefon", "Nur intern", "Geheimer", "Kontakt", "xyz/ab"):
        assert secret not in public
    notes = {note["text"]: note["nonpublic"] for note in item.internal["ednotes"]}
    assert notes == {"Sperrfrist beachten": False, "Telefon 0000": True}
    assert item.internal["closing_line"] == "dpa xyz/ab"
    hidden = [entry["text"] for entry in item.internal["nonpublic"]]
    assert "Nur intern" in hidden and "Geheimer Absatz" in hidden and "Kontakt: Redaktion" in hidden


def test_nitf_body_in_arabic():
    (item,) = newsml.parse(NITF_ITEM.encode(), "ar.xml")
    assert item.language == "ar"
    assert item.headline == "افتتاح معرض الكتاب"
    assert item.teaser == "زوار كثيرون."
    assert item.byline == "مراسل تجريبي"
    assert item.dateline == "القاهرة"
    assert item.body_html == "<p>الفقرة الأولى.</p> <h2>عنوان فرعي</h2> <p>الفقرة الثانية.</p>"
    texts = [note["text"] for note in item.internal["ednotes"]]
    assert "ملاحظة داخلية" in texts and "للتحرير فقط" in texts
    assert item.published_at == item.updated_at == datetime(2024, 6, 1, 9, 0, tzinfo=UTC)


def test_language_override():
    (item,) = newsml.parse(NITF_ITEM.encode(), "ar.xml", language="de")
    assert item.language == "de"


def test_news_message_with_package():
    results = newsml.parse_each(MESSAGE.encode(), "message.xml")
    assert [type(result) for result in results] == [ParsedItem, ParseError]
    text, broken = results
    assert text.identifier == "urn:test:text:1"
    assert text.body_html == "<p>Absatz eins.</p><p>Absatz zwei.</p>"
    (picture,) = text.images
    assert picture.identifier == "urn:test:pic:1"
    assert (picture.filename, picture.remote_url, picture.width, picture.height) == ("m.jpg", "", 2000, 1500)
    assert picture.caption == "Obst am Stand"
    assert picture.credit == "Foto: Beispiel"
    assert picture.archive_title == "Markt Stand Obst"
    assert picture.placement == "lead"
    assert broken.item == "urn:test:text:2"
    assert "versionCreated" in broken.reason
    with pytest.raises(ParseError):
        newsml.parse(MESSAGE.encode(), "message.xml")


def test_lone_package():
    with pytest.raises(ParseError, match="package holds no news item content"):
        newsml.parse(LONE_PACKAGE.format(headline="").encode(), "p.xml")
    (item,) = newsml.parse(LONE_PACKAGE.format(headline='<headline xml:lang="de">Überblick</headline>').encode(), "")
    assert item.headline == "Überblick" and item.language == "de" and item.body_html == ""
    assert item.internal["package_refs"][0]["residref"] == "urn:elsewhere:1"


@pytest.mark.parametrize(
    "data, reason",
    [
        (BILLION_LAUGHS, "entities"),
        (EXTERNAL_ENTITY, "entities"),
        (NEWS_ITEM.replace("über", "\u00fcber").encode("latin-1"), "not valid utf-8"),
        (NEWS_ITEM.encode()[:500], "not well-formed"),
        (b"<?xml version='1.0' encoding='no-such-codec'?><a/>", "unknown encoding"),
        (b'<rss xmlns:x="http://iptc.org/std/nar/2006-10-01/"><channel/></rss>', "not a NewsML-G2"),
        (b'<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/"/>', "guid"),
        (NEWS_ITEM.replace('qcode="stat:withheld"', 'qcode="stat:maybe"').encode(), "pubStatus"),
    ],
)
def test_refused_input(data, reason):
    with pytest.raises(ParseError) as caught:
        newsml.parse(data, "bad.xml")
    assert reason.lower() in caught.value.reason.lower()


def test_declared_single_byte_encoding_is_honoured():
    data = NEWS_ITEM.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').encode("latin-1")
    (item,) = newsml.parse(data, "latin.xml")
    assert item.headline == "Sonne über Bonn"


# The samples in ../shared: read, never copied into the project.


@needs_samples
def test_dpa_sample():
    (item,) = newsml.parse((SAMPLES / "dpa_with_dateline.xml").read_bytes(), "dpa.xml")
    assert item.identifier.startswith("urn:newsml:dpa.com:")
    assert (item.language, item.version, item.pubstatus, item.agencies) == ("de", "2", "usable", ["dpa"])
    assert item.updated_at == datetime(2025, 1, 28, 8, 18, 34, tzinfo=UTC)
    assert item.dateline.endswith("(dpa)")
    assert item.byline.endswith("dpa")
    assert item.teaser and item.headline
    assert item.body_html.count("<h2>") == 5
    assert "<h1>" not in item.body_html and item.teaser not in item.body_html
    assert len(item.categories) == 4
    # The contacts are marked non-public and the sign-off is a closing line: neither may reach the public text.
    contacts = [note["text"] for note in item.internal["ednotes"] if note["nonpublic"]]
    assert len(contacts) == 2
    public = item.headline + item.teaser + item.body_html + item.byline
    assert all(contact not in public for contact in contacts)
    assert "@" not in public
    assert item.internal["closing_line"].startswith("dpa ")
    assert item.internal["closing_line"] not in public


@needs_samples
def test_iptc_text_sample():
    (item,) = newsml.parse((SAMPLES / "iptc_LISTING_2_NewsML-G2_Text_Document.xml").read_bytes(), "t.xml")
    assert (item.language, item.version) == ("en", "11")
    assert item.body_html.count("<p>") == 2
    assert len(item.categories) == 3 and len(item.agencies) == 1
    assert item.byline and item.dateline and item.headline
    assert item.published_at < item.updated_at


@needs_samples
def test_iptc_photo_sample():
    (item,) = newsml.parse((SAMPLES / "iptc_LISTING_3_Photo_in_NewsML-G2.xml").read_bytes(), "p.xml")
    (image,) = item.images
    assert image.placement == "lead" and image.identifier == item.identifier
    assert (image.width, image.height) == (1500, 1001)
    assert image.filename.endswith(".jpg") and not image.filename.startswith(".")
    assert image.caption and image.credit and item.body_html == ""
    # A subject with names in several languages gives the one in the item's language.
    assert len(item.categories) == 5 and not any(":" in name for name in item.categories[1:])


@needs_samples
def test_iptc_package_sample():
    (item,) = newsml.parse((SAMPLES / "iptc_LISTING_6_Simple_NewsML-G2_Package.xml").read_bytes(), "pkg.xml")
    assert len(item.internal["package_refs"]) == 2
    assert item.internal["ednotes"] and item.language == "en"


@needs_samples
def test_iptc_nitf_fragment_sample():
    name = "iptc_LISTING_25_An_NITF_marked-up_article_conveyed_in_inlineXML.xml"
    (item,) = newsml.parse((SAMPLES / name).read_bytes(), name)
    assert item.identifier == name
    assert item.headline and item.teaser and item.byline
    assert item.body_html.count("<p>") == 1


@needs_samples
@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.xml")), ids=lambda path: path.name)
def test_every_sample_is_detected_and_parsed(path):
    data = path.read_bytes()
    assert newsml.detect(data, path.name)
    items = newsml.parse(data, path.name)
    assert items and all(item.headline for item in items)
