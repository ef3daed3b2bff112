"""The Arabic and German catalogues: complete, six Arabic plural forms, and the seed's own wordings."""

import json
from pathlib import Path

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.contrib.auth.models import User
from django.test import SimpleTestCase, TestCase
from django.urls import resolve, reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext

from tests.factories import make_article

LOCALE = Path(settings.BASE_DIR) / "locale"


class CatalogueTests(SimpleTestCase):
    def test_compiled_catalogues_exist_for_both_languages(self):
        for language in ("ar", "de"):
            self.assertTrue((LOCALE / language / "LC_MESSAGES" / "django.mo").exists(), language)

    def test_no_untranslated_or_fuzzy_entries(self):
        for language in ("ar", "de"):
            text = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
            entries = text.split("\n\n")[1:]
            for entry in entries:
                if entry.startswith("#~"):
                    continue
                self.assertNotIn("#, fuzzy", entry, f"{language}: {entry[:80]}")
                self.assertNotIn('msgstr ""\n\n', entry + "\n\n", f"{language}: untranslated {entry[:80]}")

    def test_arabic_has_six_plural_forms(self):
        header = (LOCALE / "ar" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
        self.assertIn("nplurals=6;", header)
        with translation.override("ar"):
            forms = {
                ngettext("%(shown)s article", "%(shown)s articles", n) % {"shown": n} for n in (0, 1, 2, 3, 11, 100)
            }
        self.assertEqual(len(forms), 6, forms)

    def test_the_seeds_wordings(self):
        with translation.override("ar"):
            self.assertEqual(gettext("Skip to content"), "تخطي إلى المحتوى")
            self.assertEqual(gettext("Skip to main menu"), "تخطي إلى القائمة الرئيسية")
            self.assertEqual(gettext("Image:"), "صورة من:")
            self.assertEqual(gettext("Discover more"), "اكتشاف المزيد")
            self.assertEqual(gettext("More topics"), "المزيد من الموضوعات")
        with translation.override("de"):
            self.assertEqual(gettext("Image:"), "Bild:")
            self.assertEqual(gettext("Skip to content"), "Zum Inhalt springen")


class TranslatedPagesTests(TestCase):
    def test_admin_in_arabic_and_german(self):

        make_article()  # an empty list has no column headers
        self.client.force_login(User.objects.create_superuser("ed", "ed@example.com", "pw"))
        arabic = self.client.get("/admin/articles/article/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
        german = self.client.get("/admin/articles/article/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
        with translation.override("ar"):
            self.assertTrue(gettext("language versions") in arabic)
        with translation.override("de"):
            self.assertTrue(gettext("language versions") in german)
        self.assertNotEqual(gettext("language versions"), "")


class EditorDialogCatalogueTests(TestCase):
    """django-prose-editor's dialogs read window.gettext, which the admin's JavaScript catalogue gives them."""

    def test_the_admin_javascript_catalogue_translates_the_editors_dialogs(self):
        self.client.force_login(User.objects.create_superuser("ed", "ed@example.com", "pw"))
        for language, expected in (("ar", "تعديل الرابط"), ("de", "Link bearbeiten")):
            with self.subTest(language):
                catalogue = self.client.get("/admin/jsi18n/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
                self.assertIn(f'"Edit Link": {json.dumps(expected)}', catalogue)


class ThirdPartyNamesTests(TestCase):
    def test_login_protection_apps_are_named_in_the_admins_language(self):
        self.client.force_login(User.objects.create_superuser("ed", "ed@example.com", "pw"))
        for language, names in (("ar", ("حماية تسجيل الدخول", "أجهزة TOTP")), ("de", ("Anmeldeschutz", "TOTP-Geräte"))):
            with self.subTest(language):
                index = self.client.get("/admin/", HTTP_ACCEPT_LANGUAGE=language)
                for name in names:
                    self.assertContains(index, name)
                self.assertNotContains(index, "TOTP devices")


class LanguagePrefixTests(TestCase):
    def test_the_public_site_is_under_a_prefix_for_every_language(self):
        self.assertEqual(is_language_prefix_patterns_used(settings.ROOT_URLCONF), (True, True))
        for code in ("ar", "de"):
            with translation.override(code):
                match = resolve(reverse("reader:article", kwargs={"slug": "x", "pk": 7}))
                self.assertEqual((match.view_name, match.route), ("reader:article", f"{code}/<name:slug>/a-<id:pk>/"))
                self.assertEqual(match.kwargs, {"slug": "x", "pk": 7})

    def test_an_address_without_a_prefix_leads_to_the_prefixed_one(self):
        response = self.client.get("/archive/", headers={"accept-language": "de"})
        self.assertRedirects(response, "/de/archive/", fetch_redirect_response=False)
