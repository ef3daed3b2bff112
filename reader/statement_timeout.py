"""
Public requests run their queries under PostgreSQL's `statement_timeout` (PUBLIC_STATEMENT_TIMEOUT_MS, default 3000
ms; 0 turns it off): no reader's request can hold a worker and a database connection for minutes. A query cut off
answers a short 503 page (JSON for the API) asking to try again, never a stack trace.

The limit is a session setting of the connection, set when a public view is about to run (or when its connection
opens) and lifted when another view (the admin) runs on the same connection; a connection keeps it between requests,
so a steady stream of public requests pays for it once per connection, not per request. Management commands never
serve public views and run without it.
"""

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.db.backends.signals import connection_created
from django.http import JsonResponse
from django.shortcuts import render

QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE for a statement cut off by statement_timeout


def limit(milliseconds):
    """Make the default connection's statement timeout `milliseconds` (0: none), now or when it connects."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        return
    connection.wanted_statement_timeout_ms = milliseconds
    if connection.connection is not None:
        apply(connection)


def apply(connection):
    wanted = getattr(connection, "wanted_statement_timeout_ms", 0)
    # Inside a transaction (never the case for a public request: ATOMIC_REQUESTS is off) a SET would be undone by
    # a rollback behind our back, so it is left alone there.
    if getattr(connection, "statement_timeout_ms", 0) == wanted or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SET statement_timeout = {int(wanted)}")
    connection.statement_timeout_ms = wanted


def connected(sender, connection, **kwargs):
    if connection.vendor == "postgresql":
        connection.statement_timeout_ms = 0  # a new connection starts with the server's default
        apply(connection)


connection_created.connect(connected, dispatch_uid="public-statement-timeout")


def is_timeout(exception):
    return isinstance(exception, OperationalError) and getattr(exception.__cause__, "sqlstate", None) == QUERY_CANCELED


class StatementTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        policy = getattr(view_func, "page_cache", None)
        request.public_view = policy
        limit(getattr(settings, "PUBLIC_STATEMENT_TIMEOUT_MS", 3000) if policy is not None else 0)

    def process_exception(self, request, exception):
        if not is_timeout(exception):
            return None
        policy = getattr(request, "public_view", None)
        if policy is not None and policy["strict"]:
            response = JsonResponse({"error": "the database took too long; try again in a moment"}, status=503)
        else:
            response = render(request, "reader/timeout.html", status=503)
        response["Retry-After"] = "5"
        response["Cache-Control"] = "no-store"
        return response
