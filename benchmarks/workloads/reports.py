"""Workload (b) of reference/performance.md §4.3: dashboards and reports.

app    the product's dashboard aggregates (cadretrain.reports.selectors.dashboard: the summary cube,
       one query per request plus the cached people figures) for a set of filtered requests —
       city-wide over all years, the last five years per kind of training, and the subtrees of
       the largest top-level units — plus the `report summary` rows of the last full year (the
       cube), of the year so far and of the last four years to date (the learners' summary days)
       (kinds, abroad, tiers; the compliance part is workload `gaps`).
limit  the same figures computed by DuckDB over the raw rows (classes, enrolments, distinct
       learners, completions per year and series; the summary per kind and level).
check  the app's figures equal DuckDB's exactly.

Per request the app reads ≤ 10^4 cube rows; DuckDB scans every enrolment. Target at L: p95 of
one request ≤ 300 ms and app/DuckDB ≤ 2 (the whole set of requests is timed as one call here;
the latency of each request, over every pair, is reported in counters as `per_request_ms_*`
with the slowest request named). Form 10-BTCTW of the last full year is timed in `counters`
(`form10_ms_*`), cold: each build follows a committed change of one enrolment of that year
(withdrawn, then restored), which empties the page's reuse of the form, as a leader meets it after
any write. DuckDB has no counterpart of it. So are the dashboards and the year's summary (with
compliance) right after a committed change (`dashboard_after_change_ms_*`,
`summary_after_change_ms_*`), and the first use of a day whose compliance is not kept yet
(`compliance_new_day_ms`); and the summary of the year so far after a change
(`summary_ytd_after_change_ms_*`).
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

NAME = "reports"

SERIES_SQL = """CASE WHEN p.kind = 'POLITICAL_THEORY' AND p.grants_level IN ('CAO_CAP', 'CU_NHAN',
    'CAO_CAP_LLCT_HANH_CHINH') THEN 'LLCT_CAO_CAP' WHEN p.kind = 'POLITICAL_THEORY' AND p.grants_level = 'TRUNG_CAP'
    THEN 'LLCT_TRUNG_CAP' ELSE p.kind END"""


def _requests(ctx: Any) -> list[dict[str, Any]]:
    """The filtered dashboard requests: (unit path or None, years, series or None)."""
    year = ctx.as_of.year
    (lo, hi) = ctx.state["years"]
    reqs: list[dict[str, Any]] = [{"path": None, "code": None, "years": (lo, hi), "series": None}]
    for series in ("KNOWLEDGE_UPDATE", "LLCT_CAO_CAP", "ABROAD", "IT"):
        reqs.append({"path": None, "code": None, "years": (year - 4, year), "series": series})
    for code, path in ctx.state["units"]:
        reqs.append({"path": path, "code": code, "years": (year - 4, year), "series": None})
    return reqs


def setup(ctx: Any) -> None:
    from django.db.models import Count, Max, Min

    from cadretrain.org.models import OrgUnit
    from cadretrain.people.models import Person
    from cadretrain.reports import selectors
    from cadretrain.training.models import TrainingClass

    span = TrainingClass.objects.aggregate(lo=Min("start_date"), hi=Max("start_date"))
    if span["lo"] is None:
        from benchmarks.workloads import Unavailable

        raise Unavailable("no classes in the dataset")
    ctx.state["years"] = (span["lo"].year, span["hi"].year)
    # The three top-level units (children of the root) with the most people.
    roots = list(OrgUnit.objects.filter(parent__isnull=True).values_list("path", flat=True))
    candidates = OrgUnit.objects.filter(depth=1) if roots else OrgUnit.objects.none()
    sizes = []
    for code, path in candidates.values_list("code", "path"):
        sizes.append((Person.objects.filter(unit__path__startswith=path).count(), code, path))
    ctx.state["units"] = [(c, p) for _, c, p in sorted(sizes, reverse=True)[:3]]
    last = ctx.as_of.year - 1
    ctx.state["summary_period"] = (dt.date(last, 1, 1), dt.date(last, 12, 31))
    # Periods that are not calendar years: the summary page opens on the year so far.
    ctx.state["other_periods"] = {"summary_ytd": (dt.date(last + 1, 1, 1), ctx.as_of),
                                  "summary_4y": (dt.date(last - 2, 1, 1), ctx.as_of)}
    # Warm the cached people figures (compliance: workload `gaps`) for every scope requested.
    for req in _requests(ctx):
        scope = selectors.report_scope(actor=ctx.actor, unit_code=req["code"])
        selectors.people_figures(actor=ctx.actor, scope=scope, year_to=req["years"][1])
    from cadretrain.reports.models import SummaryCell

    ctx.state["cube_rows"] = SummaryCell.objects.count()
    ctx.state["units_n"] = OrgUnit.objects.aggregate(n=Count("pk"))["n"]
    ctx.duck  # export the tables to DuckDB now, outside the timed calls  # noqa: B018


def app(ctx: Any) -> dict[str, Any]:
    from cadretrain.reports import selectors

    out: dict[str, Any] = {}
    samples = ctx.state.setdefault("samples", [])  # (request label, seconds) over every pair
    for i, req in enumerate(_requests(ctx)):
        started = time.perf_counter()
        scope = selectors.report_scope(actor=ctx.actor, unit_code=req["code"])
        board = selectors.dashboard(actor=ctx.actor, scope=scope, year_from=req["years"][0],
                                    year_to=req["years"][1], series=req["series"])
        samples.append((_label(req), time.perf_counter() - started))
        keep = {req["series"]} if req["series"] else None
        out[f"dash{i}"] = {
            (y, s): (c.classes, c.learners, c.enrolments, c.completed)
            for (y, s), c in board.cells.items()
            if (keep is None or s in keep) and (c.classes or c.learners or c.enrolments)
        }
    date_from, date_to = ctx.state["summary_period"]
    started = time.perf_counter()
    out["summary"] = _summary_without_compliance(ctx.actor, date_from, date_to)
    samples.append(("report summary", time.perf_counter() - started))
    for key, (date_from, date_to) in ctx.state["other_periods"].items():
        started = time.perf_counter()
        out[key] = _summary_without_compliance(ctx.actor, date_from, date_to)
        samples.append((f"report summary {date_from}–{date_to}", time.perf_counter() - started))
    return out


def _label(req: dict[str, Any]) -> str:
    where = req["code"] or "city"
    return f"dashboard {where} {req['years'][0]}–{req['years'][1]} {req['series'] or 'all kinds'}"


def _summary_without_compliance(actor: Any, date_from: dt.date, date_to: dt.date) -> dict[str, Any]:
    from cadretrain.reports.selectors import summary_figures

    doc = summary_figures(actor=actor, date_from=date_from, date_to=date_to)
    return {"rows": {(r["kind"], r["level"]): (r["classes"], r["enrolments"], r["learners"], r["completed"])
                     for r in doc["rows"]}, "abroad": tuple(doc["abroad"].values())}


def _duck_dashboard(duck: Any, req: dict[str, Any]) -> dict[tuple[int, str], tuple[int, int, int, int]]:
    lo, hi = req["years"]
    series = f"UNNEST([{SERIES_SQL}, 'ALL', CASE WHEN c.country <> 'VN' THEN 'ABROAD' END])"
    if req["path"] is None:
        class_filter, person_filter, params = "TRUE", "TRUE", {}
    else:
        params = {"prefix": req["path"]}
        class_filter = """(starts_with(ou.path, $prefix) OR c.id IN (
            SELECT e2.training_class_id FROM training_enrolment e2 JOIN people_person p2 ON p2.id = e2.person_id
            JOIN org_orgunit u2 ON u2.id = p2.unit_id WHERE starts_with(u2.path, $prefix)))"""
        person_filter = "starts_with(pu.path, $prefix)"
    classes = duck.execute(
        f"""SELECT y, s, count(*) FROM (
              SELECT year(c.start_date) AS y, {series} AS s FROM training_trainingclass c
              JOIN catalogue_programme p ON p.id = c.programme_id JOIN org_orgunit ou ON ou.id = c.organizer_unit_id
              WHERE year(c.start_date) BETWEEN {lo} AND {hi} AND {class_filter})
            WHERE s IS NOT NULL GROUP BY y, s""", params).fetchall()
    enrol = duck.execute(
        f"""SELECT y, s, count(DISTINCT person_id), count(*), sum(CASE WHEN status = 'COMPLETED' THEN 1 ELSE 0 END)
            FROM (SELECT year(c.start_date) AS y, {series} AS s, e.person_id, e.status
                  FROM training_enrolment e JOIN training_trainingclass c ON c.id = e.training_class_id
                  JOIN catalogue_programme p ON p.id = c.programme_id JOIN people_person pe ON pe.id = e.person_id
                  JOIN org_orgunit pu ON pu.id = pe.unit_id
                  WHERE e.status <> 'WITHDRAWN' AND year(c.start_date) BETWEEN {lo} AND {hi} AND {person_filter})
            WHERE s IS NOT NULL GROUP BY y, s""", params).fetchall()
    out: dict[tuple[int, str], list[int]] = {}
    for y, s, n in classes:
        out.setdefault((int(y), s), [0, 0, 0, 0])[0] = int(n)
    for y, s, learners, n, completed in enrol:
        cell = out.setdefault((int(y), s), [0, 0, 0, 0])
        cell[1], cell[2], cell[3] = int(learners), int(n), int(completed)
    keep = req["series"]
    return {k: tuple(v) for k, v in out.items() if (keep is None or k[1] == keep)}  # type: ignore[misc]


def limit(ctx: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i, req in enumerate(_requests(ctx)):
        out[f"dash{i}"] = _duck_dashboard(ctx.duck, req)
    out["summary"] = _duck_summary(ctx.duck, *ctx.state["summary_period"])
    for key, (date_from, date_to) in ctx.state["other_periods"].items():
        out[key] = _duck_summary(ctx.duck, date_from, date_to)
    return out


def _duck_summary(duck: Any, date_from: dt.date, date_to: dt.date) -> dict[str, Any]:
    rows = duck.execute(
        """WITH cls AS (SELECT c.id, p.kind, p.grants_level AS lvl, c.country FROM training_trainingclass c
                        JOIN catalogue_programme p ON p.id = c.programme_id
                        WHERE c.start_date BETWEEN $a AND $b),
                k AS (SELECT kind, lvl, count(*) AS n FROM cls GROUP BY 1, 2),
                e AS (SELECT cls.kind, cls.lvl, count(*) AS n, count(DISTINCT e.person_id) AS learners,
                             sum(CASE WHEN e.status = 'COMPLETED' THEN 1 ELSE 0 END) AS completed
                      FROM training_enrolment e JOIN cls ON cls.id = e.training_class_id
                      WHERE e.status <> 'WITHDRAWN' GROUP BY 1, 2)
           SELECT coalesce(k.kind, e.kind), coalesce(k.lvl, e.lvl), coalesce(k.n, 0), coalesce(e.n, 0),
                  coalesce(e.learners, 0), coalesce(e.completed, 0)
           FROM k FULL JOIN e ON e.kind = k.kind AND e.lvl = k.lvl""",
        {"a": date_from, "b": date_to}).fetchall()
    abroad = duck.execute(
        """SELECT (SELECT count(*) FROM training_trainingclass WHERE start_date BETWEEN $a AND $b AND country <> 'VN'),
                  (SELECT count(DISTINCT e.person_id) FROM training_enrolment e
                   JOIN training_trainingclass c ON c.id = e.training_class_id
                   WHERE c.start_date BETWEEN $a AND $b AND c.country <> 'VN' AND e.status <> 'WITHDRAWN')""",
        {"a": date_from, "b": date_to}).fetchone()
    return {"rows": {(kind, lvl or None): (int(a), int(b), int(c), int(d)) for kind, lvl, a, b, c, d in rows},
            "abroad": (int(abroad[0]), int(abroad[1]))}


def check(app_result: dict[str, Any], limit_result: dict[str, Any]) -> None:
    assert app_result.keys() == limit_result.keys(), (app_result.keys(), limit_result.keys())
    for key in app_result:
        a, b = app_result[key], limit_result[key]
        if a != b:
            diff = {k: (a.get(k), b.get(k)) for k in set(a) | set(b) if a.get(k) != b.get(k)} \
                if isinstance(a, dict) else (a, b)
            raise AssertionError(f"{key}: app and DuckDB differ: {str(diff)[:800]}")


def counters(ctx: Any) -> dict[str, Any]:

    samples = ctx.state.get("samples", [])
    lat = sorted(seconds for _, seconds in samples)
    slowest = max(samples, key=lambda sample: sample[1], default=("", 0.0))
    form10 = _cold_form10(ctx, ctx.state["summary_period"][0].year)
    after = _after_change(ctx)
    return {
        "requests": len(lat),
        "per_request_ms_median": _ms(lat[len(lat) // 2]) if lat else None,
        # Nearest rank: the value below which 95% of the requests fall.
        "per_request_ms_p95": _ms(lat[max(0, -(-95 * len(lat) // 100) - 1)]) if lat else None,
        "per_request_ms_max": _ms(lat[-1]) if lat else None,
        "slowest_request": f"{slowest[0]} ({_ms(slowest[1])} ms)",
        "form10_ms_median": _ms(sorted(form10)[len(form10) // 2]), "form10_ms_max": _ms(max(form10)),
        "cube_rows": ctx.state.get("cube_rows"), "units": ctx.state.get("units_n"),
        **after,
    }


def _after_change(ctx: Any) -> dict[str, Any]:
    """What a leader meets after any write: each dashboard request, and the summaries of the last
    year and of the year so far with their compliance, right after a committed change of one person's credential (added, then
    removed again: the change moves the person's kept compliance and empties the dashboard's
    cached people figures). Also the first use of a day whose compliance is not kept yet (a
    full evaluation of the workforce, once per day asked for). The data is left as found."""
    from django.db import transaction

    from cadretrain.people.models import Credential, Person
    from cadretrain.reports import selectors
    from cadretrain.standards.compliance import compliance_rollup

    person = Person.objects.filter(left_on__isnull=True).order_by("pk").values_list("pk", flat=True).first()
    made: list[Any] = []

    def change() -> None:
        with transaction.atomic():
            if made:
                made.pop().delete()
            else:
                made.append(Credential.objects.create(person_id=person, dimension="IT", level="CO_BAN",
                                                      issued_on=dt.date(2001, 2, 3)))

    dashboards: list[float] = []
    summaries: list[float] = []
    year_so_far: list[float] = []
    try:
        for req in _requests(ctx):
            change()
            started = time.perf_counter()
            scope = selectors.report_scope(actor=ctx.actor, unit_code=req["code"])
            selectors.dashboard(actor=ctx.actor, scope=scope, year_from=req["years"][0], year_to=req["years"][1],
                                series=req["series"])
            dashboards.append(time.perf_counter() - started)
        date_from, date_to = ctx.state["summary_period"]
        compliance_rollup(actor=ctx.actor, as_of=date_to)  # the period's end kept (its first use is timed below)
        for _ in range(3):
            change()
            started = time.perf_counter()
            selectors.training_summary_cached(actor=ctx.actor, date_from=date_from, date_to=date_to)
            summaries.append(time.perf_counter() - started)
        date_from, date_to = ctx.state["other_periods"]["summary_ytd"]
        compliance_rollup(actor=ctx.actor, as_of=date_to)
        for _ in range(3):
            change()
            started = time.perf_counter()
            selectors.training_summary_cached(actor=ctx.actor, date_from=date_from, date_to=date_to)
            year_so_far.append(time.perf_counter() - started)
    finally:
        if made:
            change()
    new_day = dt.date(ctx.as_of.year - 1, 6, 30)
    started = time.perf_counter()
    compliance_rollup(actor=ctx.actor, as_of=new_day)
    first_day = time.perf_counter() - started
    dashboards.sort()
    return {
        "dashboard_after_change_ms_median": _ms(dashboards[len(dashboards) // 2]),
        "dashboard_after_change_ms_max": _ms(dashboards[-1]),
        "summary_after_change_ms_median": _ms(sorted(summaries)[1]), "summary_after_change_ms_max": _ms(max(summaries)),
        "summary_ytd_after_change_ms_median": _ms(sorted(year_so_far)[1]),
        "summary_ytd_after_change_ms_max": _ms(max(year_so_far)),
        "compliance_new_day_ms": _ms(first_day),
    }


def _cold_form10(ctx: Any, year: int) -> list[float]:
    """Seconds of `form10_cached` right after each of four committed changes to one enrolment of
    the year (ENROLLED → WITHDRAWN → ENROLLED → …, announced as an enrolment POST does): every
    build is a cold one. The data is left as it was found."""
    from django.db import transaction

    from cadretrain.reports.form10 import form10_cached
    from cadretrain.training.models import Enrolment
    from cadretrain.training.signals import enrolments_changed

    one = (Enrolment.objects.filter(training_class__start_date__year=year, status="ENROLLED")
           .order_by("pk").values_list("pk", "person_id", "training_class_id").first())
    seconds = []
    for status in ("WITHDRAWN", "ENROLLED", "WITHDRAWN", "ENROLLED"):
        if one is not None:
            pk, person, klass = one
            with transaction.atomic():
                Enrolment.objects.filter(pk=pk).update(status=status)
                enrolments_changed.send(sender=Enrolment, person_ids={person}, class_ids={klass})
        started = time.perf_counter()
        form10_cached(actor=ctx.actor, year=year)
        seconds.append(time.perf_counter() - started)
    return seconds


def _ms(seconds: float) -> float:
    return round(1000 * seconds, 1)
