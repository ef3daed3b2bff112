"""
The editorial desk in the admin: mixins the article admin composes (the publishing panel, previews, the edit lock and
who else has the article open, revisions, bulk actions, the desk's list filter), each reading the one transition
table, and the admin of corrections and scheduler runs.
"""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _
from reversion.admin import VersionAdmin

from articles import admin as articles_admin
from articles import languages
from articles.admin import object_or_404, refused_list
from articles.models import PUBLISH_PERMISSION, Article, TranslationSource

from . import desk, revisions, translations
from .forms import ArticleAdminForm, ScheduleForm, WorkflowActionForm
from .models import Correction, EditLock, EditPresence, JobRun
from .transitions import WORKFLOW, Action

# How often an open change page tells the server it is still open, and learns whether its lock was taken over.
HEARTBEAT_SECONDS = 10
ALL_LANGUAGES = "all"


def preferred_language(article):
    """The language version "View on site" and previews open first: the admin's language if the article has it."""
    current = get_language()
    present = [code for code in languages.CODES if article.has_language(code)]
    return current if current in present else (present[0] if present else languages.DEFAULT)


class WorkflowPanelMixin:
    """The publishing panel on the change page: each language version's state and the actions the editor may take."""

    form = ArticleAdminForm

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"editor": request.user})

    def get_fieldsets(self, request, obj=None):
        """The publishing panel shows each version's state; the form keeps the embargo, expiry and its confirmation."""
        fieldsets = []
        for name, options in super().get_fieldsets(request, obj):
            fields = [
                field
                for field in options["fields"]
                if not (isinstance(field, tuple) and set(field) & set(revisions.WORKFLOW_FIELDS))
            ]
            if ("embargoed_until", "expires_at") in fields:
                fields.append("confirm_takedown")
            fieldsets.append((name, {**options, "fields": fields}))
        return fieldsets

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            form = context["adminform"].form
            rows = [self.workflow_row(request, obj, code, form) for code in languages.CODES]
            context.update(
                workflow=rows,
                publish_all=[row for row in rows if any(t.action == Action.PUBLISH for t in row["actions"])],
                merge_rows=form.merge_rows(),
                preview_page_url=reverse("admin:articles_article_preview", args=[obj.pk]),
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
            "state": obj.version_state(language),
            "published_at": obj.published_at_in(language),
            "preview_url": obj.get_preview_url(language) if obj.has_language(language) else None,
            "public_url": obj.get_absolute_url(language) if obj.is_published(language) else None,
            "actions": actions,
            "missing": languages.interface().join(missing),
            "warnings": obj.publish_warnings(language) if any(t.needs_complete for t in actions) else [],
            "schedule_field": form[f"schedule_at_{language}"],
            "correction_field": form[f"correction_{language}"],
            "corrections": obj.corrections.filter(language=language).order_by("created_at"),
        }

    def act(self, request, article, language, action, when=None, note=""):
        """
        Take one workflow action on one language version, or on every version that allows it (`all`), and tell the
        editor what was done; refusals are errors, never a green tick.
        """
        if language not in (*languages.CODES, ALL_LANGUAGES) or action not in Action.values:
            messages.error(request, gettext("Choose an action."))
            return []
        chosen = (
            [
                code
                for code in languages.CODES
                if WORKFLOW[action] in WORKFLOW.available_actions(article, code, request.user)
            ]
            if language == ALL_LANGUAGES
            else [language]
        )
        for code in chosen:
            try:
                message = WORKFLOW.transition(article, code, action, request.user, when=when, note=note)
            except (ValidationError, PermissionDenied) as error:
                reason = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
                messages.error(request, gettext("Not done: %(reason)s") % {"reason": reason})
            else:
                messages.success(request, message)
        return chosen

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Workflow buttons submit the whole form, so the editor's text is saved first and then acted on.
        language, _sep, action = request.POST.get("_workflow", "").partition(":")
        if not change or not action:
            return
        self.act(
            request,
            form.instance,
            language,
            action,
            when=form.cleaned_data.get(f"schedule_at_{language}"),
            note=form.cleaned_data.get(f"correction_{language}") or "",
        )

    def response_change(self, request, obj):
        if "_workflow" in request.POST:
            return HttpResponseRedirect(request.path)
        if "_preview" in request.POST:
            return HttpResponseRedirect(reverse("admin:articles_article_preview", args=[obj.pk]))
        return super().response_change(request, obj)

    def view_on_site(self, obj):
        """The page readers see when the version is live, its preview otherwise (a draft has no public page)."""
        language = preferred_language(obj)
        return obj.get_absolute_url(language) if obj.is_published(language) else obj.get_preview_url(language)


class PreviewMixin:
    """
    The side-by-side preview: every language version in the article page's real template, each in a frame, with
    its state, a link to share it, and the buttons to publish from there.
    """

    def get_urls(self):
        own = [
            path(
                "<path:object_id>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="articles_article_preview",
            ),
            path(
                "<path:object_id>/workflow/",
                self.admin_site.admin_view(self.workflow_view),
                name="articles_article_workflow",
            ),
        ]
        return [*own, *super().get_urls()]

    def preview_view(self, request, object_id):
        article = object_or_404(Article.objects.all(), object_id)
        if not self.has_view_or_change_permission(request, article):
            raise PermissionDenied
        may_change = self.has_change_permission(request, article)
        versions = [
            {
                "code": code,
                "name": languages.name(code),
                "direction": languages.direction(code),
                "state": article.version_state(code),
                "preview_url": article.get_preview_url(code),
                "shared_url": request.build_absolute_uri(article.get_shared_preview_url(code)),
                "actions": [
                    transition
                    for transition in WORKFLOW.available_actions(article, code, request.user)
                    if may_change and not transition.needs_time and not transition.needs_note
                ],
            }
            for code in languages.CODES
            if article.has_language(code)
        ]
        publishable = [version for version in versions if any(t.action == Action.PUBLISH for t in version["actions"])]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": article,
            "title": gettext("Preview"),
            "versions": versions,
            "publish_all": publishable if len(publishable) > 1 else [],
            "shared_link_expires": timezone.now() + timezone.timedelta(seconds=settings.PREVIEW_LINK_MAX_AGE),
        }
        return TemplateResponse(request, "admin/articles/article/preview.html", context)

    def workflow_view(self, request, object_id):
        """POST one workflow action (no time, no note) for one language or all: what the preview's buttons do."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = object_or_404(Article.objects.all(), object_id)
        if not self.has_change_permission(request, article):
            raise PermissionDenied
        language, _sep, action = request.POST.get("_workflow", "").partition(":")
        if action in Action.values and (WORKFLOW[action].needs_time or WORKFLOW[action].needs_note):
            messages.error(request, gettext("That action needs a time or a note: take it on the change page."))
        else:
            self.act(request, article, language, action)
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
            target = reverse("admin:articles_article_change", args=[article.pk])
        return HttpResponseRedirect(target)


class EditLockMixin:
    """
    Who is editing the article: the lock is taken when the change page opens, refreshed while it is open (every
    HEARTBEAT_SECONDS, which also tells a taken-over editor at once) and released on save; everyone who has the page
    open is listed on it.
    """

    def get_urls(self):
        lock = path("<path:object_id>/lock/", self.admin_site.admin_view(self.lock_view), name="articles_article_lock")
        return [lock, *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and request.method == "GET":
            EditPresence.seen(obj, request.user)
            if self.has_change_permission(request, obj):
                EditLock.acquire(obj, request.user)
        return super().change_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            lock = EditLock.holder(obj)
            context.update(
                edit_lock=lock,
                holds_lock=lock is not None and lock.user_id == request.user.pk,
                locked_by_other=lock is not None and lock.user_id != request.user.pk,
                can_take_over=request.user.has_perm("articles.take_over_lock"),
                lock_url=reverse("admin:articles_article_lock", args=[obj.pk]),
                heartbeat_seconds=HEARTBEAT_SECONDS,
                also_open=EditPresence.others(obj, request.user),
                list_separator=languages.interface().list_separator,
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def response_change(self, request, obj):
        if not {"_continue", "_workflow", "_preview"} & set(request.POST):
            EditLock.release(obj, request.user)
            EditPresence.leave(obj, request.user)
        return super().response_change(request, obj)

    def lock_view(self, request, object_id):
        """
        POST: the open page's heartbeat (refresh the lock and say who holds it and who else has the page open),
        `leave` when the page closes, or `take_over` to take the lock from another editor.
        """
        if request.method != "POST":
            return JsonResponse({"error": gettext("POST only.")}, status=405)
        article = object_or_404(Article.objects.all(), object_id)
        if not self.has_view_or_change_permission(request, article):
            raise PermissionDenied
        if "leave" in request.POST:
            EditPresence.leave(article, request.user)
            return JsonResponse({"left": True})
        may_change = self.has_change_permission(request, article)
        if "take_over" in request.POST:
            if not may_change:
                raise PermissionDenied
            if not request.user.has_perm("articles.take_over_lock"):
                raise PermissionDenied
            previous = EditLock.holder(article)
            EditLock.acquire(article, request.user, take_over=True)
            if previous is not None and previous.user_id != request.user.pk:
                message = gettext("Took over the edit lock from %(user)s.") % {"user": previous.holder_name}
                self.log_change(request, article, message)
                messages.warning(request, message)
            return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))
        EditPresence.seen(article, request.user)
        lock = EditLock.acquire(article, request.user) if may_change else EditLock.holder(article)
        return JsonResponse(
            {
                "mine": lock is not None and lock.user_id == request.user.pk,
                "holder": lock.holder_name if lock is not None else "",
                "others": EditPresence.others(article, request.user),
            }
        )


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
        article = object_or_404(Article.objects.all(), object_id)
        versions = list(revisions.versions_of(article))
        received = revisions.agency_versions(versions)
        for version in versions:
            version.received = received.get(version.pk, "")
        extra_context = {**(extra_context or {}), "versions": versions}
        return super().history_view(request, object_id, extra_context)

    def compare_view(self, request, object_id):
        article = object_or_404(Article.objects.all(), object_id)
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
        article = object_or_404(Article.objects.all(), object_id)
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


class TranslationDeskMixin:
    """
    Each language version beside what it is translated from, paragraph by paragraph, with what changed in the source
    since; "Translate from …" starts a version from the other language, "Mark translation done" records that it is up
    to date. The desk (`translations/`) lists per language what waits for a translation and what changed.
    """

    def get_urls(self):
        urls = [
            path(
                "translations/", self.admin_site.admin_view(self.translation_queue_view), name="articles_translations"
            ),
            path(
                "<path:object_id>/translation/<str:language>/<str:step>/",
                self.admin_site.admin_view(self.translation_step_view),
                name="articles_article_translation",
            ),
        ]
        return [*urls, *super().get_urls()]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            may_change = self.has_change_permission(request, obj)
            panels = []
            for code in languages.CODES:
                panel = translations.panel(obj, code)
                others = [other for other in languages.CODES if other != code and obj.has_language(other)]
                panels.append(
                    {
                        "code": code,
                        "name": languages.name(code),
                        "panel": panel,
                        "start_from": [(other, languages.name(other)) for other in others]
                        if panel is None and may_change
                        else [],
                        "may_change": may_change,
                    }
                )
            context.update(translation_panels=[each for each in panels if each["panel"] or each["start_from"]])
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            # The panels read every language's source; one query for all of them.
            prefetch_related_objects([obj], "translation_sources")
        return obj

    def translation_step_view(self, request, object_id, language, step):
        """POST `done` (the version is up to date with its source) or `from-<code>` (translate it from that one)."""
        article = object_or_404(Article.objects.all(), object_id)
        if request.method != "POST" or not self.has_change_permission(request, article):
            raise PermissionDenied
        if language not in languages.CODES:
            raise Http404
        if step == "done":
            source = get_object_or_404(TranslationSource, article=article, language=language)
            source.mark_done(request.user)
            message = gettext("Marked the %(language)s translation done: up to date with its source.") % {
                "language": languages.name(language)
            }
        elif step.startswith("from-") and step[5:] in languages.CODES and step[5:] != language:
            translations.start_from_other_language(article, language, step[5:], request.user)
            message = gettext("The %(language)s version is to be translated from the %(source)s version.") % {
                "language": languages.name(language),
                "source": languages.name(step[5:]),
            }
        else:
            raise Http404
        self.log_change(request, article, message)
        messages.success(request, message)
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))

    def translation_queue_view(self, request):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        language = request.GET.get("language", "")
        if language not in languages.CODES:
            language = languages.current().code
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Translation desk"),
            "language": language,
            "language_name": languages.name(language),
            "direction": languages.direction(language),
            "tabs": [(code, languages.name(code)) for code in languages.CODES],
            **translations.queue(language),
        }
        return TemplateResponse(request, "admin/workflow/translation_queue.html", context)


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
                refused_list(
                    ngettext(
                        "%(count)d language version was not changed:",
                        "%(count)d language versions were not changed:",
                        len(refused),
                    )
                    % {"count": len(refused)},
                    refused,
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
class ArticleAdmin(
    WorkflowPanelMixin,
    PreviewMixin,
    EditLockMixin,
    RevisionsMixin,
    TranslationDeskMixin,
    BulkActionsMixin,
    articles_admin.ArticleAdmin,
):
    change_list_template = "admin/articles/article/change_list.html"
    change_form_template = "admin/articles/article/change_form.html"
    list_filter = [*articles_admin.ArticleAdmin.list_filter, desk.DeskListFilter]


@admin.register(Correction)
class CorrectionAdmin(VersionAdmin):
    list_display = ["text", "article", "language", "created_at", "created_by"]
    list_filter = ["language"]
    readonly_fields = ["article", "language", "created_at", "created_by"]
    search_fields = ["text"]

    def has_add_permission(self, request):
        return False  # corrections are made with the article's "Publish a correction" action

    def has_change_permission(self, request, obj=None):
        # A correction is printed on the live page: rewording one is publishing, as making one is.
        return super().has_change_permission(request, obj) and request.user.has_perm(PUBLISH_PERMISSION)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and request.user.has_perm(PUBLISH_PERMISSION)


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ["name", "finished_at", "summary"]
    readonly_fields = ["name", "finished_at", "summary"]

    def has_add_permission(self, request):
        return False
