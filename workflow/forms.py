"""
Forms of the editors' admin for the editorial workflow: the article form that refuses stale and locked edits, the
language choice beside bulk actions, and the schedule page.

Times are typed in the newsroom's time zone (TIME_ZONE) and stored in UTC; Django's form fields refuse a local time
that does not exist or exists twice on a DST change, so an editor never schedules an hour off by accident.
"""

from django import forms
from django.conf import settings
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from articles import languages
from articles.models import Article

from .models import EditLock

# The fields shown beside the editor's text when a stale form is refused.
MERGE_FIELDS = ["headline", "teaser", "body", "initials", "slug"]


def lazy_format(text, **values):
    return lazy(lambda: str(text) % values, str)()


class MinuteInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs={"step": 60, **(attrs or {})}, format="%Y-%m-%dT%H:%M")


class NewsroomDateTimeField(forms.DateTimeField):
    """A minute in the newsroom's time zone; refuses times a DST change skips or repeats, with a clear message."""

    widget = MinuteInput

    def to_python(self, value):
        try:
            result = super().to_python(value)
        except ValidationError as error:
            if error.code == "ambiguous_timezone":
                raise ValidationError(
                    gettext(
                        "%(value)s does not exist or exists twice in %(zone)s because the clocks change then; "
                        "choose a time outside that hour."
                    )
                    % {"value": value, "zone": timezone.get_current_timezone_name()},
                    code="ambiguous_timezone",
                ) from error
            raise
        return result.replace(second=0, microsecond=0) if result else result


class ArticleAdminForm(forms.ModelForm):
    edit_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Typed in the newsroom's time zone, like the scheduled times (the admin's split widgets guess the browser's).
    embargoed_until = NewsroomDateTimeField(
        label=lazy_format(_("Embargoed until (%(zone)s)"), zone=settings.TIME_ZONE),
        required=False,
        help_text=_("Invisible on every public page until then."),
    )
    expires_at = NewsroomDateTimeField(
        label=lazy_format(_("Expires at (%(zone)s)"), zone=settings.TIME_ZONE),
        required=False,
        help_text=_("Taken off every public page then."),
    )
    # Shown only once an embargo or expiry would take live versions off the site: the editor confirms it then.
    confirm_takedown = forms.BooleanField(
        label=_("Yes, take the live versions off the site"), required=False, widget=forms.HiddenInput
    )

    editor = None  # the requesting user, set by ArticleAdmin.get_form

    class Meta:
        model = Article
        fields = "__all__"  # noqa: DJ007 - the admin narrows the form to its fieldsets

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.current_saved = None
        if not self.is_bound:
            self.initial["edit_version"] = self.instance.edit_version
        for language in languages.CODES:
            # Filled only when an editor presses Schedule or Publish a correction for this language.
            self.fields[f"schedule_at_{language}"] = NewsroomDateTimeField(
                label=_("Publish at (%(zone)s)") % {"zone": settings.TIME_ZONE}, required=False
            )
            self.fields[f"correction_{language}"] = forms.CharField(
                label=_("Correction note"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2, "lang": language, "dir": languages.direction(language)}),
            )

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk is None:
            return cleaned_data
        # The row lock holds until the admin's transaction ends, so no other save slips in between check and save.
        current = Article.objects.select_for_update().get(pk=self.instance.pk)
        self.check_takedown(current, cleaned_data)
        lock = EditLock.holder(current)
        if lock is not None and self.editor is not None and lock.user_id != self.editor.pk:
            raise ValidationError(
                gettext(
                    "%(user)s is editing this article (since %(time)s); your changes were not saved. "
                    "Ask them to finish, or take over the lock."
                )
                % {"user": lock.holder_name, "time": timezone.localtime(lock.locked_at).strftime("%H:%M")},
                code="locked",
            )
        if cleaned_data.get("edit_version") != current.edit_version:
            self.current_saved = current
            # The next submission, after the editor has merged, is checked against what they have now seen.
            self.data = self.data.copy()
            self.data[self.add_prefix("edit_version")] = current.edit_version
            raise ValidationError(
                gettext(
                    "Someone else saved this article while you were editing it, so your changes were not saved. "
                    "Your text is still in the form; the saved version is shown beside it. Merge and save again."
                ),
                code="stale",
            )
        return cleaned_data

    def check_takedown(self, current, cleaned_data):
        """
        An embargo (or an expiry already past) set on a live version takes its page down: say so, with the time, and
        save only once the editor has confirmed it.
        """
        now = timezone.now()
        live = [code for code in languages.CODES if current.is_published(code, now)]
        embargo, expiry = cleaned_data.get("embargoed_until"), cleaned_data.get("expires_at")
        if not live or cleaned_data.get("confirm_takedown"):
            return
        names = languages.interface().join(languages.name(code) for code in live)
        if embargo and embargo > now and embargo != current.embargoed_until:
            self.add_error(
                "embargoed_until",
                ValidationError(
                    ngettext(
                        "The %(languages)s version is live: an embargo until %(time)s takes its page off the site "
                        "until then. Confirm below to do it.",
                        "The %(languages)s versions are live: an embargo until %(time)s takes their pages off the "
                        "site until then. Confirm below to do it.",
                        len(live),
                    )
                    % {"languages": names, "time": languages.newsroom_time(embargo)},
                    code="takedown",
                ),
            )
        elif expiry and expiry <= now and expiry != current.expires_at:
            self.add_error(
                "expires_at",
                ValidationError(
                    ngettext(
                        "The %(languages)s version is live: an expiry of %(time)s takes its page off the site now. "
                        "Confirm below to do it.",
                        "The %(languages)s versions are live: an expiry of %(time)s takes their pages off the site "
                        "now. Confirm below to do it.",
                        len(live),
                    )
                    % {"languages": names, "time": languages.newsroom_time(expiry)},
                    code="takedown",
                ),
            )
        else:
            return
        self.fields["confirm_takedown"].widget = forms.CheckboxInput()

    def merge_rows(self):
        """(label, language, your text, saved text) for every text field where the two differ."""
        if self.current_saved is None:
            return []
        rows = []
        for language in languages.CODES:
            for field in MERGE_FIELDS:
                name = languages.field(field, language)
                mine = self.data.get(self.add_prefix(name), "")
                saved = self.current_saved.text(field, language)
                if mine.strip() != saved.strip():
                    label = self.fields[name].label if name in self.fields else name
                    rows.append(
                        {
                            "label": label,
                            "language": language,
                            "direction": languages.direction(language),
                            "mine": mine,
                            "saved": saved,
                        }
                    )
        return rows


def language_choices():
    return [("", _("Both languages")), *((code, languages.name(code)) for code in languages.CODES)]


class WorkflowActionForm(helpers.ActionForm):
    """Django's action form plus the language the bulk action applies to."""

    language = forms.ChoiceField(label=_("Language:"), choices=language_choices, required=False)


class ScheduleForm(forms.Form):
    # Lazy, so the label is translated per request rather than once when the module loads.
    when = NewsroomDateTimeField(label=lazy_format(_("Publish at (%(zone)s)"), zone=settings.TIME_ZONE))
    language = forms.ChoiceField(label=_("Language"), choices=language_choices, required=False)

    def clean_when(self):
        when = self.cleaned_data["when"]
        if when <= timezone.now():
            raise ValidationError(gettext("The scheduled time must be in the future."), code="past")
        return when
