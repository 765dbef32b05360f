"""Helpers for the HTTP API's hot read paths: paginated lists and single objects written straight
from plain rows.

django-ninja validates a view's result against its response schema, calling a resolver per
field per object; for a page of model instances that cost more than the SQL (profiled at S:
~10 ms of a 30 ms people-list request went to instantiating models and validating them). The
views that use these helpers read plain rows (`values()`), build each item as a dict in the
schema's field order and render it with the API's own JSON renderer, so the document is the
one the schema describes, byte for byte; the schema stays declared for OpenAPI and is checked
against these builders in tests/api."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja.pagination import LimitOffsetPagination

from cadretrain.core import versions


@dataclass(frozen=True)
class Rows:
    """A list endpoint's result before paging: how to count it and how to fetch one page of
    already-built items (`fetch(offset, limit)`)."""

    count: Callable[[], int]
    fetch: Callable[[int, int], list[dict[str, Any]]]


def render(request: HttpRequest, data: Any, status: int = 200) -> HttpResponse:
    """The response ninja itself would make for `data` (same renderer, encoder, content type)."""
    from cadretrain.config.api import api

    return api.create_response(request, data, status=status)


class RowsPagination(LimitOffsetPagination):
    """`?limit=&offset=` exactly as ninja's LimitOffsetPagination (same query parameters, same
    422 for a bad value, limit capped at `max_limit`), but the page is rendered here from
    `Rows`: the view declares `Paged<Item>` as its 200 response for the OpenAPI document."""

    Output = None  # type: ignore[assignment]  # no schema wrapping: the view declares it

    def paginate_queryset(self, queryset: Any, pagination: Any, request: HttpRequest,
                          **params: Any) -> Any:
        if not isinstance(queryset, Rows):  # an early error response or a plain list
            return queryset
        limit = min(pagination.limit, self.max_limit)
        items = queryset.fetch(pagination.offset, limit)
        return render(request, {"items": items, "count": queryset.count()})


class _Arg(str):
    """A stand-in for a request argument while a prepared statement is compiled."""


def prepared_rows(key: Hashable, build: Callable[..., QuerySet], *args: str) -> list[list[Any]]:
    """`compiled_rows` for a queryset that also depends on per-request string arguments (a code):
    compiled once per `key` with stand-ins, each stand-in's parameter replaced by the argument at
    run time. Falls back to compiling when a stand-in does not appear exactly once."""
    stand_ins = [_Arg(f"\x00ct-arg-{i}\x00") for i in range(len(args))]
    compiled = _compiled(("prepared", key), lambda: build(*stand_ins))
    if compiled is None:
        return []
    sql, params, converters = compiled
    positions = [[i for i, p in enumerate(params) if p == s] for s in stand_ins]
    if any(len(found) != 1 for found in positions):
        return _run(*_compile(build(*args)) or ("", (), []))
    values = list(params)
    for (position,), arg in zip(positions, args, strict=True):
        values[position] = arg
    return _run(sql, tuple(values), converters)


def _compile(qs: QuerySet) -> tuple[str, tuple, list] | None:
    compiler = qs.query.get_compiler(using=qs.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return None
    converters = compiler.get_converters([col for col, _, _ in compiler.select])
    return sql, tuple(params), list(converters.items())


def _compiled(key: Hashable, build: Callable[[], QuerySet]) -> tuple[str, tuple, list] | None:
    return versions.cached(("compiled_rows", key), lambda: _compile(build()))


def _run(sql: str, params: tuple, converters: list) -> list[list[Any]]:
    if not sql:
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = [list(row) for row in cursor.fetchall()]
    for pos, (functions, expression) in converters:
        for row in rows:
            value = row[pos]
            for function in functions:
                value = function(value, expression, connection)
            row[pos] = value
    return rows


def compiled_rows(key: Hashable, build: Callable[[], QuerySet]) -> list[list[Any]]:
    """The rows of the `values_list()` queryset that `build()` returns, with its SQL compiled once
    per `key` and kept under core.versions' counter (building the queryset may read data, such as
    a unit's path, so a change recompiles it). Compiling a scoped, joined queryset cost more than
    running it (profiled at S: ~1/3 of a people-list request). `key` must hold every input of
    `build` — the caller's scope, filters, day, offset and limit."""

    compiled = _compiled(key, build)
    return [] if compiled is None else _run(*compiled)
