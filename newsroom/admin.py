"""
The newsroom's admin site: Django's, named after the newsroom, with the desk overview on its start page, the admin
language switch, the Import pages beside the model pages, and two-factor login (optional for staff, required for
chief editors with ADMIN_REQUIRE_2FA=1; newsroom/login.py). It composes the apps, so it may read them all.
"""

from django.conf import settings
from django.contrib import admin
from django.db.models import Count
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.i18n import JavaScriptCatalog

from interchange.admin_views import ImportView
from interchange.models import PendingUpdate
from interchange.quick_import import QuickImportView
from workflow import desk
from workflow.views import language_choices, set_admin_language

from . import login as two_factor


class NewsroomAdminSite(admin.AdminSite):
    site_header = settings.SITE_NAME
    site_title = settings.SITE_NAME
    index_title = _("Desk")
    login_form = two_factor.LoginForm

    def has_permission(self, request):
        return super().has_permission(request) and two_factor.is_satisfied(request.user)

    def login(self, request, extra_context=None):
        user = request.user
        if request.method == "GET" and user.is_active and user.is_staff and two_factor.needs_setup(user):
            return redirect("admin:two_factor_setup")
        return super().login(request, extra_context)

    def get_urls(self):
        own = [
            path("import/", self.admin_view(ImportView.as_view(admin_site=self)), name="interchange_import"),
            path("import/quick/", self.admin_view(QuickImportView.as_view()), name="interchange_quick_import"),
            path("language/", self.admin_view(set_admin_language), name="set_language"),
            # Not behind admin_view: a chief editor who must set up a second factor has no other admin page yet.
            path(
                "two-factor/",
                never_cache(two_factor.TwoFactorSetupView.as_view(admin_site=self)),
                name="two_factor_setup",
            ),
        ]
        return [*own, *super().get_urls()]

    def i18n_javascript(self, request, extra_context=None):
        """The admin's JavaScript catalogue, with the body editor's own words (its link dialog)."""
        return JavaScriptCatalog.as_view(packages=["django.contrib.admin", "django_prose_editor"])(request)

    def each_context(self, request):
        return {**super().each_context(request), "admin_languages": language_choices()}

    def index(self, request, extra_context=None):
        """The start page opens with the desk: per language, what needs an editor now."""
        if request.user.has_perm("articles.view_article"):
            pending = dict(
                PendingUpdate.objects.values_list("language")
                .annotate(count=Count("pk"))
                .values_list("language", "count")
            )
            columns = desk.overview()
            pending_list = reverse("admin:interchange_pendingupdate_changelist")
            for column in columns:
                column["pending"] = {
                    "count": pending.get(column["code"], 0),
                    "url": f"{pending_list}?language__exact={column['code']}",
                }
            extra_context = {
                **(extra_context or {}),
                "desk": columns,
                "may_import": request.user.has_perm("articles.add_article"),
            }
        return super().index(request, extra_context)
