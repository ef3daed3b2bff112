"""Which fields exist once per publishing language (django-modeltranslation adds `<field>_<code>` columns)."""

import reversion
from modeltranslation.translator import TranslationOptions, register

from . import languages
from .models import Article, ArticleSource, Caption, Category, Image, Source, Topic


@register(Article)
class ArticleTranslationOptions(TranslationOptions):
    # Publication state and time are translated too: each language version is published on its own.
    fields = (
        "headline",
        "slug",
        "teaser",
        "body",
        "initials",
        "status",
        "published_at",
        "scheduled_at",
        "search_document",
        "text_digest",
    )


@register(Source)
class SourceTranslationOptions(TranslationOptions):
    fields = ("name",)


@register(Category)
class CategoryTranslationOptions(TranslationOptions):
    fields = ("name", "slug")


@register(Topic)
class TopicTranslationOptions(TranslationOptions):
    fields = ("name", "slug")


@register(Image)
class ImageTranslationOptions(TranslationOptions):
    fields = ("alt_text",)


@register(Caption)
class CaptionTranslationOptions(TranslationOptions):
    fields = ("text",)


# Revisions of an article keep its captions and source links too, so a restore brings back the whole story.
# Registered here, after the translations: reversion fixes its field list at registration, and it must include
# the per-language columns (`headline_ar`, `headline_de`, ...).
reversion.register(ArticleSource)
reversion.register(Caption)
# Derived columns are left out: a restore saves the article again, which recomputes them. They are the search
# documents and vectors, and the original column of each translated field, which modeltranslation fills on save
# with the active language's value (every Arabic version's text was kept twice in each revision).
reversion.register(
    Article,
    follow=["source_links", "captions"],
    exclude=[
        *ArticleTranslationOptions.fields,
        "search_text",
        *languages.fields("search_document"),
        *languages.fields("search_vector"),
        *languages.fields("headline_vector"),
        *languages.fields("text_digest"),
    ],
)
# A picture's credit and alt text are what readers see too, as are the names of agencies, categories and topics on
# every page that shows them; their revisions say who changed them.
reversion.register(Image)
reversion.register(Source)
reversion.register(Category)
reversion.register(Topic)
