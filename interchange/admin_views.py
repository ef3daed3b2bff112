"""
The admin's Import page: upload files, see what importing them would do to each item, then import on confirmation.

The preview is a dry run of the import itself (written in a transaction that is rolled back, pictures checked but not
stored), so what it predicts for each item is what importing does: new, update, unchanged, conflict, wire copy, fails
and why, or kept as draft and why. Items in a language the newsroom does not publish in are kept as wire copy unless
the editor chooses a language for them; Import is offered only when something can be imported.

Uploads wait between the steps in private storage (interchange/staging.py; agency files may hold non-public notes),
under a token kept in the editor's session, so only the editor who uploaded them can import them, on whichever server
the confirmation arrives.

The import is the editor's own: the writer applies their permissions and names them in each article's history.
"""

import logging

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.views.generic import FormView

from articles import languages, sanitizer
from articles.models import Article

from . import staging
from .forms import ConfirmForm, ImportForm, chosen_languages
from .writer import (
    CONFLICT,
    CREATED,
    FAILED,
    UNCHANGED,
    UPDATED,
    WIRE,
    SourceIndex,
    check_publish_permission,
    import_files,
)

logger = logging.getLogger(__name__)

SESSION_KEY = "article_import_token"
STAGED_PREFIX_LENGTH = len("000-")
# What importing does something with; a preview of nothing else offers no Import button.
IMPORTABLE = (CREATED, UPDATED, CONFLICT, WIRE)


def display_name(name, folder):
    """A staged file's name as the editor uploaded it: without the staging folder and the number before it."""
    return name.removeprefix(f"{folder}/")[STAGED_PREFIX_LENGTH:]


def predict(paths, options, user, choices):
    """What importing the staged files would do: a dry run of the import, grouped by file for the page."""
    folder = str(paths[0].parent) if paths else ""
    summary = import_files(
        paths,
        user=user,
        dry_run=True,
        choices=choices,
        label=lambda name: display_name(name, folder),
        **options,
    )
    sources = SourceIndex()
    files = {}
    for number, outcome in enumerate(summary.outcomes):
        entry = files.setdefault(outcome.file, {"name": outcome.file, "items": []})
        entry["items"].append(describe(number, outcome, sources, choices))
    return summary, list(files.values())


def describe(number, outcome, sources, choices):
    """One item of the preview: what was read and what importing will do with it."""
    item = outcome.parsed
    facts = languages.get(item.language) if item is not None and item.language in languages.CODES else None
    return {
        "number": number,
        "outcome": outcome,
        "item": item,
        "agencies": [(spelling, sources.find(spelling)) for spelling in item.agencies] if item else [],
        "direction": facts.direction if facts else "auto",
        "separator": facts.list_separator if facts else ", ",
        # An item in another language (or none) may be imported as a language version instead of wire copy.
        "chooses_language": item is not None and item.language not in languages.CODES,
        "chosen": choices.get(item.identifier, "") if item is not None else "",
        # Paragraphs apart, as they read (striptags would glue the last word of one to the first of the next).
        "body_text": " ".join(sanitizer.ANY_TAG.sub(" ", item.body_html).split()) if item is not None else "",
    }


class ImportView(FormView):
    template_name = "admin/interchange/import.html"
    form_class = ImportForm
    admin_site = admin.site

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm("articles.add_article"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.admin_site.each_context(self.request), opts=Article._meta, title=gettext("Import articles"))
        return context

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def post(self, request, *args, **kwargs):
        # The form offers "publish" only to those who may publish; asking for it anyway (a crafted request, either
        # step) is refused before anything is staged or written.
        check_publish_permission(request.user, "publish" in request.POST)
        try:
            with staging.import_slot(request.user):
                if "confirm" in request.POST or "recheck" in request.POST:
                    return self.confirm(request)
                return super().post(request, *args, **kwargs)
        except staging.TooManyImports:
            messages.error(request, gettext("You are running other imports; wait until they finish, then try again."))
            return self.render_to_response(self.get_context_data(form=self.get_form()), status=429)

    def form_valid(self, form):
        try:
            token = staging.stage(form.cleaned_data["files"])
        except OSError as error:
            logger.warning("import upload could not be staged", exc_info=True)
            form.add_error(
                "files",
                gettext("The files could not be kept for the preview ({reason}); please try again.").format(
                    reason=error.strerror or error.__class__.__name__
                ),
            )
            return self.form_invalid(form)
        self.request.session[SESSION_KEY] = token
        options = {
            "format": form.cleaned_data["format"],
            "language": form.cleaned_data["language"] or None,
            "publish": form.cleaned_data.get("publish", False),
        }
        return self.preview(token, options, {})

    def preview(self, token, options, choices):
        with staging.local_copies(token) as paths:
            if not paths:  # deleted since they were checked: imported by another request, or expired
                return self.expired(self.request)
            summary, previews = predict(paths, options, self.request.user, choices)
        importable = sum(1 for outcome in summary.outcomes if outcome.status in IMPORTABLE)
        context = self.get_context_data(
            previews=previews,
            token=token,
            options=options,
            choices=choices,
            step="preview",
            summary=summary,
            importable=importable,
            failing=summary.count(FAILED),
            unchanged=summary.count(UNCHANGED),
            language_choices=[("", gettext("Keep as wire copy"))]
            + [
                (code, gettext("Import as %(language)s") % {"language": languages.name(code)})
                for code in languages.CODES
            ],
        )
        return self.render_to_response(context)

    def confirm(self, request):
        form = ConfirmForm(request.POST)
        token = request.POST.get("token", "")
        names = staging.staged_names(token) if token == request.session.get(SESSION_KEY) else []
        if not names or not form.is_valid():
            return self.expired(request)
        options = {
            "format": form.cleaned_data["format"] or "auto",
            "language": form.cleaned_data["language"] or None,
            "publish": form.cleaned_data["publish"],
        }
        choices = chosen_languages(request.POST)
        if "recheck" in request.POST:
            return self.preview(token, options, choices)
        # The upload is claimed before it is imported, so a second click (on this server or another) cannot import
        # it again while the first import runs.
        if not staging.claim(token):
            messages.error(request, gettext("These files are already being imported."))
            return redirect("admin:interchange_import")
        request.session.pop(SESSION_KEY, None)
        with staging.local_copies(token) as paths:
            if not paths:  # deleted since they were checked: imported by another request, or expired
                return self.expired(request)
            folder = str(paths[0].parent)
            summary = import_files(
                paths,
                user=request.user,
                choices=choices,
                label=lambda name: display_name(name, folder),
                **options,
            )
        staging.delete(token)
        return self.render_to_response(self.get_context_data(summary=summary, step="result"))

    def expired(self, request):
        messages.error(request, gettext("The upload has expired; please upload the files again."))
        return redirect("admin:interchange_import")
