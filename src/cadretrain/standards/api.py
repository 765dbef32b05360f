"""API of the standards app: one person's gaps (spec/interfaces.md).

`GET /api/v1/people/{code}/gaps?as_of=YYYY-MM-DD` returns a JSON **array** of the `gaps --json`
items for that person (one per unmet requirement group; empty when they meet every standard
that applies), exactly as `cadretrain gaps --json` lists them. 404 when the person is missing or
out of the caller's scope; 400 `invalid_date`/`impossible_date` for a bad `as_of`."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from cadretrain.domain import validation as v
from cadretrain.standards.evaluation import person_gaps

router = Router(tags=["standards"])


class GapOut(Schema):
    person: str
    standard: str
    group: str
    dimension: str
    required: str
    current: str | None


@router.get("/people/{code}/gaps", response=list[GapOut], summary="Một cán bộ: các yêu cầu chưa đạt")
def person_gaps_api(request: HttpRequest, code: str, as_of: str | None = None) -> list[dict]:
    day = v.parse_date(as_of) or timezone.localdate()
    return [g.as_json() for g in person_gaps(actor=request.actor, person_code=code, as_of=day)]  # type: ignore[attr-defined]
