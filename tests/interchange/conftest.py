"""Workbook builders for the importer tests: a valid workbook relative to the persona world, and
writers for xlsx (openpyxl), a zip of CSVs and a folder of CSVs."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps

from cadretrain.domain.access import Actor
from cadretrain.interchange.schema import SHEET_BY_NAME

SYSTEM = Actor.system()

Sheets = dict[str, list[list[Any]]]


@pytest.fixture(autouse=True)
def plain_http(settings):  # type: ignore[no-untyped-def]
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


def with_keys(sheets: dict[str, list[dict[str, Any]]]) -> Sheets:
    """Rows given as dicts → header of column keys (in spec order, only those used) + rows."""
    out: Sheets = {}
    for name, rows in sheets.items():
        keys = [k for k in SHEET_BY_NAME[name].keys if any(k in r for r in rows)] if rows else list(
            SHEET_BY_NAME[name].keys)
        out[name] = [keys, *[[r.get(k, "") for k in keys] for r in rows]]
    return out


def write_xlsx(path: Path, sheets: Sheets) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
    book.save(path)
    return path


def write_csv_zip(path: Path, sheets: Sheets, *, bom: bool = True) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, rows in sheets.items():
            text = io.StringIO()
            csv.writer(text).writerows(rows)
            archive.writestr(f"{name}.csv", ("\ufeff" if bom else "") + text.getvalue())
    return path


def write_csv_dir(path: Path, sheets: Sheets) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for name, rows in sheets.items():
        with (path / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(rows)
    return path


def good_rows() -> dict[str, list[dict[str, Any]]]:
    """A small valid workbook against the persona world (ward 00004 exists, person P-A1 too)."""
    return {
        "units": [
            {"code": "00004.TC", "name": "Tổ  công tác   phường", "parent_code": "00004", "kind": "OTHER",
             "valid_from": "2025-07-01"},
        ],
        "positions": [{"code": "LD", "name": "Lãnh đạo", "kind": "LEADERSHIP"}],
        "people": [
            {"code": "P-N1", "full_name": "Đỗ Thị Hoà", "birth_date": "17/05/1990", "gender": "Nữ",
             "category": "CONG_CHUC", "unit_code": "00004.TC", "position_code": "LD", "party_member": "có",
             "national_id": "001090000001", "joined_on": "2015-03-01"},
            {"code": "00042", "full_name": "Vũ Văn Khánh", "birth_date": "1988-01-02", "gender": "M",
             "category": "VIEN_CHUC", "unit_code": "00004", "rank_code": "HANG_III", "party_member": "N"},
        ],
        "credentials": [
            {"person_code": "P-N1", "dimension": "EDUCATION", "level": "DAI_HOC", "field": "Luật",
             "issued_on": "2012-06-30", "issuer": "Đại học Luật Hà Nội"},
        ],
        "programmes": [
            {"code": "LLCT-TC", "name": "Trung cấp lý luận chính trị - hành chính", "kind": "POLITICAL_THEORY",
             "grants_dimension": "POLITICAL_THEORY", "grants_level": "TRUNG_CAP", "periods": "400",
             "topics": "lý luận ;hành chính"},
        ],
        "classes": [
            {"code": "L-2024-01", "programme_code": "LLCT-TC", "organizer_unit_code": "00004",
             "institution": "Trường Đào tạo cán bộ Lê Hồng Phong", "start_date": "2024-01-10",
             "end_date": "2024-06-30", "capacity": "2", "cost_vnd": "15000000", "mode": "TAP_TRUNG"},
        ],
        "enrolments": [
            {"class_code": "L-2024-01", "person_code": "P-N1", "status": "COMPLETED", "score": "8.5",
             "completed_on": "2024-06-30", "certificate_no": "TC-001"},
            {"class_code": "L-2024-01", "person_code": "P-A1", "status": "ENROLLED"},
        ],
    }


def counts() -> dict[str, int]:
    """Row counts of every project table: equal before and after means nothing was written."""
    return {
        m._meta.label: m.objects.count()
        for m in apps.get_models()
        if m._meta.app_label in {"org", "people", "catalogue", "training", "standards", "core", "reports"}
    }


@pytest.fixture
def import_file(tmp_path: Path) -> Callable[..., Any]:
    """Write `sheets` (dict rows or raw rows) to a file of `fmt` and import it."""
    from cadretrain.interchange.services import workbook_import

    def run(sheets: dict[str, Any], *, fmt: str = "xlsx", actor: Actor = SYSTEM, dry_run: bool = False,
            raw: bool = False):  # type: ignore[no-untyped-def]
        table = sheets if raw else with_keys(sheets)
        path = {"xlsx": lambda: write_xlsx(tmp_path / "in.xlsx", table),
                "zip": lambda: write_csv_zip(tmp_path / "in.zip", table),
                "dir": lambda: write_csv_dir(tmp_path / "in", table)}[fmt]()
        return workbook_import(actor=actor, path=path, dry_run=dry_run)

    return run
