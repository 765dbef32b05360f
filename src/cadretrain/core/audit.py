"""Audit trail: services call `audit_record` inside their transaction, so the record and the
change commit or roll back together."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable
from typing import Any

from django.db import models

from cadretrain.core.models import AuditEvent
from cadretrain.domain.access import Actor


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(obj: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The concrete field values of a record, JSON-ready (foreign keys as their ids)."""
    names = fields or [f.attname for f in obj._meta.concrete_fields]
    return {name: _plain(getattr(obj, name)) for name in names}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Fields whose value changed, as {field: [old, new]}."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def audit_record(
    *,
    actor: Actor,
    obj: models.Model,
    action: str,
    changes: dict[str, Any] | None = None,
    unit_path: str = "",
) -> AuditEvent:
    """Write one audit event for `obj` (call inside the service's transaction)."""
    return AuditEvent.objects.create(
        actor_id=actor.user_id,
        actor_name=actor.username or "system",
        action=action,
        model=obj._meta.label_lower,
        object_pk=str(obj.pk),
        object_repr=str(obj)[:255],
        unit_path=unit_path,
        changes=changes or {},
    )


def history_for(obj: models.Model) -> models.QuerySet[AuditEvent]:
    """The audit events of one record, newest first. Callers must have checked visibility."""
    return AuditEvent.objects.filter(model=obj._meta.label_lower, object_pk=str(obj.pk))
