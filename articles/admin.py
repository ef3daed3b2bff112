"""
The editors' admin: both language versions side by side, Arabic inputs right to left whatever the admin's language.
"""
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join, strip_tags
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin, TranslationInlineModelAdmin
from modeltranslation.fields import TranslationField
from reversion.admin import VersionAdmin

from . import admin_views, revisions
from .admin_forms import ArticleAdminForm, ScheduleForm, WorkflowActionForm
from .importers.writer import apply_pending_update
from .models import (
    LANGUAGE_CODES,
    Article,
    ArticleSource,
    Caption,
    Category,
    Correction,
    EditLock,
    Image,
    JobRun,
    PendingUpdate,
    Source,
    Status,
    language_name,
)

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
class ArticleAdmin(BilingualMixin, VersionAdmin, TranslationAdmin):
    form = ArticleAdminForm
    action_form = WorkflowActionForm
    actions = ["publish_selected", "unpublish_selected", "schedule_selected"]
    change_list_template = "admin/articles/article/change_list.html"
    change_form_template = "admin/articles/article/change_form.html"
    object_history_template = "admin/articles/article/object_history.html"
    list_display = ["title", "short_code", "language_versions", "missing_versions", "updated_at"]
    list_filter = [ArabicStatusFilter, GermanStatusFilter, "categories", "sources", "source_format"]
    search_fields = [
        "headline_ar", "headline_de", "teaser_ar", "teaser_de", "short_code", "source_identifier", "search_text",
    ]
    autocomplete_fields = ["categories", "related"]
    readonly_fields = [
        "source_identifier", "source_format", "source_version", "created_at", "updated_at", "short_link",
        # The workflow state changes only through the actions, never by editing the fields.
        "status_ar", "status_de", "published_at_ar", "published_at_de", "scheduled_at_ar", "scheduled_at_de",
    ]
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
            path("<path:object_id>/lock/", self.admin_site.admin_view(self.lock_view), name="articles_article_lock"),
            path(
                "<path:object_id>/history/compare/",
                self.admin_site.admin_view(self.compare_view),
                name="articles_article_compare",
            ),
        ]
        return urls + super().get_urls()

    # --- roles ------------------------------------------------------------------------------------------------------
    def has_change_permission(self, request, obj=None):
        """Reporters edit drafts; once a language version is live or scheduled, only editors change the article."""
        if not super().has_change_permission(request, obj):
            return False
        if obj is not None and not request.user.has_perm("articles.publish_article"):
            return not any(obj.status_in(code) in (Status.PUBLISHED, Status.SCHEDULED) for code in LANGUAGE_CODES)
        return True

    def has_publish_permission(self, request):
        return request.user.has_perm("articles.publish_article")

    def has_schedule_permission(self, request):
        return request.user.has_perm("articles.schedule_article")

    # --- the change page: workflow panel, edit lock, stale forms -------------------------------------------------
    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"editor": request.user})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and request.method == "GET" and self.has_change_permission(request, obj):
            EditLock.acquire(obj, request.user)
        return super().change_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            lock = EditLock.holder(obj)
            context.update(
                workflow=[self.workflow_row(request, obj, code, context["adminform"].form) for code in LANGUAGE_CODES],
                edit_lock=lock,
                locked_by_other=lock is not None and lock.user_id != request.user.pk,
                can_take_over=request.user.has_perm("articles.take_over_lock"),
                merge_rows=context["adminform"].form.merge_rows(),
                lock_url=reverse("admin:articles_article_lock", args=[obj.pk]),
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def workflow_row(self, request, obj, language, form):
        actions = obj.available_actions(language, request.user) if self.has_change_permission(request, obj) else []
        missing = obj.missing_fields(language) if obj.has_language(language) or actions else []
        return {
            "code": language,
            "name": language_name(language),
            "status": obj.get_status_display_in(language),
            "published_at": obj.published_at_in(language),
            "scheduled_at": getattr(obj, f"scheduled_at_{language}"),
            "is_live": obj.is_published(language),
            "actions": [(action, Article.ACTION_LABELS[action]) for action in actions],
            "missing": missing,
            "warnings": obj.publish_warnings(language) if "publish" in actions or "schedule" in actions else [],
            "schedule_field": form[f"schedule_at_{language}"],
            "correction_field": form[f"correction_{language}"],
            "corrections": obj.corrections_for(language),
        }

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Workflow buttons submit the whole form, so the editor's text is saved first and then acted on.
        language, _sep, action = request.POST.get("_workflow", "").partition(":")
        if not change or not action:
            return
        try:
            message = form.instance.transition(
                language,
                action,
                request.user,
                when=form.cleaned_data.get(f"schedule_at_{language}"),
                note=form.cleaned_data.get(f"correction_{language}") or "",
            )
        except (ValidationError, PermissionDenied) as error:
            reason = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            messages.error(request, gettext("Saved, but not done: %(reason)s") % {"reason": reason})
        else:
            messages.success(request, message)

    def response_change(self, request, obj):
        if "_workflow" in request.POST:
            return HttpResponseRedirect(request.path)
        if "_continue" not in request.POST:
            EditLock.release(obj, request.user)
        return super().response_change(request, obj)

    @staticmethod
    def holder_name(lock):
        return lock.user.get_full_name() or lock.user.get_username()

    def lock_view(self, request, object_id):
        """POST: refresh the editor's lock (heartbeat) or, with take_over, take it from another editor."""
        if request.method != "POST":
            return JsonResponse({"error": gettext("POST only.")}, status=405)
        article = get_object_or_404(Article, pk=unquote(object_id))
        if not self.has_change_permission(request, article):
            raise PermissionDenied
        if "take_over" in request.POST:
            if not request.user.has_perm("articles.take_over_lock"):
                raise PermissionDenied
            previous = EditLock.holder(article)
            EditLock.acquire(article, request.user, take_over=True)
            if previous is not None and previous.user_id != request.user.pk:
                message = gettext("Took over the edit lock from %(user)s.") % {"user": self.holder_name(previous)}
                self.log_change(request, article, message)
                messages.warning(request, message)
            return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))
        lock = EditLock.acquire(article, request.user)
        return JsonResponse({"mine": lock.user_id == request.user.pk, "holder": self.holder_name(lock)})

    # --- revisions ---------------------------------------------------------------------------------------------------
    def history_view(self, request, object_id, extra_context=None):
        article = get_object_or_404(Article, pk=unquote(object_id))
        extra_context = {**(extra_context or {}), "versions": revisions.versions_of(article)}
        return super().history_view(request, object_id, extra_context)

    def compare_view(self, request, object_id):
        article = get_object_or_404(Article, pk=unquote(object_id))
        if not self.has_view_or_change_permission(request, article):
            raise PermissionDenied
        versions = revisions.versions_of(article)
        try:
            old, new = sorted(
                (versions.get(pk=int(request.GET[key])) for key in ("a", "b")), key=lambda v: v.revision.date_created
            )
        except (KeyError, ValueError, versions.model.DoesNotExist):
            messages.error(request, gettext("Choose two revisions of this article to compare."))
            return HttpResponseRedirect(reverse("admin:articles_article_history", args=[article.pk]))
        return self.revision_page(request, article, old, new, title=gettext("Compare revisions"))

    def revision_view(self, request, object_id, version_id, extra_context=None):
        """One revision against the current state, with a button to restore it (replaces reversion's form)."""
        article = get_object_or_404(Article, pk=unquote(object_id))
        version = get_object_or_404(revisions.versions_of(article), pk=version_id)
        if request.method == "POST":
            if not self.has_change_permission(request, article):
                raise PermissionDenied
            revisions.restore(version, request.user)
            messages.success(request, gettext("The revision was restored; its workflow state stayed as it was."))
            return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))
        if not self.has_view_or_change_permission(request, article):
            raise PermissionDenied
        latest = revisions.versions_of(article).first()
        return self.revision_page(request, article, version, latest, title=gettext("Revision"), restore=version)

    def revision_page(self, request, article, old, new, title, restore=None):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": article,
            "title": title,
            "old": old,
            "new": new,
            "sections": revisions.compare(old, new),
            "restore": restore if restore and self.has_change_permission(request, article) else None,
        }
        return TemplateResponse(request, "admin/articles/article/compare.html", context)

    # --- bulk actions ------------------------------------------------------------------------------------------------
    def chosen_languages(self, request, value=None):
        value = value if value is not None else request.POST.get("language", "")
        return [value] if value in LANGUAGE_CODES else list(LANGUAGE_CODES)

    def run_bulk(self, request, queryset, action, languages, when=None):
        """One transaction per article and language; a summary of what was done and why the rest was not."""
        done, refused = 0, []
        for article in queryset:
            for language in languages:
                try:
                    article.transition(language, action, request.user, when=when)
                    done += 1
                except ValidationError as error:
                    refused.append((str(article), " ".join(error.messages)))
                except PermissionDenied as error:
                    refused.append((str(article), str(error)))
        if done:
            self.message_user(
                request,
                ngettext(
                    "%(action)s: %(count)d language version done.",
                    "%(action)s: %(count)d language versions done.",
                    done,
                )
                % {"action": Article.ACTION_LABELS[action], "count": done},
                messages.SUCCESS,
            )
        if refused:
            self.message_user(
                request,
                format_html(
                    "{}<ul>{}</ul>",
                    ngettext(
                        "%(count)d language version was not changed:",
                        "%(count)d language versions were not changed:",
                        len(refused),
                    ) % {"count": len(refused)},
                    format_html_join("", "<li><bdi>{}</bdi>: {}</li>", refused),
                ),
                messages.WARNING,
            )

    @admin.action(description=_("Publish selected articles now"), permissions=["publish"])
    def publish_selected(self, request, queryset):
        self.run_bulk(request, queryset, "publish", self.chosen_languages(request))

    @admin.action(description=_("Unpublish selected articles"), permissions=["publish"])
    def unpublish_selected(self, request, queryset):
        self.run_bulk(request, queryset, "unpublish", self.chosen_languages(request))

    @admin.action(description=_("Schedule selected articles…"), permissions=["schedule"])
    def schedule_selected(self, request, queryset):
        """An intermediate page asks when; its submission comes back here with `apply`."""
        if "apply" in request.POST:
            form = ScheduleForm(request.POST)
            if form.is_valid():
                languages = self.chosen_languages(request, form.cleaned_data["language"])
                self.run_bulk(request, queryset, "schedule", languages, when=form.cleaned_data["when"])
                return None
        else:
            form = ScheduleForm(initial={"language": request.POST.get("language", "")})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Schedule articles"),
            "form": form,
            "articles": queryset,
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
        }
        return TemplateResponse(request, "admin/articles/article/schedule.html", context)

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


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    list_display = ["text", "article", "language", "created_at", "created_by"]
    list_filter = ["language"]
    readonly_fields = ["article", "language", "created_at", "created_by"]
    search_fields = ["text"]

    def has_add_permission(self, request):
        return False  # corrections are made with the article's "Publish a correction" action


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ["name", "finished_at", "summary"]
    readonly_fields = ["name", "finished_at", "summary"]

    def has_add_permission(self, request):
        return False


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
