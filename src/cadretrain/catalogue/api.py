"""Catalogue API: programmes, institutions, lecturers (readable by every signed-in caller)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from cadretrain.catalogue import selectors, services
from cadretrain.catalogue.models import Programme

router = Router(tags=["catalogue"])


def programme_out(p: Programme) -> dict[str, Any]:
    return {
        "code": p.code, "name": p.name, "kind": p.kind, "content_area": p.content_area or None,
        "grants_dimension": p.grants_dimension or None, "grants_level": p.grants_level or None,
        "grants_language": p.grants_language or None, "periods": p.periods,
        "topics": [t.strip() for t in p.topics.split(";") if t.strip()],
        "target_groups": p.target_groups, "description": p.description,
        "requires_full_attendance": p.requires_full_attendance,
        "min_component_score": float(p.min_component_score),
    }


class ProgrammeIn(Schema):
    code: str
    name: str
    kind: str
    content_area: str = ""
    grants_dimension: str = ""
    grants_level: str = ""
    grants_language: str = ""
    periods: int = 0
    topics: str = ""
    target_groups: str = ""
    description: str = ""
    requires_full_attendance: bool = True
    min_component_score: float = 5


@router.get("/programmes", summary="List programmes")
def list_programmes(request: HttpRequest, q: str = "", kind: str = "", content_area: str = "",
                    limit: int = 50, offset: int = 0) -> dict[str, Any]:
    qs = selectors.programme_list(q=q or None, kind=kind or None, content_area=content_area or None)
    limit = max(1, min(limit, 500))
    return {"items": [programme_out(p) for p in qs[offset : offset + limit]], "count": qs.count()}


@router.get("/programmes/{code}", summary="One programme")
def get_programme(request: HttpRequest, code: str) -> dict[str, Any]:
    return programme_out(selectors.programme_get(code=code))


@router.post("/programmes", response={201: dict}, summary="Create a programme (city administrators)")
def create_programme(request: HttpRequest, body: ProgrammeIn) -> Status:
    data = body.dict()
    code = data.pop("code")
    programme = services.programme_create(actor=request.actor, code=code, **data)  # type: ignore[attr-defined]
    return Status(201, programme_out(programme))


@router.get("/institutions", summary="List training institutions")
def list_institutions(request: HttpRequest, q: str = "", limit: int = 50, offset: int = 0) -> dict[str, Any]:
    qs = selectors.institution_list(q=q or None)
    items = [{"id": i.pk, "name": i.name, "country": i.country, "is_partner": i.is_partner,
              "short_code": i.short_code, "classes": i.n_classes, "lecturers": i.n_lecturers}
             for i in qs[offset : offset + max(1, min(limit, 500))]]
    return {"items": items, "count": qs.count()}


@router.get("/lecturers", summary="List lecturers")
def list_lecturers(request: HttpRequest, q: str = "", limit: int = 50, offset: int = 0) -> dict[str, Any]:
    qs = selectors.lecturer_list(q=q or None)
    page = list(qs[offset : offset + max(1, min(limit, 500))])
    items = [{"id": lec.pk, "full_name": lec.full_name, "is_guest": lec.is_guest, "fields": lec.fields,
              "institution": lec.institution.name if lec.institution else None} for lec in page]
    return {"items": items, "count": qs.count()}
