"""The API's language rule (API.md, "Second wave"): one place decides, for /api/ only.

Every human-readable text the API writes (problem ``title``/``detail``, error ``message``s)
follows ``?lang=sv|en`` when it is given, else ``Accept-Language``; anything else is English.
A language cookie or session (the admin's language switch, LocaleMiddleware) never changes an
API response: the same URL and headers give the same text. Responses carry
``Content-Language`` and ``Vary: Accept-Language``. Texts that carry both languages
(``{"sv", "en"}``) are written as they are, whatever the language.
"""

import datetime

from django.conf import settings
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_noop
from django.utils.translation.trans_real import parse_accept_lang_header

API_PREFIX = "/api/"
DEFAULT_LANGUAGE = "en"

# Texts that Django REST framework writes into API answers and that its own Swedish catalogue
# lacks (3.18): they are in ours, so that a Swedish answer is Swedish throughout.
THIRD_PARTY_MESSAGES = (
    gettext_noop("Datetime value out of range."),
    gettext_noop("Ensure this field has at least {min_length} elements."),
    gettext_noop("Ensure this field has no more than {max_length} elements."),
    gettext_noop("Expected available in {wait} second."),
    gettext_noop("Expected available in {wait} seconds."),
    gettext_noop('Invalid datetime for the timezone "{timezone}".'),
    gettext_noop("Invalid input."),
    gettext_noop("Must be a valid UUID."),
    gettext_noop("Must be a valid boolean."),
    gettext_noop("Not a valid string."),
    gettext_noop("Surrogate characters are not allowed: U+{code_point:X}."),
    gettext_noop("This dictionary may not be empty."),
)


def _supported(code: str) -> str | None:
    """'sv', 'sv-SE', 'sv_SE', 'SV' -> 'sv'; an unsupported language -> None."""
    try:
        return translation.get_supported_language_variant(code.strip().lower().replace("_", "-"))
    except LookupError:
        return None


def api_language(request) -> str:
    """``?lang`` when given (an unknown value is English), else Accept-Language, else English."""
    lang = request.GET.get("lang", "").strip()
    if lang:
        return _supported(lang) or DEFAULT_LANGUAGE
    for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        if code == "*":
            break
        found = _supported(code)
        if found:
            return found
    return DEFAULT_LANGUAGE


class ApiLanguageMiddleware:
    """Activates the API language for the request (after LocaleMiddleware, which serves the
    admin) and states it in the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        language = api_language(request)
        # The API speaks UTC (ISO 8601 with Z), whatever the workbench's TIME_ZONE.
        with translation.override(language), timezone.override(datetime.UTC):
            request.LANGUAGE_CODE = language
            response = self.get_response(request)
        if not response.has_header("Content-Language"):  # a replayed answer keeps its own
            response["Content-Language"] = language
        patch_vary_headers(response, ("Accept-Language",))
        return response


def current_language() -> str:
    """The active language as a key of the texts that carry both ({"sv", "en"})."""
    language = (translation.get_language() or DEFAULT_LANGUAGE).split("-")[0]
    return language if language in supported_languages() else DEFAULT_LANGUAGE


def supported_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]
