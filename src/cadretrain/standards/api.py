"""API of the standards app: one person's gaps (spec/interfaces.md).

`GET /api/v1/people/{code}/gaps?as_of=YYYY-MM-DD` returns a JSON **array** of the `gaps --json`
items for that person (one per unmet requirement group; empty when they meet every standard
that applies), exactly as `cadretrain gaps --json` lists them. 404 when the person is missing or
out of the caller's scope; 400 `invalid_date`/`impossible_date` for a bad `as_of`."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router, Schema

from cadretrain.core import versions
from cadretrain.core.api import prepared_rows, render
from cadretrain.core.scoping import scope_key
from cadretrain.domain import standards as rules_domain
from cadretrain.domain import validation as v
from cadretrain.domain.access import Actor
from cadretrain.domain.errors import NotFound
from cadretrain.domain.standards import Facts, Rule
from cadretrain.people.models import Person
from cadretrain.standards.evaluation import (
    completed_fact_rows,
    credential_fact_rows,
    facts_from_rows,
    rules_in_force,
    unmet_groups,
)

router = Router(tags=["standards"])


class GapOut(Schema):
    person: str
    standard: str
    group: str
    dimension: str
    required: str
    current: str | None


def _rules(day: dt.date) -> list[Rule]:
    """The standards in force on `day`, read once until standards (or anything else) change."""
    return versions.cached(("rules_in_force", day), lambda: rules_in_force(day))


def person_gap_items(*, actor: Actor, code: str, day: dt.date) -> list[dict]:
    """`standards.evaluation.person_gaps` (the same steps: applicable rules, the person's facts,
    the pure evaluator) with the rules in force read from the cache and the statements prepared
    once per scope and day (core.api.prepared_rows): compiling the three ORM queries cost more
    than running them."""
    found = prepared_rows(("gaps_person", scope_key(actor)), lambda c: (
        Person.objects.visible_to(actor).filter(code=c).order_by()
        .values_list("code", "position__code", "category", "management_tier")[:2]), code)
    if len(found) != 1:
        raise NotFound("person_not_found")
    person_code, position_code, category, tier = found[0]
    probe = Facts(code=person_code, position_code=position_code or "", category=category, management_tier=tier)
    rules = [r for r in _rules(day) if rules_domain.applies(r, probe, day)]
    if not rules:
        return []
    facts = facts_from_rows(
        code=person_code, position_code=position_code or "", category=category, management_tier=tier, as_of=day,
        credentials=prepared_rows(("gaps_credentials", day), lambda c: credential_fact_rows(day, person__code=c), code),
        completed=prepared_rows(("gaps_completed",), lambda c: completed_fact_rows(person__code=c), code),
    )
    return [g.as_json() for g in unmet_groups(person_code, rules_domain.evaluate(facts, rules, day))]


@router.get("/people/{code}/gaps", response=list[GapOut], summary="Một cán bộ: các yêu cầu chưa đạt")
def person_gaps_api(request: HttpRequest, code: str, as_of: str | None = None) -> HttpResponse:
    day = v.parse_date(as_of) or timezone.localdate()
    return render(request, person_gap_items(actor=request.actor, code=code, day=day))  # type: ignore[attr-defined]
