from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


# The admin's module, not its class: a second default AppConfig in this module would make "newsroom" ambiguous.
class NewsroomAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "newsroom.admin.NewsroomAdminSite"


class NewsroomConfig(AppConfig):
    """The project itself: health checks, the 503 page, two-factor setup, backup and restore."""

    default = True
    name = "newsroom"
    verbose_name = _("Newsroom operations")
