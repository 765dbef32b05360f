"""The runner's machinery: the workload context, interleaved limit/app pairs, statistics, the
machine description and the JSON/Markdown result files.

Timings are never gated: only medians and per-pair ratios are compared with the baseline
(reference/performance.md §4.1: on this shared 2-core box single runs vary by ±40%, interleaved
ratios stay stable)."""

from __future__ import annotations

import datetime as dt
import gc
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import traceback
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from benchmarks.workloads import Unavailable

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "benchmarks" / "results"
BASELINE_PATH = ROOT / "benchmarks" / "baseline.json"
ALL_SCALES = ("XS", "S", "M", "L", "XL")
NOISY_LOAD = 1.5
BASELINE_WARN = 1.25

# Tables every workload may read from ctx.duck (plus all standards_* and reports_* present).
DUCK_TABLES = (
    "people_person", "people_credential", "people_assignment", "org_orgunit", "org_position",
    "catalogue_programme", "training_trainingclass", "training_enrolment",
    "training_personyearperiods",
)


@dataclass
class Context:
    """What a workload gets: scale, DB, seed, the dataset DB (Django set up), DuckDB, scratch."""

    scale: str
    db: str
    seed: int
    tmp: Path
    database_url: str
    repeat: int
    sqlite_path: Path | None = None
    dataset_source: str = ""  # cached dataset (SQLite file or PostgreSQL template database)
    as_of: dt.date = field(default_factory=dt.date.today)
    state: dict[str, Any] = field(default_factory=dict)
    _duck: Any = None
    _actor: Any = None

    @property
    def django(self) -> ModuleType:
        import django

        return django

    @property
    def actor(self) -> Any:
        if self._actor is None:
            from cadretrain.domain.access import Actor

            self._actor = Actor.system()
        return self._actor

    @property
    def duck(self) -> Any:
        if self._duck is None:
            self._duck = export_to_duckdb()
        return self._duck

    def duck_threads(self, n: int) -> None:
        self.duck.execute(f"SET threads = {int(n)}")

    def close(self) -> None:
        if self._duck is not None:
            self._duck.close()
            self._duck = None


def product_tables() -> list[str]:
    """The DB tables exported to DuckDB: the fixed list plus standards_* and reports_* present."""
    from django.db import connection

    present = set(connection.introspection.table_names())
    wanted = [t for t in DUCK_TABLES if t in present]
    wanted += sorted(t for t in present if t.startswith(("standards_", "reports_")))
    return wanted


_DUCK_TYPES = {
    "AutoField": "BIGINT", "BigAutoField": "BIGINT", "SmallAutoField": "BIGINT",
    "IntegerField": "BIGINT", "BigIntegerField": "BIGINT", "SmallIntegerField": "BIGINT",
    "PositiveIntegerField": "BIGINT", "PositiveBigIntegerField": "BIGINT",
    "PositiveSmallIntegerField": "BIGINT", "ForeignKey": "BIGINT", "OneToOneField": "BIGINT",
    "BooleanField": "BOOLEAN", "DateField": "DATE", "DateTimeField": "TIMESTAMPTZ",
    "DecimalField": "DOUBLE", "FloatField": "DOUBLE", "DurationField": "BIGINT",
}


def _duck_columns(table: str, columns: list[str]) -> dict[str, str]:
    """DuckDB type per column from the Django model (so all-NULL columns keep a real type)."""
    from django.apps import apps

    model = next((m for m in apps.get_models() if m._meta.db_table == table), None)
    by_column = {}
    if model is not None:
        for f in model._meta.concrete_fields:
            by_column[f.column] = _DUCK_TYPES.get(f.get_internal_type(), "VARCHAR")
    return {c: by_column.get(c, "VARCHAR") for c in columns}


def export_to_duckdb() -> Any:
    """Copy the product tables into an in-memory DuckDB via the DB-API and pandas (untimed)."""
    import duckdb
    import pandas as pd
    from django.db import connection

    duck = duckdb.connect(":memory:")
    with connection.cursor() as cursor:
        for table in product_tables():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            columns = [c[0] for c in cursor.description]
            types = _duck_columns(table, columns)
            rows = cursor.fetchall()
            data = {}
            for i, c in enumerate(columns):
                values = [r[i] for r in rows]
                if types[c] in ("DATE", "TIMESTAMPTZ"):
                    # Backends return str, date or (aware) datetime: hand DuckDB ISO text.
                    values = [v.isoformat() if hasattr(v, "isoformat") else v for v in values]
                elif types[c] == "DOUBLE":
                    values = [None if v is None else float(v) for v in values]
                data[c] = pd.Series(values, dtype=object)
            frame = pd.DataFrame(data)
            duck.execute(f'CREATE TABLE "{table}" ('
                         + ", ".join(f'"{c}" {t}' for c, t in types.items()) + ")")
            if rows:
                # Materialise as a DuckDB table (not a view over pandas): queries run natively.
                duck.register("_frame", frame)
                try:
                    duck.execute(f'INSERT INTO "{table}" SELECT '
                                 + ", ".join(f'CAST("{c}" AS {t})' for c, t in types.items())
                                 + " FROM _frame")
                except duckdb.ConversionException as exc:
                    # One odd value must not lose the table: NULL it and say so.
                    log(f"DuckDB export: {table}: {exc}; unconvertible values become NULL")
                    duck.execute(f'INSERT INTO "{table}" SELECT '
                                 + ", ".join(f'TRY_CAST("{c}" AS {t})' for c, t in types.items())
                                 + " FROM _frame")
                duck.unregister("_frame")
    return duck


# --- statistics -----------------------------------------------------------------------------

def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {
        "median": statistics.median(values),
        "p95": percentile(values, 95),
        "min": min(values),
        "max": max(values),
    }


# --- one timed call -------------------------------------------------------------------------

def timed_call(fn: Any, ctx: Context) -> dict[str, Any]:
    """Run fn(ctx) once: wall time and SQL queries on the default DB. Memory is not traced here:
    tracemalloc slows Python-heavy code several-fold (the gap pass at L took 13 s traced, 2.4 s
    untraced), which would distort the very ratio being measured."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    gc.collect()
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        result = fn(ctx)
        elapsed = time.perf_counter() - start
    return {"seconds": elapsed, "queries": len(queries), "result": result}


def memory_probe(fn: Any, ctx: Context) -> float:
    """Peak Python allocation (MB) of one extra, untimed call."""
    gc.collect()
    tracemalloc.start()
    try:
        fn(ctx)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def run_workload(module: ModuleType, ctx: Context, *, check_all: bool = False) -> dict[str, Any]:
    """setup, then (limit, app) × repeat interleaved, check, counters, teardown → one record."""
    name = module.NAME
    record: dict[str, Any] = {"name": name, "status": "ok"}
    scales = getattr(module, "SCALES", ALL_SCALES)
    if ctx.scale not in scales:
        return {**record, "status": "skipped", "reason": f"scale {ctx.scale} not in {scales}"}
    try:
        if hasattr(module, "setup"):
            module.setup(ctx)
    except Unavailable as exc:
        return {**record, "status": "not available", "reason": str(exc)}
    except Exception as exc:  # a broken workload must not stop the others
        return {**record, "status": "error", "reason": f"setup: {exc!r}",
                "traceback": traceback.format_exc(limit=6)}
    if _uses_duck(module):
        # Export before the first timed call, and afresh for each workload: an earlier workload
        # may have written to the product DB since the last export.
        ctx.close()
        try:
            _ = ctx.duck
        except Exception as exc:
            return {**record, "status": "error", "reason": f"DuckDB export: {exc!r}",
                    "traceback": traceback.format_exc(limit=6)}
    limits: list[dict[str, Any]] = []
    apps: list[dict[str, Any]] = []
    try:
        cap = getattr(module, "MAX_PAIRS", ctx.repeat)
        if isinstance(cap, dict):  # a cap per scale, e.g. {"M": 1}
            cap = cap.get(ctx.scale, ctx.repeat)
        pairs = min(ctx.repeat, cap)
        for i in range(pairs):
            lim = timed_call(module.limit, ctx)
            app = timed_call(module.app, ctx)
            if i == 0 or check_all or getattr(module, "CHECK_ALL", False):
                module.check(app["result"], lim["result"])
            limits.append(lim)
            apps.append(app)
        probe = getattr(module, "MEMORY_PROBE", True)
        if isinstance(probe, dict):  # per scale, e.g. {"L": False}: the probe repeats a call
            probe = probe.get(ctx.scale, True)
        if apps and probe:
            record["app_peak_mb_probe"] = memory_probe(module.app, ctx)
            record["limit_peak_mb_probe"] = memory_probe(module.limit, ctx)
        if hasattr(module, "counters"):
            record["counters"] = module.counters(ctx)
    except AssertionError as exc:
        record["status"] = "check failed"
        record["reason"] = str(exc)[:2000]
    except Unavailable as exc:
        record["status"] = "not available"
        record["reason"] = str(exc)
    except Exception as exc:
        record["status"] = "error"
        record["reason"] = repr(exc)[:2000]
        record["traceback"] = traceback.format_exc(limit=8)
    finally:
        if hasattr(module, "teardown"):
            try:
                module.teardown(ctx)
            except Exception as exc:  # teardown errors are reported, not fatal
                record.setdefault("warnings", []).append(f"teardown: {exc!r}")
    if limits and apps:
        ratios = [a["seconds"] / lim["seconds"] for a, lim in zip(apps, limits, strict=False)
                  if lim["seconds"] > 0]
        record.update({
            "pairs": len(apps),
            "app_seconds": summary([a["seconds"] for a in apps]),
            "limit_seconds": summary([lim["seconds"] for lim in limits]),
            "ratio": summary(ratios),
            "app_peak_mb": summary([record.get("app_peak_mb_probe", 0.0)]),
            "limit_peak_mb": summary([record.get("limit_peak_mb_probe", 0.0)]),
            "app_queries": summary([a["queries"] for a in apps]),
            "limit_queries": summary([lim["queries"] for lim in limits]),
            "raw": {
                "app_seconds": [a["seconds"] for a in apps],
                "limit_seconds": [lim["seconds"] for lim in limits],
            },
        })
        headline = (record.get("counters") or {}).get("headline_ratio")
        if headline:
            # The workload's own app/limit ratio (e.g. hello rps / endpoint rps) replaces the
            # wall-time ratio, which means nothing when app and limit do different amounts.
            record["time_ratio"] = record["ratio"]
            record["ratio"] = {k: headline[k] for k in ("median", "min", "max") if k in headline}
            record["ratio_label"] = headline.get("label", "")
        metrics = [_metrics(a["result"]) for a in apps]
        if any(metrics):
            record["app_metrics"] = metrics
        metrics = [_metrics(lim["result"]) for lim in limits]
        if any(metrics):
            record["limit_metrics"] = metrics
    return record


def _uses_duck(module: ModuleType) -> bool:
    import inspect

    try:
        return ".duck" in inspect.getsource(module)
    except (OSError, TypeError):
        return False


def _metrics(result: Any) -> Any:
    return result.get("metrics") if isinstance(result, dict) else None


# --- machine description --------------------------------------------------------------------

def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _git_sha() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                             text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return out.stdout.strip() + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def machine(db: str) -> dict[str, Any]:
    """CPU, cores, memory, versions and git SHA: enough to tell two result files apart."""
    import django

    versions = {"python": platform.python_version(), "django": django.get_version()}
    for mod in ("duckdb", "pandas", "psycopg", "gunicorn"):
        try:
            versions[mod] = __import__(mod).__version__
        except Exception:  # optional tool absent: recorded as such
            versions[mod] = None
    import sqlite3

    versions["sqlite"] = sqlite3.sqlite_version
    if db == "postgres":
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            versions["postgresql"] = cursor.fetchone()[0]
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kb / 2**20, 1),
        "os": platform.platform(),
        "versions": versions,
        "git": _git_sha(),
    }


def max_rss_mb() -> float:
    """Peak resident set of this process (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- baseline and result files --------------------------------------------------------------

def load_baseline() -> dict[str, Any]:
    try:
        return json.loads(BASELINE_PATH.read_text())
    except (OSError, ValueError):
        return {}


def compare_with_baseline(run: dict[str, Any]) -> list[str]:
    """Warnings for workloads whose median ratio grew by more than 25% over the stored one."""
    baseline = load_baseline().get(f"{run['scale']}-{run['db']}", {})
    warnings = []
    for rec in run["workloads"]:
        old = baseline.get(rec["name"])
        new = rec.get("ratio", {}).get("median")
        if old and new and new > old * BASELINE_WARN:
            warnings.append(
                f"{rec['name']}: ratio {new:.2f} is {100 * (new / old - 1):.0f}% above the baseline {old:.2f}"
            )
            rec["baseline_warning"] = True
        if old:
            rec["baseline_ratio"] = old
    return warnings


def update_baseline(run: dict[str, Any]) -> None:
    """Store this run's median ratios as the last-good ones for its scale and DB."""
    data = load_baseline()
    key = f"{run['scale']}-{run['db']}"
    entry = data.get(key, {})
    for rec in run["workloads"]:
        ratio = rec.get("ratio", {}).get("median")
        if rec["status"] == "ok" and ratio:
            entry[rec["name"]] = round(ratio, 4)
    data[key] = dict(sorted(entry.items()))
    BASELINE_PATH.write_text(json.dumps(dict(sorted(data.items())), indent=2) + "\n")


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        if value >= 100:
            return f"{value:,.0f}"
        return f"{value:.{digits}g}"
    return str(value)


def markdown(run: dict[str, Any]) -> str:
    """The human-readable table of one run."""
    m = run["machine"]
    lines = [
        f"# Benchmarks {run['scale']} on {run['db']} — {run['started']}",
        "",
        f"{m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; git {m['git']}; "
        f"Python {m['versions']['python']}, Django {m['versions']['django']}, "
        f"SQLite {m['versions']['sqlite']}"
        + (f", PostgreSQL {m['versions']['postgresql']}" if m["versions"].get("postgresql") else "")
        + f", DuckDB {m['versions'].get('duckdb')}.",
        f"Load average {run['load_start']} at start, {run['load_end']} at end"
        + (" — **noisy run** (start > 1.5): compare ratios only." if run["noisy"] else "."),
        f"Dataset: {run['dataset']['source']} ({run['dataset']['generator']}); "
        f"{run['repeat']} interleaved limit/app pairs per workload"
        + (" (fewer where a workload caps them)." if run["repeat"] > 3 else "."),
        "Rows: " + ", ".join(f"{k} {v:,}" for k, v in run["dataset"].get("rows", {}).items()) + ".",
        "",
        "| workload | status | app median s | limit median s | ratio app/limit (median, min–max) "
        "| app p95 s | queries app/limit | peak MB app/limit |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for rec in run["workloads"]:
        if "ratio" not in rec:
            lines.append(f"| {rec['name']} | {rec['status']}: {rec.get('reason', '')[:120]} "
                         "| | | | | | |")
            continue
        r = rec["ratio"]
        flag = " ⚠ +25% vs baseline" if rec.get("baseline_warning") else ""
        lines.append(
            f"| {rec['name']} | {rec['status']}{': ' + rec.get('reason', '')[:160] if rec['status'] != 'ok' else ''} "
            f"| {_fmt(rec['app_seconds']['median'])} "
            f"| {_fmt(rec['limit_seconds']['median'])} "
            f"| **{_fmt(r.get('median'))}** ({_fmt(r.get('min'))}–{_fmt(r.get('max'))}){flag} "
            f"| {_fmt(rec['app_seconds']['p95'])} "
            f"| {_fmt(rec['app_queries']['median'])}/{_fmt(rec['limit_queries']['median'])} "
            f"| {_fmt(rec['app_peak_mb']['median'])}/{_fmt(rec['limit_peak_mb']['median'])} |"
        )
    for rec in run["workloads"]:
        counters = rec.get("counters")
        if not counters:
            continue
        lines += ["", f"## {rec['name']}", ""]
        if rec.get("ratio_label"):
            lines.append(f"- ratio above = {rec['ratio_label']}")
        for key, value in counters.items():
            if key in ("_tables", "headline_ratio"):
                continue
            text = json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else _fmt(value)
            lines.append(f"- {key}: {text}")
        for table in counters.get("_tables", []):
            lines += ["", *table]
    if run.get("warnings"):
        lines += ["", "## Warnings", "", *[f"- {w}" for w in run["warnings"]]]
    lines += ["", f"Process peak RSS {run['max_rss_mb']:.0f} MB; wall time {run['wall_seconds']:.0f} s.", ""]
    return "\n".join(lines)


def write_results(run: dict[str, Any]) -> tuple[Path, Path]:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    # The start time (UTC, to the minute) is part of the name: several sessions run on one day.
    started = run["started"]
    stem = f"{run['scale']}-{run['db']}-{started[:10]}T{started[11:13]}{started[14:16]}"
    if run.get("only"):
        # A partial run must not overwrite the day's full run.
        stem += "-only-" + "-".join(sorted(run["only"]))
    json_path = RESULTS_DIR / f"{stem}.json"
    md_path = RESULTS_DIR / f"{stem}.md"
    clean = json.loads(json.dumps(run, default=str))
    for rec in clean["workloads"]:
        rec.pop("traceback", None) if rec["status"] == "ok" else None
    json_path.write_text(json.dumps(clean, indent=2, ensure_ascii=False) + "\n")
    md_path.write_text(markdown(run))
    return json_path, md_path


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
