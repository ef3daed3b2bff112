"""
Views of the project itself: health checks for load balancers and the server-error answer.

/healthz says the process is up (no I/O at all); /readyz says it can serve: the database and the media store answered
within their timeouts. The cache is checked and reported too, but a cache outage does not make a server unready: pages
are then served uncached, and taking every server out of the balancer for it would turn a slowdown into an outage.
Neither is cached or logged by the request log.

django-health-check was weighed and left out: its database check writes a row and its storage check writes and deletes
a file on every probe (many servers, probed every few seconds), and it brings dependencies of its own; the three reads
below need no library.
"""

import sys
import time
import uuid

from django.core.cache import cache
from django.core.files.storage import storages
from django.db import connection
from django.http import HttpResponseServerError, JsonResponse
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .middleware import is_api, is_outage, service_unavailable

PROBE_KEY = "readyz:probe"


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache():
    token = uuid.uuid4().hex
    cache.set(PROBE_KEY, token, 30)
    if cache.get(PROBE_KEY) != token:
        raise RuntimeError("the cache did not keep a value")


def check_storage():
    # exists() is one HEAD request on an object store and one stat on a disk: reachable, without writing.
    storages["default"].exists("readyz-probe")
    storages["imports"].exists("readyz-probe")


CHECKS = {"database": check_database, "cache": check_cache, "storage": check_storage}
# What a server cannot serve without; the others are reported but do not make it unready.
REQUIRED = {"database", "storage"}


@never_cache
@require_GET
def readyz(request):
    """Each dependency's state and time; 503 when a required one failed, so the balancer takes this server out."""
    results = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as error:  # noqa: BLE001 - any failure means "not ready"; the reason is reported
            results[name] = {"ok": False, "error": f"{type(error).__name__}: {error}"[:300]}
        else:
            results[name] = {"ok": True}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    ready = all(results[name]["ok"] for name in REQUIRED)
    status = "unavailable" if not ready else "ok" if all(result["ok"] for result in results.values()) else "degraded"
    return JsonResponse({"status": status, "checks": results}, status=200 if ready else 503)


def server_error(request):
    """handler500: a database outage raised outside a view still gets the 503; the API answers JSON."""
    if is_outage(sys.exc_info()[1]):
        return service_unavailable(request)
    if is_api(request):
        return JsonResponse({"error": "server error"}, status=500)
    return HttpResponseServerError(render_to_string("500.html"))
