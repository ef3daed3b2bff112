"""
The reader site: thin views over `Article.objects.published(language)`, each naming what it shows (dependency keys)
for the page cache, each reading only the columns it prints and a fixed number of queries at any archive size.
"""

import functools
from urllib.parse import unquote, urlencode

from csp.constants import SELF
from csp.decorators import csp_replace
from django.core import signing
from django.db.models import OuterRef
from django.db.models.functions import Now
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.decorators import method_decorator
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET
from django.views.generic import DetailView, ListView
from django_filters.views import FilterView

from articles import dependencies, languages, search
from articles.aggregates import JSONRows
from articles.models import Article, Category, Topic, as_datetime, json_rows, localized
from articles.pagination import CURSORS, CappedPaginator, LookaheadPaginator
from articles.prepared import PreparedQuery
from workflow.models import Correction

from . import presentation
from .caching import depends_on, shown_until
from .filters import ArticleArchiveFilter


class DependencyKeysMixin:
    """The response names what it shows (`dependency_keys()`), so the page cache renews it when that changes."""

    def dependency_keys(self, context):
        return set()

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        return depends_on(response, *self.dependency_keys(context))


class ReaderPaginationMixin:
    """
    Capped pagination (articles/pagination.py); an out-of-range or malformed page number shows the nearest page.
    Past the cap, the last page links to the archive narrowed to what is older.
    """

    paginate_by = 20
    paginator_class = CappedPaginator

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size, allow_empty_first_page=True)
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()

    def older_query(self, last):
        """The archive's query for what comes after `last`, the oldest article shown."""
        return {"date_to": timezone.localdate(last.published_at_in(get_language())).isoformat()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        paginator, page = context.get("paginator"), context.get("page_obj")
        if paginator is not None and paginator.is_capped and not page.has_next() and page.object_list:
            query = self.older_query(page.object_list[len(page.object_list) - 1])
            if query is not None:
                context["older_url"] = f"{reverse('reader:archive')}?{urlencode(query)}"
        return context


class PublishedMixin:
    """Articles readers may see in the language of the URL, newest first, read as cards."""

    def get_queryset(self):
        language = get_language()
        return Article.objects.published(language).latest_first(language).cards(language)


def corrections_of(language):
    """The dated corrections of the article in the outer query, in one language, oldest first."""
    return Correction.objects.filter(article=OuterRef("pk"), language=language).order_by("created_at", "pk")


def page_query(language):
    """One language's article page query: the article and everything its page shows (`for_page`), by id."""
    corrections = corrections_of(language)
    return PreparedQuery(
        lambda pk: (
            Article.objects.published(language, now=Now())
            .for_page(language, now=Now())
            .annotate(correction_rows=JSONRows(corrections, "created_at", "text"))
            .filter(pk=pk)
            .order_by()
        ),
        "pk",
        display=True,
    )


# Built by the ORM once per process and language: the page is the hottest uncached request, and building and
# compiling its query was most of its time (articles/prepared.py).
PAGE_QUERIES = {code: page_query(code) for code in languages.CODES}


def absolute_url_maker(request):
    """
    `request.build_absolute_uri` for the page's own addresses, which are already encoded: the scheme and host are
    found once per page (an article page prints eight addresses, each checked against ALLOWED_HOSTS again).
    """
    base = request.build_absolute_uri("/")[:-1]

    def absolute(location):
        if location.startswith("/") and not location.startswith("//"):
            return base + location
        return request.build_absolute_uri(location)

    return absolute


# Addresses of articles are remembered as reversed (articles/models/querysets.py), and so are their readable forms.
unquoted_path = functools.lru_cache(maxsize=8192)(unquote)


class ArticleDetailView(DependencyKeysMixin, DetailView):
    """One language version in one query, whatever the article carries."""

    template_name = "reader/article_detail.html"
    context_object_name = "article"

    @functools.cached_property
    def language(self):
        # Asked once: the active language is read through a thread- and task-local, which is not cheap.
        return get_language()

    def get_object(self, queryset=None):
        found = PAGE_QUERIES[self.language].get(pk=self.kwargs["pk"])
        if found is None:
            raise Http404
        return found

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        canonical = self.object.get_absolute_url(self.language)
        if request.path != unquoted_path(canonical):
            return redirect(canonical, permanent=True)
        return self.render_to_response(self.get_context_data(object=self.object))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        article = self.object
        language = self.language
        published = article.published_languages()
        absolute = absolute_url_maker(self.request)
        lead = article.lead_caption()
        og_image = lead.image.picture.get("widest") if lead and lead.image.picture else None
        categories = [category for category in article.shown_categories if category.display_name(language)]
        context.update(
            shown_published_at=article.published_at_in(language),
            lead=lead,
            sections=presentation.body_sections(article, language),
            credit_line=article.credit_line(language),
            categories=categories,
            # The seed's "more topics": the topics named in this language (one named only in another has no page here).
            topics=[topic for topic in article.shown_topics if topic.display_name(language)],
            related=article.shown_related(language),
            canonical_url=absolute(article.get_absolute_url(language)),
            # Only published versions are alternates, and every one of them lists all the others: reciprocal.
            absolute_alternates={code: absolute(article.get_absolute_url(code)) for code in published},
            x_default_url=absolute(article.get_absolute_url(published[0])) if published else None,
            translations={code: article.get_absolute_url(code) for code in published if code != language},
            short_url=absolute(article.short_link()),
            og_image={"url": absolute(og_image.url), "width": og_image.width, "height": og_image.height}
            if og_image
            else None,
            structured_data=presentation.structured_data(article, language, absolute),
            og_locale=languages.get(language).og_locale,
            corrections=[
                Correction(article=article, language=language, created_at=as_datetime(created_at), text=text)
                for created_at, text in json_rows(article.correction_rows)
            ],
        )
        return context

    def render_to_response(self, context, **response_kwargs):
        # An article that expires leaves the caches then, not when the scheduler next runs.
        response = super().render_to_response(context, **response_kwargs)
        return shown_until(response, context["article"].expires_at)

    def dependency_keys(self, context):
        language = self.language
        article = context["article"]
        return {
            dependencies.article(article.pk, language),
            dependencies.article_pages(article.pk),
            *(dependencies.category(category.pk) for category in context["categories"]),
            *(dependencies.topic(topic.pk) for topic in context["topics"]),
            *(dependencies.source(source.pk) for source in article.shown_sources),
            *(dependencies.article(other.pk, language) for other in context["related"]),
        }


# Framed only by our own pages (the admin's side-by-side preview): X-Frame-Options and the CSP say the same.
@method_decorator([never_cache, xframe_options_sameorigin, csp_replace({"frame-ancestors": [SELF]})], name="dispatch")
class ArticlePreviewView(ArticleDetailView):
    """
    Any language version in any state, in the article page's own template, with a banner saying it is a preview, its
    state and when it goes live. Staff only: anyone else gets the 404 a draft gets. Never cached (not by us, not by
    a browser or CDN), never indexed, listed in no feed or sitemap (those read only published versions), and shown
    in a frame only on our own pages (the admin's side-by-side preview).
    """

    def may_preview(self):
        user = self.request.user
        return user.is_active and user.is_staff and user.has_perm("articles.view_article")

    def get_object(self, queryset=None):
        # What the page shows, without the "published" filter: a preview shows the version as it stands. Not the
        # prepared query of the public page: previews are few, and read a version whatever its state.
        language = get_language()
        article = (
            Article.objects.for_page(language)
            .annotate(correction_rows=JSONRows(corrections_of(language), "created_at", "text"))
            .filter(pk=self.article_pk())
            .first()
        )
        if article is None:
            raise Http404
        return article

    def article_pk(self):
        return self.kwargs["pk"]

    def dependency_keys(self, context):
        return set()  # never cached: nothing to renew

    def get(self, request, *args, **kwargs):
        if not self.may_preview():
            raise Http404
        self.object = self.get_object()
        if not self.object.has_language(get_language()):
            raise Http404
        response = self.render_to_response(self.get_context_data(object=self.object))
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    def preview_link(self, language):
        return self.object.get_preview_url(language)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        article, language = self.object, get_language()
        state = article.version_state(language)
        context.update(
            preview={
                "state": state,
                "language": language,
                "goes_live": languages.newsroom_time(state.goes_live_at),
                "admin_url": self.admin_url(),
            },
            shown_published_at=article.published_at_in(language) or state.goes_live_at or timezone.now(),
            # The language switch leads to the other versions' previews, whatever their state.
            translations={
                code: self.preview_link(code)
                for code in languages.CODES
                if code != language and article.has_language(code)
            },
        )
        return context

    def admin_url(self):
        return reverse("admin:articles_article_change", args=[self.object.pk])


class SharedPreviewView(ArticlePreviewView):
    """The same preview for someone without an account, through a signed link that expires; read-only (GET)."""

    def may_preview(self):
        try:
            return Article.pk_from_preview_token(self.kwargs["token"]) is not None
        except signing.BadSignature:
            return False

    def article_pk(self):
        return Article.pk_from_preview_token(self.kwargs["token"])

    def preview_link(self, language):
        with translation.override(language):
            return reverse("reader:shared_preview", kwargs={"token": self.kwargs["token"]})

    def admin_url(self):
        return None  # the colleague has no account: no way into the admin from here


class HomeView(DependencyKeysMixin, PublishedMixin, ReaderPaginationMixin, ListView):
    template_name = "reader/home.html"
    # Home, categories and topics say "newer" and "older", never how many: no page of theirs counts the list, and
    # each links to the next by the article at its edge.
    paginator_class = LookaheadPaginator

    def get_paginator(self, queryset, per_page, **kwargs):
        query = self.request.GET
        cursor = next(((name, int(query[name])) for name in CURSORS if query.get(name, "").isdigit()), None)
        return super().get_paginator(queryset, per_page, cursor=cursor, language=get_language(), **kwargs)

    def get_queryset(self):
        return super().get_queryset().with_lead_pictures()

    def dependency_keys(self, context):
        return {dependencies.listing(get_language())}


class CategoryView(HomeView):
    template_name = "reader/category.html"

    def get_queryset(self):
        self.category = get_object_or_404(Category, **{localized("slug", get_language()): self.kwargs["slug"]})
        return super().get_queryset().filter(categories=self.category)

    def get_context_data(self, **kwargs):
        return super().get_context_data(category=self.category, **kwargs)

    def older_query(self, last):
        return {"category": self.category.pk, **super().older_query(last)}

    def dependency_keys(self, context):
        return {
            dependencies.category_listing(self.category.pk, get_language()),
            dependencies.category(self.category.pk),
        }


class TopicView(HomeView):
    """A topic's page: its articles in the language of the URL, like a category's."""

    template_name = "reader/topic.html"

    def get_queryset(self):
        self.topic = get_object_or_404(Topic, **{localized("slug", get_language()): self.kwargs["slug"]})
        return super().get_queryset().filter(topics=self.topic)

    def get_context_data(self, **kwargs):
        return super().get_context_data(topic=self.topic, **kwargs)

    def older_query(self, last):
        return None  # the archive has no topic filter; a date alone would show every topic's older articles

    def dependency_keys(self, context):
        return {dependencies.topic_listing(self.topic.pk, get_language()), dependencies.topic(self.topic.pk)}


class ArchiveView(DependencyKeysMixin, PublishedMixin, ReaderPaginationMixin, FilterView):
    """All published articles, filtered by topic, source and date; invalid filters show an empty result."""

    template_name = "reader/archive.html"
    filterset_class = ArticleArchiveFilter
    strict = True

    def older_query(self, last):
        query = {**self.request.GET.dict(), **super().older_query(last)}
        query.pop("page", None)
        if query["date_to"] == self.request.GET.get("date_to"):
            return None  # more than a page's cap on one day: nothing older to link to
        return query

    def dependency_keys(self, context):
        return {dependencies.listing(get_language()), dependencies.CATEGORIES, dependencies.SOURCES}


class SearchView(DependencyKeysMixin, ReaderPaginationMixin, ListView):
    template_name = "reader/search.html"

    def get_queryset(self):
        self.query = self.request.GET.get("q", "").strip()
        language = get_language()
        return Article.objects.published(language).search(self.query, language).cards(language)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(query=self.query, **kwargs)
        context["capped"] = context["paginator"].count >= search.RANKED_CANDIDATES
        context.pop("older_url", None)
        return context

    def dependency_keys(self, context):
        return {dependencies.content(get_language())}


@require_GET
def short_link(request, code):
    """`/p/<code>` goes to the reader's language version if it is published, else to the other one."""
    article = Article.objects.filter(short_code__in={code, code.upper()}).first()
    if article is None:
        raise Http404
    preferred = translation.get_language_from_request(request)
    for language in sorted(article.published_languages(), key=lambda code: code != preferred):
        return redirect(article.get_absolute_url(language))
    raise Http404


@require_GET
def robots_txt(request):
    return render(request, "robots.txt", content_type="text/plain; charset=utf-8")
