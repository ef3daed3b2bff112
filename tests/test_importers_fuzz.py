"""
Property tests: whatever bytes arrive, a parser returns items or raises ParseError, never anything else.

Inputs are random bytes, random JSON trees (alone and grafted onto a valid ninjs item), XML-ish documents built from
G2 / NITF / XHTML element names, and truncated or mutated copies of our fixtures and of the samples in ../shared.
"""

import json

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from interchange import importers
from interchange.importers import dwhtml, newsml, ninjs
from interchange.importers.base import ParsedItem, ParseError
from tests.factories import SAMPLES

from .test_importers_dwhtml import PAGE_AR, PAGE_DE
from .test_importers_newsml import MESSAGE, NEWS_ITEM, NITF_ITEM
from .test_importers_ninjs import ITEM_1, ITEM_2, ITEM_3

pytestmark = pytest.mark.slow

MODULES = {"ninjs": ninjs, "newsml": newsml, "dwhtml": dwhtml}
FUZZ = hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


def sample_files():
    if not SAMPLES.is_dir():
        return []
    return sorted(
        path
        for pattern in ("ninjs/*.json", "ninjs/should_fail/*.json", "newsml-g2/*.xml", "dw-html/*.html")
        for path in SAMPLES.glob(pattern)
    )


SEEDS = (
    [json.dumps(item, ensure_ascii=False).encode() for item in (ITEM_1, ITEM_2, ITEM_3)]
    + [text.encode() for text in (NEWS_ITEM, NITF_ITEM, MESSAGE, PAGE_AR, PAGE_DE)]
    + [path.read_bytes() for path in sample_files()]
)


def assert_only_parse_errors(function, data):
    """Call a parser; anything it raises must be a ParseError, anything it returns a list of items and errors."""
    try:
        results = function(data)
    except ParseError as error:
        assert isinstance(error.reason, str) and error.reason
        return
    assert isinstance(results, list)
    for result in results:
        assert isinstance(result, (ParsedItem, ParseError))
        if isinstance(result, ParsedItem):
            assert isinstance(result.identifier, str) and result.identifier
            assert isinstance(result.headline, str) and result.headline
            assert isinstance(result.body_html, str)
            assert all(isinstance(value, str) for value in result.agencies + result.categories)
            for moment in (result.published_at, result.updated_at, result.embargoed_until):
                assert moment is None or moment.tzinfo is not None


def check_everything(data):
    for module in MODULES.values():
        module.detect(data, "fuzz")
        assert_only_parse_errors(lambda data, module=module: module.parse(data, "fuzz"), data)
        assert_only_parse_errors(lambda data, module=module: module.parse_each(data, "fuzz"), data)
        assert_only_parse_errors(lambda data, module=module: module.parse(data, "fuzz", language="ar"), data)
    assert_only_parse_errors(lambda data: importers.parse(data, "fuzz"), data)


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes(data):
    check_everything(data)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(
            st.sampled_from(
                sorted(ninjs.ASSOCIATION_PROPERTIES)
                + ["value", "role", "href", "width", "contenttype", "versionCreated", "altIds", "x"]
            ),
            children,
            max_size=6,
        )
    ),
    max_leaves=30,
)


@FUZZ
@given(json_values)
def test_random_json_trees(tree):
    data = json.dumps(tree).encode()
    assert_only_parse_errors(lambda data: ninjs.parse_each(data, "fuzz"), data)
    assert_only_parse_errors(lambda data: importers.parse(data, "fuzz"), data)


@FUZZ
@given(st.sampled_from([ITEM_1, ITEM_2, ITEM_3]), st.data())
def test_valid_ninjs_with_a_random_part(item, data):
    """A valid item with one property (or one association's property) replaced by anything JSON can hold."""
    item = json.loads(json.dumps(item))
    target = item
    if data.draw(st.booleans()) and isinstance(item.get("associations"), list):
        target = item["associations"][0]
    key = data.draw(st.sampled_from(sorted(target) + ["renditions", "descriptions", "subjects", "altids"]))
    target[key] = data.draw(json_values)
    encoded = json.dumps(item).encode()
    assert_only_parse_errors(lambda data: ninjs.parse(data, "fuzz"), encoded)


xml_names = st.sampled_from(
    [
        "newsItem",
        "packageItem",
        "newsMessage",
        "itemSet",
        "itemMeta",
        "contentMeta",
        "contentSet",
        "inlineXML",
        "inlineData",
        "remoteContent",
        "headline",
        "description",
        "by",
        "dateline",
        "edNote",
        "pubStatus",
        "itemClass",
        "subject",
        "name",
        "infoSource",
        "language",
        "versionCreated",
        "embargoed",
        "groupSet",
        "itemRef",
        "nitf",
        "body",
        "body.head",
        "body.content",
        "hedline",
        "hl1",
        "hl2",
        "p",
        "section",
        "header",
        "html",
        "a",
        "note",
    ]
)
xml_attributes = st.dictionaries(
    st.sampled_from(
        [
            "guid",
            "qcode",
            "role",
            "rank",
            "pubconstraint",
            "href",
            "width",
            "height",
            "tag",
            "version",
            "residref",
            "class",
            "contenttype",
            "literal",
        ]
    ),
    st.text(alphabet="abc:/.0123456789-ü ", max_size=12),
    max_size=3,
)


@st.composite
def xml_elements(draw, depth=0):
    name = draw(xml_names)
    attributes = "".join(f' {key}="{value}"' for key, value in draw(xml_attributes).items())
    text = draw(st.text(alphabet="ab <>&;üم\n", max_size=10)).replace("&", "&amp;").replace("<", "&lt;")
    children = draw(st.lists(xml_elements(depth + 1), max_size=3)) if depth < 5 else []
    return f"<{name}{attributes}>{text}{''.join(children)}</{name}>"


@FUZZ
@given(xml_elements(), st.booleans())
def test_random_g2_like_xml(body, wrap):
    namespace = 'xmlns="http://iptc.org/std/nar/2006-10-01/"'
    document = (
        f'<newsItem {namespace} guid="urn:fuzz" version="1">{body}</newsItem>'
        if wrap
        else body.replace(">", f" {namespace}>", 1)
    )
    data = document.encode()
    assert_only_parse_errors(lambda data: newsml.parse_each(data, "fuzz"), data)
    assert_only_parse_errors(lambda data: importers.parse(data, "fuzz"), data)


@FUZZ
@given(st.sampled_from(SEEDS), st.data())
def test_truncated_and_mutated_inputs(seed, data):
    cut = data.draw(st.integers(min_value=0, max_value=len(seed)))
    mutated = bytearray(seed[:cut] if data.draw(st.booleans()) else seed)
    for _ in range(data.draw(st.integers(min_value=0, max_value=8))):
        if not mutated:
            break
        position = data.draw(st.integers(min_value=0, max_value=len(mutated) - 1))
        mutated[position] = data.draw(st.integers(min_value=0, max_value=255))
    check_everything(bytes(mutated))


@pytest.mark.parametrize("depth", [50, 5000, 200_000])
def test_deep_nesting(depth):
    check_everything(b"[" * depth + b"]" * depth)
    check_everything(b'{"uri":"u","headlines":' + b"[" * depth + b"]" * depth + b"}")
    nested = b"<p>" * depth + b"x" + b"</p>" * depth
    check_everything(
        b'<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="g"><itemMeta/><contentMeta>'
        b"<headline>h</headline></contentMeta><contentSet><inlineXML><html><body>"
        + nested
        + b"</body></html></inlineXML></contentSet></newsItem>"
    )
    check_everything(
        b'<!doctype html><html lang="de"><body><article><h1>t</h1><div class="rich-text">'
        + nested
        + b'</div><a href="https://p.dw.com/p/abc">x</a></article></body></html>'
    )
