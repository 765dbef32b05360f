"""The big sheets (credentials, enrolments) are read by id and put in code order in Python: rows
come out ordered by codes whatever order the records were created in, and an officer's or an
institution's export of them still holds only what that actor may see."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

from cadretrain.interchange.services import workbook_export
from cadretrain.interchange.writers import CodeOrder
from tests.interchange.conftest import SYSTEM, good_rows

pytestmark = pytest.mark.django_db

PEOPLE = {"Q-01": "00004", "Q-02": "00008", "Q-03": "00004.VP"}
CLASSES = ["K-1", "K-2", "K-3"]


def read_sheet(path: Path, name: str) -> list[list[str]]:
    with zipfile.ZipFile(path) as archive:
        return list(csv.reader(io.StringIO(archive.read(f"{name}.csv").decode("utf-8-sig"), newline="")))


def create_one_by_one(import_file, people: list[str], classes: list[str]) -> None:  # type: ignore[no-untyped-def]
    """One import per record, so that ids follow the order given (an import may order its rows)."""
    assert import_file({"programmes": [{"code": "BD", "name": "Bồi dưỡng", "kind": "PROFESSIONAL",
                                        "periods": "40"}]}).ok
    for code in people:
        assert import_file({
            "people": [{"code": code, "full_name": "Lê Văn Thử", "birth_date": "1980-01-01", "gender": "M",
                        "category": "CONG_CHUC", "unit_code": PEOPLE[code]}],
            # Two credentials given out of their key order.
            "credentials": [
                {"person_code": code, "dimension": "EDUCATION", "level": "THAC_SI", "issued_on": "2015-01-01"},
                {"person_code": code, "dimension": "EDUCATION", "level": "DAI_HOC", "issued_on": "2010-01-01"},
            ],
        }).ok
    for code in classes:
        assert import_file({
            "classes": [{"code": code, "programme_code": "BD", "organizer_unit_code": "HN",
                         "start_date": "2024-03-01", "end_date": "2024-03-05"}],
            "enrolments": [{"class_code": code, "person_code": p, "status": "ENROLLED"} for p in reversed(people)],
        }).ok


@pytest.mark.parametrize("reverse", [False, True], ids=["created in code order", "created in reverse code order"])
def test_credentials_and_enrolments_come_out_in_code_order(world, import_file, tmp_path, reverse):
    people, classes = sorted(PEOPLE), sorted(CLASSES)
    if reverse:
        people, classes = people[::-1], classes[::-1]
    create_one_by_one(import_file, people, classes)
    out = tmp_path / "all.zip"
    workbook_export(actor=SYSTEM, path=out)

    enrolments = [row[:2] for row in read_sheet(out, "enrolments")[1:]]
    assert [r for r in enrolments if r[0].startswith("K-")] == [[c, p] for c in sorted(CLASSES) for p in sorted(PEOPLE)]
    assert enrolments == sorted(enrolments)
    credentials = [row[:3] for row in read_sheet(out, "credentials")[1:]]
    assert [r for r in credentials if r[0].startswith("Q-")] == [
        [p, "EDUCATION", level] for p in sorted(PEOPLE) for level in ("DAI_HOC", "THAC_SI")]
    assert [r[0] for r in credentials] == sorted(r[0] for r in credentials)


@pytest.mark.parametrize("reverse", [False, True], ids=["created in code order", "created in reverse code order"])
def test_an_officers_credentials_and_enrolments_hold_only_their_subtree(world, import_file, tmp_path, reverse):
    people = sorted(PEOPLE)[::-1] if reverse else sorted(PEOPLE)
    create_one_by_one(import_file, people, CLASSES)
    out = tmp_path / "officer.zip"
    workbook_export(actor=world.actor("officer_a"), path=out)

    visible = {row[0] for row in read_sheet(out, "people")[1:]}
    assert {"Q-01", "Q-03"} <= visible and "Q-02" not in visible
    assert {row[0] for row in read_sheet(out, "credentials")[1:]} <= visible
    enrolments = [row[:2] for row in read_sheet(out, "enrolments")[1:]]
    assert {p for _, p in enrolments} <= visible
    assert [r for r in enrolments if r[0].startswith("K-")] == [[c, p] for c in CLASSES for p in ("Q-01", "Q-03")]


def test_code_order_knows_whether_ids_follow_the_codes_and_keeps_sparse_ids_in_a_dict():
    dense = CodeOrder([(3, "A"), (1, "B"), (2, "C")])
    assert dense.ids == [3, 1, 2] and not dense.ids_ascend
    assert dense.rank == {3: 0, 1: 1, 2: 2} and [dense.code[i] for i in (1, 2, 3)] == ["B", "C", "A"]
    sparse = CodeOrder([(1, "A"), (10**12, "B")])
    assert sparse.ids_ascend and isinstance(sparse.code, dict) and sparse.code[10**12] == "B"


def test_an_institutions_export_holds_its_classes_and_their_learners(world, import_file, tmp_path):
    # The institution's staff see no units at all: that sheet's scope compiles to no query,
    # which the export must write as an empty sheet rather than fail on.
    create_one_by_one(import_file, sorted(PEOPLE), CLASSES)
    assert import_file(good_rows()).ok  # class L-2024-01 at the world's institution, P-N1 and P-A1 in it
    out = tmp_path / "school.zip"
    counts = workbook_export(actor=world.actor("school"), path=out)

    assert counts["units"] == 0
    assert {row[0] for row in read_sheet(out, "classes")[1:]} == {"L-2024-01"}
    assert [row[:2] for row in read_sheet(out, "enrolments")[1:]] == [["L-2024-01", "P-A1"], ["L-2024-01", "P-N1"]]
    assert {row[0] for row in read_sheet(out, "people")[1:]} == {"P-A1", "P-N1"}


def test_enrolments_are_read_in_blocks_bounded_by_their_rows_with_the_same_output(world, import_file, tmp_path,
                                                                                  monkeypatch):
    """A block of classes holds about BLOCK_ROWS enrolments at most (an import of a few classes of
    thousands of learners each made one block of millions of rows); the sheet is the same."""
    from cadretrain.interchange import writers

    create_one_by_one(import_file, sorted(PEOPLE)[::-1], CLASSES[::-1])
    whole = tmp_path / "whole.zip"
    workbook_export(actor=SYSTEM, path=whole)
    monkeypatch.setattr(writers, "BLOCK_ROWS", 2)  # each class (3 seats) in a block of its own
    blocks = list(writers.Scope(SYSTEM, None)._class_blocks())
    assert [[code for _, code in b] for b in blocks if b[0][1].startswith("K-")] == [["K-1"], ["K-2"], ["K-3"]]
    split = tmp_path / "split.zip"
    workbook_export(actor=SYSTEM, path=split)
    assert read_sheet(split, "enrolments") == read_sheet(whole, "enrolments")
