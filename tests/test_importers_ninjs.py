"""The ninjs parser: our own 1.x/2.x/3.x items, and IPTC's samples in ../shared when they are there."""

import json
from datetime import UTC, datetime

import pytest

from interchange.importers import ninjs
from interchange.importers.base import ParsedItem, ParseError
from tests.factories import SAMPLES as SHARED_SAMPLES
from tests.factories import needs_samples

SAMPLES = SHARED_SAMPLES / "ninjs"


def encode(obj):
    return json.dumps(obj, ensure_ascii=False).encode()


ITEM_2 = {
    "uri": "urn:test:ninjs2:1",
    "version": "3",
    "versioncreated": "2024-03-01T10:00:00+01:00",
    "firstcreated": "2024-03-01T09:00:00+01:00",
    "embargoed": "2024-03-02T06:00:00Z",
    "pubstatus": "usable",
    "language": "de-DE",
    "headlines": [{"role": "sub", "value": "Unterzeile"}, {"role": "main", "value": "Neue Brücke eröffnet"}],
    "descriptions": [{"role": "summary", "contenttype": "text/plain", "value": "Die Stadt feiert."}],
    "bodies": [
        {"role": "text", "contenttype": "text/plain", "value": "Erster Absatz.\n\nZweiter Absatz."},
        {"role": "html", "contenttype": "text/html", "value": "<p>Erster Absatz.</p><p>Zweiter Absatz.</p>"},
    ],
    "by": "Von Anna Beispiel",
    "located": "Bonn",
    "subjects": [{"name": "Verkehr", "uri": "http://example.org/s/1"}, {"uri": "http://example.org/s/2"}],
    "infosources": [{"name": "dpa"}, {"name": "AFP"}],
    "altids": [{"role": "internal", "value": "X-1"}, {"role": "shortcode", "value": "https://p.dw.com/p/4xYz1"}],
    "ednote": "Bitte nicht vor 6 Uhr senden.",
    "associations": [
        {
            "name": "main",
            "uri": "urn:test:pic:1",
            "type": "picture",
            "headlines": [{"value": "Brücke Bonn Eröffnung"}],
            "descriptions": [{"role": "caption", "value": "Die neue Brücke am Morgen"}],
            "copyrightholder": "Agentur Beispiel",
            "renditions": [
                {"name": "thumb", "href": "https://img.example.org/1-small.jpg", "width": 100, "height": 60},
                {"name": "big", "href": "https://img.example.org/1-big.jpg", "width": 1600, "height": 900},
            ],
        },
        {
            "name": "second",
            "uri": "urn:test:pic:2",
            "type": "picture",
            "by": "Fotografin B",
            "renditions": [{"name": "file", "href": "./pictures/2.jpg", "width": 800, "height": 600}],
        },
        {"name": "clip", "uri": "urn:test:video:1", "type": "video"},
    ],
}

ITEM_1 = {
    "uri": "urn:test:ninjs1:1",
    "type": "text",
    "versioncreated": "2024-02-01T08:00:00Z",
    "language": "ar",
    "headline": "افتتاح جسر جديد",
    "description_text": "المدينة تحتفل.",
    "body_text": "الفقرة الأولى.\n\nالفقرة الثانية.",
    "byline": "مراسل تجريبي",
    "subject": [{"name": "نقل", "code": "04000000"}, {"code": "11000000"}],
    "infosource": [{"name": "د ب أ"}],
    "associations": {
        "mainpic": {
            "uri": "urn:test:pic:ar",
            "type": "picture",
            "description_text": "الجسر صباحاً",
            "copyrightholder": "وكالة تجريبية",
            "renditions": {"large": {"href": "https://img.example.org/ar.jpg", "width": 1200, "height": 800}},
        }
    },
}

ITEM_3 = {
    "$schema": "http://www.iptc.org/std/ninjs/ninjs-schema_3.1.json#",
    "uri": "urn:test:ninjs3:1",
    "versionCreated": "2024-04-05T12:30:00Z",
    "contentCreated": "2024-04-05T11:00:00Z",
    "embargoedUntil": "2024-04-06T00:00:00Z",
    "pubStatus": "withheld",
    "language": "de",
    "headlines": [{"value": "Messe beginnt"}],
    "descriptions": [{"role": "abstract", "contentType": "text/html", "value": "<p>Viele <b>Gäste</b>.</p>"}],
    "bodies": [{"contentType": "text/plain", "value": "Ein Absatz.\nNoch einer."}],
    "altIds": [{"role": "short-code", "value": "4abCd"}],
    "infoSources": [{"name": "KNA"}],
    "edNote": "Intern: Quelle prüfen",
    "associations": [
        {
            "name": "pic",
            "uri": "urn:test:pic:3",
            "type": "picture",
            "copyrightHolder": "Foto Beispiel",
            "renditions": [{"name": "x", "href": "https://img.example.org/3.jpg", "width": 10, "height": 10}],
        }
    ],
}


def test_detect():
    assert ninjs.detect(encode(ITEM_2), "a.json")
    assert ninjs.detect(encode([ITEM_1]), "")
    assert ninjs.detect(encode(ITEM_3), "")
    assert not ninjs.detect(b"<?xml version='1.0'?><newsItem/>", "a.xml")
    assert not ninjs.detect(b'{"title": "x"}', "a.json")
    assert not ninjs.detect(b"", "")


def test_ninjs_2():
    (item,) = ninjs.parse(encode(ITEM_2), "two.json")
    assert isinstance(item, ParsedItem)
    assert item.identifier == "urn:test:ninjs2:1"
    assert item.format == "ninjs"
    assert item.language == "de"
    assert item.headline == "Neue Brücke eröffnet"
    assert item.teaser == "Die Stadt feiert."
    # The HTML body is preferred to the plain one.
    assert item.body_html == "<p>Erster Absatz.</p><p>Zweiter Absatz.</p>"
    assert item.version == "3"
    assert item.published_at == datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
    assert item.updated_at == datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
    assert item.embargoed_until == datetime(2024, 3, 2, 6, 0, tzinfo=UTC)
    assert item.byline == "Von Anna Beispiel"
    assert item.dateline == "Bonn"
    assert item.categories == ["Verkehr", "http://example.org/s/2"]
    assert item.agencies == ["dpa", "AFP"]
    assert item.short_code == "4xYz1"
    assert item.internal["ednotes"][0]["text"] == "Bitte nicht vor 6 Uhr senden."
    assert "6 Uhr" not in item.body_html + item.teaser + item.headline
    first, second = item.images
    assert first.identifier == "urn:test:pic:1"
    assert first.placement == "lead"
    assert first.caption == "Die neue Brücke am Morgen"
    assert first.credit == "Agentur Beispiel"
    assert first.archive_title == "Brücke Bonn Eröffnung"
    assert (first.remote_url, first.width, first.height) == ("https://img.example.org/1-big.jpg", 1600, 900)
    assert second.filename == "pictures/2.jpg" and second.remote_url == ""
    assert second.credit == "Fotografin B"
    assert second.placement == "inline"
    assert any("video" in warning for warning in item.warnings)


def test_ninjs_1():
    (item,) = ninjs.parse(encode(ITEM_1), "one.json")
    assert item.language == "ar"
    assert item.headline == "افتتاح جسر جديد"
    assert item.teaser == "المدينة تحتفل."
    assert item.body_html == "<p>الفقرة الأولى.</p><p>الفقرة الثانية.</p>"
    assert item.byline == "مراسل تجريبي"
    assert item.categories == ["نقل", "11000000"]
    assert item.agencies == ["د ب أ"]
    (image,) = item.images
    assert image.caption == "الجسر صباحاً"
    assert image.credit == "وكالة تجريبية"
    assert image.remote_url == "https://img.example.org/ar.jpg"


def test_ninjs_3_camel_case():
    (item,) = ninjs.parse(encode(ITEM_3), "three.json")
    assert item.headline == "Messe beginnt"
    assert item.pubstatus == "withheld"
    assert item.teaser == "Viele Gäste."
    assert item.body_html == "<p>Ein Absatz.</p><p>Noch einer.</p>"
    assert item.published_at == datetime(2024, 4, 5, 11, 0, tzinfo=UTC)
    assert item.updated_at == datetime(2024, 4, 5, 12, 30, tzinfo=UTC)
    assert item.embargoed_until == datetime(2024, 4, 6, tzinfo=UTC)
    assert item.short_code == "4abCd"
    assert item.agencies == ["KNA"]
    assert item.internal["ednotes"][0]["text"] == "Intern: Quelle prüfen"
    assert item.images[0].credit == "Foto Beispiel"


def test_language_override_and_other_languages():
    (item,) = ninjs.parse(encode(ITEM_2), "", language="ar")
    assert item.language == "ar"
    (item,) = ninjs.parse(encode({**ITEM_2, "language": "nb-NO"}), "")
    assert item.language == "nb"


def test_closing_line_goes_to_internal():
    body = "<p>Der Text.</p><p>dpa xyz/ab</p>"
    (item,) = ninjs.parse(encode({**ITEM_2, "bodies": [{"contenttype": "text/html", "value": body}]}), "")
    assert item.body_html == "<p>Der Text.</p>"
    assert item.internal["closing_line"] == "dpa xyz/ab"


def test_copyright_holder_as_agency_only_when_it_names_one():
    base = {k: v for k, v in ITEM_2.items() if k != "infosources"}
    (item,) = ninjs.parse(encode({**base, "copyrightholder": "KNA"}), "")
    assert item.agencies == ["KNA"]
    (item,) = ninjs.parse(encode({**base, "copyrightholder": "Copyright 2024 Beispiel GmbH"}), "")
    assert item.agencies == []


def test_several_items_in_a_file():
    bad = {"headlines": [{"value": "ohne uri"}]}
    results = ninjs.parse_each(encode([ITEM_2, bad, ITEM_3]), "many.json")
    assert [type(result) for result in results] == [ParsedItem, ParseError, ParsedItem]
    assert "uri" in results[1].reason
    assert "item 2" in str(results[1])
    with pytest.raises(ParseError):
        ninjs.parse(encode([ITEM_2, bad]), "many.json")


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"uri": ""}, "uri"),
        ({"uri": 5}, "uri"),
        ({"headlines": []}, "headline"),
        ({"headlines": "Titel"}, "headlines"),
        ({"headlines": [{"role": "main"}]}, "value"),
        ({"pubstatus": "published"}, "pubstatus"),
        ({"versioncreated": "gestern"}, "versioncreated"),
        ({"associations": [{"name": "a", "type": "picture"}]}, "uri"),
        ({"associations": ["urn:x"]}, "object"),
        ({"associations": [{"name": "a", "uri": "urn:a", "type": "picture", "colour": "red"}]}, "colour"),
        ({"subjects": [1, 2]}, "subjects"),
    ],
)
def test_invalid_items_are_rejected_with_a_reason(change, reason):
    with pytest.raises(ParseError) as caught:
        ninjs.parse(encode({**ITEM_2, **change}), "bad.json")
    assert reason in caught.value.reason


@pytest.mark.parametrize(
    "data, reason",
    [
        (b'{"uri": "urn:x", "headlines": [', "not valid JSON"),
        ('{"uri": "urn:x", "headlines": [{"value": "Stra\u00dfe"}]}'.encode("latin-1"), "not valid utf-8"),
        (b"[]", "no ninjs items"),
        (b"[" * 100_000 + b"]" * 100_000, "JSON"),
        (b"42", "object"),
    ],
)
def test_unreadable_files(data, reason):
    with pytest.raises(ParseError) as caught:
        ninjs.parse(data, "bad.json")
    assert reason.lower() in caught.value.reason.lower()


def test_unknown_top_level_properties_are_warnings():
    (item,) = ninjs.parse(encode({**ITEM_2, "x-vendor": {"a": 1}}), "")
    assert any("x-vendor" in warning for warning in item.warnings)


# The samples in ../shared: read, never copied into the project.


@needs_samples
@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.json")), ids=lambda path: path.name)
def test_sample_parses(path):
    data = path.read_bytes()
    source = json.loads(data)
    assert ninjs.detect(data, path.name)
    (item,) = ninjs.parse(data, path.name)
    assert item.identifier == source["uri"]
    headlines = source.get("headlines", [])
    assert item.headline == next((h["value"] for h in headlines if h.get("role") == "main"), headlines[0]["value"])
    assert item.body_html.startswith("<") == bool(source.get("bodies"))
    # firstcreated is the publication time; without it the item has only its version time.
    moment = item.published_at or item.updated_at
    assert moment is not None and moment.tzinfo is not None
    assert item.language == (source.get("language", "").split("-")[0].lower())


@needs_samples
def test_sample_details():
    def one(name):
        return ninjs.parse((SAMPLES / name).read_bytes(), name)[0]

    dpa = one("2.1_dpa_text.json")
    assert (dpa.language, dpa.version, dpa.agencies) == ("de", "2", ["dpa"])
    assert (dpa.published_at or dpa.updated_at) == datetime(2019, 5, 10, 14, 2, 28, tzinfo=UTC)
    assert dpa.body_html.count("<p>") == 9
    nb = one("2.1_ntb_text.json")
    assert nb.language == "nb"
    assert len(nb.categories) == 4
    assert nb.teaser and nb.internal["ednotes"]
    assert nb.updated_at > nb.published_at
    multimedia = one("2.2_007_multimedia.json")
    assert [image.placement for image in multimedia.images] == ["lead", "inline"]
    assert [(image.width, image.height) for image in multimedia.images] == [(429, 281), (280, 430)]
    assert all(image.remote_url.startswith("http://") and image.caption for image in multimedia.images)
    assert multimedia.dateline and multimedia.byline
    simple3 = one("3.1_004_simple_text_article.json")
    assert simple3.body_html.count("<p>") == 4


@needs_samples
@pytest.mark.parametrize("path", sorted((SAMPLES / "should_fail").glob("*.json")), ids=lambda path: path.name)
def test_should_fail_samples_are_rejected(path):
    with pytest.raises(ParseError) as caught:
        ninjs.parse(path.read_bytes(), path.name)
    assert "associations[0]" in caught.value.reason
