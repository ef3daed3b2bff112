"""
Word-level differences between two versions of an article's text, paragraph by paragraph, for editors to read.

Bodies are compared as the paragraphs a reader sees (tags are not text), paragraphs are lined up first and then
compared word by word, so an inserted word is marked as one inserted word and not as a changed paragraph. The result
is data (`Row`s of `(op, text)` segments); templates mark it up (`admin/articles/_text_diff.html`), so every piece of
article text is escaped when shown.
"""

import difflib
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext
from lxml import html as lxml_html

from .sanitizer import PICTURE_MARKER_ATTRIBUTE

EQUAL, INSERT, DELETE = "equal", "insert", "delete"
# Words (any script: Arabic letters are word characters too) and single punctuation marks are compared; the space
# after each goes with it, so spacing never counts as common ground or as a change by itself.
TOKENS = re.compile(r"(\w+|[^\w\s])(\s*)")
SPACE = re.compile(r"\s+")


@dataclass
class Row:
    """One paragraph before and after: segments `(op, text)`, op being `equal`, `delete` (before) or `insert`."""

    before: list = field(default_factory=list)
    after: list = field(default_factory=list)

    @property
    def changed(self):
        return any(op != EQUAL for op, _text in (*self.before, *self.after))


# Blocks whose children are paragraphs of their own: each list item and each quoted paragraph is compared alone.
CONTAINERS = {"ul", "ol", "blockquote", "table", "thead", "tbody", "tr"}


def block_texts(element):
    """The paragraphs one top-level element holds, as text; a line break is a space, a placed picture [picture]."""
    if element.tag == "figure" and element.get(PICTURE_MARKER_ATTRIBUTE):
        return [gettext("[picture]")]
    if element.tag in CONTAINERS and len(element):
        texts = [element.text or ""]
        for child in element:
            texts.extend(block_texts(child))
            texts.append(child.tail or "")
        return texts
    for line_break in element.iter("br"):
        line_break.tail = " " + (line_break.tail or "")
    return [element.text_content()]


def html_paragraphs(html):
    """The text of each paragraph of a body (tags are not text), spaces collapsed."""
    if not html or not html.strip():
        return []
    texts = []
    for fragment in lxml_html.fragments_fromstring(html):
        if isinstance(fragment, str):
            texts.append(fragment)
            continue
        texts.extend(block_texts(fragment))
        texts.append(fragment.tail or "")
    return [paragraph for paragraph in (SPACE.sub(" ", text).strip() for text in texts) if paragraph]


def text_paragraphs(text):
    """Plain text (a headline, a teaser) as paragraphs: blank lines separate them."""
    return [SPACE.sub(" ", part).strip() for part in re.split(r"\n\s*\n", text or "") if part.strip()]


def merge(segments):
    """Adjacent segments of the same kind as one, so markup wraps whole runs of words."""
    merged = []
    for op, text in segments:
        if merged and merged[-1][0] == op:
            merged[-1] = (op, merged[-1][1] + text)
        else:
            merged.append((op, text))
    return merged


def compare_words(old, new):
    """One paragraph before and after, word by word."""
    a, b = TOKENS.findall(old), TOKENS.findall(new)
    words_a, words_b = [word for word, _space in a], [word for word, _space in b]
    before, after = [], []

    def text(tokens):
        return "".join(word + space for word, space in tokens)

    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, words_a, words_b, autojunk=False).get_opcodes():
        if tag == "equal":
            before.append((EQUAL, text(a[i1:i2])))
            after.append((EQUAL, text(b[j1:j2])))
            continue
        if i2 > i1:
            before.append((DELETE, text(a[i1:i2])))
        if j2 > j1:
            after.append((INSERT, text(b[j1:j2])))
    return Row(merge(before), merge(after))


def compare_paragraphs(old, new):
    """Two lists of paragraphs lined up (unchanged, removed, added, changed), changed ones compared word by word."""
    rows = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            rows.extend(Row([(EQUAL, text)], [(EQUAL, text)]) for text in old[i1:i2])
            continue
        removed, added = old[i1:i2], new[j1:j2]
        paired = min(len(removed), len(added))
        rows.extend(compare_words(removed[k], added[k]) for k in range(paired))
        rows.extend(Row(before=[(DELETE, text)]) for text in removed[paired:])
        rows.extend(Row(after=[(INSERT, text)]) for text in added[paired:])
    return rows


def compare_html(old, new):
    return compare_paragraphs(html_paragraphs(old), html_paragraphs(new))


def compare_text(old, new):
    return compare_paragraphs(text_paragraphs(old), text_paragraphs(new))
