"""The reader site: thin views over `Article.objects.published(language)`."""
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import translation
from django.utils.translation import get_language
from django.views.decorators.http import require_GET
from django.views.generic import DetailView, ListView

from .models import LANGUAGE_CODES, Article, ArticleSource, Caption, Category


class PublishedMixin:
    """Articles readers may see in the language of the URL."""

    def get_queryset(self):
        return Article.objects.published(get_language()).prefetch_related(
            Prefetch("source_links", queryset=ArticleSource.objects.select_related("source")),
            Prefetch("captions", queryset=Caption.objects.select_related("image")),
            "categories",
        )


class ArticleDetailView(PublishedMixin, DetailView):
    template_name = "articles/article_detail.html"

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        canonical = self.object.get_absolute_url(get_language())
        if request.path != canonical:
            return redirect(canonical, permanent=True)
        return self.render_to_response(self.get_context_data(object=self.object))


class HomeView(PublishedMixin, ListView):
    template_name = "articles/home.html"
    paginate_by = 20

    def get_queryset(self):
        return super().get_queryset().latest_first(get_language())


class CategoryView(HomeView):
    template_name = "articles/category.html"

    def get_queryset(self):
        language = get_language()
        self.category = get_object_or_404(Category, **{f"slug_{language}": self.kwargs["slug"]})
        return super().get_queryset().filter(categories=self.category)


@require_GET
def short_link(request, code):
    """`/p/<code>` goes to the first language version that is published."""
    article = Article.objects.filter(short_code__in={code, code.upper()}).first()
    if article is None:
        raise Http404
    preferred = translation.get_language_from_request(request)
    for language in sorted(LANGUAGE_CODES, key=lambda code: code != preferred):
        if article.is_published(language):
            return redirect(article.get_absolute_url(language))
    raise Http404
