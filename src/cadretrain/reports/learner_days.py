"""Keeping LearnerDay — each learner's enrolments per class start day and summary series, with
the previous day of the same series — equal to the raw rows, so that `report summary` over any
period (the year so far, a half year, several years) reads the period's rows instead of counting
distinct learners over every enrolment of the period (0.2–1.1 s at L).

Why a previous day: distinct learners do not add up over days, so no per-day total can give a
period's learners. A person counts once in [a, b] when they have a row in it; exactly one of their
rows there has its previous day before a (or none): their first. So the learners of a period are
`COUNT(*)` of the rows in it with `previous < a`, and the enrolments and completions are sums.

What the rows depend on: the person's enrolments (status), their classes' start date, programme
and country, and the programme's kind and level. These are a subset of what Form10Person depends
on, so the rows are refreshed by reports.form10_cells, for the same people and in the same
transaction, wherever it recomputes a learner (enrolment and class changes, deleted classes,
programme changes, imports) and rebuilt when it rebuilds. Recomputing is per person, every day
at once (a person has a few dozen rows).

Whole months. A long period city-wide still holds a million rows at L (0.3–0.4 s to count), so
LearnerMonth keeps the city's rows summed per series, month and previous month, moved by the
difference of each refresh. A period starting on the first of a month takes its whole months
there (a row counts when its previous month is before the period's first) and only the days of
a last, partial month from LearnerDay."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import connection

from cadretrain.core.bulk import enrolment_ranges
from cadretrain.core.scoping import units_in_subtree_sql

ABROAD = "ABROAD"
KNOWLEDGE_UPDATED = "KU_DONE"
PEOPLE_CHUNK = 2000  # people per statement: longer IN lists can tip PostgreSQL into scanning every enrolment
REBUILD_ENROLMENTS = 100_000  # enrolments per range of person ids in a rebuild (ranges need no IN list)

COLUMNS = "person_id, day, series, previous, enrolments, completed"
_DONE = "SUM(CASE WHEN status = 'COMPLETED' THEN 1 ELSE 0 END)"


def _insert_sql(where: str) -> str:
    """INSERT of the rows of the people chosen by `where` (a condition on `e.person_id`, whose
    parameters are passed once). Their enrolments are read once into a materialised CTE and
    grouped three ways from there, instead of joining them three times (a refresh of 2,000
    people at L: about a quarter faster on SQLite, the same on PostgreSQL)."""
    return f"""
        WITH x AS MATERIALIZED (
            SELECT e.person_id AS person_id, c.start_date AS day, p.kind AS kind, p.grants_level AS lvl,
                   c.country AS country, e.status AS status
            FROM training_enrolment e JOIN training_trainingclass c ON c.id = e.training_class_id
            JOIN catalogue_programme p ON p.id = c.programme_id
            WHERE e.status <> 'WITHDRAWN' AND {where})
        INSERT INTO reports_learnerday ({COLUMNS})
        SELECT person_id, day, series, LAG(day) OVER (PARTITION BY person_id, series ORDER BY day), n, done
        FROM (
            SELECT person_id, day, 'K:' || kind || ':' || lvl AS series, COUNT(*) AS n, {_DONE} AS done
            FROM x GROUP BY person_id, day, kind, lvl
            UNION ALL
            SELECT person_id, day, '{ABROAD}', COUNT(*), {_DONE} FROM x WHERE country <> 'VN' GROUP BY person_id, day
            UNION ALL
            SELECT person_id, day, '{KNOWLEDGE_UPDATED}', COUNT(*), COUNT(*) FROM x
            WHERE status = 'COMPLETED' AND kind = 'KNOWLEDGE_UPDATE' GROUP BY person_id, day
        ) y"""


def _marks(values: Sequence[object]) -> str:
    return ", ".join(["%s"] * len(values))


def _month_sql(column: str) -> str:
    """yyyymm of a date column as an integer, 0 for NULL (params are always passed: %% is %)."""
    if connection.vendor == "postgresql":
        return f"COALESCE(CAST(to_char({column}, 'YYYYMM') AS INTEGER), 0)"
    return f"COALESCE(CAST(strftime('%%Y%%m', {column}) AS INTEGER), 0)"


def _months_of(cursor, where: str, params: list[object]) -> dict[tuple[str, int, int], tuple[int, int, int]]:  # type: ignore[no-untyped-def]
    cursor.execute(
        f"SELECT series, {_month_sql('day')}, {_month_sql('previous')}, COUNT(*), SUM(enrolments), SUM(completed) "
        f"FROM reports_learnerday WHERE {where} GROUP BY series, {_month_sql('day')}, {_month_sql('previous')}",
        params)
    return {(series, int(m), int(pm)): (int(n), int(e), int(c)) for series, m, pm, n, e, c in cursor.fetchall()}


def _move_months(cursor, old: dict, new: dict) -> None:  # type: ignore[no-untyped-def, type-arg]
    """Add new − old to the month rows, in key order (concurrent writers lock them in one order)."""
    moves = []
    for key in sorted(old.keys() | new.keys()):
        before, after = old.get(key, (0, 0, 0)), new.get(key, (0, 0, 0))
        if before != after:
            moves.append((*key, *(a - b for a, b in zip(after, before, strict=True))))
    insert = "INSERT INTO reports_learnermonth (series, month, previous_month, days, enrolments, completed) VALUES "
    upsert = (" ON CONFLICT (series, month, previous_month) DO UPDATE SET "
              "days = reports_learnermonth.days + excluded.days, "
              "enrolments = reports_learnermonth.enrolments + excluded.enrolments, "
              "completed = reports_learnermonth.completed + excluded.completed")
    if connection.vendor == "sqlite":
        # One prepared single-row statement: a multi-row one is a new statement text for each
        # number of rows, which the driver keeps prepared (its last 128) long after the refresh.
        cursor.executemany(insert + "(%s, %s, %s, %s, %s, %s)" + upsert, moves)
        return
    for i in range(0, len(moves), 1000):
        batch = moves[i:i + 1000]
        cursor.execute(insert + ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(batch)) + upsert,
                       [v for move in batch for v in move])


def refresh(cursor, person_ids: Sequence[int]) -> None:  # type: ignore[no-untyped-def]
    """Recompute these people's rows and move the month rows by the difference. The caller
    holds their lock on PostgreSQL (form10_cells locks the people it recomputes), so two
    refreshes of one person do not interleave."""
    people = sorted(set(person_ids))
    for i in range(0, len(people), PEOPLE_CHUNK):
        chunk = people[i:i + PEOPLE_CHUNK]
        where = f"person_id IN ({_marks(chunk)})"
        old = _months_of(cursor, where, list(chunk))
        cursor.execute(f"DELETE FROM reports_learnerday WHERE {where}", chunk)
        cursor.execute(_insert_sql("e." + where), chunk)
        _move_months(cursor, old, _months_of(cursor, where, list(chunk)))


def rebuild(conn=connection) -> None:  # type: ignore[no-untyped-def]
    """Recompute every day row from the raw rows, then the month rows from them."""
    rebuild_days(conn)
    rebuild_months(conn)


def rebuild_days(conn=connection) -> None:  # type: ignore[no-untyped-def]
    """Recompute every day row from the raw rows, by ranges of person ids (bounded sorts)."""
    with conn.cursor() as cursor:
        cursor.execute("TRUNCATE reports_learnerday" if conn.vendor == "postgresql"
                       else "DELETE FROM reports_learnerday", [])
        for start, end in enrolment_ranges(cursor, REBUILD_ENROLMENTS):
            cursor.execute(_insert_sql("e.person_id >= %s AND e.person_id < %s"), [start, end])
        cursor.execute("ANALYZE reports_learnerday", [])


def rebuild_months(conn=connection) -> None:  # type: ignore[no-untyped-def]
    """Recompute the month rows from the day rows."""
    month, previous = _month_sql("day"), _month_sql("previous")
    with conn.cursor() as cursor:
        cursor.execute("TRUNCATE reports_learnermonth" if conn.vendor == "postgresql"
                       else "DELETE FROM reports_learnermonth", [])
        cursor.execute(
            "INSERT INTO reports_learnermonth (series, month, previous_month, days, enrolments, completed) "
            f"SELECT series, {month}, {previous}, COUNT(*), SUM(enrolments), SUM(completed) FROM reports_learnerday "
            f"GROUP BY series, {month}, {previous}", [])
        cursor.execute("ANALYZE reports_learnermonth", [])


# --- reading ------------------------------------------------------------------------------------


def _every_series(cursor) -> list[str]:  # type: ignore[no-untyped-def]
    """The series rows can have: named to the read, each is one range of the period index (a
    condition on the day alone would scan the index whole; PostgreSQL has no skip scan)."""
    cursor.execute("SELECT DISTINCT kind, grants_level FROM catalogue_programme", [])
    return sorted(f"K:{kind}:{level or ''}" for kind, level in cursor.fetchall()) + [ABROAD, KNOWLEDGE_UPDATED]


def _month(day: dt.date) -> int:
    return day.year * 100 + day.month


def series_figures(*, date_from: dt.date, date_to: dt.date,
                   unit_path: str | None) -> dict[str, tuple[int, int, int]]:
    """series -> (enrolments, completed, distinct learners) of the classes starting in the
    period, city-wide or for the people whose current unit lies in a subtree.

    City-wide, a period starting on the first of a month reads its whole months from the month
    rows and the days of a last, partial month from the day rows; one starting on another day
    reads the day rows of the whole period (its learners' previous days would be needed at a
    finer grain than months)."""
    first = "SUM(CASE WHEN d.previous IS NULL OR d.previous < %s THEN 1 ELSE 0 END)"
    totals: dict[str, list[int]] = {}

    def add(rows: list[tuple]) -> None:  # type: ignore[type-arg]
        for series, n, done, learners in rows:
            total = totals.setdefault(series, [0, 0, 0])
            total[0] += int(n or 0)
            total[1] += int(done or 0)
            total[2] += int(learners or 0)

    with connection.cursor() as cursor:
        if unit_path is not None:
            # From the subtree's people to their rows (the key starts with the person and the
            # day), not from every row of the period to its person (SQLite keeps a CROSS JOIN's order).
            in_subtree, params = units_in_subtree_sql("pe.unit_id", unit_path)
            cursor.execute(
                f"SELECT d.series, SUM(d.enrolments), SUM(d.completed), {first} "
                "FROM people_person pe CROSS JOIN reports_learnerday d "
                f"WHERE d.person_id = pe.id AND d.day >= %s AND d.day <= %s AND {in_subtree} GROUP BY d.series",
                [date_from, date_from, date_to, *params])
            add(cursor.fetchall())
            return {series: (t[0], t[1], t[2]) for series, t in totals.items()}
        series = _every_series(cursor)
        days_from = date_from
        if date_from.day == 1:
            # The last whole month of the period: its own if it ends on a month's last day.
            whole_to = date_to if (date_to + dt.timedelta(days=1)).day == 1 else date_to.replace(day=1) - dt.timedelta(days=1)
            if whole_to >= date_from:
                cursor.execute(
                    "SELECT series, SUM(enrolments), SUM(completed), "
                    "SUM(CASE WHEN previous_month < %s THEN days ELSE 0 END) FROM reports_learnermonth "
                    f"WHERE series IN ({_marks(series)}) AND month >= %s AND month <= %s GROUP BY series",
                    [_month(date_from), *series, _month(date_from), _month(whole_to)])
                add(cursor.fetchall())
                days_from = whole_to + dt.timedelta(days=1)
        if days_from <= date_to:
            cursor.execute(f"SELECT d.series, SUM(d.enrolments), SUM(d.completed), {first} "
                           f"FROM reports_learnerday d WHERE d.series IN ({_marks(series)}) "
                           "AND d.day >= %s AND d.day <= %s GROUP BY d.series",
                           [date_from, *series, days_from, date_to])
            add(cursor.fetchall())
    # Month rows that fell to zero add a series with nothing in it: not a row of the summary.
    return {series: (t[0], t[1], t[2]) for series, t in totals.items() if t[0]}


def tier_learners(*, date_from: dt.date, date_to: dt.date, unit_path: str | None,
                  tiers: Sequence[str]) -> dict[tuple[str, str], int]:
    """(management tier, ABROAD or KU_DONE) -> people employed on `date_to` in that tier with
    such a class starting in the period (trained abroad; completed a knowledge update)."""
    params: list[object] = [*tiers, date_to, date_to]
    scope = ""
    if unit_path is not None:
        in_subtree, subtree_params = units_in_subtree_sql("pe.unit_id", unit_path)
        scope = f"AND {in_subtree} "
        params += subtree_params
    params += [date_from, date_to, ABROAD, KNOWLEDGE_UPDATED, date_from]
    with connection.cursor() as cursor:
        # From the few people with a tier (2% of the city; "NOT … = ''" reaches their partial
        # index) to their rows, not from every knowledge update of the period to its person
        # (SQLite keeps a CROSS JOIN's order).
        cursor.execute(
            "SELECT pe.management_tier, d.series, COUNT(*) FROM people_person pe CROSS JOIN reports_learnerday d "
            f"WHERE pe.management_tier IN ({_marks(tiers)}) AND NOT (pe.management_tier = '') "
            "AND (pe.joined_on IS NULL OR pe.joined_on <= %s) AND (pe.left_on IS NULL OR pe.left_on > %s) "
            f"{scope}AND d.person_id = pe.id AND d.day >= %s AND d.day <= %s AND d.series IN (%s, %s) "
            "AND (d.previous IS NULL OR d.previous < %s) GROUP BY pe.management_tier, d.series", params)
        return {(tier, series): int(n) for tier, series, n in cursor.fetchall()}
