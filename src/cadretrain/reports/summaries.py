"""Keeping the summary cube (SummaryCell, LearnerCell) equal to the raw enrolments.

Granularity of maintenance is (unit, year): a change recomputes every cube row of the learner
units × class years it touches, with one DELETE and one INSERT…SELECT per table and year, then
the city-wide rows (unit NULL) of those years from the unit rows. Which (unit, year) pairs a
change touches is read from the `enrolments_changed` kwargs:

* person_ids and class_ids — the enrolments of these people in these classes changed (created,
  status changed, deleted): units of those people × years of those classes;
* class_ids only — the classes themselves changed (date, programme, country) or were created:
  units of all their learners × the classes' years;
* person_ids only — the people changed (transfer to another unit): their units × every year
  they have enrolments in.

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
from collections.abc import Iterable, Sequence

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


def _insert_unit_cells(cursor, where: str, params: list[object]) -> None:  # type: ignore[no-untyped-def]
    year, abroad = year_sql(), _abroad_sql()
    cursor.execute(
        f"""INSERT INTO reports_summarycell ({CELL_COLUMNS})
        SELECT pe.unit_id, {year}, c.programme_id, {abroad}, {STATUS_SUMS}
        {FROM_RAW} WHERE {where}
        GROUP BY pe.unit_id, {year}, c.programme_id, {abroad}""",
        params,
    )
    # Each non-withdrawn enrolment counts once in its kind's series, once in ALL, abroad once in
    # ABROAD, and once in its summary row (kind and level): a four-row constant table multiplies
    # the rows in a single scan.
    cursor.execute(
        f"""INSERT INTO reports_learnercell (unit_id, year, series, learners)
        SELECT unit_id, year, series, COUNT(DISTINCT person_id) FROM (
            SELECT pe.unit_id AS unit_id, {year} AS year, e.person_id AS person_id,
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


# --- full rebuild --------------------------------------------------------------------------------
#
# The full rebuild reads 10^6–10^7 enrolments, so it is set-based in stages over temporary tables
# instead of reusing the per-(unit, year) INSERT…SELECT: per-row expressions (the year of a date,
# the series CASE) are computed once per class, not once per enrolment (×4 for the series), and
# the distinct counts are taken over pre-aggregated (person, year, programme, abroad) rows.


def _temp_table(cursor, name: str, columns: str, *, key: str) -> None:  # type: ignore[no-untyped-def]
    cursor.execute(f"DROP TABLE IF EXISTS {name}", [])
    if connection.vendor == "sqlite":
        # Clustered on the key: GROUP BY output goes in in key order and later scans use it.
        cursor.execute(f"CREATE TEMP TABLE {name} ({columns}, PRIMARY KEY ({key})) WITHOUT ROWID", [])
    else:
        cursor.execute(f"CREATE TEMP TABLE {name} ({columns}, PRIMARY KEY ({key}))", [])


BITS = 60  # series flags per 64-bit mask word
REBUILD_TEMPS = ("cube_cls", "cube_ser", "cube_pg", "cube_ucl", "cube_flags", "cube_uy", "cube_bits")


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
    (person, year), adjacent in cube_pg's key order, are OR-ed without a sort, people are counted
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
    _temp_table(cursor, "cube_uy", "unit_id BIGINT NOT NULL, year INTEGER NOT NULL, "
                + ", ".join(f"{m} BIGINT NOT NULL" for m in masks) + ", learners INTEGER NOT NULL",
                key=", ".join(["unit_id", "year", *masks]))
    cursor.execute(
        f"""INSERT INTO cube_uy (unit_id, year, {", ".join(masks)}, learners)
        SELECT pe.unit_id, y.year, {", ".join(f"y.{m}" for m in masks)}, COUNT(*)
        FROM (SELECT g.person_id AS person_id, g.year AS year,
                     {", ".join(f"BIT_OR(f.{m}) AS {m}" for m in masks)}
              FROM cube_pg g JOIN cube_flags f ON f.programme_id = g.programme_id AND f.abroad = g.abroad
              WHERE g.enrolments > 0
              GROUP BY g.person_id, g.year) y
        JOIN people_person pe ON pe.id = y.person_id
        GROUP BY pe.unit_id, y.year, {", ".join(f"y.{m}" for m in masks)}""",
        [],
    )
    # Unpivot in one statement: every (unit, year, bit set) row counts for each series whose bit is set.
    # Series outermost (SQLite keeps CROSS JOIN order) and both tables read in key order, so the
    # GROUP BY needs no sort.
    _temp_table(cursor, "cube_bits", "series VARCHAR(64) NOT NULL, word INTEGER NOT NULL, bit INTEGER NOT NULL",
                key="series")
    cursor.executemany("INSERT INTO cube_bits (series, word, bit) VALUES (%s, %s, %s)",
                       [(name, i // BITS, i % BITS) for i, name in enumerate(series)])
    word_of = "CASE b.word " + " ".join(f"WHEN {w} THEN u.{m}" for w, m in enumerate(masks)) + " END"
    cursor.execute(
        f"""INSERT INTO reports_learnercell (unit_id, year, series, learners)
        SELECT u.unit_id, u.year, b.series, SUM(u.learners)
        FROM cube_bits b CROSS JOIN cube_uy u
        WHERE (({word_of}) >> b.bit) & 1 = 1
        GROUP BY b.series, u.unit_id, u.year""",
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
    # One row per person × year × programme × abroad: the status counts of their enrolments.
    _temp_table(cursor, "cube_pg", "person_id BIGINT NOT NULL, year INTEGER NOT NULL, programme_id BIGINT NOT NULL, "
                "abroad BOOLEAN NOT NULL, enrolments INTEGER NOT NULL, nominated INTEGER NOT NULL, "
                "enrolled INTEGER NOT NULL, completed INTEGER NOT NULL, failed INTEGER NOT NULL, "
                "withdrawn INTEGER NOT NULL, periods INTEGER NOT NULL",
                key="person_id, year, programme_id, abroad")
    cursor.execute(
        f"""INSERT INTO cube_pg (person_id, year, programme_id, abroad, enrolments, nominated, enrolled,
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
    cursor.execute(
        f"""INSERT INTO reports_summarycell ({CELL_COLUMNS})
        SELECT s.unit_id, s.year, s.programme_id, s.abroad, COALESCE(u.classes, 0), s.learners, s.enrolments,
               s.nominated, s.enrolled, s.completed, s.failed, s.withdrawn, s.periods
        FROM (SELECT pe.unit_id AS unit_id, g.year AS year, g.programme_id AS programme_id, g.abroad AS abroad,
                     SUM(CASE WHEN g.enrolments > 0 THEN 1 ELSE 0 END) AS learners,
                     SUM(g.enrolments) AS enrolments, SUM(g.nominated) AS nominated, SUM(g.enrolled) AS enrolled,
                     SUM(g.completed) AS completed, SUM(g.failed) AS failed, SUM(g.withdrawn) AS withdrawn,
                     SUM(g.periods) AS periods
              FROM cube_pg g JOIN people_person pe ON pe.id = g.person_id
              GROUP BY pe.unit_id, g.year, g.programme_id, g.abroad) s
        LEFT JOIN cube_ucl u ON u.unit_id = s.unit_id AND u.year = s.year AND u.programme_id = s.programme_id
                             AND u.abroad = s.abroad""",
        [],
    )
    _rebuild_learner_rows(cursor)
    for name in REBUILD_TEMPS:
        cursor.execute(f"DROP TABLE {name}", [])


@transaction.atomic
def rebuild_cube() -> None:
    """Recompute the whole cube from the raw enrolments (after bulk loads)."""
    with connection.cursor() as cursor:
        for table in ("reports_summarycell", "reports_learnercell", "reports_cubeperson", "reports_cubeclass"):
            cursor.execute(f"DELETE FROM {table}", [])
        _rebuild_unit_rows(cursor)
        cursor.execute(
            "INSERT INTO reports_cubeperson (person_id, unit_id) SELECT pe.id, pe.unit_id FROM people_person pe "
            "WHERE EXISTS (SELECT 1 FROM training_enrolment e WHERE e.person_id = pe.id)",
            [],
        )
        cursor.execute(
            f"INSERT INTO reports_cubeclass (training_class_id, year) SELECT c.id, {year_sql()} "
            "FROM training_trainingclass c",
            [],
        )
        cursor.execute(f"SELECT DISTINCT {year_sql()} FROM training_trainingclass c", [])
        years = sorted(row[0] for row in cursor.fetchall())
        if years:
            _refresh_city_rows(cursor, years)


def _fetch_pairs(cursor, sql: str, params: list[object]) -> list[tuple[int, int]]:  # type: ignore[no-untyped-def]
    cursor.execute(sql, params)
    return [(int(a), int(b)) for a, b in cursor.fetchall() if a is not None and b is not None]


@transaction.atomic
def refresh_cube(*, person_ids: Iterable[int] = (), class_ids: Iterable[int] = (),
                 extra_years: Iterable[int] = ()) -> None:
    """Recompute the cube rows touched by changes to these people's and/or classes' enrolments
    (see the module docstring for what each combination means)."""
    people, classes = sorted(set(person_ids)), sorted(set(class_ids))
    if not people and not classes:
        return
    year = year_sql()
    with connection.cursor() as cursor:
        class_years: set[int] = set(extra_years)
        for chunk in _chunks(classes):
            m = _marks(chunk)
            cursor.execute(f"SELECT {year} FROM training_trainingclass c WHERE c.id IN ({m})", chunk)
            class_years.update(int(r[0]) for r in cursor.fetchall())
            cursor.execute(f"SELECT year FROM reports_cubeclass WHERE training_class_id IN ({m})", chunk)
            class_years.update(int(r[0]) for r in cursor.fetchall())

        units_of: dict[int, set[int]] = defaultdict(set)  # person -> current and filed units
        subjects = list(people)
        if not people:
            # The classes changed: every learner of theirs is affected.
            learners: set[int] = set()
            for chunk in _chunks(classes):
                cursor.execute(
                    f"SELECT DISTINCT person_id FROM training_enrolment WHERE training_class_id IN ({_marks(chunk)})",
                    chunk,
                )
                learners.update(r[0] for r in cursor.fetchall())
            subjects = sorted(learners)
        for chunk in _chunks(subjects):
            m = _marks(chunk)
            for a, b in _fetch_pairs(cursor, f"SELECT id, unit_id FROM people_person WHERE id IN ({m})", chunk):
                units_of[a].add(b)
            for a, b in _fetch_pairs(cursor, f"SELECT person_id, unit_id FROM reports_cubeperson WHERE person_id IN ({m})", chunk):
                units_of[a].add(b)

        pairs: set[tuple[int, int]] = set()
        if classes:
            for units in units_of.values():
                pairs.update((u, y) for u in units for y in class_years)
        else:
            # People changed (e.g. moved unit): all years they have enrolments in.
            for chunk in _chunks(people):
                for pid, y in _fetch_pairs(
                    cursor,
                    f"SELECT DISTINCT e.person_id, {year} FROM training_enrolment e "
                    f"JOIN training_trainingclass c ON c.id = e.training_class_id WHERE e.person_id IN ({_marks(chunk)})",
                    chunk,
                ):
                    pairs.update((u, y) for u in units_of[pid])

        units_by_year: dict[int, set[int]] = defaultdict(set)
        for unit, y in pairs:
            units_by_year[y].add(unit)
        for y, units in sorted(units_by_year.items()):
            for chunk in _chunks(units):
                m = _marks(chunk)
                cursor.execute(f"DELETE FROM reports_summarycell WHERE year = %s AND unit_id IN ({m})", [y, *chunk])
                cursor.execute(f"DELETE FROM reports_learnercell WHERE year = %s AND unit_id IN ({m})", [y, *chunk])
                # Classes of the year by date range, so the start_date index drives the join.
                _insert_unit_cells(
                    cursor,
                    f"c.start_date >= %s AND c.start_date < %s AND pe.unit_id IN ({m})",
                    [f"{y:04d}-01-01", f"{y + 1:04d}-01-01", *chunk],
                )

        touched_years = sorted(set(units_by_year) | class_years)
        if touched_years:
            _refresh_city_rows(cursor, touched_years)

        # File the subjects and classes where they are now.
        for chunk in _chunks(subjects):
            m = _marks(chunk)
            cursor.execute(f"DELETE FROM reports_cubeperson WHERE person_id IN ({m})", chunk)
            cursor.execute(
                f"INSERT INTO reports_cubeperson (person_id, unit_id) SELECT pe.id, pe.unit_id FROM people_person pe "
                f"WHERE pe.id IN ({m}) AND EXISTS (SELECT 1 FROM training_enrolment e WHERE e.person_id = pe.id)",
                chunk,
            )
        for chunk in _chunks(classes):
            m = _marks(chunk)
            cursor.execute(f"DELETE FROM reports_cubeclass WHERE training_class_id IN ({m})", chunk)
            cursor.execute(
                f"INSERT INTO reports_cubeclass (training_class_id, year) SELECT c.id, {year} "
                f"FROM training_trainingclass c WHERE c.id IN ({m})",
                chunk,
            )


# --- signal receivers -------------------------------------------------------------------------


def _on_enrolments_changed(sender: object, *, person_ids: Iterable[int] = (), class_ids: Iterable[int] = (),
                           **_: object) -> None:
    refresh_cube(person_ids=person_ids, class_ids=class_ids)
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
    instance._cube_years = list(  # type: ignore[attr-defined]
        CubeClass.objects.filter(training_class_id=instance.pk).values_list("year", flat=True)  # type: ignore[attr-defined]
    ) + [instance.start_date.year]  # type: ignore[attr-defined]


def _on_class_deleted(sender: object, instance: object, **_: object) -> None:
    # The class row is gone: refresh its former learners' units in its years.
    refresh_cube(person_ids=getattr(instance, "_cube_people", []), class_ids=[instance.pk],  # type: ignore[attr-defined]
                 extra_years=getattr(instance, "_cube_years", []))
    invalidate_dashboard_cache()


def _on_person_saved(sender: object, instance: object, created: bool = False,
                     update_fields: Iterable[str] | None = None, **_: object) -> None:
    if created:
        return
    if update_fields is None or "unit" in set(update_fields) or "unit_id" in set(update_fields):
        refresh_cube(person_ids=[instance.pk])  # type: ignore[attr-defined]
    invalidate_dashboard_cache()


def _on_people_facts_changed(sender: object, **_: object) -> None:
    invalidate_dashboard_cache()


def invalidate_dashboard_cache() -> None:
    """Forget cached people figures (compliance, tier percentages) after any relevant change."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM reports_dashboardcache", [])


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
