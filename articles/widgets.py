"""
The article body's rich-text editor: ProseMirror through django-prose-editor's Tiptap build, served from our static
files and started by our own module script (static/admin/body_editor.js), so the page needs no inline script and no
import map (CSP) and asks no other host for anything.

Editors get paragraphs, two levels of subheads, bold, italic, links, lists, quotes and the pictures of the article,
placed where they want them; never raw HTML. Each language's editor writes in that language and its direction
whatever the admin's. What the browser sends is still cleaned by the one sanitiser (articles/sanitizer.py) on save.
"""

import json

from django import forms
from django.forms.widgets import Script
from django.utils.translation import gettext

EDITOR_ASSETS = "django_prose_editor"


def labels():
    """The editor's words, in the admin's language (read per request: the widget lives as long as the form class)."""
    return {
        "paragraph": gettext("Paragraph"),
        "heading2": gettext("Subhead"),
        "heading3": gettext("Minor subhead"),
        "bold": gettext("Bold"),
        "italic": gettext("Italic"),
        "link": gettext("Link"),
        "unlink": gettext("Remove link"),
        "bulletList": gettext("Bulleted list"),
        "orderedList": gettext("Numbered list"),
        "blockquote": gettext("Quote"),
        "undo": gettext("Undo"),
        "redo": gettext("Redo"),
        "picture": gettext("Place a picture"),
        "noPictures": gettext("Add pictures under “Images in this article” first; then place them here."),
        "unknownPicture": gettext("This picture is no longer in the article."),
        "placedPicture": gettext("Picture"),
    }


class BodyEditorWidget(forms.Textarea):
    """A textarea that body_editor.js turns into the editor; without JavaScript it stays a textarea."""

    def __init__(self, attrs=None):
        super().__init__(attrs={"data-body-editor": "", "rows": 20, **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["data-labels"] = json.dumps(labels(), ensure_ascii=False)
        return context

    class Media:
        css = {
            "all": [
                f"{EDITOR_ASSETS}/material-icons.css",
                f"{EDITOR_ASSETS}/editor.css",
                "admin/body_editor.css",
            ]
        }
        js = [Script("admin/body_editor.js", type="module")]
