"""
Project-wide request handling: a database outage answers 503 at once instead of a stack trace, (REQUEST_LOG=1) one
structured log line per request with its timing, and the Content-Security-Policy header at the cost of a constant.
"""

import json
import logging
import time

from csp.constants import HEADER as CSP_HEADER
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.functional import empty
from django.utils.translation import gettext

logger = logging.getLogger("newsroom")
request_logger = logging.getLogger("newsroom.request")

# Load balancers ask these every few seconds; logging each would drown the lines that matter.
PROBE_PATHS = {"/healthz", "/readyz"}
# How long clients are asked to wait before trying again after a 503.
RETRY_AFTER_SECONDS = 10
# A failing database is logged once per interval per process, not once per request.
OUTAGE_LOG_INTERVAL = 30.0
_last_outage_log = {"at": float("-inf")}


def client_address(request):
    """
    The client's address: the connection's, or behind TRUSTED_PROXY_COUNT proxies the entry they appended to
    X-Forwarded-For (a client can put anything at its start, never at its end).
    """
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR", "")


def is_api(request):
    return request.path.startswith("/api/")


def service_unavailable(request):
    """The localised 503 answer: a page for readers and editors, JSON for the API."""
    if is_api(request):
        response = JsonResponse(
            {"error": gettext("The service is unavailable for a moment; please try again shortly.")}, status=503
        )
    else:
        # Rendered without the request's context processors: they may need the database that is down.
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def is_outage(exception):
    """Whether an exception means the database cannot be reached or did not answer in time (not a bad query)."""
    if isinstance(exception, InterfaceError):
        return True
    if isinstance(exception, OperationalError):
        return True
    # A statement cut off by statement_timeout arrives as a DatabaseError on some drivers.
    return isinstance(exception, DatabaseError) and "statement timeout" in str(exception)


class DatabaseUnavailableMiddleware:
    """A database that is down or does not answer in time gives a localised 503, never a stack trace."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_outage(exception):
            return None
        now = time.monotonic()
        if now - _last_outage_log["at"] >= OUTAGE_LOG_INTERVAL:
            _last_outage_log["at"] = now
            logger.error("database unavailable, answering 503: %s", exception)
        # The broken connection is closed at the end of the request, as Django does after every request.
        return service_unavailable(request)


class RequestLogMiddleware:
    """With REQUEST_LOG=1, one JSON line per request: method, path, status, duration, size, client, user."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.enabled = settings.REQUEST_LOG

    def __call__(self, request):
        if not self.enabled or request.path in PROBE_PATHS:
            return self.get_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        request_logger.info(
            json.dumps(
                {
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "bytes": None if response.streaming else len(response.content),
                    "client": client_address(request),
                    "user": known_user_id(request),
                }
            )
        )
        return response


def known_user_id(request):
    """The user's id if the request already looked them up; never a query of its own (the database may be down)."""
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.pk if user.is_authenticated else None


# Where a view asks django-csp for a policy of its own (decorators in csp.decorators).
PER_RESPONSE_POLICY = ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt", "_csp_config_ro", "_csp_update_ro")


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """
    django-csp's middleware, except that a response which used no nonce and asks for no policy of its own (every
    public page, every answer from the page cache) gets the policy built once per process rather than per response.
    """

    def __init__(self, get_response):
        super().__init__(get_response)
        self.constant_policy = build_policy()
        self.has_report_only = bool(getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None))

    def process_response(self, request, response):
        if (
            getattr(request, "_csp_nonce", None) is not None
            or self.has_report_only
            or any(hasattr(response, name) for name in PER_RESPONSE_POLICY)
        ):
            return super().process_response(request, response)
        if CSP_HEADER not in response:
            response[CSP_HEADER] = self.constant_policy
        # As django-csp does: a nonce asked for after the header was written is an error, not a silent gap.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
