"""
The form of one picture in an article (a Caption row of the article's change page): choose a stored picture or
upload one (drag and drop onto the page), and say in the same place what it shows in each language, who took it,
what the archive calls it and where its subject is (the focal point the teaser crops keep in view).

An upload whose content is already stored (same SHA-256) reuses that picture instead of storing it twice.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import languages, renditions
from .models import Caption, Image

# What the caption form edits on the picture itself (shared by every article that shows it).
IMAGE_FIELDS = ["archive_title", "credit", *languages.fields("alt_text"), "focal_x", "focal_y"]
# Filled in by the page for every row, so they never make an untouched row count as changed.
BOOKKEEPING = {"key", "focal_x", "focal_y"}


def alt_text_fields():
    """One alt text field per publishing language, typed in that language's direction."""
    return {
        language.field("alt_text"): forms.CharField(
            label=format_lazy(_("Alt text ({language})"), language=language.name),
            max_length=300,
            required=False,
            widget=forms.TextInput(attrs={"lang": language.code, "dir": language.direction}),
        )
        for language in languages.all_languages()
    }


# Declared on a base class, so the admin's form factory knows them as fields of the form.
AltTextFields = type("AltTextFields", (forms.Form,), alt_text_fields())


class CaptionForm(forms.ModelForm, AltTextFields):
    upload = forms.FileField(
        label=_("New picture"),
        required=False,
        help_text=_("Drop a picture here or choose a file; one already in the archive is reused."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
    )
    archive_title = forms.CharField(label=_("Archive title"), max_length=300, required=False)
    credit = forms.CharField(label=_("Credit"), max_length=300, required=False)
    focal_x = forms.FloatField(min_value=0, max_value=1, required=False, widget=forms.HiddenInput)
    focal_y = forms.FloatField(min_value=0, max_value=1, required=False, widget=forms.HiddenInput)

    editor = None  # the requesting user, set by CaptionInline.get_formset

    class Meta:
        model = Caption
        fields = ["image", "key", "placement", "position", *languages.fields("text")]
        widgets = {"key": forms.HiddenInput(attrs={"class": "caption-key"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"].show_hidden_initial = False
        if "image" in self.fields:
            self.fields["image"].required = False
        image = self.instance.image if self.instance.pk else None
        if image is not None:
            for name in IMAGE_FIELDS:
                self.initial.setdefault(name, getattr(image, name))
        self.reused = None

    def has_changed(self):
        return bool(set(self.changed_data) - BOOKKEEPING)

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload:
            renditions.validate_image_file(upload)
        return upload

    def clean(self):
        cleaned_data = super().clean()
        upload = cleaned_data.get("upload")
        if upload:
            self.reused = Image.stored_copy_of(upload)
        elif not cleaned_data.get("image") and not self.errors:
            raise ValidationError(gettext("Upload a picture or choose one from the archive."), code="required")
        image = self.reused or cleaned_data.get("image")
        changed = set(self.changed_data) & set(IMAGE_FIELDS)
        if image is not None and changed and self.editor is not None and not image.may_be_changed_by(self.editor):
            # The one rule: what a live or scheduled article shows is changed only by those who may publish.
            raise ValidationError(
                gettext(
                    "This picture is shown in a live or scheduled article: only an editor who may publish can "
                    "change its credit, alt text, archive title or focal point."
                ),
                code="published_picture",
            )
        return cleaned_data

    def picture(self):
        """The picture this row shows: the uploaded one (or its stored twin), else the chosen one."""
        upload = self.cleaned_data.get("upload")
        if self.reused is not None:
            return self.reused, False
        if upload:
            image = Image()
            image.file = upload
            return image, True
        return self.cleaned_data["image"], False

    def save(self, commit=True):
        caption = super().save(commit=False)
        image, is_new = self.picture()
        changed = is_new
        for name in IMAGE_FIELDS:
            value = self.cleaned_data.get(name)
            if value is None or value == getattr(image, name):
                continue
            # A stored picture keeps what the archive says unless the editor changed it in this row.
            if is_new or name in self.changed_data or (self.reused is not None and not getattr(image, name)):
                setattr(image, name, value)
                changed = True
        if changed:
            image.save()
        caption.image = image
        if commit:
            caption.save()
        return caption
