"""
The admin's Import page: upload files, see what the importer recognised in each, then import on confirmation.

Uploads wait between the two steps in a staging folder outside MEDIA_ROOT (agency files may hold non-public notes),
under a token kept in the editor's session, so only the editor who uploaded them can import them.
"""
import secrets
import shutil
import zipfile
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView

from .importers import FORMATS, ParseError, parse_each
from .importers.writer import SourceIndex, import_files, zip_members
from .models import LANGUAGE_CODES, language_name

SESSION_KEY = "article_import_token"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


def format_choices():
    return [("auto", _("Detect automatically")), *((name, name) for name in FORMATS)]


class ImportForm(forms.Form):
    files = MultipleFileField(label=_("Files"))
    format = forms.ChoiceField(label=_("Format"), choices=format_choices, initial="auto")
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("As the file says")), *((code, language_name(code)) for code in LANGUAGE_CODES)],
    )
    publish = forms.BooleanField(label=_("Publish the imported language versions at once"), required=False)

    def clean_files(self):
        files = self.cleaned_data["files"]
        for upload in files:
            if upload.size > settings.IMPORT_MAX_FILE_BYTES:
                raise forms.ValidationError(
                    gettext("%(name)s is larger than %(limit)s bytes.")
                    % {"name": upload.name, "limit": f"{settings.IMPORT_MAX_FILE_BYTES:,}"},
                    code="too_large",
                )
        return files


def staging_dir(token):
    if not token or not token.isalnum():
        raise PermissionDenied
    return Path(settings.IMPORT_STAGING_ROOT) / token


def previews(path, format, language):
    """What the importer reads in one staged file (each item file of a zip), without writing anything."""
    if not zipfile.is_zipfile(path):
        return [preview(path.name, path.read_bytes(), format, language)]
    try:
        with zipfile.ZipFile(path) as archive:
            return [
                preview(f"{path.name}:{info.filename}", archive.read(info), format, language)
                for info in zip_members(archive, path.name)
            ]
    except (ParseError, zipfile.BadZipFile) as error:
        return [{"name": path.name, "error": str(error), "items": []}]


def preview(name, data, format, language):
    try:
        entries = parse_each(data, name, format, language or None)
    except ParseError as error:
        return {"name": name, "error": error.reason, "items": []}
    sources = SourceIndex()
    items = []
    for entry in entries:
        if isinstance(entry, ParseError):
            items.append({"error": str(entry)})
            continue
        items.append({"item": entry, "agencies": [(name, sources.by_alias.get(sources.key(name))) for name in entry.agencies]})
    return {"name": name, "items": items}


class ImportView(FormView):
    template_name = "admin/articles/article/import.html"
    form_class = ImportForm
    model_admin = None

    def dispatch(self, request, *args, **kwargs):
        if not self.model_admin.has_add_permission(request):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            self.model_admin.admin_site.each_context(self.request),
            opts=self.model_admin.model._meta,
            title=gettext("Import articles"),
        )
        return context

    def post(self, request, *args, **kwargs):
        if "confirm" in request.POST:
            return self.confirm(request)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        token = secrets.token_hex(16)
        folder = staging_dir(token)
        folder.mkdir(parents=True)
        for number, upload in enumerate(form.cleaned_data["files"]):
            name = Path(upload.name).name or f"upload-{number}"
            with open(folder / f"{number:03d}-{name}", "wb") as target:
                for chunk in upload.chunks():
                    target.write(chunk)
        self.request.session[SESSION_KEY] = token
        options = {key: form.cleaned_data[key] for key in ("format", "language", "publish")}
        files = [entry for path in sorted(folder.iterdir()) for entry in previews(path, options["format"], options["language"])]
        return self.render_to_response(
            self.get_context_data(form=form, previews=files, token=token, options=options, step="preview")
        )

    def confirm(self, request):
        token = request.POST.get("token", "")
        if token != request.session.get(SESSION_KEY):
            messages.error(request, gettext("The upload has expired; please upload the files again."))
            return redirect("admin:articles_article_import")
        folder = staging_dir(token)
        if not folder.is_dir():
            messages.error(request, gettext("The upload has expired; please upload the files again."))
            return redirect("admin:articles_article_import")
        format = request.POST.get("format", "auto")
        if format != "auto" and format not in FORMATS:
            format = "auto"
        language = request.POST.get("language") or None
        if language not in (None, *LANGUAGE_CODES):
            language = None
        summary = import_files(
            sorted(folder.iterdir()), format=format, language=language, publish=request.POST.get("publish") == "on"
        )
        shutil.rmtree(folder, ignore_errors=True)
        del request.session[SESSION_KEY]
        for outcome in summary.outcomes:
            outcome.file = Path(outcome.file).name[len("000-"):]
        return self.render_to_response(self.get_context_data(summary=summary, step="result"))
