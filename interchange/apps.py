from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InterchangeConfig(AppConfig):
    """Agency and archive copy in, ninjs out: importers, the writer, exporters and the API."""

    name = "interchange"
    verbose_name = _("Agency copy and exchange")
