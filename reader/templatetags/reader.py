"""Template tags of the reader site: dates as each language prints them, JSON-LD, and responsive pictures."""

import functools
import json

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

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


@register.simple_tag
def picture(image, sizes="100vw", alt="", loading="lazy", fetchpriority=""):
    """A `<picture>` with WebP and JPEG srcsets and intrinsic size, or nothing when the image has no file yet."""
    shown = image.picture if image else None
    if not shown:
        return ""
    # Built here rather than in an included template: a page prints many, and this is the costly part of a list.
    sources = format_html_join(
        "", '<source type="{}" srcset="{}" sizes="{}">', ((s["type"], s["srcset"], sizes) for s in shown["sources"])
    )
    srcset = format_html(' srcset="{}" sizes="{}"', shown["srcset"], sizes) if shown.get("srcset") else ""
    priority = format_html(' fetchpriority="{}"', fetchpriority) if fetchpriority else ""
    return format_html(
        '<picture>{}<img src="{}"{} width="{}" height="{}" alt="{}" loading="{}" decoding="async"{}></picture>',
        sources,
        shown["src"],
        srcset,
        shown["width"],
        shown["height"],
        alt,
        loading,
        priority,
    )


@register.simple_tag
def figure(caption, sizes, loading="lazy", fetchpriority=""):
    """A captioned picture as an article page shows it: `<figure>` with the caption and the credit."""
    image = caption.image
    language = get_language()
    text = caption.text_for(language)
    shown = picture(image, sizes=sizes, alt=image.alt_for(language), loading=loading, fetchpriority=fetchpriority)
    awaiting = "" if image.picture else " figure-awaiting-file"
    figcaption = ""
    if text or image.credit:
        figcaption = format_html(
            "<figcaption>{}{}</figcaption>",
            format_html('<span class="caption-text">{}</span> ', text) if text else "",
            format_html('<span class="credit">{} <bdi>{}</bdi></span>', gettext("Image:"), image.credit)
            if image.credit
            else "",
        )
    return format_html('<figure class="figure{}">\n  {}\n  {}\n</figure>', awaiting, shown, figcaption)


@register.simple_tag
def site_url(name):
    """`{% url name %}` for the site's own pages (no arguments), remembered per language: every page prints several."""
    return site_path(name, get_language(), get_script_prefix())


@functools.lru_cache(maxsize=256)
def site_path(name, language, script_prefix):
    return reverse(name)


@receiver(setting_changed)
def forget_site_paths(sender, setting, **kwargs):
    if setting == "ROOT_URLCONF":
        site_path.cache_clear()


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
    return settings.SITE_NAME


@register.filter
def url_in_language(obj):
    """An article's or category's address in the page language (never another language's version)."""
    return obj.get_absolute_url(get_language())
