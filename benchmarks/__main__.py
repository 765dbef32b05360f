"""`python -m benchmarks run --scale S --db sqlite [--only gaps,reports] [--repeat N]`.

Builds or reuses the dataset of that scale, copies it fresh, sets Django up against the copy,
runs every discovered workload as interleaved (limit, app) pairs and writes
benchmarks/results/<scale>-<db>-<date>.json and .md (see benchmarks/README.md)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import datasets, harness


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    sub = parser.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="run the workloads at one scale on one database")
    run.add_argument("--scale", default="S", choices=harness.ALL_SCALES)
    run.add_argument("--db", default="sqlite", choices=("sqlite", "postgres"))
    run.add_argument("--seed", type=int, default=1)
    run.add_argument("--only", default="", help="comma-separated workload names")
    run.add_argument("--repeat", type=int, default=0,
                     help="limit/app pairs per workload (default 5 at XS/S, 3 above)")
    run.add_argument("--check-all", action="store_true", help="check every pair, not only the first")
    run.add_argument("--no-write", action="store_true", help="print the table, write no result files")
    run.add_argument("--update-baseline", action="store_true",
                     help="store this run's median ratios in benchmarks/baseline.json")
    prep = sub.add_parser("prepare", help="build (or bring forward) the cached dataset only")
    prep.add_argument("--scale", default="S", choices=harness.ALL_SCALES)
    prep.add_argument("--db", default="sqlite", choices=("sqlite", "postgres"))
    prep.add_argument("--seed", type=int, default=1)
    sub.add_parser("list", help="list the discovered workloads")
    cmp_ = sub.add_parser("compare", help="growth between two result files (smaller scale first)")
    cmp_.add_argument("paths", nargs=2)
    return parser


def _setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.update({k: v for k, v in datasets.product_env(database_url).items()
                       if k in ("SECRET_KEY", "HTTPS", "DEBUG", "CADRETRAIN_TESTING")})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cadretrain.config.settings")
    import warnings

    import django

    # Whitenoise warns once that collectstatic has not run: the API benchmarks serve no files.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    django.setup()


def _dataset_rows() -> dict[str, int]:
    """Row counts of the main tables: the size axis for the complexity comparison."""
    from django.db import connection

    out = {}
    present = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for table in ("people_person", "org_orgunit", "training_trainingclass",
                      "training_enrolment", "people_credential"):
            if table in present:
                cursor.execute(f"SELECT COUNT(*) FROM {table}")
                out[table] = cursor.fetchone()[0]
    return out


def compare(paths: list[str]) -> int:
    """Growth of each workload's app time between two result files (e.g. M then L): the time
    ratio against the data ratio; an exponent above ~1.15 means super-linear cost."""
    import json
    import math

    small, large = (json.loads(Path(p).read_text()) for p in paths)
    n_small = small["dataset"].get("rows", {}).get("training_enrolment") or 1
    n_large = large["dataset"].get("rows", {}).get("training_enrolment") or 1
    data_ratio = n_large / n_small
    print(f"{small['scale']} → {large['scale']} on {large['db']}: enrolments ×{data_ratio:.1f} "
          f"({n_small:,} → {n_large:,})")
    print("| workload | app s (small) | app s (large) | time ratio | exponent | ratio app/limit small → large |")
    print("|---|---|---|---|---|---|")
    by_name = {w["name"]: w for w in small["workloads"]}
    for w in large["workloads"]:
        s = by_name.get(w["name"])
        if not s or "app_seconds" not in s or "app_seconds" not in w:
            continue
        t_small, t_large = s["app_seconds"]["median"], w["app_seconds"]["median"]
        growth = t_large / t_small if t_small else float("nan")
        exponent = math.log(growth) / math.log(data_ratio) if data_ratio > 1 and growth > 0 else float("nan")
        flag = " ⚠ super-linear" if exponent > 1.15 else ""
        print(f"| {w['name']} | {t_small:.3g} | {t_large:.3g} | {growth:.2f} | {exponent:.2f}{flag} "
              f"| {s['ratio']['median']:.3g} → {w['ratio']['median']:.3g} |")
    return 0


def run(args: argparse.Namespace) -> int:
    from benchmarks.workloads import discover

    repeat = args.repeat or (5 if args.scale in ("XS", "S") else 3)
    repeat = max(repeat, 1)
    only = [name.strip() for name in args.only.split(",") if name.strip()] or None
    started = dt.datetime.now().astimezone()
    load_start = harness.load_average()
    wall = time.perf_counter()
    harness.log(f"benchmarks {args.scale} on {args.db}: preparing the dataset (load {load_start})")
    with tempfile.TemporaryDirectory(prefix="ct_bench_") as tmpdir:
        tmp = Path(tmpdir)
        info = datasets.prepare(args.scale, args.db, args.seed, tmp)
        harness.log(f"dataset {info['source']} ({info['generator']}; "
                    f"{'built' if info['built'] else 'cached'}, {info['prepare_seconds']:.1f} s)")
        _setup_django(str(info["database_url"]))
        info["rows"] = _dataset_rows()
        modules = discover(only)
        ctx = harness.Context(scale=args.scale, db=args.db, seed=args.seed, tmp=tmp,
                              database_url=str(info["database_url"]), repeat=repeat,
                              sqlite_path=info.get("sqlite_path"),  # type: ignore[arg-type]
                              dataset_source=str(info["source"]))
        records = []
        try:
            for module in modules:
                harness.log(f"→ {module.NAME}")
                rec = harness.run_workload(module, ctx, check_all=args.check_all)
                records.append(rec)
                if rec["status"] not in ("ok", "skipped", "not available"):
                    harness.log(f"  {rec['status']}: {rec.get('reason', '')}")
                    if rec.get("traceback"):
                        harness.log(rec["traceback"])
                if "ratio" in rec:
                    harness.log(f"  {rec['status']}: app {rec['app_seconds']['median']:.4g} s, "
                                f"limit {rec['limit_seconds']['median']:.4g} s, "
                                f"ratio {rec['ratio']['median']:.3g}")
                elif rec["status"] in ("skipped", "not available"):
                    harness.log(f"  {rec['status']}: {rec.get('reason', '')}")
            machine = harness.machine(args.db)
        finally:
            ctx.close()
            datasets.release(info)
    load_end = harness.load_average()
    run_record = {
        "scale": args.scale, "db": args.db, "seed": args.seed, "repeat": repeat, "only": only,
        "started": started.isoformat(timespec="seconds"),
        "load_start": load_start, "load_end": load_end, "noisy": load_start > harness.NOISY_LOAD,
        "machine": machine,
        "dataset": {k: (str(v) if isinstance(v, Path) else v) for k, v in info.items()
                    if k != "database_url"},
        "workloads": records,
        "max_rss_mb": harness.max_rss_mb(),
        "wall_seconds": time.perf_counter() - wall,
    }
    run_record["warnings"] = harness.compare_with_baseline(run_record)
    for warning in run_record["warnings"]:
        harness.log(f"WARNING {warning}")
    if args.no_write:
        print(harness.markdown(run_record))
    else:
        json_path, md_path = harness.write_results(run_record)
        harness.log(f"results: {json_path.relative_to(harness.ROOT)}, {md_path.relative_to(harness.ROOT)}")
        print(md_path.read_text())
    if args.update_baseline:
        harness.update_baseline(run_record)
    failed = [r["name"] for r in records if r["status"] in ("check failed", "error")]
    if failed:
        harness.log(f"failed: {', '.join(failed)}")
        return 1
    return 0


def _terminate(signum: int, frame: object) -> None:
    # SIGTERM unwinds like Ctrl+C so that every workload's teardown stops its server.
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _terminate)
    args = _parser().parse_args(argv)
    if args.cmd == "list":
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cadretrain.config.settings")
        from benchmarks.workloads import discover

        for module in discover():
            print(f"{module.NAME}\t{getattr(module, 'SCALES', harness.ALL_SCALES)}\t{module.__name__}")
        return 0
    if args.cmd == "compare":
        return compare(args.paths)
    if args.cmd == "prepare":
        start = time.perf_counter()
        cached = datasets.sqlite_cached if args.db == "sqlite" else datasets.pg_cached
        source, generator, built = cached(args.scale, args.seed)
        harness.log(f"dataset {source} ({generator}; {'built' if built else 'cached'}, "
                    f"{time.perf_counter() - start:.1f} s)")
        return 0
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
