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
# The query parameters of a page that starts at its neighbour's edge article.
CURSORS = ("older_than", "newer_than")


class CountedPage(Page):
    """A page of a counted list: its neighbours are addressed by number, and it knows how many pages there are."""

    def next_query(self):
        return {"page": self.next_page_number()}

    def previous_query(self):
        return {"page": self.previous_page_number()}

    @property
    def total(self):
        return self.paginator.num_pages


class CappedPaginator(Paginator):
    """A Paginator over at most `cap` items; `is_capped` says whether more exist beyond them."""

    cap = LIST_CAP

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

    def _get_page(self, *args, **kwargs):
        return CountedPage(*args, **kwargs)


class LookaheadPage(Page):
    """
    A page that knows whether pages follow and precede it from the row its query read beyond it, and links to them
    by the articles at its edges (keyset), so the hundredth page costs what the first does.
    """

    # Nothing was counted, so the page says "Page 3", not "Page 3 of 50".
    total = None

    def __init__(self, object_list, number, paginator, followed, preceded):
        super().__init__(object_list, number, paginator)
        self.followed, self.preceded = followed, preceded

    def has_next(self):
        return self.followed

    def has_previous(self):
        return self.preceded

    def next_query(self):
        """The query of the older page: the articles after this page's last one."""
        return {"page": self.number + 1, "older_than": self.object_list[-1].pk, "newer_than": None}

    def previous_query(self):
        """The query of the newer page: the articles before this page's first one (page 1 has an address of its own)."""
        if self.number <= 2:
            return {"page": None, "older_than": None, "newer_than": None}
        return {"page": self.number - 1, "older_than": None, "newer_than": self.object_list[0].pk}


class LookaheadPaginator(CappedPaginator):
    """
    Pages of an article list, newest first, that is never counted: each page reads one row more than it shows to
    learn whether another follows, up to the cap's last page. Lists that only offer "newer" and "older" (home, a
    category, a topic) need no total, and counting even a capped list was most of a category page's time in a large
    archive. A page reached from its neighbour starts at the neighbour's edge article (`cursor`: "older_than" or
    "newer_than" and an article id), which an index finds directly, where an offset walks every article before it.
    A bare page number still works by offset; only one past the end falls back to the capped count.
    """

    # Set by `page()`: the cap's last page was read and the list goes on past it.
    is_capped = False

    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, cursor=None, language=None):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        self.cursor, self.language = cursor, language

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
        size = min(self.per_page, self.cap - (number - 1) * self.per_page)
        direction, pk = self.cursor if self.cursor and number > 1 else (None, None)
        queryset = self.object_list
        if direction == "older_than":
            queryset = queryset.older_than(self.language, pk)
        elif direction == "newer_than":
            queryset = queryset.newer_than(self.language, pk).reverse()
        rows = self.read(queryset, 0 if direction else (number - 1) * self.per_page, size)
        if not rows[:size] and number > 1:
            if direction:  # the edge article is gone from the list: start again from the newest
                return self.page(1)
            raise EmptyPage(_("That page contains no results"))
        more = len(rows) > size
        if direction == "newer_than":
            rows = rows[:size][::-1]
            followed, preceded = number < self.last_number, more and number > 1
        else:
            rows = rows[:size]
            followed, preceded = more and number < self.last_number, number > 1
            # Past the cap's last page the list goes on in the archive, which the view links to.
            self.is_capped = more and number == self.last_number
        return LookaheadPage(rows, number, self, followed, preceded)

    @staticmethod
    def read(queryset, offset, size):
        """`size` rows from `offset` and one more, with the queryset's prefetches for the rows shown only."""
        lookups = getattr(queryset, "_prefetch_related_lookups", ())
        if lookups:
            queryset = queryset.prefetch_related(None)
        rows = list(queryset[offset : offset + size + 1])
        if lookups:
            prefetch_related_objects(rows[:size], *lookups)
        return rows

    def get_page(self, number):
        try:
            return self.page(number)
        except PageNotAnInteger:
            return self.page(1)
        except EmptyPage:
            return self.page(min(self.num_pages, self.last_number))
