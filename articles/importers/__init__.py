"""
The importers: one module per input format, each with `detect(data, name)` and `parse(data, name, language)`,
and `writer`, which alone writes parsed items to the database.
"""
from django.conf import settings

from . import pagetext
from .base import ParsedImage, ParsedItem, ParseError, raise_first_error

# Order matters for detection: the structured formats are recognised by their markers, page text is what is left.
FORMATS = {"pagetext": pagetext}

__all__ = ["FORMATS", "ParseError", "ParsedImage", "ParsedItem", "detect_format", "parse", "parse_each"]


def register(name, module):
    FORMATS[name] = module
    # Page text accepts any text, so it is always tried last.
    FORMATS["pagetext"] = FORMATS.pop("pagetext")


def detect_format(data, name=""):
    for format_name, module in FORMATS.items():
        if module.detect(data, name):
            return format_name
    raise ParseError("the file is in no format the importer knows")


def parse_each(data, name="", format="auto", language=None):
    """
    Parse one file's bytes into a list holding a `ParsedItem` for each good item and a `ParseError` for each bad
    one; raises `ParseError` when the file as a whole cannot be read.
    """
    limit = settings.IMPORT_MAX_FILE_BYTES
    if len(data) > limit:
        raise ParseError(f"the file is {len(data):,} bytes; the limit is {limit:,}")
    if format == "auto":
        format = detect_format(data, name)
    try:
        module = FORMATS[format]
    except KeyError:
        raise ParseError(f"unknown format {format!r}") from None
    entries = module.parse_each(data, name, language=language)
    if not entries:
        raise ParseError("the file holds no news item")
    for entry in entries:
        if isinstance(entry, ParsedItem):
            entry.format = entry.format or format
    return entries


def parse(data, name="", format="auto", language=None):
    """Like `parse_each`, but any bad item fails the whole file."""
    return raise_first_error(parse_each(data, name, format, language))


from . import dwhtml, newsml, ninjs  # noqa: E402

register("ninjs", ninjs)
register("newsml", newsml)
register("dwhtml", dwhtml)
