"""Agency updates awaiting review in the admin (the Import page is interchange/admin_views.py)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils.html import format_html, format_html_join, strip_tags
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from articles import languages

from .models import PendingUpdate
from .writer import apply_pending_update


@admin.register(PendingUpdate)
class PendingUpdateAdmin(admin.ModelAdmin):
    """Review an agency's newer version beside the editor's text, then apply it or discard it."""

    list_display = ["headline", "article", "language", "source_format", "source_version", "created_at"]
    list_filter = ["language", "source_format"]
    list_select_related = ["article"]
    search_fields = [*(f"article__{name}" for name in languages.fields("headline")), "article__short_code"]
    actions = ["apply_updates"]
    fields = ["article", "language", "source_format", "source_version", "file_name", "created_at", "comparison"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("editor's version and incoming version"))
    def comparison(self, obj):
        current = obj.article
        direction = languages.direction(obj.language)
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
            _("in the CMS now"),
            _("incoming from the agency"),
            body,
        )

    @admin.action(
        description=_("Apply the selected agency versions (overwrites the editors' text)"), permissions=["change"]
    )
    def apply_updates(self, request, queryset):
        """Each version as the editor: the writer refuses live or scheduled articles they may not change, and
        names them in each applied article's history."""
        applied, refused = 0, []
        for pending in queryset.select_related("article"):
            try:
                apply_pending_update(pending, user=request.user)
            except PermissionDenied as error:
                refused.append((pending.article, str(error)))
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
                format_html(
                    "{}<ul>{}</ul>",
                    ngettext(
                        "%(count)d agency version was not applied:",
                        "%(count)d agency versions were not applied:",
                        len(refused),
                    )
                    % {"count": len(refused)},
                    format_html_join("", "<li><bdi>{}</bdi>: {}</li>", refused),
                ),
                messages.WARNING,
            )
