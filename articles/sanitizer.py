"""
Cleaning untrusted HTML (agency and archive bodies, and what the editor's browser sends) down to what an article body
may contain, and reading a clean body's structure: its blocks and the pictures the editor placed between them.

A picture placed in the text is an empty `<figure data-picture="KEY">`, KEY being its caption's `key`: the body says
where it stands and the caption says what it shows, in each language.
"""

import html as html_module
import re

import nh3
from django.utils.html import escape
from django.utils.safestring import SafeString
from lxml import etree
from lxml import html as lxml_html

ALLOWED_TAGS = {
    "p",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "b",
    "i",
    "u",
    "sub",
    "sup",
    "br",
    "a",
    "bdi",
    "span",
    "abbr",
    "cite",
    "q",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "figure",
    "figcaption",
}
PICTURE_MARKER_ATTRIBUTE = "data-picture"
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "figure": {PICTURE_MARKER_ATTRIBUTE},
    "abbr": {"title"},
    "q": {"cite"},
    "th": {"scope", "colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
    "*": {"lang", "dir"},
}


# Elements that stand on their own at the top of a body; anything else there is text that belongs in a paragraph.
BLOCK_TAGS = {"p", "h2", "h3", "h4", "blockquote", "ul", "ol", "table", "figure"}
BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n\s*")


def clean_html(html):
    """
    Return `html` with scripts, styles, event handlers and unknown tags removed (links get rel=noopener), and with
    text typed without tags made into paragraphs: a blank line starts a new one, a single line break stays a break.
    """
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        clean_content_tags={"script", "style"},
    ).strip()
    return paragraphs(cleaned)


def paragraphs(html):
    """
    Top-level text and inline markup of a clean body gathered into `<p>` paragraphs, split at blank lines; blocks
    are kept as they are. A body that is all blocks comes back unchanged.
    """
    # nh3's output is a sanitized body (every '<' starts a tag): one of blocks alone is cut, not parsed.
    if not html or _balanced_blocks(html) is not None:
        return html
    fragments = lxml_html.fragments_fromstring(html)
    if all(
        not isinstance(fragment, str) and fragment.tag in BLOCK_TAGS and not (fragment.tail or "").strip()
        for fragment in fragments
    ):
        return html
    out, run = [], []

    def close_run():
        text = "".join(run)
        run.clear()
        for part in BLANK_LINE.split(text):
            if part.strip():
                out.append("<p>" + part.strip().replace("\n", "<br>") + "</p>")

    for fragment in fragments:
        if isinstance(fragment, str):
            run.append(escape(fragment))
            continue
        tail, fragment.tail = fragment.tail, None
        if fragment.tag in BLOCK_TAGS:
            close_run()
            out.append(lxml_html.tostring(fragment, encoding="unicode"))
        else:
            run.append(lxml_html.tostring(fragment, encoding="unicode"))
        if tail:
            run.append(escape(tail))
    close_run()
    return "".join(out)


def picture_keys(html):
    """The keys of the pictures placed in a body, in reading order."""
    if not html or PICTURE_MARKER_ATTRIBUTE not in html:
        return []
    return [
        fragment.get(PICTURE_MARKER_ATTRIBUTE)
        for fragment in lxml_html.fragments_fromstring(html)
        if not isinstance(fragment, str) and fragment.tag == "figure" and fragment.get(PICTURE_MARKER_ATTRIBUTE)
    ]


def picture_key(block):
    """The picture key of one block from `split_blocks`, or None when the block is text."""
    if PICTURE_MARKER_ATTRIBUTE not in block:
        return None
    element = lxml_html.fragment_fromstring(str(block))
    return element.get(PICTURE_MARKER_ATTRIBUTE) if element.tag == "figure" else None


def without_picture_markers(html):
    """The body without the placed-picture markers, for readers of the HTML elsewhere (exports)."""
    if not html or PICTURE_MARKER_ATTRIBUTE not in html:
        return html
    return "".join(
        fragment if isinstance(fragment, str) else lxml_html.tostring(fragment, encoding="unicode")
        for fragment in lxml_html.fragments_fromstring(html)
        if isinstance(fragment, str) or not (fragment.tag == "figure" and fragment.get(PICTURE_MARKER_ATTRIBUTE))
    )


# The start or end tag of a block. In a sanitized body '<' and '>' are escaped in text and in attribute values
# alike (nh3 and lxml both write them as entities), so every '<' starts a real tag.
BLOCK_TAG = re.compile(r"<(/?)(?:p|h[2-4]|blockquote|ul|ol|table|figure)[\s>]")


def split_blocks(html):
    """
    The top-level blocks (paragraphs, headings, lists...) of an already sanitized body, each as safe markup, so
    pages can put pictures between them; stray top-level text becomes a paragraph of its own.
    """
    if not html or not html.strip():
        return []
    blocks = _balanced_blocks(html)
    return _parsed_blocks(html) if blocks is None else blocks


def _balanced_blocks(html):
    """
    The blocks of a body made only of balanced blocks (what the sanitizer writes), cut at their tags without
    parsing the body, which pages did on every request; None for anything else (text or inline markup between
    blocks, a tag left open), which lxml then reads.
    """
    blocks, depth, start, end = [], 0, 0, 0
    for tag in BLOCK_TAG.finditer(html):
        if tag[1]:
            depth -= 1
            if depth < 0:
                return None
            if not depth:
                end = html.index(">", tag.end() - 1) + 1
                blocks.append(SafeString(html[start:end]))
        else:
            if not depth:
                if html[end : tag.start()].strip():
                    return None
                start = tag.start()
            depth += 1
    if depth or html[end:].strip():
        return None
    return blocks


def _parsed_blocks(html):
    blocks = []
    for fragment in lxml_html.fragments_fromstring(html):
        if isinstance(fragment, str):
            if fragment.strip():
                blocks.append(SafeString(f"<p>{escape(fragment.strip())}</p>"))
            continue
        tail, fragment.tail = fragment.tail, None
        # The body was cleaned by clean_html on save; serialising its own elements adds nothing unsafe.
        # SafeString rather than mark_safe, which first checks each of a body's dozens of blocks for laziness.
        # lxml.html.tostring is this plus a regular expression for <meta> tags, which a cleaned body never holds.
        blocks.append(SafeString(etree.tostring(fragment, method="html", encoding="unicode")))
        if tail and tail.strip():
            blocks.append(SafeString(f"<p>{escape(tail.strip())}</p>"))
    return blocks


def text_of(html):
    """
    The text of some HTML for the search documents: what readers read, with entities as the characters they stand
    for. lxml, our sanitizer's parser, rather than Django's strip_tags, which runs Python's HTMLParser over a body at
    least twice and was the largest part of deriving an imported article's fields. Text without markup (a headline)
    is returned as it is, as strip_tags returns it.
    """
    if not html or "<" not in html or ">" not in html:
        return html or ""
    return lxml_html.fragment_fromstring(html, create_parent="div").text_content()


# Tags that end a word: blocks, list items, table cells, line breaks. Inline markup (b, a, span) may sit inside one.
WORD_BOUNDARY_TAG = re.compile(
    r"</?(?:p|h[1-6]|blockquote|ul|ol|li|table|thead|tbody|tfoot|tr|td|th|caption|figure|figcaption|br|hr|div|pre)"
    r"\b[^>]*>"
)
ANY_TAG = re.compile(r"<[^>]*>")


def body_text(html):
    """
    The text of a sanitized body for the search documents: a space where a block, item, cell or line ends, so the
    last word of one paragraph never runs into the first of the next (`text_of` joins them: "BerlinDie"), nothing
    for inline markup, and entities as the characters they stand for. Cut, not parsed: in a sanitized body every
    '<' starts a tag (see BLOCK_TAG).
    """
    if not html:
        return ""
    return html_module.unescape(ANY_TAG.sub("", WORD_BOUNDARY_TAG.sub(" ", html))).strip()
