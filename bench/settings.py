"""Settings for the benchmarks: the project's own, plain static storage, the page cache chosen by BENCH_CACHE."""

import os

from newsroom.settings import *  # noqa: F403

# The benchmark never collects static files; the manifest storage would refuse to name them.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
# gunicorn is measured over plain http on the loopback, where production would redirect to https.
SECURE_SSL_REDIRECT = False
# `off`: every request renders (DummyCache turns the page cache off); otherwise REDIS_URL or local memory as usual.
if os.environ.get("BENCH_CACHE") == "off":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
