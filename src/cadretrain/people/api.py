"""`/api/v1/people`: the people the caller may see; national IDs masked without VIEW_SENSITIVE."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from cadretrain.core.web import actor_of
from cadretrain.domain.access import Action
from cadretrain.org.api import MAX_LIMIT, ErrorOut
from cadretrain.people import selectors
from cadretrain.people.models import Person

router = Router(tags=["people"])


class PersonOut(Schema):
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

    @staticmethod
    def resolve_unit(obj: Person) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_unit_name(obj: Person) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_position(obj: Person) -> str | None:
        return obj.position.code if obj.position_id else None

    @staticmethod
    def resolve_national_id(obj: Person, context: Any) -> str:
        actor = actor_of(context["request"])
        return obj.national_id if actor.can(Action.VIEW_SENSITIVE) else obj.masked_national_id


@router.get("/people", response={200: list[PersonOut], 401: ErrorOut}, summary="Visible people")
@paginate(LimitOffsetPagination, max_limit=MAX_LIMIT)
def list_people(
    request: HttpRequest, unit: str | None = None, q: str | None = None, category: str | None = None,
    include_left: bool = False,
) -> Any:
    """People the caller may see, optionally within a unit's subtree (`unit` = unit code);
    `q` matches name or code ignoring case and diacritics ("nguyen van" finds "Nguyễn Văn")."""
    return selectors.person_list(
        actor=actor_of(request), unit_code=unit or None, q=q or None, category=category or None,
        include_left=include_left,
    )


@router.get("/people/{code}", response={200: PersonOut, 401: ErrorOut, 404: ErrorOut},
            summary="One person")
def get_person(request: HttpRequest, code: str) -> Any:
    """One person by code; 404 when missing or outside the caller's scope (the two look alike)."""
    return selectors.person_get(actor=actor_of(request), code=code)
