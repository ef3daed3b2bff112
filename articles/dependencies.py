"""
What public responses depend on, named as keys, and which keys a change to the content touches.

Every cached page, feed, sitemap and API answer records the keys of what it shows (the reader's page cache keeps
them with the response and sends them to a CDN as `Surrogate-Key`); a change names the keys it affects, and only
responses carrying one of them are renewed. A draft, or any language version readers cannot see, touches no key.

    article-<id>-<lang>     one article's language version in full: its page, its API item, cards linking to it
    article-<id>            the article's own pages in every language (they list each other, and its related)
    listing-<lang>          lists of a language's live versions: home, archive, feeds, sitemaps
    content-<lang>          what shows or matches whole texts of a language: search results, the API's lists
    category-<id>-<lang>    one category's list in a language: its page and feed
    topic-<id>-<lang>       one topic's list in a language: its page and feed
    category-<id>, topic-<id>, source-<id>, categories, sources    names printed on pages and in filter choices
    topics                  topic names in the API's answers (ninjs subjects), which list many articles' topics
    site                    every response (a purge of everything, e.g. after a release changed templates)
"""

from typing import NamedTuple

from . import languages


class Linked(NamedTuple):
    """The ids of an article's categories and topics, and of the articles that list it as related."""

    categories: tuple = ()
    topics: tuple = ()
    related_from: tuple = ()


SITE = "site"
CATEGORIES = "categories"
SOURCES = "sources"
TOPICS = "topics"

# What a reader sees of one language version on its own page (and in the API), and the part of it cards show.
PAGE_FIELDS = ("headline", "teaser", "body", "initials", "slug", "published_at")
CARD_FIELDS = ("headline", "teaser", "slug", "published_at")
# Shared by every language version: when it is visible, and what the API prints besides the text.
VISIBILITY_FIELDS = ("embargoed_until", "expires_at")
SHARED_FIELDS = ("byline", "dateline")


def article(pk, language):
    return f"article-{pk}-{language}"


def article_pages(pk):
    return f"article-{pk}"


def listing(language):
    return f"listing-{language}"


def content(language):
    return f"content-{language}"


def category_listing(pk, language):
    return f"category-{pk}-{language}"


def category(pk):
    return f"category-{pk}"


def topic_listing(pk, language):
    return f"topic-{pk}-{language}"


def topic(pk):
    return f"topic-{pk}"


def source(pk):
    return f"source-{pk}"


def state_columns():
    """The columns `changed_keys` compares: what decides visibility and what readers see, in every language."""
    per_language = {*PAGE_FIELDS, *CARD_FIELDS, "status"}
    return [
        *(languages.field(name, code) for code in languages.CODES for name in sorted(per_language)),
        *VISIBILITY_FIELDS,
        *SHARED_FIELDS,
    ]


def changed_keys(pk, before, after, linked):
    """
    The keys a change of one article touches, from its column values `before` and `after` (`state_columns`; None
    for an article that did not exist or is deleted). `linked()` gives the ids of its categories and of the
    articles that list it as related (a `Linked`); it is called only when they matter.

    Only language versions that were or are published count (whether the time window shows them now or not: a page
    cached before an expiry still shows it): a draft, a version in review or a scheduled one touches nothing. A
    version that goes live or down, or whose card changes, renews its language's listings, its categories' lists
    and the pages that list it as related; a change of its text alone renews its own page and the full-text
    responses. All its own pages are renewed when a version goes live or down or changes its slug, since each lists
    the others as alternates.
    """
    before, after = before or {}, after or {}

    def differs(name, code=None):
        column = languages.field(name, code) if code else name
        return before.get(column) != after.get(column)

    published = "published"
    touched = [
        code
        for code in languages.CODES
        if published in (before.get(languages.field("status", code)), after.get(languages.field("status", code)))
    ]
    if not touched:
        return set()
    window_differs = any(differs(name) for name in VISIBILITY_FIELDS)
    shared_differs = any(differs(name) for name in SHARED_FIELDS)
    keys, linked_ids = set(), None
    for code in touched:
        state_differs = window_differs or differs("status", code) or differs("published_at", code)
        if state_differs or shared_differs or any(differs(name, code) for name in PAGE_FIELDS):
            keys |= {article(pk, code), content(code)}
        if state_differs or any(differs(name, code) for name in CARD_FIELDS):
            if linked_ids is None:
                linked_ids = linked()
            keys.add(listing(code))
            keys |= group_keys(linked_ids, code)
            keys.update(article(other, code) for other in linked_ids.related_from)
        if state_differs or differs("slug", code):
            keys.add(article_pages(pk))
    return keys


def appeared_keys(pk, appeared, visible, linked):
    """
    The keys to renew when time alone (an embargo lifted, a publication time reached) shows the `appeared` language
    versions of an article whose visible versions are now `visible`.
    """
    linked_ids = linked() if appeared else Linked()
    keys = {article_pages(pk)} if appeared else set()
    for code in appeared:
        keys.add(article(pk, code))
        keys |= {listing(code), content(code)}
        keys |= group_keys(linked_ids, code)
        keys.update(article(other, code) for other in linked_ids.related_from)
    return keys


def shown_keys(pk, visible_languages, linked_ids):
    """
    The keys to renew when something an article shows beside its text changes (a picture, a caption, its agencies,
    its categories or topics): its page, cards and full-text responses in each language readers see, and the lists
    of the categories and topics in `linked_ids`.
    """
    keys = set()
    for code in visible_languages:
        keys |= {article(pk, code), listing(code), content(code)}
        keys |= group_keys(linked_ids, code)
    return keys


def group_keys(linked_ids, language):
    """The lists (category and topic pages and feeds) in `language` of the groups in `linked_ids`."""
    return {category_listing(pk, language) for pk in linked_ids.categories} | {
        topic_listing(pk, language) for pk in linked_ids.topics
    }
