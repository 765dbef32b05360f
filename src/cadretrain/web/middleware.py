"""Language choice: Vietnamese unless the user picked English with the switch (a cookie).

Django's LocaleMiddleware would follow the browser's Accept-Language, so an English-language
browser in a Hà Nội office would get English by default; the product is Vietnamese first. The API
does honour Accept-Language, since scripts ask for their language explicitly."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

SUPPORTED = {code for code, _ in settings.LANGUAGES}


class LanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in SUPPORTED:
            language = settings.LANGUAGE_CODE
            if request.path.startswith("/api/"):
                language = translation.get_language_from_request(request) or language
                if language not in SUPPORTED:
                    language = settings.LANGUAGE_CODE
        previous = translation.get_language()
        translation.activate(language)
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        try:
            response = self.get_response(request)
        except BaseException:
            _restore(previous)
            raise
        # The worker thread goes back to the language it had: one request's choice must not leak
        # into whatever the thread runs next (a task, a test's assertions). A streaming body is
        # rendered after this returns, so it keeps the request's language until the next one.
        if not response.streaming:
            _restore(previous)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", language)
        return response


def _restore(language: str | None) -> None:
    if language:
        translation.activate(language)
    else:
        translation.deactivate()
