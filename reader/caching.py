"""
Caching public pages: one site-wide "content generation" token is part of every page's cache key.

Saving or deleting an article, image, caption, category, source or correction replaces the token (connect_signals
hooks this up), so every cached page is orphaned at once (and expires on its own). The token changes immediately and
again when the surrounding transaction commits: a page rendered from not-yet-committed data in between is orphaned by
the second change.
Public pages are the same for everyone, so they are cached and served with validators (ETag, Last-Modified) and
Cache-Control headers a CDN can use.
"""

import functools
import hashlib
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

from articles.models import Article, ArticleSource, Caption, Category, Image, Source, Topic
from workflow.models import Correction

GENERATION_KEY = "articles:generation"
# Everything a public page shows comes from these.
SHOWN_ON_PUBLIC_PAGES = (Article, ArticleSource, Caption, Category, Image, Source, Topic, Correction)
# Scheduled versions and lifted embargoes go live without a save; the page cache expires in time for them.
PAGE_TIMEOUT = getattr(settings, "PUBLIC_PAGE_CACHE_SECONDS", 120)
BROWSER_MAX_AGE = getattr(settings, "PUBLIC_PAGE_MAX_AGE", 60)


# Each process remembers the token for a second: cached pages then cost one cache lookup, not two, and another
# process's change reaches this one within that second.
GENERATION_MEMO_SECONDS = 1.0
_memo = {"token": None, "until": 0.0}


def _new_generation():
    token = uuid.uuid4().hex
    cache.set(GENERATION_KEY, token, None)
    _memo.update(token=token, until=time.monotonic() + GENERATION_MEMO_SECONDS)


def content_changed():
    """Orphan every cached page now and once more after the current transaction commits."""
    _new_generation()
    transaction.on_commit(_new_generation)


def content_saved(sender, **kwargs):
    content_changed()


def connect_signals():
    for model in SHOWN_ON_PUBLIC_PAGES:
        post_save.connect(content_saved, sender=model, dispatch_uid=f"page-cache-save-{model._meta.label}")
        post_delete.connect(content_saved, sender=model, dispatch_uid=f"page-cache-delete-{model._meta.label}")
    for relation in (Article.categories.through, Article.topics.through, Article.related.through):
        m2m_changed.connect(content_saved, sender=relation, dispatch_uid=f"page-cache-m2m-{relation._meta.label}")


def generation():
    now = time.monotonic()
    if _memo["token"] is not None and now < _memo["until"]:
        return _memo["token"]
    token = cache.get(GENERATION_KEY)
    if token is None:
        # An evicted token must never bring old pages back: start a fresh one.
        token = uuid.uuid4().hex
        if not cache.add(GENERATION_KEY, token, None):
            token = cache.get(GENERATION_KEY) or token
    _memo.update(token=token, until=now + GENERATION_MEMO_SECONDS)
    return token


def page_key(request):
    # Raw host and path (the host was validated by CommonMiddleware); hashed because Arabic slugs percent-encode to
    # keys longer than some cache backends accept.
    meta = request.META
    address = f"{meta.get('HTTP_HOST', '')}{request.path}?{meta.get('QUERY_STRING', '')}"
    return f"page:{generation()}:{hashlib.sha256(address.encode()).hexdigest()}"


def cached_public_page(view):
    """Serve a GET page from the cache, with ETag/Last-Modified/Cache-Control; only 200 answers are stored."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        key = page_key(request)
        entry = cache.get(key)
        if entry is None:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
            if response.status_code != 200 or response.streaming:
                return response
            content = response.content
            modified = int(timezone.now().timestamp())
            entry = {
                "content": content,
                "headers": {
                    "Content-Type": response["Content-Type"],
                    "ETag": f'"{hashlib.md5(content, usedforsecurity=False).hexdigest()}"',
                    "Last-Modified": http_date(modified),
                    "Cache-Control": f"public, max-age={BROWSER_MAX_AGE}",
                },
                "modified": modified,
            }
            cache.set(key, entry, PAGE_TIMEOUT)
        response = HttpResponse(entry["content"], headers=entry["headers"])
        if "HTTP_IF_NONE_MATCH" in request.META or "HTTP_IF_MODIFIED_SINCE" in request.META:
            return get_conditional_response(
                request, etag=entry["headers"]["ETag"], last_modified=entry["modified"], response=response
            )
        return response

    return wrapper
