"""
Pagination of article lists that costs the same at any archive size: at most `LIST_CAP` articles are counted and
offered as pages, so no request counts the whole table and the deepest page reads what the first one does plus a
bounded offset. Older articles are reached by narrowing the list by date (the archive's filters, the API's
`published_before`), which an index answers directly.
"""

import math

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import prefetch_related_objects
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

LIST_CAP = 1000


class CappedPaginator(Paginator):
    """A Paginator over at most `cap` items; `is_capped` says whether more exist beyond them."""

    cap = LIST_CAP
    # Whether pages can say "of N": a counted list can.
    counted = True

    @cached_property
    def found(self):
        # One more than the cap tells "more than the cap" apart from "exactly the cap"; in no order, so nothing is
        # sorted to count.
        return self.object_list.order_by()[: self.cap + 1].count()

    @cached_property
    def count(self):
        return min(self.found, self.cap)

    @property
    def is_capped(self):
        return self.found > self.cap

    @cached_property
    def num_pages(self):
        if self.count == 0 and not self.allow_empty_first_page:
            return 0
        return max(1, math.ceil(self.count / self.per_page))


class LookaheadPage(Page):
    """A page that knows whether another follows from the one row its query read beyond it."""

    def __init__(self, object_list, number, paginator, followed):
        super().__init__(object_list, number, paginator)
        self.followed = followed

    def has_next(self):
        return self.followed


class LookaheadPaginator(CappedPaginator):
    """
    Pages of a list that is never counted: each page reads one row more than it shows to learn whether another page
    follows, up to the cap's last page. Lists that only say "newer" and "older" (home, a category, a topic) need no
    total, and counting even a capped list was most of a category page's time in a large archive. Only a page number
    past the end falls back to the capped count, to show the last page instead.
    """

    counted = False
    # Set by `page()`: the cap's last page was read and the list goes on past it.
    is_capped = False

    @property
    def last_number(self):
        return max(1, math.ceil(self.cap / self.per_page))

    def validate_number(self, number):
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(_("That page number is not an integer")) from None
        if number < 1:
            raise EmptyPage(_("That page number is less than 1"))
        if number > self.last_number:
            raise EmptyPage(_("That page contains no results"))
        return number

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        size = min(self.per_page, self.cap - bottom)
        rows = self.object_list
        lookups = getattr(rows, "_prefetch_related_lookups", ())
        if lookups:  # only for the rows shown, not the one read to look ahead
            rows = rows.prefetch_related(None)
        rows = list(rows[bottom : bottom + size + 1])
        if lookups:
            prefetch_related_objects(rows[:size], *lookups)
        if not rows and number > 1:
            raise EmptyPage(_("That page contains no results"))
        more = len(rows) > size
        # Past the cap's last page the list goes on in the archive, which the view links to.
        self.is_capped = more and number == self.last_number
        return LookaheadPage(rows[:size], number, self, more and number < self.last_number)

    def get_page(self, number):
        try:
            return self.page(number)
        except PageNotAnInteger:
            return self.page(1)
        except EmptyPage:
            return self.page(min(self.num_pages, self.last_number))
