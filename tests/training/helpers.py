"""Builders for training tests: a programme and classes created through the real services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cadretrain.catalogue.models import Programme
from cadretrain.catalogue.services import programme_create
from cadretrain.domain.access import Actor
from cadretrain.org.models import OrgUnit
from cadretrain.training.models import TrainingClass
from cadretrain.training.services import class_create, class_transition

SYSTEM = Actor.system()


def programme(code: str = "LLCT-TC", **fields: Any) -> Programme:
    existing = Programme.objects.filter(code=code).first()
    if existing:
        return existing
    defaults: dict[str, Any] = {
        "name": "Trung cấp lý luận chính trị - hành chính", "kind": "POLITICAL_THEORY",
        "grants_dimension": "POLITICAL_THEORY", "grants_level": "TRUNG_CAP", "periods": 40,
        "content_area": "POLITICAL_THEORY",
    }
    defaults.update(fields)
    return programme_create(actor=SYSTEM, code=code, **defaults)


def open_class(code: str, unit: OrgUnit, *, capacity: int | None = 10, status: str = "OPEN",
               start: dt.date = dt.date(2026, 3, 2), end: dt.date = dt.date(2026, 3, 13),
               mode: str = "TAP_TRUNG", institution: Any = None, prog: Programme | None = None,
               **fields: Any) -> TrainingClass:
    tc = class_create(actor=SYSTEM, code=code, programme=prog or programme(), organizer_unit=unit,
                      start_date=start, end_date=end, capacity=capacity, mode=mode,
                      institution=institution, **fields)
    path = {"PLANNED": [], "OPEN": ["OPEN"], "RUNNING": ["OPEN", "RUNNING"],
            "FINISHED": ["OPEN", "RUNNING", "FINISHED"], "CANCELLED": ["CANCELLED"]}[status]
    for target in path:
        class_transition(actor=SYSTEM, training_class=tc, target=target)
    tc.refresh_from_db()
    return tc
