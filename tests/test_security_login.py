"""Login protection: lockout after repeated failures (django-axes) and two-factor login (django-otp)."""

from django.core.management import call_command
from django.test import Client, TestCase, override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import make_user

LOGIN = "/admin/login/"


def login(client, username, password, token=""):
    return client.post(LOGIN, {"username": username, "password": password, "otp_token": token, "next": "/admin/"})


def current_code(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


@override_settings(AXES_FAILURE_LIMIT=5)
class LockoutTests(TestCase):
    def setUp(self):
        self.user = make_user("amira", "editor")

    def test_five_failures_lock_the_user_at_that_address_even_with_the_right_password(self):
        client = Client(REMOTE_ADDR="203.0.113.7")
        for _attempt in range(4):
            self.assertEqual(login(client, "amira", "wrong").status_code, 200)
        locked = login(client, "amira", "wrong")
        self.assertEqual(locked.status_code, 429)
        self.assertContains(locked, "This login is locked after 5 failed attempts.", status_code=429)
        self.assertContains(locked, "Try again in 15 minutes", status_code=429)
        # The right password no longer helps from there...
        self.assertEqual(login(client, "amira", "pw-amira").status_code, 429)
        self.assertNotIn("_auth_user_id", client.session)
        # ...but the user logs in from another address, so an attacker cannot lock them out.
        elsewhere = Client(REMOTE_ADDR="198.51.100.2")
        self.assertRedirects(login(elsewhere, "amira", "pw-amira"), "/admin/", fetch_redirect_response=False)

    def test_the_lockout_page_is_in_the_readers_language(self):
        client = Client(REMOTE_ADDR="203.0.113.8", HTTP_ACCEPT_LANGUAGE="de")
        for _attempt in range(5):
            response = login(client, "amira", "wrong")
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, '<html lang="de"', status_code=429)

    def test_the_unlock_command_lifts_the_lock(self):
        client = Client(REMOTE_ADDR="203.0.113.9")
        for _attempt in range(5):
            login(client, "amira", "wrong")
        self.assertEqual(login(client, "amira", "pw-amira").status_code, 429)
        call_command("axes_reset_username", "amira", verbosity=0)
        self.assertRedirects(login(client, "amira", "pw-amira"), "/admin/", fetch_redirect_response=False)

    @override_settings(TRUSTED_PROXY_COUNT=1)
    def test_behind_a_proxy_the_address_is_the_one_the_proxy_saw(self):
        # Every request comes from the proxy; a client's own X-Forwarded-For entries are not believed.
        for _attempt in range(5):
            Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.10").post(
                LOGIN, {"username": "amira", "password": "wrong"}
            )
        blocked = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="5.6.7.8, 203.0.113.10")
        self.assertEqual(login(blocked, "amira", "pw-amira").status_code, 429)
        other = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.11")
        self.assertEqual(login(other, "amira", "pw-amira").status_code, 302)


class TwoFactorTests(TestCase):
    def setUp(self):
        self.user = make_user("karim", "editor")

    def confirmed_device(self, user):
        return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)

    def test_without_a_device_the_password_is_enough(self):
        self.assertRedirects(login(self.client, "karim", "pw-karim"), "/admin/", fetch_redirect_response=False)
        self.assertEqual(self.client.get("/admin/").status_code, 200)

    def test_with_a_device_the_code_is_required_and_checked(self):
        device = self.confirmed_device(self.user)
        refused = login(self.client, "karim", "pw-karim")
        self.assertContains(refused, "Enter the code your authenticator app shows.")
        wrong = login(
            self.client, "karim", "pw-karim", token="000000" if current_code(device) != "000000" else "111111"
        )
        self.assertContains(wrong, "That code is wrong or has expired.")
        device.refresh_from_db()
        device.throttling_failure_count = 0
        device.throttling_failure_timestamp = None
        device.save()
        accepted = login(self.client, "karim", "pw-karim", token=current_code(device))
        self.assertRedirects(accepted, "/admin/", fetch_redirect_response=False)
        self.assertEqual(self.client.get("/admin/").status_code, 200)

    def test_a_session_that_skipped_the_code_does_not_reach_the_admin(self):
        self.confirmed_device(self.user)
        self.client.force_login(self.user)
        self.assertRedirects(self.client.get("/admin/"), "/admin/login/?next=/admin/", fetch_redirect_response=False)

    @override_settings(ADMIN_REQUIRE_2FA=True)
    def test_chief_editors_must_set_up_a_device_when_required(self):
        chief = make_user("leila", "chief editor")
        self.assertEqual(login(self.client, "leila", "pw-leila").status_code, 302)
        # Every admin page leads to the setup page until a device is confirmed.
        self.assertRedirects(self.client.get("/admin/"), "/admin/login/?next=/admin/", fetch_redirect_response=False)
        self.assertRedirects(self.client.get(LOGIN), reverse("admin:two_factor_setup"))
        page = self.client.get(reverse("admin:two_factor_setup"))
        self.assertContains(page, "Your role requires two-factor login.")
        self.assertContains(page, 'src="data:image/svg+xml')
        device = TOTPDevice.objects.get(user=chief, confirmed=False)
        self.assertContains(
            self.client.post(reverse("admin:two_factor_setup"), {"otp_token": "12345"}), "wrong or has expired"
        )
        device.refresh_from_db()
        device.throttling_failure_count, device.throttling_failure_timestamp = 0, None
        device.save()
        confirmed = self.client.post(reverse("admin:two_factor_setup"), {"otp_token": current_code(device)})
        self.assertRedirects(confirmed, "/admin/", fetch_redirect_response=False)
        self.assertEqual(self.client.get("/admin/").status_code, 200)

    @override_settings(ADMIN_REQUIRE_2FA=True)
    def test_editors_are_not_required_to(self):
        self.assertRedirects(login(self.client, "karim", "pw-karim"), "/admin/", fetch_redirect_response=False)
        self.assertEqual(self.client.get("/admin/").status_code, 200)
