"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py newsroom.wsgi`."""

import multiprocessing
import os

from gunicorn.glogging import Logger

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# Threads let a worker overlap database and cache waits without the memory of more processes.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 4))
# Loading the app before forking shares its memory between workers and fails fast on a bad configuration.
preload_app = True
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 30
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 5000))
max_requests_jitter = 500
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


class ProbeQuietLogger(Logger):
    """The access log without load balancers' health probes, which would drown the lines that matter."""

    PROBES = ("/healthz", "/readyz")

    def access(self, resp, req, environ, request_time):
        if environ.get("PATH_INFO") not in self.PROBES:
            super().access(resp, req, environ, request_time)


logger_class = ProbeQuietLogger
