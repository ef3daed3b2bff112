"""
A read-only JSON API of published articles in ninjs: `/api/articles/` (filtered, paginated) and
`/api/articles/<short code>/`. It shows exactly what readers may see: `Article.objects.published(language)`.
"""

from django.core.paginator import EmptyPage, Paginator
from django.http import JsonResponse
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from articles import languages
from articles.models import Article

from .exporters.ninjs import to_ninjs, with_relations
from .filters import ArticleApiFilter

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
JSON_OPTIONS = {"ensure_ascii": False}


def error(message, status=400, **details):
    return JsonResponse({"error": message, **details}, status=status, json_dumps_params=JSON_OPTIONS)


@require_GET
@cache_control(public=True, max_age=60)
def article_list(request):
    filters = ArticleApiFilter(request.GET, queryset=Article.objects.all())
    if not filters.is_valid():
        return error("invalid filter", errors=filters.errors.get_json_data())
    language = filters.chosen_language
    queryset = filters.filter_queryset(Article.objects.published(language)).latest_first(language)
    try:
        size = min(max(int(request.GET.get("page_size", PAGE_SIZE)), 1), MAX_PAGE_SIZE)
        number = int(request.GET.get("page", 1))
        page = Paginator(with_relations(queryset), size).page(number)
    except (ValueError, EmptyPage):
        return error("no such page", status=404)

    def link(page_number):
        query = request.GET.copy()
        query["page"] = page_number
        return request.build_absolute_uri(f"{reverse('api:article_list')}?{query.urlencode()}")

    return JsonResponse(
        {
            "count": page.paginator.count,
            "next": link(page.next_page_number()) if page.has_next() else None,
            "previous": link(page.previous_page_number()) if page.has_previous() else None,
            "results": [to_ninjs(article, language) for article in page.object_list],
        },
        json_dumps_params=JSON_OPTIONS,
    )


@require_GET
@cache_control(public=True, max_age=60)
def article_detail(request, code):
    """One published language version (`?language=`), or every published version of the article as a list."""
    language = request.GET.get("language")
    if language is not None and language not in languages.CODES:
        return error(f"language must be one of {', '.join(languages.CODES)}")
    wanted = [language] if language else languages.CODES
    versions = []
    for code_language in wanted:
        article = with_relations(Article.objects.published(code_language).filter(short_code=code)).first()
        if article is not None:
            versions.append(to_ninjs(article, code_language))
    if not versions:
        return error("no published article with that short code", status=404)
    return JsonResponse(versions[0] if language else versions, safe=False, json_dumps_params=JSON_OPTIONS)
