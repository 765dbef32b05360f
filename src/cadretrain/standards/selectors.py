"""Reads of standards. Standards are not personal data: every signed-in role may read them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from cadretrain.domain.errors import NotFound
from cadretrain.standards.models import Requirement, Standard


def _with_rows(qs: QuerySet[Standard]) -> QuerySet[Standard]:
    return qs.select_related("position").prefetch_related(
        Prefetch("requirements", queryset=Requirement.objects.order_by("ordinal", "pk"))
    )


@dataclass(frozen=True)
class StandardSummary:
    """A standard code with the version shown in lists (in force on the day, else the latest)."""

    code: str
    version: Standard
    versions: int
    status: str  # "in_force" | "future" | "ended"


def standard_summaries(*, as_of: dt.date) -> list[StandardSummary]:
    """One line per standard code, with the version in force on `as_of` (two queries)."""
    by_code: dict[str, list[Standard]] = {}
    for s in _with_rows(Standard.objects.order_by("code", "valid_from")):
        by_code.setdefault(s.code, []).append(s)
    out = []
    for code, versions in by_code.items():
        current = next((s for s in versions if s.valid_from <= as_of and (s.valid_to is None or s.valid_to >= as_of)), None)
        if current is not None:
            out.append(StandardSummary(code, current, len(versions), "in_force"))
        elif any(s.valid_from > as_of for s in versions):
            out.append(StandardSummary(code, next(s for s in versions if s.valid_from > as_of), len(versions), "future"))
        else:
            out.append(StandardSummary(code, versions[-1], len(versions), "ended"))
    return out


def standard_versions(*, code: str) -> list[Standard]:
    """Every version of one standard, oldest first (NotFound when there is none)."""
    versions = list(_with_rows(Standard.objects.filter(code=code).order_by("valid_from")))
    if not versions:
        raise NotFound("standard_not_found")
    return versions


def positions_with_standards() -> list[tuple[str, str]]:
    """(code, name) of the positions some standard names, for the eligibility picker."""
    return list(
        Standard.objects.filter(position__isnull=False)
        .order_by("position__code").values_list("position__code", "position__name").distinct()
    )


def standard_rows_export() -> list[dict[str, object]]:
    """Every version of every standard as rows of the `standards` interchange sheet (columns of
    spec/interchange.md), ordered by code, version, row; importing them back changes nothing."""
    rows: list[dict[str, object]] = []
    for s in _with_rows(Standard.objects.order_by("code", "valid_from")):
        for r in s.requirements.all():
            rows.append({
                "code": s.code, "name": s.name, "position_code": s.position.code if s.position else "",
                "category": s.category, "management_tier": s.management_tier, "group": r.group,
                "dimension": r.dimension, "min_level": r.min_level, "language": r.language,
                "valid_from": s.valid_from, "valid_to": s.valid_to, "legal_basis": s.legal_basis,
            })
    return rows
