"""
Page text: the plain text of a DW article page as a browser copies it (the seed's format).

In order: numbered skip links, the headline, the date line (`٦ نوفمبر ٢٠١٦`, `6 تشرين الثاني 2016`, `06.11.2016`),
the teaser, the short link, then images (archive-title line + credit line, where a caption may run straight into the
credit: `Caption.صورة من: REUTERS/R. Said`) between body paragraphs, the initials-and-agencies line
`ف.ي/أ.ح (ا ف ب، رويترز، د ب ا)`, and the trailing "discover more" navigation.
"""

import datetime
import hashlib
import re
from html import escape
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext

from .base import ParsedImage, ParsedItem, ParseError, credit_line, strict

ARABIC_INDIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

ARABIC_MONTHS = {
    # Egyptian/Gulf style
    "يناير": 1,
    "فبراير": 2,
    "مارس": 3,
    "أبريل": 4,
    "ابريل": 4,
    "إبريل": 4,
    "مايو": 5,
    "يونيو": 6,
    "يونيه": 6,
    "يوليو": 7,
    "يوليه": 7,
    "أغسطس": 8,
    "اغسطس": 8,
    "سبتمبر": 9,
    "أكتوبر": 10,
    "اكتوبر": 10,
    "نوفمبر": 11,
    "ديسمبر": 12,
    # Levantine (Syriac) style
    "كانون الثاني": 1,
    "شباط": 2,
    "آذار": 3,
    "اذار": 3,
    "نيسان": 4,
    "أيار": 5,
    "ايار": 5,
    "حزيران": 6,
    "تموز": 7,
    "آب": 8,
    "اب": 8,
    "أيلول": 9,
    "ايلول": 9,
    "تشرين الأول": 10,
    "تشرين الاول": 10,
    "تشرين الثاني": 11,
    "كانون الأول": 12,
    "كانون الاول": 12,
}
GERMAN_MONTHS = {
    "januar": 1,
    "jänner": 1,
    "februar": 2,
    "märz": 3,
    "april": 4,
    "mai": 5,
    "juni": 6,
    "juli": 7,
    "august": 8,
    "september": 9,
    "oktober": 10,
    "november": 11,
    "dezember": 12,
}
_month_names = "|".join(sorted((re.escape(m) for m in ARABIC_MONTHS), key=len, reverse=True))
ARABIC_DATE = re.compile(rf"^(\d{{1,2}})\s+({_month_names})(?:\s*/\s*(?:{_month_names}))?\s+(\d{{4}})$")
GERMAN_NUMERIC_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
GERMAN_LONG_DATE = re.compile(r"^(\d{1,2})\.\s*([A-Za-zäÄ]+)\s+(\d{4})$")

SKIP_LINK = re.compile(r"^\d+\.\s+\S")
SHORT_LINK = re.compile(r"^https?://p\.dw\.com/p/([A-Za-z0-9]+)/?$")
CREDIT_MARKERS = ("صورة من:", "Bild:")
CREDIT_LINE = re.compile(r"^(?P<caption>.*?)(?:صورة من:|Bild:)\s*(?P<credit>.+)$")
FOOTER_MARKERS = (
    "تخطي إلى الجزء التالي",
    "اكتشاف المزيد",
    "المزيد من الموضوعات",
    "Zum nächsten Abschnitt springen",
    "Mehr entdecken",
    "Mehr zum Thema",
    "Weitere Themen",
)
ARABIC_LETTER = re.compile(r"[\u0600-\u06ff]")
LATIN_LETTER = re.compile(r"[A-Za-zÄÖÜäöüß]")


def detect(data, name=""):
    """Page text is the fallback: any UTF-8 text that is not markup or JSON."""
    # A multi-byte character may be cut at the end of the sniffed bytes, so decoding errors are left to parse().
    head = data[:2048].decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")
    return bool(head) and head[0] not in "<{["


def parse_each(data, name="", language=None):
    try:
        return [parse_text(decode(data), name=name, language=language)]
    except ParseError as error:
        return [error]


parse = strict(parse_each)


def decode(data):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ParseError(
            gettext("not UTF-8 text (byte {position} cannot be decoded)").format(position=error.start)
        ) from None
    if "\x00" in text:
        raise ParseError(gettext("binary data, not page text"))
    return text


def parse_date(line):
    """A date line in either language, as midnight in the newsroom's time zone; None when `line` is no date."""
    line = " ".join(line.translate(ARABIC_INDIC_DIGITS).split())
    day = month = year = None
    if match := ARABIC_DATE.match(line):
        day, month, year = int(match[1]), ARABIC_MONTHS[match[2]], int(match[3])
    elif match := GERMAN_NUMERIC_DATE.match(line):
        day, month, year = int(match[1]), int(match[2]), int(match[3])
    elif (match := GERMAN_LONG_DATE.match(line)) and match[2].lower() in GERMAN_MONTHS:
        day, month, year = int(match[1]), GERMAN_MONTHS[match[2].lower()], int(match[3])
    if day is None:
        return None
    try:
        return datetime.datetime(year, month, day, tzinfo=ZoneInfo(settings.TIME_ZONE))
    except ValueError:
        return None


def guess_language(text):
    arabic = len(ARABIC_LETTER.findall(text))
    latin = len(LATIN_LETTER.findall(text))
    return "ar" if arabic >= latin else "de"


def is_credit_line(line):
    return any(marker in line for marker in CREDIT_MARKERS)


def is_footer(line):
    return any(line.startswith(marker) for marker in FOOTER_MARKERS)


def parse_text(text, name="", language=None):
    # Lines are only trimmed: inner spacing (no-break spaces included) is the author's and stays as it is.
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    # Skip links come first as a numbered list; the headline is the first line after them.
    index = 0
    while index < len(lines) and SKIP_LINK.match(lines[index]):
        index += 1
    if index >= len(lines):
        raise ParseError(gettext("no headline: the file holds nothing after the skip links"))
    headline = lines[index]
    index += 1
    if index >= len(lines) or (published_at := parse_date(lines[index])) is None:
        found = lines[index][:60] if index < len(lines) else "the end of the file"
        message = gettext("no date line after the headline (found {found}); is this an article page?")
        raise ParseError(message.format(found=repr(found)))
    index += 1

    item = ParsedItem(
        identifier="",
        language=language or guess_language(headline),
        headline=headline,
        format="pagetext",
        published_at=published_at,
    )
    paragraphs = []
    pending_title = None  # a line that may be an image's archive title, decided by the line after it
    for line in lines[index:]:
        if is_footer(line):
            break
        if match := SHORT_LINK.match(line):
            item.short_code = match[1]
            item.identifier = f"https://p.dw.com/p/{match[1]}"
            continue
        if is_credit_line(line):
            credit = CREDIT_LINE.match(line)
            caption = credit["caption"].strip() if credit else ""
            item.images.append(
                ParsedImage(
                    archive_title=pending_title or "",
                    credit=(credit["credit"] if credit else "").strip(),
                    caption=caption,
                    placement="lead" if not paragraphs and not item.images else "inline",
                    paragraph=len(paragraphs),
                )
            )
            pending_title = None
            continue
        if pending_title is not None:
            paragraphs.append(pending_title)
            pending_title = None
        if closing := credit_line(line):
            item.initials, item.agencies = closing
            continue
        if not item.teaser and not paragraphs and not item.images and not item.short_code:
            item.teaser = line
            continue
        pending_title = line
    if pending_title is not None:
        paragraphs.append(pending_title)

    if not item.teaser:
        raise ParseError(gettext("no teaser after the date line; the file looks truncated"))
    if not paragraphs:
        raise ParseError(gettext("no body paragraphs; the file looks truncated"))
    if not item.identifier:
        # Without a short link, the text itself identifies the page, so a re-import still finds the article.
        digest = hashlib.sha256(f"{headline}\n{published_at:%Y-%m-%d}".encode()).hexdigest()[:20]
        item.identifier = f"pagetext:{digest}"
        item.warnings.append(gettext("no short link found; the article gets a new short code"))
    item.body_html = "\n".join(f"<p>{escape(paragraph, quote=False)}</p>" for paragraph in paragraphs)
    return item
