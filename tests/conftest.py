import shutil
import tempfile

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from django.utils import translation


@pytest.fixture(autouse=True, scope="session")
def temporary_media_root():
    """Pictures and renditions written by tests go to a throw-away folder, never into media/."""
    folder = tempfile.mkdtemp(prefix="newsroom-test-media-")
    # Tests read messages in English unless they pick a language (a URL prefix, Accept-Language, override);
    # the Arabic and German catalogues are checked in test_i18n.py.
    storages = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "imports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": f"{folder}/staging"},
        },
    }
    with override_settings(
        MEDIA_ROOT=folder, IMPORT_STAGING_ROOT=f"{folder}/staging", STORAGES=storages, LANGUAGE_CODE="en"
    ):
        yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(autouse=True)
def english_unless_chosen():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def empty_page_cache():
    """Each test starts with no cached page: a page cached by one test must not answer for the next one's data."""
    from reader import caching  # the app registry is ready once a test runs

    cache.clear()
    caching.local.clear()
    caching.clock.forget()
    caching.outage.reset()
    yield
