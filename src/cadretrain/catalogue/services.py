"""Writes to the catalogue (programmes, institutions, lecturers): city administrators only,
validated, audited, one transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from cadretrain.catalogue.models import ContentArea, Institution, Lecturer, Programme
from cadretrain.core.audit import audit_record, diff, snapshot
from cadretrain.core.choices import ProgrammeKind
from cadretrain.domain import validation as v
from cadretrain.domain.access import Action, Actor
from cadretrain.domain.errors import DomainError, NotAllowed
from cadretrain.domain.levels import CREDENTIAL_DIMENSIONS, is_known_level
from cadretrain.domain.text import clean_text, fold


def _ensure(actor: Actor) -> None:
    if not actor.can(Action.MANAGE_CATALOGUE):
        raise NotAllowed()


def _int(value: Any, code: str, *, minimum: int = 0) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise v.FieldError(code, value=str(value)) from None
    if number < minimum:
        raise v.FieldError(code, value=str(value))
    return number


def clean_programme_fields(data: dict[str, Any], current: Programme | None = None) -> dict[str, Any]:
    """Validate and normalise programme attributes (shared by forms and API)."""
    out: dict[str, Any] = {}
    if "name" in data:
        out["name"] = clean_text(data["name"])
        if not out["name"]:
            raise v.FieldError("programme_name_required")
    if "kind" in data:
        out["kind"] = v.check_choice(data["kind"], set(ProgrammeKind.values), "unknown_programme_kind")
    if "content_area" in data:
        area = (data["content_area"] or "").strip()
        out["content_area"] = area and v.check_choice(area, set(ContentArea.values), "unknown_content_area")
    for key in ("topics", "description", "target_groups", "grants_language"):
        if key in data:
            out[key] = clean_text(data[key] or "")
    if "topics" in out:  # "a ;b; c" → "a; b; c"
        out["topics"] = "; ".join(t.strip() for t in out["topics"].split(";") if t.strip())
    if "periods" in data:
        out["periods"] = _int(data["periods"] or 0, "invalid_periods")
    if "requires_full_attendance" in data:
        out["requires_full_attendance"] = bool(v.parse_bool(data["requires_full_attendance"]))
    if "min_component_score" in data:
        score = v.parse_score(data["min_component_score"])
        out["min_component_score"] = score if score is not None else 5
    if "grants_dimension" in data or "grants_level" in data:
        dim = (data.get("grants_dimension", current.grants_dimension if current else "") or "").strip()
        level = (data.get("grants_level", current.grants_level if current else "") or "").strip()
        if bool(dim) != bool(level):
            raise v.FieldError("grants_both_or_neither")
        if dim:
            if dim not in CREDENTIAL_DIMENSIONS:
                raise v.FieldError("unknown_dimension", value=dim)
            if not is_known_level(dim, level):
                raise v.FieldError("unknown_level", value=level, dimension=dim)
        out["grants_dimension"], out["grants_level"] = dim, level
    return out


@transaction.atomic
def programme_create(*, actor: Actor, code: str, **fields: Any) -> Programme:
    """Add a programme to the catalogue."""
    _ensure(actor)
    code = clean_text(code)
    if not code:
        raise v.FieldError("programme_code_required")
    data = clean_programme_fields(fields)
    for required in ("name", "kind"):
        if required not in data:
            raise v.FieldError("programme_name_required" if required == "name" else "unknown_programme_kind",
                               value="")
    if Programme.objects.filter(code=code).exists():
        raise DomainError("programme_code_taken", code=code)
    programme = Programme.objects.create(code=code, search_key=fold(data["name"]), **data)
    audit_record(actor=actor, obj=programme, action="create", changes={"new": snapshot(programme)})
    return programme


@transaction.atomic
def programme_update(*, actor: Actor, programme: Programme, **fields: Any) -> Programme:
    """Change a programme; the audit keeps the old values."""
    _ensure(actor)
    data = clean_programme_fields(fields, current=programme)
    before = snapshot(programme, data.keys())
    for key, value in data.items():
        setattr(programme, key, value)
    if "name" in data:
        programme.search_key = fold(programme.name)
    programme.save()
    audit_record(actor=actor, obj=programme, action="update", changes=diff(before, snapshot(programme, data.keys())))
    return programme


@transaction.atomic
def institution_create(*, actor: Actor, name: str, country: str = "VN", is_partner: bool = False,
                       short_code: str = "") -> Institution:
    """Register a training institution (domestic or a partner abroad)."""
    _ensure(actor)
    name = clean_text(name)
    if not name:
        raise v.FieldError("institution_name_required")
    country = clean_text(country).upper() or "VN"
    if len(country) != 2 or not country.isalpha():
        raise v.FieldError("invalid_country", value=country)
    if Institution.objects.filter(name=name).exists():
        raise DomainError("institution_name_taken", name=name)
    inst = Institution.objects.create(name=name, search_key=fold(name), country=country,
                                      is_partner=is_partner, short_code=clean_text(short_code))
    audit_record(actor=actor, obj=inst, action="create", changes={"new": snapshot(inst)})
    return inst


@transaction.atomic
def lecturer_create(*, actor: Actor, full_name: str, institution: Institution | None = None,
                    is_guest: bool = False, fields: str = "") -> Lecturer:
    """Register a lecturer, internal to an institution or a guest."""
    _ensure(actor)
    full_name = clean_text(full_name)
    if not full_name:
        raise v.FieldError("lecturer_name_required")
    lecturer = Lecturer.objects.create(full_name=full_name, search_key=fold(full_name), institution=institution,
                                       is_guest=is_guest, fields=clean_text(fields))
    audit_record(actor=actor, obj=lecturer, action="create", changes={"new": snapshot(lecturer)})
    return lecturer
