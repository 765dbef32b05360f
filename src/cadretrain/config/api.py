"""The HTTP API at /api/v1: bearer tokens (or the web session), stable error codes, one router
per app. Every endpoint is a thin adapter over the same selectors and services as the web UI."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from cadretrain.core.errors import error_message, message_for
from cadretrain.domain.errors import DomainError


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from cadretrain.accounts.models import User
        from cadretrain.accounts.services import actor_for_token

        actor = actor_for_token(token)
        if actor is None:
            return None
        request.actor = actor  # type: ignore[attr-defined]
        # The API reads only the actor; the user row is fetched if some code asks for it.
        request.user = SimpleLazyObject(lambda: User.objects.get(pk=actor.user_id))
        return actor


class WebSession(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is not None:
            request.actor = user.to_actor()  # type: ignore[attr-defined]
        return user


api = NinjaAPI(
    title="cadretrain API",
    version="1",
    urls_namespace="api",
    auth=[BearerToken(), WebSession()],
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _error(request: HttpRequest, status: int, code: str, message: str, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, **extra}, status=status)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return _error(request, exc.status, exc.code, error_message(exc))


@api.exception_handler(Http404)
def on_404(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", message_for("not_found"))


@api.exception_handler(AuthenticationError)
def on_auth(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "unauthorized", message_for("unauthorized"))


@api.exception_handler(ValidationError)
def on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return _error(request, 422, "validation_error", message_for("validation_error"), errors=exc.errors)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, "http_error", str(exc))


def _mount_routers() -> None:
    """Each app with an `api.py` exposes `router`; mounted at the paths of spec/interfaces.md."""
    import importlib

    for app in ("org", "people", "standards", "catalogue", "training", "plans", "abroad", "reports",
                "interchange"):
        try:
            module = importlib.import_module(f"cadretrain.{app}.api")
        except ModuleNotFoundError as exc:
            if exc.name != f"cadretrain.{app}.api":
                raise
            continue
        api.add_router("", module.router)


_mount_routers()
