"""Cleaning untrusted HTML (agency and archive bodies) down to what an article body may contain."""

import nh3
from django.utils.html import escape
from django.utils.safestring import mark_safe
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
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "abbr": {"title"},
    "q": {"cite"},
    "th": {"scope", "colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
    "*": {"lang", "dir"},
}


def clean_html(html):
    """Return `html` with scripts, styles, event handlers and unknown tags removed; links get rel=noopener."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        clean_content_tags={"script", "style"},
    ).strip()


def split_blocks(html):
    """
    The top-level blocks (paragraphs, headings, lists...) of an already sanitized body, each as safe markup, so
    pages can put pictures between them; stray top-level text becomes a paragraph of its own.
    """
    if not html or not html.strip():
        return []
    blocks = []
    for fragment in lxml_html.fragments_fromstring(html):
        if isinstance(fragment, str):
            if fragment.strip():
                blocks.append(mark_safe(f"<p>{escape(fragment.strip())}</p>"))
            continue
        tail, fragment.tail = fragment.tail, None
        # The body was cleaned by clean_html on save; serialising its own elements adds nothing unsafe.
        blocks.append(mark_safe(lxml_html.tostring(fragment, encoding="unicode")))
        if tail and tail.strip():
            blocks.append(mark_safe(f"<p>{escape(tail.strip())}</p>"))
    return blocks
