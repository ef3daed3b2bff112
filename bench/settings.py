"""Settings for the benchmark: the project's own, plus a URLconf with the ceiling view and plain static storage."""

from newsroom.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
# The benchmark never collects static files; the manifest storage would refuse to name them.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
# gunicorn is measured over plain http on the loopback, where production would redirect to https.
SECURE_SSL_REDIRECT = False
