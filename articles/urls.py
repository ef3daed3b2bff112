from django.urls import path

from . import views

app_name = "articles"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("<str:slug>/a-<int:pk>/", views.ArticleDetailView.as_view(), name="detail"),
    path("category/<str:slug>/", views.CategoryView.as_view(), name="category"),
]
