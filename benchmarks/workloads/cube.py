"""Workload: keeping the reports summary cube (reports.summaries) equal to the raw enrolments.

app    `rebuild_cube()` — the full rebuild that large imports and `rebuild_summaries` run — then
       CHANGES single-enrolment changes, each written directly and announced with its own
       `enrolments_changed` signal in its own transaction, as an enrolment POST does (a status
       change, or a new enrolment), then each change undone the same way (status restored, the
       new enrolment deleted), so every call leaves the data as it found it. Every signal is
       timed on its own: `change_ms_*` in the counters is what one change costs the write path
       in derived tables (cube + person-year periods + data version), `cube_change_ms_*` the
       cube's refresh alone.
limit  the same aggregates by plain GROUP BY over the raw rows in the same database: the unit
       cells (status sums, distinct classes and learners per unit × year × programme × abroad),
       the distinct learners per unit × year × series (dashboard series and summary rows), the
       classes per year × programme × abroad; the city rows are their sums (learners add up over
       units: a person has one unit). `limit_unit_cells_s` in the counters is the first
       statement alone (the unit cells without the learner series).
check  the cube after the app (rebuild + changes + their undoing) equals the limit's rows, city
       rows included. The app returns a reader that the check calls, so that reading ~10^6 cube
       rows back into Python is not timed as part of the app.
"""

from __future__ import annotations

import random
import statistics
import time
from typing import Any

NAME = "cube"
MAX_PAIRS = 3
CHANGES = 100  # forward changes per app call (as many undoings follow)

SUMS = ("classes", "learners", "enrolments", "nominated", "enrolled", "completed", "failed", "withdrawn",
        "periods")
STATUSES = ("NOMINATED", "ENROLLED", "COMPLETED", "FAILED", "WITHDRAWN")


def setup(ctx: Any) -> None:
    from django.db import connection

    from cadretrain.reports import summaries
    from cadretrain.training.models import Enrolment, TrainingClass

    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(id), MAX(id) FROM training_enrolment", [])
        lo, hi = cursor.fetchone()
    if lo is None:
        from benchmarks.workloads import Unavailable

        raise Unavailable("no enrolments in the dataset")
    rng = random.Random(ctx.seed)
    # Status changes: existing enrolments (by random id probes), a different status each.
    picked: dict[int, tuple[int, int, str, Any]] = {}
    while len(picked) < CHANGES // 2:
        row = (Enrolment.objects.filter(pk__gte=rng.randint(lo, hi)).order_by("pk")
               .values_list("pk", "person_id", "training_class_id", "status", "completed_on").first())
        if row and row[0] not in picked:
            picked[row[0]] = row[1:]
    changes: list[dict[str, Any]] = []
    ends = dict(TrainingClass.objects.filter(pk__in={v[1] for v in picked.values()}).values_list("pk", "end_date"))
    for pk, (person, klass, status, completed_on) in picked.items():
        target = rng.choice([s for s in STATUSES if s != status])
        changes.append({"op": "status", "pk": pk, "person": person, "class": klass, "status": target,
                        "completed_on": ends[klass] if target == "COMPLETED" else None,
                        "undo_status": status, "undo_completed_on": completed_on})
    # New enrolments: a random person in a random class they are not in.
    people = list(Enrolment.objects.filter(pk__in=list(picked)).values_list("person_id", flat=True))
    classes = list(TrainingClass.objects.order_by("?").values_list("pk", flat=True)[:CHANGES])
    for person, klass in zip(people, classes, strict=False):
        if len(changes) >= CHANGES:
            break
        if not Enrolment.objects.filter(person_id=person, training_class_id=klass).exists():
            changes.append({"op": "create", "person": person, "class": klass, "status": rng.choice(STATUSES[:2])})
    rng.shuffle(changes)
    ctx.state["changes"] = changes
    ctx.state["signal_ms"], ctx.state["cube_ms"], ctx.state["rebuild_s"] = [], [], []
    # Time the cube's own receiver inside each signal (the receiver looks refresh_cube up by name).
    real = summaries.refresh_cube

    def timed_refresh(**kwargs: Any) -> None:
        start = time.perf_counter()
        real(**kwargs)
        ctx.state["cube_ms"].append(1000 * (time.perf_counter() - start))

    ctx.state["real_refresh"] = real
    summaries.refresh_cube = timed_refresh  # type: ignore[assignment]


def teardown(ctx: Any) -> None:
    from cadretrain.reports import summaries

    if "real_refresh" in ctx.state:
        summaries.refresh_cube = ctx.state.pop("real_refresh")


def _apply(change: dict[str, Any], *, undo: bool, ctx: Any) -> None:
    from django.db import transaction

    from cadretrain.training.models import Enrolment
    from cadretrain.training.signals import enrolments_changed

    with transaction.atomic():
        if change["op"] == "status":
            status = change["undo_status"] if undo else change["status"]
            completed_on = change["undo_completed_on"] if undo else change["completed_on"]
            Enrolment.objects.filter(pk=change["pk"]).update(status=status, completed_on=completed_on)
        elif undo:
            Enrolment.objects.filter(person_id=change["person"], training_class_id=change["class"]).delete()
        else:
            Enrolment.objects.create(person_id=change["person"], training_class_id=change["class"],
                                     status=change["status"])
        start = time.perf_counter()
        enrolments_changed.send(sender=Enrolment, person_ids={change["person"]}, class_ids={change["class"]})
        ctx.state["signal_ms"].append(1000 * (time.perf_counter() - start))


def app(ctx: Any) -> Any:
    from cadretrain.reports.summaries import rebuild_cube

    start = time.perf_counter()
    rebuild_cube()
    ctx.state["rebuild_s"].append(time.perf_counter() - start)
    changes = ctx.state["changes"]
    # The runner records every query of the call; the changes are timed without that logging
    # (it adds a few µs to each of their ~15 statements) and are left out of the query count.
    from django.db import connection

    logging, connection.force_debug_cursor = connection.force_debug_cursor, False
    try:
        for change in changes:
            _apply(change, undo=False, ctx=ctx)
        for change in reversed(changes):
            _apply(change, undo=True, ctx=ctx)
    finally:
        connection.force_debug_cursor = logging
    return _read_cube


def _read_cube() -> tuple[dict[tuple, tuple], dict[tuple, int]]:  # type: ignore[type-arg]
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT unit_id, year, programme_id, abroad, {', '.join(SUMS)} FROM reports_summarycell", [])
        cells = {(r[0], int(r[1]), r[2], bool(r[3])): tuple(int(x) for x in r[4:]) for r in cursor.fetchall()}
        cursor.execute("SELECT unit_id, year, series, learners FROM reports_learnercell", [])
        learners = {(r[0], int(r[1]), r[2]): int(r[3]) for r in cursor.fetchall()}
    return cells, learners


def limit(ctx: Any) -> tuple[dict[tuple, tuple], dict[tuple, int]]:  # type: ignore[type-arg]
    from django.db import connection

    from cadretrain.reports.summaries import FROM_RAW, KEY_SQL, SERIES_SQL, STATUS_SUMS, year_sql

    year, abroad = year_sql(), "(c.country <> 'VN')"
    with connection.cursor() as cursor:
        start = time.perf_counter()
        cursor.execute(
            f"""SELECT pe.unit_id, {year}, c.programme_id, {abroad}, {STATUS_SUMS} {FROM_RAW}
            GROUP BY pe.unit_id, {year}, c.programme_id, {abroad}""", [])
        rows = cursor.fetchall()
        ctx.state.setdefault("limit_unit_cells_s", []).append(time.perf_counter() - start)
        cells = {(r[0], int(r[1]), r[2], bool(r[3])): tuple(int(x or 0) for x in r[4:]) for r in rows}
        cursor.execute(
            f"""SELECT unit_id, year, series, COUNT(DISTINCT person_id) FROM (
                SELECT pe.unit_id AS unit_id, {year} AS year, e.person_id AS person_id,
                       CASE s.k WHEN 1 THEN {SERIES_SQL} WHEN 2 THEN 'ALL'
                            WHEN 3 THEN CASE WHEN {abroad} THEN 'ABROAD' END ELSE {KEY_SQL} END AS series
                {FROM_RAW}
                CROSS JOIN (SELECT 1 AS k UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4) s
                WHERE e.status <> 'WITHDRAWN') x
            WHERE series IS NOT NULL GROUP BY unit_id, year, series""", [])
        learners = {(r[0], int(r[1]), r[2]): int(r[3]) for r in cursor.fetchall()}
        cursor.execute(f"SELECT {year}, c.programme_id, {abroad}, COUNT(*) FROM training_trainingclass c "
                       f"GROUP BY {year}, c.programme_id, {abroad}", [])
        city = {(None, int(r[0]), r[1], bool(r[2])): [int(r[3])] + [0] * (len(SUMS) - 1) for r in cursor.fetchall()}
    for key, cell in cells.items():
        row = city[(None, *key[1:])]
        for i in range(1, len(SUMS)):
            row[i] += cell[i]
    city_learners: dict[tuple[None, int, str], int] = {}
    for (_, y, s), n in learners.items():
        city_learners[(None, y, s)] = city_learners.get((None, y, s), 0) + n
    return {**cells, **{k: tuple(v) for k, v in city.items()}}, {**learners, **city_learners}


def check(app_result: Any, limit_result: tuple[dict, dict]) -> None:  # type: ignore[type-arg]
    cells, learners = app_result()
    want_cells, want_learners = limit_result
    for name, got, want in (("cells", cells, want_cells), ("learners", learners, want_learners)):
        if got != want:
            diff = {k: (got.get(k), want.get(k)) for k in set(got) | set(want) if got.get(k) != want.get(k)}
            raise AssertionError(f"cube {name} differ from the raw rows in {len(diff)} keys: {str(diff)[:800]}")


def _ms(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)


def counters(ctx: Any) -> dict[str, Any]:
    from cadretrain.reports.models import LearnerCell, PersonCell, SummaryCell

    signal, cube = ctx.state.get("signal_ms", []), ctx.state.get("cube_ms", [])
    rebuild = ctx.state.get("rebuild_s", [])
    return {
        "changes_per_call": 2 * len(ctx.state.get("changes", [])),
        "change_ms_median": _ms(signal, 0.5), "change_ms_p95": _ms(signal, 0.95),
        "cube_change_ms_median": _ms(cube, 0.5), "cube_change_ms_p95": _ms(cube, 0.95),
        "rebuild_s_median": round(statistics.median(rebuild), 2) if rebuild else None,
        "limit_unit_cells_s_median": round(statistics.median(ctx.state.get("limit_unit_cells_s") or [0.0]), 2),
        "summary_cells": SummaryCell.objects.count(), "learner_cells": LearnerCell.objects.count(),
        "person_cells": PersonCell.objects.count(),
    }
