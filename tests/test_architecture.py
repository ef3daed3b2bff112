"""
The layout shows the design: dependencies run articles <- workflow <- reader and articles <- interchange, and an
import inside a function says why it is there.
"""

import ast
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.test import SimpleTestCase
from django.utils import translation

BASE = Path(settings.BASE_DIR)
APPS = ["articles", "workflow", "interchange", "reader"]
# What each app may import from the others.
ALLOWED = {
    "articles": set(),
    "workflow": {"articles"},
    "interchange": {"articles"},
    "reader": {"articles", "workflow"},
}


def modules(app):
    return sorted(path for path in (BASE / app).rglob("*.py") if "migrations" not in path.parts)


def imported_apps(tree, app):
    """The project apps a module imports (relative imports stay inside its own app)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        else:
            continue
        found |= {name.split(".")[0] for name in names} & set(APPS)
    return found - {app}


def function_level_imports(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for child in ast.walk(node):
                if isinstance(child, ast.Import | ast.ImportFrom):
                    yield child.lineno


class DependencyTests(SimpleTestCase):
    def test_dependencies_run_one_way(self):
        for app in APPS:
            for path in modules(app):
                with self.subTest(module=str(path.relative_to(BASE))):
                    uses = imported_apps(ast.parse(path.read_text(encoding="utf-8")), app)
                    self.assertLessEqual(uses, ALLOWED[app], f"{app} may use only {sorted(ALLOWED[app]) or 'itself'}")

    def test_an_import_inside_a_function_says_why(self):
        for app in [*APPS, "newsroom"]:
            for path in modules(app):
                source = path.read_text(encoding="utf-8")
                lines = source.splitlines()
                for lineno in function_level_imports(ast.parse(source)):
                    with self.subTest(module=str(path.relative_to(BASE)), line=lineno):
                        nearby = lines[max(0, lineno - 4) : lineno]
                        self.assertTrue(any("#" in line for line in nearby), "a function-level import needs a reason")

    def test_each_app_names_itself_in_the_newsrooms_languages(self):
        for app in APPS:
            english = str(apps.get_app_config(app).verbose_name)
            for language in ("ar", "de"):
                with self.subTest(app=app, language=language), translation.override(language):
                    self.assertNotEqual(str(apps.get_app_config(app).verbose_name), english)
