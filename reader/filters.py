"""The archive's filters: category, source and a date range over the page language's publication date."""

import datetime

import django_filters
from django import forms
from django.forms.renderers import Jinja2
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from articles.models import Article, Category, Source, localized

# One renderer (and so one Jinja2 environment, built on first use) for every archive form.
JINJA2_FORMS = Jinja2()


class ArchiveForm(forms.Form):
    # The public site's templates are Jinja2, and so are its form widgets: Django's template engine took twice as
    # long to render the two choice lists as the rest of the archive page together.
    default_renderer = JINJA2_FORMS


class ArticleArchiveFilter(django_filters.FilterSet):
    category = django_filters.ModelChoiceFilter(
        label=_("Topic"), queryset=Category.objects.all(), field_name="categories", empty_label=_("All topics")
    )
    source = django_filters.ModelChoiceFilter(
        label=_("Source"), queryset=Source.objects.all(), field_name="sources", empty_label=_("All sources")
    )
    date_from = django_filters.DateFilter(
        label=_("From"), method="filter_published_after", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        label=_("Until"), method="filter_published_before", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = Article
        fields = ["category", "source", "date_from", "date_to"]
        form = ArchiveForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        language = get_language()
        # Choices read in the page language; an empty name would show as a blank option.
        self.filters["category"].field.label_from_instance = lambda category: (
            category.display_name(language) or category.name
        )
        self.filters["source"].field.label_from_instance = lambda source: source.display_name(language)

    # Ranges over the column itself (not its date), so the listing index answers them: days in the newsroom's zone.
    def filter_published_after(self, queryset, name, value):
        start = start_of(value)
        if start is None:
            return queryset  # from before the first moment there is: no bound
        return queryset.filter(**{f"{localized('published_at', get_language())}__gte": start})

    def filter_published_before(self, queryset, name, value):
        if value == datetime.date.max:
            return queryset
        following = start_of(value + datetime.timedelta(days=1))
        if following is None:
            return queryset.none()  # up to a day before the first moment there is
        return queryset.filter(**{f"{localized('published_at', get_language())}__lt": following})


def start_of(day):
    """
    Midnight at the start of `day` in the newsroom's time zone, or None on 1 January of year 1, whose midnight in
    Berlin is still year 0 in UTC, which no datetime (and no database column) holds.
    """
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    try:
        start.astimezone(datetime.UTC)
    except OverflowError:
        return None
    return start
