"""The admin Import page's upload form."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from articles import languages
from articles.models import PUBLISH_PERMISSION

from .importers import FORMATS, ParseError, files


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            if not data and self.required:  # no file chosen: each file's own check never runs
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return [single(item, initial) for item in data]
        return [single(data, initial)]


def format_choices():
    return [("auto", _("Detect automatically")), *((name, name) for name in FORMATS)]


def language_choices():
    return [("", _("As the file says")), *((code, languages.name(code)) for code in languages.CODES)]


class ImportForm(forms.Form):
    files = MultipleFileField(label=_("Files"))
    format = forms.ChoiceField(label=_("Format"), choices=format_choices, initial="auto")
    language = forms.ChoiceField(label=_("Language"), required=False, choices=language_choices)
    publish = forms.BooleanField(label=_("Publish the imported language versions at once"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Offered only to those who may publish; the view refuses a request that asks for it anyway.
        if not user.has_perm(PUBLISH_PERMISSION):
            del self.fields["publish"]

    def clean_files(self):
        uploads = self.cleaned_data["files"]
        for upload in uploads:
            try:
                files.check_size(upload.size, upload.name)
            except ParseError:
                raise forms.ValidationError(
                    gettext("%(name)s is larger than %(limit)s bytes.")
                    % {"name": upload.name, "limit": f"{files.max_file_bytes():,}"},
                    code="too_large",
                ) from None
        return uploads


def chosen_languages(data):
    """
    The preview's per-item language choices ({identifier: code}, "" keeping an item as wire copy), posted as
    `identifier-N` / `language-N` pairs; anything but a publishing language or "" is ignored.
    """
    choices = {}
    for key, identifier in data.items():
        if key.startswith("identifier-") and identifier:
            language = data.get("language-" + key.removeprefix("identifier-"), "")
            if language == "" or language in languages.CODES:
                choices[identifier] = language
    return choices


class ConfirmForm(forms.Form):
    """The preview's Import button: the staged upload's token and the options chosen with it."""

    token = forms.CharField()
    format = forms.ChoiceField(choices=format_choices, required=False)
    language = forms.ChoiceField(choices=language_choices, required=False)
    publish = forms.BooleanField(required=False)
