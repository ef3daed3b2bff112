"""
Import one agency file from the desk in one step, for the everyday case of a single item: it is written as a draft
(never published, so nothing readers see changes), and the editor lands on the article to translate and edit it.
Anything else (zips with pictures, several items, an item the writer refuses or holds back) ends in a message naming
what happened, and the Import page with its preview remains the way for batches.
"""

import zipfile

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View

from . import staging
from .importers import ParseError, files
from .writer import CONFLICT, CREATED, FAILED, UNCHANGED, UPDATED, WIRE, import_data

DONE = {
    CREATED: _("Imported as a draft: %(headline)s"),
    UPDATED: _("Updated from the agency: %(headline)s"),
    UNCHANGED: _("Imported before and unchanged since: %(headline)s"),
}


class QuickImportForm(forms.Form):
    file = forms.FileField(label=_("Agency file (ninjs, NewsML-G2, page text or DW HTML)"))


class QuickImportView(View):
    http_method_names = ["post"]

    def post(self, request):
        if not request.user.has_perm("articles.add_article"):
            raise PermissionDenied
        changelist = reverse("admin:articles_article_changelist")
        form = QuickImportForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, gettext("Choose an agency file to import."))
            return HttpResponseRedirect(changelist)
        upload = form.cleaned_data["file"]
        try:
            files.check_size(upload.size, upload.name)
        except ParseError as error:
            messages.error(request, gettext("Not imported: %(reason)s") % {"reason": error.reason})
            return HttpResponseRedirect(changelist)
        if zipfile.is_zipfile(upload):
            messages.warning(request, gettext("A zip is imported on the Import page, where you see each item first."))
            return HttpResponseRedirect(reverse("admin:interchange_import"))
        upload.seek(0)
        try:
            # As the Import page does: the writer applies the editor's permissions and names them in the history.
            with staging.import_slot(request.user):
                outcomes = import_data(upload.name, upload.read(), user=request.user)
        except staging.TooManyImports:
            messages.error(request, gettext("You are running other imports; wait until they finish, then try again."))
            return HttpResponseRedirect(changelist)
        return self.report(request, outcomes, changelist)

    def report(self, request, outcomes, changelist):
        """Failures as errors; one article opens for editing; several are summed up on the list."""
        for outcome in outcomes:
            if outcome.status == FAILED:
                messages.error(request, gettext("Not imported: %(reason)s") % {"reason": outcome.describe()})
            elif outcome.status == WIRE:
                # Copy in a language we do not publish in waits on the incoming wire, to be used as one of ours.
                messages.warning(request, outcome.describe())
                if outcome.wire is not None and len(outcomes) == 1:
                    return HttpResponseRedirect(reverse("admin:interchange_wireitem_change", args=[outcome.wire.pk]))
        articles = [outcome for outcome in outcomes if outcome.article is not None and outcome.article.pk]
        if len(articles) != 1:
            if articles:
                messages.success(request, gettext("%(count)d items imported as drafts.") % {"count": len(articles)})
            return HttpResponseRedirect(changelist)
        outcome = articles[0]
        if outcome.status == CONFLICT:
            messages.warning(request, outcome.describe())
        elif outcome.draft_reason:
            messages.warning(request, outcome.draft_reason)
        else:
            messages.success(
                request, str(DONE[outcome.status]) % {"headline": outcome.article.text("headline", outcome.language)}
            )
        for warning in outcome.warnings:
            messages.warning(request, warning)
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[outcome.article.pk]))
