"""
Django's PostgreSQL backend with two additions. Its connections write lists as array literals more quickly
(`arrays.py`: the bulk inserts of an import). And it connects through a circuit breaker (pybreaker): after a connect
that fails, this process does not try again for DATABASE_OUTAGE_PAUSE seconds, and each request meanwhile gets the
503 page at once (newsroom/middleware.py). Without it, every uncached request waited out the connect timeout, and a
few sync workers held that way stopped serving the cached pages too. After the pause, the next connect is a trial:
it closes the circuit if it succeeds, and opens it again for another pause if it fails.
"""

import pybreaker
from django.conf import settings
from django.db.backends.postgresql import base

from .arrays import QuickListDumper

BREAKER = pybreaker.CircuitBreaker(
    fail_max=1,
    reset_timeout=settings.DATABASE_OUTAGE_PAUSE,
    # The connect's own error (a timeout, a refusal) reaches the 503 page and the log, not pybreaker's.
    throw_new_error_on_trip=False,
    name="database connect",
)


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        try:
            connection = BREAKER.call(super().get_new_connection, conn_params)
        except pybreaker.CircuitBreakerError as open_circuit:
            raise self.Database.OperationalError(
                f"the database did not answer a moment ago; not trying again for up to {BREAKER.reset_timeout} s"
            ) from open_circuit
        connection.adapters.register_dumper(list, QuickListDumper)
        return connection
