"""Helpers shared by the web views of every app: the actor, 404 for invisible objects, and
turning a `DomainError` raised by a service into a message on the page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse

from cadretrain.core.errors import error_message
from cadretrain.domain.access import Action, Actor
from cadretrain.domain.errors import DomainError, NotFound

F = TypeVar("F", bound=Callable[..., HttpResponse])


def actor_of(request: HttpRequest) -> Actor:
    actor = getattr(request, "actor", None)
    if actor is None:
        raise Http404
    return cast(Actor, actor)


def actor_required(action: Action | None = None) -> Callable[[F], F]:
    """Sign-in required; with `action`, the actor's role must allow it (403 otherwise).
    A `NotFound` raised inside the view becomes a 404, whether missing or out of scope."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            actor = getattr(request, "actor", None)
            if actor is None:
                return redirect_to_login(request.get_full_path())
            if action is not None and not actor.can(action):
                from django.core.exceptions import PermissionDenied

                raise PermissionDenied
            try:
                return view(request, *args, **kwargs)
            except NotFound:
                raise Http404 from None

        return cast(F, wrapped)

    return decorator


def flash_domain_error(request: HttpRequest, exc: DomainError) -> None:
    messages.error(request, error_message(exc))


def paginate(request: HttpRequest, queryset: Any, per_page: int = 50) -> Page:
    """A page of a (scoped) queryset from ?page=; counts once, fetches one page."""
    paginator = Paginator(queryset, per_page)
    return paginator.get_page(request.GET.get("page"))
