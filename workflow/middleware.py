"""
The admin speaks each editor's own language: the one they chose (kept on their EditorProfile and in the session),
else the first of ADMIN_LANGUAGES their browser asks for, else the site's default.

The public site is left to LocaleMiddleware and its URL prefixes: only the admin may speak a language (English)
that articles are not published in.
"""

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

from .models import EditorProfile

SESSION_KEY = "admin_language"


def admin_language_codes():
    return [code for code, _name in settings.ADMIN_LANGUAGES]


def from_browser(request):
    """The first admin language the browser's Accept-Language asks for (`en-GB` counts as `en`), or None."""
    codes = admin_language_codes()
    for accepted, _quality in parse_accept_lang_header(request.META.get("HTTP_ACCEPT_LANGUAGE", "")):
        code = accepted.lower().split("-")[0]
        if code in codes:
            return code
    return None


def chosen(request):
    """The language the editor chose, read from their profile once per session; "" when they chose none."""
    if SESSION_KEY not in request.session:
        profile = EditorProfile.objects.filter(user=request.user).first()
        request.session[SESSION_KEY] = profile.admin_language if profile else ""
    return request.session[SESSION_KEY]


def remember(request, code):
    """Keep an editor's choice for every later session too."""
    EditorProfile.objects.update_or_create(user=request.user, defaults={"admin_language": code})
    request.session[SESSION_KEY] = code


class AdminLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.prefix = None

    def __call__(self, request):
        if self.prefix is None:
            try:
                self.prefix = reverse("admin:index")
            except NoReverseMatch:  # a URLconf without the admin (some tests): nothing to do
                self.prefix = ""
        if self.prefix and request.path.startswith(self.prefix):
            user = getattr(request, "user", None)
            choice = chosen(request) if user is not None and user.is_authenticated else ""
            code = choice if choice in admin_language_codes() else from_browser(request) or settings.LANGUAGE_CODE
            translation.activate(code)
            request.LANGUAGE_CODE = code
        return self.get_response(request)
