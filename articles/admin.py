"""
The editors' admin: both language versions side by side, Arabic inputs right to left whatever the admin's language.
"""
from django.contrib import admin
from django.db.models import Prefetch
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join, strip_tags
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin, TranslationInlineModelAdmin
from modeltranslation.fields import TranslationField

from . import admin_views
from .importers.writer import apply_pending_update
from .models import LANGUAGE_CODES, Article, ArticleSource, Caption, Category, Image, PendingUpdate, Source, language_name

TEXT_DIRECTION = {"ar": "rtl", "de": "ltr"}


def language_attrs(db_field):
    """`lang`/`dir` for a translation field's widget (`headline_ar` -> lang=ar dir=rtl), or {}."""
    if not isinstance(db_field, TranslationField):
        return {}
    return {"lang": db_field.language, "dir": TEXT_DIRECTION.get(db_field.language, "auto")}


class BilingualMixin:
    """Marks every translated input with its language and direction, so Arabic is typed right to left."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        attrs = language_attrs(db_field)
        if formfield is not None and attrs:
            formfield.widget.attrs.update(attrs)
        return formfield

    class Media:
        css = {"all": ["admin/newsroom.css"]}


class CaptionInline(BilingualMixin, TranslationInlineModelAdmin, admin.StackedInline):
    model = Caption
    extra = 0
    autocomplete_fields = ["image"]
    fields = [("image", "picture"), ("placement", "position", "paragraph"), ("text_ar", "text_de")]
    readonly_fields = ["picture"]
    verbose_name = _("image in this article")
    verbose_name_plural = _("images in this article")

    @admin.display(description=_("picture"))
    def picture(self, obj):
        """The picture with its archive title and credit, so editors see what the caption describes."""
        image = obj.image if obj.pk else None
        if image is None:
            return "—"
        preview = (
            format_html('<img src="{}" alt="" class="caption-thumbnail">', image.file.url)
            if not image.is_awaiting_file
            else format_html('<span class="awaiting-file">{}</span>', _("awaiting its file"))
        )
        return format_html(
            '{} <span dir="ltr"><bdi>{}</bdi> · {}: <bdi>{}</bdi></span>',
            preview, image.archive_title, _("credit"), image.credit,
        )


class ArticleSourceInline(admin.TabularInline):
    model = ArticleSource
    extra = 0
    autocomplete_fields = ["source"]
    fields = ["source", "position"]
    verbose_name = _("source")
    verbose_name_plural = _("sources (in the order the article credits them)")


class PendingUpdateInline(admin.TabularInline):
    """Newer agency versions that were not applied because an editor had changed the article."""

    model = PendingUpdate
    extra = 0
    can_delete = True
    fields = ["review_link", "language", "source_format", "source_version", "created_at"]
    readonly_fields = fields
    verbose_name_plural = _("agency updates awaiting review")

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("incoming version"))
    def review_link(self, obj):
        url = reverse("admin:articles_pendingupdate_change", args=[obj.pk])
        return format_html('<a href="{}" dir="auto">{}</a>', url, obj.headline)


class LanguageStatusFilter(admin.SimpleListFilter):
    """State of one language version; one filter per language."""

    language = None

    def lookups(self, request, model_admin):
        from .models import Status

        return [*Status.choices, ("missing", _("Missing"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "missing":
            return queryset.missing_language(self.language)
        if value:
            return queryset.filter(**{f"status_{self.language}": value}).exclude(
                pk__in=queryset.missing_language(self.language).values("pk")
            )
        return queryset


class ArabicStatusFilter(LanguageStatusFilter):
    title = _("Arabic version")
    parameter_name = "status_ar"
    language = "ar"


class GermanStatusFilter(LanguageStatusFilter):
    title = _("German version")
    parameter_name = "status_de"
    language = "de"


@admin.register(Article)
class ArticleAdmin(BilingualMixin, TranslationAdmin):
    change_list_template = "admin/articles/article/change_list.html"
    list_display = ["title", "short_code", "language_versions", "missing_versions", "updated_at"]
    list_filter = [ArabicStatusFilter, GermanStatusFilter, "categories", "sources", "source_format"]
    search_fields = [
        "headline_ar", "headline_de", "teaser_ar", "teaser_de", "short_code", "source_identifier", "search_text",
    ]
    autocomplete_fields = ["categories", "related"]
    readonly_fields = ["source_identifier", "source_format", "source_version", "created_at", "updated_at", "short_link"]
    inlines = [ArticleSourceInline, CaptionInline, PendingUpdateInline]
    date_hierarchy = "created_at"
    list_per_page = 50
    fieldsets = [
        (_("Text"), {"fields": [
            ("headline_ar", "headline_de"),
            ("teaser_ar", "teaser_de"),
            ("body_ar", "body_de"),
            ("initials_ar", "initials_de"),
            ("slug_ar", "slug_de"),
        ]}),
        (_("Publication"), {"fields": [
            ("status_ar", "status_de"),
            ("published_at_ar", "published_at_de"),
            ("scheduled_at_ar", "scheduled_at_de"),
            ("embargoed_until", "expires_at"),
        ]}),
        (_("Classification"), {"fields": ["categories", "related", ("byline", "dateline")]}),
        (_("Origin"), {"classes": ["collapse"], "fields": [
            ("short_code", "short_link"),
            ("source_identifier", "source_format", "source_version"),
            "agency_metadata",
            ("created_at", "updated_at"),
        ]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(
            Prefetch("source_links", queryset=ArticleSource.objects.select_related("source"))
        )

    def get_urls(self):
        urls = [
            path(
                "import/",
                self.admin_site.admin_view(admin_views.ImportView.as_view(model_admin=self)),
                name="articles_article_import",
            ),
        ]
        return urls + super().get_urls()

    @admin.display(description=_("headline"))
    def title(self, obj):
        return format_html_join(
            " ",
            '<span lang="{}" dir="{}">{}</span>',
            ((code, TEXT_DIRECTION[code], obj.text("headline", code)) for code in LANGUAGE_CODES if obj.has_language(code)),
        ) or obj.short_code

    @admin.display(description=_("language versions"))
    def language_versions(self, obj):
        return format_html_join(
            ", ",
            "{}: {}",
            (
                (code.upper(), obj.get_status_display_in(code))
                for code in LANGUAGE_CODES
                if obj.has_language(code)
            ),
        )

    @admin.display(description=_("missing"))
    def missing_versions(self, obj):
        missing = obj.missing_languages
        if not missing:
            return "—"
        return format_html(
            '<strong class="missing-language">{}</strong>', ", ".join(str(language_name(code)) for code in missing)
        )

    @admin.display(description=_("short link"))
    def short_link(self, obj):
        if not obj.short_code:
            return "—"
        return format_html('<a href="{0}">{0}</a>', obj.short_link())


@admin.register(Source)
class SourceAdmin(BilingualMixin, TranslationAdmin):
    list_display = ["code", "name_ar", "name_de", "needs_naming"]
    list_filter = ["needs_naming"]
    search_fields = ["code", "name_ar", "name_de", "aliases"]
    fields = ["code", ("name_ar", "name_de"), "aliases", "needs_naming"]


@admin.register(Category)
class CategoryAdmin(BilingualMixin, TranslationAdmin):
    list_display = ["name_ar", "name_de", "parent"]
    list_filter = ["parent"]
    search_fields = ["name_ar", "name_de", "slug_ar", "slug_de"]
    autocomplete_fields = ["parent"]
    fields = [("name_ar", "name_de"), ("slug_ar", "slug_de"), "parent", "aliases"]


@admin.register(Image)
class ImageAdmin(BilingualMixin, TranslationAdmin):
    list_display = ["thumbnail", "archive_title", "credit", "has_file", "width", "height", "created_at"]
    search_fields = ["archive_title", "credit", "alt_text_ar", "alt_text_de", "content_hash", "source_identifier"]
    readonly_fields = ["thumbnail", "width", "height", "content_hash", "created_at"]
    fields = [
        "file", "thumbnail", ("archive_title", "credit"), ("alt_text_ar", "alt_text_de"),
        ("width", "height"), ("source_identifier", "remote_url"), ("content_hash", "created_at"),
    ]

    @admin.display(description=_("has file"), boolean=True)
    def has_file(self, obj):
        return not obj.is_awaiting_file

    @admin.display(description=_("preview"))
    def thumbnail(self, obj):
        if obj.is_awaiting_file:
            return _("awaiting its file")
        return format_html('<img src="{}" alt="" style="max-height:80px;max-width:140px">', obj.file.url)


@admin.register(PendingUpdate)
class PendingUpdateAdmin(admin.ModelAdmin):
    """Review an agency's newer version beside the editor's text, then apply it or discard it."""

    list_display = ["headline", "article", "language", "source_format", "source_version", "created_at"]
    list_filter = ["language", "source_format"]
    list_select_related = ["article"]
    search_fields = ["article__headline_ar", "article__headline_de", "article__short_code"]
    actions = ["apply_updates"]
    fields = ["article", "language", "source_format", "source_version", "file_name", "created_at", "comparison"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("editor's version and incoming version"))
    def comparison(self, obj):
        current = obj.article
        direction = TEXT_DIRECTION.get(obj.language, "auto")
        rows = [
            (_("headline"), current.text("headline", obj.language), obj.payload.get("headline", "")),
            (_("teaser"), current.text("teaser", obj.language), obj.payload.get("teaser", "")),
            (_("body"), strip_tags(current.text("body", obj.language)), strip_tags(obj.payload.get("body_html", ""))),
        ]
        body = format_html_join(
            "",
            '<tr><th>{}</th><td lang="{}" dir="{}">{}</td><td lang="{}" dir="{}">{}</td></tr>',
            ((label, obj.language, direction, mine, obj.language, direction, theirs) for label, mine, theirs in rows),
        )
        return format_html(
            '<table class="pending-comparison"><thead><tr><th></th><th>{}</th><th>{}</th></tr></thead>{}</table>',
            _("in the CMS now"), _("incoming from the agency"), body,
        )

    @admin.action(description=_("Apply the selected agency versions (overwrites the editors' text)"), permissions=["change"])
    def apply_updates(self, request, queryset):
        applied = 0
        for pending in queryset.select_related("article"):
            outcome = apply_pending_update(pending)
            self.log_change(request, outcome.article, gettext("Applied agency version ({language})").format(language=pending.language))
            applied += 1
        self.message_user(
            request,
            ngettext("%(count)d agency version applied.", "%(count)d agency versions applied.", applied) % {"count": applied},
        )
