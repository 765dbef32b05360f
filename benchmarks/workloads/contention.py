"""Seat contention: many keep-alive clients race `POST /api/v1/classes/{code}/enrolments` for a
class with few seats, through gunicorn (2 gthread workers pinned to CPU0; load on CPU1), while
`cadretrain import_workbook` rewrites every person's phone number in the same database
(when the importer exists).

Correctness: exactly `capacity` 201s, the rest 409 `class_full`, no other status, zero
"database is locked", and the class's counter and enrolment rows both equal the capacity.
limit = the same number of requests at the same concurrency to Django `/bench/hello`, same
server (the framework floor), without an import. Ratio = app wall time / limit wall time."""

from __future__ import annotations

import csv
import datetime as dt
import json
import subprocess
import sys
import time
from typing import Any

from benchmarks import datasets
from benchmarks import server as srv
from benchmarks.workloads import Unavailable

NAME = "contention"
ORDER = 90  # writes enrolments and rewrites people: after the read-only workloads
MAX_PAIRS = 3
# requests, capacity, clients, people rows rewritten by the concurrent import: bounded so that
# `make bench SCALE=S` stays within minutes on a shared 2-core box.
SIZES = {"XS": (150, 40, 32, 500), "S": (200, 50, 32, 2000), "M": (400, 100, 50, 5000)}
DEFAULT_SIZE = (400, 100, 50, 10000)


def _size(ctx: Any) -> tuple[int, int, int, int]:
    return SIZES.get(ctx.scale, DEFAULT_SIZE)


def _route_exists() -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve("/api/v1/classes/X/enrolments")
    except Resolver404:
        return False
    from cadretrain.training import api

    return any(getattr(fn, "__name__", "") == "create_enrolment" for fn in vars(api).values())


def _make_classes(ctx: Any, n: int, capacity: int) -> list[str]:
    """Fresh online classes far in the future (no full-time overlap rule), status OPEN."""
    from cadretrain.catalogue.models import Programme
    from cadretrain.domain.text import fold
    from cadretrain.org.models import OrgUnit
    from cadretrain.training.models import TrainingClass

    programme = Programme.objects.order_by("pk").first()
    unit = OrgUnit.objects.order_by("depth", "pk").first()
    if programme is None or unit is None:
        raise Unavailable("the dataset has no programme or unit")
    codes = []
    start = ctx.as_of + dt.timedelta(days=500)
    for i in range(n):
        name = f"Lớp đo tải tranh chấp chỗ {i + 1}"
        tc = TrainingClass.objects.create(
            code=f"BENCH-RACE-{i + 1:02d}", programme=programme, name=name, search_key=fold(name),
            organizer_unit=unit, start_date=start, end_date=start + dt.timedelta(days=5),
            capacity=capacity, mode="TRUC_TUYEN", status="OPEN",
        )
        codes.append(tc.code)
    return codes


def _import_files(ctx: Any, pairs: int) -> list[str]:
    """Per pair, a CSV folder with only the people sheet and every phone number changed, so
    each import really rewrites all people rows (an unchanged workbook writes nothing)."""
    import_cmd = datasets.SRC / "interchange" / "management" / "commands" / "import_workbook.py"
    export_cmd = datasets.SRC / "interchange" / "management" / "commands" / "export_workbook.py"
    if not (import_cmd.exists() and export_cmd.exists()):
        return []
    export_dir = ctx.tmp / "export"
    datasets.run_command([*datasets.CADRETRAIN, "export_workbook", str(export_dir), "--skip-checks"],
                         ctx.database_url)
    people = export_dir / "people.csv"
    if not people.exists():
        return []
    with people.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:1 + _size(ctx)[3]]
    phone = header.index("phone")
    folders = []
    for pair in range(pairs):
        folder = ctx.tmp / f"import-{pair}"
        folder.mkdir()
        with (folder / "people.csv").open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            for n, row in enumerate(body):
                row = list(row)
                row[phone] = f"09{pair % 10}{n % 10_000_000:07d}"
                writer.writerow(row)
        folders.append(str(folder))
    ctx.state["race_import_rows"] = len(body)
    return folders


def setup(ctx: Any) -> None:
    if not _route_exists():
        raise Unavailable("POST /api/v1/classes/{code}/enrolments does not exist yet")
    from benchmarks.workloads.http_load import bench_token
    from cadretrain.people.models import Person

    requests, capacity, clients, _ = _size(ctx)
    pairs = min(ctx.repeat, MAX_PAIRS)
    people = list(Person.objects.visible_to(ctx.actor).filter(left_on__isnull=True)
                  .order_by("code").values_list("code", flat=True)[:requests])
    if len(people) < requests:
        requests = len(people)
    token = bench_token(ctx)
    ctx.state.update(
        # One class per timed race, one for the harness's untimed memory probe (a further app()
        # call), and the last one for the quiet race.
        race_token=token, race_classes=_make_classes(ctx, pairs + 2, capacity),
        race_people=people[:requests], race_capacity=capacity, race_clients=clients,
        race_runs=[], race_imports=[],
    )
    bodies = ctx.tmp / "race_bodies.json"
    bodies.write_text(json.dumps([{"person": code} for code in ctx.state["race_people"]]))
    ctx.state["race_bodies"] = str(bodies)
    ctx.state["race_import_dirs"] = _import_files(ctx, pairs)
    from django.db import connections

    connections.close_all()  # the server and the importer must not wait on our connection
    ctx.state["race_server"] = srv.start(ctx.database_url, ctx.tmp, workers=2)
    # Warm up both workers and their DB connections (GETs only: the race classes stay empty).
    srv.load(ctx.state["race_server"], "/bench/hello", concurrency=8, seconds=1,
             headers={"Authorization": f"Bearer {token}"})
    # A quiet race (no import) on the spare class, for reference.
    ctx.state["race_quiet"] = _race(ctx, ctx.state["race_classes"][-1])


def _race(ctx: Any, class_code: str, *, path: str | None = None, method: str = "POST") -> dict:
    server = ctx.state["race_server"]
    args = [sys.executable, "-m", "benchmarks.loadgen", "--port", str(server.port),
            "--path", path or f"/api/v1/classes/{class_code}/enrolments", "--method", method,
            "-c", str(ctx.state["race_clients"]), "--duration", "120",
            "--max-requests", str(len(ctx.state["race_people"])),
            "--header", f"Authorization: Bearer {ctx.state['race_token']}"]
    if method == "POST":
        args += ["--bodies-file", ctx.state["race_bodies"]]
    proc = subprocess.run(srv.pinned(1, args), capture_output=True, text=True, cwd=datasets.ROOT,
                          timeout=300, env=datasets.product_env(ctx.database_url))
    if proc.returncode != 0:
        raise RuntimeError(f"loadgen failed: {proc.stderr[-1000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["class"] = class_code
    return result


def _db_state(class_code: str) -> dict[str, int]:
    from django.db import connections

    from cadretrain.training.models import Enrolment, TrainingClass

    connections.close_all()  # see the committed state, not an old snapshot
    tc = TrainingClass.objects.get(code=class_code)
    rows = Enrolment.objects.filter(training_class=tc, status="ENROLLED").count()
    connections.close_all()
    return {"enrolled_counter": tc.enrolled, "enrolment_rows": rows, "capacity": tc.capacity or 0}


def limit(ctx: Any) -> dict:
    return _race(ctx, "", path="/bench/hello", method="GET")


def app(ctx: Any) -> dict:
    pair = len(ctx.state["race_runs"])
    class_code = ctx.state["race_classes"][pair]
    importer = None
    dirs = ctx.state["race_import_dirs"]
    if pair < len(dirs):
        log = (ctx.tmp / f"import-{pair}.log").open("w")
        importer = subprocess.Popen(
            [*datasets.CADRETRAIN, "import_workbook", dirs[pair], "--json", "--skip-checks"],
            env=datasets.product_env(ctx.database_url), cwd=datasets.ROOT, stdout=log,
            stderr=subprocess.STDOUT)
        ctx.state["race_importer"] = importer
        imp_start = time.perf_counter()
        time.sleep(1.0)  # let the importer start and parse before the race begins
    race_start = time.perf_counter()
    result = _race(ctx, class_code)
    race_end = time.perf_counter()
    if importer is not None:
        code = importer.wait(timeout=900)
        imp_end = time.perf_counter()
        log.close()
        ctx.state["race_imports"].append({
            "exit_code": code, "seconds": round(imp_end - imp_start, 2),
            "overlap_seconds": round(max(0.0, min(imp_end, race_end) - race_start), 2),
            "race_seconds": round(race_end - race_start, 2),
            "output": (ctx.tmp / f"import-{pair}.log").read_text()[-600:] if code else "",
        })
        result["import_exit"] = code
        result["import_output"] = ctx.state["race_imports"][-1]["output"]
    result["db"] = _db_state(class_code)
    ctx.state["race_runs"].append(result)
    return result


def _verify(result: dict, capacity: int) -> list[str]:
    problems = []
    statuses = result["statuses"]
    total = result["requests"] + result["errors"]
    if statuses.get("201", 0) != min(capacity, total):
        problems.append(f"{statuses.get('201', 0)} enrolled, expected {min(capacity, total)}")
    others = {k: v for k, v in statuses.items() if k not in ("201", "409")}
    if others or result["errors"]:
        problems.append(f"unexpected statuses {others}, {result['errors']} socket errors: {result['samples']}")
    if result["locked"]:
        problems.append(f"{result['locked']} 'database is locked' errors")
    if result.get("import_exit"):
        # The import must survive the race too (PostgreSQL once failed it on person_year_unique).
        problems.append(f"the concurrent import failed (exit {result['import_exit']}): "
                        f"{result.get('import_output', '')[-300:]}")
    db = result.get("db")
    if db and not (db["enrolled_counter"] == db["enrolment_rows"] == statuses.get("201", 0)):
        problems.append(f"database disagrees: {db}")
    return problems


def check(app_result: dict, limit_result: dict) -> None:
    problems = _verify(app_result, app_result["db"]["capacity"])
    assert limit_result["statuses"] == {"200": limit_result["requests"]}, limit_result
    assert not problems, "; ".join(problems)


def counters(ctx: Any) -> dict[str, Any]:
    import statistics

    every = ctx.state["race_runs"]
    # The figures "during import" come from the races that ran beside an import (the probe race
    # after the timed pairs has none); every race is still checked for correctness.
    runs = [r for r in every if "import_exit" in r] or every
    capacity = ctx.state["race_capacity"]
    quiet = ctx.state["race_quiet"]
    problems = [p for run in every for p in _verify(run, capacity)]
    return {
        "requests_per_race": len(ctx.state["race_people"]),
        "capacity": capacity,
        "clients": ctx.state["race_clients"],
        "server": ctx.state["race_server"].description,
        "rps_during_import (median)": statistics.median(r["rps"] for r in runs),
        "p99_ms_during_import (median)": statistics.median(r["p99_ms"] for r in runs),
        "rps_quiet": quiet["rps"],
        "p99_ms_quiet": quiet["p99_ms"],
        "statuses": [r["statuses"] for r in runs],
        "database_is_locked": sum(r["locked"] for r in runs) + quiet["locked"],
        "correct_races": f"{sum(1 for r in every if not _verify(r, capacity))}/{len(every)}",
        "quiet_race_correct": not _verify(quiet, capacity),
        "problems": problems,
        "import": ctx.state["race_imports"] or "importer not available: races ran without an import",
        "import_rows": ctx.state.get("race_import_rows"),
        "target_200_rps_no_locked_during_import": bool(ctx.state["race_imports"]) and all(
            r["rps"] >= 200 and not r["locked"] for r in runs),
    }


def teardown(ctx: Any) -> None:
    importer = ctx.state.pop("race_importer", None)
    if importer is not None and importer.poll() is None:
        importer.terminate()
        importer.wait(timeout=30)
    server = ctx.state.pop("race_server", None)
    if server is not None:
        server.stop()
