"""Writes to the unit tree. Paths are materialised from primary keys ("/1/7/42/")."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr

from cadretrain.core.audit import audit_record, snapshot
from cadretrain.core.choices import UnitKind
from cadretrain.domain.access import Action, Actor
from cadretrain.domain.errors import DomainError, NotAllowed
from cadretrain.domain.text import clean_text, fold
from cadretrain.org.models import OrgUnit


def child_path(parent_path: str | None, pk: int) -> str:
    return f"{parent_path or '/'}{pk}/"


@transaction.atomic
def unit_create(
    *,
    actor: Actor,
    code: str,
    name: str,
    kind: str,
    parent: OrgUnit | None = None,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    successor: OrgUnit | None = None,
) -> OrgUnit:
    """Create a unit under `parent` (a root when None) inside the actor's subtree."""
    if not actor.can(Action.MANAGE_UNITS) and not (
        actor.can(Action.MANAGE_PEOPLE) and parent is not None and actor.covers_unit_path(parent.path)
    ):
        raise NotAllowed()
    if parent is None and not actor.is_city_wide:
        raise NotAllowed()
    code = clean_text(code)
    if not code:
        raise DomainError("unit_code_required")
    if kind not in UnitKind.values:
        raise DomainError("unknown_unit_kind", kind=kind)
    if valid_from and valid_to and valid_to < valid_from:
        raise DomainError("dates_out_of_order")
    if OrgUnit.objects.filter(code=code).exists():
        raise DomainError("unit_code_taken", code=code)
    unit = OrgUnit.objects.create(
        code=code, name=clean_text(name), search_key=fold(name), kind=kind, parent=parent,
        path="", depth=(parent.depth + 1) if parent else 0, valid_from=valid_from,
        valid_to=valid_to, successor=successor,
    )
    unit.path = child_path(parent.path if parent else None, unit.pk)
    unit.save(update_fields=["path"])
    audit_record(actor=actor, obj=unit, action="create", changes={"new": snapshot(unit)}, unit_path=unit.path)
    return unit


@transaction.atomic
def unit_move(*, actor: Actor, unit: OrgUnit, new_parent: OrgUnit) -> OrgUnit:
    """Re-parent a unit; the whole subtree's paths are rewritten in one UPDATE."""
    if not actor.can(Action.MANAGE_UNITS):
        raise NotAllowed()
    if new_parent.path.startswith(unit.path):
        raise DomainError("unit_move_into_own_subtree")
    old_prefix = unit.path
    new_prefix = child_path(new_parent.path, unit.pk)
    depth_shift = new_parent.depth + 1 - unit.depth
    OrgUnit.objects.filter(path__startswith=old_prefix).update(
        path=Concat(Value(new_prefix), Substr("path", len(old_prefix) + 1)),
        depth=F("depth") + depth_shift,
    )
    OrgUnit.objects.filter(pk=unit.pk).update(parent=new_parent)
    unit.refresh_from_db()
    audit_record(actor=actor, obj=unit, action="move",
                 changes={"path": [old_prefix, unit.path]}, unit_path=unit.path)
    return unit
