"""
Secure by default (issue 12): DEBUG is off unless set, and `check --deploy` finds nothing with the production
settings README "Production" gives (read from the README itself, so the two cannot drift apart).
"""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase

README = Path(settings.BASE_DIR) / "README.md"


def readme_production_environment():
    """README's `production.env` block as a dict, with a real secret key in place of its placeholder."""
    block = re.search(r"```sh\n# production.env\n(.*?)```", README.read_text(encoding="utf-8"), re.S).group(1)
    values = dict(line.split("=", 1) for line in block.splitlines() if line and not line.startswith("#"))
    values["SECRET_KEY"] = secrets.token_urlsafe(50)
    return values


def run_manage(*arguments, environment):
    # The environment a server would have: none of the test run's own switches (DEBUG, the browser tests' async flag).
    ignored = {"DEBUG", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {key: value for key, value in os.environ.items() if key not in ignored}
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=settings.BASE_DIR,
        env={**clean, **environment},
        capture_output=True,
        text=True,
        timeout=120,
    )


class DeployCheckTests(SimpleTestCase):
    def test_check_deploy_finds_nothing_with_the_readmes_production_settings(self):
        environment = readme_production_environment()
        self.assertEqual(environment["DEBUG"], "0")
        result = run_manage("check", "--deploy", "--fail-level", "WARNING", environment=environment)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("System check identified no issues (0 silenced).", result.stdout)

    def test_the_same_with_pictures_on_the_local_disk(self):
        environment = {
            key: value for key, value in readme_production_environment().items() if not key.startswith(("S3_", "AWS_"))
        }
        environment["MEDIA_STORAGE"] = "local"
        result = run_manage("check", "--deploy", "--fail-level", "WARNING", environment=environment)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def test_every_variable_the_settings_read_is_in_the_readme(self):
        source = (Path(settings.BASE_DIR) / "newsroom" / "settings.py").read_text(encoding="utf-8")
        source += (Path(settings.BASE_DIR) / "gunicorn.conf.py").read_text(encoding="utf-8")
        names = set(re.findall(r'(?:env_\w+|os\.environ\.get)\("([A-Z][A-Z0-9_]+)"', source))
        readme = README.read_text(encoding="utf-8")
        self.assertGreater(len(names), 40)
        self.assertEqual(sorted(name for name in names if f"`{name}`" not in readme), [])

    def test_without_debug_set_the_settings_are_productions_and_want_a_secret_key(self):
        result = run_manage("check", environment={})
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("SECRET_KEY must be set when DEBUG is off.", result.stderr)
        code = "from newsroom import settings as s; print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)"
        clean = {key: value for key, value in os.environ.items() if key != "DEBUG"}
        shown = subprocess.run(
            [sys.executable, "-c", code],
            cwd=settings.BASE_DIR,
            env={**clean, "SECRET_KEY": secrets.token_urlsafe(50)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        self.assertEqual(shown, ["False", "True", "31536000"])
