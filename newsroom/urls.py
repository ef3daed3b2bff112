from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import URLResolver, include, path
from django.urls.resolvers import LocalePrefixPattern
from django.views.static import serve

from articles import dependencies, languages
from interchange import api
from newsroom import views as project_views
from reader import (
    converters,  # noqa: F401 - registers <name:> and <id:>
    views,
)
from reader.caching import cached
from reader.sitemaps import SITEMAPS, news_sitemap

handler500 = "newsroom.views.server_error"
# Sitemaps list every language's live versions; the API is cached like pages but refuses parameters it does not know.
EVERY_LISTING = [dependencies.listing(code) for code in languages.CODES]
api_patterns = [
    path("articles/", cached(api.article_list, api.LIST_PARAMETERS, strict=True), name="article_list"),
    path(
        "articles/<name:code>/", cached(api.article_detail, api.DETAIL_PARAMETERS, strict=True), name="article_detail"
    ),
]

urlpatterns = [
    # The public site under its language prefix: `i18n_patterns(path("", include("reader.urls")))` without the empty
    # level between them, and first. Resolving a reader's address was 5% of an uncached article page, most of it in
    # that level and in the patterns tried before it.
    URLResolver(
        LocalePrefixPattern(prefix_default_language=True), "reader.urls", app_name="reader", namespace="reader"
    ),
    # Load balancers: never cached, never in the request log.
    path("healthz", project_views.healthz, name="healthz"),
    path("readyz", project_views.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include((api_patterns, "api"))),
    path("p/<name:code>", views.short_link, name="short_link"),
    path(
        "sitemap.xml",
        cached(sitemap_views.index, keys=EVERY_LISTING),
        {"sitemaps": SITEMAPS},
        name="sitemap_index",
    ),
    path("sitemap-news.xml", cached(news_sitemap, keys=EVERY_LISTING), name="news_sitemap"),
    path(
        "sitemap-<section>.xml",
        cached(sitemap_views.sitemap, ("p",), keys=EVERY_LISTING),
        # Jinja2 (reader/jinja2/sitemap.xml): a page of a thousand articles with their alternates is large.
        {"sitemaps": SITEMAPS, "template_name": "sitemap.xml"},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path("robots.txt", cached(views.robots_txt), name="robots_txt"),
]

if settings.SERVE_MEDIA:
    # Development, or one server without a proxy; production serves /media/ from the proxy or the object store.
    urlpatterns += [path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})]
