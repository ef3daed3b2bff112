"""Template tags of the reader site: dates as each language prints them, JSON-LD, and responsive pictures."""

import json

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from articles import languages

register = template.Library()

# The characters json_script escapes, so a headline can never close the script element.
JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def page_language(code=None):
    return languages.get(code) if code else languages.current()


@register.filter
def local_digits(value, language=None):
    """`value` as text in the page language's digits (Arabic-Indic on Arabic pages)."""
    return page_language(language).digits_of(value)


@register.filter
def reader_date(value, language=None):
    """A date or datetime as readers of the page language expect it (`٦ نوفمبر ٢٠١٦`, `06.11.2016`)."""
    return page_language(language).format_date(value)


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


@register.inclusion_tag("reader/_picture.html")
def picture(image, sizes="100vw", alt="", loading="lazy", fetchpriority="", crop=""):
    """
    A `<picture>` with WebP and JPEG srcsets and intrinsic size, or nothing when the image has no file yet; `crop`
    ("16:9", "1:1") shows the teaser crop cut around the picture's focal point.
    """
    return {
        "image": image,
        "picture": (image.picture_of(crop) if crop else image.picture) if image else None,
        "sizes": sizes,
        "alt": alt,
        "loading": loading,
        "fetchpriority": fetchpriority,
    }


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
    """A category's, topic's or source's name in the page language."""
    return obj.display_name(get_language())


@register.simple_tag
def site_name():
    return settings.SITE_NAME


@register.filter
def url_in_language(obj):
    """An article's, category's or topic's address in the page language (never another language's version)."""
    return obj.get_absolute_url(get_language())
