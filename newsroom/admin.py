"""
The newsroom's admin site: Django's, with the Import page beside the model pages, and two-factor login (optional for
staff, required for chief editors with ADMIN_REQUIRE_2FA=1; newsroom/two_factor.py).
"""

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import path
from django.views.decorators.cache import never_cache

from interchange.admin_views import ImportView

from . import login as two_factor


class NewsroomAdminSite(admin.AdminSite):
    login_form = two_factor.LoginForm

    def has_permission(self, request):
        return super().has_permission(request) and two_factor.is_satisfied(request.user)

    def login(self, request, extra_context=None):
        user = request.user
        if request.method == "GET" and user.is_active and user.is_staff and two_factor.needs_setup(user):
            return redirect("admin:two_factor_setup")
        return super().login(request, extra_context)

    def get_urls(self):
        import_page = path("import/", self.admin_view(ImportView.as_view(admin_site=self)), name="interchange_import")
        # Not behind admin_view: a chief editor who must set up a second factor has no other admin page yet.
        setup = path(
            "two-factor/",
            never_cache(two_factor.TwoFactorSetupView.as_view(admin_site=self)),
            name="two_factor_setup",
        )
        return [import_page, setup, *super().get_urls()]
