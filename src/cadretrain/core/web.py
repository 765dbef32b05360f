"""Helpers shared by the web views of every app: the actor, 404 for invisible objects, and
turning a `DomainError` raised by a service into a message on the page."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from functools import cached_property, wraps
from typing import Any, TypeVar, cast

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse

from cadretrain.core import versions
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


def paginate(request: HttpRequest, queryset: Any, per_page: int = 50, *, count_key: Hashable | None = None) -> Page:
    """A page of a (scoped) queryset from ?page=; counts once, fetches one page.

    With `count_key` (which must hold the viewer's scope and every filter) the total is reused
    until the data changes (core.versions), as the API's lists do: counting a city's 150,000
    people costs more than reading a page of them."""
    if count_key is None:
        return Paginator(queryset, per_page).get_page(request.GET.get("page"))
    return _CountedPaginator(queryset, per_page, count_key=count_key).get_page(request.GET.get("page"))


class IdsFirst:
    """A queryset to paginate whose page is chosen on its own table (the ids, in its order) and
    then read with its joins for those rows only. With the joins in one ordered statement SQLite
    sorted the whole join at L (150,000 people) instead of walking the name index."""

    def __init__(self, queryset: Any) -> None:
        self.queryset = queryset

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[Any]:
        ids = list(self.queryset.select_related(None).values_list("pk", flat=True)[window])
        rows = {row.pk: row for row in self.queryset.filter(pk__in=ids).order_by()}
        return [rows[pk] for pk in ids]


class _CountedPaginator(Paginator):
    def __init__(self, object_list: Any, per_page: int, *, count_key: Hashable) -> None:
        super().__init__(object_list, per_page)
        self.count_key = count_key

    @cached_property
    def count(self) -> int:
        return versions.cached(("page_count", self.count_key), lambda: self.object_list.count())
