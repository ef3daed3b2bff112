from axes import apps as axes_apps
from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp import apps as totp_apps


# The admin's module, not its class: a second default AppConfig in this module would make "newsroom" ambiguous.
class NewsroomAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "newsroom.admin.NewsroomAdminSite"


class NewsroomConfig(AppConfig):
    """The project itself: health checks, the 503 page, two-factor setup, backup and restore."""

    default = True
    name = "newsroom"
    verbose_name = _("Newsroom operations")


# The two login-protection apps name themselves in English only (axes by its label, otp_totp by its label and a plain
# string for its model), so the admin's sidebar read "AXES" and "TOTP devices" in Arabic and German. Their configs
# here give them translated names; labels, tables and permissions stay theirs.
class LoginProtectionConfig(axes_apps.AppConfig):
    default = False
    verbose_name = _("Login protection")


class TwoFactorDevicesConfig(totp_apps.DefaultConfig):
    default = False
    verbose_name = _("Two-factor authentication")

    def ready(self):
        super().ready()
        device = self.get_model("TOTPDevice")
        device._meta.verbose_name = _("TOTP device")
        device._meta.verbose_name_plural = _("TOTP devices")
