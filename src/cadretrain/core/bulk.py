"""Set-based writes shared by the demo generator, the importer and the benchmarks.

The ORM row by row is 30× slower than raw executemany on SQLite and COPY is 9× faster than
executemany on PostgreSQL (reference/performance.md §3.1, §3.3), so bulk paths use these."""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from typing import Any

from django.db import connection


def _chunks(rows: Iterable[Sequence[Any]], size: int) -> Iterable[list[Sequence[Any]]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def bulk_insert(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], *, batch: int = 20_000) -> int:
    """Insert rows into `table` as fast as the backend allows (COPY on PostgreSQL, executemany on
    SQLite). Runs in the caller's transaction; returns the number of rows written."""
    cols = ", ".join(columns)
    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    written += 1
            return written
        placeholders = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {table} ({cols}) VALUES ({placeholders})"
        for chunk in _chunks(rows, batch):
            cursor.executemany(sql, chunk)
            written += len(chunk)
    return written


def in_values(column: str, values: Sequence[int | str]) -> tuple[str, list[Any]]:
    """`column IN values` as SQL with one parameter whatever the number of values: `= ANY(%s)` on
    PostgreSQL, a `json_each` of the values on SQLite. A placeholder per value makes each list
    length a new statement text, and the driver keeps its last 128 statements prepared: with
    thousands of values each, that cache held up to 55 MB more SQLite memory through an import
    of 3 million enrolments (160 MB against 105 MB, measured)."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(values)]
    return f"{column} IN (SELECT value FROM json_each(%s))", [json.dumps(list(values))]


def enrolment_ranges(cursor, per_range: int) -> Iterator[tuple[int, int]]:  # type: ignore[no-untyped-def]
    """[start, end) ranges of person ids covering every enrolment, each holding about `per_range`
    enrolments (a person's are never split). Rebuilds go range by range to bound their sorts: by
    a fixed number of people, the first 5,000 ids of the L demo (its leaders) held 577,000
    enrolments, and that one statement's sorts grew SQLite's memory by 130 MB. Each boundary is
    read from the person index, `per_range` entries on."""
    cursor.execute("SELECT MIN(person_id), MAX(person_id) FROM training_enrolment", [])
    low, high = cursor.fetchone()
    if low is None:
        return
    start = low
    while start <= high:
        cursor.execute("SELECT person_id FROM training_enrolment WHERE person_id >= %s ORDER BY person_id "
                       "LIMIT 1 OFFSET %s", [start, per_range])
        row = cursor.fetchone()
        end = high + 1 if row is None else max(row[0], start + 1)
        yield start, end
        start = end


def reset_sequence(table: str, column: str = "id") -> None:
    """After inserting explicit ids on PostgreSQL, move the id sequence past the maximum."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, %s), COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)",
            [table, column],
        )


def analyze() -> None:
    """Refresh planner statistics after a large load (PostgreSQL: 29 s vs 0.9 s measured)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


_pause_lock = threading.Lock()
_pauses = 0
_was_enabled = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """Suspend Python's cyclic garbage collector for a bulk load (reference counting still frees
    everything that is not a cycle). A load allocates a few containers per row and keeps some
    (the importer's code → person map): the collector's full passes re-walk every live object
    each time, 0.6–0.8 s of a 5.5 s CPU import of 150,000 people in a fresh process and more in
    a long-lived one with a large heap. The collector is process-wide: overlapping pauses
    (threads) count, and the last to finish restores it as it was."""
    global _pauses, _was_enabled
    with _pause_lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()
