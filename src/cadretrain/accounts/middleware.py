"""Puts the pure `Actor` on every request so views and the API never read the user model."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class ActorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith("/api/"):
            # The API authenticates each request itself (bearer token, else the session) and
            # sets the actor then (config/api.py); resolving the session user here as well
            # would only cost time on every token-authenticated call.
            request.actor = None  # type: ignore[attr-defined]
            return self.get_response(request)
        user = getattr(request, "user", None)
        request.actor = user.to_actor() if user is not None and user.is_authenticated else None  # type: ignore[attr-defined]
        return self.get_response(request)
