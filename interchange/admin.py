"""
Agency copy in the admin: updates awaiting review, the incoming wire and the feeds (the Import page is
interchange/admin_views.py).
"""

import reversion
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator, format_lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from articles import diff, languages
from articles.admin import object_or_404, refused_list
from articles.audit import system_user

from . import ingest
from .models import Feed, PendingUpdate, WireItem
from .writer import apply_pending_update, use_wire_item


@admin.register(PendingUpdate)
class PendingUpdateAdmin(admin.ModelAdmin):
    """Review an agency's newer version against the editor's text, word by word, then apply it or discard it."""

    list_display = ["headline", "article", "language", "source_format", "source_version", "created_at"]
    list_filter = ["language", "source_format"]
    list_select_related = ["article"]
    search_fields = [*(f"article__{name}" for name in languages.fields("headline")), "article__short_code"]
    actions = ["apply_updates"]
    fields = ["article", "language", "source_format", "source_version", "file_name", "created_at"]
    readonly_fields = fields
    change_form_template = "admin/interchange/pendingupdate/change_form.html"

    def has_add_permission(self, request):
        return False

    def get_urls(self):
        own = [
            path("<path:object_id>/apply/", self.admin_site.admin_view(self.apply_view), name="interchange_apply"),
            path(
                "<path:object_id>/discard/", self.admin_site.admin_view(self.discard_view), name="interchange_discard"
            ),
        ]
        return [*own, *super().get_urls()]

    def comparison(self, pending):
        """The editor's text and the agency's, word by word per paragraph, as the revisions' compare page shows it."""
        current, incoming = pending.article, pending.payload
        return [
            {
                "label": _("headline"),
                "rows": diff.compare_text(current.text("headline", pending.language), incoming.get("headline", "")),
            },
            {
                "label": _("teaser"),
                "rows": diff.compare_text(current.text("teaser", pending.language), incoming.get("teaser", "")),
            },
            {
                "label": _("body"),
                "rows": diff.compare_html(current.text("body", pending.language), incoming.get("body_html", "")),
            },
        ]

    def may_apply(self, request, pending):
        """Applying changes the article: the change permissions, and publishing once it is live or scheduled."""
        return (
            self.has_change_permission(request, pending)
            and request.user.has_perm("articles.change_article")
            and pending.article.may_be_changed_by(request.user)
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(
                changes=self.comparison(obj),
                language=obj.language,
                direction=languages.direction(obj.language),
                may_apply=self.may_apply(request, obj),
                needs_publish=not obj.article.may_be_changed_by(request.user),
                may_discard=self.has_delete_permission(request, obj),
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def apply_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        pending = object_or_404(PendingUpdate.objects.select_related("article"), object_id)
        if not self.may_apply(request, pending):
            raise PermissionDenied
        article = pending.article
        # One revision naming the editor; the writer's own revision and history entry for the item join it.
        with reversion.create_revision():
            reversion.set_user(request.user)
            reversion.set_comment(
                gettext("Applied the agency version %(version)s of the %(language)s version.")
                % {"version": pending.source_version or "—", "language": languages.name(pending.language)}
            )
            self.apply_updates(request, PendingUpdate.objects.filter(pk=pending.pk))
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))

    def discard_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        pending = object_or_404(PendingUpdate.objects.select_related("article"), object_id)
        if not self.has_delete_permission(request, pending):
            raise PermissionDenied
        article = pending.article
        message = gettext("Discarded the agency version %(version)s of the %(language)s version.") % {
            "version": pending.source_version or "—",
            "language": languages.name(pending.language),
        }
        pending.delete()
        self.log_change(request, article, message)
        self.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))

    @admin.action(
        description=_("Apply the selected agency versions (overwrites the editors' text)"), permissions=["change"]
    )
    def apply_updates(self, request, queryset):
        """Each version as the editor: the writer refuses live or scheduled articles they may not change, and
        names them in each applied article's history."""
        applied, refused = 0, []
        for pending in queryset.select_related("article"):
            if not self.may_apply(request, pending):
                refused.append((pending.article, gettext("You may not change this article.")))
                continue
            try:
                apply_pending_update(pending, user=request.user)
            except (ValidationError, PermissionDenied) as error:
                reason = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
                refused.append((pending.article, reason))
            else:
                applied += 1
        if applied:
            self.message_user(
                request,
                ngettext("%(count)d agency version applied.", "%(count)d agency versions applied.", applied)
                % {"count": applied},
            )
        if refused:
            self.message_user(
                request,
                refused_list(
                    ngettext(
                        "%(count)d agency version was not applied:",
                        "%(count)d agency versions were not applied:",
                        len(refused),
                    )
                    % {"count": len(refused)},
                    refused,
                ),
                messages.WARNING,
            )


class UrgencyFilter(admin.SimpleListFilter):
    """Flashes (dpa "eil", urgency 1), urgent items (2-3), the rest."""

    title = _("urgency")
    parameter_name = "urgency"

    def lookups(self, request, model_admin):
        return [("flash", _("flash")), ("urgent", _("urgent")), ("normal", _("normal"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "flash":
            return queryset.filter(urgency=1)
        if value == "urgent":
            return queryset.filter(urgency__in=[2, 3])
        if value == "normal":
            return queryset.exclude(urgency__in=[1, 2, 3])
        return queryset


class WireLanguageFilter(admin.SimpleListFilter):
    """The languages items arrived in, whichever they are."""

    title = _("language")
    parameter_name = "language"

    def lookups(self, request, model_admin):
        codes = WireItem.objects.order_by("language").values_list("language", flat=True).distinct()
        return [(code, languages.name(code) if code in languages.CODES else code or "?") for code in codes]

    def queryset(self, request, queryset):
        return queryset.filter(language=self.value()) if self.value() is not None else queryset


def use_action(code):
    """The list action "Use as <language>" for one publishing language."""

    def action(modeladmin, request, queryset):
        modeladmin.use_items(request, queryset, code)

    action.__name__ = f"use_as_{code}"
    return admin.action(
        description=format_lazy(_("Use as {language}"), language=languages.name(code)), permissions=["use"]
    )(action)


@admin.register(WireItem)
class WireItemAdmin(admin.ModelAdmin):
    """
    The incoming wire: every agency item received, newest first, by agency, language, urgency and state, searchable
    in either language. "Use as Arabic" / "Use as German" starts that version of an article from an item: its text
    in its own language, else the source the version is translated from.
    """

    list_display = ["received", "urgency_mark", "title", "language_name", "agency_name", "state", "used_in"]
    list_display_links = ["title"]
    list_filter = ["state", WireLanguageFilter, UrgencyFilter, "source", "feed", "format"]
    list_select_related = ["source", "feed", "article"]
    date_hierarchy = "updated_at"
    search_fields = ["search_text"]
    actions = [*(use_action(code) for code in languages.CODES), "ignore_items", "mark_new"]
    list_per_page = 50
    fields = [
        ("identifier", "version", "format"),
        ("agency", "source", "feed", "file_name"),
        ("language", "urgency", "pubstatus", "state"),
        ("versioned_at", "received_at", "updated_at"),
        "article",
        "text",
        "pictures",
        "topic_names",
    ]
    # Only the state is the editor's to set; the rest is as the agency sent it.
    readonly_fields = [
        name for row in fields for name in (row if isinstance(row, tuple) else (row,)) if name != "state"
    ]
    change_form_template = "admin/interchange/wireitem/change_form.html"

    class Media:
        css = {"all": ["admin/newsroom.css"]}

    def has_add_permission(self, request):
        return False

    def has_use_permission(self, request, obj=None):
        """Using an item makes or changes an article."""
        return request.user.has_perms(["articles.add_article", "articles.change_article"])

    def get_search_results(self, request, queryset, search_term):
        # Arabic folded as the text was when stored (alef forms, ta marbuta, diacritics), German lower-cased.
        return queryset.search(search_term), False

    def get_urls(self):
        use = path(
            "<path:object_id>/use/<str:language>/",
            self.admin_site.admin_view(self.use_view),
            name="interchange_wireitem_use",
        )
        return [use, *super().get_urls()]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(
                use_languages=[
                    {"code": code, "name": languages.name(code), "is_translation": code != obj.language}
                    for code in languages.CODES
                ]
                if self.has_use_permission(request, obj)
                else [],
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def use_view(self, request, object_id, language):
        """POST: use the item as the `language` version; then edit that article."""
        wire = object_or_404(WireItem.objects.all(), object_id)
        if request.method != "POST" or not self.has_use_permission(request, wire):
            raise PermissionDenied
        try:
            article = use_wire_item(wire, language, user=request.user)
        except (ValidationError, PermissionDenied) as error:
            reason = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            messages.error(request, gettext("Not used: %(reason)s") % {"reason": reason})
            return HttpResponseRedirect(reverse("admin:interchange_wireitem_change", args=[wire.pk]))
        messages.success(request, self.used_message(wire, language))
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))

    @staticmethod
    def used_message(wire, language):
        if wire.language == language:
            return gettext("The agency item is now the %(language)s version of this article.") % {
                "language": languages.name(language)
            }
        return gettext("The %(language)s version is to be translated from the agency item (%(source)s).") % {
            "language": languages.name(language),
            "source": wire.language or "?",
        }

    def use_items(self, request, queryset, language):
        used, refused = 0, []
        for wire in queryset:
            try:
                use_wire_item(wire, language, user=request.user)
            except (ValidationError, PermissionDenied) as error:
                reason = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
                refused.append((wire.headline, reason))
            else:
                used += 1
        if used:
            self.message_user(
                request,
                ngettext("%(count)d agency item used.", "%(count)d agency items used.", used) % {"count": used},
                messages.SUCCESS,
            )
        if refused:
            self.message_user(
                request,
                refused_list(
                    ngettext("%(count)d item was not used:", "%(count)d items were not used:", len(refused))
                    % {"count": len(refused)},
                    refused,
                ),
                messages.WARNING,
            )

    @admin.action(description=_("Ignore the selected items"), permissions=["change"])
    def ignore_items(self, request, queryset):
        count = queryset.update(state=WireItem.State.IGNORED)
        self.message_user(
            request, ngettext("%(count)d item ignored.", "%(count)d items ignored.", count) % {"count": count}
        )

    @admin.action(description=_("Mark the selected items as new"), permissions=["change"])
    def mark_new(self, request, queryset):
        count = queryset.update(state=WireItem.State.NEW)
        self.message_user(
            request, ngettext("%(count)d item marked new.", "%(count)d items marked new.", count) % {"count": count}
        )

    @admin.display(description=_("received"), ordering="updated_at")
    def received(self, obj):
        """When the latest version arrived: the time today, the day and time before."""
        arrived = timezone.localtime(obj.updated_at)
        today = timezone.localdate()
        return date_format(arrived, "H:i" if arrived.date() == today else "SHORT_DATETIME_FORMAT")

    @admin.display(description=_("urgency"), ordering="urgency")
    def urgency_mark(self, obj):
        if obj.urgency is None:
            return "—"
        if obj.is_flash:
            return format_html('<strong class="wire-flash">{}</strong>', _("flash"))
        return obj.urgency

    @admin.display(description=_("agency"), ordering="agency")
    def agency_name(self, obj):
        return format_html("<bdi>{}</bdi>", obj.source or obj.agency or "—")

    @admin.display(description=_("language"), ordering="language")
    def language_name(self, obj):
        return languages.name(obj.language) if obj.is_publishing_language else obj.language or "?"

    @admin.display(description=_("headline"), ordering="headline")
    def title(self, obj):
        return format_html('<span lang="{}" dir="{}">{}</span>', obj.language, obj.direction, obj.headline)

    @admin.display(description=_("article"))
    def used_in(self, obj):
        if obj.article is None:
            return "—"
        return format_html(
            '<a href="{}" dir="ltr">{}</a>',
            reverse("admin:articles_article_change", args=[obj.article_id]),
            obj.article.short_code,
        )

    @admin.display(description=_("text"))
    def text(self, obj):
        # The body was sanitized when the item was stored; it is shown as the article would show it.
        return format_html(
            '<div class="wire-text" lang="{}" dir="{}">'
            '<p class="wire-headline">{}</p><p class="wire-teaser">{}</p>{}</div>',
            obj.language,
            obj.direction,
            obj.headline,
            obj.teaser,
            mark_safe(obj.body),  # noqa: S308 - sanitized by articles.sanitizer when stored
        )

    @admin.display(description=_("topics"))
    def topic_names(self, obj):
        return format_html('<span lang="{}" dir="{}">{}</span>', obj.language, obj.direction, ", ".join(obj.topics))

    @admin.display(description=_("pictures"))
    def pictures(self, obj):
        images = list(obj.images.prefetch_related("renditions"))
        if not images:
            return "—"
        return format_html_join(
            " ",
            '<img src="{}" alt="" class="image-thumbnail" title="{}">',
            (
                (image.picture["src"], image.credit)
                for image in images
                if image.picture  # renditions, never the original
            ),
        )


@admin.register(Feed)
class FeedAdmin(admin.ModelAdmin):
    """Where agency copy arrives from, and how each feed is doing."""

    list_display = [
        "name",
        "kind",
        "location",
        "is_enabled",
        "creates_articles",
        "is_healthy",
        "last_polled_at",
        "last_success_at",
        "items_seen",
        "short_error",
    ]
    list_filter = ["kind", "is_enabled", "creates_articles"]
    search_fields = ["name", "location"]
    actions = ["poll_now"]

    class Media:
        css = {"all": ["admin/newsroom.css"]}

    fieldsets = [
        (None, {"fields": ["name", ("kind", "format"), "location", ("language", "source"), "credentials_variable"]}),
        (_("Polling"), {"fields": [("is_enabled", "creates_articles"), "poll_interval"]}),
        (
            _("Health"),
            {
                "fields": [
                    ("last_polled_at", "last_success_at"),
                    ("last_error_at", "items_seen"),
                    "last_error",
                    ("leased_until", "leased_by"),
                ]
            },
        ),
    ]
    readonly_fields = [
        "last_polled_at",
        "last_success_at",
        "last_error_at",
        "last_error",
        "items_seen",
        "leased_until",
        "leased_by",
    ]

    @admin.display(description=_("healthy"), boolean=True)
    def is_healthy(self, obj):
        return obj.is_healthy if obj.last_polled_at else None

    @admin.display(description=_("last error"))
    def short_error(self, obj):
        return Truncator(obj.last_error).chars(80) if obj.last_error else ""

    @admin.action(description=_("Poll the selected feeds now"), permissions=["change"])
    def poll_now(self, request, queryset):
        user = system_user(ingest.SYSTEM_USERNAME)
        for feed in queryset.select_related("source"):
            result = ingest.poll(feed, user=user)
            self.log_change(request, feed, gettext("Polled the feed."))
            if result.skipped:
                self.message_user(request, f"{feed}: {result.skipped}", messages.WARNING)
            elif result.error:
                self.message_user(request, f"{feed}: {result.error}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    ngettext(
                        "%(feed)s: %(count)d item received.",
                        "%(feed)s: %(count)d items received.",
                        len(result.outcomes),
                    )
                    % {"feed": feed, "count": len(result.outcomes)},
                    messages.SUCCESS,
                )
