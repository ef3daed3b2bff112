"""
The wire and the translation desk in a real browser, at phone and desktop width: an English flash on the wire is
translated into Arabic, the agency updates it, the editor sees what changed; the Import page's preview; a topic page.
"""

import json
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse

from articles.models import Article, Topic
from interchange.models import WireItem
from tests.browser import PHONE, BrowserTestCase
from tests.factories import import_files, make_article, make_user, picture_bytes
from tests.test_wire import ENGLISH, updated_english

pytestmark = pytest.mark.browser

WIDE = {"width": 1280, "height": 900}


def write(obj, folder, name):
    path = Path(folder) / name
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    return path


class WireBrowserTests(BrowserTestCase):
    def logged_in_page(self, user, viewport=WIDE):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        page = self.open_page(viewport=viewport, locale="en")
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": self.live_server_url}]
        )
        return page

    def setUp(self):
        # The role groups come from a data migration, which a live-server test's flush removes: a superuser here.
        self.editor = make_user("editor", is_superuser=True)
        folder = tempfile.mkdtemp()
        (Path(folder) / "pictures").mkdir()
        (Path(folder) / "pictures" / "bridge.jpg").write_bytes(picture_bytes(width=800, height=450))
        arabic = {
            **ENGLISH,
            "uri": "urn:newsroom-test:wire:ar:browser",
            "language": "ar",
            "urgency": 4,
            "headlines": [{"role": "main", "value": "افتتاح جسر جديد فوق النهر في المدينة"}],
            "descriptions": [{"role": "summary", "value": "يربط الجسر ضفتي النهر."}],
            "associations": [
                {
                    "name": "lead",
                    "uri": "urn:newsroom-test:wire:pic",
                    "type": "picture",
                    "copyrightholder": "Newsroom/Test",
                    "renditions": [{"name": "original", "href": "pictures/bridge.jpg"}],
                }
            ],
        }
        import_files([write(ENGLISH, folder, "en.json"), write(arabic, folder, "ar.json")])

    def test_translate_an_english_flash_into_arabic_and_see_what_the_agency_changed(self):
        for name, viewport in (("phone", PHONE), ("desktop", WIDE)):
            page = self.logged_in_page(self.editor, viewport)
            page.goto(self.live_server_url + reverse("admin:interchange_wireitem_changelist"))
            self.assertIn("Bridge opens", page.content())
            self.assertEqual(page.locator(".wire-flash").count(), 1)
            self.screenshot(page, f"wire_list_{name}")
            self.assertNoThirdPartyRequests(page)

        english = WireItem.objects.get(language="en")
        page = self.logged_in_page(self.editor)
        page.goto(self.live_server_url + reverse("admin:interchange_wireitem_change", args=[english.pk]))
        self.screenshot(page, "wire_item_desktop")
        page.locator("button.wire-use", has_text="Arabic").click()
        page.wait_for_load_state()
        article = Article.objects.get(translation_sources__language="ar")
        self.assertIn(f"/article/{article.pk}/change/", page.url)
        self.assertEqual(page.locator("#translation-ar td[lang=en]").first.get_attribute("dir"), "ltr")
        page.locator("input[name=headline_ar]").fill("افتتاح جسر فوق النهر")
        page.locator(
            "input[name=teaser_ar]" if page.locator("input[name=teaser_ar]").count() else "textarea[name=teaser_ar]"
        ).fill("يربط الجسر ضفتي النهر.")
        page.locator("input[name=_continue]").click()
        page.wait_for_load_state()
        self.assertEqual(Article.objects.get(pk=article.pk).headline_ar, "افتتاح جسر فوق النهر")
        page.locator("#translation-ar button", has_text="Mark translation done").click()
        page.wait_for_load_state()

        import_files([write(updated_english(), tempfile.mkdtemp(), "en-2.json")])
        for name, viewport in (("phone", PHONE), ("desktop", WIDE)):
            page = self.logged_in_page(self.editor, viewport)
            page.goto(self.live_server_url + reverse("admin:articles_article_change", args=[article.pk]))
            changed = page.locator(".translation-changed")
            self.assertEqual(changed.count(), 1)
            self.assertEqual(page.locator(".translation-diff ins").first.inner_text(), "three")
            page.locator("#translation-ar").scroll_into_view_if_needed()
            self.screenshot(page, f"translation_source_changed_{name}")
            self.assertNoThirdPartyRequests(page)
        page.goto(self.live_server_url + reverse("admin:articles_translations") + "?language=ar")
        self.assertIn("افتتاح جسر فوق النهر", page.content())
        self.screenshot(page, "translation_desk_desktop")

    def test_import_preview(self):
        folder = tempfile.mkdtemp()
        items = [
            {
                **ENGLISH,
                "uri": "urn:t:browser:1",
                "language": "de",
                "headlines": [{"role": "main", "value": "Eine Meldung"}],
            },
            {**ENGLISH, "uri": "urn:t:browser:2", "language": "de", "descriptions": []},
            {**ENGLISH, "uri": "urn:t:browser:3", "bodies": []},
            {**ENGLISH, "uri": "urn:t:browser:4"},
        ]
        path = write(items, folder, "batch.json")
        for name, viewport in (("phone", PHONE), ("desktop", WIDE)):
            page = self.logged_in_page(self.editor, viewport)
            page.goto(self.live_server_url + reverse("admin:interchange_import"))
            page.set_input_files("input[name=files]", str(path))
            page.locator("input[name=publish]").check()
            page.locator("input[type=submit][value=Preview]").click()
            page.wait_for_load_state()
            self.assertIn("kept as draft: teaser missing in de", page.content())
            self.assertEqual(page.locator("select[name^=language-]").count(), 2)
            self.screenshot(page, f"import_preview_{name}")
            self.assertNoThirdPartyRequests(page)

    def test_topic_page(self):
        topic = Topic.objects.create(name_ar="الراين", name_de="Rhein")
        for number in range(3):
            make_article(publish=("ar", "de"), images=1, headline_ar=f"خبر عن الراين رقم {number}").topics.add(topic)
        for name, viewport in (("phone", PHONE), ("desktop", WIDE)):
            page = self.open_page(viewport=viewport)
            page.goto(self.live_server_url + topic.get_absolute_url("ar"))
            self.assertEqual(page.locator("h1").inner_text(), "الراين")
            self.assertEqual(page.locator("html").get_attribute("dir"), "rtl")
            self.screenshot(page, f"topic_page_{name}")
            self.assertNoThirdPartyRequests(page)
