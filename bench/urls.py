"""The site's URLs plus `/bench/ceiling/`: a bare view returning the article page's bytes, the upper bound."""

import os
from pathlib import Path

from django.http import HttpResponse
from django.urls import path

from newsroom.urls import urlpatterns as site_urlpatterns

CEILING_BYTES = Path(os.environ["BENCH_CEILING_FILE"]).read_bytes() if os.environ.get("BENCH_CEILING_FILE") else b""


def ceiling(request):
    return HttpResponse(CEILING_BYTES, content_type="text/html; charset=utf-8")


urlpatterns = [path("bench/ceiling/", ceiling), *site_urlpatterns]
