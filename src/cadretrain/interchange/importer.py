"""The workbook importer: streams every sheet in dependency order, validates each row with the
same rules as the forms and the API, and upserts set-based, all inside one transaction.

All-or-nothing works by rolling back: valid rows are written chunk by chunk as they are read
(so later sheets and chunks resolve references to them through the database, and memory stays
flat for million-row CSVs); any error, or a dry run, rolls the whole transaction back at the end.
Per chunk of rows the importer makes a handful of queries: one lookup per referenced table for
codes not yet cached, one for the existing rows, one insert (executemany/COPY), one batched
UPDATE."""

from __future__ import annotations

import datetime as dt
import sys
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from itertools import islice
from operator import itemgetter
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from cadretrain.catalogue.models import Institution, Programme
from cadretrain.catalogue.services import clean_programme_fields
from cadretrain.core.bulk import in_values
from cadretrain.core.choices import ClassStatus, EnrolmentStatus, PositionKind, UnitKind
from cadretrain.core.errors import message_for
from cadretrain.domain import validation as v
from cadretrain.domain.access import Action, Actor
from cadretrain.domain.errors import DomainError, NotAllowed
from cadretrain.domain.levels import satisfies
from cadretrain.domain.text import clean_text, fold
from cadretrain.interchange import schema
from cadretrain.interchange.bulk import Table, references_resolved_by_caller, sorts_spill_to_disk
from cadretrain.interchange.errors import WORKBOOK_HINTS
from cadretrain.interchange.readers import RawSheet, UnreadableWorkbook, cell_date, cell_text
from cadretrain.org.models import OrgUnit, Position
from cadretrain.people.models import Assignment, Credential, Person
from cadretrain.people.services import clean_credential_fields, clean_person_fields
from cadretrain.training.models import SEAT_STATUSES, Enrolment, TrainingClass
from cadretrain.training.services import clean_class_fields

CHUNK = 5000
MAX_ERRORS = 50_000
# Codes per lookup of existing people. With a whole chunk (5,000 codes) in one IN list, SQLite's
# planner, going by the statistics of the table before the load (6,000 people at S), preferred
# scanning every person to probing the code index: each chunk then read the whole, growing table
# (150,000 new people: 30 scans). At S, 1,000 codes probe the index; a much smaller table's
# statistics can still tip the planner to a scan, which is cheap while the table is small.
LOOKUP_BATCH = 1000
# The derived tables are rebuilt rather than patched when more than this many enrolments changed
# and they are more than REBUILD_SHARE of all enrolments after the import (a first load). The
# patch moves the cube by the changes (`refresh_cube(changes=...)`): its cost follows the
# changes, the rebuild's the whole table.
REBUILD_THRESHOLD = 100_000
REBUILD_SHARE = 0.8
# Rows sampled per index by SQLite's ANALYZE after a large load.
ANALYSIS_LIMIT = 2000
SEATS = frozenset(str(s) for s in SEAT_STATUSES)
CODE, TEXT, DATE = schema.CODE, schema.TEXT, schema.DATE
REQUIRED = {s.name: frozenset(c.key for c in s.columns if c.required) for s in schema.SHEETS}
INVALID = object()
_NO_NUMERIC: frozenset[str] = frozenset()


@dataclass
class ImportReport:
    """What an import did or would do: counts per sheet and every error found."""

    dry_run: bool
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    rows: int = 0
    granted_credentials: int = 0
    error_count: int = 0
    fatal: bool = False  # the file itself could not be read (exit code 2)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def add_error(self, sheet: str | None, row: int | None, column: str | None, code: str, /,
                  **params: Any) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"sheet": sheet, "row": row, "column": column, "code": code,
                                "message": message_for(code, params, prefer=WORKBOOK_HINTS)})
        elif len(self.errors) == MAX_ERRORS:
            self.errors.append({"sheet": None, "row": None, "column": None, "code": "too_many_errors",
                                "message": message_for("too_many_errors", {"limit": MAX_ERRORS})})

    def count(self, sheet: str, what: str, n: int = 1) -> None:
        bucket = getattr(self, what)
        bucket[sheet] = bucket.get(sheet, 0) + n

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "dry_run": self.dry_run, "created": self.created,
                "updated": self.updated, "unchanged": self.unchanged, "errors": self.errors}


class _Rollback(Exception):
    pass


@dataclass(slots=True)
class UnitRef:
    id: int
    path: str
    depth: int


@dataclass(slots=True)
class PersonRef:
    id: int
    path: str  # the current unit's path (for scope)


@dataclass(slots=True)
class ClassRef:
    code: str
    id: int
    programme_id: int
    capacity: int | None
    seats: int
    organizer_path: str


Record = tuple[int, dict[str, Any]]
Progress = Callable[[int, str], None]


def _batches(codes: list[str], size: int = LOOKUP_BATCH) -> Iterator[list[str]]:
    for start in range(0, len(codes), size):
        yield codes[start:start + size]


def _chunks(items: Iterable[Record], size: int) -> Iterator[list[Record]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return (a is None and b is None) or (a is not None and b is not None and Decimal(a) == Decimal(b))
    return a == b


class Importer:
    """One import run for one actor; `run` returns the report (nothing is kept when it has errors
    or when `dry_run`)."""

    def __init__(self, *, actor: Actor, dry_run: bool = False, progress: Progress | None = None) -> None:
        self.actor = actor
        self.dry_run = dry_run
        self.report = ImportReport(dry_run=dry_run)
        self.progress = progress or (lambda done, sheet: None)
        self.today = timezone.localdate()
        self.units: dict[str, UnitRef] = {}
        self.positions: dict[str, int] = {}
        self.programmes: dict[str, tuple[int, str]] = {}  # code → (id, name)
        self.classes: dict[str, ClassRef] | None = None
        self.people: dict[str, PersonRef | None] = {}
        self.institutions: dict[str, int] | None = None
        self.changed_people: set[int] = set()  # whose enrolments the derived tables must refile
        self.tier_changed: set[int] = set()  # existing people whose management tier the file changed
        self.changed_classes: set[int] = set()
        self.new_classes: set[int] = set()  # created by this import: nobody else sees them before it commits
        self.changed_enrolments = 0
        self.enrolment_changes = EnrolmentChanges()
        self.numeric: set[str] | frozenset[str] = _NO_NUMERIC  # code columns of the current row that were numeric cells
        self.sheet = ""
        self.limits: dict[str, dict[str, int]] = {}
        self._column_plans: dict[str, list[tuple]] = {}
        self._absent: dict[str, frozenset[str]] = {}  # per sheet, the columns its header lacks
        self._unit_paths: dict[int, str] | None = None
        self.tables: dict[Any, Table] = {}
        self.pools: dict[type, Any] = {}

    # --- the run --------------------------------------------------------------------------------
    def run(self, raw_sheets: list[RawSheet], *, on_commit: Callable[[ImportReport], None] | None = None) -> ImportReport:
        report = self.report
        if not self.actor.can(Action.IMPORT):
            raise NotAllowed()
        plan = self._plan(raw_sheets)
        try:
            with references_resolved_by_caller(), sorts_spill_to_disk(), transaction.atomic():
                self._load_reference_maps()
                for spec, raw in plan:
                    self.sheet = spec.name
                    for key in ("created", "updated", "unchanged"):
                        report.count(spec.name, key, 0)
                    records = self._records(spec, raw)
                    if records is None:
                        continue
                    getattr(self, f"_import_{spec.name}")(spec, records)
                if report.rows == 0 and report.error_count == 0:
                    report.add_error(None, None, None, "empty_workbook")
                if report.error_count or self.dry_run:
                    raise _Rollback
                self._after_write()
                if on_commit is not None:
                    on_commit(report)
        except _Rollback:
            pass
        except UnreadableWorkbook as exc:
            report.fatal = True
            report.add_error(self.sheet or None, None, None, exc.code, **exc.params)
        return report

    def _plan(self, raw_sheets: list[RawSheet]) -> list[tuple[schema.SheetSpec, RawSheet]]:
        found: dict[str, RawSheet] = {}
        for raw in raw_sheets:
            if schema.is_instructions(raw.name):
                continue
            key = schema.sheet_for(raw.name)
            if key is None:
                self.report.add_error(raw.name, None, None, "unknown_sheet", sheet=raw.name,
                                      allowed=", ".join(schema.SHEET_ORDER))
            elif key in found:
                self.report.add_error(raw.name, None, None, "duplicate_sheet", sheet=key)
            else:
                found[key] = raw
        if not found and not self.report.error_count:
            self.report.add_error(None, None, None, "empty_workbook")
        return [(schema.SHEET_BY_NAME[k], found[k]) for k in schema.SHEET_ORDER if k in found]

    def _records(self, spec: schema.SheetSpec, raw: RawSheet) -> Iterator[Record] | None:
        """Header check, then a stream of (Excel row, {column key: raw value}) for non-blank rows;
        None when the header is unusable (its errors are reported)."""
        rows = raw.rows()
        header_row = next(rows, None)
        if header_row is None:
            return None
        header_no, header = header_row
        problems = raw.problems()
        mapping: list[tuple[int, str]] = []
        seen: set[str] = set()
        unnamed: list[int] = []
        bad = False
        for idx, cell in enumerate(header):
            title = clean_text(cell_text(cell)[0])
            if not title:
                unnamed.append(idx)
                continue
            key = schema.match_column(spec.name, title)
            if key is None:
                bad = True
                self.report.add_error(spec.name, header_no, title, "unknown_column", column=title,
                                      sheet=spec.name, allowed=", ".join(spec.keys))
            elif key in seen:
                bad = True
                self.report.add_error(spec.name, header_no, title, "duplicate_column", column=title,
                                      sheet=spec.name)
            else:
                seen.add(key)
                mapping.append((idx, key))
        for col in spec.columns:
            if col.required and col.key not in seen:
                bad = True
                self.report.add_error(spec.name, header_no, col.key, "missing_column",
                                      column=f"{col.key} ({col.vi})", sheet=spec.name)
        for (row, _col), (code, params) in problems.items():
            if row == header_no:
                bad = True
                self.report.add_error(spec.name, row, None, code, **params)
        if bad:
            return None
        absent = [c.key for c in spec.columns if c.key not in seen]
        self._absent[spec.name] = frozenset(absent)
        # An absent column's cell is "" in every record and `prepare` would turn it into ""
        # again (a required column cannot be absent here): its plan leaves it out.
        self._column_plans[spec.name] = [p for p in self._plan_columns(spec) if p[0] not in absent]
        problem_rows: dict[int, list[tuple[int, str, dict]]] = defaultdict(list)
        for (row, col), (code, params) in problems.items():
            problem_rows[row].append((col, code, params))
        by_index = dict(mapping)
        return self._stream(spec, rows, mapping, absent, unnamed, problem_rows, by_index)

    def _stream(self, spec, rows, mapping, absent, unnamed, problem_rows, by_index) -> Iterator[Record]:  # type: ignore[no-untyped-def]
        report = self.report
        done = 0
        # Header cells 0..n-1 all named (no blank header cell): a row of width n maps by zip.
        contiguous = not unnamed and [idx for idx, _ in mapping] == list(range(len(mapping)))
        full = len(mapping) if contiguous else -1
        keys = [key for _, key in mapping]
        blanks = dict.fromkeys(absent, "")  # the absent columns, set in one call per row
        for number, values in rows:
            if not any(values) and not any(x is not None and x != "" for x in values):
                continue
            done += 1
            report.rows += 1
            if done % CHUNK == 0:
                self.progress(done, spec.name)
            if problem_rows and number in problem_rows:
                for col, code, params in problem_rows[number]:
                    report.add_error(spec.name, number, by_index.get(col), code, **params)
                continue
            width = len(values)
            if width == full:
                # The usual row: exactly the named columns, in order, nothing to pad or check.
                rec = dict(zip(keys, values, strict=True))
                if blanks:
                    rec.update(blanks)
                yield number, rec
                continue
            rec = {key: (values[idx] if idx < width else "") for idx, key in mapping}
            for key in absent:
                rec[key] = ""
            stray = False
            for idx in unnamed:
                if idx < width and values[idx] not in ("", None):
                    stray = True
            if width > len(mapping) + len(unnamed):
                start = len(mapping) + len(unnamed)
                stray = stray or any(x not in ("", None) for x in values[start:])
            if stray:
                report.add_error(spec.name, number, None, "value_without_header")
                continue
            yield number, rec
        self.progress(done, spec.name)

    # --- field helpers ---------------------------------------------------------------------------
    def err(self, row: int, column: str | None, code: str, /, **params: Any) -> None:
        if column and column in self.numeric and code.startswith("unknown_"):
            params = {**params, "message": message_for(code, params, prefer=WORKBOOK_HINTS)}
            code = "numeric_code_hint"
        self.report.add_error(self.sheet, row, column, code, **params)

    def prepare(self, spec: schema.SheetSpec, row: int, rec: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """Cells → values by column kind (codes and text as text, dates as date or text), and the
        required-cell check. Returns (values, ok). This runs once per row of every sheet, hence
        the precomputed column plan and the fast path for plain text cells (CSV, most xlsx).

        Date cells are parsed here, once, through a memo (a workbook repeats the same few dates
        thousands of times); a text that does not parse stays text, so the sheet's own validator
        reports it exactly as before."""
        plan = self._column_plans.get(spec.name)
        if plan is None:
            plan = self._plan_columns(spec)
        # The record is converted in place: its values are not needed afterwards, and one dict
        # per row fewer is measurable over millions of rows.
        out = rec
        ok = True
        numeric = None
        self.numeric = _NO_NUMERIC
        for key, kind, required, label, limit, parse in plan:
            raw = rec.get(key, "")
            if type(raw) is str:
                if kind == TEXT:
                    value: Any = clean_text(raw) if raw else ""
                else:
                    value = raw.strip()
                    if parse and value:
                        value = _date_or_text(value)
            elif kind == DATE:
                value = cell_date(raw)
                if type(value) is str:
                    value = value.strip()
                    if parse and value:
                        value = _date_or_text(value)
            else:
                text, was_number = cell_text(raw)
                if was_number and kind == CODE:
                    if numeric is None:
                        numeric = set()
                    numeric.add(key)
                if kind == TEXT:
                    value = clean_text(text) if text else ""
                else:
                    value = text.strip()
            if not value:  # "" (a date is never falsy, and None never comes out of a cell)
                if required:
                    ok = False
                    self.err(row, key, "required_value_missing", column=label)
            elif limit is not None and len(value) > limit:
                ok = False
                self.err(row, key, "value_too_long", max=limit)
            out[key] = value
        if numeric is not None:
            self.numeric = numeric
        return out, ok

    def _plan_columns(self, spec: schema.SheetSpec) -> list[tuple]:
        limits = self.limits.get(spec.name, {})
        # The standards sheet hands its rows to the standards app's own validator, which takes
        # the cells as text: its dates are left to it.
        parse_dates = spec.name != "standards"
        plan = self._column_plans[spec.name] = [
            (c.key, c.kind, c.required, f"{c.vi} ({c.key})",
             limits.get(c.key) if c.kind in (schema.CODE, schema.TEXT) else None,
             parse_dates and c.kind == schema.DATE)
            for c in spec.columns
        ]
        return plan

    def clean(self, row: int, fn: Callable[[dict[str, Any]], dict[str, Any]], data: dict[str, Any],
              columns: dict[str, str] | None = None, *, per_field: bool = True) -> dict[str, Any] | None:
        """Run a shared validator (the forms' and API's `clean_*_fields`). On failure, find every
        bad field (per field when the validator allows it) and report each with its column."""
        try:
            return fn(data)
        except v.FieldError as first:
            columns = columns or {}
            found = False
            if per_field:
                for key, value in data.items():
                    try:
                        fn({key: value})
                    except v.FieldError as exc:
                        found = True
                        self.err(row, columns.get(key, key), exc.code, **exc.params)
            if not found:
                self.err(row, _column_of(first.code, columns), first.code, **first.params)
            return None

    def dup(self, seen: dict[Any, int], key: Any, row: int, column: str, label: str) -> bool:
        first = seen.get(key)
        if first is not None:
            self.err(row, column, "duplicate_key", first_row=first, key=label)
            return True
        seen[key] = row
        return False

    def covers(self, path: str) -> bool:
        return self.actor.covers_unit_path(path)

    def table(self, model: type, fields: list[str]) -> Table:
        key = (model, tuple(fields))
        if key not in self.tables:
            table = Table(model, fields)
            # One id pool per model: two pools on SQLite would hand out the same ids.
            table.pool = self.pools.setdefault(model, table.pool)
            self.tables[key] = table  # type: ignore[index]
        return self.tables[key]  # type: ignore[index]

    # --- reference maps -------------------------------------------------------------------------
    def _load_reference_maps(self) -> None:
        self._reload_units()
        self.positions = dict(Position.objects.values_list("code", "id"))
        self.programmes = {c: (i, n) for c, i, n in Programme.objects.values_list("code", "id", "name")}
        for spec, model, extra in (
            ("units", OrgUnit, {}), ("positions", Position, {}),
            ("people", Person, {"unit_code": 40, "position_code": 40}),
            ("credentials", Credential, {"person_code": 40}), ("programmes", Programme, {}),
            ("classes", TrainingClass, {"programme_code": 40, "organizer_unit_code": 40,
                                        "institution": 255, "partner": 255}),
            ("enrolments", Enrolment, {"class_code": 40, "person_code": 40}),
        ):
            limits = dict(extra)
            for f in model._meta.concrete_fields:
                if getattr(f, "max_length", None) and f.get_internal_type() in ("CharField", "EmailField"):
                    limits.setdefault(f.attname, f.max_length)
            if spec == "units":
                limits.update(parent_code=40, successor_code=40)
            self.limits[spec] = limits

    def _reload_units(self) -> None:
        self._unit_paths = None
        self.units = {c: UnitRef(i, p, d) for c, i, p, d in OrgUnit.objects.values_list("code", "id", "path", "depth")}

    def _load_classes(self) -> dict[str, ClassRef]:
        if self.classes is None:
            self.classes = {
                c: ClassRef(c, i, pid, cap, n, path)
                for c, i, pid, cap, n, path in TrainingClass.objects.values_list(
                    "code", "id", "programme_id", "capacity", "enrolled", "organizer_unit__path")
            }
        return self.classes

    def _resolve_people(self, codes: Iterable[str]) -> None:
        missing = {c for c in codes if c and c not in self.people}
        if not missing:
            return
        found = [row for codes in _batches(sorted(missing))
                 for row in Person.objects.filter(code__in=codes).values_list("code", "id", "unit__path")]
        for code, pk, path in found:
            # Interned: one string per unit path, not one per person (150,000 people share
            # ~1,400 paths at L).
            self.people[code] = PersonRef(pk, sys.intern(path))
            missing.discard(code)
        for code in missing:
            self.people[code] = None

    def _person(self, row: int, column: str, code: str) -> PersonRef | None:
        ref = self.people.get(code)
        if ref is None or not self.covers(ref.path):
            # Outside the importer's scope is the same as missing (no leak of who exists).
            self.err(row, column, "unknown_person", code=code)
            return None
        return ref

    def _unit(self, row: int, column: str, code: str) -> UnitRef | None:
        ref = self.units.get(code)
        if ref is None:
            self.err(row, column, "unknown_unit", code=code)
        return ref

    # --- units ----------------------------------------------------------------------------------
    def _import_units(self, spec: schema.SheetSpec, records: Iterator[Record]) -> None:
        actor = self.actor
        rows: dict[str, tuple[int, dict[str, Any]]] = {}
        seen: dict[Any, int] = {}
        for row, rec in records:
            vals, ok = self.prepare(spec, row, rec)
            code = vals["code"]
            if code and self.dup(seen, code, row, "code", code):
                continue
            if vals["kind"] and vals["kind"] not in UnitKind.values:
                ok = False
                self.err(row, "kind", "unknown_unit_kind", kind=vals["kind"])
            for key in ("valid_from", "valid_to"):
                try:
                    vals[key] = v.parse_date(vals[key])
                except v.FieldError as exc:
                    ok = False
                    self.err(row, key, exc.code, **exc.params)
            if ok:
                try:
                    v.check_date_order(vals["valid_from"], vals["valid_to"])
                except v.FieldError as exc:
                    ok = False
                    self.err(row, "valid_to", exc.code, **exc.params)
            if ok:
                rows[code] = (row, vals)
        existing = {
            c: rest for c, *rest in OrgUnit.objects.filter(code__in=list(rows)).values_list(
                "code", "id", "name", "kind", "parent_id", "valid_from", "valid_to", "successor_id", "path")
        }
        new_codes = [c for c in rows if c not in existing]
        new_ids = dict(zip(new_codes, self.table(OrgUnit, []).pool.take(len(new_codes)), strict=True))

        def unit_id(code: str) -> int | None:
            if code in new_ids:
                return new_ids[code]
            ref = self.units.get(code)
            return ref.id if ref else None

        # Paths of new units follow their parents (new or existing); a loop is an error.
        paths: dict[str, tuple[str, int] | None] = {}

        def path_of(code: str, trail: tuple[str, ...] = ()) -> tuple[str, int] | None:
            if code in paths:
                return paths[code]
            if code not in new_ids:
                ref = self.units.get(code)
                return (ref.path, ref.depth) if ref else None
            if code in trail:
                return None
            parent = rows[code][1]["parent_code"]
            if not parent:
                result: tuple[str, int] | None = (f"/{new_ids[code]}/", 0)
            else:
                up = path_of(parent, (*trail, code))
                result = None if up is None else (f"{up[0]}{new_ids[code]}/", up[1] + 1)
            paths[code] = result
            return result

        may_manage_units = actor.can(Action.MANAGE_UNITS)
        may_manage_people = actor.can(Action.MANAGE_PEOPLE)
        inserts, updates, moves = [], [], []
        for code, (row, vals) in rows.items():
            parent_code, successor_code = vals["parent_code"], vals["successor_code"]
            refs_ok = True
            for column, ref_code in (("parent_code", parent_code), ("successor_code", successor_code)):
                if ref_code and unit_id(ref_code) is None:
                    refs_ok = False
                    self.err(row, column, "unknown_unit", code=ref_code)
            if parent_code == code:
                refs_ok = False
                self.err(row, "parent_code", "unit_cycle", code=code)
            if not refs_ok:
                continue
            parent_id = unit_id(parent_code) if parent_code else None
            successor_id = unit_id(successor_code) if successor_code else None
            name = vals["name"]
            if code in new_ids:
                located = path_of(code)
                if located is None:
                    self.err(row, "parent_code", "unit_cycle", code=code)
                    continue
                path, depth = located
                if not parent_code and not actor.is_city_wide:
                    self.err(row, "parent_code", "unit_root_not_allowed")
                    continue
                parent_path = path[: path.rstrip("/").rfind("/") + 1]
                if not (may_manage_units or may_manage_people) or not self.covers(parent_path):
                    self.err(row, "code", "out_of_scope", code=code)
                    continue
                inserts.append((new_ids[code], code, name, _fold_clean(name), vals["kind"], parent_id, path,
                                depth, vals["valid_from"], vals["valid_to"], successor_id))
                self.report.count("units", "created")
                continue
            pk, old_name, kind, old_parent, vfrom, vto, old_succ, old_path = existing[code]
            if not self.covers(old_path) or not (may_manage_units or may_manage_people):
                self.err(row, "code", "out_of_scope", code=code)
                continue
            new_values = (name, _fold_clean(name), vals["kind"], vals["valid_from"], vals["valid_to"], successor_id)
            old_values = (old_name, fold(old_name), kind, vfrom, vto, old_succ)
            changed = new_values != old_values
            if changed:
                updates.append((*new_values, pk))
            if parent_id != old_parent:
                if parent_id is None:
                    self.err(row, "parent_code", "unit_root_not_allowed")
                    continue
                moves.append((row, pk, parent_id))
                changed = True
            self.report.count("units", "updated" if changed else "unchanged")
        table = self.table(OrgUnit, ["id", "code", "name", "search_key", "kind", "parent_id", "path",
                                     "depth", "valid_from", "valid_to", "successor_id"])
        table.insert(inserts)
        table.update(["name", "search_key", "kind", "valid_from", "valid_to", "successor_id"], updates)
        if moves:
            from cadretrain.org.services import unit_move

            for row, pk, parent_id in moves:
                try:
                    unit_move(actor=actor, unit=OrgUnit.objects.get(pk=pk),
                              new_parent=OrgUnit.objects.get(pk=parent_id))
                except NotAllowed:
                    self.err(row, "parent_code", "not_allowed_sheet", sheet="units")
                except DomainError as exc:
                    self.err(row, "parent_code", exc.code, **exc.params)
        self._reload_units()

    # --- positions ------------------------------------------------------------------------------
    def _import_positions(self, spec: schema.SheetSpec, records: Iterator[Record]) -> None:
        rows, seen = [], {}
        for row, rec in records:
            vals, ok = self.prepare(spec, row, rec)
            if vals["code"] and self.dup(seen, vals["code"], row, "code", vals["code"]):
                continue
            if vals["kind"] and vals["kind"] not in PositionKind.values:
                ok = False
                self.err(row, "kind", "unknown_choice", value=vals["kind"], allowed=", ".join(PositionKind.values))
            if ok:
                rows.append((row, vals))
        existing = {c: (i, n, k) for c, i, n, k in Position.objects.filter(
            code__in=[r[1]["code"] for r in rows]).values_list("code", "id", "name", "kind")}
        inserts, updates = [], []
        may = self.actor.can(Action.MANAGE_UNITS)
        for row, vals in rows:
            old = existing.get(vals["code"])
            if old and (old[1], old[2]) == (vals["name"], vals["kind"]):
                self.report.count("positions", "unchanged")
                continue
            if not may:
                self.err(row, "code", "not_allowed_sheet", sheet="positions")
                continue
            if old:
                updates.append((vals["name"], vals["kind"], old[0]))
                self.report.count("positions", "updated")
            else:
                inserts.append((vals["code"], vals["name"], vals["kind"]))
                self.report.count("positions", "created")
        table = self.table(Position, ["code", "name", "kind"])
        table.insert(inserts)
        table.update(["name", "kind"], updates)
        self.positions = dict(Position.objects.values_list("code", "id"))

    # --- programmes -----------------------------------------------------------------------------
    PROGRAMME_FIELDS = ("name", "kind", "grants_dimension", "grants_level", "periods", "topics", "description")

    def _import_programmes(self, spec: schema.SheetSpec, records: Iterator[Record]) -> None:
        rows, seen = [], {}
        for row, rec in records:
            vals, ok = self.prepare(spec, row, rec)
            if vals["code"] and self.dup(seen, vals["code"], row, "code", vals["code"]):
                continue
            if not ok:
                continue
            data = {k: vals[k] for k in self.PROGRAMME_FIELDS}
            clean = self.clean(row, clean_programme_fields, data,
                               {"grants_both_or_neither": "grants_level", "unknown_level": "grants_level",
                                "unknown_dimension": "grants_dimension"}, per_field=False)
            if clean is not None:
                clean["search_key"] = _fold_clean(clean["name"])
                rows.append((row, vals["code"], clean))
        names = ("name", "search_key", "kind", "grants_dimension", "grants_level", "periods", "topics", "description")
        existing = {c: rest for c, *rest in Programme.objects.filter(
            code__in=[r[1] for r in rows]).values_list("code", "id", *names)}
        inserts, updates = [], []
        may = self.actor.can(Action.MANAGE_CATALOGUE)
        for row, code, clean in rows:
            new = tuple(clean[k] for k in names)
            old = existing.get(code)
            if old and tuple(old[1:]) == new:
                self.report.count("programmes", "unchanged")
                continue
            if not may:
                self.err(row, "code", "not_allowed_sheet", sheet="programmes")
                continue
            if old:
                updates.append((*new, old[0]))
                self.report.count("programmes", "updated")
            else:
                inserts.append((code, *new))
                self.report.count("programmes", "created")
        table = self.table(Programme, ["code", *names])
        table.insert(inserts)
        table.update(list(names), updates)
        self.programmes = {c: (i, n) for c, i, n in Programme.objects.values_list("code", "id", "name")}

    # --- people ---------------------------------------------------------------------------------
    PERSON_FIELDS = ("full_name", "birth_date", "gender", "category", "management_tier", "rank_code",
                     "party_member", "ethnicity", "national_id", "email", "phone", "joined_on", "left_on")

    def _import_people(self, spec: schema.SheetSpec, records: Iterator[Record]) -> None:
        seen: dict[Any, int] = {}
        may = self.actor.can(Action.MANAGE_PEOPLE)
        person_table = self.table(Person, ["id", "code", "search_key", "unit_id", "position_id", *self.PERSON_FIELDS])
        assignment_table = self.table(Assignment, ["person_id", "unit_id", "position_id", "valid_from", "valid_to", "is_primary"])
        update_fields = ["search_key", *self.PERSON_FIELDS]
        person_values = itemgetter(*self.PERSON_FIELDS)
        tier = update_fields.index("management_tier")  # in a row's values as compared below
        # A column the sheet lacks is empty in every row: its clean value is the same for all, so
        # the shared validator cleans it once here and each row passes it only the columns the
        # sheet has (the validator takes any subset of the fields, as for an edit form). A blank
        # value the validator refuses keeps the column in the per-row call, which reports it.
        absent = [k for k in self.PERSON_FIELDS if k in self._absent.get(spec.name, ())]
        try:
            blank = clean_person_fields(dict.fromkeys(absent, ""))
        except v.FieldError:
            absent, blank = [], {}
        fields = [(k, k in REQUIRED[spec.name]) for k in self.PERSON_FIELDS if k not in absent]
        # Each unit code of the sheet resolved and scope-checked once: (unit, None) or
        # (None, error code). Errors are still reported on every row that names it.
        unit_of: dict[str, tuple[UnitRef | None, str | None]] = {}
        columns = {"dates_out_of_order": "left_on"}
        prepare = self.prepare
        for chunk in _chunks(records, CHUNK):
            # Which of the chunk's codes exist, and ids for the others, before any row is
            # validated: the rows are then validated inside the generator that feeds the insert,
            # so that on PostgreSQL the server writes the rows of the COPY (and their indexes)
            # while this process validates the next ones, instead of each waiting for the other.
            # Nothing in the generator may query the database (the connection is in COPY).
            # An id drawn for a row that then fails is never used: the import is rolled back.
            codes: set[str] = set()
            for _, rec in chunk:
                code = rec["code"]
                code = code.strip() if type(code) is str else _code_text(code)
                if code:
                    codes.add(code)
            existing = self._existing_people(sorted(codes), update_fields) if codes else {}
            ids = iter(person_table.pool.take(len(codes) - len(existing)))
            assignments: list[tuple] = []
            updates: list[tuple] = []
            transfers: list[tuple[int, int, int | None]] = []
            counted = {"created": 0, "updated": 0, "unchanged": 0}

            def new_people(chunk: list[Record] = chunk, existing: dict[str, list[Any]] = existing,
                           ids: Iterator[int] = ids, assignments: list[tuple] = assignments,
                           updates: list[tuple] = updates, transfers: list[tuple[int, int, int | None]] = transfers,
                           counted: dict[str, int] = counted) -> Iterator[tuple]:
                for row, rec in chunk:
                    vals, ok = prepare(spec, row, rec)
                    code = vals["code"]
                    if code:
                        first = seen.get(code)
                        if first is not None:
                            self.err(row, "code", "duplicate_key", first_row=first, key=code)
                            continue
                        seen[code] = row
                    data = {k: vals[k] for k, required in fields if not (required and vals[k] in ("", None))}
                    try:
                        clean: dict[str, Any] | None = clean_person_fields(data)
                    except v.FieldError:
                        clean = self.clean(row, clean_person_fields, data, columns)
                    unit_code = vals["unit_code"]
                    unit = None
                    if unit_code:
                        unit, problem = unit_of.get(unit_code) or unit_of.setdefault(unit_code, self._unit_in_scope(unit_code))
                        if problem is not None:
                            self.err(row, "unit_code", problem, code=unit_code)
                    position_id = None
                    if vals["position_code"]:
                        position_id = self.positions.get(vals["position_code"])
                        if position_id is None:
                            ok = False
                            self.err(row, "position_code", "unknown_position", code=vals["position_code"])
                    if not ok or clean is None or unit is None:
                        continue
                    if not may:
                        self.err(row, "code", "not_allowed_sheet", sheet="people")
                        continue
                    if blank:
                        clean.update(blank)
                    search_key = _fold_clean(clean["full_name"])
                    old = existing.get(code)
                    if old is None:
                        pk = next(ids)
                        assignments.append((pk, unit.id, position_id, clean.get("joined_on") or self.today, None, True))
                        self.people[code] = PersonRef(pk, unit.path)
                        counted["created"] += 1
                        yield (pk, code, search_key, unit.id, position_id, *person_values(clean))
                        continue
                    pk, old_unit, old_position, old_path, *old_values = old
                    if not self.covers(old_path):
                        self.err(row, "code", "out_of_scope", code=code)
                        continue
                    new_values = [search_key, *person_values(clean)]
                    moved = (old_unit, old_position) != (unit.id, position_id)
                    if new_values != old_values:
                        updates.append((*new_values, pk))
                        if new_values[tier] != old_values[tier]:
                            self.tier_changed.add(pk)
                    if moved:
                        transfers.append((pk, unit.id, position_id))
                        # The derived tables (cube, unit classes) file a person's enrolments
                        # under their unit: only a transfer moves them. A changed phone number or
                        # name does not, and recomputing every unit of 10,000 such people held
                        # SQLite's write lock for tens of seconds at L.
                        self.changed_people.add(pk)
                    self.people[code] = PersonRef(pk, unit.path)
                    counted["updated" if new_values != old_values or moved else "unchanged"] += 1

            person_table.insert(new_people())
            for key, n in counted.items():
                self.report.count("people", key, n)
            person_table.update(update_fields, updates)
            if transfers:
                self._transfer(transfers, assignments)
            assignment_table.insert(assignments)

    def _unit_in_scope(self, code: str) -> tuple[UnitRef | None, str | None]:
        """A people row's unit: (unit, None), or (None, the error code for the row)."""
        ref = self.units.get(code)
        if ref is None:
            return None, "unknown_unit"
        if not self.covers(ref.path):
            return None, "out_of_scope"
        return ref, None

    def _existing_people(self, codes: list[str], fields: list[str]) -> dict[str, list[Any]]:
        """code → [id, unit_id, position_id, unit path, *fields] of the people among `codes`
        that exist. The unit's path comes from the units map rather than a join, which keeps the
        lookup on the code index whatever the planner's (pre-load) statistics say."""
        paths = self._unit_paths
        if paths is None:
            paths = self._unit_paths = {ref.id: ref.path for ref in self.units.values()}
        found: dict[str, list[Any]] = {}
        with connection.cursor() as cursor:
            # Each batch is one parameter (`in_values`): on PostgreSQL a 1,000-placeholder IN list
            # was a new statement text for psycopg to parse each time (1.0 s of client time for
            # 150,000 codes, plus the server's parse). Batches of LOOKUP_BATCH either way: with
            # a whole chunk (5,000 codes) in the array, PostgreSQL at L after a large load chose
            # to scan the table (50 ms a query against 0.5 ms through the code index).
            for batch in _batches(codes):
                # Which codes exist, in plain SQL (a new person's code is the common case in a
                # large load, and building a 1,000-code ORM filter costs ~8× the query); then
                # the values of those that do, through the ORM for its conversions.
                where, params = in_values("code", batch)
                cursor.execute(f"SELECT code FROM {Person._meta.db_table} WHERE {where}", params)  # noqa: S608
                present = [row[0] for row in cursor.fetchall()]
                if not present:
                    continue
                for c, pk, unit_id, position_id, *rest in Person.objects.filter(code__in=present).values_list(
                        "code", "id", "unit_id", "position_id", *fields):
                    found[c] = [pk, unit_id, position_id, paths.get(unit_id, ""), *rest]
        return found

    def _transfer(self, transfers: list[tuple[int, int, int | None]], assignments: list[tuple]) -> None:
        """Like `person_transfer` from today, set-based: close the open primary assignment the day
        before (or rewrite it when it started today) and open a new one."""
        people = {pk: (unit, pos) for pk, unit, pos in transfers}
        current = Assignment.objects.filter(person_id__in=list(people), is_primary=True,
                                            valid_to__isnull=True).values_list("id", "person_id", "valid_from")
        closes, rewrites, handled = [], [], set()
        for aid, pid, start in current:
            unit, pos = people[pid]
            if start >= self.today:
                rewrites.append((unit, pos, aid))
                handled.add(pid)
            else:
                closes.append((self.today - dt.timedelta(days=1), aid))
        table = self.table(Assignment, ["person_id", "unit_id", "position_id", "valid_from", "valid_to", "is_primary"])
        table.update(["valid_to"], closes)
        table.update(["unit_id", "position_id"], rewrites)
        person_table = self.table(Person, ["id"])
        person_table.update(["unit_id", "position_id"], [(u, p, pk) for pk, (u, p) in people.items()])
        for pid, (unit, pos) in people.items():
            if pid not in handled:
                assignments.append((pid, unit, pos, self.today, None, True))

    # --- credentials ----------------------------------------------------------------------------
    CREDENTIAL_COLUMNS = {"unknown_dimension": "dimension", "unknown_level": "level",
                          "language_only_for_foreign_language": "language", "invalid_date": "issued_on",
                          "impossible_date": "issued_on"}

    def _import_credentials(self, spec: schema.SheetSpec, records: Iterator[Record]) -> None:
        # Duplicate keys: inside a chunk through `seen`; across chunks through the credential's
        # id, as a row written or matched by an earlier chunk is in the database by then.
        # `row_of_id[id]` is the row that wrote or matched credential `id`: 4 bytes per credential
        # instead of a key and a dict entry per row kept for the whole sheet (≈300 bytes: the
        # 955,000 credentials of an L export grew the process by 280 MB).
        row_of_id = array("I")
        may = self.actor.can(Action.MANAGE_PEOPLE)
        table = self.table(Credential, ["id", "person_id", "dimension", "level", "language", "field", "issued_on",
                                        "issuer", "certificate_no"])
        extras = ["language", "field", "issuer", "certificate_no"]
        for chunk in _chunks(records, CHUNK):
            self._resolve_people(rec["person_code"] for _, rec in chunk if isinstance(rec["person_code"], str))
            seen: dict[Any, int] = {}
            valid = []
            for row, rec in chunk:
                vals, ok = self.prepare(spec, row, rec)
                if not ok:
                    continue
                data = {k: vals[k] for k in ("dimension", "level", "language", "issued_on", "field", "issuer",
                                             "certificate_no")}
                clean = self.clean(row, clean_credential_fields, data, self.CREDENTIAL_COLUMNS, per_field=False)
                person = self._person(row, "person_code", vals["person_code"])
                if clean is None or person is None:
                    continue
                key = (person.id, clean["dimension"], clean["level"], clean["issued_on"])
                if self.dup(seen, key, row, "person_code", _credential_label(vals["person_code"], key)):
                    continue
                if not may:
                    self.err(row, "person_code", "not_allowed_sheet", sheet="credentials")
                    continue
                valid.append((row, key, clean, vals["person_code"]))
            if not valid:
                continue
            existing = {
                (p, d, lv, day): (pk, rest) for pk, p, d, lv, day, *rest in Credential.objects.filter(
                    person_id__in={x[1][0] for x in valid}).values_list(
                    "id", "person_id", "dimension", "level", "issued_on", *extras)
            }
            ids = iter(table.pool.take(sum(1 for x in valid if x[1] not in existing)))
            inserts, updates = [], []
            for row, key, clean, person_code in valid:
                old = existing.get(key)
                new = [clean[k] for k in extras]
                if old is not None:
                    first = row_of_id[old[0]] if old[0] < len(row_of_id) else 0
                    if first:
                        self.err(row, "person_code", "duplicate_key", first_row=first,
                                 key=_credential_label(person_code, key))
                        continue
                    _mark(row_of_id, old[0], row)
                if old is None:
                    pk = next(ids)
                    _mark(row_of_id, pk, row)
                    inserts.append((pk, *key[:3], clean["language"], clean["field"], key[3], clean["issuer"],
                                    clean["certificate_no"]))
                    self.report.count("credentials", "created")
                elif list(old[1]) != new:
                    updates.append((*new, old[0]))
                    self.report.count("credentials", "updated")
                else:
                    self.report.count("credentials", "unchanged")
            table.insert(inserts)
            table.update(extras, updates)

    # --- classes --------------------------------------------------------------------------------
    CLASS_FIELDS = ("programme_id", "name", "search_key", "organizer_unit_id", "institution_id", "partner_id",
                    "country", "start_date", "end_date", "capacity", "cost_vnd", "mode")

    def _institution(self, name: str, *, partner: bool, country: str, new: list[tuple]) -> int:
        if self.institutions is None:
            self.institutions = dict(Institution.objects.values_list("name", "id"))
        pk = self.institutions.get(name)
        if pk is None:
            # A class names its institution in free text; an unknown one is added to the
            # catalogue so that a workbook exported elsewhere imports into an empty database.
            pk = self.table(Institution, []).pool.take(1)[0]
            self.institutions[name] = pk
            new.append((pk, name, fold(name), country if partner else "VN", partner))
        return pk

    def _import_classes(self, spec: schema.SheetSpec, records: Iterator[Record]) -> None:
        classes = self._load_classes()
        seen: dict[Any, int] = {}
        may = self.actor.can(Action.MANAGE_CLASSES)
        table = self.table(TrainingClass, ["id", "code", "status", "enrolled", *self.CLASS_FIELDS])
        inst_table = self.table(Institution, ["id", "name", "search_key", "country", "is_partner"])
        for chunk in _chunks(records, CHUNK):
            valid = []
            new_institutions: list[tuple] = []
            for row, rec in chunk:
                vals, ok = self.prepare(spec, row, rec)
                code = vals["code"]
                if code and self.dup(seen, code, row, "code", code):
                    continue
                data = {k: vals[k] for k in ("name", "country", "mode", "start_date", "end_date", "capacity",
                                             "cost_vnd") if not (k in REQUIRED[spec.name] and vals[k] in ("", None))}
                clean = self.clean(row, clean_class_fields, data, {"dates_out_of_order": "end_date"})
                programme = self.programmes.get(vals["programme_code"]) if vals["programme_code"] else None
                if vals["programme_code"] and programme is None:
                    self.err(row, "programme_code", "unknown_programme", code=vals["programme_code"])
                unit = self._unit(row, "organizer_unit_code", vals["organizer_unit_code"]) if vals["organizer_unit_code"] else None
                if unit is not None and not self.covers(unit.path):
                    self.err(row, "organizer_unit_code", "out_of_scope", code=vals["organizer_unit_code"])
                    unit = None
                if not ok or clean is None or programme is None or unit is None:
                    continue
                old = classes.get(code)
                if old is not None and not self.covers(old.organizer_path):
                    self.err(row, "code", "out_of_scope", code=code)
                    continue
                if old is not None and clean["capacity"] is not None and clean["capacity"] < old.seats:
                    self.err(row, "capacity", "capacity_below_enrolled", capacity=clean["capacity"], enrolled=old.seats)
                    continue
                if not may:
                    self.err(row, "code", "not_allowed_sheet", sheet="classes")
                    continue
                clean["name"] = clean["name"] or programme[1]
                clean["search_key"] = _fold_clean(clean["name"])
                clean["programme_id"] = programme[0]
                clean["organizer_unit_id"] = unit.id
                clean["institution_id"] = (self._institution(vals["institution"], partner=False, country="VN",
                                                             new=new_institutions) if vals["institution"] else None)
                clean["partner_id"] = (self._institution(vals["partner"], partner=True, country=clean["country"],
                                                         new=new_institutions) if vals["partner"] else None)
                valid.append((row, code, clean, unit))
            inst_table.insert(new_institutions)
            if not valid:
                continue
            existing = {c: rest for c, *rest in TrainingClass.objects.filter(
                code__in=[x[1] for x in valid]).values_list("code", "id", *self.CLASS_FIELDS)}
            new_rows = [x for x in valid if x[1] not in existing]
            ids = iter(table.pool.take(len(new_rows)))
            inserts, updates = [], []
            for _row, code, clean, unit in valid:
                new = tuple(clean[k] for k in self.CLASS_FIELDS)
                old = existing.get(code)
                if old is None:
                    pk = next(ids)
                    inserts.append((pk, code, self._class_status(clean), 0, *new))
                    classes[code] = ClassRef(code, pk, clean["programme_id"], clean["capacity"], 0, unit.path)
                    self.new_classes.add(pk)
                    self.report.count("classes", "created")
                elif tuple(old[1:]) != new:
                    updates.append((*new, old[0]))
                    ref = classes[code]
                    ref.programme_id, ref.capacity, ref.organizer_path = clean["programme_id"], clean["capacity"], unit.path
                    self.changed_classes.add(old[0])
                    self.report.count("classes", "updated")
                else:
                    self.report.count("classes", "unchanged")
            table.insert(inserts)
            table.update(list(self.CLASS_FIELDS), updates)

    def _class_status(self, clean: dict[str, Any]) -> str:
        """A new class's status follows its dates (the sheet has no status column)."""
        if clean["end_date"] < self.today:
            return ClassStatus.FINISHED
        if clean["start_date"] <= self.today:
            return ClassStatus.RUNNING
        return ClassStatus.PLANNED

    # --- enrolments -----------------------------------------------------------------------------
    def _import_enrolments(self, spec: schema.SheetSpec, records: Iterator[Record]) -> None:
        classes = self._load_classes()
        # Duplicate (class, person) pairs: inside a chunk through `seen`; across chunks through
        # the enrolment's id, as a row written or matched by an earlier chunk is in the database
        # by then. `row_of_id[id]` holds the row that wrote or matched enrolment `id`: 4 bytes per
        # enrolment instead of a dict entry per row (≈100 bytes, 300 MB for 3M rows).
        row_of_id = array("I")
        unwritten: dict[int, int] = {}  # pairs of rows refused after validation (class full)
        may = self.actor.can(Action.MANAGE_CLASSES) or self.actor.can(Action.RECORD_RESULTS)
        fields = ["status", "score", "completed_on", "certificate_no"]
        table = self.table(Enrolment, ["id", "training_class_id", "person_id", *fields])
        affected_classes: set[int] = set()
        grants = {pk: (d, lv, lang) for pk, d, lv, lang in Programme.objects.exclude(grants_dimension="").values_list(
            "id", "grants_dimension", "grants_level", "grants_language")}
        statuses = frozenset(EnrolmentStatus.values)
        prepare = self.prepare
        COMPLETED = str(EnrolmentStatus.COMPLETED)  # noqa: N806
        limits = self.limits["enrolments"]
        code_limit, certificate_limit = limits.get("person_code", 40), limits.get("certificate_no", 64)
        # (status, score, completed_on) cells → their values, for the fast path below.
        parts: dict[tuple[str, str, str], tuple[str, Decimal | None, dt.date | None] | None] = {}
        note = self.enrolment_changes.add
        # A created enrolment's change, appended inline (the common case of a large load).
        change_pairs, change_codes = self.enrolment_changes.pairs.append, self.enrolment_changes.codes.append
        created_code = {status: EnrolmentChanges.code(None, status) for status in statuses}
        # Inserted rows carry the columns the importer does not know (their defaults) already.
        extra = tuple(table.extra_values)
        city_wide = self.actor.is_city_wide
        for chunk in _chunks(records, CHUNK):
            self._resolve_people(rec["person_code"] for _, rec in chunk if isinstance(rec["person_code"], str))
            valid = []
            seen: dict[int, int] = {}
            people = self.people
            # A city-wide actor covers every unit: no call per row.
            covers = _covers_all if self.actor.is_city_wide else self.actor.covers_unit_path
            for row, rec in chunk:
                # Fast path: a row of text cells (CSV; text cells of an xlsx) whose every value
                # passes. It applies the same conversions and rules as the full path below, with
                # the status/score/date combination memoised; a row it does not accept outright
                # goes through the full path, which reports exactly what is wrong with it.
                klass_code, person_code = rec["class_code"], rec["person_code"]
                cells = (rec["status"], rec["score"], rec["completed_on"])
                certificate = rec["certificate_no"]
                if may and type(klass_code) is str and type(person_code) is str and type(certificate) is str \
                        and type(cells[0]) is str and type(cells[1]) is str and type(cells[2]) is str:
                    part = parts.get(cells, INVALID)
                    if part is INVALID:
                        if len(parts) > 50_000:
                            parts.clear()
                        part = parts[cells] = _enrolment_parts(*cells, statuses, COMPLETED)
                    klass = classes.get(klass_code.strip())
                    person_code = person_code.strip()
                    person = people.get(person_code) if len(person_code) <= code_limit else None
                    certificate = certificate.strip()
                    if part is not None and klass is not None and person is not None \
                            and (city_wide or covers(person.path)) \
                            and len(certificate) <= certificate_limit:
                        pair = (klass.id << 32) | person.id
                        if pair not in seen:
                            seen[pair] = row
                            valid.append((row, klass, person.id, pair, (*part, certificate), person_code))
                            continue
                vals, ok = prepare(spec, row, rec)
                if not ok:
                    continue
                # Checked inline rather than through check_choice/_person/dup: this loop runs once
                # per enrolment, and the happy path should raise and allocate nothing extra.
                status = vals["status"]
                if status not in statuses:
                    status = status.upper()
                if status not in statuses:
                    ok = False
                    self.err(row, "status", "unknown_choice", value=vals["status"], allowed=", ".join(EnrolmentStatus.values))
                    status = ""
                try:
                    score = _score(vals["score"])
                except v.FieldError as exc:
                    ok = False
                    self.err(row, "score", exc.code, **exc.params)
                try:
                    completed_on = _date(vals["completed_on"])
                except v.FieldError as exc:
                    ok = False
                    self.err(row, "completed_on", exc.code, **exc.params)
                    completed_on = INVALID
                if status == COMPLETED and completed_on is None:
                    ok = False
                    self.err(row, "completed_on", "completed_on_required")
                klass = classes.get(vals["class_code"])
                if klass is None:
                    ok = False
                    self.err(row, "class_code", "unknown_class", code=vals["class_code"])
                person = people.get(vals["person_code"])
                if person is None or not covers(person.path):
                    # Outside the importer's scope is the same as missing (no leak of who exists).
                    self.err(row, "person_code", "unknown_person", code=vals["person_code"])
                    continue
                if not ok or klass is None:
                    continue
                pair = (klass.id << 32) | person.id
                first = seen.get(pair)
                if first is not None:
                    self.err(row, "person_code", "duplicate_key", first_row=first,
                             key=f"{vals['class_code']}/{vals['person_code']}")
                    continue
                seen[pair] = row
                if not may:
                    self.err(row, "class_code", "not_allowed_sheet", sheet="enrolments")
                    continue
                valid.append((row, klass, person.id, pair, (status, score, completed_on, vals["certificate_no"]),
                              vals["person_code"]))
            if not valid:
                continue
            # By person only, the classes filtered here: with both IN lists PostgreSQL probed the
            # class index, which for the classes of a large load holds every enrolment written so
            # far (each chunk re-read them: quadratic in the load).
            # Only the (id, class, person) of their enrolments cross to Python, in plain SQL; the
            # values of the chunk's own pairs are then read by id through the ORM. A chunk can name
            # thousands of people whose other enrolments are written already (a workbook whose
            # enrolments come class by class, as the export writes them): converting all of those
            # through the ORM was most of an export's re-import into an empty database.
            existing: dict[int, tuple[int, list[Any]]] = {}
            found = _existing_pairs({x[2] for x in valid}, {x[3] for x in valid})
            if found:
                pair_of = {pk: pair for pair, pk in found.items()}
                for pk, *rest in Enrolment.objects.filter(pk__in=list(pair_of)).values_list("id", *fields):
                    existing[pair_of[pk]] = (pk, rest)
            new_count = sum(1 for x in valid if x[3] not in existing and x[3] not in unwritten) \
                if existing or unwritten else len(valid)
            new_ids = table.pool.take(new_count)
            if new_ids:
                _room(row_of_id, new_ids[-1])  # for every id of the chunk: assigned inline below
            ids = iter(new_ids)
            inserts, updates, completions = [], [], []
            created = unchanged = updated = 0
            changed_people, changed_classes = self.changed_people, self.changed_classes
            for row, klass, pid, pair, new, person_code in valid:
                old = existing.get(pair)
                first = (row_of_id[old[0]] if old[0] < len(row_of_id) else 0) if old else unwritten.get(pair)
                if first:
                    self.err(row, "person_code", "duplicate_key", first_row=first, key=f"{klass.code}/{person_code}")
                    continue
                old_status = old[1][0] if old else None
                delta = (new[0] in SEATS) - (old_status in SEATS)
                if delta > 0 and klass.capacity is not None and klass.seats + delta > klass.capacity:
                    self.err(row, "class_code", "class_full", code=klass.code,
                             capacity=klass.capacity)
                    if old is None:
                        unwritten[pair] = row
                    else:
                        _mark(row_of_id, old[0], row)
                    continue
                klass.seats += delta
                if old is None:
                    pk = next(ids)
                    inserts.append((pk, klass.id, pid, *new, *extra))
                    row_of_id[pk] = row
                    created += 1
                    change_pairs(pair)
                    change_codes(created_code[new[0]])
                elif all(_same(a, b) for a, b in zip(old[1], new, strict=True)):
                    _mark(row_of_id, old[0], row)
                    unchanged += 1
                    continue
                else:
                    pk = old[0]
                    _mark(row_of_id, pk, row)
                    updates.append((*new, pk))
                    updated += 1
                    note(pair, old_status, new[0])
                affected_classes.add(klass.id)
                # _note_enrolment_change, inline (once per changed enrolment).
                self.changed_enrolments += 1
                changed_people.add(pid)
                changed_classes.add(klass.id)
                if new[0] == EnrolmentStatus.COMPLETED and old_status != EnrolmentStatus.COMPLETED \
                        and klass.programme_id in grants:
                    completions.append((pid, pk, grants[klass.programme_id], new[2], new[3], klass.id))
            self.report.count("enrolments", "created", created)
            self.report.count("enrolments", "updated", updated)
            self.report.count("enrolments", "unchanged", unchanged)
            table.insert_complete(inserts)
            table.update(fields, updates)
            if completions:
                self._grant(completions)
        self._recount(affected_classes, classes)

    def _note_enrolment_change(self, person_id: int, class_id: int, old: str | None, new: str | None) -> None:
        self.changed_enrolments += 1
        self.enrolment_changes.add((class_id << 32) | person_id, old, new)
        self.changed_people.add(person_id)
        self.changed_classes.add(class_id)

    def _grant(self, completions: list[tuple[int, int, tuple[str, str, str], dt.date, str, int]]) -> None:
        """Completion of a granting programme gives its level from the completion date unless the
        person already holds it or better (the rule of `training.services._grant_level`, here for
        a whole chunk with one lookup)."""
        held: dict[int, list[tuple[str, str, str, dt.date]]] = defaultdict(list)
        for pid, d, lv, lang, day in Credential.objects.filter(
                person_id__in={c[0] for c in completions}).values_list("person_id", "dimension", "level", "language", "issued_on"):
            held[pid].append((d, lv, lang, day))
        inserts = []
        # The issuer is the class's institution, else its organising unit (as the training service).
        issuers = {pk: inst or unit for pk, inst, unit in TrainingClass.objects.filter(
            pk__in={c[5] for c in completions}).values_list("pk", "institution__name", "organizer_unit__name")}
        for pid, enrolment_id, (dim, level, lang), day, cert, class_id in completions:
            mine = held[pid]
            covered = False
            for h_dim, h_level, h_lang, h_day in mine:
                if h_day > day and (h_dim, h_level) != (dim, level):
                    continue
                try:
                    if satisfies(h_dim, h_level, dim, level, held_language=h_lang, required_language=lang or None):
                        covered = True
                        break
                except (KeyError, ValueError):
                    continue
            if covered:
                continue
            inserts.append((pid, dim, level, lang, day, cert, enrolment_id, issuers.get(class_id, "")))
            mine.append((dim, level, lang, day))
        self.table(Credential, ["person_id", "dimension", "level", "language", "issued_on", "certificate_no",
                                "enrolment_id", "issuer"]).insert(inserts)
        self.report.granted_credentials += len(inserts)

    def _recount(self, class_ids: set[int], classes: dict[str, ClassRef]) -> None:
        """Keep each class's `enrolled` counter equal to the seats taken. A class this import
        created holds only the enrolments it wrote (no other writer sees it before the commit):
        its counter is the seats the importer counted; the others are counted in the table."""
        new = [(ref.seats, ref.id) for ref in classes.values() if ref.id in self.new_classes and ref.id in class_ids]
        if new:
            self.table(TrainingClass, ["id"]).update(["enrolled"], new)
            class_ids = class_ids - {pk for _, pk in new}
        if not class_ids:
            return
        statuses = ", ".join(f"'{s}'" for s in sorted(SEATS))
        sql = (
            "UPDATE training_trainingclass SET enrolled = (SELECT COUNT(*) FROM training_enrolment e "
            f"WHERE e.training_class_id = training_trainingclass.id AND e.status IN ({statuses}))"
        )
        with connection.cursor() as cursor:
            if len(class_ids) > 2000:
                cursor.execute(sql)
                return
            where, params = in_values("id", sorted(class_ids))
            cursor.execute(f"{sql} WHERE {where}", params)

    # --- standards ------------------------------------------------------------------------------
    def _import_standards(self, spec: schema.SheetSpec, records: Iterator[Record]) -> None:
        try:
            from cadretrain.standards.services import standard_rows_upsert, standard_rows_validate
        except ImportError:
            self.err(0, None, "standards_unavailable")
            return
        rows: list[dict[str, Any]] = []
        numbers: list[int] = []
        for row, rec in records:
            vals, ok = self.prepare(spec, row, rec)
            if ok:
                rows.append(vals)
                numbers.append(row)
        if not rows:
            return
        known = set(Position.objects.values_list("code", flat=True))
        problems = standard_rows_validate(rows, known_position_codes=known, today=self.today)
        for index, column, code, params in problems:
            self.err(numbers[index], column, code, **params)
        if problems or self.report.error_count:
            return
        if not self.actor.can(Action.MANAGE_STANDARDS):
            self.err(numbers[0], "code", "not_allowed_sheet", sheet="standards")
            return
        counts = standard_rows_upsert(actor=self.actor, rows=rows, known_position_codes=known, today=self.today)
        for key in ("created", "updated", "unchanged"):
            self.report.count("standards", key, counts.get(key, 0))

    # --- after a successful write ---------------------------------------------------------------
    def _rebuild(self) -> bool:
        """Rebuild the derived tables rather than patch them: a load that is most of the table."""
        if self.changed_enrolments <= REBUILD_THRESHOLD:
            return False
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {Enrolment._meta.db_table}")  # noqa: S608
            total = cursor.fetchone()[0]
        return self.changed_enrolments > REBUILD_SHARE * total

    def _after_write(self) -> None:
        from cadretrain.people.signals import tiers_changed
        from cadretrain.training.signals import enrolments_changed, enrolments_rebuilt

        large = self.changed_enrolments > REBUILD_THRESHOLD or self.report.rows > 50_000
        if large:
            # The tables this import wrote, analysed before the derived tables are refreshed from
            # them: with the statistics of the table before the load, PostgreSQL planned each
            # chunk of the cube's per-person refresh as a scan of every enrolment (8 s a chunk,
            # 300 chunks for 150,000 new people at L). Not the rest of the database (audit,
            # plans, …: 5 s of a 40 s import at S on a busy PostgreSQL).
            self._analyze({t.table for t in self.tables.values()})
        rebuilt = self._rebuild()
        if rebuilt:
            # The rebuild reads the tables alone: the import's own maps and list of changes
            # (tens of MB at L) are let go first rather than held through it.
            self.people, self.classes, self.changed_people = {}, None, set()
            self.enrolment_changes = EnrolmentChanges()
            enrolments_rebuilt.send(sender=None)
        elif self.changed_people or self.changed_classes:
            # The changes let the cube move by their difference when nothing else changed (the
            # people and classes named are theirs); otherwise it recomputes the units touched.
            enrolments_changed.send(sender=None, person_ids=set(self.changed_people),
                                    class_ids=set(self.changed_classes), changes=self.enrolment_changes)
        retiered = self.tier_changed - self.changed_people  # those named above are recomputed already
        if retiered and not rebuilt:  # a rebuild read every tier as it is now
            tiers_changed.send(sender=None, person_ids=retiered)
        if large and self.changed_enrolments:
            # The tables derived from enrolments (person-year periods, the report cube), which the
            # signals above refreshed.
            self._analyze(_derived_tables())

    @staticmethod
    def _analyze(tables: set[str]) -> None:
        with connection.cursor() as cursor:
            sqlite = connection.vendor == "sqlite"
            if sqlite:
                # Statistics from a sample of each index (SQLite ≥ 3.32): enough for the
                # planner, and it does not read every enrolment of a large database.
                cursor.execute(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
            try:
                for table in sorted(tables):
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
            finally:
                if sqlite:
                    cursor.execute("PRAGMA analysis_limit = 0")


@lru_cache(maxsize=4096)
def _date_text(text: str) -> dt.date | None:
    return v.parse_date(text)


_fold_word = lru_cache(maxsize=65536)(fold)


def _code_text(value: Any) -> str:
    """A code cell as `prepare` reads it (text, trimmed), for looking codes up before the rows
    are validated."""
    return (value if type(value) is str else cell_text(value)[0]).strip()


def _fold_clean(text: str) -> str:
    """`fold` of a text that is already `clean_text` output (single spaces, NFC), word by word
    through a memo: a register of names reuses a few thousand syllables. Equal to `fold(text)`
    because every step of fold works character by character and a space is a starter that no
    combining mark reorders across."""
    return " ".join([_fold_word(word) for word in text.split(" ")])


@lru_cache(maxsize=4096)
def _date_or_text(text: str) -> dt.date | str:
    """The date a cell's text names, or the text itself when it names none (its sheet's
    validator then reports it with its usual error)."""
    try:
        return v.parse_date(text) or text
    except v.FieldError:
        return text


def _date(value: Any) -> dt.date | None:
    """`parse_date` memoised for text: a workbook repeats the same few dates thousands of times."""
    return _date_text(value) if type(value) is str else v.parse_date(value)


@lru_cache(maxsize=4096)
def _score(value: str) -> Decimal | None:
    return v.parse_score(value)


def _derived_tables() -> set[str]:
    """Tables kept up to date from enrolments by their owners' signal handlers."""
    from django.apps import apps

    models = [*apps.get_app_config("reports").get_models(), apps.get_model("training", "PersonYearPeriods")]
    return {m._meta.db_table for m in models if m._meta.managed and not m._meta.proxy}


_STATUS_CODES: tuple[str | None, ...] = (None, *(str(s) for s in EnrolmentStatus.values))
_CODE_OF = {status: code for code, status in enumerate(_STATUS_CODES)}


class EnrolmentChanges:
    """The enrolments an import changed, for `refresh_cube(changes=...)`: (person, class, old
    status, new status) each, kept in 9 bytes (the pair as class << 32 | person, both statuses in
    one byte) rather than a tuple of ~150 bytes: a large import changes millions."""

    __slots__ = ("codes", "pairs")

    def __init__(self) -> None:
        self.pairs = array("Q")
        self.codes = array("B")

    def add(self, pair: int, old: str | None, new: str | None) -> None:
        self.pairs.append(pair)
        self.codes.append(self.code(old, new))

    @staticmethod
    def code(old: str | None, new: str | None) -> int:
        """The byte `add` stores for a change from `old` to `new`."""
        return _CODE_OF[old] << 4 | _CODE_OF[new]

    def __len__(self) -> int:
        return len(self.pairs)

    def __iter__(self) -> Iterator[tuple[int, int, str | None, str | None]]:
        names = _STATUS_CODES
        for pair, code in zip(self.pairs, self.codes, strict=True):
            yield pair & 0xFFFFFFFF, pair >> 32, names[code >> 4], names[code & 15]


def _credential_label(person_code: str, key: tuple[int, str, str, dt.date]) -> str:
    """A credential's key as a duplicate's error names it: code/dimension/level/issued on."""
    return f"{person_code}/{key[1]}/{key[2]}/{key[3]}"


def _mark(rows: array, index: int, row: int) -> None:
    """rows[index] = row, growing the array (in steps, zero-filled) as needed."""
    _room(rows, index)
    rows[index] = row


def _room(rows: array, index: int) -> None:
    """Grow the array (in steps, zero-filled) so that rows[index] exists."""
    if index >= len(rows):
        rows.frombytes(bytes(rows.itemsize * (index + 1 - len(rows) + 65_536)))


def _existing_pairs(people: set[int], pairs: set[int]) -> dict[int, int]:
    """pair (class << 32 | person) → id of the enrolments among `pairs` that exist, looked up by
    person only (`_import_enrolments` says why not by class as well)."""
    found: dict[int, int] = {}
    where, params = in_values("person_id", sorted(people))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, training_class_id, person_id FROM {Enrolment._meta.db_table} "  # noqa: S608
                       f"WHERE {where}", params)
        # Row by row, not fetchall(): a chunk's leaders hold hundreds of enrolments each, and a
        # list of every (id, class, person) triple was a 60 MB spike at L.
        for pk, cid, pid in cursor:
            pair = (cid << 32) | pid
            if pair in pairs:
                found[pair] = pk
    return found


def _covers_all(path: str) -> bool:
    return True


def _enrolment_parts(status: str, score: str, completed_on: str, statuses: frozenset[str],
                     completed: str) -> tuple[str, Decimal | None, dt.date | None] | None:
    """(status, score, completed_on) of an enrolment row's text cells as the full path makes
    them (`prepare`, then the checks of `_import_enrolments`), or None when any of them would be
    reported there (the row then takes the full path)."""
    status = status.strip()
    if not status:
        return None
    if status not in statuses:
        status = status.upper()
        if status not in statuses:
            return None
    try:
        value = _score(score.strip())
        day = completed_on.strip()
        day = _date(_date_or_text(day) if day else day)
    except v.FieldError:
        return None
    if status == completed and day is None:
        return None
    return status, value, day


def _column_of(code: str, columns: dict[str, str]) -> str | None:
    return columns.get(code)
