"""The reader site: thin views over `Article.objects.published(language)`, cached per content generation."""

from urllib.parse import unquote

from csp.constants import SELF
from csp.decorators import csp_replace
from django.core import signing
from django.db.models import Exists, OuterRef, Prefetch
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

from articles import languages, search
from articles.models import Article, ArticleSource, Caption, Category, Placement, Topic, localized
from workflow.models import Correction

from . import presentation
from .filters import ArticleArchiveFilter


def lead_captions():
    """Lead pictures of a list of articles with all their renditions: two queries for any number of articles."""
    return Prefetch(
        "captions",
        queryset=Caption.objects.filter(placement=Placement.LEAD)
        .select_related("image")
        .prefetch_related("image__renditions"),
        to_attr="lead_captions",
    )


class ReaderPaginationMixin:
    """An out-of-range or malformed page number shows the nearest page instead of an error."""

    paginate_by = 20

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size, allow_empty_first_page=True)
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()


class PublishedMixin:
    """Articles readers may see in the language of the URL, newest first."""

    def get_queryset(self):
        language = get_language()
        return Article.objects.published(language).latest_first(language)


class ArticleDetailView(PublishedMixin, DetailView):
    template_name = "reader/article_detail.html"
    context_object_name = "article"

    def get_queryset(self):
        return self.with_page_relations(super().get_queryset())

    @staticmethod
    def with_page_relations(queryset):
        """What the page shows beside the text, prefetched: the same few queries for any article."""
        language = get_language()
        return queryset.prefetch_related(
            Prefetch("source_links", queryset=ArticleSource.objects.select_related("source")),
            Prefetch(
                "captions", queryset=Caption.objects.select_related("image").prefetch_related("image__renditions")
            ),
            "categories",
            "topics",
            Prefetch("related", queryset=Article.objects.published(language).latest_first(language)),
        ).annotate(
            # Corrections are rare: knowing there are none costs nothing, so only corrected pages pay a query.
            has_corrections=Exists(Correction.objects.filter(article=OuterRef("pk"), language=language))
        )

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        canonical = self.object.get_absolute_url(get_language())
        if request.path != unquote(canonical):
            return redirect(canonical, permanent=True)
        return self.render_to_response(self.get_context_data(object=self.object))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        article = self.object
        language = get_language()
        published = article.published_languages()
        absolute = self.request.build_absolute_uri
        lead = article.lead_caption()
        og_image = lead.image.picture.get("widest") if lead and lead.image.picture else None
        context.update(
            shown_published_at=article.published_at_in(language),
            lead=lead,
            sections=presentation.body_sections(article, language),
            credit_line=article.credit_line(language),
            categories=[category for category in article.categories.all() if category.display_name(language)],
            # The seed's "more topics": the topics named in this language (a topic named only in the other has no
            # page here).
            topics=[topic for topic in article.topics.all() if topic.display_name(language)],
            canonical_url=absolute(article.get_absolute_url(language)),
            # Only published versions are alternates, and every one of them lists all the others: reciprocal.
            absolute_alternates={code: absolute(article.get_absolute_url(code)) for code in published},
            x_default_url=absolute(article.get_absolute_url(published[0])) if published else None,
            translations={code: article.get_absolute_url(code) for code in published if code != language},
            short_url=absolute(article.short_link()),
            og_image={"url": absolute(og_image.file.url), "width": og_image.width, "height": og_image.height}
            if og_image
            else None,
            structured_data=presentation.structured_data(article, language, absolute),
            og_locale=languages.get(language).og_locale,
            corrections=list(article.corrections.filter(language=language)) if article.has_corrections else [],
        )
        return context


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

    def get_queryset(self):
        # The page's relations without the "published" filter: a preview shows the version as it stands.
        return self.with_page_relations(Article.objects.all())

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

    def get_queryset(self):
        self.kwargs["pk"] = Article.pk_from_preview_token(self.kwargs["token"])
        return super().get_queryset()

    def preview_link(self, language):
        with translation.override(language):
            return reverse("reader:shared_preview", kwargs={"token": self.kwargs["token"]})

    def admin_url(self):
        return None  # the colleague has no account: no way into the admin from here


class HomeView(PublishedMixin, ReaderPaginationMixin, ListView):
    template_name = "reader/home.html"

    def get_queryset(self):
        return super().get_queryset().prefetch_related(lead_captions())


class CategoryView(HomeView):
    template_name = "reader/category.html"

    def get_queryset(self):
        self.category = get_object_or_404(Category, **{localized("slug", get_language()): self.kwargs["slug"]})
        return super().get_queryset().filter(categories=self.category)

    def get_context_data(self, **kwargs):
        return super().get_context_data(category=self.category, **kwargs)


class TopicView(HomeView):
    """A topic's page: its articles in the language of the URL, like a category's."""

    template_name = "reader/topic.html"

    def get_queryset(self):
        self.topic = get_object_or_404(Topic, **{localized("slug", get_language()): self.kwargs["slug"]})
        return super().get_queryset().filter(topics=self.topic)

    def get_context_data(self, **kwargs):
        return super().get_context_data(topic=self.topic, **kwargs)


class ArchiveView(PublishedMixin, ReaderPaginationMixin, FilterView):
    """All published articles, filtered by topic, source and date; invalid filters show an empty result."""

    template_name = "reader/archive.html"
    filterset_class = ArticleArchiveFilter
    strict = True


class SearchView(ReaderPaginationMixin, ListView):
    template_name = "reader/search.html"

    def get_queryset(self):
        self.query = self.request.GET.get("q", "").strip()
        language = get_language()
        return Article.objects.published(language).search(self.query, language)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(query=self.query, **kwargs)
        context["capped"] = context["paginator"].count >= search.RANKED_CANDIDATES
        return context


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
