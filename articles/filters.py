"""The archive's filters: category, source and a date range over the page language's publication date."""
import django_filters
from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .models import LANGUAGE_CODES, Article, Category, Source, localized


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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        language = get_language()
        # Choices read in the page language; an empty name would show as a blank option.
        self.filters["category"].field.label_from_instance = lambda category: category.display_name(language) or category.name
        self.filters["source"].field.label_from_instance = lambda source: source.display_name(language)

    def filter_published_after(self, queryset, name, value):
        return queryset.filter(**{f"{localized('published_at', get_language())}__date__gte": value})

    def filter_published_before(self, queryset, name, value):
        return queryset.filter(**{f"{localized('published_at', get_language())}__date__lte": value})


class ArticleApiFilter(django_filters.FilterSet):
    """The API's filters; every value is checked, and a bad one is a 400 with the reason, never an error page."""

    language = django_filters.ChoiceFilter(
        label=_("Language"), choices=settings.LANGUAGES, method="filter_noop", empty_label=None
    )
    category = django_filters.CharFilter(label=_("Category"), method="filter_category")
    source = django_filters.CharFilter(label=_("Source"), field_name="sources__code")
    published_after = django_filters.IsoDateTimeFilter(label=_("Published after"), method="filter_published_after")
    published_before = django_filters.IsoDateTimeFilter(label=_("Published before"), method="filter_published_before")

    class Meta:
        model = Article
        fields = ["language", "category", "source", "published_after", "published_before"]

    @property
    def chosen_language(self):
        return self.form.cleaned_data.get("language") or LANGUAGE_CODES[0]

    def filter_noop(self, queryset, name, value):
        return queryset  # the language picks the queryset itself (see articles.api)

    def filter_category(self, queryset, name, value):
        lookup = Q(**{f"categories__slug_{self.chosen_language}": value})
        if value.isdigit():
            lookup |= Q(categories__pk=int(value))
        return queryset.filter(lookup).distinct()

    def filter_published_after(self, queryset, name, value):
        return queryset.filter(**{f"{localized('published_at', self.chosen_language)}__gte": value})

    def filter_published_before(self, queryset, name, value):
        return queryset.filter(**{f"{localized('published_at', self.chosen_language)}__lt": value})
