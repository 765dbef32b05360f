"""Bulk import and export of the interchange workbook (reference/performance.md §4.3(c)).

app:   `workbook_import` of a CSV zip holding new people (scale's import size) and their training
       history (enrolments into new classes), parse → validate → upsert → derived tables.
limit: the same two CSV files parsed with the csv module and the final rows written raw in one
       transaction (executemany on SQLite, COPY on PostgreSQL) into index-free scratch tables.
Every pair imports a different file (fresh codes), so each app call really inserts.

`counters` also times a second, informative limit: the same parsed rows written raw into the
product's own tables (people_person and training_enrolment with their indexes, unique
constraints and foreign keys, checked as a commit would), rolled back. Its gap to the
index-free limit is what the schema costs any importer; its gap to the app is what the
importer adds (validation, lookups, derived tables).

`setup` times the export of the whole dataset as built, before any pair imports into it (.zip
of CSVs; .xlsx as well when every sheet fits Excel; target at L < 60 s); `counters` times the
personnel xlsx import at the scale's size against python-calamine's parse of the same file
(target at L: 150k people ≤ 10 s). At L, `--repeat 1` keeps the run to one pair (each file holds
3M enrolments).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
import zipfile
from pathlib import Path
from typing import Any

NAME = "import_export"
# At L and XL one file holds 3M / 10M enrolments: one pair, and no memory probe (it would import
# the file a further time; the timed call's own peak allocation is reported instead).
MAX_PAIRS = {"L": 1, "XL": 1}
MEMORY_PROBE = {"L": False, "XL": False}
# (people, enrolments) per imported file: the "import files" column of §4.2.
SIZES = {"XS": (500, 5_000), "S": (6_000, 60_000), "M": (40_000, 600_000), "L": (150_000, 3_000_000),
         "XL": (1_000_000, 10_000_000)}
CLASSES_PER_FILE = 200
PEOPLE_COLUMNS = ["code", "full_name", "birth_date", "gender", "category", "unit_code", "party_member", "joined_on"]
ENROLMENT_COLUMNS = ["class_code", "person_code", "status", "score", "completed_on"]
STATUSES = ("COMPLETED",) * 14 + ("ENROLLED",) * 3 + ("FAILED",) * 2 + ("WITHDRAWN",)
SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ")
GIVEN = ("Văn An", "Thị Bình", "Minh Châu", "Quốc Dũng", "Thu Hà", "Đức Long", "Thị Mai", "Hoàng Nam")


def _write_csv(archive: zipfile.ZipFile, name: str, header: list[str], rows: Any) -> int:
    n = 0
    with archive.open(f"{name}.csv", "w", force_zip64=True) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        writer = csv.writer(text)
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            n += 1
        text.flush()
        text.detach()
    return n


def _people_rows(tag: str, n: int, units: list[str]) -> Any:
    for i in range(n):
        yield [f"{tag}{i:07d}", f"{SURNAMES[i % 10]} {GIVEN[(i // 10) % 8]}", f"{1965 + i % 35}-{1 + i % 12:02d}-{1 + i % 28:02d}",
               "M" if i % 2 else "F", "CONG_CHUC", units[i % len(units)], "Y" if i % 3 else "N", "2010-01-01"]


def _enrolment_rows(tag: str, people: int, enrolments: int) -> Any:
    per = max(1, enrolments // people)
    for i in range(people):
        for k in range(per):
            status = STATUSES[(i + k) % len(STATUSES)]
            done = status in ("COMPLETED", "FAILED")
            yield [f"{tag}C{(i + k * 7) % CLASSES_PER_FILE:04d}", f"{tag}{i:07d}", status,
                   f"{5 + (i + k) % 5}.5" if done else "", "2024-06-30" if status == "COMPLETED" else ""]


def _build(ctx: Any, k: int, units: list[str], programme: str) -> Path:
    people, enrolments = SIZES[ctx.scale]
    tag = f"B{k}-"
    path = ctx.tmp / f"import-{k}.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        _write_csv(archive, "classes", ["code", "programme_code", "organizer_unit_code", "start_date", "end_date"],
                   ([f"{tag}C{c:04d}", programme, units[c % len(units)], "2024-01-08", "2024-06-30"]
                    for c in range(CLASSES_PER_FILE)))
        _write_csv(archive, "people", PEOPLE_COLUMNS, _people_rows(tag, people, units))
        _write_csv(archive, "enrolments", ENROLMENT_COLUMNS, _enrolment_rows(tag, people, enrolments))
    return path


def setup(ctx: Any) -> None:
    from benchmarks.workloads import Unavailable

    try:
        from cadretrain.interchange.services import workbook_import  # noqa: F401
    except ImportError as exc:
        raise Unavailable(f"interchange not available: {exc}") from None
    from django.db import connection

    from cadretrain.catalogue.models import Programme
    from cadretrain.org.models import OrgUnit

    units = list(OrgUnit.objects.filter(valid_to__isnull=True).order_by("code").values_list("code", flat=True))[:200]
    programme = Programme.objects.filter(grants_dimension="").order_by("code").values_list("code", flat=True).first()
    if not units or not programme:
        raise Unavailable("the dataset has no units or programmes")
    # The export first: of the dataset itself, not of what the pairs add to it.
    from cadretrain.interchange.services import workbook_export

    started = time.perf_counter()
    counts = workbook_export(actor=ctx.actor, path=ctx.tmp / "export.zip")
    export = {"export_zip_s": round(time.perf_counter() - started, 3), "export_rows": sum(counts.values())}
    if max(counts.values()) <= 1_048_575:
        started = time.perf_counter()
        workbook_export(actor=ctx.actor, path=ctx.tmp / "export.xlsx")
        export["export_xlsx_s"] = round(time.perf_counter() - started, 3)
    for name in ("export.zip", "export.xlsx"):
        (ctx.tmp / name).unlink(missing_ok=True)
    pairs = min(ctx.repeat, MAX_PAIRS.get(ctx.scale, ctx.repeat))
    ctx.state.update(export=export, units=units, programme=programme, files=[_build(ctx, k, units, programme) for k in range(pairs)],
                     app_calls=0, limit_calls=0)
    with connection.cursor() as cursor:
        for table, cols in (("bench_ix_people", "id bigint, code varchar(40), full_name varchar(150), "
                             "search_key varchar(150), birth_date date, gender varchar(1), category varchar(24), "
                             "unit_id bigint, party_member boolean, joined_on date"),
                            ("bench_ix_enrolment", "id bigint, training_class_id bigint, person_id bigint, "
                             "status varchar(10), score numeric(4,2), completed_on date")):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(f"CREATE TABLE {table} ({cols})")


def app(ctx: Any) -> dict[str, Any]:
    from cadretrain.interchange.services import workbook_import

    k = ctx.state["app_calls"] % len(ctx.state["files"])
    ctx.state["app_calls"] += 1
    started = time.perf_counter()
    report = workbook_import(actor=ctx.actor, path=ctx.state["files"][k])
    ctx.state.setdefault("app_times", []).append(time.perf_counter() - started)
    if k != ctx.state["app_calls"] - 1:  # a file imported again is all "unchanged"
        return {"ok": report.ok, "rows": sum(report.unchanged.values()), "errors": report.errors[:3]}
    return {"ok": report.ok, "rows": sum(report.created.values()), "errors": report.errors[:3],
            "people": report.created.get("people", 0), "enrolments": report.created.get("enrolments", 0)}


def limit(ctx: Any) -> dict[str, Any]:
    """Parse the same CSVs with the csv module, convert the values, resolve codes from two dicts
    and write the final rows raw in one transaction (rolled back)."""
    from django.db import connection, transaction

    from cadretrain.core.bulk import bulk_insert

    k = ctx.state["limit_calls"] % len(ctx.state["files"])
    ctx.state["limit_calls"] += 1
    started = time.perf_counter()
    units = {code: i for i, code in enumerate(ctx.state["units"], start=1)}
    person_ids: dict[str, int] = {}
    day = dt.date.fromisoformat
    with zipfile.ZipFile(ctx.state["files"][k]) as archive, transaction.atomic():
        def rows(name: str) -> Any:
            reader = csv.reader(io.TextIOWrapper(archive.open(f"{name}.csv"), encoding="utf-8-sig", newline=""))
            next(reader)
            return reader

        def people() -> Any:
            for n, (code, name, birth, gender, cat, unit, party, joined) in enumerate(rows("people"), start=1):
                person_ids[code] = n
                yield (n, code, name, name.lower(), day(birth), gender, cat, units[unit], party == "Y", day(joined))

        written = bulk_insert("bench_ix_people", ["id", "code", "full_name", "search_key", "birth_date", "gender",
                                                  "category", "unit_id", "party_member", "joined_on"], people())

        def enrolments() -> Any:
            for n, (klass, person, status, score, completed) in enumerate(rows("enrolments"), start=1):
                yield (n, int(klass[-4:]), person_ids[person], status, score or None,
                       day(completed) if completed else None)

        written += bulk_insert("bench_ix_enrolment", ["id", "training_class_id", "person_id", "status", "score",
                                                      "completed_on"], enrolments())
        transaction.set_rollback(True)
    del connection
    ctx.state.setdefault("limit_times", []).append(time.perf_counter() - started)
    return {"rows": written}


def _same_table_limit(ctx: Any, path: Path) -> dict[str, Any]:
    """Parse like `limit` the file the app imported, then write its rows into the product's tables with the importer's raw
    writer (executemany on SQLite, COPY on PostgreSQL) and its id pools; deferred foreign keys
    are checked (`SET CONSTRAINTS ALL IMMEDIATE` on PostgreSQL, as at commit; SQLite checks each
    row as it is written) before the rollback. The 200 classes are created first, untimed."""
    from django.db import connection, transaction

    from cadretrain.interchange.bulk import Table
    from cadretrain.org.models import OrgUnit
    from cadretrain.people.models import Person
    from cadretrain.training.models import Enrolment, TrainingClass

    unit_ids = dict(OrgUnit.objects.filter(code__in=ctx.state["units"]).values_list("code", "id"))
    day = dt.date.fromisoformat
    with zipfile.ZipFile(path) as archive, transaction.atomic():
        template = TrainingClass.objects.order_by("pk").first()
        classes = []
        for c in range(CLASSES_PER_FILE):
            template.pk, template.id, template.code = None, None, f"T-{c:04d}"
            template.save()
            classes.append(template.pk)

        def rows(name: str) -> Any:
            reader = csv.reader(io.TextIOWrapper(archive.open(f"{name}.csv"), encoding="utf-8-sig", newline=""))
            next(reader)
            return reader

        started = time.perf_counter()
        people_table = Table(Person, ["id", "code", "full_name", "search_key", "birth_date", "gender", "category",
                                      "unit_id", "party_member", "joined_on"])
        person_ids: dict[str, int] = {}
        # Ids for every row in one draw, before the COPY starts (the pool queries the database).
        people_rows = list(rows("people"))
        for pk, fields in zip(people_table.pool.take(len(people_rows)), people_rows, strict=True):
            code, name, birth, gender, cat, unit, party, joined = fields
            person_ids[code] = pk
            # The file's people exist already (the app imported it): "S"-prefixed codes.
            fields[:] = (pk, f"S{code}", name, name.lower(), day(birth), gender, cat, unit_ids[unit], party == "Y",
                         day(joined))
        written = people_table.insert(people_rows)
        del people_rows
        enrolment_table = Table(Enrolment, ["id", "training_class_id", "person_id", "status", "score", "completed_on"])
        first = enrolment_table.pool.take(1)[0]

        def enrolments() -> Any:
            for n, (klass, person, status, score, completed) in enumerate(rows("enrolments"), start=first):
                yield (n, classes[int(klass[-4:])], person_ids[person], status, score or None,
                       day(completed) if completed else None)

        if connection.vendor == "postgresql":
            # Ids past the pool's first: nextval is not called per row (the rows are rolled back).
            with connection.cursor() as cursor:
                cursor.execute("SELECT setval(pg_get_serial_sequence('training_enrolment', 'id'), %s)",
                               [first + 10_000_000])
        written += enrolment_table.insert(enrolments())
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return {"same_table_limit_s": round(seconds, 3), "same_table_limit_rows": written}


def check(app_result: dict[str, Any], limit_result: dict[str, Any]) -> None:
    assert app_result["ok"], app_result["errors"]
    # The app's rows also count the classes sheet.
    assert app_result["rows"] == limit_result["rows"] + CLASSES_PER_FILE, (app_result, limit_result)


def counters(ctx: Any) -> dict[str, Any]:
    from python_calamine import CalamineWorkbook

    from cadretrain.interchange.services import workbook_import
    from cadretrain.interchange.xlsx import XlsxWriter

    people, enrolments = SIZES[ctx.scale]
    rows = people + people * max(1, enrolments // people) + CLASSES_PER_FILE
    out: dict[str, Any] = {"rows_per_file": rows}
    if ctx.state.get("app_times"):
        app_t, limit_t = min(ctx.state["app_times"]), min(ctx.state["limit_times"])
        out.update(app_rows_per_s=round(rows / app_t), limit_rows_per_s=round((rows - CLASSES_PER_FILE) / limit_t),
                   share_of_raw=round(limit_t / app_t, 3))
        same = _same_table_limit(ctx, ctx.state["files"][0])
        out.update(same, same_table_rows_per_s=round(same["same_table_limit_rows"] / same["same_table_limit_s"]),
                   share_of_same_table=round(same["same_table_limit_s"] / app_t, 3))
    # Personnel xlsx at the scale's size: calamine's parse alone vs the whole import.
    xlsx = ctx.tmp / "people.xlsx"
    with XlsxWriter(xlsx) as book:
        book.sheet("people", PEOPLE_COLUMNS, _people_rows("X-", people, ctx.state["units"]))
    started = time.perf_counter()
    book = CalamineWorkbook.from_path(str(xlsx))
    parsed = sum(1 for _ in book.get_sheet_by_name("people").iter_rows())
    out["people_xlsx_parse_s"] = round(time.perf_counter() - started, 3)
    started = time.perf_counter()
    report = workbook_import(actor=ctx.actor, path=xlsx)
    out["people_xlsx_import_s"] = round(time.perf_counter() - started, 3)
    out["people_xlsx_rows"] = parsed - 1
    out["people_xlsx_ok"] = report.ok
    out.update(ctx.state.get("export", {}))
    return out


def teardown(ctx: Any) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_ix_people")
        cursor.execute("DROP TABLE IF EXISTS bench_ix_enrolment")
