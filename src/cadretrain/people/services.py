"""Writes to people, their assignments and credentials: typed, scoped, audited, one transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from cadretrain.core.audit import audit_record, diff, snapshot
from cadretrain.core.choices import Category, ManagementTier, RankCode
from cadretrain.domain import validation as v
from cadretrain.domain.access import Action, Actor
from cadretrain.domain.errors import DomainError, NotAllowed
from cadretrain.domain.levels import CREDENTIAL_DIMENSIONS, Dimension, is_known_level
from cadretrain.domain.text import clean_text, fold
from cadretrain.org.models import OrgUnit, Position
from cadretrain.people.models import Assignment, Credential, Person

# Allowed codes, built once: the importer validates hundreds of thousands of rows through here.
CATEGORIES = frozenset(Category.values)
TIERS = frozenset(ManagementTier.values)
RANKS = frozenset(RankCode.values)
DIMENSIONS = frozenset(CREDENTIAL_DIMENSIONS)

PERSON_FIELDS = (
    "full_name", "birth_date", "gender", "category", "management_tier", "rank_code",
    "party_member", "ethnicity", "national_id", "email", "phone", "joined_on", "left_on",
)


def _ensure_can_manage(actor: Actor, unit: OrgUnit) -> None:
    if not actor.can(Action.MANAGE_PEOPLE) or not actor.covers_unit_path(unit.path):
        raise NotAllowed()


def clean_person_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Validate and normalise person attributes (shared by forms, API and importer)."""
    out: dict[str, Any] = {}
    if "full_name" in data:
        out["full_name"] = clean_text(data["full_name"])
        if not out["full_name"]:
            raise v.FieldError("full_name_required")
    if "birth_date" in data:
        out["birth_date"] = v.parse_date(data["birth_date"])
        if out["birth_date"] is None:
            raise v.FieldError("birth_date_required")
    if "gender" in data:
        out["gender"] = v.parse_gender(data["gender"])
    if "category" in data:
        out["category"] = v.check_choice(data["category"], CATEGORIES, "unknown_category")
    if "management_tier" in data:
        tier = (data["management_tier"] or "").strip()
        out["management_tier"] = tier and v.check_choice(tier, TIERS, "unknown_tier")
    if "rank_code" in data:
        rank = (data["rank_code"] or "").strip()
        out["rank_code"] = rank and v.check_choice(rank, RANKS, "unknown_rank")
    if "party_member" in data:
        out["party_member"] = bool(v.parse_bool(data["party_member"]))
    for key in ("ethnicity", "email", "phone"):
        if key in data:
            out[key] = clean_text(data[key])
    if "national_id" in data:
        out["national_id"] = v.check_national_id(data["national_id"] or "")
    for key in ("joined_on", "left_on"):
        if key in data:
            out[key] = v.parse_date(data[key])
    v.check_date_order(out.get("joined_on"), out.get("left_on"))
    return out


@transaction.atomic
def person_create(
    *, actor: Actor, code: str, unit: OrgUnit, position: Position | None = None,
    assigned_from: dt.date | None = None, **fields: Any,
) -> Person:
    """Register a person in a unit (with their first assignment)."""
    _ensure_can_manage(actor, unit)
    code = clean_text(code)
    if not code:
        raise v.FieldError("person_code_required")
    data = clean_person_fields(fields)
    for required in ("full_name", "birth_date", "gender", "category"):
        if required not in data:
            raise v.FieldError(f"{required}_required" if required != "category" else "unknown_category", value="")
    if Person.objects.filter(code=code).exists():
        raise DomainError("person_code_taken", code=code)
    person = Person.objects.create(
        code=code, unit=unit, position=position, search_key=fold(data["full_name"]), **data
    )
    Assignment.objects.create(
        person=person, unit=unit, position=position,
        valid_from=assigned_from or data.get("joined_on") or timezone.localdate(), is_primary=True,
    )
    audit_record(actor=actor, obj=person, action="create", changes={"new": snapshot(person)},
                 unit_path=unit.path)
    return person


@transaction.atomic
def person_update(*, actor: Actor, person: Person, **fields: Any) -> Person:
    """Change a person's attributes; the audit keeps the old values."""
    _ensure_can_manage(actor, person.unit)
    data = clean_person_fields(fields)
    before = snapshot(person, data.keys())
    for key, value in data.items():
        setattr(person, key, value)
    if "full_name" in data:
        person.search_key = fold(person.full_name)
    v.check_date_order(person.joined_on, person.left_on)
    changes = diff(before, snapshot(person, data.keys()))
    if changes:
        person.save()
        audit_record(actor=actor, obj=person, action="update", changes=changes, unit_path=person.unit.path)
    return person


@transaction.atomic
def person_transfer(
    *, actor: Actor, person: Person, unit: OrgUnit, position: Position | None, on: dt.date
) -> Assignment:
    """Move a person to another unit/position from `on`: closes the current primary assignment
    the day before and opens a new one; history is never overwritten."""
    _ensure_can_manage(actor, person.unit)
    _ensure_can_manage(actor, unit)
    current = Assignment.objects.filter(person=person, is_primary=True, valid_to__isnull=True).first()
    if current is not None:
        if on <= current.valid_from:
            raise v.FieldError("dates_out_of_order")
        current.valid_to = on - dt.timedelta(days=1)
        current.save(update_fields=["valid_to"])
    new = Assignment.objects.create(person=person, unit=unit, position=position, valid_from=on)
    old_unit = person.unit_id
    person.unit, person.position = unit, position
    person.save(update_fields=["unit", "position"])
    audit_record(actor=actor, obj=person, action="transfer",
                 changes={"unit": [old_unit, unit.pk], "from": on.isoformat()}, unit_path=unit.path)
    return new


def clean_credential_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Validate a credential's dimension, level (of that dimension), language and dates."""
    dimension = v.check_choice(data.get("dimension", ""), DIMENSIONS, "unknown_dimension")
    level = (data.get("level") or "").strip()
    if not is_known_level(dimension, level):
        raise v.FieldError("unknown_level", value=level, dimension=dimension)
    language = (data.get("language") or "").strip().lower()
    if language and dimension != Dimension.FOREIGN_LANGUAGE:
        raise v.FieldError("language_only_for_foreign_language")
    issued_on = v.parse_date(data.get("issued_on"))
    if issued_on is None:
        raise v.FieldError("invalid_date", value="")
    return {
        "dimension": dimension, "level": level, "language": language, "issued_on": issued_on,
        "field": clean_text(data.get("field")), "issuer": clean_text(data.get("issuer")),
        "certificate_no": clean_text(data.get("certificate_no")),
    }


@transaction.atomic
def credential_add(*, actor: Actor, person: Person, **fields: Any) -> Credential:
    """Record a qualification the person holds from its issue date."""
    _ensure_can_manage(actor, person.unit)
    data = clean_credential_fields(fields)
    if Credential.objects.filter(
        person=person, dimension=data["dimension"], level=data["level"], issued_on=data["issued_on"]
    ).exists():
        raise DomainError("credential_duplicate")
    credential = Credential.objects.create(person=person, **data)
    audit_record(actor=actor, obj=person, action="credential_add",
                 changes={"credential": snapshot(credential)}, unit_path=person.unit.path)
    return credential
