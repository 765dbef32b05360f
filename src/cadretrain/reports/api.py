"""API of the reports app: `GET /api/v1/reports/summary?from=&to=` returns the `report summary`
document of spec/interfaces.md, scoped to the caller (an officer's counts cover their people)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from cadretrain.domain import validation as v
from cadretrain.reports.selectors import training_summary_cached

router = Router(tags=["reports"])


class SummaryQuery(Schema):
    date_from: str | None = Field(None, alias="from")
    date_to: str | None = Field(None, alias="to")


@router.get("/reports/summary", summary="Tổng hợp kết quả đào tạo, bồi dưỡng trong kỳ")
def summary_api(request: HttpRequest, filters: Query[SummaryQuery]) -> dict[str, Any]:
    """The document, reused until the data changes (selectors.training_summary_cached)."""
    actor = request.actor  # type: ignore[attr-defined]
    date_from, date_to = v.parse_date(filters.date_from), v.parse_date(filters.date_to)
    return training_summary_cached(actor=actor, date_from=date_from, date_to=date_to)


class DashboardQuery(Schema):
    year_from: int | None = None
    year_to: int | None = None
    unit: str | None = None
    series: str | None = None


@router.get("/reports/dashboard", summary="Số liệu trang báo cáo (từ bảng tổng hợp), theo phạm vi người xem")
def dashboard_api(request: HttpRequest, filters: Query[DashboardQuery]) -> dict[str, Any]:
    """The dashboard figures as JSON: per year and series (a programme kind, political theory by
    level, ABROAD, ALL) classes, distinct learners, enrolments and completions; per unit of the
    scope enrolments and completions; the people figures (compliance, Standing Committee)."""
    from django.utils import timezone

    from cadretrain.domain.access import Role
    from cadretrain.domain.errors import NotAllowed
    from cadretrain.reports.selectors import dashboard_cached, report_scope

    actor = request.actor  # type: ignore[attr-defined]
    if actor.role not in (Role.CITY_ADMIN, Role.UNIT_OFFICER, Role.VIEWER):
        raise NotAllowed()
    year_to = filters.year_to or timezone.localdate().year
    year_from = filters.year_from or year_to - 4
    scope = report_scope(actor=actor, unit_code=filters.unit or None)
    board = dashboard_cached(actor=actor, scope=scope, year_from=year_from, year_to=year_to,
                             series=filters.series or None)
    return {
        "year_from": year_from, "year_to": year_to, "unit": scope.unit_code, "series": board.series,
        "cells": [{"year": y, "series": s, "classes": c.classes, "learners": c.learners,
                   "enrolments": c.enrolments, "completed": c.completed}
                  for (y, s), c in sorted(board.cells.items())],
        "units": [{"code": u.code, "name": u.name, "enrolments": u.enrolments, "completed": u.completed}
                  for u in board.units],
        "people": board.people,
    }
