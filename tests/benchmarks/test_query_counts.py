"""Benchmark gates that run in CI: every API endpoint runs the same number of SQL queries whether
the data holds 20 or 200 people (no query per row). Deterministic counts only, never timings
(reference/performance.md §4.1: query counts gate, time does not)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cadretrain.catalogue.models import Programme
from cadretrain.domain.text import fold
from cadretrain.org.models import OrgUnit
from cadretrain.people.models import Credential, Person
from cadretrain.training.models import Enrolment, TrainingClass

pytestmark = pytest.mark.django_db

SMALL, LARGE = 20, 200


@pytest.fixture(autouse=True)
def plain_http(settings):  # type: ignore[no-untyped-def]
    settings.SECURE_SSL_REDIRECT = False


def _grow(world, total: int) -> None:  # type: ignore[no-untyped-def]
    """Bring ward A to `total` extra people, each with a credential and a completed class, spread
    over one sub-unit per ten people; person P-A1 gets one more credential per ten people."""
    start = Person.objects.filter(code__startswith="BQ-").count()
    ward = world.ward_a
    programme = Programme.objects.get_or_create(
        code="BQ-CT", defaults={"name": "Cập nhật kiến thức", "search_key": "cap nhat kien thuc",
                                "kind": "KNOWLEDGE_UPDATE", "periods": 40})[0]
    units = list(OrgUnit.objects.filter(code__startswith="BQ-U").order_by("code"))
    for i in range(len(units), total // 10):
        name = f"Tổ công tác {i}"
        unit = OrgUnit.objects.create(code=f"BQ-U{i:03d}", name=name, search_key=fold(name),
                                      kind="OTHER", parent=ward, path="", depth=ward.depth + 1)
        unit.path = f"{ward.path}{unit.pk}/"
        unit.save(update_fields=["path"])
        units.append(unit)
    day = dt.date(2024, 3, 1)
    for i in range(start, total):
        name = f"Nguyễn Văn Bảy {i}"
        person = Person.objects.create(
            code=f"BQ-{i:04d}", full_name=name, search_key=fold(name), birth_date=dt.date(1980, 1, 1),
            gender="M", category="CONG_CHUC", unit=units[i % len(units)], position=world.position,
            national_id=f"{i:012d}", joined_on=dt.date(2010, 1, 1),
        )
        Credential.objects.create(person=person, dimension="IT", level="IT_BASIC",
                                  issued_on=day - dt.timedelta(days=i))
        tc = TrainingClass.objects.create(
            code=f"BQ-L{i:04d}", programme=programme, name=f"Lớp {i}", search_key=f"lop {i}",
            organizer_unit=ward, start_date=day, end_date=day + dt.timedelta(days=3),
            status="FINISHED", enrolled=1,
        )
        Enrolment.objects.create(training_class=tc, person=person, status="COMPLETED",
                                 completed_on=day + dt.timedelta(days=3))
        if i % 10 == 0:
            Credential.objects.create(person=world.people["a1"], dimension="FOREIGN_LANGUAGE",
                                      level="B1", language="en", issued_on=day - dt.timedelta(days=i))
            Enrolment.objects.create(training_class=tc, person=world.people["a1"],
                                     status="COMPLETED", completed_on=day + dt.timedelta(days=3))


ENDPOINTS = {
    "people list": "/api/v1/people?limit=500",
    "people search": "/api/v1/people?q=nguyen&limit=500",
    "people of a unit": "/api/v1/people?unit=00004&limit=500",
    "person detail": "/api/v1/people/P-A1",
    "person gaps": "/api/v1/people/P-A1/gaps",
    "units list": "/api/v1/units?limit=500",
    "unit detail": "/api/v1/units/00004",
    "classes list": "/api/v1/classes?limit=500",
    "report summary": "/api/v1/reports/summary?from=2024-01-01&to=2024-12-31",
    "dashboard": "/api/v1/reports/dashboard?year_from=2020&year_to=2026",
}


# Queries per request with nothing cached (inside a test transaction core.versions computes
# everything): bearer token 1; lists: count + page (+ the unit of `?unit=`, + head-counts and the
# visible linked units for units); gaps: person, rules in force (+ credentials and completions
# when a standard applies); dashboard: the cube query and the people figures' cache row. Lower
# these when a change cuts queries; never raise them silently.
PINNED = {
    "people list": 3, "people search": 3, "people of a unit": 4, "person detail": 2, "person gaps": 5,
    "units list": 5, "unit detail": 5, "classes list": 3, "report summary": 8, "dashboard": 3,
}


def _counts(client: Client) -> dict[str, tuple[int, int, int]]:
    """(status, queries, items) per endpoint; the first call warms per-process caches."""
    out = {}
    for name, path in ENDPOINTS.items():
        client.get(path)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        body = response.json() if response.status_code == 200 else {}
        items = body.get("count", len(body.get("items", []))) if isinstance(body, dict) else len(body)
        out[name] = (response.status_code, len(queries), items)
    return out


@pytest.mark.parametrize("persona", ["admin", "officer_a"])
def test_api_query_counts_do_not_grow_with_the_data(world, api_for, persona):  # type: ignore[no-untyped-def]
    client = api_for(persona)
    _grow(world, SMALL)
    small = _counts(client)
    _grow(world, LARGE)
    large = _counts(client)
    present = {name for name, (status, _, _) in small.items() if status != 404 or "detail" in name}
    assert {"people list", "person detail", "units list"} <= present
    for name in present:
        assert small[name][0] == large[name][0] == 200, (name, small[name], large[name])
        assert small[name][1] == large[name][1], (
            f"{name}: {small[name][1]} queries with {SMALL} people, {large[name][1]} with {LARGE}"
        )
        assert small[name][1] <= PINNED[name], f"{name}: {small[name][1]} queries, pinned {PINNED[name]}"
    # The lists really did grow, so equal counts mean no query per row.
    assert large["people list"][2] >= small["people list"][2] + (LARGE - SMALL)
    assert large["units list"][2] > small["units list"][2]
