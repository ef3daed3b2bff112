from django.urls import path

from . import feeds, views

app_name = "articles"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("archive/", views.ArchiveView.as_view(), name="archive"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("feed/rss/", feeds.LatestArticlesFeed(), name="feed_rss"),
    path("feed/atom/", feeds.LatestArticlesAtomFeed(), name="feed_atom"),
    path("category/<str:slug>/", views.CategoryView.as_view(), name="category"),
    path("category/<str:slug>/feed/rss/", feeds.CategoryFeed(), name="category_feed"),
    path("<str:slug>/a-<int:pk>/", views.ArticleDetailView.as_view(), name="detail"),
]
