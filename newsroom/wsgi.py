"""WSGI entry point for gunicorn (see gunicorn.conf.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

django_application = get_wsgi_application()

# Imported once Django is set up (get_wsgi_application does it): fresh cached pages are answered before Django.
from reader.caching import CachedPages  # noqa: E402

application = CachedPages(django_application)
