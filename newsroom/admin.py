"""The newsroom's admin site: Django's, with the Import page beside the model pages."""

from django.contrib import admin
from django.urls import path

from interchange.admin_views import ImportView


class NewsroomAdminSite(admin.AdminSite):
    def get_urls(self):
        import_page = path("import/", self.admin_view(ImportView.as_view(admin_site=self)), name="interchange_import")
        return [import_page, *super().get_urls()]
