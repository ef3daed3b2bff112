"""
Django's PostgreSQL backend with a circuit breaker on connecting (pybreaker). After a connect that fails, this
process does not try again for DATABASE_OUTAGE_PAUSE seconds: each request meanwhile gets the 503 page at once
(newsroom/middleware.py). Without it, every uncached request waited out the connect timeout, and a few sync
workers held that way stopped serving the cached pages too. After the pause, the next connect is a trial: it
closes the circuit if it succeeds, and opens it again for another pause if it fails.
"""

import pybreaker
from django.conf import settings
from django.db.backends.postgresql import base

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
            return BREAKER.call(super().get_new_connection, conn_params)
        except pybreaker.CircuitBreakerError as open_circuit:
            raise self.Database.OperationalError(
                f"the database did not answer a moment ago; not trying again for up to {BREAKER.reset_timeout} s"
            ) from open_circuit
