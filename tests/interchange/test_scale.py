"""Set-based at scale: a bounded number of queries per 1,000 rows, sheets streamed rather than
loaded, and other users can read while an import holds its transaction."""

from __future__ import annotations

import csv
import threading
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.db import connection

from cadretrain.core.bulk import in_values
from cadretrain.interchange.readers import open_workbook
from cadretrain.interchange.services import workbook_import
from cadretrain.people.models import Person
from cadretrain.training.models import Enrolment, TrainingClass
from tests.interchange.conftest import SYSTEM

PEOPLE = 2000
CLASSES = 20
PER_PERSON = 3
DERIVED_TABLE_STATEMENTS = 30


def big_workbook(path: Path, *, people: int = PEOPLE) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        with archive.open("programmes.csv", "w") as raw:
            raw.write("code,name,kind,periods\nBD,Bồi dưỡng,PROFESSIONAL,40\n".encode())
        rows = [["code", "programme_code", "organizer_unit_code", "start_date", "end_date"]]
        rows += [[f"C{c:03d}", "BD", "HN", "2024-03-01", "2024-03-05"] for c in range(CLASSES)]
        archive.writestr("classes.csv", _csv(rows))
        rows = [["code", "full_name", "birth_date", "gender", "category", "unit_code"]]
        rows += [[f"{i:06d}", f"Nguyễn Văn {i}", "1980-01-01", "M", "CONG_CHUC", "00004"] for i in range(people)]
        archive.writestr("people.csv", _csv(rows))
        rows = [["class_code", "person_code", "status", "score", "completed_on"]]
        rows += [[f"C{(i + k) % CLASSES:03d}", f"{i:06d}", "COMPLETED", "7", "2024-03-05"]
                 for i in range(people) for k in range(PER_PERSON)]
        archive.writestr("enrolments.csv", _csv(rows))
    return path


def _csv(rows: list[list[object]]) -> str:
    import io

    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


@pytest.mark.django_db
def test_queries_stay_under_5_per_1000_rows(world, tmp_path, django_assert_max_num_queries):
    path = big_workbook(tmp_path / "big.zip")
    rows = 1 + CLASSES + PEOPLE + PEOPLE * PER_PERSON
    # 5 per 1,000 rows for the importer itself, plus a fixed number of set-based statements for
    # the derived tables the enrolment signals rebuild (person-year periods, the reports cube),
    # the job record and its audit event: none of them grows with the rows.
    with django_assert_max_num_queries(5 * rows // 1000 + DERIVED_TABLE_STATEMENTS):
        report = workbook_import(actor=SYSTEM, path=path)
    assert report.ok, report.errors[:3]
    assert report.created["enrolments"] == PEOPLE * PER_PERSON
    assert Enrolment.objects.count() == PEOPLE * PER_PERSON
    assert sum(TrainingClass.objects.values_list("enrolled", flat=True)) == PEOPLE * PER_PERSON
    assert Person.objects.get(code="000007").full_name == "Nguyễn Văn 7"


@pytest.mark.django_db
def test_lookups_by_a_chunks_people_keep_one_statement_text_whatever_their_number(world, tmp_path):
    """The driver keeps its last 128 statements prepared: a placeholder per person made each
    chunk's number of people a new statement of thousands of parameters (up to 55 MB more held at L)."""
    path = big_workbook(tmp_path / "big.zip")  # 6,000 enrolments: chunks of 1,667 and 334 people
    statements: list[str] = []

    def record(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        statements.append(sql)  # the text as prepared, before the driver binds the values
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        report = workbook_import(actor=SYSTEM, path=path)
    assert report.ok, report.errors[:3]
    by_person = {sql for sql in statements
                 if sql.startswith("SELECT id, training_class_id, person_id FROM training_enrolment WHERE")}
    by_code = {sql for sql in statements if sql.startswith("SELECT code FROM people_person WHERE")}
    assert len(by_person) == 1, by_person
    assert len(by_code) == 1, by_code


@pytest.mark.django_db
def test_in_values_matches_the_rows_of_any_number_of_values(world):
    codes = list(Person.objects.order_by("code").values_list("code", flat=True))
    texts = set()
    for values in ([codes[0]], codes[:3], [*codes, *(f"nobody-{i}" for i in range(2500))]):
        where, params = in_values("code", values)
        texts.add(where)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT code FROM people_person WHERE {where} ORDER BY code", params)
            assert [row[0] for row in cursor.fetchall()] == sorted(set(values) & set(codes))
    assert len(texts) == 1


def test_a_large_csv_sheet_is_streamed_not_loaded(tmp_path):
    path = tmp_path / "enrolments.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["class_code", "person_code", "status"])
        for i in range(300_000):
            writer.writerow([f"C{i % 997:04d}", f"P{i:07d}", "ENROLLED"])
    size = path.stat().st_size
    tracemalloc.start()
    count = sum(1 for _ in open_workbook(path)[0].rows())
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 300_001
    assert peak < size / 10, f"peak {peak:,} bytes for a {size:,}-byte file"


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_other_users_can_read_while_an_import_runs(world, tmp_path):
    path = big_workbook(tmp_path / "big.zip", people=300)
    reached, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def progress(done: int, sheet: str) -> None:
        if sheet == "people" and not reached.is_set():
            reached.set()
            release.wait(30)

    def run() -> None:
        from django.db import connection

        try:
            outcome["report"] = workbook_import(actor=SYSTEM, path=path, progress=progress)
        finally:
            connection.close()

    worker = threading.Thread(target=run)
    worker.start()
    try:
        assert reached.wait(60), "the import did not start"
        # Mid-import, in another connection: the read succeeds and sees only committed data.
        assert Person.objects.count() == len(world.people)
    finally:
        release.set()
        worker.join(120)
    assert outcome["report"].ok  # type: ignore[attr-defined]
    assert Person.objects.count() == len(world.people) + 300


def _foreign_keys_enforced() -> bool:
    return bool(_pragma("foreign_keys"))


def _pragma(name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        return int(cursor.fetchone()[0])


TEMP_STORE_FILE, TEMP_STORE_MEMORY = 1, 2


@pytest.mark.django_db(transaction=True)
def test_sqlite_imports_sort_on_disk_and_leave_the_connection_sorting_in_memory(world, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the pragma is SQLite's")
    assert _pragma("temp_store") == TEMP_STORE_MEMORY  # the connection's setting for requests
    seen: list[int] = []
    good = big_workbook(tmp_path / "good.zip", people=50)
    report = workbook_import(actor=SYSTEM, path=good, progress=lambda done, sheet: seen.append(_pragma("temp_store")))
    assert report.ok, report.errors[:3]
    assert seen and set(seen) == {TEMP_STORE_FILE}
    assert _pragma("temp_store") == TEMP_STORE_MEMORY
    bad = tmp_path / "enrolments.csv"
    bad.write_text("class_code,person_code,status\nC0000,NO-SUCH-PERSON,ENROLLED\n", encoding="utf-8")
    assert not workbook_import(actor=SYSTEM, path=bad).ok
    assert _pragma("temp_store") == TEMP_STORE_MEMORY


@pytest.mark.django_db(transaction=True)
def test_sqlite_imports_write_without_foreign_key_lookups_and_enforce_them_again_afterwards(world, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the pragma is SQLite's; PostgreSQL always checks")
    seen: list[bool] = []
    good = big_workbook(tmp_path / "good.zip", people=50)
    report = workbook_import(actor=SYSTEM, path=good, progress=lambda done, sheet: seen.append(_foreign_keys_enforced()))
    assert report.ok, report.errors[:3]
    assert seen and not any(seen), "the import's transaction ran with the lookups on"
    assert _foreign_keys_enforced()
    # A refused import (an unknown person) restores them too, and wrote nothing.
    bad = tmp_path / "enrolments.csv"
    bad.write_text("class_code,person_code,status\nC0000,NO-SUCH-PERSON,ENROLLED\n", encoding="utf-8")
    before = Enrolment.objects.count()
    report = workbook_import(actor=SYSTEM, path=bad)
    assert not report.ok and "unknown_person" in {e["code"] for e in report.errors}
    assert _foreign_keys_enforced() and Enrolment.objects.count() == before
