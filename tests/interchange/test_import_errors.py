"""Bad input: every error is reported with sheet, Excel row, column, a stable code and a
Vietnamese message, and nothing at all is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from cadretrain.interchange.services import workbook_import
from tests.interchange.conftest import SYSTEM, counts, good_rows, write_xlsx

pytestmark = pytest.mark.django_db


def errors_of(report) -> list[tuple]:  # type: ignore[no-untyped-def]
    return [(e["sheet"], e["row"], e["column"], e["code"]) for e in report.errors]


def check_rejected(report, before, *expected):  # type: ignore[no-untyped-def]
    assert not report.ok
    assert counts() == before, "nothing may be written when a row is wrong"
    got = errors_of(report)
    for item in expected:
        assert item in got, got
    for e in report.errors:
        assert e["message"] and e["message"] != e["code"].replace("_", " "), e


def test_unknown_references_are_reported_per_cell(world, import_file):
    before = counts()
    rows = good_rows()
    rows["people"][0]["unit_code"] = "99999"
    rows["people"][1]["position_code"] = "NOPE"
    rows["classes"][0]["programme_code"] = "P-NONE"
    rows["enrolments"][1]["person_code"] = "P-NOBODY"
    rows["units"][0]["parent_code"] = "ZZ"
    report = import_file(rows)
    check_rejected(report, before,
                   ("units", 2, "parent_code", "unknown_unit"),
                   ("people", 2, "unit_code", "unknown_unit"),
                   ("people", 3, "position_code", "unknown_position"),
                   ("classes", 2, "programme_code", "unknown_programme"),
                   ("enrolments", 3, "person_code", "unknown_person"))


def test_unknown_enumeration_values_are_refused(world, import_file):
    before = counts()
    rows = good_rows()
    rows["units"][0]["kind"] = "VILLAGE"
    rows["people"][0]["category"] = "BOSS"
    rows["people"][1]["gender"] = "X"
    rows["credentials"][0]["level"] = "THAC_SI_X"
    rows["enrolments"][1]["status"] = "DONE"
    report = import_file(rows)
    check_rejected(report, before,
                   ("units", 2, "kind", "unknown_unit_kind"),
                   ("people", 2, "category", "unknown_category"),
                   ("people", 3, "gender", "invalid_gender"),
                   ("credentials", 2, "level", "unknown_level"),
                   ("enrolments", 3, "status", "unknown_choice"))


def test_impossible_dates_and_end_before_start_are_refused(world, import_file):
    before = counts()
    rows = good_rows()
    rows["people"][0]["birth_date"] = "31/02/1990"
    rows["people"][1]["joined_on"] = "2020-13-01"
    rows["classes"][0]["end_date"] = "2023-12-31"
    rows["units"][0]["valid_to"] = "2020-01-01"
    report = import_file(rows)
    check_rejected(report, before,
                   ("people", 2, "birth_date", "impossible_date"),
                   ("people", 3, "joined_on", "impossible_date"),
                   ("classes", 2, "end_date", "dates_out_of_order"),
                   ("units", 2, "valid_to", "dates_out_of_order"))


def test_duplicate_keys_inside_the_file_are_refused(world, import_file):
    before = counts()
    rows = good_rows()
    rows["people"].append(dict(rows["people"][1]))
    rows["enrolments"].append(dict(rows["enrolments"][0]))
    report = import_file(rows)
    check_rejected(report, before, ("people", 4, "code", "duplicate_key"),
                   ("enrolments", 4, "person_code", "duplicate_key"))
    assert "dòng 3" in next(e["message"] for e in report.errors if e["sheet"] == "people")


def test_missing_required_cells_and_columns_are_refused(world, import_file):
    before = counts()
    rows = good_rows()
    rows["people"][0]["full_name"] = "  "
    rows["people"][1]["birth_date"] = ""
    report = import_file(rows)
    check_rejected(report, before, ("people", 2, "full_name", "required_value_missing"),
                   ("people", 3, "birth_date", "required_value_missing"))
    missing_column = import_file({"positions": [["code", "name"], ["X", "Y"]]}, raw=True)
    check_rejected(missing_column, before, ("positions", 1, "kind", "missing_column"))


def test_unknown_columns_and_sheets_are_errors_not_silently_dropped(world, import_file):
    before = counts()
    report = import_file({"positions": [["code", "name", "kind", "ghi chú"], ["X", "Y", "SUPPORT", "?"]],
                          "nhân sự": [["code"], ["1"]]}, raw=True)
    check_rejected(report, before, ("positions", 1, "ghi chú", "unknown_column"),
                   ("nhân sự", None, None, "unknown_sheet"))


def test_a_value_in_a_column_without_header_is_an_error(world, import_file):
    before = counts()
    report = import_file({"positions": [["code", "name", "kind"], ["X", "Y", "SUPPORT", "lạc"]]}, raw=True)
    check_rejected(report, before, ("positions", 2, None, "value_without_header"))


def test_scores_outside_0_to_10_and_completion_without_date_are_refused(world, import_file):
    before = counts()
    rows = good_rows()
    rows["enrolments"][0]["score"] = "11"
    rows["enrolments"][1].update(status="COMPLETED", completed_on="")
    report = import_file(rows)
    check_rejected(report, before, ("enrolments", 2, "score", "score_out_of_range"),
                   ("enrolments", 3, "completed_on", "completed_on_required"))


def test_a_class_cannot_be_filled_beyond_its_capacity(world, import_file):
    before = counts()
    rows = good_rows()
    rows["enrolments"].append({"class_code": "L-2024-01", "person_code": "P-A2", "status": "ENROLLED"})
    report = import_file(rows)
    check_rejected(report, before, ("enrolments", 4, "class_code", "class_full"))


def test_formula_and_merged_cells_are_refused(world, tmp_path: Path):
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = "positions"
    ws.append(["code", "name", "kind"])
    ws.append(["A1X", "=UPPER(\"tổ\")", "SUPPORT"])
    ws.append(["B2X", "Gộp", "SUPPORT"])
    ws.merge_cells("B3:C3")
    book.save(tmp_path / "f.xlsx")
    before = counts()
    report = workbook_import(actor=SYSTEM, path=tmp_path / "f.xlsx")
    check_rejected(report, before, ("positions", 2, "name", "formula_not_allowed"),
                   ("positions", 3, "name", "merged_cell"))
    assert "B3:C3" in next(e["message"] for e in report.errors if e["code"] == "merged_cell")


def test_a_code_excel_stored_as_a_number_gets_a_leading_zeros_hint(world, import_file):
    before = counts()
    sheets = {"people": [["code", "full_name", "birth_date", "gender", "category", "unit_code"],
                         ["P-Z1", "Lê Văn Tám", "1990-01-01", "M", "CONG_CHUC", 4]]}
    report = import_file(sheets, raw=True)
    check_rejected(report, before, ("people", 2, "unit_code", "numeric_code_hint"))
    assert "số 0" in report.errors[0]["message"] and "4" in report.errors[0]["message"]


def test_a_file_that_is_not_a_workbook_is_fatal(world, tmp_path: Path):
    bad = tmp_path / "notes.xlsx"
    bad.write_text("xin chào", encoding="utf-8")
    report = workbook_import(actor=SYSTEM, path=bad)
    assert report.fatal and errors_of(report) == [(None, None, None, "not_a_workbook")]
    broken_zip = tmp_path / "b.xlsx"
    broken_zip.write_bytes(b"PK\x03\x04garbage")
    assert workbook_import(actor=SYSTEM, path=broken_zip).fatal
    assert errors_of(workbook_import(actor=SYSTEM, path=tmp_path / "missing.xlsx")) == [
        (None, None, None, "file_not_found")]


def test_an_encrypted_workbook_is_recognised_by_its_ole_signature(world, tmp_path: Path):
    locked = tmp_path / "locked.xlsx"
    locked.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    report = workbook_import(actor=SYSTEM, path=locked)
    assert report.fatal and report.errors[0]["code"] == "encrypted_workbook"
    assert "mật khẩu" in report.errors[0]["message"]


def test_an_empty_workbook_is_an_error(world, tmp_path: Path):
    before = counts()
    only_headers = write_xlsx(tmp_path / "e.xlsx", {"people": [["code", "full_name", "birth_date", "gender",
                                                                "category", "unit_code"]]})
    report = workbook_import(actor=SYSTEM, path=only_headers)
    check_rejected(report, before, (None, None, None, "empty_workbook"))
    guide_only = write_xlsx(tmp_path / "g.xlsx", {"Hướng dẫn": [["Đọc kỹ"]]})
    check_rejected(workbook_import(actor=SYSTEM, path=guide_only), before, (None, None, None, "empty_workbook"))


def test_a_csv_that_is_not_utf8_is_fatal_and_writes_nothing(world, tmp_path: Path):
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "positions.csv").write_bytes("code,name,kind\nX,Ph\xf3 ph\xf2ng,SUPPORT\n".encode("latin-1"))
    before = counts()
    report = workbook_import(actor=SYSTEM, path=folder)
    assert report.fatal and report.errors[0]["code"] == "csv_not_utf8"
    assert counts() == before


def test_too_long_values_are_refused_before_the_database_sees_them(world, import_file):
    before = counts()
    rows = good_rows()
    rows["people"][0]["phone"] = "0" * 30
    check_rejected(import_file(rows), before, ("people", 2, "phone", "value_too_long"))


def test_every_bad_enrolment_cell_of_a_csv_is_reported_among_good_rows(world, import_file):
    """CSV rows go through a memoised fast path when every cell passes; each row it cannot
    accept is checked again in full, so the report is the same as for a workbook."""
    before = counts()
    rows = good_rows()
    rows["classes"][0]["capacity"] = ""
    rows["enrolments"] = [
        {"class_code": "L-2024-01", "person_code": "P-N1", "status": "COMPLETED", "score": "8.5",
         "completed_on": "2024-06-30"},
        {"class_code": "L-2024-01", "person_code": "P-A1", "status": "COMPLETED", "score": "10.5",
         "completed_on": "2024-06-30"},
        {"class_code": "L-2024-01", "person_code": "00042", "status": "COMPLETED", "completed_on": "31/02/2024"},
        {"class_code": "L-2024-01", "person_code": "P-N1", "status": "ENROLLED"},
        {"class_code": "L-NONE", "person_code": "P-A1", "status": "ENROLLED"},
        {"class_code": "L-2024-01", "person_code": "P-A1", "status": "COMPLETED"},
        {"class_code": "L-2024-01", "person_code": "00042", "status": "done"},
    ]
    report = import_file(rows, fmt="zip")
    check_rejected(report, before)
    assert sorted(e for e in errors_of(report) if e[0] == "enrolments") == [
        ("enrolments", 3, "score", "score_out_of_range"),
        ("enrolments", 4, "completed_on", "impossible_date"),
        ("enrolments", 5, "person_code", "duplicate_key"),
        ("enrolments", 6, "class_code", "unknown_class"),
        ("enrolments", 7, "completed_on", "completed_on_required"),
        ("enrolments", 8, "status", "unknown_choice"),
    ]


def test_padded_text_cells_of_a_csv_enrolment_are_stored_like_the_forms_store_them(world, import_file):
    import datetime as dt
    from decimal import Decimal

    from cadretrain.training.models import Enrolment

    rows = good_rows()
    rows["enrolments"] = [
        {"class_code": " L-2024-01 ", "person_code": " P-N1", "status": " completed ", "score": " 8.5 ",
         "completed_on": " 30/06/2024 ", "certificate_no": " TC-001 "},
    ]
    report = import_file(rows, fmt="zip")
    assert report.ok, report.errors
    e = Enrolment.objects.get(person__code="P-N1", training_class__code="L-2024-01")
    assert (e.status, e.score, e.completed_on, e.certificate_no) == (
        "COMPLETED", Decimal("8.50"), dt.date(2024, 6, 30), "TC-001")


@pytest.mark.parametrize("fmt", ["xlsx", "zip"])
def test_a_duplicate_enrolment_in_a_later_chunk_is_reported_with_its_first_row(world, import_file, monkeypatch, fmt):
    """Rows are written chunk by chunk; a pair repeated chunks later (new, existing or refused
    for a full class) is still a duplicate of the first row, not an update of it."""
    from cadretrain.interchange import importer

    monkeypatch.setattr(importer, "CHUNK", 2)
    before = counts()
    rows = good_rows()
    rows["classes"][0]["capacity"] = "1"
    rows["enrolments"] = [
        {"class_code": "L-2024-01", "person_code": "P-N1", "status": "ENROLLED"},       # row 2: takes the seat
        {"class_code": "L-2024-01", "person_code": "P-A1", "status": "ENROLLED"},       # row 3: class full
        {"class_code": "L-2024-01", "person_code": "00042", "status": "WITHDRAWN"},     # row 4
        {"class_code": "L-2024-01", "person_code": "P-N1", "status": "COMPLETED", "completed_on": "2024-06-30"},
        {"class_code": "L-2024-01", "person_code": "P-A1", "status": "WITHDRAWN"},      # row 6: dup of 3
        {"class_code": "L-2024-01", "person_code": "00042", "status": "WITHDRAWN"},     # row 7: dup of 4
    ]
    report = import_file(rows, fmt=fmt)
    check_rejected(report, before)
    got = {(e["row"], e["column"], e["code"], e["message"]) for e in report.errors if e["sheet"] == "enrolments"}
    assert {(r, c, code) for r, c, code, _ in got} == {
        (3, "class_code", "class_full"), (5, "person_code", "duplicate_key"),
        (6, "person_code", "duplicate_key"), (7, "person_code", "duplicate_key")}
    messages = {r: m for r, _, code, m in got if code == "duplicate_key"}
    assert "dòng 2 " in messages[5] and "(L-2024-01/P-N1)" in messages[5]
    assert "dòng 3 " in messages[6] and "dòng 4 " in messages[7]


def test_a_duplicate_credential_in_a_later_chunk_is_reported_with_its_first_row(world, import_file, monkeypatch):
    """Credentials are written chunk by chunk and a key repeated chunks later (of a row this file
    wrote or of one it matched in the database) is a duplicate of its first row."""
    from cadretrain.interchange import importer

    monkeypatch.setattr(importer, "CHUNK", 2)
    before = counts()
    rows = good_rows()
    degree = {"person_code": "P-N1", "dimension": "EDUCATION", "level": "DAI_HOC", "field": "Luật",
              "issued_on": "2012-06-30", "issuer": "Đại học Luật Hà Nội"}
    theory = {"person_code": "P-N1", "dimension": "POLITICAL_THEORY", "level": "TRUNG_CAP", "issued_on": "2015-05-20"}
    other = {"person_code": "P-A1", "dimension": "EDUCATION", "level": "THAC_SI", "issued_on": "2010-06-30"}
    rows["credentials"] = [degree, theory, other, {**degree, "issuer": "Khác"}, other]  # rows 2–6
    report = import_file(rows)
    check_rejected(report, before)
    got = [(e["row"], e["code"], e["message"]) for e in report.errors if e["sheet"] == "credentials"]
    assert [(r, c) for r, c, _ in got] == [(5, "duplicate_key"), (6, "duplicate_key")]
    assert "dòng 2 " in got[0][2] and "P-N1/EDUCATION/DAI_HOC/2012-06-30" in got[0][2]
    assert "dòng 4 " in got[1][2]
    # Without the duplicates the same rows import, across chunks, each with its own id.
    rows["credentials"] = [degree, theory, other]
    report = import_file(rows)
    assert report.ok, report.errors
    assert report.created["credentials"] == 3


@pytest.mark.parametrize("fmt", ["xlsx", "zip"])
def test_people_rows_across_chunks_report_bad_rows_and_duplicates_in_row_order(world, import_file, monkeypatch, fmt):
    """People rows are validated while their chunk is being written (ids drawn before): a bad
    row and a code repeated chunks later are reported with their rows, and nothing is kept."""
    from cadretrain.interchange import importer

    monkeypatch.setattr(importer, "CHUNK", 2)
    before = counts()
    base = {"full_name": "Lê Văn Tư", "birth_date": "1980-01-01", "gender": "M", "category": "CONG_CHUC",
            "unit_code": "00004"}
    rows = {"people": [
        {**base, "code": "Q1"},                        # row 2
        {**base, "code": "P-A1"},                      # row 3: exists (an update)
        {**base, "code": "Q2", "gender": "X"},         # row 4: bad gender
        {**base, "code": "Q1"},                        # row 5: duplicate of row 2
        {**base, "code": "Q3", "unit_code": "NONE"},   # row 6: unknown unit
        {**base, "code": "Q2"},                        # row 7: first valid Q2, yet a repeat of row 4
    ]}
    report = import_file(rows, fmt=fmt)
    check_rejected(report, before)
    assert errors_of(report) == [("people", 4, "gender", "invalid_gender"), ("people", 5, "code", "duplicate_key"),
                                 ("people", 6, "unit_code", "unknown_unit"), ("people", 7, "code", "duplicate_key")]


def test_new_people_across_chunks_get_their_own_ids_and_assignments(world, import_file, monkeypatch):
    from cadretrain.interchange import importer
    from cadretrain.people.models import Assignment, Person

    monkeypatch.setattr(importer, "CHUNK", 2)
    base = {"full_name": "Lê Văn Tư", "birth_date": "1980-01-01", "gender": "M", "category": "CONG_CHUC",
            "unit_code": "00004", "joined_on": "2019-09-01"}
    codes = ["Q1", "P-A1", "Q2", "Q3", "Q4"]
    report = import_file({"people": [{**base, "code": c} for c in codes]})
    assert report.ok, report.errors
    assert report.created["people"] == 4 and report.updated["people"] == 1
    people = dict(Person.objects.filter(code__in=codes).values_list("code", "id"))
    assert len(set(people.values())) == 5
    for code in ("Q1", "Q2", "Q3", "Q4"):
        assert list(Assignment.objects.filter(person_id=people[code]).values_list("unit__code", "valid_from")) == [
            ("00004", importer.dt.date(2019, 9, 1))]
