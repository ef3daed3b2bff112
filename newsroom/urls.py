from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path
from django.views.static import serve

from newsroom import views as project_views
from reader import views
from reader.sitemaps import SITEMAPS, news_sitemap

handler500 = "newsroom.views.server_error"

urlpatterns = [
    # Load balancers: never cached, never in the request log.
    path("healthz", project_views.healthz, name="healthz"),
    path("readyz", project_views.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("interchange.urls")),
    path("p/<str:code>", views.short_link, name="short_link"),
    path("sitemap.xml", sitemap_views.index, {"sitemaps": SITEMAPS}, name="sitemap_index"),
    path("sitemap-news.xml", news_sitemap, name="news_sitemap"),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path("robots.txt", views.robots_txt, name="robots_txt"),
]
urlpatterns += i18n_patterns(path("", include("reader.urls")), prefix_default_language=True)

if settings.SERVE_MEDIA:
    # Development, or one server without a proxy; production serves /media/ from the proxy or the object store.
    urlpatterns += [path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})]
