"""
A read-only JSON API of published articles in ninjs: `/api/articles/` (filtered, paginated) and
`/api/articles/<short code>/`. It shows exactly what readers may see: `Article.objects.published(language)`.

Every parameter is checked and an unknown one is refused (400), so a query string never means something other than
it says, and the page cache (newsroom/urls.py wires the API through it) keys answers by validated parameters only.
Answers name what they show in `dependency_keys` (articles/dependencies.py) so the cache renews them when that
changes. Lists are paginated up to `articles.pagination.LIST_CAP` articles; past that, `next` continues with
`published_before` (the oldest time shown), which costs what the first page does.
"""

from django.core.paginator import EmptyPage
from django.http import JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from articles import dependencies, languages
from articles.models import Article
from articles.pagination import CappedPaginator

from .exporters.ninjs import to_ninjs, with_relations
from .filters import ArticleApiFilter

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
JSON_OPTIONS = {"ensure_ascii": False}
LIST_PARAMETERS = ("language", "category", "source", "published_after", "published_before", "page", "page_size")
DETAIL_PARAMETERS = ("language",)


def error(message, status=400, **details):
    return JsonResponse({"error": message, **details}, status=status, json_dumps_params=JSON_OPTIONS)


def unknown_parameters(request, known):
    unknown = sorted(set(request.GET) - set(known))
    if unknown:
        return error("unknown parameters", unknown=unknown, known=list(known))
    return None


def positive_number(request, name, default):
    value = request.GET.get(name, str(default)).strip()
    if not value.isascii() or not value.isdigit() or int(value) < 1:
        raise ValueError(name)
    return int(value)


@require_GET
def article_list(request):
    if refused := unknown_parameters(request, LIST_PARAMETERS):
        return refused
    filters = ArticleApiFilter(request.GET, queryset=Article.objects.all())
    if not filters.is_valid():
        return error("invalid filter", errors=filters.errors.get_json_data())
    try:
        size = min(positive_number(request, "page_size", PAGE_SIZE), MAX_PAGE_SIZE)
        number = positive_number(request, "page", 1)
    except ValueError as invalid:
        return error(f"{invalid} must be a whole number from 1")
    language = filters.chosen_language
    queryset = filters.filter_queryset(Article.objects.published(language)).latest_first(language)
    paginator = CappedPaginator(queryset, size)
    try:
        page = paginator.page(number)
    except EmptyPage:
        return error("no such page", status=404)
    # Counted without the relations, which only the page's own articles are read with: the page's ids are chosen
    # in a subquery, since PostgreSQL computes the select list of every row an offset skips.
    results = []
    if paginator.count:
        shown = queryset.values("pk")[page.start_index() - 1 : page.end_index()]
        results = list(with_relations(queryset.filter(pk__in=shown)))

    def link(**changes):
        query = request.GET.copy()
        for name, value in changes.items():
            query.pop(name, None)
            if value is not None:
                query[name] = value
        return request.build_absolute_uri(f"{reverse('api:article_list')}?{query.urlencode()}")

    if page.has_next():
        following = link(page=page.next_page_number())
    elif paginator.is_capped and results:
        oldest = results[-1].published_at_in(language)
        following = link(page=None, published_before=oldest.isoformat().replace("+00:00", "Z"))
    else:
        following = None
    response = JsonResponse(
        {
            "count": paginator.count,
            "count_is_capped": paginator.is_capped,
            "next": following,
            "previous": link(page=page.previous_page_number()) if page.has_previous() else None,
            "results": [to_ninjs(article, language) for article in results],
        },
        json_dumps_params=JSON_OPTIONS,
    )
    # Read by the page cache: whole texts of this language, and category, agency and topic names.
    response.dependency_keys = {
        dependencies.content(language),
        dependencies.CATEGORIES,
        dependencies.SOURCES,
        dependencies.TOPICS,
    }
    return response


@require_GET
def article_detail(request, code):
    """One published language version (`?language=`), or every published version of the article as a list."""
    if refused := unknown_parameters(request, DETAIL_PARAMETERS):
        return refused
    language = request.GET.get("language")
    if language is not None and language not in languages.CODES:
        return error(f"language must be one of {', '.join(languages.CODES)}")
    wanted = [language] if language else languages.CODES
    versions, shown = [], None
    for code_language in wanted:
        article = with_relations(Article.objects.published(code_language).filter(short_code=code)).first()
        if article is not None:
            versions.append(to_ninjs(article, code_language))
            shown = article
    if not versions:
        return error("no published article with that short code", status=404)
    response = JsonResponse(versions[0] if language else versions, safe=False, json_dumps_params=JSON_OPTIONS)
    # Every wanted version, shown or not: one that goes live later changes this answer too.
    response.dependency_keys = {
        *(dependencies.article(shown.pk, code_language) for code_language in wanted),
        dependencies.CATEGORIES,
        dependencies.SOURCES,
        dependencies.TOPICS,
    }
    # The page cache keeps it no longer than the article is live (reader/caching.py `shown_until`).
    response.shown_until = shown.expires_at
    return response
