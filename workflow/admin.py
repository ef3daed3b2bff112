"""
The editorial desk in the admin: mixins the article admin composes (the publishing panel, the edit lock, revisions,
bulk actions), each reading the one transition table, and the admin of corrections and scheduler runs.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from reversion.admin import VersionAdmin

from articles import admin as articles_admin
from articles import languages
from articles.models import Article

from . import revisions
from .forms import ArticleAdminForm, ScheduleForm, WorkflowActionForm
from .models import Correction, EditLock, JobRun
from .transitions import WORKFLOW, Action


class WorkflowPanelMixin:
    """The publishing panel on the change page: each language version's state and the actions the editor may take."""

    form = ArticleAdminForm

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"editor": request.user})

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            form = context["adminform"].form
            context.update(
                workflow=[self.workflow_row(request, obj, code, form) for code in languages.CODES],
                merge_rows=form.merge_rows(),
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def workflow_row(self, request, obj, language, form):
        actions = (
            WORKFLOW.available_actions(obj, language, request.user) if self.has_change_permission(request, obj) else []
        )
        missing = obj.missing_fields(language) if obj.has_language(language) or actions else []
        return {
            "code": language,
            "name": languages.name(language),
            "status": obj.get_status_display_in(language),
            "published_at": obj.published_at_in(language),
            "scheduled_at": obj.scheduled_at_in(language),
            "is_live": obj.is_published(language),
            "actions": actions,
            "missing": languages.interface().join(missing),
            "warnings": obj.publish_warnings(language) if any(t.needs_complete for t in actions) else [],
            "schedule_field": form[f"schedule_at_{language}"],
            "correction_field": form[f"correction_{language}"],
            "corrections": obj.corrections.filter(language=language).order_by("created_at"),
        }

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Workflow buttons submit the whole form, so the editor's text is saved first and then acted on.
        language, _sep, action = request.POST.get("_workflow", "").partition(":")
        if not change or not action:
            return
        try:
            message = WORKFLOW.transition(
                form.instance,
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
        return super().response_change(request, obj)


class EditLockMixin:
    """Who is editing the article: taken when the change page opens, refreshed while it is open, released on save."""

    def get_urls(self):
        lock = path("<path:object_id>/lock/", self.admin_site.admin_view(self.lock_view), name="articles_article_lock")
        return [lock, *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and request.method == "GET" and self.has_change_permission(request, obj):
            EditLock.acquire(obj, request.user)
        return super().change_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            lock = EditLock.holder(obj)
            context.update(
                edit_lock=lock,
                locked_by_other=lock is not None and lock.user_id != request.user.pk,
                can_take_over=request.user.has_perm("articles.take_over_lock"),
                lock_url=reverse("admin:articles_article_lock", args=[obj.pk]),
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def response_change(self, request, obj):
        if "_continue" not in request.POST and "_workflow" not in request.POST:
            EditLock.release(obj, request.user)
        return super().response_change(request, obj)

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
                message = gettext("Took over the edit lock from %(user)s.") % {"user": previous.holder_name}
                self.log_change(request, article, message)
                messages.warning(request, message)
            return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))
        lock = EditLock.acquire(article, request.user)
        return JsonResponse({"mine": lock.user_id == request.user.pk, "holder": lock.holder_name})


class RevisionsMixin(VersionAdmin):
    """Every save is a revision (django-reversion); editors compare two per language and restore one."""

    object_history_template = "admin/articles/article/object_history.html"

    def get_urls(self):
        compare = path(
            "<path:object_id>/history/compare/",
            self.admin_site.admin_view(self.compare_view),
            name="articles_article_compare",
        )
        return [compare, *super().get_urls()]

    def history_view(self, request, object_id, extra_context=None):
        article = get_object_or_404(Article, pk=unquote(object_id))
        versions = list(revisions.versions_of(article))
        received = revisions.agency_versions(versions)
        for version in versions:
            version.received = received.get(version.pk, "")
        extra_context = {**(extra_context or {}), "versions": versions}
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
        return TemplateResponse(request, "admin/workflow/compare.html", context)


class BulkActionsMixin:
    """Publish, unpublish and schedule many articles at once, for one language or all, each in its own transaction."""

    action_form = WorkflowActionForm
    actions = ["publish_selected", "unpublish_selected", "schedule_selected"]

    def has_publish_permission(self, request):
        return request.user.has_perm(WORKFLOW[Action.PUBLISH].permission)

    def has_schedule_permission(self, request):
        return request.user.has_perm(WORKFLOW[Action.SCHEDULE].permission)

    def chosen_languages(self, request, value=None):
        value = value if value is not None else request.POST.get("language", "")
        return [value] if value in languages.CODES else list(languages.CODES)

    def run_bulk(self, request, queryset, action, chosen, when=None):
        """One transaction per article and language; a summary of what was done and why the rest was not."""
        done, refused = 0, []
        for article in queryset:
            for language in chosen:
                try:
                    WORKFLOW.transition(article, language, action, request.user, when=when)
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
                % {"action": WORKFLOW[action].label, "count": done},
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
                    )
                    % {"count": len(refused)},
                    format_html_join("", "<li><bdi>{}</bdi>: {}</li>", refused),
                ),
                messages.WARNING,
            )

    @admin.action(description=_("Publish selected articles now"), permissions=["publish"])
    def publish_selected(self, request, queryset):
        self.run_bulk(request, queryset, Action.PUBLISH, self.chosen_languages(request))

    @admin.action(description=_("Unpublish selected articles"), permissions=["publish"])
    def unpublish_selected(self, request, queryset):
        self.run_bulk(request, queryset, Action.UNPUBLISH, self.chosen_languages(request))

    @admin.action(description=_("Schedule selected articles…"), permissions=["schedule"])
    def schedule_selected(self, request, queryset):
        """An intermediate page asks when; its submission comes back here with `apply`."""
        if "apply" in request.POST:
            form = ScheduleForm(request.POST)
            if form.is_valid():
                chosen = self.chosen_languages(request, form.cleaned_data["language"])
                self.run_bulk(request, queryset, Action.SCHEDULE, chosen, when=form.cleaned_data["when"])
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
        return TemplateResponse(request, "admin/workflow/schedule.html", context)


@admin.register(Article)
class ArticleAdmin(WorkflowPanelMixin, EditLockMixin, RevisionsMixin, BulkActionsMixin, articles_admin.ArticleAdmin):
    change_list_template = "admin/articles/article/change_list.html"
    change_form_template = "admin/articles/article/change_form.html"


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
