"""Template tags of the reader site: dates as each language prints them, JSON-LD, and responsive pictures."""
import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

# How the seed pages print a date: `٦ نوفمبر ٢٠١٦` in Arabic, `06.11.2016` in German.
DATE_FORMATS = {"ar": "j F Y", "de": "d.m.Y"}
ARABIC_INDIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
# The characters json_script escapes, so a headline can never close the script element.
JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def local_digits(value, language=None):
    """`value` as text with Arabic-Indic digits on Arabic pages."""
    text = str(value)
    if (language or get_language()) == "ar":
        return text.translate(ARABIC_INDIC_DIGITS)
    return text


@register.filter
def reader_date(value, language=None):
    """A date or datetime as readers of the page language expect it, in the site's time zone."""
    if not value:
        return ""
    language = language or get_language()
    if hasattr(value, "tzinfo") and timezone.is_aware(value):
        value = timezone.localtime(value)
    return local_digits(formats.date_format(value, DATE_FORMATS.get(language, "DATE_FORMAT")), language)


@register.filter
def iso_datetime(value):
    if not value:
        return ""
    return timezone.localtime(value).isoformat(timespec="seconds") if timezone.is_aware(value) else value.isoformat()


@register.filter
def json_ld(data):
    """A `<script type="application/ld+json">` element, escaped like `json_script` (never concatenated)."""
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(JSON_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))  # noqa: S308 - escaped above


@register.inclusion_tag("articles/_picture.html")
def picture(image, sizes="100vw", alt="", loading="lazy", fetchpriority=""):
    """A `<picture>` with WebP and JPEG srcsets and intrinsic size, or nothing when the image has no file yet."""
    return {"image": image, "picture": image.picture if image else None, "sizes": sizes, "alt": alt, "loading": loading, "fetchpriority": fetchpriority}


@register.filter
def text_in(article, field):
    """An article's `field` in the page language (`{{ article|text_in:"headline" }}`)."""
    return article.text(field, get_language())


@register.filter
def alt_in_language(image):
    return image.alt_for(get_language()) if image else ""


@register.filter
def caption_in_language(caption):
    return caption.text_for(get_language()) if caption else ""


@register.filter
def published_in_language(article):
    return article.published_at_in(get_language())


@register.filter
def name_in_language(obj):
    """A category's or source's name in the page language."""
    return obj.display_name(get_language())


@register.simple_tag
def site_name():
    from django.conf import settings

    return settings.SITE_NAME


@register.filter
def url_in_language(obj):
    """An article's or category's address in the page language (never another language's version)."""
    return obj.get_absolute_url(get_language())
