"""Management commands: export, import as a user or the system account, demo content, the settings they start with."""

import json
import os
import subprocess
import sys
import tempfile
from io import StringIO

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import SimpleTestCase, TestCase
from reversion.models import Version

from articles.models import Article, Category, Image

from .factories import make_article, make_category, make_source, make_user
from .test_importers_pagetext import ARABIC_PAGE


class ExportTests(TestCase):
    def test_one_object_per_language_version(self):
        article = make_article(sources=[make_source("afp"), make_source("dpa")], images=2, categories=[make_category()])
        make_article(languages=("ar",))
        out = StringIO()
        call_command("export_articles", stdout=out)
        items = json.loads(out.getvalue())
        self.assertEqual(sorted(item["language"] for item in items), ["ar", "ar", "de"])
        german = next(item for item in items if item["language"] == "de")
        self.assertEqual(german["headlines"][0]["value"], article.headline_de)
        self.assertEqual(german["descriptions"][0]["value"], article.teaser_de)
        self.assertEqual(german["bodies"][0]["value"], article.body_de)
        self.assertEqual([source["name"] for source in german["infosources"]], ["AFP", "dpa"])
        self.assertIn({"role": "shortcode", "value": article.short_code}, german["altids"])
        lead, inline = german["associations"]
        self.assertEqual((lead["name"], inline["name"]), ("lead", "inline-after-1"))
        self.assertEqual(lead["copyrightholder"], "Newsroom/Test")
        self.assertEqual(lead["descriptions"][0]["value"], "Bildunterschrift 0")

    def test_filters_and_output_file(self):

        first = make_article()
        make_article()
        path = os.path.join(tempfile.mkdtemp(), "out.json")
        call_command(
            "export_articles", "--language", "ar", "--short-code", first.short_code, "--output", path, stderr=StringIO()
        )
        with open(path, encoding="utf-8") as exported:
            items = json.load(exported)
        self.assertEqual([(item["language"], item["altids"][0]["value"]) for item in items], [("ar", first.short_code)])

    def test_unknown_short_code(self):
        with self.assertRaisesMessage(CommandError, "NOPE1"):
            call_command("export_articles", "--short-code", "NOPE1", stdout=StringIO())


class ImportUserTests(TestCase):
    """import_articles acts as --user, with their permissions, or as its own system account."""

    def setUp(self):
        self.path = os.path.join(tempfile.mkdtemp(), "page.txt")
        with open(self.path, "w", encoding="utf-8") as page:
            page.write(ARABIC_PAGE)

    def test_without_a_user_the_system_account_imports_and_is_named(self):
        call_command("import_articles", self.path, "--publish", stdout=StringIO())
        article = Article.objects.published("ar").get()
        entry = LogEntry.objects.get(object_id=str(article.pk))
        self.assertEqual(entry.user.username, "import_articles")
        self.assertFalse(entry.user.is_active)
        self.assertFalse(entry.user.has_usable_password())
        self.assertIn("page.txt", entry.get_change_message())

    def test_named_user_is_named(self):
        editor = make_user("edith", "editor")
        call_command("import_articles", self.path, "--user", "edith", stdout=StringIO())
        self.assertEqual(LogEntry.objects.get().user, editor)

    def test_unknown_user(self):
        with self.assertRaisesMessage(CommandError, "There is no user “nobody”"):
            call_command("import_articles", self.path, "--user", "nobody", stdout=StringIO())
        self.assertFalse(Article.objects.exists())


class DemoContentTests(TestCase):
    def test_demo_loads_once_and_creates_an_editor(self):
        out = StringIO()
        call_command("load_demo_content", "--editor", "demo-editor", stdout=out)
        self.assertIn("3 article(s) created", out.getvalue())
        self.assertIn("password:", out.getvalue())
        self.assertTrue(User.objects.get(username="demo-editor").is_superuser)
        self.assertEqual(Article.objects.published("ar").count(), 3)
        self.assertEqual(Article.objects.published("de").count(), 2)
        self.assertTrue(all(image.get_renditions() for image in Image.objects.all()))
        out = StringIO()
        call_command("load_demo_content", "--editor", "demo-editor", stdout=out)
        self.assertIn("0 article(s) created", out.getvalue())
        self.assertIn("exists already", out.getvalue())
        self.assertEqual(Article.objects.count(), 3)

    def test_demo_articles_go_live_with_a_revision_and_a_history_entry(self):
        call_command("load_demo_content", stdout=StringIO())
        for article in Article.objects.all():
            with self.subTest(article=article.short_code):
                (entry,) = LogEntry.objects.filter(object_id=str(article.pk), content_type__model="article")
                self.assertEqual(entry.user.username, "load_demo_content")
                self.assertEqual(Version.objects.get_for_object(article).get().revision.user, entry.user)
        categories = Category.objects.all()
        self.assertEqual([Version.objects.get_for_object(category).count() for category in categories], [1, 1, 1])
        entries, versions = LogEntry.objects.count(), Version.objects.count()
        call_command("load_demo_content", stdout=StringIO())
        self.assertEqual((LogEntry.objects.count(), Version.objects.count()), (entries, versions))


class SettingsTests(SimpleTestCase):
    def run_settings(self, **env):
        environment = {key: value for key, value in os.environ.items() if key not in ("SECRET_KEY", "DEBUG")}
        environment.update(env, DJANGO_SETTINGS_MODULE="newsroom.settings")
        return subprocess.run(
            [
                sys.executable,
                "-c",
                "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)",
            ],
            cwd=settings.BASE_DIR,
            env=environment,
            capture_output=True,
            text=True,
        )

    def test_production_without_secret_key_stops(self):
        result = self.run_settings(DEBUG="0")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("SECRET_KEY must be set", result.stderr)

    def test_production_with_secret_key_starts(self):
        result = self.run_settings(DEBUG="0", SECRET_KEY="x" * 50)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), "False")
