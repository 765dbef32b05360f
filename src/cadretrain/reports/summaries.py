"""Keeping the summary cube (SummaryCell, LearnerCell) equal to the raw enrolments.

One enrolment changed (the `enrolments_changed` signal names one person and one class, as an
enrolment POST sends): the person's PersonCell rows of the class's year — their enrolment counts
per programme × Viet Nam/abroad — are recomputed from their own few enrolments and compared with
the stored ones; the unit and city rows move by the difference (~15 statements whatever the
unit's size). See `_refresh_one_enrolment` for when that does not apply.

Otherwise the granularity is (unit, year): a change recomputes every cube row of the learner
units × class years it touches (one SELECT per table and year), writes the rows that differ, and
moves the city-wide rows (unit NULL) by the difference. Which (unit, year) pairs a change touches
is read from the `enrolments_changed` kwargs:

* person_ids and class_ids — the enrolments of these people in these classes changed (created,
  status changed, deleted): units of those people × years of those classes;
* class_ids only — the classes themselves changed (date, programme, country) or were created:
  units of all their learners × the classes' years;
* person_ids only — the people changed (transfer to another unit): their units × every year
  they have enrolments in.

A bulk writer that names every enrolment it changed with its old and new status (`changes`, the
importer) has the cube moved by the difference instead (`_refresh_changes`): its cost follows the
changes, not the size of the units they touch.

"Units" means the person's current unit *and* the unit the cube filed them under (CubePerson),
"years" the class's current year *and* the year it was filed under (CubeClass), so transfers and
moved classes leave nothing stale behind. A test drives random sequences of changes and checks
the cube against a from-scratch recomputation.

Distinct counts. Enrolments and completions add up along every axis; distinct people and
distinct classes do not. The cube is keyed by the learner's *current* unit, and every person has
exactly one, so distinct learners add up over units (a subtree's learners = the sum of its
units') but not over programmes or years: LearnerCell therefore keeps exact distinct learners per
(unit, year, series) for the dashboard's series (kind, political theory by level, ABROAD, ALL)
and for each `report summary` row ("K:<kind>:<level>"), and the dashboard shows distinct
learners per year only (a period total would need a scan; it shows attendances instead).
Distinct classes add up over years and programmes but not over units (a class mixes units): the
city rows (unit NULL) hold every class, and a unit subtree's classes are counted at request time
from the classes of the period (start-date index), exactly as the drill-down list selects them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence

from django.db import connection, transaction

CHUNK = 500

# Dashboard series of a programme (and class country): political theory split by level, the
# other kinds as they are, plus ABROAD and ALL (handled where learners are counted).
SERIES_SQL = (
    "CASE WHEN p.kind = 'POLITICAL_THEORY' AND p.grants_level IN "
    "('CAO_CAP', 'CU_NHAN', 'CAO_CAP_LLCT_HANH_CHINH') THEN 'LLCT_CAO_CAP' "
    "WHEN p.kind = 'POLITICAL_THEORY' AND p.grants_level = 'TRUNG_CAP' THEN 'LLCT_TRUNG_CAP' "
    "ELSE p.kind END"
)


# The summary row of a programme: "K:<kind>:<grants_level>" (|| concatenates on both backends).
KEY_SQL = "('K:' || p.kind || ':' || p.grants_level)"


def year_sql(column: str = "c.start_date") -> str:
    """SQL for the calendar year of a date column (params are always passed, so %% is %)."""
    if connection.vendor == "postgresql":
        return f"CAST(EXTRACT(YEAR FROM {column}) AS INTEGER)"
    return f"CAST(strftime('%%Y', {column}) AS INTEGER)"


def _abroad_sql() -> str:
    return "(c.country <> 'VN')"


def _marks(values: Sequence[object]) -> str:
    return ", ".join(["%s"] * len(values))


def _chunks(values: Iterable[int], size: int = CHUNK) -> Iterable[list[int]]:
    items = sorted(set(values))
    for start in range(0, len(items), size):
        yield items[start : start + size]


STATUS_SUMS = """
    COUNT(DISTINCT CASE WHEN e.status <> 'WITHDRAWN' THEN c.id END),
    COUNT(DISTINCT CASE WHEN e.status <> 'WITHDRAWN' THEN e.person_id END),
    SUM(CASE WHEN e.status <> 'WITHDRAWN' THEN 1 ELSE 0 END),
    SUM(CASE WHEN e.status = 'NOMINATED' THEN 1 ELSE 0 END),
    SUM(CASE WHEN e.status = 'ENROLLED' THEN 1 ELSE 0 END),
    SUM(CASE WHEN e.status = 'COMPLETED' THEN 1 ELSE 0 END),
    SUM(CASE WHEN e.status = 'FAILED' THEN 1 ELSE 0 END),
    SUM(CASE WHEN e.status = 'WITHDRAWN' THEN 1 ELSE 0 END),
    SUM(CASE WHEN e.status = 'COMPLETED' THEN p.periods ELSE 0 END)
"""
CELL_COLUMNS = ("unit_id, year, programme_id, abroad, classes, learners, enrolments, nominated, "
                "enrolled, completed, failed, withdrawn, periods")
FROM_RAW = """
    FROM training_enrolment e
    JOIN people_person pe ON pe.id = e.person_id
    JOIN training_trainingclass c ON c.id = e.training_class_id
    JOIN catalogue_programme p ON p.id = c.programme_id
"""


SUMS = ("classes", "learners", "enrolments", "nominated", "enrolled", "completed", "failed", "withdrawn",
        "periods")
_ZEROS = (0,) * len(SUMS)

Cells = dict[tuple[int, int, int, bool], tuple[int, ...]]
Learners = dict[tuple[int, int, str], int]


Filing = tuple[int, int, bool]  # (year, programme, abroad) of a class in the cube


def _enrolments_by_person(cursor) -> str:  # type: ignore[no-untyped-def]
    """FROM item for reading all enrolments in person order with their status and class.

    Without statistics SQLite prefers the narrower (person, class) index and then fetches every
    table row for the status (random reads, ~8x slower at 3M enrolments): name a covering index
    when one exists."""
    if connection.vendor != "sqlite":
        return "training_enrolment e"
    constraints = connection.introspection.get_constraints(cursor, "training_enrolment")
    for name, info in sorted(constraints.items()):
        columns = info.get("columns") or []
        if (info.get("index") and columns[:1] == ["person_id"]
                and {"status", "training_class_id"} <= set(columns)):
            return f'training_enrolment e INDEXED BY "{name}"'
    return "training_enrolment e"


# --- full rebuild --------------------------------------------------------------------------------
#
# The full rebuild reads 10^6–10^7 enrolments, so it is set-based in stages over temporary tables
# instead of reusing the per-(unit, year) refresh: per-row expressions (the year of a date, the
# series CASE) are computed once per class, not once per enrolment (×4 for the series), and the
# distinct counts are taken over the pre-aggregated (person, year, programme, abroad) rows, which
# are kept (PersonCell). A one-pass Python rebuild computing every table from one read of the
# enrolments was measured too: ~2x slower at L (3M rows, ~10 µs of Python per row).


def _refresh_city_rows(cursor, years: Sequence[int]) -> None:  # type: ignore[no-untyped-def]
    """City-wide rows of these years: unit rows summed (learners are summable over units) plus
    every class started in the year, joined or not."""
    marks = _marks(years)
    cursor.execute(f"DELETE FROM reports_summarycell WHERE unit_id IS NULL AND year IN ({marks})", list(years))
    cursor.execute(f"DELETE FROM reports_learnercell WHERE unit_id IS NULL AND year IN ({marks})", list(years))
    year = year_sql()
    cursor.execute(
        f"""INSERT INTO reports_summarycell ({CELL_COLUMNS})
        SELECT NULL, year, programme_id, abroad, SUM(classes), SUM(learners), SUM(enrolments),
               SUM(nominated), SUM(enrolled), SUM(completed), SUM(failed), SUM(withdrawn), SUM(periods)
        FROM (
            SELECT year, programme_id, abroad, 0 AS classes, learners, enrolments, nominated,
                   enrolled, completed, failed, withdrawn, periods
            FROM reports_summarycell WHERE unit_id IS NOT NULL AND year IN ({marks})
            UNION ALL
            SELECT {year}, c.programme_id, {_abroad_sql()}, 1, 0, 0, 0, 0, 0, 0, 0, 0
            FROM training_trainingclass c WHERE {year} IN ({marks})
        ) x GROUP BY year, programme_id, abroad""",
        [*years, *years],
    )
    cursor.execute(
        f"""INSERT INTO reports_learnercell (unit_id, year, series, learners)
        SELECT NULL, year, series, SUM(learners) FROM reports_learnercell
        WHERE unit_id IS NOT NULL AND year IN ({marks}) GROUP BY year, series""",
        list(years),
    )


def _temp_table(cursor, name: str, columns: str, *, key: str) -> None:  # type: ignore[no-untyped-def]
    cursor.execute(f"DROP TABLE IF EXISTS {name}", [])
    if connection.vendor == "sqlite":
        # Clustered on the key: GROUP BY output goes in in key order and later scans use it.
        cursor.execute(f"CREATE TEMP TABLE {name} ({columns}, PRIMARY KEY ({key})) WITHOUT ROWID", [])
    else:
        cursor.execute(f"CREATE TEMP TABLE {name} ({columns}, PRIMARY KEY ({key}))", [])


def _analyze_temp(cursor, *names: str) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL never auto-analyses temporary tables: without statistics the joins on them
    were planned as nested loops."""
    if connection.vendor == "postgresql":
        for name in names:
            cursor.execute(f"ANALYZE {name}", [])


BITS = 60  # series flags per 64-bit mask word
REBUILD_TEMPS = ("cube_cls", "cube_ser", "cube_ucl", "cube_flags", "cube_uy", "cube_bits")


class _BitOr:
    """BIT_OR aggregate for SQLite (PostgreSQL has it built in)."""

    def __init__(self) -> None:
        self.value = 0

    def step(self, value: int) -> None:
        self.value |= value

    def finalize(self) -> int:
        return self.value


def _rebuild_learner_rows(cursor) -> None:  # type: ignore[no-untyped-def]
    """Distinct learners per (unit, year, series) from the (person, year, programme, abroad) rows.

    A person counts once per (year, series) however many programmes of the series they attended.
    Rather than expanding every row into its ~3 series and sorting ~3x the rows for DISTINCT, each
    (programme, abroad) gets the bit set of its series (60 bits per word); the rows of a
    (person, year), adjacent in PersonCell's key order, are OR-ed without a sort, people are counted
    per (unit, year, bit set) — a person has one unit, so the counts are distinct learners — and
    each series sums the counts of the bit sets that contain it."""
    cursor.execute("SELECT DISTINCT series FROM cube_ser ORDER BY series", [])
    series = [row[0] for row in cursor.fetchall()]
    if not series:
        return
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("bit_or", 1, _BitOr)
    words = [series[i : i + BITS] for i in range(0, len(series), BITS)]
    masks = [f"m{w}" for w in range(len(words))]
    _temp_table(cursor, "cube_flags", "programme_id BIGINT NOT NULL, abroad BOOLEAN NOT NULL, "
                + ", ".join(f"{m} BIGINT NOT NULL" for m in masks), key="programme_id, abroad")
    word_sql = ", ".join(
        "SUM(CASE " + " ".join(f"WHEN series = %s THEN {1 << bit}" for bit in range(len(word))) + " ELSE 0 END)"
        for word in words
    )
    cursor.execute(
        f"""INSERT INTO cube_flags (programme_id, abroad, {", ".join(masks)})
        SELECT programme_id, abroad, {word_sql} FROM cube_ser GROUP BY programme_id, abroad""",
        [name for word in words for name in word],
    )
    _analyze_temp(cursor, "cube_flags")
    _temp_table(cursor, "cube_uy", "unit_id BIGINT NOT NULL, year INTEGER NOT NULL, "
                + ", ".join(f"{m} BIGINT NOT NULL" for m in masks) + ", learners INTEGER NOT NULL",
                key=", ".join(["unit_id", "year", *masks]))
    cursor.execute(
        f"""INSERT INTO cube_uy (unit_id, year, {", ".join(masks)}, learners)
        SELECT pe.unit_id, y.year, {", ".join(f"y.{m}" for m in masks)}, COUNT(*)
        FROM (SELECT g.person_id AS person_id, g.year AS year,
                     {", ".join(f"BIT_OR(f.{m}) AS {m}" for m in masks)}
              FROM reports_personcell g JOIN cube_flags f ON f.programme_id = g.programme_id AND f.abroad = g.abroad
              WHERE g.enrolments > 0
              GROUP BY g.person_id, g.year) y
        JOIN people_person pe ON pe.id = y.person_id
        GROUP BY pe.unit_id, y.year, {", ".join(f"y.{m}" for m in masks)}""",
        [],
    )
    # Unpivot: the distinct bit sets are few (~6,000 at L), so each is expanded into its series here
    # and joined back; the join's rows come out in (unit, year) order for the learner key.
    cursor.execute(f"SELECT DISTINCT {', '.join(masks)} FROM cube_uy", [])
    expanded = [(*word_values, name) for word_values in cursor.fetchall()
                for i, name in enumerate(series) if (int(word_values[i // BITS]) >> (i % BITS)) & 1]
    _temp_table(cursor, "cube_bits", ", ".join(f"{m} BIGINT NOT NULL" for m in masks) + ", series VARCHAR(64) NOT NULL",
                key=", ".join([*masks, "series"]))
    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY cube_bits ({', '.join(masks)}, series) FROM STDIN") as copy:
            for row in expanded:
                copy.write_row(row)
        _analyze_temp(cursor, "cube_uy", "cube_bits")
    else:
        cursor.executemany(f"INSERT INTO cube_bits ({', '.join(masks)}, series) VALUES ({_marks([*masks, 0])})",
                           expanded)
    cursor.execute(
        f"""INSERT INTO reports_learnercell (unit_id, year, series, learners)
        SELECT u.unit_id, u.year, b.series, SUM(u.learners)
        FROM cube_uy u JOIN cube_bits b ON {" AND ".join(f"b.{m} = u.{m}" for m in masks)}
        GROUP BY u.unit_id, u.year, b.series""",
        [],
    )


def _rebuild_unit_rows(cursor) -> None:  # type: ignore[no-untyped-def]
    abroad = _abroad_sql()
    # Classes with their year, cell key and the periods a completion earns.
    _temp_table(cursor, "cube_cls", "id BIGINT NOT NULL, year INTEGER NOT NULL, programme_id BIGINT NOT NULL, "
                "abroad BOOLEAN NOT NULL, periods INTEGER NOT NULL", key="id")
    cursor.execute(
        f"""INSERT INTO cube_cls (id, year, programme_id, abroad, periods)
        SELECT c.id, {year_sql()}, c.programme_id, {abroad}, p.periods
        FROM training_trainingclass c JOIN catalogue_programme p ON p.id = c.programme_id""",
        [],
    )
    _analyze_temp(cursor, "cube_cls")
    # The learner series of each (programme, abroad): its kind series, ALL, ABROAD, its summary row.
    _temp_table(cursor, "cube_ser", "programme_id BIGINT NOT NULL, abroad BOOLEAN NOT NULL, "
                "series VARCHAR(64) NOT NULL", key="programme_id, abroad, series")
    cursor.execute(
        f"""INSERT INTO cube_ser (programme_id, abroad, series)
        SELECT DISTINCT programme_id, abroad, series FROM (
            SELECT p.id AS programme_id, {abroad} AS abroad,
                   CASE s.k WHEN 1 THEN {SERIES_SQL} WHEN 2 THEN 'ALL'
                        WHEN 3 THEN CASE WHEN {abroad} THEN 'ABROAD' END
                        ELSE {KEY_SQL} END AS series
            FROM training_trainingclass c JOIN catalogue_programme p ON p.id = c.programme_id
            CROSS JOIN (SELECT 1 AS k UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4) s
        ) x WHERE series IS NOT NULL""",
        [],
    )
    # One row per person × year × programme × abroad: the status counts of their enrolments (kept
    # as PersonCell for the single-enrolment refresh; written in key order, so append-only).
    cursor.execute(
        f"""INSERT INTO reports_personcell (person_id, year, programme_id, abroad, enrolments, nominated, enrolled,
                                completed, failed, withdrawn, periods)
        SELECT e.person_id, k.year, k.programme_id, k.abroad,
               SUM(CASE WHEN e.status <> 'WITHDRAWN' THEN 1 ELSE 0 END),
               SUM(CASE WHEN e.status = 'NOMINATED' THEN 1 ELSE 0 END),
               SUM(CASE WHEN e.status = 'ENROLLED' THEN 1 ELSE 0 END),
               SUM(CASE WHEN e.status = 'COMPLETED' THEN 1 ELSE 0 END),
               SUM(CASE WHEN e.status = 'FAILED' THEN 1 ELSE 0 END),
               SUM(CASE WHEN e.status = 'WITHDRAWN' THEN 1 ELSE 0 END),
               SUM(CASE WHEN e.status = 'COMPLETED' THEN k.periods ELSE 0 END)
        FROM {_enrolments_by_person(cursor)} JOIN cube_cls k ON k.id = e.training_class_id
        GROUP BY e.person_id, k.year, k.programme_id, k.abroad""",
        [],
    )
    # Distinct classes per unit cell: the distinct (unit, class) pairs with a counted enrolment.
    _temp_table(cursor, "cube_ucl", "unit_id BIGINT NOT NULL, year INTEGER NOT NULL, programme_id BIGINT NOT NULL, "
                "abroad BOOLEAN NOT NULL, classes INTEGER NOT NULL", key="unit_id, year, programme_id, abroad")
    cursor.execute(
        """INSERT INTO cube_ucl (unit_id, year, programme_id, abroad, classes)
        SELECT u.unit_id, k.year, k.programme_id, k.abroad, COUNT(*)
        FROM (SELECT DISTINCT pe.unit_id AS unit_id, e.training_class_id AS class_id
              FROM training_enrolment e JOIN people_person pe ON pe.id = e.person_id
              WHERE e.status <> 'WITHDRAWN') u
        JOIN cube_cls k ON k.id = u.class_id
        GROUP BY u.unit_id, k.year, k.programme_id, k.abroad""",
        [],
    )
    _analyze_temp(cursor, "cube_ucl")
    cursor.execute(
        f"""INSERT INTO reports_summarycell ({CELL_COLUMNS})
        SELECT s.unit_id, s.year, s.programme_id, s.abroad, COALESCE(u.classes, 0), s.learners, s.enrolments,
               s.nominated, s.enrolled, s.completed, s.failed, s.withdrawn, s.periods
        FROM (SELECT pe.unit_id AS unit_id, g.year AS year, g.programme_id AS programme_id, g.abroad AS abroad,
                     SUM(CASE WHEN g.enrolments > 0 THEN 1 ELSE 0 END) AS learners,
                     SUM(g.enrolments) AS enrolments, SUM(g.nominated) AS nominated, SUM(g.enrolled) AS enrolled,
                     SUM(g.completed) AS completed, SUM(g.failed) AS failed, SUM(g.withdrawn) AS withdrawn,
                     SUM(g.periods) AS periods
              FROM reports_personcell g JOIN people_person pe ON pe.id = g.person_id
              GROUP BY pe.unit_id, g.year, g.programme_id, g.abroad) s
        LEFT JOIN cube_ucl u ON u.unit_id = s.unit_id AND u.year = s.year AND u.programme_id = s.programme_id
                             AND u.abroad = s.abroad""",
        [],
    )
    _rebuild_learner_rows(cursor)
    for name in REBUILD_TEMPS:
        cursor.execute(f"DROP TABLE {name}", [])


def _secondary_indexes(cursor, table: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(name, CREATE statement) of the table's indexes that back no constraint (the cube's
    unique keys stay: rows are written in their order)."""
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
            [table, table],
        )
    else:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                       "AND sql IS NOT NULL", [table])
    return sorted((name, sql) for name, sql in cursor.fetchall())


def _index_stats(cursor, names: list[str]) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """SQLite's planner statistics (sqlite_stat1) of these indexes, if ANALYZE ever ran."""
    if connection.vendor != "sqlite" or not names:
        return []
    cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'", [])
    if cursor.fetchone() is None:
        return []
    cursor.execute(f"SELECT tbl, idx, stat FROM sqlite_stat1 WHERE idx IN ({_marks(names)})", names)
    return [tuple(r) for r in cursor.fetchall()]


@transaction.atomic
def rebuild_cube() -> None:
    """Recompute the whole cube from the raw enrolments (after bulk loads)."""
    with connection.cursor() as cursor:
        # Secondary indexes are dropped while the rows go in and built again after (one sort each
        # instead of ~10^6 random B-tree inserts); the transaction keeps them invisible meanwhile.
        dropped = [x for table in ("reports_summarycell", "reports_learnercell")
                   for x in _secondary_indexes(cursor, table)]
        stats = _index_stats(cursor, [name for name, _ in dropped])
        for name, _ in dropped:
            cursor.execute(f'DROP INDEX "{name}"', [])
        tables = ("reports_summarycell", "reports_learnercell", "reports_cubeperson", "reports_cubeclass",
                  "reports_personcell")
        if connection.vendor == "postgresql":
            # (The cube tables have no FK constraints, hence no pending trigger events that
            # would make TRUNCATE or CREATE INDEX refuse them inside the caller's transaction.)
            cursor.execute(f"TRUNCATE {', '.join(tables)}", [])
            # The default 4 MB makes the rebuild's sorts and hash aggregates over ~10^6 rows spill
            # to disk; for this transaction only.
            cursor.execute("SET LOCAL work_mem = '256MB'", [])
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}", [])
        _rebuild_unit_rows(cursor)
        cursor.execute(
            "INSERT INTO reports_cubeperson (person_id, unit_id) SELECT pe.id, pe.unit_id FROM people_person pe "
            "WHERE EXISTS (SELECT 1 FROM training_enrolment e WHERE e.person_id = pe.id)",
            [],
        )
        cursor.execute(
            f"INSERT INTO reports_cubeclass (training_class_id, year, programme_id, abroad) "
            f"SELECT c.id, {year_sql()}, c.programme_id, {_abroad_sql()} FROM training_trainingclass c",
            [],
        )
        cursor.execute(f"SELECT DISTINCT {year_sql()} FROM training_trainingclass c", [])
        years = sorted(row[0] for row in cursor.fetchall())
        if years:
            _refresh_city_rows(cursor, years)
        for _, ddl in dropped:
            cursor.execute(ddl, [])
        if connection.vendor == "postgresql":
            # Fresh statistics for the dashboards' plans (TRUNCATE left the planner with none).
            cursor.execute("ANALYZE reports_summarycell, reports_learnercell, reports_personcell", [])
        if stats:
            # SQLite forgets a dropped index's statistics: put them back (same data shape) so
            # the dashboards' plans do not change after a rebuild, and reload them.
            cursor.executemany("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (%s, %s, %s)", stats)
            cursor.execute("ANALYZE sqlite_schema", [])


PERSON_SUMS = ("enrolments", "nominated", "enrolled", "completed", "failed", "withdrawn", "periods")
PERSON_COLUMNS = ("person_id", "year", "programme_id", "abroad", *PERSON_SUMS)
LLCT_HIGH = ("CAO_CAP", "CU_NHAN", "CAO_CAP_LLCT_HANH_CHINH")


def series_of(kind: str | None, level: str | None, abroad: bool) -> tuple[str, ...]:
    """The learner series a counted enrolment in this programme counts in (SERIES_SQL, 'ALL',
    'ABROAD', KEY_SQL in Python; NULL parts drop a series as they do in SQL)."""
    if kind == "POLITICAL_THEORY" and level in LLCT_HIGH:
        first: str | None = "LLCT_CAO_CAP"
    elif kind == "POLITICAL_THEORY" and level == "TRUNG_CAP":
        first = "LLCT_TRUNG_CAP"
    else:
        first = kind
    out = [first, "ALL", "ABROAD" if abroad else None,
           f"K:{kind}:{level}" if kind is not None and level is not None else None]
    return tuple(s for s in out if s is not None)


# --- incremental refresh --------------------------------------------------------------------------
#
# A refresh recomputes the unit rows of the touched (unit, year) pairs with a SELECT (small: one
# unit's people in one year), writes only the rows that differ, and moves the city rows (unit
# NULL) by the difference between the old and new unit rows instead of re-summing every unit row
# of the year (that re-sum was ~97% of a single enrolment's refresh). City class counts move by
# one when a class's filing (CubeClass: year, programme, abroad) changes. A city cell exists while
# it has a class; a city learner row while it has a learner.

def _unit_rows(cursor, year: int, units: list[int]) -> tuple[Cells, Learners]:  # type: ignore[no-untyped-def]
    m = _marks(units)
    cursor.execute(f"SELECT unit_id, year, programme_id, abroad, {', '.join(SUMS)} FROM reports_summarycell "
                   f"WHERE year = %s AND unit_id IN ({m})", [year, *units])
    cells = {(r[0], int(r[1]), r[2], bool(r[3])): tuple(int(x) for x in r[4:]) for r in cursor.fetchall()}
    cursor.execute(f"SELECT unit_id, year, series, learners FROM reports_learnercell "
                   f"WHERE year = %s AND unit_id IN ({m})", [year, *units])
    return cells, {(r[0], int(r[1]), r[2]): int(r[3]) for r in cursor.fetchall()}


def _raw_unit_rows(cursor, year: int, units: list[int]) -> tuple[Cells, Learners]:  # type: ignore[no-untyped-def]
    """The unit rows of these units in this year as the raw enrolments give them."""
    ysql, abroad = year_sql(), _abroad_sql()
    # Classes of the year by date range: with the unit filter the plan starts from the unit's people.
    where = f"c.start_date >= %s AND c.start_date < %s AND pe.unit_id IN ({_marks(units)})"
    params = [f"{year:04d}-01-01", f"{year + 1:04d}-01-01", *units]
    cursor.execute(
        f"""SELECT pe.unit_id, {ysql}, c.programme_id, {abroad}, {STATUS_SUMS}
        {FROM_RAW} WHERE {where} GROUP BY pe.unit_id, {ysql}, c.programme_id, {abroad}""",
        params,
    )
    cells = {(r[0], int(r[1]), r[2], bool(r[3])): tuple(int(x or 0) for x in r[4:]) for r in cursor.fetchall()}
    # Each non-withdrawn enrolment counts once in its kind's series, once in ALL, abroad once in
    # ABROAD, and once in its summary row (kind and level): a four-row constant table multiplies
    # the rows in a single scan.
    cursor.execute(
        f"""SELECT unit_id, year, series, COUNT(DISTINCT person_id) FROM (
            SELECT pe.unit_id AS unit_id, {ysql} AS year, e.person_id AS person_id,
                   CASE s.k WHEN 1 THEN {SERIES_SQL} WHEN 2 THEN 'ALL'
                        WHEN 3 THEN CASE WHEN {abroad} THEN 'ABROAD' END
                        ELSE {KEY_SQL} END AS series
            {FROM_RAW}
            CROSS JOIN (SELECT 1 AS k UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4) s
            WHERE e.status <> 'WITHDRAWN' AND {where}
        ) x WHERE series IS NOT NULL
        GROUP BY unit_id, year, series""",
        params,
    )
    return cells, {(r[0], int(r[1]), r[2]): int(r[3]) for r in cursor.fetchall()}


class _Moves:
    """Differences to add to cube rows, keyed with their unit (None: the city rows). A unit cell
    exists while it has an enrolment (withdrawn ones included), a city cell while it has a class,
    a learner row while it has a learner."""

    def __init__(self) -> None:
        self.cells: dict[tuple[int | None, int, int, bool], list[int]] = defaultdict(lambda: [0] * len(SUMS))
        self.learners: dict[tuple[int | None, int, str], int] = defaultdict(int)

    def add_city_of(self, old: Cells, new: Cells, old_l: Learners, new_l: Learners) -> None:
        """The city rows move as the unit rows did (learners are summable over units)."""
        for key in old.keys() | new.keys():
            before, after = old.get(key, _ZEROS), new.get(key, _ZEROS)
            if before != after:
                acc = self.cells[(None, *key[1:])]
                # `classes` of a unit row counts the unit's classes; the city's counts every class.
                for i in range(1, len(SUMS)):
                    acc[i] += after[i] - before[i]
        for key in old_l.keys() | new_l.keys():
            diff = new_l.get(key, 0) - old_l.get(key, 0)
            if diff:
                self.learners[(None, *key[1:])] += diff

    def add_class(self, filing: Filing, n: int) -> None:
        self.cells[(None, *filing)][0] += n

    def apply(self, cursor, existing: set[tuple] = frozenset(),  # type: ignore[no-untyped-def, type-arg, assignment]
              existing_learners: set[tuple] = frozenset()) -> None:  # type: ignore[type-arg, assignment]
        """Write the differences: rows that may be missing are created empty first (one
        statement for unit and city rows; concurrent refreshes may both create one), then moved
        (one statement each for unit and city rows), then deleted if they emptied."""
        zeros = ", ".join(["0"] * len(SUMS))
        cells = {k: v for k, v in self.cells.items() if any(v)}
        learners = {k: v for k, v in self.learners.items() if v}
        grows = sorted((k for k, v in cells.items() if k not in existing and any(x > 0 for x in v)), key=_nulls_first)
        if grows:
            _many(cursor,
                f"INSERT INTO reports_summarycell ({CELL_COLUMNS}) VALUES (%s, %s, %s, %s, {zeros}) "
                "ON CONFLICT DO NOTHING", [list(k) for k in grows])
        grows_l = sorted((k for k, v in learners.items() if k not in existing_learners and v > 0), key=_nulls_first)
        if grows_l:
            _many(cursor,
                "INSERT INTO reports_learnercell (unit_id, year, series, learners) VALUES (%s, %s, %s, 0) "
                "ON CONFLICT DO NOTHING", [list(k) for k in grows_l])
        for city in (False, True):
            unit_sql = "unit_id IS NULL" if city else "unit_id = %s"

            def params(key: tuple, city: bool = city) -> list:  # type: ignore[type-arg]
                return list(key[1:] if city else key)

            mine = {k: v for k, v in cells.items() if (k[0] is None) == city}
            if mine:
                _many(cursor,
                    f"UPDATE reports_summarycell SET {', '.join(f'{f} = {f} + %s' for f in SUMS)} "
                    f"WHERE {unit_sql} AND year = %s AND programme_id = %s AND abroad = %s",
                    [[*v, *params(k)] for k, v in sorted(mine.items())])
                # classes (city) / enrolments, withdrawn (unit) fell: the row may be empty now.
                shrinks = sorted(k for k, v in mine.items() if (v[0] < 0 if city else min(v[2], v[7]) < 0))
                if shrinks:
                    empty = "classes = 0" if city else "enrolments = 0 AND withdrawn = 0"
                    _many(cursor,
                        f"DELETE FROM reports_summarycell WHERE {unit_sql} AND year = %s AND programme_id = %s "
                        f"AND abroad = %s AND {empty}", [params(k) for k in shrinks])
            mine_l = {k: v for k, v in learners.items() if (k[0] is None) == city}
            if mine_l:
                _many(cursor,
                    f"UPDATE reports_learnercell SET learners = learners + %s WHERE {unit_sql} AND year = %s "
                    "AND series = %s", [[v, *params(k)] for k, v in sorted(mine_l.items())])
                shrinks_l = sorted(k for k, v in mine_l.items() if v < 0)
                if shrinks_l:
                    _many(cursor,
                        f"DELETE FROM reports_learnercell WHERE {unit_sql} AND year = %s AND series = %s "
                        "AND learners = 0", [params(k) for k in shrinks_l])


def _many(cursor, sql: str, rows: list) -> None:  # type: ignore[no-untyped-def, type-arg]
    """executemany, or execute for one row (psycopg pipelines executemany: an extra round trip)."""
    if len(rows) == 1:
        cursor.execute(sql, rows[0])
    elif rows:
        cursor.executemany(sql, rows)


def _nulls_first(key: tuple) -> tuple:  # type: ignore[type-arg]
    return (key[0] is not None, key[0] or 0, *key[1:])


def _write_unit_rows(cursor, old: Cells, new: Cells, old_l: Learners, new_l: Learners) -> None:  # type: ignore[no-untyped-def]
    gone = sorted(old.keys() - new.keys())
    if gone:
        cursor.executemany("DELETE FROM reports_summarycell WHERE unit_id = %s AND year = %s AND programme_id = %s "
                           "AND abroad = %s", [list(k) for k in gone])
    put = sorted((k, v) for k, v in new.items() if old.get(k) != v)
    if put:
        cursor.executemany(
            f"INSERT INTO reports_summarycell ({CELL_COLUMNS}) VALUES ({_marks([0] * (4 + len(SUMS)))}) "
            "ON CONFLICT (unit_id, year, programme_id, abroad) DO UPDATE SET "
            + ", ".join(f"{f} = excluded.{f}" for f in SUMS),
            [[*k, *v] for k, v in put])
    gone_l = sorted(old_l.keys() - new_l.keys())
    if gone_l:
        cursor.executemany("DELETE FROM reports_learnercell WHERE unit_id = %s AND year = %s AND series = %s",
                           [list(k) for k in gone_l])
    put_l = sorted((k, v) for k, v in new_l.items() if old_l.get(k) != v)
    if put_l:
        cursor.executemany(
            "INSERT INTO reports_learnercell (unit_id, year, series, learners) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (unit_id, year, series) DO UPDATE SET learners = excluded.learners",
            [[*k, v] for k, v in put_l])


PERSON_SUMS_SQL = """
    SUM(CASE WHEN e.status <> 'WITHDRAWN' THEN 1 ELSE 0 END),
    SUM(CASE WHEN e.status = 'NOMINATED' THEN 1 ELSE 0 END),
    SUM(CASE WHEN e.status = 'ENROLLED' THEN 1 ELSE 0 END),
    SUM(CASE WHEN e.status = 'COMPLETED' THEN 1 ELSE 0 END),
    SUM(CASE WHEN e.status = 'FAILED' THEN 1 ELSE 0 END),
    SUM(CASE WHEN e.status = 'WITHDRAWN' THEN 1 ELSE 0 END),
    SUM(CASE WHEN e.status = 'COMPLETED' THEN p.periods ELSE 0 END)
"""
_ZEROS7 = (0,) * len(PERSON_SUMS)


def _refresh_one_enrolment(cursor, person: int, class_id: int) -> bool:  # type: ignore[no-untyped-def]
    """The enrolment of `person` in `class_id` alone changed (created, status changed, deleted):
    move the cube rows by the difference in the person's PersonCell rows of the class's year.

    Returns False, having written nothing, when this is not that case — the class or the person
    is not filed where it is now (moved, transferred), or the person's rows differ elsewhere than
    in the class's cell — and the caller recomputes the touched units instead. The class counts of
    the unit's cell move only if nobody else of the unit is counted in the class; the person's
    former status in the class is the difference between their stored and current counts."""
    ysql, abroad = year_sql(), _abroad_sql()
    # PostgreSQL: changes of one class or one person wait for each other from here (READ
    # COMMITTED: each then reads the other's committed rows), so two learners of a unit joining a
    # class at once cannot both count it for the unit, nor two changes of one person overwrite
    # each other's PersonCell row. SQLite serialises writers already.
    lock = " FOR NO KEY UPDATE OF c, pe" if connection.vendor == "postgresql" else ""
    cursor.execute(
        f"""SELECT {ysql}, c.programme_id, {abroad}, f.year, f.programme_id, f.abroad, pe.unit_id, fp.unit_id
        FROM training_trainingclass c LEFT JOIN reports_cubeclass f ON f.training_class_id = c.id
        CROSS JOIN people_person pe LEFT JOIN reports_cubeperson fp ON fp.person_id = pe.id
        WHERE c.id = %s AND pe.id = %s{lock}""",
        [class_id, person],
    )
    row = cursor.fetchone()
    if row is None:
        return False
    y, prog, ab, fy, fprog, fab, unit, filed_unit = row
    filing: Filing = (int(y), prog, bool(ab))
    if fy is None or (int(fy), fprog, bool(fab)) != filing or filed_unit not in (None, unit):
        return False
    year, key = filing[0], filing[1:]
    # The person's stored rows of the year (side 0) and the same from their enrolments (side 1),
    # with each programme's kind and level for the learner series, in one round trip.
    cursor.execute(
        f"""SELECT 0, g.programme_id, g.abroad, p.kind, p.grants_level, {', '.join(f'g.{f}' for f in PERSON_SUMS)}, 0
        FROM reports_personcell g JOIN catalogue_programme p ON p.id = g.programme_id
        WHERE g.person_id = %s AND g.year = %s
        UNION ALL
        SELECT 1, c.programme_id, {abroad}, MAX(p.kind), MAX(p.grants_level), {PERSON_SUMS_SQL},
               MAX(CASE WHEN c.id = %s AND e.status <> 'WITHDRAWN' THEN 1 ELSE 0 END)
        {FROM_RAW.replace("JOIN people_person pe ON pe.id = e.person_id", "")}
        WHERE e.person_id = %s AND c.start_date >= %s AND c.start_date < %s
        GROUP BY c.programme_id, {abroad}""",
        [person, year, class_id, person, f"{year:04d}-01-01", f"{year + 1:04d}-01-01"],
    )
    old: dict[tuple[int, bool], tuple[int, ...]] = {}
    new: dict[tuple[int, bool], tuple[int, ...]] = {}
    kinds: dict[int, tuple[str, str]] = {}
    counted_now = 0
    for side, prog_id, ab_flag, kind, level, *rest in cursor.fetchall():
        k = (prog_id, bool(ab_flag))
        kinds[prog_id] = (kind, level)
        (new if side else old)[k] = tuple(int(x or 0) for x in rest[:len(PERSON_SUMS)])
        if side and k == key:
            counted_now = int(rest[-1] or 0)
    if any(old.get(k) != new.get(k) for k in (old.keys() | new.keys()) - {key}):
        return False  # more than this enrolment changed
    o, n = old.get(key, _ZEROS7), new.get(key, _ZEROS7)
    counted_before = o[0] - n[0] + counted_now
    if counted_before not in (0, 1):
        return False
    if o != n:
        class_delta = 0
        if counted_before != counted_now:
            cursor.execute(
                """SELECT 1 FROM training_enrolment e JOIN people_person pe ON pe.id = e.person_id
                WHERE e.training_class_id = %s AND e.person_id <> %s AND e.status <> 'WITHDRAWN'
                  AND pe.unit_id = %s""",
                [class_id, person, unit],
            )
            if cursor.fetchone() is None:
                class_delta = counted_now - counted_before
        def series(cells: dict) -> set[str]:  # type: ignore[type-arg]
            return {s for (p, a), v in cells.items() if v[0] for s in series_of(*kinds[p], a)}

        before, after = series(old), series(new)
        diff = [class_delta, int(n[0] > 0) - int(o[0] > 0), *(n[i] - o[i] for i in range(len(PERSON_SUMS)))]
        moves = _Moves()
        for target in (unit, None):
            cell = moves.cells[(target, *filing)]
            for i in range(0 if target is not None else 1, len(SUMS)):
                cell[i] += diff[i]
            for s in after - before:
                moves.learners[(target, year, s)] += 1
            for s in before - after:
                moves.learners[(target, year, s)] -= 1
        # The person was in the cell (and so in its series) before: those rows exist already.
        moves.apply(cursor, existing={(t, *filing) for t in (unit, None)} if key in old else set(),
                    existing_learners={(t, year, s) for t in (unit, None) for s in before})
        if key in new:
            cursor.execute(
                f"INSERT INTO reports_personcell ({', '.join(PERSON_COLUMNS)}) VALUES ({_marks(PERSON_COLUMNS)}) "
                "ON CONFLICT (person_id, year, programme_id, abroad) DO UPDATE SET "
                + ", ".join(f"{f} = excluded.{f}" for f in PERSON_SUMS),
                [person, *filing, *n],
            )
        else:
            cursor.execute("DELETE FROM reports_personcell WHERE person_id = %s AND year = %s AND programme_id = %s "
                           "AND abroad = %s", [person, *filing])
    if filed_unit is None:
        cursor.execute("INSERT INTO reports_cubeperson (person_id, unit_id) VALUES (%s, %s)", [person, unit])
    return True


def _class_filings(cursor, classes: Sequence[int]) -> Iterator[tuple[int, Filing, Filing | None]]:  # type: ignore[no-untyped-def]
    """Each class's (year, programme, abroad) now, and where the cube filed it (None: not yet)."""
    ysql, abroad = year_sql(), _abroad_sql()
    for chunk in _chunks(classes):
        cursor.execute(
            f"""SELECT c.id, {ysql}, c.programme_id, {abroad}, f.year, f.programme_id, f.abroad,
                       f.training_class_id
            FROM training_trainingclass c LEFT JOIN reports_cubeclass f ON f.training_class_id = c.id
            WHERE c.id IN ({_marks(chunk)})""",
            chunk,
        )
        for cid, y, prog, ab, fy, fprog, fab, filed in cursor.fetchall():
            yield cid, (int(y), prog, bool(ab)), (int(fy), fprog, bool(fab)) if filed is not None else None


def _refresh_person_cells(cursor, people: Sequence[int], years: Sequence[int],  # type: ignore[no-untyped-def]
                          size: int = CHUNK) -> None:
    """Recompute the PersonCell rows of these people in these years from the raw enrolments."""
    if not people or not years:
        return
    ysql, abroad = year_sql(), _abroad_sql()
    ym = _marks(years)
    for chunk in _chunks(people, size):
        m = _marks(chunk)
        cursor.execute(f"DELETE FROM reports_personcell WHERE person_id IN ({m}) AND year IN ({ym})",
                       [*chunk, *years])
        cursor.execute(
            f"""INSERT INTO reports_personcell ({', '.join(PERSON_COLUMNS)})
            SELECT e.person_id, {ysql}, c.programme_id, {abroad}, {PERSON_SUMS_SQL}
            {FROM_RAW.replace("JOIN people_person pe ON pe.id = e.person_id", "")}
            WHERE e.person_id IN ({m}) AND {ysql} IN ({ym})
            GROUP BY e.person_id, {ysql}, c.programme_id, {abroad}""",
            [*chunk, *years],
        )


@transaction.atomic(savepoint=False)
def refresh_cube(*, person_ids: Iterable[int] = (), class_ids: Iterable[int] = (),
                 extra_years: Iterable[int] = (), gone_filings: Iterable[Filing] = (),
                 changes: Collection[Change] | None = None) -> None:
    """Bring the cube rows touched by changes to these people's and/or classes' enrolments up to
    date (see the module docstring for what each combination means). `gone_filings`: the
    CubeClass filings of deleted classes (their rows are gone by the time this runs).

    `changes`, when the caller knows them: every enrolment that changed, once, as (person, class,
    old status, new status), None for "no enrolment" (a collection: every receiver reads it).
    When nothing else changed (the people and classes named are those of the changes), the cube
    moves by their difference (`_refresh_changes`) instead of recomputing the units they touch."""
    people, classes = sorted(set(person_ids)), sorted(set(class_ids))
    gone, extra = list(gone_filings), set(extra_years)
    if not people and not classes and not gone:
        return
    with connection.cursor() as cursor:
        single = len(people) == 1 and len(classes) == 1 and not gone and not extra
        if single and _refresh_one_enrolment(cursor, people[0], classes[0]):
            return
        if changes is not None and not gone and not extra \
                and _refresh_changes(cursor, changes, set(people), set(classes)):
            return
        _refresh_units(cursor, people, classes, extra, gone)


Change = tuple[int, int, "str | None", "str | None"]  # (person, class, old status, new status)
# People per statement of `_refresh_changes` (an import names thousands; ids probe the indexes).
CHANGES_CHUNK = 2000


def _refresh_changes(cursor, changes: Collection[Change], people_named: set[int],  # type: ignore[no-untyped-def]
                     classes_named: set[int]) -> bool:
    """Many enrolments changed (an import), nothing else: move the cube rows by the difference.

    PersonCell rows of the people concerned in the classes' years are recomputed (old and new
    read around it): their differences move the unit and city sums and learner counts, and each
    (person, year)'s series before and after move the learner rows. A unit cell's distinct
    classes move when a class gains its first or loses its last counted learner of the unit:
    the counted enrolments of each touched (unit, class) now, less the changes' new counted ones
    plus their old ones, are the count before. Returns False, having written nothing, when this
    does not apply: a person or class of the changes is not filed where it is now (transfer,
    moved class), is gone, or other people or classes were named; the caller then recomputes the
    touched units."""
    people, classes = sorted(people_named), sorted(classes_named)
    if not people or not classes:
        return False
    filing: dict[int, Filing] = {}
    unfiled: list[int] = []
    for cid, now, before in _class_filings(cursor, classes):
        if before is None:
            unfiled.append(cid)
        elif before != now:
            return False
        filing[cid] = now
    if len(filing) != len(classes):
        return False
    unfiled_set = set(unfiled)
    unit_of: dict[int, int] = {}
    refile_people: list[tuple[int, int]] = []
    for chunk in _chunks(people, CHANGES_CHUNK):
        cursor.execute(
            f"""SELECT pe.id, pe.unit_id, f.unit_id FROM people_person pe
            LEFT JOIN reports_cubeperson f ON f.person_id = pe.id WHERE pe.id IN ({_marks(chunk)})""",
            chunk,
        )
        for pid, unit, filed_unit in cursor.fetchall():
            if filed_unit is None:
                refile_people.append((pid, unit))
            elif filed_unit != unit:
                return False
            unit_of[pid] = unit
    if len(unit_of) != len(people):
        return False
    # One pass over the changes (each enrolment once; a large import names millions): the people
    # and classes they name, the enrolments created per class, and per (person's unit, class) the
    # counted old statuses << 32 | the counted new ones.
    people_seen: set[int] = set()
    classes_seen: set[int] = set()
    created: dict[int, int] = defaultdict(int)
    packed: dict[tuple[int, int], int] = defaultdict(int)
    uncounted = {None: 0, "WITHDRAWN": 0}.get
    add_person, add_class, unit_get = people_seen.add, classes_seen.add, unit_of.get
    for pid, cid, old, new in changes:
        add_person(pid)
        add_class(cid)
        if old is None and new is not None:
            created[cid] += 1
        packed[(unit_get(pid), cid)] += uncounted(old, 1) << 32 | uncounted(new, 1)
    if people_seen != people_named or classes_seen != classes_named:
        return False
    touched = {key: (value >> 32, value & 0xFFFFFFFF) for key, value in packed.items()}
    del packed
    # A class not filed yet counts nowhere: only right if every enrolment it has is one created now.
    for chunk in _chunks(unfiled):
        cursor.execute(f"SELECT training_class_id, COUNT(*) FROM training_enrolment "
                       f"WHERE training_class_id IN ({_marks(chunk)}) GROUP BY training_class_id", chunk)
        for cid, n in cursor.fetchall():
            if n != created.get(cid, 0):
                return False
    # Distinct classes of the unit cells: counted enrolments per touched (unit, class) now.
    # (A class not filed yet has only the enrolments created now: its counts are the changes'.)
    now_counted: dict[tuple[int, int], int] = {key: acc[1] for key, acc in touched.items() if key[1] in unfiled_set}
    for chunk in _chunks(set(classes) - unfiled_set):
        cursor.execute(
            f"""SELECT pe.unit_id, e.training_class_id, COUNT(*) FROM training_enrolment e
            JOIN people_person pe ON pe.id = e.person_id
            WHERE e.training_class_id IN ({_marks(chunk)}) AND e.status <> 'WITHDRAWN'
            GROUP BY pe.unit_id, e.training_class_id""",
            chunk,
        )
        for unit, cid, n in cursor.fetchall():
            if (unit, cid) in touched:
                now_counted[(unit, cid)] = int(n)
    moves = _Moves()
    for (unit, cid), (old_counted, new_counted) in touched.items():
        after = now_counted.get((unit, cid), 0)
        before = after - new_counted + old_counted
        if before < 0 or after < new_counted:
            return False  # the changes do not describe the enrolments as they are
        if (before > 0) != (after > 0):
            moves.cells[(unit, *filing[cid])][0] += 1 if after else -1
    for cid in unfiled:
        moves.add_class(filing[cid], 1)
    # The people's PersonCell rows of the years concerned, before and after, chunk by chunk of
    # people: a person's rows are all in their chunk, so the rows read and the per-(person, year)
    # series are dropped after each chunk and only the moves (per unit cell) accumulate: holding
    # the rows of every person of an import at once was the import's largest allocation.
    years = sorted({f[0] for f in filing.values()})
    kinds: dict[int, tuple[str, str]] = {}
    for chunk in _chunks(people, CHANGES_CHUNK):
        _move_person_cells(cursor, chunk, years, unit_of, kinds, moves)
    moves.apply(cursor)
    # People not filed yet are filed under their unit (checked above to be where they are now),
    # one statement per chunk rather than one per person.
    for chunk in _chunks((pid for pid, _ in refile_people), CHANGES_CHUNK):
        cursor.execute(
            f"INSERT INTO reports_cubeperson (person_id, unit_id) SELECT id, unit_id FROM people_person "
            f"WHERE id IN ({_marks(chunk)}) ON CONFLICT (person_id) DO UPDATE SET unit_id = excluded.unit_id",
            chunk,
        )
    if unfiled:
        _many(cursor,
              "INSERT INTO reports_cubeclass (training_class_id, year, programme_id, abroad) VALUES (%s, %s, %s, %s) "
              "ON CONFLICT (training_class_id) DO UPDATE SET year = excluded.year, "
              "programme_id = excluded.programme_id, abroad = excluded.abroad",
              [(cid, *filing[cid]) for cid in sorted(unfiled)])
    return True


def _move_person_cells(cursor, people: list[int], years: list[int], unit_of: dict[int, int],  # type: ignore[no-untyped-def]
                       kinds: dict[int, tuple[str, str]], moves: _Moves) -> None:
    """Recompute these people's PersonCell rows of these years and add the differences (sums of
    their unit and city cells, learners of their (unit, year) series) to `moves`. `kinds`: the
    (kind, level) of programmes met so far, completed here as needed."""
    ym = _marks(years)
    select = (f"SELECT {', '.join(PERSON_COLUMNS)} FROM reports_personcell WHERE person_id IN ({_marks(people)}) "
              f"AND year IN ({ym})")
    cells: dict[tuple[int, int, int, bool], list[tuple[int, ...]]] = {}
    for side in (False, True):
        if side:
            _refresh_person_cells(cursor, people, years, len(people))
        cursor.execute(select, [*people, *years])
        for pid, y, prog, ab, *sums in cursor.fetchall():
            key = (pid, int(y), prog, bool(ab))
            pair = cells.get(key)
            if pair is None:
                pair = cells[key] = [_ZEROS7, _ZEROS7]
            pair[side] = tuple(int(x or 0) for x in sums)
    missing = sorted({k[2] for k in cells} - kinds.keys())
    for chunk in _chunks(missing):
        cursor.execute(f"SELECT id, kind, grants_level FROM catalogue_programme WHERE id IN ({_marks(chunk)})", chunk)
        kinds.update((pk, (kind, level)) for pk, kind, level in cursor.fetchall())
    series_before: dict[tuple[int, int], set[str]] = defaultdict(set)
    series_after: dict[tuple[int, int], set[str]] = defaultdict(set)
    for (pid, y, prog, ab), (o, n) in cells.items():
        if o[0]:
            series_before[(pid, y)].update(series_of(*kinds[prog], ab))
        if n[0]:
            series_after[(pid, y)].update(series_of(*kinds[prog], ab))
        if o == n:
            continue
        diff = (int(n[0] > 0) - int(o[0] > 0), *(b - a for a, b in zip(o, n, strict=True)))
        for target in (unit_of[pid], None):
            acc = moves.cells[(target, y, prog, ab)]
            for i, d in enumerate(diff, start=1):
                acc[i] += d
    for key in series_before.keys() | series_after.keys():
        before_s, after_s = series_before.get(key, set()), series_after.get(key, set())
        if before_s == after_s:
            continue
        unit, y = unit_of[key[0]], key[1]
        for target in (unit, None):
            for s in after_s - before_s:
                moves.learners[(target, y, s)] += 1
            for s in before_s - after_s:
                moves.learners[(target, y, s)] -= 1


def _refresh_units(cursor, people: list[int], classes: list[int], extra_years: set[int],  # type: ignore[no-untyped-def]
                   gone: list[Filing]) -> None:
    """Recompute the unit rows of every (unit, year) the change touches; move the city rows by
    the difference; recompute the PersonCell rows of the people concerned in the classes' years."""
    ysql = year_sql()
    moves = _Moves()
    class_years: set[int] = set(extra_years) | {f[0] for f in gone}
    for filing in gone:
        moves.add_class(filing, -1)
    refile: list[tuple[int, int, int, bool]] = []
    moved: list[int] = []  # classes filed elsewhere than where they are now
    for cid, now, before in _class_filings(cursor, classes):
        class_years.add(now[0])
        if before is not None:
            class_years.add(before[0])
        if before != now:
            if before is not None:
                moves.add_class(before, -1)
                moved.append(cid)
            moves.add_class(now, 1)
            refile.append((cid, *now))

    units_of: dict[int, set[int]] = defaultdict(set)  # person -> current and filed units
    subjects = list(people)
    # The classes themselves changed (no people named), or some moved while enrolments changed
    # (an import): every learner of theirs is affected.
    learners: set[int] = set()
    for chunk in _chunks(moved if people else classes):
        cursor.execute(
            f"SELECT DISTINCT person_id FROM training_enrolment WHERE training_class_id IN ({_marks(chunk)})",
            chunk,
        )
        learners.update(r[0] for r in cursor.fetchall())
    if learners:
        subjects = sorted(learners | set(people))
    refile_people: list[tuple[int, int]] = []
    for chunk in _chunks(subjects):
        cursor.execute(
            f"""SELECT pe.id, pe.unit_id, f.unit_id FROM people_person pe
            LEFT JOIN reports_cubeperson f ON f.person_id = pe.id WHERE pe.id IN ({_marks(chunk)})""",
            chunk,
        )
        for pid, unit, filed_unit in cursor.fetchall():
            units_of[pid].add(unit)
            if filed_unit is not None:
                units_of[pid].add(filed_unit)
            if filed_unit != unit:
                refile_people.append((pid, unit))

    pairs: set[tuple[int, int]] = set()
    if classes:
        for units in units_of.values():
            pairs.update((u, y) for u in units for y in class_years)
    else:
        # People changed (e.g. moved unit): all years they have enrolments in.
        for chunk in _chunks(people):
            cursor.execute(
                f"SELECT DISTINCT e.person_id, {ysql} FROM training_enrolment e "
                f"JOIN training_trainingclass c ON c.id = e.training_class_id WHERE e.person_id IN ({_marks(chunk)})",
                chunk,
            )
            for pid, y in cursor.fetchall():
                pairs.update((u, int(y)) for u in units_of[pid])

    if classes or gone:
        _refresh_person_cells(cursor, subjects, sorted(class_years))

    units_by_year: dict[int, set[int]] = defaultdict(set)
    for unit, y in pairs:
        units_by_year[y].add(unit)
    for y, units in sorted(units_by_year.items()):
        for chunk in _chunks(units):
            old, old_l = _unit_rows(cursor, y, chunk)
            new, new_l = _raw_unit_rows(cursor, y, chunk)
            _write_unit_rows(cursor, old, new, old_l, new_l)
            moves.add_city_of(old, new, old_l, new_l)
    moves.apply(cursor)

    # File the subjects and classes where they are now.
    if refile_people:
        cursor.executemany(
            "INSERT INTO reports_cubeperson (person_id, unit_id) VALUES (%s, %s) "
            "ON CONFLICT (person_id) DO UPDATE SET unit_id = excluded.unit_id", refile_people)
    if refile:
        cursor.executemany(
            "INSERT INTO reports_cubeclass (training_class_id, year, programme_id, abroad) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (training_class_id) DO UPDATE SET year = excluded.year, "
            "programme_id = excluded.programme_id, abroad = excluded.abroad", refile)


# --- signal receivers -------------------------------------------------------------------------


def _on_enrolments_changed(sender: object, *, person_ids: Iterable[int] = (), class_ids: Iterable[int] = (),
                           changes: Collection[Change] | None = None, **_: object) -> None:
    refresh_cube(person_ids=person_ids, class_ids=class_ids, changes=changes)
    invalidate_dashboard_cache()


def _on_enrolments_rebuilt(sender: object, **_: object) -> None:
    rebuild_cube()
    invalidate_dashboard_cache()


def _on_class_saved(sender: object, instance: object, created: bool = False,
                    update_fields: Iterable[str] | None = None, **_: object) -> None:
    # A new class counts at once on the city rows; a moved/re-programmed class moves its learners.
    if created or update_fields is None or {"start_date", "programme", "country"} & set(update_fields):
        refresh_cube(class_ids=[instance.pk])  # type: ignore[attr-defined]


def _on_class_deleting(sender: object, instance: object, **_: object) -> None:
    from cadretrain.reports.models import CubeClass
    from cadretrain.training.models import Enrolment

    # Enrolments and the CubeClass row are deleted in cascade before post_delete: remember them.
    instance._cube_people = list(  # type: ignore[attr-defined]
        Enrolment.objects.filter(training_class_id=instance.pk).values_list("person_id", flat=True)  # type: ignore[attr-defined]
    )
    instance._cube_filings = [  # type: ignore[attr-defined]
        (int(y), prog, bool(ab)) for y, prog, ab in CubeClass.objects.filter(
            training_class_id=instance.pk).values_list("year", "programme_id", "abroad")  # type: ignore[attr-defined]
    ]


def _on_class_deleted(sender: object, instance: object, **_: object) -> None:
    # The class row is gone: refresh its former learners' units in its years, uncount the class.
    refresh_cube(person_ids=getattr(instance, "_cube_people", []), class_ids=[instance.pk],  # type: ignore[attr-defined]
                 extra_years=[instance.start_date.year],  # type: ignore[attr-defined]
                 gone_filings=getattr(instance, "_cube_filings", []))
    invalidate_dashboard_cache()


def _on_person_saved(sender: object, instance: object, created: bool = False,
                     update_fields: Iterable[str] | None = None, **_: object) -> None:
    # A new person has no enrolments yet (nothing in the cube), but counts in the compliance and
    # tier figures the dashboard caches.
    if not created and (update_fields is None or {"unit", "unit_id"} & set(update_fields)):
        refresh_cube(person_ids=[instance.pk])  # type: ignore[attr-defined]
    invalidate_dashboard_cache()


def _on_people_facts_changed(sender: object, **_: object) -> None:
    invalidate_dashboard_cache()


def invalidate_dashboard_cache() -> None:
    """Forget cached people figures (compliance, tier percentages) after any relevant change.

    Done once the change commits (at once outside a transaction), once per transaction: a DELETE
    inside the writer's transaction would lock the cached rows until its commit and make every
    concurrent enrolment wait for it on PostgreSQL."""
    if connection.in_atomic_block:
        if not any(getattr(func, "dashboard_cache", False) for _, func, _ in connection.run_on_commit):
            transaction.on_commit(_delete_dashboard_cache)
        return
    _delete_dashboard_cache()


def _delete_dashboard_cache() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM reports_dashboardcache", [])


_delete_dashboard_cache.dashboard_cache = True  # type: ignore[attr-defined]


def connect() -> None:
    from django.db.models.signals import post_delete, post_save, pre_delete

    from cadretrain.people.models import Credential, Person
    from cadretrain.training.models import TrainingClass
    from cadretrain.training.signals import enrolments_changed, enrolments_rebuilt

    enrolments_changed.connect(_on_enrolments_changed, dispatch_uid="reports_cube")
    enrolments_rebuilt.connect(_on_enrolments_rebuilt, dispatch_uid="reports_cube_rebuild")
    post_save.connect(_on_class_saved, sender=TrainingClass, dispatch_uid="reports_cube_class")
    pre_delete.connect(_on_class_deleting, sender=TrainingClass, dispatch_uid="reports_cube_class_pre_del")
    post_delete.connect(_on_class_deleted, sender=TrainingClass, dispatch_uid="reports_cube_class_del")
    post_save.connect(_on_person_saved, sender=Person, dispatch_uid="reports_cube_person")
    post_save.connect(_on_people_facts_changed, sender=Credential, dispatch_uid="reports_cache_cred")
    post_delete.connect(_on_people_facts_changed, sender=Credential, dispatch_uid="reports_cache_cred_del")
