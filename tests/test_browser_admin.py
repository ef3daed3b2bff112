"""The admin in a real browser: the second editor sees who holds the lock, and the page asks no other host."""

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse

from tests.browser import BrowserTestCase
from tests.factories import make_article, make_user
from workflow.models import EditLock

pytestmark = pytest.mark.browser


class AdminLockBrowserTests(BrowserTestCase):
    def logged_in_page(self, user):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        page = self.open_page()
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": self.live_server_url}]
        )
        return page

    def test_second_editor_sees_the_lock_and_the_chief_can_take_it_over(self):
        anna = make_user("anna", "editor", first_name="Anna", last_name="Berg")
        chief = make_user("chief", "chief editor")
        article = make_article(images=1)
        EditLock.acquire(article, anna)
        page = self.logged_in_page(chief)
        page.goto(self.live_server_url + reverse("admin:articles_article_change", args=[article.pk]))
        warning = page.locator(".edit-lock-other")
        self.assertIn("Anna Berg", warning.inner_text())
        self.assertTrue(page.locator("#edit-lock button").is_visible())
        self.assertTrue(page.locator('button[value="ar:publish"]').is_visible())
        self.assertEqual(page.locator("input[name=headline_ar]").get_attribute("dir"), "rtl")
        self.screenshot(page, "admin_lock_warning")
        page.locator("#edit-lock button").click()
        page.wait_for_load_state()
        self.assertEqual(page.locator(".edit-lock-other").count(), 0)
        self.screenshot(page, "admin_lock_taken_over")
        self.assertEqual(EditLock.objects.get(article=article).user, chief)
        self.assertNoThirdPartyRequests(page)
