from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReaderConfig(AppConfig):
    """The public site: article pages, listings, search, feeds, sitemaps and the page cache."""

    name = "reader"
    verbose_name = _("Public site")

    def ready(self):
        # The page cache learns about content changes from the content's own save and delete signals, so the content
        # core knows nothing of how pages are cached. Imported here: it imports models, which load only once the
        # app registry is ready.
        from . import invalidation

        invalidation.connect_signals()
