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
from cadretrain.core.api import render
from cadretrain.domain import standards as rules_domain
from cadretrain.domain import validation as v
from cadretrain.domain.access import Actor
from cadretrain.domain.errors import NotFound
from cadretrain.domain.standards import Facts, Rule
from cadretrain.people.models import Person
from cadretrain.standards.evaluation import PersonReport, person_facts, rules_in_force

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
    the pure evaluator) with the rules in force read from the cache: three queries instead of four,
    no standards rows rebuilt per request."""
    person = (
        Person.objects.visible_to(actor).select_related("position")
        .only("pk", "code", "position_id", "position__code", "category", "management_tier")
        .filter(code=code).first()
    )
    if person is None:
        raise NotFound("person_not_found")
    probe = Facts(code=person.code, position_code=person.position.code if person.position_id else "",
                  category=person.category, management_tier=person.management_tier)
    rules = [r for r in _rules(day) if rules_domain.applies(r, probe, day)]
    if not rules:
        return []
    results = rules_domain.evaluate(person_facts(person, day, rules), rules, day)
    return [g.as_json() for g in PersonReport(person, day, rules, results, {}).gaps]


@router.get("/people/{code}/gaps", response=list[GapOut], summary="Một cán bộ: các yêu cầu chưa đạt")
def person_gaps_api(request: HttpRequest, code: str, as_of: str | None = None) -> HttpResponse:
    day = v.parse_date(as_of) or timezone.localdate()
    return render(request, person_gap_items(actor=request.actor, code=code, day=day))  # type: ignore[attr-defined]
