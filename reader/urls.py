from django.urls import path

from . import feeds, views
from .caching import cached

app_name = "reader"

# Each public page is cached whole (reader/caching.py) and reads only the query parameters listed here.
LISTING = ("page",)

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
    path("category/<str:slug>/", cached(views.CategoryView.as_view(), LISTING), name="category"),
    path("category/<str:slug>/feed/rss/", cached(feeds.CategoryFeed()), name="category_feed"),
    path("topic/<str:slug>/", cached(views.TopicView.as_view(), LISTING), name="topic"),
    path("topic/<str:slug>/feed/rss/", cached(feeds.TopicFeed()), name="topic_feed"),
    path("<str:slug>/a-<int:pk>/", cached(views.ArticleDetailView.as_view()), name="article"),
]
