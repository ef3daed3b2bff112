"""
Secure headers on every answer: Content-Security-Policy without 'unsafe-inline' (django-csp), Permissions-Policy,
and, in a real browser, no page of the site or the admin breaks that policy.
"""

import re
from unittest import mock

import pytest
from django.contrib.admin import site as admin_site
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.test import TestCase, override_settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser import PHONE, BrowserTestCase
from tests.factories import RolesSurviveFlush, create_role_groups, make_article, make_user
from workflow.models import JobRun

# Chromium's own words for a refused inline script or style.
VIOLATION_WORDS = ("Content Security Policy", "Refused to")


class HeaderTests(TestCase):
    def test_public_pages_the_admin_and_the_api_carry_the_policies(self):
        make_article(publish=["ar"])
        for url in ("/ar/", "/de/archive/", "/admin/login/", "/api/articles/", "/healthz"):
            with self.subTest(url=url):
                response = self.client.get(url)
                policy = response["Content-Security-Policy"]
                self.assertIn("default-src 'self'", policy)
                self.assertIn("frame-ancestors 'none'", policy)
                self.assertNotIn("unsafe-inline", policy)
                self.assertNotIn("unsafe-eval", policy)
                self.assertIn("camera=()", response["Permissions-Policy"])
                self.assertEqual(response["X-Content-Type-Options"], "nosniff")
                self.assertEqual(response["X-Frame-Options"], "DENY")

    def test_cached_public_pages_carry_no_nonce(self):
        """A page served from the page cache to many readers must not depend on one request's nonce."""
        make_article(publish=["ar"])
        self.client.get("/ar/")
        response = self.client.get("/ar/")
        self.assertNotIn("nonce-", response["Content-Security-Policy"])
        self.assertNotIn(b"nonce=", response.content)

    def test_the_admins_one_inline_style_carries_the_nonce_of_its_answer(self):
        """Django's change list writes an inline style when a list shows no action bar; ours gives it the nonce."""
        self.client.force_login(make_user("chief", "chief editor", is_superuser=True))
        jobrun_admin = admin_site._registry[JobRun]
        JobRun.record(JobRun.SCHEDULER, "ok")
        with (
            mock.patch.object(jobrun_admin, "actions_on_top", False),
            mock.patch.object(jobrun_admin, "actions_on_bottom", False),
        ):
            response = self.client.get(reverse("admin:workflow_jobrun_changelist"))
        nonce = re.search(r'<style nonce="([^"]+)"', response.content.decode()).group(1)
        self.assertIn(f"'nonce-{nonce}'", response["Content-Security-Policy"])

    @override_settings(SECURE_HSTS_SECONDS=31_536_000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True)
    def test_https_answers_carry_hsts(self):
        response = self.client.get("/ar/", secure=True)
        self.assertEqual(response["Strict-Transport-Security"], "max-age=31536000; includeSubDomains")


@pytest.mark.browser
class ContentSecurityPolicyBrowserTests(RolesSurviveFlush, BrowserTestCase):
    """Every kind of page, loaded in Chromium with the policy on, reports no violation."""

    def setUp(self):
        create_role_groups()

    def logged_in_page(self, user, **kwargs):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        page = self.watched_page(**kwargs)
        page.context.add_cookies([{"name": "sessionid", "value": session.session_key, "url": self.live_server_url}])
        return page

    def watched_page(self, **kwargs):
        page = self.open_page(**kwargs)
        page.violations = []
        page.on(
            "console",
            lambda message: (
                page.violations.append(message.text) if any(word in message.text for word in VIOLATION_WORDS) else None
            ),
        )
        page.add_init_script(
            "document.addEventListener('securitypolicyviolation', e => "
            "console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
        )
        return page

    def visit(self, page, path):
        response = page.goto(self.live_server_url + path)
        page.wait_for_load_state("load")  # deferred scripts have run by then, and with them any refused inline code
        self.assertLess(response.status, 500, path)
        self.assertIn("content-security-policy", response.headers)
        return response

    def test_public_pages_and_admin_pages_break_no_rule(self):
        article = make_article(publish=["ar", "de"], images=1)
        chief = make_user("chief", "chief editor", is_superuser=True)
        editor = make_user("editor1", "editor")
        JobRun.record(JobRun.SCHEDULER, "ok")
        article.headline_ar = "عنوان معدل"
        article.save()
        public = self.watched_page()
        for path in ("/ar/", article.get_absolute_url("ar"), "/de/archive/", "/ar/search/?q=خبر", "/de/nowhere/"):
            self.visit(public, path)
        self.assertEqual(public.violations, [])
        self.assertNoThirdPartyRequests(public)

        admin = self.logged_in_page(chief)
        for path in (
            reverse("admin:index"),
            reverse("admin:articles_article_changelist"),
            reverse("admin:articles_article_change", args=[article.pk]),
            reverse("admin:articles_article_add"),
            reverse("admin:articles_image_changelist"),
            reverse("admin:articles_article_history", args=[article.pk]),
            reverse("admin:interchange_import"),
            reverse("admin:auth_user_change", args=[editor.pk]),
            reverse("admin:two_factor_setup"),
        ):
            self.visit(admin, path)
        self.assertEqual(admin.violations, [])

    def test_login_lockout_and_two_factor_pages_look_right(self):
        make_user("amira", "editor")
        with override_settings(AXES_FAILURE_LIMIT=2):
            for viewport, name in ((PHONE, "390"), ({"width": 1280, "height": 900}, "1280")):
                page = self.watched_page(viewport=viewport, locale="de")
                self.visit(page, "/admin/login/")
                self.screenshot(page, f"admin_login_{name}")
                for _attempt in range(2):
                    page.fill("#id_username", "amira")
                    page.fill("#id_password", "wrong")
                    with page.expect_navigation():
                        page.click("input[type=submit]")
                self.assertIn("gesperrt", page.content())  # the browser asks for German
                self.screenshot(page, f"admin_lockout_{name}")
                self.assertEqual(page.violations, [])
                call_command("axes_reset", verbosity=0)
        chief = make_user("leila", "chief editor")
        with override_settings(ADMIN_REQUIRE_2FA=True):
            for viewport, name in ((PHONE, "390"), ({"width": 1280, "height": 900}, "1280")):
                page = self.logged_in_page(chief, viewport=viewport)
                self.visit(page, "/admin/")
                self.assertIn("/admin/two-factor/", page.url)
                self.assertTrue(page.locator("img.two-factor-qr").is_visible())
                self.screenshot(page, f"admin_two_factor_setup_{name}")
                self.assertEqual(page.violations, [])
        self.assertEqual(TOTPDevice.objects.filter(user=chief, confirmed=False).count(), 1)
