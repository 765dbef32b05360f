"""`/api/v1/units`: the unit tree the caller may see, with head-counts in scope."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from ninja.pagination import paginate

from cadretrain.core import versions
from cadretrain.core.api import Rows, RowsPagination, compiled_rows, render
from cadretrain.core.scoping import scope_key
from cadretrain.core.web import actor_of
from cadretrain.domain.access import Actor
from cadretrain.org import selectors
from cadretrain.org.models import OrgUnit

router = Router(tags=["units"])

MAX_LIMIT = 1000


class ErrorOut(Schema):
    """Every refusal: a stable code and a sentence in the request's language."""

    code: str
    message: str


class UnitOut(Schema):
    """One unit; served from `unit_rows` (plain rows, same fields in this order). A parent or
    successor outside the caller's scope reads as null, as if it did not exist; `people` is the
    head-count employed today in the unit's subtree, within the caller's scope."""

    code: str
    name: str
    kind: str
    parent: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    successor: str | None
    people: int


class PagedUnitOut(Schema):
    items: list[UnitOut]
    count: int


UNIT_ROW_FIELDS = ("pk", "code", "name", "kind", "parent_id", "parent__code", "valid_from", "valid_to",
                   "successor_id", "successor__code")


def unit_rows(qs: QuerySet[OrgUnit] | list, *, actor: Actor, headcounts: Counter[int]) -> list[dict]:
    """The API documents of the units of a (visible, already sliced) queryset, or of its
    `UNIT_ROW_FIELDS` rows: one query for plain rows, one more for the visible unit ids when the
    caller is not city-wide."""
    rows = qs if isinstance(qs, list) else list(qs.values_list(*UNIT_ROW_FIELDS))
    visible: set[int] | None = None
    if not actor.is_city_wide and rows:
        linked = {r[4] for r in rows if r[4]} | {r[8] for r in rows if r[8]}
        visible = selectors.visible_unit_ids(actor=actor, ids=linked)
    return [
        {"code": code, "name": name, "kind": kind,
         "parent": parent_code if parent_id and (visible is None or parent_id in visible) else None,
         "valid_from": valid_from, "valid_to": valid_to,
         "successor": successor_code if successor_id and (visible is None or successor_id in visible) else None,
         "people": headcounts.get(pk, 0)}
        for (pk, code, name, kind, parent_id, parent_code, valid_from, valid_to, successor_id,
             successor_code) in rows
    ]


def _headcounts(actor: Actor, within_path: str | None = None) -> Counter[int]:
    day = timezone.localdate()
    return versions.cached(("unit_headcounts", scope_key(actor), day, within_path),
                           lambda: selectors.headcounts(actor=actor, day=day, within_path=within_path))


@router.get("/units", response={200: PagedUnitOut, 401: ErrorOut}, summary="Visible units")
@paginate(RowsPagination, max_limit=MAX_LIMIT)
def list_units(request: HttpRequest, current: bool = False, q: str | None = None) -> Any:
    """Units the caller may see in tree order (dissolved ones too unless `current=true`);
    `people` is the head-count employed today in the unit's subtree, within the caller's scope."""
    actor = actor_of(request)
    qs = selectors.unit_list(actor=actor, historical=not current, q=q)
    key = ("unit_count", scope_key(actor), current, q, timezone.localdate())

    def page(offset: int, limit: int) -> list[dict]:
        rows = compiled_rows((key, offset, limit),
                             lambda: qs[offset:offset + limit].values_list(*UNIT_ROW_FIELDS))
        return unit_rows(rows, actor=actor, headcounts=_headcounts(actor))

    return Rows(count=lambda: versions.cached(key, qs.count), fetch=page)


@router.get("/units/{code}", response={200: UnitOut, 401: ErrorOut, 404: ErrorOut}, summary="One unit")
def get_unit(request: HttpRequest, code: str) -> Any:
    """One unit by code; 404 when it does not exist or lies outside the caller's scope."""
    actor = actor_of(request)
    unit = selectors.unit_get(actor=actor, code=code)
    rows = unit_rows(OrgUnit.objects.visible_to(actor).filter(pk=unit.pk), actor=actor,
                     headcounts=_headcounts(actor, within_path=unit.path))
    return render(request, rows[0])
