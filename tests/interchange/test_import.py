"""Importing a valid workbook: upserts by key through the shared validators, all sheets in one
transaction, and a second import of the same file changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from cadretrain.core.models import AuditEvent, JobRun
from cadretrain.org.models import OrgUnit, Position
from cadretrain.people.models import Assignment, Credential, Person
from cadretrain.training.models import Enrolment, PersonYearPeriods, TrainingClass
from tests.interchange.conftest import counts, good_rows

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("fmt", ["xlsx", "zip", "dir"])
def test_a_valid_workbook_is_imported_and_a_second_import_changes_nothing(world, import_file, fmt):
    first = import_file(good_rows(), fmt=fmt)
    assert first.ok, first.errors
    assert first.created == {"units": 1, "positions": 1, "people": 2, "credentials": 1, "programmes": 1,
                             "classes": 1, "enrolments": 2}
    after_first = counts()
    second = import_file(good_rows(), fmt=fmt)
    assert second.ok, second.errors
    assert sum(second.created.values()) == 0 and sum(second.updated.values()) == 0
    assert second.unchanged == first.created
    # Only the job record and its audit event are new on the second run.
    after_second = counts()
    assert {k: after_second[k] - after_first[k] for k in after_first if after_second[k] != after_first[k]} == {
        "core.JobRun": 1, "core.AuditEvent": 1}


def test_imported_values_are_cleaned_like_the_forms_do(world, import_file):
    assert import_file(good_rows()).ok
    unit = OrgUnit.objects.get(code="00004.TC")
    assert unit.name == "Tổ công tác phường"  # inner spaces collapsed
    assert unit.parent == world.ward_a and unit.path == f"{world.ward_a.path}{unit.pk}/" and unit.depth == 2
    person = Person.objects.get(code="P-N1")
    assert person.gender == "F" and person.party_member is True and person.birth_date == dt.date(1990, 5, 17)
    assert person.unit == unit and person.position.code == "LD"
    assert person.search_key == "do thi hoa"
    assignment = Assignment.objects.get(person=person)
    assert assignment.unit == unit and assignment.valid_from == dt.date(2015, 3, 1) and assignment.is_primary
    assert Person.objects.get(code="00042").rank_code == "HANG_III"
    programme_topics = TrainingClass.objects.get(code="L-2024-01").programme.topics
    assert programme_topics == "lý luận; hành chính"


def test_completed_enrolment_grants_the_programme_level_and_updates_derived_tables(world, import_file):
    assert import_file(good_rows()).ok
    klass = TrainingClass.objects.get(code="L-2024-01")
    assert klass.enrolled == 2  # COMPLETED and ENROLLED both hold a seat
    assert klass.name == "Trung cấp lý luận chính trị - hành chính"  # defaults to the programme name
    assert klass.status == "FINISHED"
    person = Person.objects.get(code="P-N1")
    granted = Credential.objects.get(person=person, dimension="POLITICAL_THEORY")
    assert granted.level == "TRUNG_CAP" and granted.issued_on == dt.date(2024, 6, 30)
    assert granted.enrolment == Enrolment.objects.get(person=person)
    assert granted.issuer == "Trường Đào tạo cán bộ Lê Hồng Phong" and granted.certificate_no == "TC-001"
    assert PersonYearPeriods.objects.get(person=person, year=2024).periods == 400
    assert Enrolment.objects.get(person=person).score == Decimal("8.50")


def test_no_credential_is_granted_to_someone_who_already_holds_a_higher_level(world, import_file):
    rows = good_rows()
    rows["credentials"].append({"person_code": "P-N1", "dimension": "POLITICAL_THEORY", "level": "CAO_CAP",
                                "issued_on": "2020-01-01"})
    assert import_file(rows).ok
    assert list(Credential.objects.filter(person__code="P-N1", dimension="POLITICAL_THEORY")
                .values_list("level", flat=True)) == ["CAO_CAP"]


def test_changed_rows_are_updated_and_a_unit_change_is_a_transfer(world, import_file):
    assert import_file(good_rows()).ok
    rows = good_rows()
    rows["people"][0]["unit_code"] = "00004"
    rows["people"][0]["full_name"] = "Đỗ Thị Hòa Bình"
    rows["enrolments"][1]["status"] = "WITHDRAWN"
    report = import_file(rows)
    assert report.ok, report.errors
    assert report.updated["people"] == 1 and report.unchanged["people"] == 1
    assert report.updated["enrolments"] == 1
    person = Person.objects.get(code="P-N1")
    assert person.unit == world.ward_a and person.full_name == "Đỗ Thị Hòa Bình"
    history = list(Assignment.objects.filter(person=person).order_by("valid_from").values_list("unit__code", "valid_to"))
    assert history[0][0] == "00004.TC" and history[0][1] is not None
    assert history[-1] == ("00004", None)
    assert TrainingClass.objects.get(code="L-2024-01").enrolled == 1


def test_nfd_names_are_stored_nfc_and_codes_keep_their_leading_zeros(world, import_file):
    import unicodedata

    rows = good_rows()
    rows["people"][1]["full_name"] = unicodedata.normalize("NFD", "Vũ Văn Khánh")
    assert import_file(rows, fmt="zip").ok
    person = Person.objects.get(code="00042")
    assert person.full_name == unicodedata.normalize("NFC", "Vũ Văn Khánh")
    assert unicodedata.is_normalized("NFC", person.full_name)


def test_vietnamese_headers_in_any_case_and_without_diacritics_are_accepted(world, import_file):
    sheets = {
        "positions": [["MÃ", "ten", "Loại*"], ["TP", "Trưởng phòng", "LEADERSHIP"]],
        "people": [["Mã cán bộ", "Ho va ten", "Ngày sinh", "Giới tính", "Loại cán bộ", "Mã đơn vị", "dang vien"],
                   ["P-V1", "Lý Thị Mai", "01/02/1991", "F", "CONG_CHUC", "00008", "1"]],
    }
    report = import_file(sheets, raw=True)
    assert report.ok, report.errors
    assert Person.objects.get(code="P-V1").party_member is True
    assert Position.objects.filter(code="TP").exists()


def test_real_excel_date_cells_and_numeric_cells_are_read(world, import_file):
    sheets = {"people": [
        ["code", "full_name", "birth_date", "gender", "category", "unit_code", "party_member"],
        ["P-X1", "Hà Văn Tú", dt.date(1979, 12, 31), "M", "CAN_BO", "00008", 0],
        [12345, "Hà Văn Tư", dt.datetime(1980, 1, 1), "M", "CAN_BO", "00008", True],
    ]}
    report = import_file(sheets, raw=True)
    assert report.ok, report.errors
    assert Person.objects.get(code="P-X1").birth_date == dt.date(1979, 12, 31)
    assert Person.objects.get(code="12345").party_member is True


def test_a_dry_run_reports_counts_and_writes_nothing(world, import_file):
    before = counts()
    report = import_file(good_rows(), dry_run=True)
    assert report.ok and report.dry_run
    assert report.created["people"] == 2
    assert counts() == before


def test_one_job_record_and_one_audit_event_summarise_an_import(world, import_file):
    report = import_file(good_rows())
    job = JobRun.objects.get(kind="import_workbook")
    assert job.status == "DONE" and job.total == report.rows == 9
    event = AuditEvent.objects.get(action="import")
    assert event.changes["created"]["people"] == 2 and event.object_pk == str(job.pk)


def test_the_standards_sheet_goes_through_the_standards_service(world, import_file):
    rows = {"standards": [
        {"code": "TC-CV", "name": "Chuyên viên", "position_code": "CV", "group": "1", "dimension": "EDUCATION",
         "min_level": "DAI_HOC", "valid_from": "2020-01-01", "legal_basis": "NĐ 138/2020/NĐ-CP"},
        {"code": "TC-CV", "name": "Chuyên viên", "position_code": "CV", "group": "2",
         "dimension": "STATE_MANAGEMENT", "min_level": "CHUYEN_VIEN", "valid_from": "2020-01-01",
         "legal_basis": "NĐ 138/2020/NĐ-CP"},
    ]}
    report = import_file(rows)
    assert report.ok, report.errors
    assert report.created["standards"] == 2
    again = import_file(rows)
    assert again.unchanged["standards"] == 2 and again.created["standards"] == 0


def test_optional_columns_absent_from_the_people_sheet_are_empty_values(world, import_file):
    # The importer cleans an absent column's empty value once for the whole sheet rather than
    # per row: the result must be what empty cells give (spec: empty cells are empty values).
    assert import_file(good_rows()).ok
    minimal = {"people": [{k: r[k] for k in ("code", "full_name", "birth_date", "gender", "category", "unit_code")}
                          for r in good_rows()["people"]]}
    report = import_file(minimal)
    assert report.ok, report.errors
    person = Person.objects.get(code="P-N1")
    assert (person.national_id, person.party_member, person.rank_code, person.joined_on, person.left_on,
            person.email) == ("", False, "", None, None, "")
    assert Person.objects.get(code="00042").rank_code == ""
    again = import_file(minimal)
    assert again.ok and again.unchanged["people"] == 2 and again.updated["people"] == 0
