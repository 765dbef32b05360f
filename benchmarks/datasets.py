"""Benchmark datasets: built once per (scale, schema hash, seed) with the product's own
`cadretrain demo --size <scale> --seed <seed>`, cached, and copied fresh for every run.

SQLite: `benchmarks/cache/<scale>-<hash>-<seed>.sqlite3` (git-ignored), copied into the run's
scratch directory. PostgreSQL: a template database `ct_bench_<scale>` on the DATABASE_URL server
(its COMMENT records hash and seed; rebuilt when they change), cloned per run into
`ct_bench_<scale>_run` with CREATE DATABASE … TEMPLATE.

The cache key is the demo generator's source: a generator change rebuilds the dataset. A schema
change alone does not: each run's copy is brought forward with `cadretrain migrate` and
`cadretrain rebuild_summaries`, as a production database would be after an upgrade, and the
description says so (a rebuild at L takes 7–9 minutes). The cache itself is never changed. Until `cadretrain demo` exists a small ORM-built
stand-in is used (`python -m benchmarks.datasets fallback`), and the result files say so."""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "cadretrain"
CACHE_DIR = ROOT / "benchmarks" / "cache"
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/"
CADRETRAIN = [sys.executable, "-m", "cadretrain"]

# One secret per benchmark process: settings refuse to start without one outside DEBUG/tests.
_SECRET = "bench-" + secrets.token_urlsafe(48)


def _files_hash(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(SRC)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def dataset_hash() -> str:
    """Hash of the demo generator's source: a change means a new dataset."""
    files = sorted((SRC / "demo").rglob("*.py")) + sorted(SRC.glob("*/management/commands/demo.py"))
    return _files_hash(files)


def schema_hash() -> str:
    """Hash of every migration file: a change means the cached dataset is migrated forward."""
    return _files_hash(sorted(SRC.glob("*/migrations/*.py")))


def migrate(database_url: str) -> float:
    return run_command([*CADRETRAIN, "migrate", "--noinput", "--skip-checks", "-v", "0"], database_url)


def product_env(database_url: str, **extra: str) -> dict[str, str]:
    """Environment for product processes (commands, gunicorn) pointed at one database."""
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": database_url,
        "SECRET_KEY": env.get("SECRET_KEY") or _SECRET,
        "HTTPS": "0",
        "DEBUG": "0",
        "CADRETRAIN_TESTING": "0",
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(ROOT), str(ROOT / "src"), env.get("PYTHONPATH", "")) if p
        ),
    })
    env.update(extra)
    return env


def run_command(args: list[str], database_url: str, *, timeout: float = 3600) -> float:
    """Run a product command against `database_url`; return its wall time (raises on failure)."""
    start = time.perf_counter()
    proc = subprocess.run(args, env=product_env(database_url), cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args[2:])} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return time.perf_counter() - start


def demo_available() -> bool:
    """Whether the product's `demo` command exists yet."""
    if not list(SRC.glob("*/management/commands/demo.py")):
        return False
    proc = subprocess.run([*CADRETRAIN, "help", "demo"], env=product_env("sqlite:///:memory:"),
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    return proc.returncode == 0


def demo_args(scale: str, seed: int) -> list[str]:
    return [*CADRETRAIN, "demo", "--size", scale, "--seed", str(seed), "--skip-checks"]


def generate(database_url: str, scale: str, seed: int) -> tuple[str, float]:
    """Load a dataset into a migrated, empty database; returns (generator, seconds)."""
    why = "cadretrain demo not available"
    if demo_available():
        try:
            return "cadretrain demo", run_command(demo_args(scale, seed), database_url)
        except RuntimeError as exc:
            # A demo generator that fails (mid-development) must not stop the other workloads:
            # say so loudly and fall back to the stand-in on a clean database.
            last = str(exc).strip().splitlines()[-1][:200]
            why = f"cadretrain demo failed: {last}"
            print(f"WARNING {why}; using the stand-in dataset", file=sys.stderr)
            _reset(database_url)
    args = [sys.executable, "-m", "benchmarks.datasets", "fallback", "--scale", scale,
            "--seed", str(seed)]
    return f"fallback ({why})", run_command(args, database_url)


def _reset(database_url: str) -> None:
    """Empty a half-filled database back to the migrated schema (flush keeps migrations)."""
    run_command([*CADRETRAIN, "flush", "--noinput", "--skip-checks", "-v", "0"], database_url)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"


# --- SQLite ---------------------------------------------------------------------------------

def _sqlite_build(target: Path, *, scale: str | None, seed: int) -> str:
    """Migrate a new SQLite file (and load a dataset unless scale is None) atomically."""
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    building = target.with_suffix(f".building-{os.getpid()}")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{building}{suffix}").unlink(missing_ok=True)
    url = sqlite_url(building)
    try:
        migrate(url)
        generator = "empty (migrated)"
        if scale is not None:
            generator, _ = generate(url, scale, seed)
        _sqlite_checkpoint(building)
    except BaseException:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{building}{suffix}").unlink(missing_ok=True)
        raise
    building.rename(target)
    target.with_suffix(".generator").write_text(generator)
    return generator


def _sqlite_checkpoint(path: Path) -> None:
    """Fold the WAL into the main file so a plain file copy is a complete database."""
    import sqlite3

    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.execute("PRAGMA journal_mode=DELETE")
    finally:
        con.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def sqlite_cached(scale: str | None, seed: int) -> tuple[Path, str, bool]:
    """(cache file, generator description, built now?) for a scale; scale None = empty schema."""
    name = f"{scale or 'empty'}-{dataset_hash()}-{seed if scale else 0}.sqlite3"
    target = CACHE_DIR / name
    if target.exists():
        gen = target.with_suffix(".generator")
        return target, gen.read_text() if gen.exists() else "cached", False
    generator = _sqlite_build(target, scale=scale, seed=seed)
    target.with_suffix(".schema").write_text(schema_hash())
    # Older datasets of this scale and seed belong to an older schema: drop them.
    for stale in CACHE_DIR.glob(f"{scale or 'empty'}-*-{seed if scale else 0}.sqlite3"):
        if stale != target:
            stale.unlink(missing_ok=True)
            stale.with_suffix(".generator").unlink(missing_ok=True)
            stale.with_suffix(".schema").unlink(missing_ok=True)
    return target, generator, True


def sqlite_copy(source: Path, dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, dest)
    return dest


# --- PostgreSQL -----------------------------------------------------------------------------

def pg_server_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else DEFAULT_PG_URL


def pg_url(dbname: str) -> str:
    parts = urlsplit(pg_server_url())
    return urlunsplit((parts.scheme, parts.netloc, "/" + dbname, parts.query, ""))


def _pg_admin():  # type: ignore[no-untyped-def]
    import psycopg

    parts = urlsplit(pg_server_url())
    url = urlunsplit(("postgresql", parts.netloc, "/postgres", parts.query, ""))
    return psycopg.connect(url, autocommit=True)


def pg_comment(dbname: str) -> str | None:
    """The database's COMMENT (our build stamp), or None when it does not exist."""
    with _pg_admin() as con:
        row = con.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [dbname],
        ).fetchone()
    return None if row is None else (row[0] or "")


def pg_drop(dbname: str) -> None:
    with _pg_admin() as con:
        con.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def pg_clone(template: str, dbname: str) -> None:
    """A fresh copy of a template database (a file-level copy, seconds even at M)."""
    with _pg_admin() as con:
        con.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        con.execute(f'CREATE DATABASE "{dbname}" TEMPLATE "{template}"')


def pg_cached(scale: str | None, seed: int) -> tuple[str, str, bool]:
    """(template database, generator description, built now?); scale None = empty schema."""
    dbname = f"ct_bench_{(scale or 'empty').lower()}"
    stamp = f"hash={dataset_hash()} seed={seed if scale else 0}"
    comment = pg_comment(dbname)
    if comment is not None and comment.startswith(stamp):
        return dbname, comment.split(" generator=", 1)[-1] if "generator=" in comment else "cached", False
    pg_drop(dbname)
    with _pg_admin() as con:
        con.execute(f'CREATE DATABASE "{dbname}"')
    url = pg_url(dbname)
    migrate(url)
    generator = "empty (migrated)"
    if scale is not None:
        generator, _ = generate(url, scale, seed)
    import psycopg

    with psycopg.connect(pg_url(dbname).replace("postgres://", "postgresql://"), autocommit=True) as con:
        con.execute("ANALYZE")
    _pg_stamp(dbname, stamp, generator)
    return dbname, generator, True


def _pg_stamp(dbname: str, stamp: str, generator: str) -> None:
    """Record what the template holds: generator hash and seed, schema hash, generator."""
    with _pg_admin() as con:
        stamp_sql = f"{stamp} schema={schema_hash()} generator={generator}".replace("'", "")
        con.execute(f"COMMENT ON DATABASE \"{dbname}\" IS '{stamp_sql}'")


# --- the run's database ---------------------------------------------------------------------

def _built_schema(db: str, source: object) -> str | None:
    """The schema hash the cached dataset was built with (None: unknown, an older cache)."""
    if db == "sqlite":
        stamp = Path(str(source)).with_suffix(".schema")
        return stamp.read_text() if stamp.exists() else None
    comment = pg_comment(str(source)) or ""
    return comment.split(" schema=", 1)[1].split(" ", 1)[0] if " schema=" in comment else None


def _bring_forward(database_url: str) -> float:
    """Migrate a run's copy to the current schema and recompute its derived tables (a migration
    may reshape a summary table): what an operator does after an upgrade. Returns seconds."""
    start = time.perf_counter()
    migrate(database_url)
    run_command([*CADRETRAIN, "rebuild_summaries", "--skip-checks"], database_url)
    return time.perf_counter() - start


def prepare(scale: str, db: str, seed: int, tmp: Path) -> dict[str, object]:
    """Build or reuse the cached dataset and make this run's fresh copy; returns its description.
    The cache is never changed after its build: when the migrations changed since, the run's copy
    is migrated forward and its summaries rebuilt, and the description says so."""
    start = time.perf_counter()
    if db == "sqlite":
        cache, generator, built = sqlite_cached(scale, seed)
        copy_start = time.perf_counter()
        path = sqlite_copy(cache, tmp / "bench.sqlite3")
        info: dict[str, object] = {
            "database_url": sqlite_url(path), "sqlite_path": path, "source": str(cache.name)}
        source: object = cache
    else:
        template, generator, built = pg_cached(scale, seed)
        run_db = f"{template}_run_{os.getpid()}"  # one per run: concurrent runs must not drop each other's copy
        copy_start = time.perf_counter()
        pg_clone(template, run_db)
        info = {"database_url": pg_url(run_db), "sqlite_path": None, "source": template,
                "run_database": run_db}
        source = template
    copy_seconds = time.perf_counter() - copy_start
    if _built_schema(db, source) != schema_hash():
        info["migrated_forward_seconds"] = _bring_forward(str(info["database_url"]))
        generator = f"{generator}, migrated forward to the current schema and summaries rebuilt"
    info.update({"generator": generator, "built": built, "prepare_seconds": time.perf_counter() - start,
                 "copy_seconds": copy_seconds})
    return info


def release(info: dict[str, object]) -> None:
    """Drop the run's PostgreSQL copy (the SQLite copy goes with the scratch directory)."""
    if info.get("run_database"):
        from django.db import connections

        connections.close_all()
        pg_drop(str(info["run_database"]))


# --- stand-in dataset until `cadretrain demo` lands ------------------------------------------

FALLBACK_PEOPLE = {"XS": 200, "S": 2000, "M": 5000, "L": 5000, "XL": 5000}


def fallback(scale: str, seed: int) -> None:
    """A small deterministic dataset through the ORM (no demo command yet)."""
    import datetime as dt
    import random

    import django

    django.setup()
    from django.db import transaction

    from cadretrain.catalogue.models import Programme
    from cadretrain.domain.text import fold
    from cadretrain.org.models import OrgUnit, Position
    from cadretrain.people.models import Person
    from cadretrain.training.models import Enrolment, TrainingClass

    rng = random.Random(seed)
    n_people = FALLBACK_PEOPLE[scale]
    with transaction.atomic():
        city = OrgUnit.objects.create(code="HN", name="Thành phố Hà Nội", search_key=fold("Thành phố Hà Nội"),
                                      kind="CITY", path="", depth=0)
        city.path = f"/{city.pk}/"
        city.save(update_fields=["path"])
        units = []
        for i in range(max(5, n_people // 100)):
            name = f"Phường {i + 1:03d}"
            unit = OrgUnit.objects.create(code=f"U{i + 1:05d}", name=name, search_key=fold(name),
                                          kind="WARD", parent=city, path="", depth=1)
            unit.path = f"{city.path}{unit.pk}/"
            unit.save(update_fields=["path"])
            units.append(unit)
        positions = Position.objects.bulk_create(
            Position(code=f"VT{i:03d}", name=f"Vị trí {i}", kind="SPECIALIST") for i in range(10)
        )
        given = ["An", "Bình", "Chi", "Dũng", "Hà", "Hùng", "Lan", "Minh", "Nga", "Quân"]
        family = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi"]
        people = []
        for i in range(n_people):
            name = f"{rng.choice(family)} Văn {rng.choice(given)}"
            people.append(Person(
                code=f"P{i + 1:07d}", full_name=name, search_key=fold(name),
                birth_date=dt.date(1965 + rng.randrange(35), 1 + rng.randrange(12), 1 + rng.randrange(28)),
                gender=rng.choice("MF"), category="CONG_CHUC", unit=rng.choice(units),
                position=rng.choice(positions), joined_on=dt.date(2005, 1, 1),
            ))
        people = Person.objects.bulk_create(people, batch_size=2000)
        programmes = Programme.objects.bulk_create(
            Programme(code=f"CT{i:03d}", name=f"Chương trình {i}", search_key=f"chuong trinh {i}",
                      kind="KNOWLEDGE_UPDATE", periods=rng.choice([16, 24, 40]))
            for i in range(20)
        )
        classes = []
        for i in range(max(10, n_people // 40)):
            start = dt.date(2015 + rng.randrange(10), 1 + rng.randrange(12), 1)
            classes.append(TrainingClass(
                code=f"L{i + 1:06d}", programme=rng.choice(programmes), name=f"Lớp {i + 1}",
                search_key=f"lop {i + 1}", organizer_unit=city, start_date=start,
                end_date=start + dt.timedelta(days=20), capacity=None, status="FINISHED",
            ))
        classes = TrainingClass.objects.bulk_create(classes, batch_size=2000)
        enrolments = []
        for person in people:
            for cls in rng.sample(classes, min(10, len(classes))):
                enrolments.append(Enrolment(training_class=cls, person=person, status="COMPLETED",
                                            completed_on=cls.end_date))
        Enrolment.objects.bulk_create(enrolments, batch_size=5000)
        counts: dict[int, int] = {}
        for e in enrolments:
            counts[e.training_class_id] = counts.get(e.training_class_id, 0) + 1
        for cls in classes:
            TrainingClass.objects.filter(pk=cls.pk).update(enrolled=counts.get(cls.pk, 0))
    try:
        from cadretrain.training import summaries

        summaries.rebuild_person_year_periods()
    except Exception as exc:  # the stand-in is best effort; report and go on
        print(f"summaries rebuild skipped: {exc!r}", file=sys.stderr)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m benchmarks.datasets")
    sub = parser.add_subparsers(dest="cmd", required=True)
    fb = sub.add_parser("fallback")
    fb.add_argument("--scale", default="XS")
    fb.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cadretrain.config.settings")
    fallback(args.scale, args.seed)
