"""
The admin's Import page: upload files, see what the importer recognised in each, then import on confirmation.

Uploads wait between the two steps in private storage (interchange/staging.py; agency files may hold non-public
notes), under a token kept in the editor's session, so only the editor who uploaded them can import them, on whichever
server the confirmation arrives.

The import is the editor's own: the writer applies their permissions and names them in each article's history.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.views.generic import FormView

from articles import languages
from articles.models import Article

from . import staging
from .forms import ConfirmForm, ImportForm
from .importers import ParseError, files, parse_each
from .writer import SourceIndex, check_publish_permission, import_files

SESSION_KEY = "article_import_token"
STAGED_PREFIX_LENGTH = len("000-")


def display_name(name, folder):
    """A staged file's name as the editor uploaded it: without the staging folder and the number before it."""
    return name.removeprefix(f"{folder}/")[STAGED_PREFIX_LENGTH:]


def preview(entry, folder, format, language, sources):
    """What the importer reads in one input, without writing anything."""
    if isinstance(entry, ParseError):
        return {"name": display_name(entry.item, folder), "error": entry.reason, "items": []}
    name = display_name(entry.name, folder)
    try:
        parsed = parse_each(entry.data, entry.name, format, language or None)
    except ParseError as error:
        return {"name": name, "error": error.reason, "items": []}
    items = []
    for item in parsed:
        if isinstance(item, ParseError):
            items.append({"error": str(item)})
            continue
        agencies = [(spelling, sources.by_alias.get(sources.key(spelling))) for spelling in item.agencies]
        language = languages.get(item.language) if item.language in languages.CODES else None
        items.append(
            {
                "item": item,
                "agencies": agencies,
                "direction": language.direction if language else "auto",
                "separator": language.list_separator if language else ", ",
            }
        )
    return {"name": name, "items": items}


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
                if "confirm" in request.POST:
                    return self.confirm(request)
                return super().post(request, *args, **kwargs)
        except staging.TooManyImports:
            messages.error(request, gettext("You are running other imports; wait until they finish, then try again."))
            return self.render_to_response(self.get_context_data(form=self.get_form()), status=429)

    def form_valid(self, form):
        token = staging.stage(form.cleaned_data["files"])
        self.request.session[SESSION_KEY] = token
        options = {
            "format": form.cleaned_data["format"],
            "language": form.cleaned_data["language"],
            "publish": form.cleaned_data.get("publish", False),
        }
        sources = SourceIndex()
        with staging.local_copies(token) as paths:
            folder = str(paths[0].parent) if paths else ""
            previews = [
                preview(entry, folder, options["format"], options["language"], sources)
                for entry in files.read_inputs(paths)
            ]
        return self.render_to_response(
            self.get_context_data(form=form, previews=previews, token=token, options=options, step="preview")
        )

    def confirm(self, request):
        form = ConfirmForm(request.POST)
        token = request.POST.get("token", "")
        names = staging.staged_names(token) if token == request.session.get(SESSION_KEY) else []
        if not names or not form.is_valid():
            messages.error(request, gettext("The upload has expired; please upload the files again."))
            return redirect("admin:interchange_import")
        with staging.local_copies(token) as paths:
            folder = str(paths[0].parent)
            summary = import_files(
                paths,
                user=request.user,
                format=form.cleaned_data["format"] or "auto",
                language=form.cleaned_data["language"] or None,
                publish=form.cleaned_data["publish"],
                label=lambda name: display_name(name, folder),
            )
        staging.delete(token)
        del request.session[SESSION_KEY]
        return self.render_to_response(self.get_context_data(summary=summary, step="result"))
