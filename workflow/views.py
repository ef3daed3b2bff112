"""The admin's language switch: an editor's choice of Arabic, German or English sticks to them (EditorProfile)."""

from django.conf import settings
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .middleware import admin_language_codes, remember


@require_POST
def set_admin_language(request):
    """Remember the chosen admin language for this editor and go back where they were."""
    code = request.POST.get("language", "")
    if code in admin_language_codes():
        remember(request, code)
        translation.activate(code)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = reverse("admin:index")
    return HttpResponseRedirect(target)


def language_choices():
    """(code, name in that language) for the switch, in the order of ADMIN_LANGUAGES."""
    return [(code, translation.get_language_info(code)["name_local"]) for code, _name in settings.ADMIN_LANGUAGES]
