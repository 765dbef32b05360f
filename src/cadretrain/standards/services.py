"""Writes to standards: validated, versioned, audited, all-or-nothing.

The same two functions serve the web form, the seed and the workbook importer (`standards` sheet
of spec/interchange.md):

    standard_rows_validate(rows, *, known_position_codes=None, today=None)
        -> list[tuple[int, str, str, dict]]      # (row_index, column, error_code, params)
    standard_rows_upsert(*, actor, rows, known_position_codes=None, today=None)
        -> {"created": n, "updated": n, "unchanged": n}   # counted in rows

`rows` are dicts keyed by the interchange columns (code, name, position_code, category,
management_tier, group, dimension, min_level, language, valid_from, valid_to, legal_basis); values
may be strings, dates or None. `row_index` is the 0-based index into `rows` (the importer adds its
own offset to get the Excel row number). Rows sharing (code, valid_from) form one version of a
standard and must agree on its head columns; a row is keyed by code + valid_from + group +
dimension (+ language). Versioning rules:
- a version with a new valid_from is a new version; the previous open-ended version of the code is
  closed the day before (never the other way round), and a new version may not start before today
  when that would shorten a version already stored (the past is not rewritten);
- a stored version in force or past (valid_from ≤ today) cannot change its content; a future one may;
- versions of one code may not overlap; unknown dimensions, levels, positions are refused.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from cadretrain.core.audit import audit_record
from cadretrain.core.choices import Category, ManagementTier
from cadretrain.domain import validation as v
from cadretrain.domain.access import Action, Actor
from cadretrain.domain.errors import DomainError, NotAllowed
from cadretrain.domain.levels import ALL_REQUIREMENT_DIMENSIONS, Dimension, is_known_level
from cadretrain.domain.standards import DERIVED
from cadretrain.domain.text import clean_text

COLUMNS = (
    "code", "name", "position_code", "category", "management_tier", "group", "dimension",
    "min_level", "language", "valid_from", "valid_to", "legal_basis",
)
HEAD_COLUMNS = ("name", "position_code", "category", "management_tier", "valid_to", "legal_basis")
RowError = tuple[int, str, str, dict[str, Any]]


class StandardRowsInvalid(DomainError):
    """Standard rows failed validation; `errors` lists every (row_index, column, code, params)."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("standard_rows_invalid", count=len(errors))
        self.errors = errors


@dataclass
class _Version:
    code: str
    valid_from: dt.date
    head: dict[str, Any]
    rows: list[int] = field(default_factory=list)
    reqs: list[tuple[str, str, str, str]] = field(default_factory=list)  # group, dim, level, lang

    @property
    def valid_to(self) -> dt.date | None:
        return self.head["valid_to"]


def _text(value: Any) -> str:
    # Spreadsheet cells holding 1 or 60 arrive as floats: keep the integer spelling ("1", "60").
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_text(value if value is None or isinstance(value, str) else str(value))


def _parse_row(i: int, raw: dict[str, Any], positions: set[str], errors: list[RowError]) -> dict[str, Any] | None:
    """One row's cleaned values, or None after appending its errors."""
    start = len(errors)

    def err(column: str, code: str, **params: Any) -> None:
        errors.append((i, column, code, params))

    row: dict[str, Any] = {k: _text(raw.get(k)) for k in ("code", "name", "position_code", "group",
                                                          "dimension", "min_level", "legal_basis")}
    row["category"] = _text(raw.get("category")).upper()
    row["management_tier"] = _text(raw.get("management_tier")).upper()
    row["language"] = _text(raw.get("language")).lower()
    if not row["code"]:
        err("code", "standard_code_required")
    if not row["group"]:
        err("group", "standard_group_required")
    dim = row["dimension"].upper()
    row["dimension"] = dim
    if not dim:
        err("dimension", "standard_dimension_required")
    elif dim not in ALL_REQUIREMENT_DIMENSIONS:
        err("dimension", "standard_unknown_dimension", value=dim)
    elif dim in DERIVED:
        if not re.fullmatch(r"[1-9]\d{0,4}", row["min_level"]):
            err("min_level", "standard_invalid_number", value=row["min_level"], dimension=dim)
    else:
        row["min_level"] = row["min_level"].upper()
        if not is_known_level(dim, row["min_level"]):
            err("min_level", "standard_unknown_level", value=row["min_level"], dimension=dim)
    if row["language"]:
        if dim != Dimension.FOREIGN_LANGUAGE:
            err("language", "standard_language_only_for_foreign_language")
        elif not re.fullmatch(r"[a-z]{2}", row["language"]):
            err("language", "standard_invalid_language", value=row["language"])
    if row["position_code"] and row["position_code"] not in positions:
        err("position_code", "standard_unknown_position", value=row["position_code"])
    if row["category"] and row["category"] not in Category.values:
        err("category", "unknown_category", value=row["category"])
    if row["management_tier"] and row["management_tier"] not in ManagementTier.values:
        err("management_tier", "unknown_tier", value=row["management_tier"])
    for column in ("valid_from", "valid_to"):
        try:
            row[column] = v.parse_date(raw.get(column))
        except v.FieldError as exc:
            row[column] = None
            err(column, exc.code, **exc.params)
    if row["valid_from"] is None and not any(e[1] == "valid_from" for e in errors[start:]):
        err("valid_from", "standard_valid_from_required")
    if row["valid_from"] and row["valid_to"] and row["valid_to"] < row["valid_from"]:
        err("valid_to", "dates_out_of_order")
    return None if len(errors) > start else row


def _stored_versions(codes: set[str]) -> dict[str, list[_Version]]:
    from cadretrain.standards.models import Requirement, Standard

    out: dict[str, list[_Version]] = defaultdict(list)
    if not codes:
        return out
    by_id: dict[int, _Version] = {}
    for s in Standard.objects.filter(code__in=codes).select_related("position").order_by("code", "valid_from"):
        ver = _Version(s.code, s.valid_from, {
            "name": s.name, "position_code": s.position.code if s.position_id else "",
            "category": s.category, "management_tier": s.management_tier, "valid_to": s.valid_to,
            "legal_basis": s.legal_basis, "pk": s.pk,
        })
        by_id[s.pk] = ver
        out[s.code].append(ver)
    for sid, group, dim, level, lang in Requirement.objects.filter(standard_id__in=by_id).order_by(
        "standard_id", "ordinal", "pk"
    ).values_list("standard_id", "group", "dimension", "min_level", "language"):
        by_id[sid].reqs.append((group, dim, level, lang))
    return out


def _content(ver: _Version) -> tuple:
    head = tuple(ver.head[k] for k in HEAD_COLUMNS if k != "valid_to")
    return head, tuple(ver.reqs)


@dataclass
class _Plan:
    errors: list[RowError]
    batch: dict[tuple[str, dt.date], _Version]
    stored: dict[str, list[_Version]]
    closes: list[tuple[_Version, dt.date]]  # stored versions to close at a date


def _plan(rows: list[dict[str, Any]], known_position_codes: set[str] | None, today: dt.date) -> _Plan:
    from cadretrain.org.models import Position

    errors: list[RowError] = []
    wanted = {_text(r.get("position_code")) for r in rows} - {""}
    positions = set(Position.objects.filter(code__in=wanted).values_list("code", flat=True)) if wanted else set()
    positions |= known_position_codes or set()

    batch: dict[tuple[str, dt.date], _Version] = {}
    seen_keys: set[tuple] = set()
    for i, raw in enumerate(rows):
        row = _parse_row(i, raw, positions, errors)
        if row is None:
            continue
        key = (row["code"], row["valid_from"])
        head = {k: row[k] for k in HEAD_COLUMNS}
        ver = batch.get(key)
        if ver is None:
            ver = batch[key] = _Version(row["code"], row["valid_from"], head)
        else:
            for column in HEAD_COLUMNS:
                if head[column] != ver.head[column]:
                    errors.append((i, column, "standard_rows_inconsistent",
                                   {"code": row["code"], "valid_from": row["valid_from"].isoformat(),
                                    "column": column}))
                    break
        row_key = (*key, row["group"], row["dimension"], row["language"])
        if row_key in seen_keys:
            errors.append((i, "dimension", "standard_duplicate_row",
                           {"code": row["code"], "group": row["group"], "dimension": row["dimension"]}))
            continue
        seen_keys.add(row_key)
        ver.rows.append(i)
        ver.reqs.append((row["group"], row["dimension"], row["min_level"], row["language"]))

    stored = _stored_versions({code for code, _ in batch})
    closes: list[tuple[_Version, dt.date]] = []
    for code in sorted({code for code, _ in batch}):
        old = {ver.valid_from: ver for ver in stored.get(code, [])}
        new = {vf: ver for (c, vf), ver in batch.items() if c == code}
        starts = sorted(set(old) | set(new))
        # An open-ended version ends the day before its successor starts.
        for vf, nxt in zip(starts, starts[1:], strict=False):
            if vf in new and new[vf].valid_to is None:
                new[vf].head["valid_to"] = nxt - dt.timedelta(days=1)
        for vf, ver in new.items():
            prev = old.get(vf)
            if prev is None:
                continue
            ver.head["pk"] = prev.head["pk"]
            params = {"code": code, "valid_from": vf.isoformat()}
            if _content(prev) != _content(ver) and prev.valid_from <= today:
                errors.append((ver.rows[0], "code", "standard_in_force_immutable", params))
            elif prev.valid_to != ver.valid_to and (
                (prev.valid_to is not None and prev.valid_to < today)
                or (ver.valid_to is not None and ver.valid_to < today - dt.timedelta(days=1))
            ):
                errors.append((ver.rows[0], "valid_to", "standard_in_force_immutable", params))
        merged = [(vf, new.get(vf) or old[vf]) for vf in starts]
        for (vf_a, a), (vf_b, b) in zip(merged, merged[1:], strict=False):
            if a.valid_to is None:
                # Only a stored version can still be open here; a new successor closes it.
                if vf_b in new:
                    if vf_b < today:
                        errors.append((b.rows[0], "valid_from", "standard_change_backdated",
                                       {"code": code, "today": today.isoformat()}))
                    closes.append((a, vf_b - dt.timedelta(days=1)))
            elif a.valid_to >= vf_b and (vf_a in new or vf_b in new):
                culprit = b if vf_b in new else a
                other = a if culprit is b else b
                errors.append((culprit.rows[0], "valid_from", "standard_versions_overlap", {
                    "code": code, "valid_from": culprit.valid_from.isoformat(),
                    "other_from": other.valid_from.isoformat(),
                    "other_to": other.valid_to.isoformat() if other.valid_to else "…",
                }))
    return _Plan(errors, batch, stored, closes)


def standard_rows_validate(
    rows: list[dict[str, Any]], *, known_position_codes: set[str] | None = None,
    today: dt.date | None = None,
) -> list[RowError]:
    """Every problem with these standard rows against the database, as (row_index, column,
    code, params); empty when `standard_rows_upsert` would succeed. Reads only."""
    return _plan(rows, known_position_codes, today or timezone.localdate()).errors


@transaction.atomic
def standard_rows_upsert(
    *, actor: Actor, rows: list[dict[str, Any]], known_position_codes: set[str] | None = None,
    today: dt.date | None = None,
) -> dict[str, int]:
    """Create or update standard versions from interchange rows, all or nothing (raises
    StandardRowsInvalid with every error and writes nothing when any row is bad)."""
    from cadretrain.org.models import Position
    from cadretrain.standards.models import Requirement, Standard

    if not actor.can(Action.MANAGE_STANDARDS):
        raise NotAllowed()
    today = today or timezone.localdate()
    plan = _plan(rows, known_position_codes, today)
    if plan.errors:
        raise StandardRowsInvalid(plan.errors)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    position_ids = dict(Position.objects.filter(
        code__in={ver.head["position_code"] for ver in plan.batch.values()} - {""}
    ).values_list("code", "pk"))
    for ver, end in plan.closes:
        Standard.objects.filter(pk=ver.head["pk"], valid_to__isnull=True).update(valid_to=end)
        standard = Standard.objects.get(pk=ver.head["pk"])
        audit_record(actor=actor, obj=standard, action="close", changes={"valid_to": [None, end.isoformat()]})
    stored_by_key = {(c, ver.valid_from): ver for c, vers in plan.stored.items() for ver in vers}
    for key, ver in sorted(plan.batch.items()):
        head = ver.head
        fields = {
            "name": head["name"], "position_id": position_ids.get(head["position_code"]),
            "category": head["category"], "management_tier": head["management_tier"],
            "valid_to": head["valid_to"], "legal_basis": head["legal_basis"],
        }
        prev = stored_by_key.get(key)
        if prev is None:
            standard = Standard.objects.create(code=ver.code, valid_from=ver.valid_from, **fields)
            _write_requirements(standard, ver.reqs)
            counts["created"] += len(ver.rows)
            audit_record(actor=actor, obj=standard, action="create",
                         changes={"requirements": [list(r) for r in ver.reqs]})
            continue
        old_reqs = {(g, d, lang): lvl for g, d, lvl, lang in prev.reqs}
        head_changed = any(prev.head[k] != head[k] for k in HEAD_COLUMNS)
        reqs_changed = tuple(prev.reqs) != tuple(ver.reqs)
        for g, d, lvl, lang in ver.reqs:
            if (g, d, lang) not in old_reqs:
                counts["created"] += 1
            elif old_reqs[(g, d, lang)] != lvl or head_changed:
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
        if not head_changed and not reqs_changed:
            continue
        Standard.objects.filter(pk=prev.head["pk"]).update(**fields)
        standard = Standard.objects.get(pk=prev.head["pk"])
        if reqs_changed:
            Requirement.objects.filter(standard=standard).delete()
            _write_requirements(standard, ver.reqs)
        audit_record(actor=actor, obj=standard, action="update", changes={
            k: [str(prev.head[k]), str(head[k])] for k in HEAD_COLUMNS if prev.head[k] != head[k]
        } | ({"requirements": [[list(r) for r in prev.reqs], [list(r) for r in ver.reqs]]} if reqs_changed else {}))
    return counts


def _write_requirements(standard: Any, reqs: list[tuple[str, str, str, str]]) -> None:
    from cadretrain.standards.models import Requirement

    Requirement.objects.bulk_create([
        Requirement(standard=standard, ordinal=n, group=g, dimension=d, min_level=lvl, language=lang)
        for n, (g, d, lvl, lang) in enumerate(reqs)
    ])


def parse_requirement_lines(text: str) -> list[dict[str, str]]:
    """The edit form's requirement box: one row per line, 'group; dimension; min_level[; language]'."""
    out = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in re.split(r"[;,\t]", line)]
        if len(parts) < 3 or len(parts) > 4 or not all(parts[:3]):
            raise v.FieldError("standard_requirement_line_invalid", line=n, value=line.strip())
        out.append({"group": parts[0], "dimension": parts[1], "min_level": parts[2],
                    "language": parts[3] if len(parts) == 4 else ""})
    if not out:
        raise v.FieldError("standard_requirements_required")
    return out


@transaction.atomic
def standard_version_create(
    *, actor: Actor, code: str, valid_from: Any, requirements: list[dict[str, str]], name: str = "",
    position_code: str = "", category: str = "", management_tier: str = "", valid_to: Any = None,
    legal_basis: str = "", today: dt.date | None = None,
) -> Any:
    """Add a new version of a standard (or a new standard) in force from `valid_from`; the
    current open-ended version is closed the day before. Raises StandardRowsInvalid."""
    from cadretrain.standards.models import Standard

    if not actor.can(Action.MANAGE_STANDARDS):
        raise NotAllowed()
    code = _text(code)
    start = v.parse_date(valid_from)
    if start and Standard.objects.filter(code=code, valid_from=start).exists():
        raise DomainError("standard_version_exists", code=code, valid_from=start.isoformat())
    head = {"code": code, "name": name, "position_code": position_code, "category": category,
            "management_tier": management_tier, "valid_from": valid_from, "valid_to": valid_to,
            "legal_basis": legal_basis}
    standard_rows_upsert(actor=actor, rows=[{**head, **req} for req in requirements], today=today)
    return Standard.objects.get(code=code, valid_from=start)
