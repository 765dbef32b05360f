"""API of the reports app: `GET /api/v1/reports/summary?from=&to=` returns the `report summary`
document of spec/interfaces.md, scoped to the caller (an officer's counts cover their people)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from cadretrain.domain import validation as v
from cadretrain.reports.selectors import training_summary

router = Router(tags=["reports"])


class SummaryQuery(Schema):
    date_from: str | None = Field(None, alias="from")
    date_to: str | None = Field(None, alias="to")


@router.get("/reports/summary", summary="Tổng hợp kết quả đào tạo, bồi dưỡng trong kỳ")
def summary_api(request: HttpRequest, filters: Query[SummaryQuery]) -> dict[str, Any]:
    return training_summary(
        actor=request.actor,  # type: ignore[attr-defined]
        date_from=v.parse_date(filters.date_from), date_to=v.parse_date(filters.date_to),
    )
