"""The API's filters: language, category, source and a range over the language's publication time."""

import datetime

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from articles import languages
from articles.models import Article, Category, localized


class MomentField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 time that is a moment the database can hold: 0001-01-01T00:00+14:00 is before the first one."""

    def clean(self, value):
        value = super().clean(value)
        if value is not None:
            try:
                value.astimezone(datetime.UTC)
            except OverflowError:
                raise ValidationError(_("This time lies outside the years 1 to 9999."), code="out_of_range") from None
        return value


class MomentFilter(django_filters.IsoDateTimeFilter):
    field_class = MomentField


class ArticleApiFilter(django_filters.FilterSet):
    """The API's filters; every value is checked, and a bad one is a 400 with the reason, never an error page."""

    language = django_filters.ChoiceFilter(
        label=_("Language"),
        choices=lambda: [(code, languages.name(code)) for code in languages.CODES],
        method="filter_noop",
        empty_label=None,
    )
    category = django_filters.CharFilter(label=_("Category"), method="filter_category")
    source = django_filters.CharFilter(label=_("Source"), field_name="sources__code")
    published_after = MomentFilter(label=_("Published after"), method="filter_published_after")
    published_before = MomentFilter(label=_("Published before"), method="filter_published_before")

    class Meta:
        model = Article
        fields = ["language", "category", "source", "published_after", "published_before"]

    @property
    def chosen_language(self):
        return self.form.cleaned_data.get("language") or languages.DEFAULT

    def filter_noop(self, queryset, name, value):
        return queryset  # the language picks the queryset itself (see interchange.api)

    def filter_category(self, queryset, name, value):
        lookup = Q(**{localized("slug", self.chosen_language): value})
        if value.isascii() and value.isdigit():  # "²" is a digit to str.isdigit, not to int()
            lookup |= Q(pk=int(value))
        # A subquery rather than a join: no duplicate rows, so no DISTINCT over every column of every article.
        links = Article.categories.through.objects.filter(category__in=Category.objects.filter(lookup))
        return queryset.filter(pk__in=links.values("article_id"))

    def filter_published_after(self, queryset, name, value):
        return queryset.filter(**{f"{localized('published_at', self.chosen_language)}__gte": value})

    def filter_published_before(self, queryset, name, value):
        return queryset.filter(**{f"{localized('published_at', self.chosen_language)}__lt": value})
