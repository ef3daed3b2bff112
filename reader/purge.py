"""
Telling a CDN or reverse proxy what changed, and retrying page-cache renewals the cache refused.

After a transaction commits, the changed dependency keys (articles/dependencies.py) are queued here; a background
thread sends them as HTTP `PURGE` requests to CDN_PURGE_URL with the keys, space-separated, in the
CDN_PURGE_HEADER header (`Surrogate-Key`, as Fastly and Varnish with xkey read them), at most CDN_PURGE_BATCH keys
per request, each with a CDN_PURGE_TIMEOUT and up to CDN_PURGE_ATTEMPTS attempts. The editor's save only queues
them. Without CDN_PURGE_URL nothing is sent. Keys queued together are sent together.
"""

import atexit
import http.client
import logging
import os
import queue
import threading
import time
from urllib.parse import urlsplit

from django.conf import settings

from . import caching

logger = logging.getLogger(__name__)

PURGE, RENEW = "purge", "renew"


def setting(name, default):
    return getattr(settings, name, default)


def send_purge(keys):
    """One PURGE request per batch of keys; True when every batch was accepted (2xx)."""
    url = urlsplit(setting("CDN_PURGE_URL", ""))
    connection_class = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
    batch = setting("CDN_PURGE_BATCH", 200)
    keys = sorted(keys)
    for start in range(0, len(keys), batch):
        connection = connection_class(url.hostname, url.port, timeout=setting("CDN_PURGE_TIMEOUT", 2.0))
        try:
            connection.request(
                "PURGE",
                url.path or "/",
                headers={setting("CDN_PURGE_HEADER", "Surrogate-Key"): " ".join(keys[start : start + batch])},
            )
            status = connection.getresponse().status
        finally:
            connection.close()
        if not 200 <= status < 300:
            raise OSError(f"the purge answered HTTP {status}")
    return True


class Worker:
    """A daemon thread per process, started on first use (after a fork too), working through queued keys."""

    def __init__(self):
        self.queue = queue.Queue()
        self.thread = None
        self.pid = None
        self.lock = threading.Lock()

    def submit(self, kind, keys):
        if not keys:
            return
        if kind == PURGE and not setting("CDN_PURGE_URL", ""):
            return
        self.ensure_running()
        self.queue.put((kind, frozenset(keys), 1))

    def ensure_running(self):
        with self.lock:
            if self.thread is not None and self.thread.is_alive() and self.pid == os.getpid():
                return
            self.queue = queue.Queue() if self.pid not in (None, os.getpid()) else self.queue
            self.pid = os.getpid()
            self.thread = threading.Thread(target=self.run, name="page-cache-purge", daemon=True)
            self.thread.start()

    def run(self):
        while True:
            jobs = [self.queue.get()]
            while True:
                try:
                    jobs.append(self.queue.get_nowait())
                except queue.Empty:
                    break
            merged = {}
            for kind, keys, attempt in jobs:
                known_keys, known_attempt = merged.get(kind, (frozenset(), attempt))
                merged[kind] = (known_keys | keys, max(known_attempt, attempt))
            for kind, (keys, attempt) in merged.items():
                self.work(kind, keys, attempt)
            for _job in jobs:
                self.queue.task_done()

    def work(self, kind, keys, attempt):
        try:
            if kind == PURGE:
                send_purge(keys)
            else:
                caching.invalidate(keys)
        except (OSError, http.client.HTTPException, caching.CacheUnavailable) as error:
            attempts = setting("CDN_PURGE_ATTEMPTS", 3) if kind == PURGE else setting("PAGE_CACHE_RENEW_ATTEMPTS", 30)
            if attempt >= attempts:
                logger.error("Gave up %s of %d keys after %d attempts: %s", kind, len(keys), attempt, error)
                return
            # Back off before trying again; this thread serves no request, so waiting here holds up nobody.
            time.sleep(setting("CDN_PURGE_BACKOFF", 1.0) * 2 ** (attempt - 1))
            self.queue.put((kind, keys, attempt + 1))

    def flush(self, timeout=5.0):
        """Wait (at most `timeout` seconds) until everything queued was sent or given up; True when it was."""
        deadline = time.monotonic() + timeout
        while self.queue.unfinished_tasks:
            if time.monotonic() >= deadline or self.thread is None or not self.thread.is_alive():
                return False
            time.sleep(0.01)
        return True


worker = Worker()
# A management command (publish_scheduled) ends right after its last save: its purges go out before it exits.
atexit.register(worker.flush)
