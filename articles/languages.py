"""
The one home of per-language facts: the languages articles are published in, their column names, writing direction,
how they print dates and digits, which search configuration folds them, how they join lists, their Open Graph locale.

Codes come from MODELTRANSLATION_LANGUAGES (the publishing languages; the admin may speak another one), names from
LANGUAGES, direction from Django's own language info, and the rest from LANGUAGE_FACTS in settings with neutral
defaults: a third language is a settings change, a migration `makemigrations` writes, and translations.
"""

import datetime
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache

from django.conf import settings
from django.utils import dateformat, formats, timezone
from django.utils.translation import get_language, get_language_info
from modeltranslation.utils import build_localized_fieldname

WESTERN_DIGITS = "0123456789"

CODES = tuple(settings.MODELTRANSLATION_LANGUAGES)
DEFAULT = CODES[0]


@dataclass(frozen=True)
class Language:
    code: str
    date_format: str = "DATE_FORMAT"  # a Django date format string, or the name of a locale format
    digits: str = WESTERN_DIGITS  # the ten digits readers of this language see, zero first
    search_config: str = "simple"  # PostgreSQL text search configuration
    list_separator: str = ", "
    og_locale: str = ""

    @property
    def name(self):
        """The language's name in the current interface language (lazy)."""
        return dict(settings.LANGUAGES)[self.code]

    @cached_property
    def is_bidi(self):
        return get_language_info(self.code)["bidi"]

    @cached_property
    def direction(self):
        return "rtl" if self.is_bidi else "ltr"

    def field(self, name):
        """This language's column of a translated field (`headline` -> `headline_ar`)."""
        return build_localized_fieldname(name, self.code)

    @cached_property
    def digit_table(self):
        return str.maketrans(WESTERN_DIGITS, self.digits)

    def digits_of(self, text):
        """`text` with its Western digits written in this language's digits."""
        return str(text).translate(self.digit_table)

    def join(self, items):
        return self.list_separator.join(str(item) for item in items)

    def format_date(self, value):
        """A date or datetime as this language's readers expect it, in the newsroom's time zone and digits."""
        if not value:
            return ""
        if hasattr(value, "tzinfo") and timezone.is_aware(value):
            value = timezone.localtime(value, timezone.get_default_timezone())
        day = value.date() if isinstance(value, datetime.datetime) else value
        return formatted_day(day, self.code, get_language())


@lru_cache(maxsize=4096)
def formatted_day(day, code, interface_code):
    """
    One day as language `code` prints dates, with month names in the active language: remembered, since a list
    prints twenty dates and most of them are the same few days. A date has no time of day, so a format with one
    fails loudly here rather than printing a remembered time.
    """
    language = get(code)
    return language.digits_of(dateformat.format(day, formats.get_format(language.date_format, lang=code)))


@cache
def get(code):
    """The facts of one publishing language; KeyError for any other code."""
    if code not in CODES:
        raise KeyError(code)
    return Language(code, **settings.LANGUAGE_FACTS.get(code, {}))


def all_languages():
    return [get(code) for code in CODES]


def current():
    """The active language if articles are published in it, else the default publishing language."""
    code = get_language()
    return get(code if code in CODES else DEFAULT)


def interface():
    """The facts of the interface language (the admin's may be one articles are not published in: defaults then)."""
    code = get_language() or DEFAULT
    return get(code) if code in CODES else Language(code)


def newsroom_time(value):
    """
    A moment as the desk reads it: in the newsroom's time zone (TIME_ZONE) with the zone's name, so "14:00 CEST" is
    never mistaken for UTC, and the date as the interface language writes it.
    """
    if not value:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    zone = value.tzname() or ""
    return f"{formats.date_format(value, 'DATE_FORMAT')}, {value:%H:%M} {zone}".strip()


def short_time(value):
    """A moment in a list, short: the time alone today, the date alone before (in the newsroom's time zone)."""
    if not value:
        return ""
    value = timezone.localtime(value) if timezone.is_aware(value) else value
    if value.date() == timezone.localdate():
        return f"{value:%H:%M}"
    return formats.date_format(value, "SHORT_DATE_FORMAT")


# Cached: an import asks for some fifty column names per item, always the same few.
@cache
def field(name, code):
    return build_localized_fieldname(name, code)


def fields(name):
    """The columns of one translated field in every language, in order: an admin row shows them side by side."""
    return tuple(field(name, code) for code in CODES)


def join(items, code):
    """`items` as a list in language `code` (`، ` in Arabic); neutral commas for a language not published in."""
    return (get(code) if code in CODES else Language(code)).join(items)


def name(code):
    return get(code).name


def direction(code):
    """`rtl` or `ltr` for a language Django knows (agency copy comes in many), else `auto` for the browser to tell."""
    if code in CODES:
        return get(code).direction
    try:
        return "rtl" if get_language_info(code)["bidi"] else "ltr"
    except KeyError:
        return "auto"
