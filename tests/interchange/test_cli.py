"""`import_workbook` / `export_workbook` as spec/interfaces.md: exit 0/1/2 and, with --json,
exactly one JSON document on stdout (progress on stderr)."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from cadretrain.people.models import Person
from tests.interchange.conftest import counts, good_rows, with_keys, write_xlsx

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def test_a_clean_import_exits_0_with_one_json_document(world, tmp_path: Path):
    path = write_xlsx(tmp_path / "ok.xlsx", with_keys(good_rows()))
    code, out, err = run("import_workbook", str(path), "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["ok"] is True and doc["dry_run"] is False and doc["errors"] == []
    assert doc["created"]["people"] == 2 and set(doc) == {"ok", "dry_run", "created", "updated", "unchanged", "errors"}
    assert "people" in err  # progress went to stderr


def test_a_dry_run_exits_0_and_writes_nothing(world, tmp_path: Path):
    path = write_xlsx(tmp_path / "ok.xlsx", with_keys(good_rows()))
    code, out, _ = run("import_workbook", str(path), "--dry-run", "--json")
    assert code == 0 and json.loads(out)["dry_run"] is True
    assert not Person.objects.filter(code="P-N1").exists()


def test_validation_errors_exit_1_and_list_every_error(world, tmp_path: Path):
    rows = good_rows()
    rows["people"][0]["birth_date"] = "31/02/1990"
    before = counts()
    code, out, _ = run("import_workbook", str(write_xlsx(tmp_path / "bad.xlsx", with_keys(rows))), "--json")
    assert code == 1 and counts() == before
    error = json.loads(out)["errors"][0]
    assert error == {"sheet": "people", "row": 2, "column": "birth_date", "code": "impossible_date",
                     "message": error["message"]}
    assert "31/02/1990" in error["message"]


def test_an_unreadable_file_exits_2(world, tmp_path: Path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    code, out, _ = run("import_workbook", str(path), "--json")
    assert code == 2 and json.loads(out)["errors"][0]["code"] == "encrypted_workbook"
    code, _, err = run("import_workbook", str(tmp_path / "none.xlsx"))
    assert code == 2 and "Không tìm thấy tệp" in err


def test_export_writes_the_workbook_and_an_unknown_unit_exits_1(world, tmp_path: Path):
    code, _, _ = run("export_workbook", str(tmp_path / "all.xlsx"))
    assert code == 0 and (tmp_path / "all.xlsx").exists()
    code, _, err = run("export_workbook", str(tmp_path / "u.zip"), "--unit", "NOPE")
    assert code == 1 and "NOPE" in err
