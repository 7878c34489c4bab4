"""Which language a page is in: the one staff picked with the switcher, else the shop's (settings.LANGUAGE_CODE)."""

from __future__ import annotations

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ShopLanguageMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware without the browser's Accept-Language.

    A shop in Jakarta works in Indonesian even on computers whose browser was
    set up in English; English is one click away in the top bar (the language
    cookie the switcher sets), and stays chosen.
    """

    def process_request(self, request):
        code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) or settings.LANGUAGE_CODE
        try:
            code = translation.get_supported_language_variant(code)
        except LookupError:
            code = settings.LANGUAGE_CODE
        translation.activate(code)
        request.LANGUAGE_CODE = translation.get_language()
