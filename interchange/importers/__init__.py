"""
The importers: one module per input format, each an `Importer` (see base.py), and the registry that finds the format
of a file. `interchange.files` reads inputs from disk and zips; `interchange.writer` alone writes parsed items.
"""

from django.utils.translation import gettext

from . import dwhtml, newsml, ninjs, pagetext
from .base import ParsedImage, ParsedItem, ParseError, raise_first_error

# In the order detection tries them: the structured formats are recognised by their markers; page text accepts any
# text, so it comes last.
FORMATS = {
    "ninjs": ninjs,
    "newsml": newsml,
    "dwhtml": dwhtml,
    "pagetext": pagetext,
}

__all__ = ["FORMATS", "ParseError", "ParsedImage", "ParsedItem", "detect_format", "parse", "parse_each"]


def detect_format(data, name=""):
    for format_name, module in FORMATS.items():
        if module.detect(data, name):
            return format_name
    raise ParseError(gettext("the file is in no format the importer knows"))


def parse_each(data, name="", format="auto", language=None):
    """
    Parse one file's bytes into a list holding a `ParsedItem` for each good item and a `ParseError` for each bad
    one; raises `ParseError` when the file as a whole cannot be read.
    """
    if format == "auto":
        format = detect_format(data, name)
    try:
        module = FORMATS[format]
    except KeyError:
        raise ParseError(gettext("unknown format {format}").format(format=repr(format))) from None
    entries = module.parse_each(data, name, language=language)
    if not entries:
        raise ParseError(gettext("the file holds no news item"))
    for entry in entries:
        if isinstance(entry, ParsedItem):
            entry.format = entry.format or format
    return entries


def parse(data, name="", format="auto", language=None):
    """Like `parse_each`, but any bad item fails the whole file."""
    return raise_first_error(parse_each(data, name, format, language))
