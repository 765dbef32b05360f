"""`/api/v1/units`: the unit tree the caller may see, with head-counts in scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from cadretrain.core.web import actor_of
from cadretrain.org import selectors
from cadretrain.org.models import OrgUnit

router = Router(tags=["units"])

MAX_LIMIT = 1000


class ErrorOut(Schema):
    """Every refusal: a stable code and a sentence in the request's language."""

    code: str
    message: str


class UnitOut(Schema):
    code: str
    name: str
    kind: str
    parent: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    successor: str | None
    people: int

    @staticmethod
    def resolve_parent(obj: OrgUnit, context: Any) -> str | None:
        return obj.parent.code if obj.parent_id and _visible(context, obj.parent_id) else None

    @staticmethod
    def resolve_successor(obj: OrgUnit, context: Any) -> str | None:
        return obj.successor.code if obj.successor_id and _visible(context, obj.successor_id) else None

    @staticmethod
    def resolve_people(obj: OrgUnit, context: Any) -> int:
        return context["request"].unit_headcounts.get(obj.pk, 0)


def _visible(context: Any, unit_id: int) -> bool:
    """A parent or successor outside the caller's scope reads as null, as if it did not exist."""
    request = context["request"]
    actor = actor_of(request)
    if actor.is_city_wide:
        return True
    ids = getattr(request, "visible_unit_ids", None)
    if ids is None:
        ids = request.visible_unit_ids = set(
            OrgUnit.objects.visible_to(actor).values_list("pk", flat=True)
        )
    return unit_id in ids


@router.get("/units", response={200: list[UnitOut], 401: ErrorOut}, summary="Visible units")
@paginate(LimitOffsetPagination, max_limit=MAX_LIMIT)
def list_units(request: HttpRequest, current: bool = False, q: str | None = None) -> Any:
    """Units the caller may see in tree order (dissolved ones too unless `current=true`);
    `people` is the head-count employed today in the unit's subtree, within the caller's scope."""
    actor = actor_of(request)
    request.unit_headcounts = selectors.headcounts(actor=actor)  # type: ignore[attr-defined]
    return selectors.unit_list(actor=actor, historical=not current, q=q)


@router.get("/units/{code}", response={200: UnitOut, 401: ErrorOut, 404: ErrorOut}, summary="One unit")
def get_unit(request: HttpRequest, code: str) -> Any:
    """One unit by code; 404 when it does not exist or lies outside the caller's scope."""
    actor = actor_of(request)
    unit = selectors.unit_get(actor=actor, code=code)
    request.unit_headcounts = selectors.headcounts(actor=actor, within_path=unit.path)  # type: ignore[attr-defined]
    return unit
