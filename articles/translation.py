"""Which fields exist once per language (django-modeltranslation adds `<field>_ar` and `<field>_de`)."""
from modeltranslation.translator import TranslationOptions, register

from .models import Article, Caption, Category, Image, Source


@register(Article)
class ArticleTranslationOptions(TranslationOptions):
    # Publication state and time are translated too: each language version is published on its own.
    fields = ("headline", "slug", "teaser", "body", "initials", "status", "published_at", "scheduled_at")


@register(Source)
class SourceTranslationOptions(TranslationOptions):
    fields = ("name",)


@register(Category)
class CategoryTranslationOptions(TranslationOptions):
    fields = ("name", "slug")


@register(Image)
class ImageTranslationOptions(TranslationOptions):
    fields = ("alt_text",)


@register(Caption)
class CaptionTranslationOptions(TranslationOptions):
    fields = ("text",)
