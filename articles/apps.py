from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    """The content core: articles in each language, their sources, categories, pictures and captions."""

    name = "articles"
    verbose_name = _("Articles")
