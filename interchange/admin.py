"""Agency updates awaiting review in the admin (the Import page is interchange/admin_views.py)."""

import reversion
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from articles import diff, languages

from .models import PendingUpdate
from .writer import apply_pending_update


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
        pending = get_object_or_404(PendingUpdate.objects.select_related("article"), pk=unquote(object_id))
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
        pending = get_object_or_404(PendingUpdate.objects.select_related("article"), pk=unquote(object_id))
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
        applied = 0
        for pending in queryset.select_related("article"):
            outcome = apply_pending_update(pending)
            message = gettext("Applied agency version ({language})").format(language=pending.language)
            self.log_change(request, outcome.article, message)
            applied += 1
        self.message_user(
            request,
            ngettext("%(count)d agency version applied.", "%(count)d agency versions applied.", applied)
            % {"count": applied},
        )
