"""
Settings for the test suite: the project's development settings (DEBUG=1 when imported; Django's test runner turns
DEBUG off while tests run) with a fast password hasher, since tests create many users.
"""

import os

os.environ.setdefault("DEBUG", "1")

from newsroom.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
