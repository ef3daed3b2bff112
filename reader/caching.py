"""
The public page cache: whole responses stored with the keys of what they show (articles/dependencies.py), served
before the rest of the middleware stack, renewed only when something they show changes.

How it fits together:

- `cached(view, parameters=...)` marks a public view in the URLconf. It lets the view read only the query
  parameters it declares (others are ignored, or redirected away when another page would read them), and records
  the dependency keys the response names, adding the `Cache-Control`, `Surrogate-Key` and `Cache-Tag` headers a CDN
  reads.
- `PageCacheMiddleware` comes first in MIDDLEWARE. A hit is answered there, with the headers the whole stack added
  when the page was rendered (security headers included) and 304s for matching validators: no URL resolution,
  session, authentication, CSRF, locale or messages. A miss goes down the stack and the answer is stored.
- Freshness: a counter in the cache (the clock) rises with each invalidation, and each key remembers the clock value
  of its last invalidation. A response is stored with the clock value read before it was rendered; it is fresh while
  none of its keys has been invalidated since. So a save renews exactly the responses that show what it changed,
  and a response rendered from data older than a change is never taken for fresh.
- No stampede: when a hot response is stale (invalidated, or past its lifetime), one worker renders it again while
  the others serve the stale copy for at most PUBLIC_PAGE_STALE_SECONDS.
- A response true only until a known moment (an article that expires then: `shown_until`) is kept by nobody past
  it: the page cache stores it that long and serves no stale copy after it, and browsers and CDNs are told as
  much. The scheduler's unpublishing is not waited for.
- Each process keeps its hottest responses in memory as well and trusts them while the clock stands still (read at
  most every PAGE_CACHE_CLOCK_SECONDS), so a hot hit touches neither the network nor the database.
- The cache is an accelerator, never a dependency: when it is unreachable, pages render uncached and the error is
  logged once per PAGE_CACHE_ERROR_LOG_SECONDS.
"""

import functools
import hashlib
import logging
import math
import threading
import time
from collections import OrderedDict
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.wsgi import get_path_info, get_script_name
from django.http import HttpResponse, HttpResponsePermanentRedirect, QueryDict
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

from articles import dependencies

logger = logging.getLogger(__name__)

PREFIX = "pagecache"
CLOCK_KEY = f"{PREFIX}:clock"

# Every query parameter a public response reads, with how its value is normalised for the cache key. A parameter
# not listed here never reaches a page (and never splits the cache); each view declares which of these it reads.
MAX_PAGE_NUMBER = 1000


def _text(value):
    return " ".join(value.split())[:200] or None


def _page_number(value):
    """Page numbers as digits without leading zeros, 1 (the default) and anything else dropped, capped."""
    value = value.strip()
    if not value.isdigit() or not value.isascii():
        return None
    number = min(int(value), MAX_PAGE_NUMBER)
    return str(number) if number > 1 else None


def _identifier(value):
    value = value.strip()
    return str(int(value)) if value.isdigit() and value.isascii() else None


def _number(value):
    value = value.strip()
    return str(int(value)) if value.isdigit() and value.isascii() else _text(value)


PARAMETERS = {
    "page": _page_number,
    "older_than": _identifier,
    "newer_than": _identifier,
    "p": _number,
    "page_size": _number,
    "q": _text,
    "category": _text,
    "source": _text,
    "date_from": _text,
    "date_to": _text,
    "language": _text,
    "published_after": _text,
    "published_before": _text,
}


def setting(name, default):
    return getattr(settings, name, default)


def backend():
    return caches[setting("PAGE_CACHE_ALIAS", "default")]


class CacheUnavailable(Exception):
    """The cache could not be read or written; the page is served uncached."""


class Outage:
    """
    Remembers that the cache failed: callers skip it for a moment instead of paying a timeout per request, and the
    error is logged once per interval, not once per request.
    """

    def __init__(self):
        self.skip_until = 0.0
        self.logged_at = None
        self.lock = threading.Lock()

    def is_on(self):
        return time.monotonic() < self.skip_until

    def record(self, error):
        now = time.monotonic()
        with self.lock:
            self.skip_until = now + setting("PAGE_CACHE_RETRY_SECONDS", 2.0)
            interval = setting("PAGE_CACHE_ERROR_LOG_SECONDS", 60.0)
            if self.logged_at is not None and now - self.logged_at < interval:
                return
            self.logged_at = now
        logger.error("Page cache unavailable, serving pages uncached: %s", error)

    def reset(self):
        with self.lock:
            self.skip_until, self.logged_at = 0.0, None


outage = Outage()


def guarded(operation):
    """Run a cache operation; any error of the cache backend becomes CacheUnavailable (and is logged, rarely)."""
    if outage.is_on():
        raise CacheUnavailable
    try:
        return operation()
    except Exception as error:  # noqa: BLE001 - whatever the backend raises (connection, timeout, protocol)
        outage.record(error)
        raise CacheUnavailable from error


def is_disabled():
    return isinstance(backend(), DummyCache)


# --- the clock --------------------------------------------------------------------------------------------------


class Clock:
    """The cache's invalidation counter, remembered by this process for PAGE_CACHE_CLOCK_SECONDS."""

    def __init__(self):
        self.value = None
        self.read_at = 0.0

    def now(self):
        memo = setting("PAGE_CACHE_CLOCK_SECONDS", 0.25)
        if self.value is not None and time.monotonic() - self.read_at < memo:
            return self.value
        return self.read()

    def read(self):
        cache = backend()
        value = guarded(lambda: cache.get(CLOCK_KEY))
        if value is None:
            # First use, or the counter was evicted: start it from the time in milliseconds, which is above any
            # value it can have reached before (it rises by one per invalidation).
            guarded(lambda: cache.add(CLOCK_KEY, int(time.time() * 1000), None))
            value = guarded(lambda: cache.get(CLOCK_KEY))
            if value is None:
                raise CacheUnavailable
        self.remember(value)
        return value

    def tick(self):
        cache = backend()

        def increment():
            try:
                return cache.incr(CLOCK_KEY)
            except ValueError:  # the counter does not exist yet
                self.read()
                return cache.incr(CLOCK_KEY)

        value = guarded(increment)
        self.remember(value)
        return value

    def remember(self, value):
        # An older value than one another thread just remembered only makes responses look older than they are.
        self.value, self.read_at = value, time.monotonic()

    def forget(self):
        self.value = None


clock = Clock()


def tag_key(name):
    return f"{PREFIX}:tag:{name}"


def tag_timeout():
    # Longer than any entry lives: a key that vanished is taken as "changed", so this only spares re-renders.
    return 4 * (setting("PUBLIC_PAGE_CACHE_SECONDS", 300) + setting("PUBLIC_PAGE_STALE_SECONDS", 10))


def invalidate(keys):
    """Mark every response that depends on one of `keys` as stale, in every process (raises CacheUnavailable)."""
    keys = sorted(set(keys))
    if not keys or is_disabled():
        return
    value = clock.tick()
    stamp = (value, time.time())
    cache = backend()
    guarded(lambda: cache.set_many({tag_key(name): stamp for name in keys}, tag_timeout()))


# --- stored responses -------------------------------------------------------------------------------------------

FRESH, STALE, EXPIRED = "fresh", "stale", "expired"


class LocalCopies:
    """This process's copies of the responses it served last, bounded in bytes, least recently used dropped first."""

    def __init__(self):
        self.entries = OrderedDict()
        self.tags = {}  # the dependency keys of responses stored here before, so one round trip fetches both
        self.size = 0
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            item = self.entries.get(key)
            if item is not None:
                self.entries.move_to_end(key)
            return item

    def put(self, key, entry, checked):
        limit = setting("PAGE_CACHE_LOCAL_BYTES", 16 * 1024 * 1024)
        size = len(entry["content"])
        if size > limit // 8:
            return
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= len(old[0]["content"])
            self.entries[key] = (entry, checked)
            self.size += size
            while self.size > limit and self.entries:
                _key, (dropped, _checked) = self.entries.popitem(last=False)
                self.size -= len(dropped["content"])

    def tags_of(self, key):
        copy = self.entries.get(key)
        return copy[0]["tags"] if copy is not None else self.tags.get(key, ())

    def remember_tags(self, key, tags):
        with self.lock:
            if len(self.tags) >= 20_000:
                self.tags.clear()
            self.tags[key] = tags

    def clear(self):
        with self.lock:
            self.entries.clear()
            self.tags.clear()
            self.size = 0


local = LocalCopies()


def judge(entry, stamps, now):
    """FRESH, STALE (servable while someone renders it again) or EXPIRED, with its keys' stamps."""
    if entry.get("until") is not None and entry["until"] <= now:
        return EXPIRED
    stale_since = None
    for name in entry["tags"]:
        stamp = stamps.get(tag_key(name))
        if stamp is None:
            stale_since = now if stale_since is None else min(stale_since, now)
        elif stamp[0] > entry["seq"]:
            stale_since = stamp[1] if stale_since is None else min(stale_since, stamp[1])
    if entry["fresh_until"] <= now:
        stale_since = entry["fresh_until"] if stale_since is None else min(stale_since, entry["fresh_until"])
    if stale_since is None:
        return FRESH
    return STALE if now - stale_since <= setting("PUBLIC_PAGE_STALE_SECONDS", 10) else EXPIRED


def lookup(key):
    """(entry, FRESH|STALE|EXPIRED) for a stored response, or None; raises CacheUnavailable."""
    current = clock.now()
    now = time.time()
    copy = local.get(key)
    if copy is not None:
        entry, checked = copy
        if checked == current and now < entry["fresh_until"]:
            return entry, FRESH
    # One round trip for the stored response and the keys it is known to depend on; a second only for keys this
    # process has not seen it name before.
    cache = backend()
    names = [tag_key(name) for name in local.tags_of(key)]
    found = guarded(lambda: cache.get_many([key, *names]))
    entry = found.get(key)
    if copy is not None and (entry is None or entry["seq"] < copy[0]["seq"]):
        entry = copy[0]
    if entry is None:
        return None
    unknown = [tag_key(name) for name in entry["tags"] if tag_key(name) not in names]
    if unknown:
        found.update(guarded(lambda: cache.get_many(unknown)))
        local.remember_tags(key, entry["tags"])
    state = judge(entry, found, now)
    if state == FRESH:
        local.put(key, entry, current)
    return entry, state


def store(key, response, tags, seq, strict, until=None):
    """
    Keep a rendered 200 response under `key`, no longer than `until` (a timestamp) when it is only true until
    then; returns the entry (its validators go on the response too).
    """
    cache = backend()
    now = time.time()
    content = response.content
    etag = f'"{hashlib.md5(content, usedforsecurity=False).hexdigest()}"'
    modified = int(now)
    response.headers["ETag"] = etag
    response.headers["Last-Modified"] = http_date(modified)
    lifetime = setting("PUBLIC_PAGE_CACHE_SECONDS", 300)
    kept = lifetime + setting("PUBLIC_PAGE_STALE_SECONDS", 10)
    if until is not None:
        lifetime, kept = min(lifetime, until - now), max(1, min(kept, math.ceil(until - now)))
    entry = {
        "content": content,
        "headers": list(response.items()),
        "etag": etag,
        "modified": modified,
        "tags": tuple(sorted(tags)),
        "seq": seq,
        "fresh_until": now + lifetime,
        "until": until,
        "strict": strict,
    }
    names = [tag_key(name) for name in entry["tags"]]
    existing = guarded(lambda: cache.get_many(names))
    missing = [name for name in names if name not in existing]
    for name in missing:
        # A key never invalidated (or forgotten): it starts at this render's clock, so anything stored before is
        # stale against it and this response is not.
        guarded(lambda name=name: cache.add(name, (seq, now), tag_timeout()))
    guarded(lambda: cache.set(key, entry, kept))
    if not missing and all(existing[name][0] <= seq for name in names):
        local.put(key, entry, seq)
    return entry


def replay(entry, request):
    response = HttpResponse(entry["content"], headers=entry["headers"])
    meta = request.META
    if "HTTP_IF_NONE_MATCH" in meta or "HTTP_IF_MODIFIED_SINCE" in meta:
        return get_conditional_response(request, etag=entry["etag"], last_modified=entry["modified"], response=response)
    return response


def lock_key(key):
    return f"{key}:rendering"


def take_render_lock(key):
    cache = backend()
    try:
        return guarded(lambda: cache.add(lock_key(key), 1, setting("PUBLIC_PAGE_STALE_SECONDS", 10)))
    except CacheUnavailable:
        return True


def release_render_lock(key):
    cache = backend()
    try:
        guarded(lambda: cache.delete(lock_key(key)))
    except CacheUnavailable:
        pass


# --- addresses --------------------------------------------------------------------------------------------------


class Address:
    """
    A GET as the cache sees it: scheme, host, path and the known query parameters, normalised and sorted. The
    scheme is part of it because pages print absolute addresses (canonical, og:url, hreflang, JSON-LD).
    """

    __slots__ = ("base", "query", "altered")

    def __init__(self, request):
        self.read(request.scheme, request.META, request.path)

    @classmethod
    def of_environ(cls, environ):
        """The address of a WSGI request, read as Django's request would read it (for `CachedPages`)."""
        address = cls.__new__(cls)
        path_info, script_name = get_path_info(environ), get_script_name(environ)
        path = "{}/{}".format(script_name.rstrip("/"), path_info.replace("/", "", 1))
        address.read(wsgi_scheme(environ), environ, path)
        return address

    def read(self, scheme, meta, path):
        host = meta.get("HTTP_HOST") or meta.get("SERVER_NAME", "")
        self.base = f"{scheme}://{host.lower()}{path}"
        raw = meta.get("QUERY_STRING", "")
        self.query, self.altered = {}, False
        if not raw:
            return
        # WSGI hands the query over as bytes read as Latin-1; a client that sent UTF-8 unescaped gets it back.
        pairs = parse_qsl(raw.encode("iso-8859-1", "replace").decode("utf-8", "replace"), keep_blank_values=True)
        query = {}
        for name, value in pairs:
            clean = PARAMETERS.get(name)
            if clean is None:
                continue
            value = clean(value)
            if value is None:
                query.pop(name, None)
            else:
                query[name] = value
        self.query = dict(sorted(query.items()))
        # Whether normalising changed anything: an API answer is only served from the cache for a request it would
        # have accepted as it came (the API refuses unknown parameters itself).
        self.altered = sorted(pairs) != list(self.query.items())

    def query_string(self, names=None):
        return urlencode([(name, value) for name, value in self.query.items() if names is None or name in names])

    def key(self, names=None):
        address = f"{self.base}?{self.query_string(names)}"
        return f"{PREFIX}:page:{hashlib.sha256(address.encode()).hexdigest()}"


def wsgi_scheme(environ):
    """`HttpRequest.scheme` for a WSGI environ: the proxy's header when SECURE_PROXY_SSL_HEADER names one."""
    proxy = settings.SECURE_PROXY_SSL_HEADER
    if proxy:
        header, secure_value = proxy
        value = environ.get(header)
        if value is not None:
            value, *_rest = value.split(",", 1)
            return "https" if value.strip() == secure_value else "http"
    return environ.get("wsgi.url_scheme", "http")


class CachedPages:
    """
    The WSGI layer in front of Django (newsroom/wsgi.py): a fresh cached page for a plain GET or HEAD is answered
    here with the status, headers and bytes the whole stack gave it, before Django builds a request. Everything
    else (misses, stale pages, conditional requests, other methods) goes to Django, where PageCacheMiddleware
    serves, renders and stores as usual.
    """

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") in ("GET", "HEAD") and not any(
            name in environ for name in ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")
        ):
            entry = self.fresh_entry(environ)
            if entry is not None:
                start_response("200 OK", entry["headers"])
                return [] if environ["REQUEST_METHOD"] == "HEAD" else [entry["content"]]
        return self.application(environ, start_response)

    @staticmethod
    def fresh_entry(environ):
        if is_disabled():
            return None
        try:
            address = Address.of_environ(environ)
            found = lookup(address.key())
        except (CacheUnavailable, UnicodeError):
            return None
        if found is None or found[1] != FRESH or (found[0]["strict"] and address.altered):
            return None
        return found[0]


# --- the view side ----------------------------------------------------------------------------------------------


def cache_control():
    """Browsers keep a page for a minute; shared caches longer when a purge reaches them (reader/purge.py)."""
    purging = bool(setting("CDN_PURGE_URL", ""))
    shared = setting("PUBLIC_PAGE_SHARED_MAX_AGE", None)
    return {
        "public": True,
        "max_age": setting("PUBLIC_PAGE_MAX_AGE", 60),
        "s_maxage": shared if shared is not None else (86400 if purging else 60),
        "stale_while_revalidate": setting("PUBLIC_PAGE_STALE_WHILE_REVALIDATE", 30),
    }


def shown_until(response, moment):
    """
    Say that a response is true only until `moment` (an aware datetime; None for no such moment): the page of an
    article that expires then. The earliest of several moments counts.
    """
    if moment is not None:
        earlier = getattr(response, "shown_until", None)
        response.shown_until = moment if earlier is None else min(earlier, moment)
    return response


def depends_on(response, *keys):
    """Name what a response shows (dependency keys); the page cache stores them with it."""
    existing = getattr(response, "dependency_keys", set())
    response.dependency_keys = existing | {key for key in keys if key}
    return response


def cached(view, parameters=(), strict=False, keys=()):
    """
    A public view whose 200 answers the page cache keeps: it sees only the query `parameters` it declares.

    A parameter another public page reads but this one does not (`?page=2` on an article) redirects to the address
    without it, so it never splits the cache; unknown parameters are dropped before the view sees them. With
    `strict` (the API) the view sees the query as it came and refuses what it does not know itself. `keys` are
    dependency keys every answer carries (a callable gets the request); views add their own with `depends_on`.
    """
    allowed = frozenset(parameters)
    if not allowed <= PARAMETERS.keys():
        raise ImproperlyConfigured(f"Unknown public query parameters: {sorted(allowed - PARAMETERS.keys())}")

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        address = getattr(request, "page_address", None) or Address(request)
        extra = address.query.keys() - allowed
        if extra and not strict:
            query = address.query_string(allowed)
            return HttpResponsePermanentRedirect(f"{request.path}?{query}" if query else request.path)
        # Without a query there is nothing to drop, and Django's own empty GET is the one the view would get.
        if not strict and request.META.get("QUERY_STRING"):
            request.GET = QueryDict(address.query_string(allowed))
            request.META["QUERY_STRING"] = request.GET.urlencode()
        response = view(request, *args, **kwargs)
        if response.status_code != 200 or extra:
            return response
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        shown = {dependencies.SITE, *(keys(request, *args, **kwargs) if callable(keys) else keys)}
        shown |= getattr(response, "dependency_keys", set())
        control, until = cache_control(), getattr(response, "shown_until", None)
        if until is not None:
            # Nobody downstream keeps it past that moment, nor serves it stale then.
            left = max(0, math.floor(until.timestamp() - time.time()))
            control.update(
                max_age=min(control["max_age"], left), s_maxage=min(control["s_maxage"], left), stale_while_revalidate=0
            )
        patch_cache_control(response, **control)
        response.headers["Surrogate-Key"] = " ".join(sorted(shown))
        response.headers["Cache-Tag"] = ",".join(sorted(shown))
        request.page_cache = {
            "key": address.key(allowed),
            "tags": shown,
            "strict": strict,
            "until": until.timestamp() if until is not None else None,
        }
        return response

    wrapper.page_cache = {"parameters": allowed, "strict": strict}
    return wrapper


def is_storable(response):
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "Cookie" not in response.get("Vary", "")
        and "private" not in response.get("Cache-Control", "")
    )


class PageCacheMiddleware:
    """First in MIDDLEWARE: answers cache hits at once, stores what `cached` views render."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD") or is_disabled():
            return self.get_response(request)
        address = request.page_address = Address(request)
        key = address.key()
        locked = False
        try:
            found = lookup(key)
            seq = clock.now()
        except CacheUnavailable:
            return self.get_response(request)
        if found is not None:
            entry, state = found
            servable = not (entry["strict"] and address.altered)
            if servable and state == FRESH:
                return replay(entry, request)
            if servable and state == STALE:
                locked = take_render_lock(key)
                if not locked:
                    return replay(entry, request)  # another worker is rendering it now
        try:
            response = self.get_response(request)
        finally:
            if locked:
                release_render_lock(key)
        policy = getattr(request, "page_cache", None)
        if policy is None or not is_storable(response):
            return response
        try:
            entry = store(policy["key"], response, policy["tags"], seq, policy["strict"], policy["until"])
        except CacheUnavailable:
            return response
        if "HTTP_IF_NONE_MATCH" in request.META or "HTTP_IF_MODIFIED_SINCE" in request.META:
            return get_conditional_response(
                request, etag=entry["etag"], last_modified=entry["modified"], response=response
            )
        return response
