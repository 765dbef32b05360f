"""Set-based writes for the importer: id reservation, inserts through `core.bulk.bulk_insert`
(executemany on SQLite, COPY on PostgreSQL) and batched UPDATEs by primary key.

Inserts name every concrete column of the model and fill the ones the importer does not know
with the field's Python default, so a field added to a model later (with a default) does not
break the importer."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from django.db import connection, models
from django.utils import timezone

from cadretrain.core.bulk import bulk_insert


def references_resolved_by_caller() -> AbstractContextManager[None]:
    """SQLite: run the transaction opened inside this block without foreign-key enforcement,
    for a caller that resolves every reference it writes itself (the importer looks each code up
    and draws new ids from its pools). SQLite's check is a lookup in the parent table per
    reference of every written row: for 3 million enrolments (person, class) it was a fifth of
    their insert time at L. Nothing can delete a resolved row meanwhile: the import's IMMEDIATE
    transaction holds SQLite's only write lock from its BEGIN to its end.

    PostgreSQL always checks (turning its checks off needs a superuser)."""
    return _sqlite_pragmas(foreign_keys="OFF")


def sorts_spill_to_disk() -> AbstractContextManager[None]:
    """SQLite: let the transaction opened inside this block spill its large sorts and temporary
    tables to temporary files, as SQLite does by default, instead of keeping them in memory as
    the connection's settings ask (right for a request's small sorts). Rebuilding the report
    tables after a first load of 3 million enrolments grew SQLite's memory by about 180 MB on top
    of what the import held (the summary cube's rebuild: +197 MB of process memory against +4 MB
    spilled); spilled, a sort keeps at most the page cache's size (64 MB) in memory."""
    return _sqlite_pragmas(temp_store="FILE")


@contextmanager
def _sqlite_pragmas(**pragmas: str) -> Iterator[None]:
    """Set these pragmas for the block and put their values back after it, even when it fails.
    SQLite takes neither inside a transaction: a caller already in one (a test's, an outer
    atomic block) keeps the connection's settings."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        before = {}
        for name, value in pragmas.items():
            cursor.execute(f"PRAGMA {name}")
            before[name] = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA {name} = {value}")
    try:
        yield
    finally:
        if connection.connection is not None:
            with connection.cursor() as cursor:
                for name, value in before.items():
                    cursor.execute(f"PRAGMA {name} = {value}")


class IdPool:
    """Primary keys handed out before inserting, so that new rows can reference each other (unit
    paths, assignments of new people) without reading them back. PostgreSQL draws from the
    sequence (safe beside concurrent writers); SQLite takes MAX(id)+1 under the import's
    IMMEDIATE transaction, which already holds the write lock."""

    def __init__(self, model: type[models.Model]) -> None:
        self.table = model._meta.db_table
        self.next: int | None = None
        self.sequence: str | None = None

    def take(self, n: int) -> list[int]:
        if n <= 0:
            return []
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # The sequence's name is looked up once per pool: written inside nextval() (or
                # in a subquery, which the planner pulls up) it was looked up again for every id
                # (0.35–0.65 s against 0.06 s for 150,000 ids).
                if self.sequence is None:
                    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [self.table])
                    self.sequence = cursor.fetchone()[0]
                cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [self.sequence, n])
                return [row[0] for row in cursor.fetchall()]
            if self.next is None:
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {self.table}")  # noqa: S608
                top = cursor.fetchone()[0]
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [self.table])
                seq = cursor.fetchone()
                self.next = max(top, seq[0] if seq else 0) + 1
        first = self.next
        self.next += n
        return list(range(first, first + n))


class Table:
    """Insert/update helper for one model's table."""

    def __init__(self, model: type[models.Model], fields: Sequence[str]) -> None:
        """`fields`: the attnames the importer supplies, in the order of its row tuples."""
        self.model = model
        self.table = model._meta.db_table
        self.fields = list(fields)
        concrete = list(model._meta.concrete_fields)
        known = set(self.fields)
        self.extra_columns: list[str] = []
        self.extra_values: list[Any] = []
        for f in concrete:
            if f.attname in known or (f.primary_key and f.get_internal_type() in (
                    "AutoField", "BigAutoField", "SmallAutoField")):
                continue
            self.extra_columns.append(f.column)
            self.extra_values.append(_default(f))
        self.columns = [model._meta.get_field(_name(model, a)).column for a in self.fields]
        self.pool = IdPool(model)

    def insert(self, rows: Iterable[Sequence[Any]]) -> int:
        extra = tuple(self.extra_values)
        if extra:
            rows = (tuple(r) + extra for r in rows)
        return bulk_insert(self.table, self.columns + self.extra_columns, rows)

    def insert_complete(self, rows: Iterable[Sequence[Any]]) -> int:
        """Like `insert`, for rows that end with `extra_values` already (a hot loop appends them
        as it builds each row rather than having every row copied once more here)."""
        return bulk_insert(self.table, self.columns + self.extra_columns, rows)

    def update(self, fields: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
        """`rows`: (value per field..., id). One executemany per call."""
        if not rows:
            return 0
        cols = [self.model._meta.get_field(_name(self.model, a)).column for a in fields]
        sets = ", ".join(f"{c} = %s" for c in cols)
        with connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {self.table} SET {sets} WHERE id = %s", rows)  # noqa: S608
        return len(rows)


def _name(model: type[models.Model], attname: str) -> str:
    for f in model._meta.concrete_fields:
        if f.attname == attname:
            return f.name
    return attname


def _default(field: models.Field) -> Any:
    if getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
        # Adapted once here rather than by the driver for every row.
        return field.get_db_prep_save(timezone.now(), connection)
    if field.has_default():
        value = field.get_default()
    elif field.null:
        value = None
    elif field.get_internal_type() in ("CharField", "TextField", "EmailField", "URLField", "SlugField"):
        value = ""
    else:
        value = None
    return field.get_db_prep_save(value, connection) if value is not None else None
