"""Language choice: Vietnamese unless the user picked English with the switch (a cookie).

Django's LocaleMiddleware would follow the browser's Accept-Language, so an English-language
browser in a Hà Nội office would get English by default; the product is Vietnamese first. The API
does honour Accept-Language, since scripts ask for their language explicitly."""

from __future__ import annotations

import threading
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
        translation.activate(language)
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", language)
        return response


class SQLiteWriteQueueMiddleware:
    """On SQLite, requests that may write (POST, PUT, PATCH, DELETE) take turns inside a process.

    SQLite has one writer at a time; a thread that finds the write lock taken sleeps in SQLite's
    busy handler with growing pauses (1, 2, 5 … 100 ms) and often misses the moment it is free.
    With a worker's threads all posting at once (the enrolment race: 32 clients on 2 workers × 4
    threads) that cut throughput to ~20 requests/s with p99 of seconds. Queuing the writers of a
    process on a lock hands the turn over at once; only writers of other processes (another
    worker, an import) still meet the busy handler. Reads never wait; a writer that has waited
    QUEUE_WAIT_SECONDS goes ahead (SQLite's own lock still keeps writes safe). No effect on
    PostgreSQL."""

    UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        from django.db import connection

        self.get_response = get_response
        self.active = connection.vendor == "sqlite"

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.active or request.method not in self.UNSAFE:
            return self.get_response(request)
        # Bounded: a long request (an upload parsed for seconds before it writes) must not hold
        # the others back for longer than SQLite's own busy wait would.
        queued = WRITE_QUEUE.acquire(timeout=QUEUE_WAIT_SECONDS)
        try:
            return self.get_response(request)
        finally:
            if queued:
                WRITE_QUEUE.release()


WRITE_QUEUE = threading.Lock()
QUEUE_WAIT_SECONDS = 5.0
