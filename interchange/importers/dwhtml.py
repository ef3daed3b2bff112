"""
DW article pages (dw.com HTML, as saved from a browser or an archive crawl), one article per page.

The visible page is read first and the page's JSON-LD NewsArticle fills what it lacks: the headline, teaser, authors
and topics (the kicker) come from the article header, the body from its rich-text block (paragraphs, `<h2>` subheads,
lists and quotes; pictures become images, adverts are left out), the publication date from JSON-LD (the page shows
only the day). The short link `p.dw.com/p/CODE` gives `short_code` and the identifier; without it the article id
(`a-12345678`) is the identifier. Picture credits are split from captions at their "Bild:" / "صورة من:" prefix.
"""

import copy
import json
import re
from datetime import UTC, datetime

import lxml.html

from articles import languages

from .base import (
    READ_ERRORS,
    ParsedImage,
    ParsedItem,
    ParseError,
    collapse_space,
    decode_text,
    normalize_language,
    parse_datetime_value,
    strict,
)

FORMAT = "dwhtml"
DW_MARKERS = (b'content="dw.com"', b"p.dw.com/p/", b"static.dw.com/", b"www.dw.com/")
SHORT_LINK_RE = re.compile(r"https?://p\.dw\.com/p/([A-Za-z0-9]+)")
ARTICLE_ID_RE = re.compile(r"/(a-\d+)(?:[/?#]|$)")
CREDIT_PREFIX_RE = re.compile(r"^\s*(?:Bild|Bilder|Foto|Fotos|Grafik|صورة من|الصورة|صور من|Image|Photo)\s*:\s*")
IMAGE_ID_RE = re.compile(r"/image/(\d+)_")
# The 16:9 ("MASTER_LANDSCAPE") sizes are 600-605, as a page's lead picture srcset lists them; 605 is the largest.
FORMAT_IDS = {"MASTER_LANDSCAPE": "605"}
BODY_TAGS = frozenset({"p", "h2", "h3", "h4", "ul", "ol", "blockquote", "table"})
KEPT_ATTRIBUTES = frozenset({"href", "dir", "lang"})


def detect(data, name=""):
    """An HTML page that names dw.com."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not (head.startswith(b"<!doctype html") or head.startswith(b"<html") or b"<html" in head):
        return False
    return any(marker in data for marker in DW_MARKERS)


def parse_each(data, name="", language=None):
    """
    The page's article as a one-item list, or its `ParseError` in one; a page that cannot be decoded raises
    `ParseError`.
    """
    try:
        text = _decode(data)
    except ParseError as error:
        error.item = error.item or name
        raise
    try:
        return [_parse_page(text, name, language)]
    except ParseError as error:
        error.item = error.item or name
        return [error]
    except READ_ERRORS as error:
        return [ParseError(f"the page cannot be read ({type(error).__name__}: {error})", item=name)]


parse = strict(parse_each)


def _decode(data):
    match = re.search(rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?([A-Za-z0-9._-]{1,40})", data[:4096], re.I)
    encoding = match.group(1).decode("ascii") if match else "utf-8"
    text = decode_text(data, encoding, "the page")
    # lxml refuses text that still carries an XML encoding declaration.
    return re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1)


def _first(root, xpath):
    found = root.xpath(xpath)
    return found[0] if found else None


def _by_class(root, name, tag="*"):
    return root.xpath(f".//{tag}[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]")


def _text(element):
    return collapse_space(element.text_content()) if element is not None else ""


def _meta(root, key):
    node = _first(root, f"//meta[@property='{key}' or @name='{key}']")
    return collapse_space(node.get("content", "")) if node is not None else ""


def _json_ld(root):
    """The page's JSON-LD NewsArticle (or Article), or {}."""
    for script in root.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "")
        except (json.JSONDecodeError, RecursionError):
            continue
        candidates = data if isinstance(data, list) else data.get("@graph", [data]) if isinstance(data, dict) else []
        for candidate in candidates if isinstance(candidates, list) else []:
            if isinstance(candidate, dict) and str(candidate.get("@type", "")).endswith("Article"):
                return candidate
    return {}


def _ld_authors(article):
    authors = article.get("author") or []
    authors = authors if isinstance(authors, list) else [authors]
    names = []
    for author in authors:
        name = author.get("name") if isinstance(author, dict) else author
        if isinstance(name, str) and collapse_space(name):
            names.append(collapse_space(name))
    return names


def _clean_copy(element, base_url):
    """The element without the page's classes and styles, so only meaningful markup reaches the body."""
    clean = copy.deepcopy(element)
    clean.tail = None
    for node in clean.iter():
        # DW's editor leaves no-break spaces around links and words at random; they are not typography.
        node.text = _spaces(node.text)
        node.tail = _spaces(node.tail) if node is not clean else None
        if not isinstance(node.tag, str):
            continue
        for attribute in list(node.attrib):
            if attribute not in KEPT_ATTRIBUTES:
                del node.attrib[attribute]
    if base_url:
        # Links to DW topics and articles are site-relative; they must keep pointing at dw.com.
        clean.make_links_absolute(base_url, resolve_base_href=False)
    return clean


def _spaces(text):
    return re.sub(r"[ \t\r\n\xa0]+", " ", text) if text else text


def _caption_and_credit(figure):
    caption_node = _first(figure, ".//figcaption")
    if caption_node is None:
        return "", ""
    credit_node = _first(caption_node, ".//small")
    credit = CREDIT_PREFIX_RE.sub("", _text(credit_node)).strip() if credit_node is not None else ""
    caption_copy = copy.deepcopy(caption_node)
    for small in caption_copy.xpath(".//small"):
        small.drop_tree()
    return _text(caption_copy), credit


def _largest_source(srcset):
    best = ("", 0)
    for candidate in (srcset or "").split(","):
        parts = candidate.split()
        if not parts:
            continue
        width = int(parts[1][:-1]) if len(parts) > 1 and re.fullmatch(r"\d{1,6}w", parts[1]) else 0
        if width >= best[1]:
            best = (parts[0], width)
    return best


def _image(figure, placement, paragraph):
    img = _first(figure, ".//img")
    if img is None:
        return None
    caption, credit = _caption_and_credit(figure)
    image = ParsedImage(
        archive_title=collapse_space(img.get("alt") or img.get("title") or ""),
        caption=caption,
        credit=credit,
        placement=placement,
        paragraph=paragraph,
    )
    url, width = _largest_source(img.get("srcset"))
    if not url and img.get("data-url"):
        format_id = FORMAT_IDS.get(img.get("data-format", ""))
        url = img.get("data-url").replace("${formatId}", format_id) if format_id else ""
    if url.startswith(("http://", "https://")):
        image.remote_url = url
        image.width = width or None
    match = IMAGE_ID_RE.search(url or img.get("data-url") or "")
    image.identifier = img.get("data-id") or (match.group(1) if match else "")
    return image


def _body(rich_text, images, base_url):
    """The rich-text block as HTML; its pictures are added to `images` with the paragraphs before them."""
    parts, paragraphs = [], 0
    for child in rich_text:
        if not isinstance(child.tag, str):
            continue
        tag = child.tag.lower()
        if tag == "figure":
            image = _image(child, "inline", paragraphs)
            if image is not None:
                images.append(image)
        elif tag in BODY_TAGS and _text(child):
            clean = _clean_copy(child, base_url)
            if tag in ("h3", "h4"):
                clean.tag = "h3"
            parts.append(lxml.html.tostring(clean, encoding="unicode", with_tail=False))
            paragraphs += tag == "p"
    return "".join(parts)


def _parse_page(text, name, language):
    if not text.strip():
        raise ParseError("the page is empty")
    root = lxml.html.document_fromstring(text)
    ld = _json_ld(root)
    article = _first(root, "//article") if root.xpath("//article") else root
    header = _first(article, ".//header")
    scope = header if header is not None else article
    warnings = []

    headline = _text(_first(scope, ".//h1")) or collapse_space(str(ld.get("headline") or ""))
    if not headline:
        raise ParseError("the page has no article headline (no <h1> in the article, no JSON-LD headline)")
    teaser = (
        _text(next(iter(_by_class(scope, "teaser-text")), None))
        or _meta(root, "description")
        or _meta(root, "og:description")
    )
    authors = []
    for node in _by_class(scope, "author"):
        if _text(node) and _text(node) not in authors:
            authors.append(_text(node))
    authors = authors or _ld_authors(ld)
    topics = []
    for kicker in _by_class(scope, "kicker")[:1]:
        topics = [_text(child) for child in kicker if isinstance(child.tag, str) and _text(child)]

    html_node = _first(root, "//html")
    item_language = normalize_language(language) or normalize_language(
        html_node.get("lang") if html_node is not None else ""
    )
    if not item_language:
        warnings.append("the page names no language")

    published = updated = None
    if ld.get("datePublished"):
        published = parse_datetime_value(ld["datePublished"], "datePublished", warnings)
    if ld.get("dateModified"):
        updated = parse_datetime_value(ld["dateModified"], "dateModified", warnings)
    if published is None:
        shown = _text(_first(scope, ".//time"))
        match = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", shown)
        if match:
            day, month, year = (int(part) for part in match.groups())
            published = datetime(year, month, day, tzinfo=UTC)
            warnings.append("the page gives only the day of publication; the time is taken as 00:00 UTC")

    page_text = lxml.html.tostring(article, encoding="unicode")
    short = SHORT_LINK_RE.search(page_text) or SHORT_LINK_RE.search(text)
    canonical = _first(root, "//link[@rel='canonical']")
    url = (canonical.get("href", "") if canonical is not None else "") or _meta(root, "og:url")
    article_id = ARTICLE_ID_RE.search(url)
    if short:
        identifier = f"https://p.dw.com/p/{short.group(1)}"
    elif article_id:
        identifier = article_id.group(1)
    else:
        raise ParseError("the page has neither a p.dw.com short link nor an article id (a-12345678)")

    images = []
    rich_text = next(iter(_by_class(article, "rich-text", "div")), None)
    for figure in article.xpath(".//figure"):
        if rich_text is not None and rich_text in figure.iterancestors():
            continue
        if (image := _image(figure, "lead", 0)) is not None:
            images.append(image)
            break
    base_url = url if url.startswith(("https://", "http://")) else "https://www.dw.com/"
    body_html = _body(rich_text, images, base_url) if rich_text is not None else ""
    if not body_html:
        warnings.append("the page has no article text (no rich-text block)")

    return ParsedItem(
        identifier=identifier,
        language=item_language,
        headline=headline,
        format=FORMAT,
        teaser=teaser,
        body_html=body_html,
        short_code=short.group(1) if short else "",
        published_at=published,
        updated_at=updated,
        byline=languages.join(authors, item_language),
        categories=topics,
        images=images,
        agencies=[],
        warnings=warnings,
    )
