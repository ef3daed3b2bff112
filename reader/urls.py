from django.urls import path

from . import (
    converters,  # noqa: F401 - registers <name:> and <id:>
    feeds,
    views,
)
from .caching import cached

app_name = "reader"

# Each public page is cached whole (reader/caching.py) and reads only the query parameters listed here.
LISTING = ("page", "older_than", "newer_than")

urlpatterns = [
    path("", cached(views.HomeView.as_view(), LISTING), name="home"),
    path(
        "archive/",
        cached(views.ArchiveView.as_view(), ("category", "source", "date_from", "date_to", "page")),
        name="archive",
    ),
    path("search/", cached(views.SearchView.as_view(), ("q", "page")), name="search"),
    path("feed/rss/", cached(feeds.LatestArticlesFeed()), name="feed_rss"),
    path("feed/atom/", cached(feeds.LatestArticlesAtomFeed()), name="feed_atom"),
    path("category/<name:slug>/", cached(views.CategoryView.as_view(), LISTING), name="category"),
    path("category/<name:slug>/feed/rss/", cached(feeds.CategoryFeed()), name="category_feed"),
    path("topic/<name:slug>/", cached(views.TopicView.as_view(), LISTING), name="topic"),
    path("topic/<name:slug>/feed/rss/", cached(feeds.TopicFeed()), name="topic_feed"),
    # Previews are never cached: they show versions readers may not see, to whoever may see them. Before the
    # article pattern, which would read "preview" as a slug.
    path("preview/a-<id:pk>/", views.ArticlePreviewView.as_view(), name="preview"),
    path("preview/<name:token>/", views.SharedPreviewView.as_view(), name="shared_preview"),
    path("<name:slug>/a-<id:pk>/", cached(views.ArticleDetailView.as_view()), name="article"),
]
