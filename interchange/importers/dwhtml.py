"""
DW article pages (dw.com HTML, as saved from a browser or an archive crawl), one article per page, in every layout DW
has used since 2016, in any language of the site:

- the "classic" layout (until mid-2023): the article in `div.col3` with `h1`, the teaser as `p.intro`, the text in
  `div.longText`, pictures in `div.picBox`, and a fact list `ul.smallList` (date, authors, permalink, topic pages);
- the 2023 layout: the article in `<article>` with a `<header>` (`h1`, the teaser as its `p`), the text in
  `div.rich-text`, topics as links in `aside[data-tracking-name=related-topics]`;
- the 2024 layout: as 2023, with the teaser as `.teaser-text`, authors as `.author` and topics in the header's
  `.kicker`.

The visible page is read first; the page's JSON-LD NewsArticle, then its Open Graph and meta tags, fill in what it
lacks: headline, teaser, authors, date, topics. The text itself comes only from the page structure: a page whose
text cannot be found is refused with that reason (an article without a body is no article). The short link
`p.dw.com/p/CODE` gives `short_code` and the identifier; without it the article id (`a-12345678`) is the identifier.
Picture credits are split from captions at their "Bild:" / "صورة من:" prefix; the closing line of initials and
agencies (`ف.ي/أ.ح (ا ف ب، رويترز)`) becomes the initials and agencies.
"""

import copy
import json
import re
from datetime import UTC, datetime
from urllib.parse import urljoin

import lxml.html
from django.utils.translation import gettext

from articles import languages

from .base import (
    READ_ERRORS,
    ParsedImage,
    ParsedItem,
    ParseError,
    collapse_space,
    credit_line,
    decode_text,
    normalize_language,
    parse_datetime_value,
    strict,
    unique,
    unreadable,
)

FORMAT = "dwhtml"
DW_MARKERS = (b'content="dw.com"', b"p.dw.com/p/", b"static.dw.com/", b"www.dw.com/", b"www.dw.de/")
SHORT_LINK_RE = re.compile(r"https?://p\.dw\.(?:com|de)/p/([A-Za-z0-9]+)")
ARTICLE_ID_RE = re.compile(r"/(a-\d+)(?:[/?#]|$)")
CREDIT_PREFIX_RE = re.compile(
    r"^\s*(?:Bild|Bilder|Foto|Fotos|Grafik|صورة من|الصورة|صور من|Image|Photo|Picture)\s*:\s*", re.IGNORECASE
)
CREDIT_SPLIT_RE = re.compile(r"^(?P<caption>.*?)\s*(?:Bild|Foto|صورة من|Image|Photo)\s*:\s*(?P<credit>.+)$")
# Picture ids in DW's image addresses: `/image/68117452_605.jpg` now, `/image/0,,17859820_303,00.jpg` before 2016.
IMAGE_ID_RE = re.compile(r"/image/(?:0,,)?(\d+)_")
# The 16:9 ("MASTER_LANDSCAPE") sizes are 600-605, as a page's lead picture srcset lists them; 605 is the largest.
FORMAT_IDS = {"MASTER_LANDSCAPE": "605"}
BODY_TAGS = frozenset({"p", "h2", "h3", "h4", "ul", "ol", "blockquote", "table"})
KEPT_ATTRIBUTES = frozenset({"href", "dir", "lang"})
DAY_RE = re.compile(r"(\d{1,2})\s*[./]\s*(\d{1,2})\s*[./]\s*(\d{4})")
# What the classic layout's fact list calls its rows, in the site's languages.
AUTHOR_LABELS = ("autor", "author", "الكاتب", "الكاتبة", "كاتب", "auteur", "autor/in")
DATE_LABELS = ("datum", "date", "التاريخ", "fecha", "data")
TOPIC_LABELS = ("themenseite", "themen", "topic", "الموضوع", "صفحة", "صفحات", "ملفات")
KEYWORD_LABELS = ("schlagw", "keyword", "كلمات", "الكلمات")
DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


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
        return [ParseError(unreadable("page", error), item=name)]


parse = strict(parse_each)


def _decode(data):
    match = re.search(rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?([A-Za-z0-9._-]{1,40})", data[:4096], re.I)
    encoding = match.group(1).decode("ascii") if match else "utf-8"
    text = decode_text(data, encoding, gettext("the page"))
    # lxml refuses text that still carries an XML encoding declaration.
    return re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1)


def _first(root, xpath):
    found = root.xpath(xpath)
    return found[0] if found else None


def _by_class(root, name, tag="*"):
    return root.xpath(f".//{tag}[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]")


def _first_by_class(root, name, tag="*"):
    return next(iter(_by_class(root, name, tag)), None)


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


def _ld_text(article, key):
    value = article.get(key)
    return collapse_space(value) if isinstance(value, str) else ""


def _ld_authors(article):
    authors = article.get("author") or []
    authors = authors if isinstance(authors, list) else [authors]
    names = []
    for author in authors:
        name = author.get("name") if isinstance(author, dict) else author
        if isinstance(name, str) and collapse_space(name):
            names.append(collapse_space(name))
    # DW names itself as the author of agency texts; that is no byline.
    return [name for name in names if name.casefold() not in ("deutsche welle", "dw")]


def _ld_keywords(article):
    keywords = article.get("keywords") or []
    if isinstance(keywords, str):
        keywords = keywords.split(",")
    return [keyword for keyword in keywords if isinstance(keyword, str)] if isinstance(keywords, list) else []


def _split_names(text):
    return [name for name in re.split(r"\s*(?:,|،|\bund\b|\band\b| و )\s*", text) if name]


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
    """A picture's caption and credit: from `<figcaption>` with the credit in `<small>` (2023-), else from the
    classic layout's caption paragraph, where the credit follows "Bild:" / "صورة من:"."""
    caption_node = _first(figure, ".//figcaption")
    if caption_node is not None:
        credit_node = _first(caption_node, ".//small")
        credit = CREDIT_PREFIX_RE.sub("", _text(credit_node)).strip() if credit_node is not None else ""
        caption_copy = copy.deepcopy(caption_node)
        for small in caption_copy.xpath(".//small"):
            small.drop_tree()
        return _text(caption_copy), credit
    credit_node = next(iter(_by_class(figure, "credit") or _by_class(figure, "copyright")), None)
    credit = CREDIT_PREFIX_RE.sub("", _text(credit_node)).strip() if credit_node is not None else ""
    caption_node = _first(figure, ".//p") if figure.tag != "p" else figure
    caption = _text(caption_node)
    if credit_node is not None and credit and caption.endswith(_text(credit_node)):
        caption = caption[: -len(_text(credit_node))].strip()
    if not credit and (match := CREDIT_SPLIT_RE.match(caption)):
        caption, credit = match["caption"].strip(), match["credit"].strip()
    return caption, credit


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


def _image(figure, placement, paragraph, base_url):
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
    url = url or img.get("src") or ""
    if url.startswith("/") and base_url:
        url = urljoin(base_url, url)
    if url.startswith(("http://", "https://")):
        image.remote_url = url
        image.width = width or None
    match = IMAGE_ID_RE.search(url or img.get("data-url") or "")
    image.identifier = img.get("data-id") or (match.group(1) if match else "")
    return image


def _is_figure(element):
    classes = f" {element.get('class', '')} "
    return element.tag == "figure" or " picBox " in classes or " picbox " in classes.lower()


def _body(container, images, base_url, closing):
    """
    The text block as HTML; its pictures are added to `images` with the paragraphs before them, and a closing line
    of initials and agencies goes to `closing` instead of the text.
    """
    parts, paragraphs = [], 0
    for child in container:
        if not isinstance(child.tag, str):
            continue
        tag = child.tag.lower()
        if _is_figure(child):
            image = _image(child, "inline", paragraphs, base_url)
            if image is not None:
                images.append(image)
        elif tag == "div" and _first(child, ".//img") is not None and not _text(child):
            image = _image(child, "inline", paragraphs, base_url)
            if image is not None:
                images.append(image)
        elif tag in BODY_TAGS and _text(child):
            clean = _clean_copy(child, base_url)
            if tag in ("h3", "h4"):
                clean.tag = "h3"
            parts.append((tag, _text(child), lxml.html.tostring(clean, encoding="unicode", with_tail=False)))
            paragraphs += tag == "p"
    # Only the text's last paragraph can be its closing line.
    if parts and parts[-1][0] == "p" and (found := credit_line(parts[-1][1])):
        closing[:] = list(found)
        parts.pop()
    return "".join(markup for _tag, _text_, markup in parts)


def _facts(root):
    """The classic layout's fact list (`ul.smallList`): {"date", "authors", "topics", "keywords"} as found."""
    facts = {}
    for item in root.xpath("//ul[contains(concat(' ', normalize-space(@class), ' '), ' smallList ')]/li"):
        label_node = _first(item, "./strong")
        label = _text(label_node).casefold().rstrip(":")
        value_copy = copy.deepcopy(item)
        for strong in value_copy.xpath("./strong"):
            strong.drop_tree()
        value = _text(value_copy)
        if any(word in label for word in DATE_LABELS) and (match := DAY_RE.search(value.translate(DIGITS))):
            facts["date"] = match
        elif any(word in label for word in AUTHOR_LABELS):
            facts["authors"] = _split_names(value)
        elif any(word in label for word in KEYWORD_LABELS):
            facts["keywords"] = _split_names(value)
        elif any(word in label for word in TOPIC_LABELS) or item.xpath(".//a[contains(@href, '/t-')]"):
            facts["topics"] = [_text(link) for link in item.xpath(".//a") if _text(link)]
    return facts


def _layout(root):
    """The page's article parts: (layout, article scope, header scope, text block)."""
    classic = _first_by_class(root, "longText", "div")
    if classic is not None:
        scope = _first_by_class(root, "col3")
        scope = scope if scope is not None else classic.getparent()
        return "classic", scope, scope, classic
    article = _first(root, "//article") if root.xpath("//article") else root
    header = _first(article, ".//header")
    rich_text = _first_by_class(article, "rich-text", "div")
    layout = "2024" if header is not None and _by_class(header, "kicker") else "2023"
    return layout, article, header if header is not None else article, rich_text


def _parse_page(text, name, language):
    if not text.strip():
        raise ParseError(gettext("the page is empty"))
    root = lxml.html.document_fromstring(text)
    ld = _json_ld(root)
    layout, article, scope, text_block = _layout(root)
    facts = _facts(root) if layout == "classic" else {}
    warnings = []

    headline = (
        _text(_first(scope, ".//h1"))
        or _ld_text(ld, "headline")
        or re.sub(r"\s+[–|-]\s+DW\s+[–|-].*$", "", _meta(root, "og:title"))
    )
    if not headline:
        raise ParseError(gettext("the page has no article headline (no <h1> in the article, no JSON-LD headline)"))
    teaser = (
        _text(_first_by_class(scope, "teaser-text"))
        or _text(_first_by_class(scope, "intro", "p"))
        or (_text(_first(scope, "./p")) if layout == "2023" else "")
        or _ld_text(ld, "description")
        or _meta(root, "description")
        or _meta(root, "og:description")
    )
    authors = unique(_text(node) for node in _by_class(scope, "author")) or facts.get("authors") or _ld_authors(ld)

    if layout == "2024":
        kicker = _first_by_class(scope, "kicker")
        topics = [_text(child) for child in kicker if isinstance(child.tag, str) and _text(child)]
    elif layout == "2023":
        topics = [_text(link) for link in root.xpath("//aside[@data-tracking-name='related-topics']//a")]
    else:
        topics = facts.get("topics", [])
    keywords = facts.get("keywords", []) or _ld_keywords(ld) or _meta(root, "keywords").split(",")
    topics = unique([*topics, *(keywords if not topics else [])])

    html_node = _first(root, "//html")
    item_language = (
        normalize_language(language)
        or normalize_language(html_node.get("lang") if html_node is not None else "")
        or normalize_language(_ld_text(ld, "inLanguage"))
    )
    if not item_language:
        warnings.append(gettext("the page names no language"))

    published = updated = None
    if ld.get("datePublished"):
        published = parse_datetime_value(ld["datePublished"], "datePublished", warnings)
    elif _meta(root, "article:published_time"):
        published = parse_datetime_value(_meta(root, "article:published_time"), "article:published_time", warnings)
    if ld.get("dateModified"):
        updated = parse_datetime_value(ld["dateModified"], "dateModified", warnings)
    if published is None:
        shown = facts.get("date") or DAY_RE.search(_text(_first(scope, ".//time")).translate(DIGITS))
        if shown:
            day, month, year = (int(part) for part in shown.groups())
            published = datetime(year, month, day, tzinfo=UTC)
            warnings.append(gettext("the page gives only the day of publication; the time is taken as 00:00 UTC"))

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
        raise ParseError(gettext("the page has neither a p.dw.com short link nor an article id (a-12345678)"))

    base_url = url if url.startswith(("https://", "http://")) else "https://www.dw.com/"
    images = []
    for figure in [*article.xpath(".//figure"), *_by_class(article, "picBox", "div")]:
        if text_block is not None and (text_block in figure.iterancestors() or figure is text_block):
            continue
        if (image := _image(figure, "lead", 0, base_url)) is not None:
            images.append(image)
            break
    closing = []
    body_html = _body(text_block, images, base_url, closing) if text_block is not None else ""
    if not body_html:
        raise ParseError(
            gettext(
                "the page has no article text: none of DW's text blocks (rich-text, longText) was found or they are "
                "empty; is it a video, gallery or overview page?"
            )
        )
    initials, agencies = closing if closing else ("", [])

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
        initials=initials,
        agencies=agencies,
        categories=topics,
        topics=topics,
        images=images,
        warnings=warnings,
    )
