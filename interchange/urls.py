from django.urls import path

from . import api

app_name = "api"

urlpatterns = [
    path("articles/", api.article_list, name="article_list"),
    path("articles/<str:code>/", api.article_detail, name="article_detail"),
]
