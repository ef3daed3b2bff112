"""
What every importer shares: the neutral structure each parses its format into, the one error type they raise, the
interface a format module provides, and the helpers more than one format needs.

A parser never touches the database: it turns bytes into `ParsedItem`s (or `ParseError`s), and `interchange.writer`
alone writes them.
"""

import html as _html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import urlsplit

import lxml.html
from django.utils.translation import gettext
from lxml.etree import LxmlError

# The agency status values (ninjs and NewsML-G2 share them): usable items are news, withheld ones wait, canceled
# ones are withdrawn and never imported.
PUBSTATUSES = ("usable", "withheld", "canceled")
# What a malformed but syntactically valid item can raise deep inside a reader; reported as that item's ParseError.
READ_ERRORS = (ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError, LookupError, LxmlError)


class ParseError(ValueError):
    """An input (or one item of it) that cannot be imported; `reason` says what could not be read."""

    def __init__(self, reason, *, item=""):
        super().__init__(reason)
        self.reason = str(reason)
        self.item = item

    def __str__(self):
        return f"{self.item}: {self.reason}" if self.item else self.reason


def raise_first_error(results):
    """A `parse_each` result with its first `ParseError` raised instead of returned: what `parse` gives."""
    for result in results:
        if isinstance(result, ParseError):
            raise result
    return results


def strict(parse_each):
    """A format's `parse` made from its `parse_each`: the same items, but any bad item fails the whole file."""

    def parse(data, name="", language=None):
        return raise_first_error(parse_each(data, name, language))

    parse.__doc__ = "Like `parse_each`, but the first bad item raises its `ParseError`."
    return parse


@dataclass
class ParsedImage:
    archive_title: str = ""
    credit: str = ""
    caption: str = ""  # in the item's language
    alt_text: str = ""  # in the item's language
    placement: str = "inline"  # "lead" or "inline"
    paragraph: int = 0  # body paragraphs before an inline image
    identifier: str = ""  # the agency's id for the picture, if any
    remote_url: str = ""  # where the agency offers the file
    content: bytes | None = None  # the file itself, when the input carries it (relative path, zip member)
    filename: str = ""
    width: int | None = None
    height: int | None = None


@dataclass
class ParsedItem:
    identifier: str  # the source's identifier: ninjs uri, G2 guid, DW short link
    language: str  # as the item says (ISO 639-1); the writer imports it into a publishing language
    headline: str
    format: str = ""
    teaser: str = ""
    body_html: str = ""  # unsanitized; the writer sanitizes
    short_code: str = ""
    published_at: datetime | None = None
    updated_at: datetime | None = None
    version: str = ""
    initials: str = ""
    agencies: list[str] = field(default_factory=list)  # as the source spells them, in order
    categories: list[str] = field(default_factory=list)  # subject names or codes, in order
    topics: list[str] = field(default_factory=list)  # keywords, subject names, DW topics: in the item's language
    urgency: int | None = None  # 1 (a flash, dpa's "eil") to 9, as agencies count it
    byline: str = ""
    dateline: str = ""
    images: list[ParsedImage] = field(default_factory=list)
    embargoed_until: datetime | None = None
    pubstatus: str = "usable"  # usable / withheld / canceled
    internal: dict = field(default_factory=dict)  # ednotes, agency closing lines: never public
    warnings: list[str] = field(default_factory=list)


class Importer(Protocol):
    """
    What a format module provides (`interchange.importers.FORMATS` lists them in the order `detect` is tried).

    `detect` looks only at the first bytes and must be cheap. `parse_each` returns one entry per item in the file: a
    `ParsedItem`, or the `ParseError` saying why that item cannot be read; it raises `ParseError` only when the file as
    a whole cannot be read (encoding, syntax, no items). No other exception may escape it (`READ_ERRORS` are caught and
    reported as the item's ParseError). `parse` is `strict(parse_each)`.
    """

    FORMAT: str

    def detect(self, data: bytes, name: str = "") -> bool: ...

    def parse_each(self, data: bytes, name: str = "", language: str | None = None) -> list[ParsedItem | ParseError]: ...

    parse: Callable[..., list[ParsedItem]]


def unreadable(what, error):
    """The reason for an input a reader choked on: what could not be read (`item`, `page` or `file`), and why."""
    detail = f"{type(error).__name__}: {error}"
    messages = {
        "item": gettext("the item cannot be read ({detail})"),
        "page": gettext("the page cannot be read ({detail})"),
        "file": gettext("the file cannot be read ({detail})"),
    }
    return messages[what].format(detail=detail)


def guarded(function, label):
    """`function()`'s item, or the ParseError (labelled with the item) that reading it raised."""
    try:
        return function()
    except ParseError as error:
        error.item = error.item or label
        return error
    except READ_ERRORS as error:
        return ParseError(unreadable("item", error), item=label)


def dimension(value):
    """A picture's width or height as the feed states it, or None when it is no plausible pixel count."""
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if 0 < number < 1_000_000 else None


def largest(renditions):
    """The (href, width, height) with the most pixels among a picture's renditions (unknown sizes count as 0)."""
    best = None
    for href, width, height in renditions:
        if href and (best is None or (width or 0) * (height or 0) > (best[1] or 0) * (best[2] or 0)):
            best = (href, width, height)
    return best


def locate_picture(href, image, warnings, where=""):
    """
    Where a picture's file is: an absolute http(s) URL becomes its `remote_url`, a path relative to the item its
    `filename` (read from the item's own folder or zip, never outside it); anything else is refused with a warning.
    """
    prefix = f"{where}: " if where else ""
    parts = urlsplit(href)
    if parts.scheme in ("http", "https") and parts.netloc:
        image.remote_url = href
    elif not parts.scheme and not parts.netloc and href:
        path = re.sub(r"^(?:\./)+", "", parts.path)
        if path.startswith("/") or ".." in path.split("/") or "\\" in path or not path:
            message = gettext("the rendition path {path} leaves the import folder; ignored")
            warnings.append(prefix + message.format(path=repr(href[:80])))
        else:
            image.filename = path
    else:
        warnings.append(
            prefix
            + gettext("the rendition link {link} is neither a web address nor a relative path").format(
                link=repr(href[:80])
            )
        )


# An agency's sign-off line closing a wire text ("dpa kre/su", "dpa so yyon z2 a3 vni/dmo"): editor initials and
# routing codes meant for the newsroom, never for readers.
CLOSING_LINE_RE = re.compile(
    r"^\s*(?:dpa(?:-afx)?|afp|ap|rtr|reuters|epd|kna|sid|apa|sda|ots|dts)"
    r"(?:\s+[a-z0-9]{1,10})*\s+[a-z0-9]{1,10}(?:/[a-z0-9]{1,10})+\s*$"
)


# `ف.ي/أ.ح (ا ف ب، رويترز، د ب ا)` or `kle/jj (dpa, afp)`: short initials, then agencies in parentheses; DW closes its
# texts with it.
CREDIT_LINE_END = re.compile(r"^(?P<initials>[^\s()]{1,30}(?:\s*/\s*[^\s()]{1,30})*)\s*\((?P<agencies>[^()]{1,200})\)$")
AGENCY_SEPARATOR = re.compile(r"\s*[،,;]\s*")


def credit_line(line):
    """(initials, agencies) of a closing credit line (`kle/jj (dpa, afp)`), or None when `line` is none."""
    match = CREDIT_LINE_END.match(collapse_space(line))
    if not match or ("/" not in match["initials"] and "." not in match["initials"]):
        return None
    agencies = [name for name in AGENCY_SEPARATOR.split(match["agencies"].strip()) if name]
    return match["initials"], agencies


def decode_text(data, encoding="utf-8", what=None):
    """Decode bytes strictly; a wrong encoding is a ParseError that says where it goes wrong (in `what`)."""
    what = what or gettext("the file")
    try:
        text = data.decode(encoding)
    except LookupError:
        raise ParseError(
            gettext("{what} declares the unknown encoding {encoding}").format(what=what, encoding=repr(encoding))
        ) from None
    except UnicodeDecodeError as error:
        bad = data[error.start : error.start + 1]
        raise ParseError(
            gettext(
                "{what} is not valid {encoding}: byte 0x{byte} at position {position} (was it saved in another "
                "encoding?)"
            ).format(what=what, encoding=encoding, byte=bad.hex(), position=error.start)
        ) from None
    return text.removeprefix("\ufeff")


def parse_datetime_value(value, field_name, warnings=None):
    """An ISO 8601 / RFC 3339 date-time as an aware datetime; naive ones are taken as UTC, with a warning."""
    if not isinstance(value, str):
        raise ParseError(gettext("{field} is not a date-time string").format(field=field_name))
    text = value.strip()
    if text.endswith(("z", "Z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ParseError(
            gettext("{field} is not a date-time: {value}").format(field=field_name, value=repr(value[:40]))
        ) from None
    if parsed.tzinfo is None:
        if warnings is not None:
            warnings.append(gettext("{field} has no time zone; taken as UTC").format(field=field_name))
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def normalize_language(code):
    """The primary language subtag, lowercased ("de-AT" -> "de", "nb-NO" -> "nb"); "" when there is none."""
    if not isinstance(code, str):
        return ""
    primary = re.split(r"[-_]", code.strip(), maxsplit=1)[0].lower()
    return primary if re.fullmatch(r"[a-z]{2,8}", primary) else ""


def urgency_of(value):
    """An agency's urgency (or priority) 1-9 as a number, or None when it is none."""
    number = dimension(value)
    return number if number is not None and number <= 9 else None


# dpa marks its flashes "EIL" ("Eilmeldung") in the headline; other agencies "URGENT" / "عاجل".
FLASH_RE = re.compile(r"^\s*(?:eil(?:meldung)?|urgent|flash|عاجل)\s*[:+-]", re.IGNORECASE)


def is_flash(headline):
    return bool(FLASH_RE.match(headline or ""))


def unique(names):
    """`names` without blanks and repeats (compared folded), in order."""
    seen, result = set(), []
    for name in names:
        name = collapse_space(name)
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            result.append(name)
    return result


def collapse_space(text):
    return " ".join(str(text).split())


def text_to_html(text):
    """Plain text as HTML paragraphs: blank lines separate paragraphs, or single line breaks when there are none."""
    text = str(text).replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return ""
    blocks = re.split(r"\n\s*\n", text) if re.search(r"\n\s*\n", text) else text.split("\n")
    return "".join(f"<p>{_html.escape(collapse_space(block), quote=False)}</p>" for block in blocks if block.strip())


def strip_closing_line(body_html):
    """Remove an agency sign-off from the end of an HTML body; returns (body_html, closing_line or "")."""
    if not body_html or not re.search(r"(?i)\b(?:dpa|afp|ap|rtr|reuters|epd|kna|sid|apa|sda|ots|dts)\b", body_html):
        return body_html, ""
    root = lxml.html.fragment_fromstring(body_html, create_parent="div")
    paragraphs = [element for element in root.iter("p") if collapse_space(element.text_content())]
    if not paragraphs:
        return body_html, ""
    last = paragraphs[-1]
    line = collapse_space(last.text_content())
    # Only a sign-off that closes the text: nothing but whitespace may follow it.
    following = [el for el in last.itersiblings() if collapse_space(el.text_content())]
    if following or collapse_space(last.tail or "") or not CLOSING_LINE_RE.match(line):
        return body_html, ""
    last.drop_tree()
    parts = [_html.escape(root.text, quote=False)] if root.text else []
    parts += [lxml.html.tostring(child, encoding="unicode") for child in root]
    return "".join(parts).strip(), line
