"""Benchmark workloads: one module per workload, discovered by the runner (`python -m benchmarks`).

Module protocol (implement exactly; the runner calls nothing else)
------------------------------------------------------------------
A module ``benchmarks/workloads/<name>.py`` defines:

``NAME: str``
    The workload's name as used by ``--only`` (e.g. ``"gaps"``).
``SCALES: tuple[str, ...]`` (optional)
    Scales it supports, e.g. ``("XS", "S", "M")``; default: all of XS, S, M, L, XL.
``MAX_PAIRS: int | dict[str, int]`` (optional)
    Caps the number of (limit, app) pairs for an expensive workload (never below 3 is advised),
    for every scale or per scale (``{"M": 1}``).
``MEMORY_PROBE: bool | dict[str, bool]`` (optional, default True)
    Whether to call ``app`` once more under tracemalloc for its peak allocation (pointless when
    the product side runs in a subprocess; too costly for a 3M-row import), for every scale or
    per scale (``{"L": False}``).
``CHECK_ALL: bool`` (optional)
    Run ``check`` on every pair, not only the first (as ``--check-all`` does for all).
``ORDER: int`` (optional, default 50)
    Workloads run by ascending ORDER, then name. Workloads that write to the product DB
    (contention: 90) run last so that the others see the dataset as generated.
``setup(ctx) -> None`` (optional)
    Untimed preparation: export tables, build files, warm caches. Runs once, before the pairs.
    Raise ``benchmarks.workloads.Unavailable("reason")`` when the product feature the workload
    needs does not exist yet: the runner prints "not available: reason" and goes on.
``limit(ctx) -> Any``
    The in-run baseline (DuckDB, raw executemany/COPY, calamine, …) on the same data. Timed.
``app(ctx) -> Any``
    The product path (service, command, HTTP). Timed.
``check(app_result, limit_result) -> None``
    Correctness oracle: raises ``AssertionError`` when the two results disagree. Called on the
    results of the first pair (and every pair with ``--check-all``).
``counters(ctx) -> dict`` (optional)
    Deterministic counters recorded beside the timings, e.g. ``{"queries": 7, "rows": 60000}``.
    Called once after the pairs.
``teardown(ctx) -> None`` (optional)
    Untimed clean-up (stop servers, drop scratch tables).

The runner calls ``limit`` then ``app``, alternately, ``ctx.repeat`` times (≥ 3; 5 at S), and
records per call the wall time, the peak Python memory (tracemalloc) and the SQL query count
(``CaptureQueriesContext`` on the default connection); it reports the median, p95, min and max
of each, and the median / min / max of the per-pair ratio ``app_time / limit_time``. A workload
that measures something else (HTTP throughput) may return a dict with a ``"metrics"`` key from
``app``/``limit``; those metrics are kept in the result JSON as they are.

``ctx`` (a ``benchmarks.harness.Context``) carries
    ``scale``    "XS" | "S" | "M" | "L" | "XL"
    ``db``       "sqlite" | "postgres"
    ``seed``     the dataset seed (int, default 1)
    ``as_of``    a ``datetime.date``: today
    ``actor``    ``Actor.system()`` (city-wide, for services and selectors)
    ``duck``     a duckdb connection, created lazily on first access, in which every product
                 table used by workloads is registered under its DB table name: people_person,
                 people_credential, people_assignment, org_orgunit, org_position,
                 catalogue_programme, training_trainingclass, training_enrolment,
                 training_personyearperiods and all ``standards_*`` and ``reports_*`` tables
                 present (exported once from the product DB, outside any timed region;
                 ``ctx.duck_threads(n)`` sets DuckDB's thread count). The runner exports
                 afresh before the first pair of every workload whose source mentions
                 ``.duck``, so the export is never timed and never stale
    ``tmp``      a ``pathlib.Path`` for scratch files (removed after the run)
    ``django``   the ``django`` module, already set up against the dataset DB (a fresh copy of
                 the cached dataset for this run: workloads may write)
    ``database_url``  the DATABASE_URL of that DB; ``sqlite_path`` (SQLite only) its file
    ``repeat``   the number of pairs
    ``state``    a dict for the workload's own use between setup/app/limit/check/counters
Attributes may also be set on ``ctx`` directly (``ctx.my_thing = …``).

Example::

    NAME = "people_count"

    def limit(ctx):
        return ctx.duck.execute("SELECT count(*) FROM people_person").fetchone()[0]

    def app(ctx):
        from cadretrain.people.models import Person
        return Person.objects.visible_to(ctx.actor).count()

    def check(app_result, limit_result):
        assert app_result == limit_result, (app_result, limit_result)
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


class Unavailable(Exception):  # noqa: N818 - reads as "raise Unavailable(reason)"
    """The product feature a workload measures does not exist yet (reported, not failed)."""


def discover(only: list[str] | None = None) -> list[ModuleType]:
    """Import every workload module in this package (optionally only those NAMEd in `only`)."""
    modules = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        name = getattr(module, "NAME", None)
        if not name:
            continue
        if only and name not in only and info.name not in only:
            continue
        modules.append(module)
    return sorted(modules, key=lambda m: (getattr(m, "ORDER", 50), m.NAME))
