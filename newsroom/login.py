"""
Logging in to the admin: the page django-axes shows while a login is locked out, and two-factor login with
django-otp (TOTP, any authenticator app): optional for every staff member, required for chief editors when
ADMIN_REQUIRE_2FA=1.

A staff member with a confirmed device gives its six-digit code with the password; one without a device logs in with
the password alone, unless the rule requires a device: then the admin shows nothing but the setup page until they
have confirmed one.
"""

import base64

import segno
from axes.helpers import get_cool_off, get_failure_limit
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice


def lockout_response(request, original_response, credentials):
    """django-axes' answer to a locked-out login: a localised page saying for how long, with status 429."""
    cool_off = get_cool_off(request)
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
        "site_header": admin.site.site_header,
        "site_title": admin.site.site_title,
    }
    return render(request, "admin/lockout.html", context, status=429)


def is_required_for(user):
    """Whether the rule requires a second factor of `user` (chief editors, with ADMIN_REQUIRE_2FA=1)."""
    return settings.ADMIN_REQUIRE_2FA and user.groups.filter(name__in=settings.ADMIN_2FA_REQUIRED_GROUPS).exists()


def needs_setup(user):
    return is_required_for(user) and not user_has_device(user)


def is_satisfied(user):
    """The session passed the second factor, or none is set up and none is required."""
    if getattr(user, "is_verified", lambda: False)():
        return True
    return not user_has_device(user) and not is_required_for(user)


class CodeField(forms.CharField):
    def __init__(self, **kwargs):
        attrs = {"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]*", "maxlength": "8"}
        super().__init__(max_length=8, widget=forms.TextInput(attrs=attrs), **kwargs)


class LoginForm(AdminAuthenticationForm):
    """The admin's login with an authentication code, asked of those who set up two-factor login."""

    otp_token = CodeField(
        label=_("Authentication code"),
        required=False,
        help_text=_("The six digits your authenticator app shows, if you set up two-factor login."),
    )

    def clean(self):
        cleaned = super().clean()
        user = self.get_user()
        if user is not None and user_has_device(user):
            token = cleaned.get("otp_token")
            if not token:
                raise ValidationError(gettext("Enter the code your authenticator app shows."), code="token_required")
            device = match_token(user, token)
            if device is None:
                raise ValidationError(gettext("That code is wrong or has expired."), code="invalid_token")
            # django-otp's login handler marks the session as verified with this device.
            user.otp_device = device
        return cleaned


class ConfirmDeviceForm(forms.Form):
    otp_token = CodeField(label=_("Authentication code"))

    def __init__(self, *args, device, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_otp_token(self):
        token = self.cleaned_data["otp_token"]
        if not self.device.verify_token(token):
            raise ValidationError(gettext("That code is wrong or has expired."), code="invalid_token")
        return token


class TwoFactorSetupView(FormView):
    """Set up an authenticator app: scan the code (or type the key), then confirm with one code."""

    template_name = "admin/two_factor_setup.html"
    form_class = ConfirmDeviceForm
    admin_site = None

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if not (user.is_active and user.is_staff):
            return redirect("admin:login")
        self.confirmed = user_has_device(user)
        self.device = None
        if not self.confirmed:
            self.device = TOTPDevice.objects.filter(user=user, confirmed=False).first() or TOTPDevice.objects.create(
                user=user, name=gettext("Authenticator app"), confirmed=False
            )
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.confirmed:
            return redirect("admin:index")
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "device": self.device}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            self.admin_site.each_context(self.request),
            title=gettext("Two-factor login"),
            confirmed=self.confirmed,
            required=is_required_for(self.request.user),
        )
        if self.device is not None:
            context.update(
                qr_code=segno.make(self.device.config_url, error="m").svg_data_uri(scale=4),
                secret=base64.b32encode(self.device.bin_key).decode(),
            )
        return context

    def form_valid(self, form):
        self.device.confirmed = True
        self.device.save(update_fields=["confirmed"])
        otp_login(self.request, self.device)
        messages.success(self.request, gettext("Two-factor login is set up: from now on, log in with a code too."))
        return redirect("admin:index")
