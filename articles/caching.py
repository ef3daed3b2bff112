"""
Caching public pages: one site-wide "content generation" token is part of every page's cache key.

Saving or deleting an article, image, caption, category or source replaces the token, so every cached page is
orphaned at once (and expires on its own). The token changes immediately and again when the surrounding
transaction commits: a page rendered from not-yet-committed data in between is orphaned by the second change.
Public pages are the same for everyone, so they are cached and served with validators (ETag, Last-Modified) and
Cache-Control headers a CDN can use.
"""
import functools
import hashlib
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.utils import timezone

GENERATION_KEY = "articles:generation"
# Scheduled versions and lifted embargoes go live without a save; the page cache expires in time for them.
PAGE_TIMEOUT = getattr(settings, "PUBLIC_PAGE_CACHE_SECONDS", 120)
BROWSER_MAX_AGE = getattr(settings, "PUBLIC_PAGE_MAX_AGE", 60)


def _new_generation():
    cache.set(GENERATION_KEY, uuid.uuid4().hex, None)


def content_changed():
    """Orphan every cached page now and once more after the current transaction commits."""
    _new_generation()
    transaction.on_commit(_new_generation)


def generation():
    token = cache.get(GENERATION_KEY)
    if token is None:
        # An evicted token must never bring old pages back: start a fresh one.
        token = uuid.uuid4().hex
        if not cache.add(GENERATION_KEY, token, None):
            token = cache.get(GENERATION_KEY) or token
    return token


def page_key(request):
    # Hashed: Arabic slugs percent-encode to keys longer than some cache backends accept.
    address = hashlib.sha256(f"{request.get_host()}{request.get_full_path()}".encode()).hexdigest()
    return f"page:{generation()}:{address}"


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
            entry = {
                "content": content,
                "content_type": response["Content-Type"],
                "etag": f'"{hashlib.md5(content, usedforsecurity=False).hexdigest()}"',
                "last_modified": timezone.now().timestamp(),
            }
            cache.set(key, entry, PAGE_TIMEOUT)
        response = HttpResponse(entry["content"], content_type=entry["content_type"])
        response["ETag"] = entry["etag"]
        response["Last-Modified"] = http_date(entry["last_modified"])
        patch_cache_control(response, public=True, max_age=BROWSER_MAX_AGE)
        return get_conditional_response(
            request, etag=entry["etag"], last_modified=int(entry["last_modified"]), response=response
        )

    return wrapper
