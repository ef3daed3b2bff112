"""
The public site's templates (reader/jinja2/): their Jinja2 environment, filters and functions.

The public pages are Jinja2 (one of Django's own template backends) rather than Django templates for speed: an
uncached article page spent half its time in the template engine. The admin keeps Django's.

- Strings are marked `{{ _("...") }}`, placeholders filled with `|format(...)`, so `makemessages` finds them (it
  reads these files like Django templates); plurals are chosen here in Python (`page_label` and the others), where
  it finds them as well.
- Each render gets the page language's facts (`language`) and its translations' `gettext` once, rather than asking
  for the active language at every string and date (`page_context`, a context processor).
- Markup built here escapes every value it takes with markupsafe's `escape`; the result is marked `Markup`.
"""

import functools
import json

import jinja2.runtime
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.defaultfilters import linebreaksbr
from django.urls import get_script_prefix, reverse
from django.utils import timezone, translation
from django.utils.translation import get_language, get_language_info, gettext, gettext_noop, ngettext
from django.utils.translation.trans_real import translation as translations_of
from jinja2 import Environment, pass_context
from markupsafe import Markup, escape
from markupsafe._speedups import _escape_inner

from articles import languages

# Marked here for makemessages; translated with the page's catalogue where it is printed.
IMAGE_LABEL = gettext_noop("Image:")
# The characters json_script escapes, so a headline can never close the script element ("&" first).
JSON_SCRIPT_ESCAPES = (("&", "\\u0026"), ("<", "\\u003C"), (">", "\\u003E"))


def fast_escape(value, /):
    """
    markupsafe's `escape`, giving the same Markup, built as a plain string is (`str.__new__`) rather than through
    Markup's constructor, a Python function asking again whether the text has `__html__`. Jinja calls this for
    every value a template prints: a hundred times on an article page, 2% of an uncached request.
    """
    if type(value) is str:
        return str.__new__(Markup, _escape_inner(value))
    if hasattr(value, "__html__"):
        return str.__new__(Markup, value.__html__())
    return str.__new__(Markup, _escape_inner(str(value)))


# Compiled templates take `escape` from jinja2.runtime (`from jinja2.runtime import escape`), where it is
# markupsafe's; replaced before any template is compiled (this module builds the environment), and only if it is
# still markupsafe's own, so a Jinja release that escapes otherwise keeps its own.
if jinja2.runtime.escape is escape:
    jinja2.runtime.escape = fast_escape


def page_context(request):
    """What every public template reads: the page language's facts and its translations (once per render)."""
    return language_context(languages.current(), get_script_prefix())


def language_context(language, script_prefix):
    catalogue = translations_of(language.code)
    return {
        "language": language,
        # `_` too: Jinja's own `_` is an alias that looks `gettext` up and calls it, two calls per string.
        "_": catalogue.gettext,
        "gettext": catalogue.gettext,
        "ngettext": catalogue.ngettext,
        "script_prefix": script_prefix,
    }


# --- filters ------------------------------------------------------------------------------------------------


@pass_context
def local_digits(context, value):
    """`value` in the page language's digits (Arabic-Indic on Arabic pages)."""
    return context["language"].digits_of(value)


@pass_context
def reader_date(context, value):
    """A date or datetime as readers of the page language expect it (`٦ نوفمبر ٢٠١٦`, `06.11.2016`)."""
    return context["language"].format_date(value)


def iso_datetime(value):
    if not value:
        return ""
    if not timezone.is_aware(value):
        return value.isoformat()
    # The newsroom's zone (the public site never activates another), without asking for the active one each time.
    return timezone.localtime(value, timezone.get_default_timezone()).isoformat(timespec="seconds")


def local_date(value):
    """A date or datetime as `YYYY-MM-DD`, in the newsroom's time zone (sitemaps' lastmod)."""
    if hasattr(value, "tzinfo") and timezone.is_aware(value):
        value = timezone.localtime(value, timezone.get_default_timezone())
    return value.strftime("%Y-%m-%d")


def json_ld(data):
    """A `<script type="application/ld+json">` element, escaped like `json_script` (never concatenated)."""
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    # str.replace, not str.translate with a table: translate looks up every character of the text in the table.
    for character, escaped in JSON_SCRIPT_ESCAPES:
        payload = payload.replace(character, escaped)
    return Markup(f'<script type="application/ld+json">{payload}</script>')


@pass_context
def text_in(context, article, field):
    """An article's `field` in the page language (`{{ article|text_in("headline") }}`)."""
    return article.text(field, context["language"].code)


@pass_context
def published_in_language(context, article):
    return article.published_at_in(context["language"].code)


@pass_context
def name_in_language(context, obj):
    """A category's or source's name in the page language."""
    return obj.display_name(context["language"].code)


@pass_context
def url_in_language(context, obj):
    """An article's or category's address in the page language (never another language's version)."""
    return obj.get_absolute_url(context["language"].code)


# --- functions ----------------------------------------------------------------------------------------------


def picture(image, sizes="100vw", alt="", loading="lazy", fetchpriority="", crop=""):
    """
    A `<picture>` with WebP and JPEG srcsets and intrinsic size, or nothing when the image has no file yet; `crop`
    ("16:9", "1:1") shows the teaser crop cut around the picture's focal point.
    """
    shown = (image.picture_of(crop) if crop else image.picture) if image else None
    if not shown:
        return ""
    # Every value is escaped where it is put (a page prints many of these; string formatting of Markup is slower).
    sizes = escape(sizes)
    sources = "".join(
        f'<source type="{escape(source["type"])}" srcset="{escape(source["srcset"])}" sizes="{sizes}">'
        for source in shown["sources"]
    )
    srcset = f' srcset="{escape(shown["srcset"])}" sizes="{sizes}"' if shown.get("srcset") else ""
    priority = f' fetchpriority="{escape(fetchpriority)}"' if fetchpriority else ""
    return Markup(
        f'<picture>{sources}<img src="{escape(shown["src"])}"{srcset} width="{escape(shown["width"])}"'
        f' height="{escape(shown["height"])}" alt="{escape(alt)}" loading="{escape(loading)}" decoding="async"'
        f"{priority}></picture>"
    )


@pass_context
def figure(context, caption, sizes, loading="lazy", fetchpriority=""):
    """A captioned picture as an article page shows it: `<figure>` with the caption and the credit."""
    image = caption.image
    code = context["language"].code
    text = caption.text_for(code)
    shown = picture(image, sizes=sizes, alt=image.alt_for(code), loading=loading, fetchpriority=fetchpriority)
    awaiting = "" if image.picture else " figure-awaiting-file"
    figcaption = ""
    if text or image.credit:
        text = f'<span class="caption-text">{escape(text)}</span> ' if text else ""
        credit = context["gettext"]("Image:")
        credit = (
            f'<span class="credit">{escape(credit)} <bdi>{escape(image.credit)}</bdi></span>' if image.credit else ""
        )
        figcaption = f"<figcaption>{text}{credit}</figcaption>"
    return Markup(f'<figure class="figure{awaiting}">\n  {shown}\n  {figcaption}\n</figure>')


@functools.lru_cache(maxsize=256)
def static_url(path):
    """A static file's address, remembered: the files (and the manifest naming them) do not change while we run."""
    return staticfiles_storage.url(path)


@receiver(setting_changed)
def forget_static_urls(sender, setting, **kwargs):
    if setting in ("STATIC_URL", "STORAGES"):
        static_url.cache_clear()


@pass_context
def site_url(context, name, language=None):
    """An address of the site's own pages (no arguments), remembered per language: every page prints several."""
    page_language = context.get("language")
    if page_language is None:  # a template rendered without `page_context` (an error page)
        return site_path(name, language or get_language(), get_script_prefix())
    return site_path(name, language or page_language.code, context["script_prefix"])


@functools.lru_cache(maxsize=256)
def site_path(name, language, script_prefix):
    with translation.override(language):
        return reverse(name)


@receiver(setting_changed)
def forget_site_paths(sender, setting, **kwargs):
    if setting == "ROOT_URLCONF":
        site_path.cache_clear()


@pass_context
def chrome(context, part):
    """
    A part of every page that depends only on its language (reader/_chrome.html: the links in the head, the skip
    links, the menu, the empty search form, the footer), rendered once per language and address prefix: on an
    article page it was a third of the template's work, two dozen calls and escapes giving the same text each time.
    """
    language = context.get("language")
    if language is None:  # a template rendered without `page_context` (an error page)
        language, script_prefix = languages.current(), get_script_prefix()
    else:
        script_prefix = context["script_prefix"]
    return chrome_parts(context.environment, language, script_prefix)[part]


CHROME_PARTS = ("head", "header_start", "language_switch", "search_form", "footer")


@functools.lru_cache(maxsize=64)
def chrome_parts(environment, language, script_prefix):
    module = environment.get_template("reader/_chrome.html").make_module(language_context(language, script_prefix))
    return {part: Markup(getattr(module, part)()) for part in CHROME_PARTS}


@receiver(setting_changed)
def forget_chrome(sender, setting, **kwargs):
    # Everything the parts print: the site's name, its addresses, static files' addresses, the languages.
    if setting in ("SITE_NAME", "ROOT_URLCONF", "STATIC_URL", "STORAGES", "LANGUAGES", "LANGUAGE_CODE"):
        chrome_parts.cache_clear()


def url(name, *args, **kwargs):
    return reverse(name, args=args, kwargs=kwargs)


@pass_context
def querystring(context, **changes):
    """The page's query with `changes` (Django's `{% querystring %}`; None removes): `?category=3&page=2`."""
    query = context["request"].GET.copy()
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = value
    return f"?{query.urlencode()}"


@pass_context
def other_languages(context):
    """(code, name in its own language) of the publishing languages other than the page's."""
    current = context["language"].code
    return [(code, language_name(code)) for code in languages.CODES if code != current]


@functools.cache
def language_name(code):
    return get_language_info(code)["name_local"]


def site_name():
    return settings.SITE_NAME


@pass_context
def page_label(context, number, total=None):
    """`Page 3 of 50` in the page's digits, or `Page 3` for a list that is not counted."""
    digits = context["language"].digits_of
    if total is None:
        return gettext("Page %(number)s") % {"number": digits(number)}
    return ngettext("Page %(number)s of %(total)s", "Page %(number)s of %(total)s", total) % {
        "number": digits(number),
        "total": digits(total),
    }


@pass_context
def articles_label(context, count):
    shown = context["language"].digits_of(count)
    return ngettext("%(shown)s article", "%(shown)s articles", count) % {"shown": shown}


@pass_context
def results_label(context, count, query):
    shown = context["language"].digits_of(count)
    return ngettext("%(shown)s result for “%(query)s”", "%(shown)s results for “%(query)s”", count) % {
        "shown": shown,
        "query": query,
    }


def environment(**options):
    env = Environment(**options)
    # Old-style gettext: `_("...")` is the translation as it is; placeholders are filled with `|format(...)`. The
    # callables here serve templates rendered without `page_context` (error pages); it provides faster ones.
    env.install_gettext_callables(gettext, ngettext, newstyle=False)
    env.globals.update(
        static=static_url,
        chrome=chrome,
        url=url,
        site_url=site_url,
        site_name=site_name,
        other_languages=other_languages,
        language_name=language_name,
        querystring=querystring,
        picture=picture,
        figure=figure,
        page_label=page_label,
        articles_label=articles_label,
        results_label=results_label,
    )
    env.filters.update(
        local_digits=local_digits,
        reader_date=reader_date,
        iso_datetime=iso_datetime,
        local_date=local_date,
        json_ld=json_ld,
        text_in=text_in,
        published_in_language=published_in_language,
        name_in_language=name_in_language,
        url_in_language=url_in_language,
        linebreaksbr=lambda value: linebreaksbr(value, autoescape=True),
    )
    return env
