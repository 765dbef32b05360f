"""Export → import into an empty database → export gives the same workbook; an officer's export
holds only their subtree; national IDs are left out for roles that may not see them."""

from __future__ import annotations

from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from cadretrain.accounts.models import User
from cadretrain.catalogue.models import Institution, Programme
from cadretrain.core.models import AuditEvent
from cadretrain.interchange.services import workbook_export
from cadretrain.org.models import OrgUnit, Position
from cadretrain.people.models import Assignment, Credential, Person
from cadretrain.training.models import Enrolment, TrainingClass
from tests.interchange.conftest import SYSTEM, good_rows

pytestmark = pytest.mark.django_db


def read_xlsx(path: Path) -> dict[str, list[list]]:
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def read_zip(path: Path) -> dict[str, bytes]:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n) for n in sorted(archive.namelist())}


def empty_the_database() -> None:
    """Delete every row the workbook covers, table by table (no ORM cascade: tables of apps
    unrelated to the workbook are empty here anyway)."""
    from django.apps import apps
    from django.db import connection

    derived = [apps.get_model("training.PersonYearPeriods"), *apps.get_app_config("reports").get_models()]
    for model in (*derived, apps.get_model("standards.Requirement"), apps.get_model("standards.Standard"), AuditEvent,
                  Credential, Enrolment, TrainingClass, Programme, User, Institution, Assignment, Person):
        model.objects.all()._raw_delete(connection.alias)
    OrgUnit.objects.update(successor=None, parent=None)
    for model in (OrgUnit, Position):
        model.objects.all()._raw_delete(connection.alias)


@pytest.mark.parametrize("suffix", [".xlsx", ".zip"])
def test_export_import_into_an_empty_database_export_is_identical(world, import_file, tmp_path, suffix):
    rows = good_rows()
    rows["units"].append({"code": "00005", "name": "Phường cũ", "parent_code": "HN", "kind": "WARD",
                          "valid_from": "2000-01-01", "valid_to": "2025-06-30", "successor_code": "00004"})
    rows["people"][0]["left_on"] = "2030-01-01"
    rows["standards"] = [{"code": "TC-CV", "name": "Chuyên viên", "position_code": "CV", "group": "1",
                          "dimension": "EDUCATION", "min_level": "DAI_HOC", "valid_from": "2020-01-01",
                          "legal_basis": "NĐ 138/2020/NĐ-CP"}]
    rows["classes"].append({"code": "L-ABROAD", "programme_code": "LLCT-TC", "organizer_unit_code": "HN",
                            "partner": "Đại học Tokyo", "country": "JP", "start_date": "2025-03-01",
                            "end_date": "2025-03-20", "mode": "TRUC_TUYEN"})
    assert import_file(rows).ok
    first = tmp_path / f"first{suffix}"
    workbook_export(actor=SYSTEM, path=first)
    empty_the_database()
    from cadretrain.interchange.services import workbook_import

    report = workbook_import(actor=SYSTEM, path=first)
    assert report.ok, report.errors
    second = tmp_path / f"second{suffix}"
    workbook_export(actor=SYSTEM, path=second)
    reader = read_xlsx if suffix == ".xlsx" else read_zip
    assert reader(first) == reader(second)
    assert sum(report.created.values()) > 10 and report.created["standards"] == 1


def test_an_officers_export_holds_only_their_subtree(world, import_file, tmp_path):
    assert import_file(good_rows()).ok
    out = tmp_path / "a.xlsx"
    workbook_export(actor=world.actor("officer_a"), path=out)
    sheets = read_xlsx(out)
    assert {r[0] for r in sheets["units"][1:]} == {"00004", "00004.VP", "00004.TC"}
    assert {r[0] for r in sheets["people"][1:]} == {"P-A1", "P-A2", "P-A3", "P-N1", "00042"}
    assert sheets["people"][0][0] == "code"  # row 1 holds the column keys


def test_an_export_for_a_viewer_leaves_national_ids_out(world, import_file, tmp_path):
    assert import_file(good_rows()).ok
    out = tmp_path / "v.xlsx"
    workbook_export(actor=world.actor("viewer_a"), path=out)
    people = read_xlsx(out)["people"]
    column = people[0].index("national_id")
    assert all(row[column] == "" for row in people[1:])
    workbook_export(actor=world.actor("officer_a"), path=out)
    assert "001090000001" in [row[column] for row in read_xlsx(out)["people"][1:]]


def test_export_by_unit_code_is_the_subtree(world, import_file, tmp_path):
    assert import_file(good_rows()).ok
    out = tmp_path / "u.zip"
    counts = workbook_export(actor=SYSTEM, path=out, unit_code="00004.TC")
    assert counts["units"] == 1 and counts["people"] == 1 and counts["enrolments"] == 1
