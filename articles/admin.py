"""
The declarative part of the editors' admin: the language versions of each field side by side, every translated input
marked with its language and direction (Arabic right to left whatever the admin's language), lists, filters and
search. The article admin that editors use is this one with the workflow's mixins (workflow/admin.py).
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count, Prefetch
from django.forms.widgets import Script
from django.http import Http404
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin, TranslationInlineModelAdmin
from modeltranslation.fields import TranslationField
from reversion.admin import VersionAdmin

from . import languages, search
from .forms import CaptionForm
from .models import Article, ArticleSource, Caption, Category, Image, Source, Status, Topic
from .pagination import CappedPaginator
from .widgets import BodyEditorWidget


def object_or_404(queryset, object_id):
    """
    The object a custom admin URL names, read as the admin's own views read theirs: an id that cannot be one ("abc")
    finds nothing, and the answer is a 404 rather than a server error.
    """
    try:
        return queryset.get(pk=queryset.model._meta.pk.to_python(unquote(object_id)))
    except (queryset.model.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


def refused_list(heading, refused):
    """A warning naming what a bulk action left alone and why: `heading`, then one (title, reason) line each."""
    return format_html("{}<ul>{}</ul>", heading, format_html_join("", "<li><bdi>{}</bdi>: {}</li>", refused))


def language_attrs(db_field):
    """`lang`/`dir` for a translation field's widget (`headline_ar` -> lang=ar dir=rtl), or {}."""
    if not isinstance(db_field, TranslationField):
        return {}
    return {"lang": db_field.language, "dir": languages.direction(db_field.language)}


class BilingualMixin:
    """Marks every translated input with its language and direction, so Arabic is typed right to left."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        attrs = language_attrs(db_field)
        if formfield is not None and attrs:
            formfield.widget.attrs.update(attrs)
        return formfield


def thumbnail_html(image, css_class="image-thumbnail"):
    """A picture's small rendition (never its original file), or a note that its file has not arrived."""
    if image.is_awaiting_file:
        return format_html('<span class="awaiting-file">{}</span>', _("awaiting its file"))
    rendition = image.thumbnail
    if rendition is None:
        return "—"
    return format_html('<img src="{}" alt="" class="{}" loading="lazy">', rendition.url, css_class)


class CaptionInline(BilingualMixin, TranslationInlineModelAdmin, admin.StackedInline):
    """
    The article's pictures in its own form: upload (drop files on the section) or choose one, with its caption and
    alt text per language, credit, archive title and focal point; placed in the text with the body editor's button.
    """

    model = Caption
    form = CaptionForm
    template = "admin/articles/caption/stacked.html"
    extra = 0
    autocomplete_fields = ["image"]
    fields = [
        ("image", "picture"),
        "upload",
        ("archive_title", "credit"),
        languages.fields("alt_text"),
        languages.fields("text"),
        ("placement", "position"),
        ("key", "focal_x", "focal_y"),
    ]
    readonly_fields = ["picture"]
    verbose_name = _("image in this article")
    verbose_name_plural = _("images in this article")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("image").prefetch_related("image__renditions")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = type(formset.form.__name__, (formset.form,), {"editor": request.user})
        return formset

    @admin.display(description=_("picture"))
    def picture(self, obj):
        """
        The whole picture, small (its narrowest rendition), with its focal point: a click there moves it, and the
        teaser crops are cut around it on save.
        """
        image = obj.image if obj.pk else None
        if image is None:
            return "—"
        if image.is_awaiting_file:
            return thumbnail_html(image)
        renditions = image.get_renditions()
        if not renditions:
            return thumbnail_html(image)
        return format_html(
            '<span class="focal-picker" data-focal-x="{}" data-focal-y="{}" title="{}">'
            '<img src="{}" alt="" class="caption-thumbnail">'
            '<span class="focal-marker" aria-hidden="true"></span></span>',
            image.focal_x,
            image.focal_y,
            _("Click the picture's subject: teaser crops keep it in view."),
            renditions[0].url,
        )

    class Media:
        # Deferred: it reads the section, which comes after the <head> the admin puts media in.
        js = [Script("admin/article_pictures.js", defer=True)]


class ArticleSourceInline(admin.TabularInline):
    model = ArticleSource
    extra = 0
    autocomplete_fields = ["source"]
    fields = ["source", "position"]
    verbose_name = _("source")
    verbose_name_plural = _("sources (in the order the article credits them)")


class LanguageStatusFilter(admin.SimpleListFilter):
    """State of one language version (or that it is missing); `for_language` makes one per language."""

    language = None

    @classmethod
    def for_language(cls, code):
        attributes = {
            "title": format_lazy(_("{language} version"), language=languages.name(code)),
            "parameter_name": languages.field("status", code),
            "language": code,
        }
        return type(f"StatusFilter_{code}", (cls,), attributes)

    def lookups(self, request, model_admin):
        return [*Status.choices, ("missing", _("Missing"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "missing":
            return queryset.missing_language(self.language)
        if value:
            return queryset.with_state(self.language, value)
        return queryset


class LinkFilter(admin.SimpleListFilter):
    """
    Articles linked to one category or source, as a subquery: the join Django's own filter makes would need a
    DISTINCT over every column of every article.
    """

    links = None  # the link rows, with an `article_id`
    target = ""  # their column naming the category or source

    def lookups(self, request, model_admin):
        return [
            (str(item.pk), str(item))
            for item in self.links.model._meta.get_field(self.target).related_model.objects.all()
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if not value.isdigit():
            return queryset.none()
        linked = self.links.filter(**{f"{self.target}_id": int(value)}).values("article_id")
        return queryset.filter(pk__in=linked)


class CategoryFilter(LinkFilter):
    title = _("category")
    parameter_name = "category"
    links = Article.categories.through.objects
    target = "category"


class SourceFilter(LinkFilter):
    title = _("source")
    parameter_name = "source"
    links = ArticleSource.objects
    target = "source"


class SourceFormatFilter(admin.SimpleListFilter):
    """
    The format an article was imported from. The formats in use are read with a DISTINCT over every article, so they
    are remembered for an hour rather than read on every view of the list.
    """

    title = _("source format")
    parameter_name = "source_format"

    def lookups(self, request, model_admin):
        def formats():
            found = Article.objects.order_by().values_list("source_format", flat=True).distinct()
            return sorted(value for value in found if value)

        try:
            known = cache.get_or_set("admin:article-source-formats", formats, 3600)
        except Exception:  # noqa: BLE001 - the cache is an accelerator: without it, read them
            known = formats()
        return [(value, value) for value in known]

    def queryset(self, request, queryset):
        return queryset.filter(source_format=self.value()) if self.value() else queryset


class ArticleListPaginator(CappedPaginator):
    """Editors page through at most the newest 10,000 matches; search and filters find the rest."""

    cap = 10_000


class ArticleChangeList(ChangeList):
    """The list reads the columns it shows, never bodies or search columns."""

    def get_queryset(self, request, exclude_parameters=None):
        columns = [
            "pk",
            "short_code",
            "created_at",
            "updated_at",
            *languages.fields("headline"),
            *languages.fields("status"),
            # Each version's state with its time (`Article.version_state`): scheduled, live since, embargo, expiry.
            *languages.fields("scheduled_at"),
            *languages.fields("published_at"),
            "embargoed_until",
            "expires_at",
        ]
        return super().get_queryset(request, exclude_parameters).only(*columns)


class ArticleAdmin(BilingualMixin, TranslationAdmin):
    """What editors see of an article: fields side by side, its sources and pictures, lists and filters."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # Each language's body is written in the rich-text editor, in that language's direction.
        if isinstance(db_field, TranslationField) and db_field.translated_field.name == "body":
            kwargs["widget"] = BodyEditorWidget
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    # The versions' states include the missing ones; the time is short, so the list fits a phone.
    list_display = ["title", "language_versions", "short_code", "updated"]
    list_filter = [
        *(LanguageStatusFilter.for_language(code) for code in languages.CODES),
        CategoryFilter,
        SourceFilter,
        SourceFormatFilter,
        # A date filter rather than a date hierarchy: the hierarchy reads the distinct dates of every article.
        ("created_at", admin.DateFieldListFilter),
    ]
    # Searched by `get_search_results`: short code, source identifier, words of the headlines (indexed).
    search_fields = ["short_code"]
    search_help_text = _("A short code, an agency identifier, or the first letters of words in a headline.")
    # Counting every article on every view costs what listing them does; the paginator stops counting at its cap.
    show_full_result_count = False
    paginator = ArticleListPaginator
    autocomplete_fields = ["categories", "topics", "related"]
    readonly_fields = [
        "source_identifier",
        "source_format",
        "source_version",
        "created_at",
        "updated_at",
        "short_link",
        # The workflow state changes only through the workflow's actions, never by editing the fields.
        *languages.fields("status"),
        *languages.fields("published_at"),
        *languages.fields("scheduled_at"),
    ]
    inlines = [ArticleSourceInline, CaptionInline]
    list_per_page = 50
    fieldsets = [
        (
            _("Text"),
            {"fields": [languages.fields(name) for name in ("headline", "teaser", "body", "initials", "slug")]},
        ),
        (
            _("Publication"),
            {
                "fields": [
                    *(languages.fields(name) for name in ("status", "published_at", "scheduled_at")),
                    ("embargoed_until", "expires_at"),
                ]
            },
        ),
        (_("Classification"), {"fields": ["categories", "topics", "related", ("byline", "dateline")]}),
        (
            _("Origin"),
            {
                "classes": ["collapse"],
                "fields": [
                    ("short_code", "short_link"),
                    ("source_identifier", "source_format", "source_version"),
                    "agency_metadata",
                    ("created_at", "updated_at"),
                ],
            },
        ),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("source_links", queryset=ArticleSource.objects.select_related("source")))
        )

    def get_changelist(self, request, **kwargs):
        return ArticleChangeList

    def get_search_results(self, request, queryset, search_term):
        return search.editor_search(queryset, search_term), False

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or obj.may_be_changed_by(request.user)

    @admin.display(description=_("headline"))
    def title(self, obj):
        return (
            format_html_join(
                " ",
                '<span lang="{}" dir="{}">{}</span>',
                (
                    (language.code, language.direction, obj.text("headline", language.code))
                    for language in languages.all_languages()
                    if obj.has_language(language.code)
                ),
            )
            or obj.short_code
        )

    @admin.display(description=_("language versions"))
    def language_versions(self, obj):
        """
        Each version's state with the time that matters (embargoed until, scheduled for, expires) or that it is
        missing, read from the row itself: no query per row.
        """
        return format_html_join(
            "",
            '<span class="state-line"><abbr title="{}">{}</abbr> <span class="state state-{}">{}</span></span>',
            (
                (languages.name(code), code.upper(), state.key, str(state))
                for code in languages.CODES
                for state in [obj.version_state(code)]
            ),
        )

    @admin.display(description=_("updated"), ordering="updated_at")
    def updated(self, obj):
        return format_html(
            '<time datetime="{}">{}</time>', obj.updated_at.isoformat(), languages.short_time(obj.updated_at)
        )

    @admin.display(description=_("short link"))
    def short_link(self, obj):
        if not obj.short_code:
            return "—"
        return format_html('<a href="{0}">{0}</a>', obj.short_link())


@admin.register(Source)
class SourceAdmin(BilingualMixin, VersionAdmin, TranslationAdmin):
    list_display = ["code", *languages.fields("name"), "needs_naming"]
    list_filter = ["needs_naming"]
    search_fields = ["code", *languages.fields("name"), "aliases"]
    fields = ["code", languages.fields("name"), "aliases", "needs_naming"]


@admin.register(Category)
class CategoryAdmin(BilingualMixin, VersionAdmin, TranslationAdmin):
    list_display = [*languages.fields("name"), "parent"]
    list_filter = ["parent"]
    search_fields = [*languages.fields("name"), *languages.fields("slug")]
    autocomplete_fields = ["parent"]
    fields = [languages.fields("name"), languages.fields("slug"), "parent", "aliases"]


class ImageAdminForm(forms.ModelForm):
    class Meta:
        model = Image
        fields = "__all__"  # noqa: DJ007 - the admin narrows the form to its fields

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("focal_x", "focal_y"):
            if name in self.fields:
                # Left empty, the focal point stays where it is (the middle for a new picture).
                self.fields[name].required = False

    def clean(self):
        cleaned_data = super().clean()
        for name in ("focal_x", "focal_y"):
            if name in cleaned_data and cleaned_data[name] is None:
                cleaned_data[name] = getattr(self.instance, name)
        return cleaned_data

    def clean_file(self):
        file = self.cleaned_data.get("file")
        if isinstance(file, UploadedFile):
            stored = Image.stored_copy_of(file)
            if stored is not None and stored.pk != self.instance.pk:
                raise ValidationError(
                    format_html(
                        '{} <a href="{}">{}</a>',
                        gettext("This picture is in the archive already:"),
                        reverse("admin:articles_image_change", args=[stored.pk]),
                        str(stored),
                    ),
                    code="duplicate",
                )
        return file


@admin.register(Topic)
class TopicAdmin(BilingualMixin, VersionAdmin, TranslationAdmin):
    """Topics as imports created them, one language each; named in the other language too, a topic has a page there."""

    list_display = [*languages.fields("name"), "article_count", "created_at"]
    search_fields = [*languages.fields("name"), *languages.fields("slug")]
    fields = [languages.fields("name"), languages.fields("slug")]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(number_of_articles=Count("articles"))

    @admin.display(description=_("articles"), ordering="number_of_articles")
    def article_count(self, obj):
        return obj.number_of_articles


@admin.register(Image)
class ImageAdmin(BilingualMixin, VersionAdmin, TranslationAdmin):
    """
    Pictures, each change kept as a revision naming the editor. A picture a live or scheduled article shows is
    changed only by those who may publish (its file, credit and alt text are what readers see); others see it
    read-only. An upload already in the archive is refused, naming the stored picture.
    """

    form = ImageAdminForm

    list_display = ["thumbnail", "archive_title", "credit", "has_file", "width", "height", "created_at"]
    search_fields = ["archive_title", "credit", *languages.fields("alt_text"), "content_hash", "source_identifier"]
    readonly_fields = ["thumbnail", "width", "height", "content_hash", "created_at"]
    fields = [
        "file",
        "thumbnail",
        ("archive_title", "credit"),
        languages.fields("alt_text"),
        ("focal_x", "focal_y"),
        ("width", "height"),
        ("source_identifier", "remote_url"),
        ("content_hash", "created_at"),
    ]

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or obj.may_be_changed_by(request.user)

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or obj.may_be_changed_by(request.user)

    @admin.display(description=_("has file"), boolean=True)
    def has_file(self, obj):
        return not obj.is_awaiting_file

    def get_queryset(self, request):
        # Thumbnails are renditions: fetched with the page's rows, not once per row.
        return super().get_queryset(request).prefetch_related("renditions")

    @admin.display(description=_("preview"))
    def thumbnail(self, obj):
        return thumbnail_html(obj)
