import shutil
import tempfile

import pytest
from django.test import override_settings


@pytest.fixture(autouse=True, scope="session")
def temporary_media_root():
    """Pictures and renditions written by tests go to a throw-away folder, never into media/."""
    folder = tempfile.mkdtemp(prefix="newsroom-test-media-")
    with override_settings(MEDIA_ROOT=folder, IMPORT_STAGING_ROOT=f"{folder}/staging"):
        yield folder
    shutil.rmtree(folder, ignore_errors=True)
