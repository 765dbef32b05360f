"""`/api/v1/people`: the people the caller may see; national IDs masked without VIEW_SENSITIVE."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from ninja.pagination import paginate

from cadretrain.core import versions
from cadretrain.core.api import Rows, RowsPagination, render
from cadretrain.core.scoping import scope_key
from cadretrain.core.web import actor_of
from cadretrain.org.api import MAX_LIMIT, ErrorOut
from cadretrain.people import selectors

router = Router(tags=["people"])


class PersonOut(Schema):
    """One person; served from `selectors.person_rows` (plain rows, same fields in this order)."""

    code: str
    full_name: str
    birth_date: dt.date
    gender: str
    category: str
    unit: str
    unit_name: str
    position: str | None
    management_tier: str
    rank_code: str
    party_member: bool
    ethnicity: str
    national_id: str
    left_on: dt.date | None


class PagedPersonOut(Schema):
    items: list[PersonOut]
    count: int


@router.get("/people", response={200: PagedPersonOut, 401: ErrorOut}, summary="Visible people")
@paginate(RowsPagination, max_limit=MAX_LIMIT)
def list_people(
    request: HttpRequest, unit: str | None = None, q: str | None = None, category: str | None = None,
    include_left: bool = False,
) -> Any:
    """People the caller may see, optionally within a unit's subtree (`unit` = unit code);
    `q` matches name or code ignoring case and diacritics ("nguyen van" finds "Nguyễn Văn")."""
    actor = actor_of(request)
    key = ("people", scope_key(actor), unit, q, category, include_left, timezone.localdate())

    @functools.cache  # one unit lookup per request, for the count and the page alike
    def build() -> Any:
        return selectors.person_list(actor=actor, unit_code=unit or None, q=q or None,
                                     category=category or None, include_left=include_left)

    return Rows(count=lambda: versions.cached(("count", key), lambda: build().count()),
                fetch=lambda offset, limit: selectors.person_page(build, offset, limit, actor=actor, key=key))


@router.get("/people/{code}", response={200: PersonOut, 401: ErrorOut, 404: ErrorOut},
            summary="One person")
def get_person(request: HttpRequest, code: str) -> Any:
    """One person by code; 404 when missing or outside the caller's scope (the two look alike)."""
    return render(request, selectors.person_row(actor=actor_of(request), code=code))
