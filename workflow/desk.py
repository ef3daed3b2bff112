"""
The desk overview on the admin's start page: per language, what is in review, going live in the next 24 hours,
embargoed, expiring, published today and missing a translation; each line links to the article list filtered by
DeskListFilter. Agency updates and the scheduler's health are added where the admin site composes the page.
"""

import functools
import operator

from django.contrib import admin
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from articles import languages
from articles.models import DESK_VIEWS, DESK_WINDOW, Article, desk_condition

LABELS = {
    "review": _("In review"),
    "scheduled": _("Going live in the next 24 hours"),
    "embargoed": _("Embargoed"),
    "expiring": _("Expiring in the next 24 hours"),
    "published_today": _("Published today"),
    "missing": _("Missing in this language"),
}
# The lines that list their articles with the time that matters.
TIMED = {"scheduled", "embargoed", "expiring"}
LISTED = 8


class DeskListFilter(admin.SimpleListFilter):
    """The article list as one line of the desk overview (`?desk=de:embargoed`)."""

    title = _("desk")
    parameter_name = "desk"

    def lookups(self, request, model_admin):
        return [
            (f"{code}:{view}", format_lazy("{}: {}", languages.name(code), LABELS[view]))
            for code in languages.CODES
            for view in DESK_VIEWS
        ]

    def queryset(self, request, queryset):
        language, _sep, view = (self.value() or "").partition(":")
        if language in languages.CODES and view in DESK_VIEWS:
            return queryset.desk(view, language)
        return queryset


def timed_articles(language, now):
    """The scheduled, embargoed and expiring versions of one language, soonest first, with their times: one query."""
    # Each view's soonest LISTED, chosen in the database by its own time: a cut of all candidates by id left out
    # the soonest whenever more than that many were waiting.
    times = {
        "scheduled": languages.field("scheduled_at", language),
        "embargoed": "embargoed_until",
        "expiring": "expires_at",
    }
    soonest = [
        models.Q(
            pk__in=Article.objects.filter(desk_condition(view, language, now))
            .order_by(times[view], "pk")
            .values("pk")[:LISTED]
        )
        for view in TIMED
    ]
    candidates = Article.objects.filter(functools.reduce(operator.or_, soonest)).only(
        "pk",
        "embargoed_until",
        "expires_at",
        languages.field("headline", language),
        languages.field("status", language),
        languages.field("scheduled_at", language),
        languages.field("published_at", language),
    )
    listed = {view: [] for view in TIMED}
    for article in candidates:
        state = article.version_state(language, now)
        entry = {"pk": article.pk, "headline": article.text("headline", language)}
        if state.key == "scheduled":
            listed["scheduled"].append({**entry, "time": state.goes_live_at or article.scheduled_at_in(language)})
        elif state.key == "embargoed":
            listed["embargoed"].append({**entry, "time": article.embargoed_until})
        if article.expires_at is not None and now < article.expires_at <= now + DESK_WINDOW:
            listed["expiring"].append({**entry, "time": article.expires_at})
    return {view: sorted(items, key=lambda item: item["time"] or now)[:LISTED] for view, items in listed.items()}


def overview(now=None):
    """
    [{"code", "name", "direction", "lines": [{"view", "label", "count", "url", "articles"}]}], the articles of the
    timed lines as [{"pk", "headline", "time"}], soonest first.
    """
    now = now or timezone.now()
    counts = Article.objects.desk_counts(now)
    changelist = reverse("admin:articles_article_changelist")
    columns = []
    for code in languages.CODES:
        timed = timed_articles(code, now)
        columns.append(
            {
                "code": code,
                "name": languages.name(code),
                "direction": languages.direction(code),
                "lines": [
                    {
                        "view": view,
                        "label": LABELS[view],
                        "count": counts[(code, view)],
                        "url": f"{changelist}?desk={code}:{view}",
                        "articles": timed.get(view, []),
                    }
                    for view in DESK_VIEWS
                ],
            }
        )
    return columns
