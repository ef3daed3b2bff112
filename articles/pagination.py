"""
Pagination of article lists that costs the same at any archive size: at most `LIST_CAP` articles are counted and
offered as pages, so no request counts the whole table and the deepest page reads what the first one does plus a
bounded offset. Older articles are reached by narrowing the list by date (the archive's filters, the API's
`published_before`), which an index answers directly.
"""

import math

from django.core.paginator import Paginator
from django.utils.functional import cached_property

LIST_CAP = 1000


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
