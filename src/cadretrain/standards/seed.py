"""The Hà Nội standards library (reference/domain-brief.md §0–7), loaded idempotently.

`load_seed_standards()` upserts these rows through the same service as the importer, so a second
call changes nothing. Positions the rows name that do not exist yet are created with the names
below (the demo generator and imports may create them first; existing ones are left untouched).

Where the brief's standard is finer than the data model, the legal basis says how it was adapted:
- NĐ 29/2024 asks for the leadership state-management certificate; it is modelled as
  STATE_MANAGEMENT ≥ CHUYEN_VIEN_CHINH.
- Political theory CAO_CAP is met by CU_NHAN and CAO_CAP_LLCT_HANH_CHINH (equal ranks in levels.py);
  the senior-specialist "QLNN CVCC or cao cấp LLCT-HC" alternative is the cross equivalence
  CAO_CAP_LLCT_HANH_CHINH → STATE_MANAGEMENT CHUYEN_VIEN_CAO_CAP, so one row expresses it.
- No official knowledge-update period was found for QĐ 145-QĐ/TW: 60 months is a local KPI.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction

from cadretrain.domain.access import Actor

log = logging.getLogger(__name__)

POSITIONS: dict[str, tuple[str, str]] = {
    "GIAM_DOC_SO": ("Giám đốc Sở và tương đương", "LEADERSHIP"),
    "PHO_GIAM_DOC_SO": ("Phó Giám đốc Sở và tương đương", "LEADERSHIP"),
    "TRUONG_PHONG": ("Trưởng phòng và tương đương", "LEADERSHIP"),
    "PHO_TRUONG_PHONG": ("Phó Trưởng phòng và tương đương", "LEADERSHIP"),
    "CHU_TICH_UBND_XA": ("Chủ tịch UBND xã, phường", "LEADERSHIP"),
    "PHO_CHU_TICH_UBND_XA": ("Phó Chủ tịch UBND xã, phường", "LEADERSHIP"),
    "CHUYEN_VIEN": ("Chuyên viên", "SPECIALIST"),
    "CHUYEN_VIEN_CHINH": ("Chuyên viên chính", "SPECIALIST"),
    "CHUYEN_VIEN_CAO_CAP": ("Chuyên viên cao cấp", "SPECIALIST"),
    "VAN_PHONG_THONG_KE": ("Văn phòng - thống kê", "SPECIALIST"),
    "DIA_CHINH_XAY_DUNG": ("Địa chính - xây dựng - đô thị và môi trường", "SPECIALIST"),
    "TAI_CHINH_KE_TOAN": ("Tài chính - kế toán", "SPECIALIST"),
    "TU_PHAP_HO_TICH": ("Tư pháp - hộ tịch", "SPECIALIST"),
    "VAN_HOA_XA_HOI": ("Văn hóa - xã hội", "SPECIALIST"),
}

ND29 = "NĐ 29/2024/NĐ-CP (tiêu chuẩn chức danh lãnh đạo, quản lý), Điều 6"
ND29_QLNN = " — chứng chỉ bồi dưỡng lãnh đạo, quản lý được mô hình hóa là QLNN ≥ chuyên viên chính"
TT2 = ("TT 2/2021/TT-BNV, Điều 5 (ngạch chuyên viên cao cấp): QLNN chuyên viên cao cấp hoặc "
       "cao cấp LLCT - hành chính")
NQ04 = ("NQ 04-NQ/TU (2021) của Thành ủy Hà Nội: 100% cán bộ sở, ngành có trình độ đại học và "
        "LLCT từ trung cấp — chỉ tiêu của Thành phố")
ND33 = "NĐ 33/2023/NĐ-CP, Điều 10 (công chức cấp xã): tốt nghiệp đại học trở lên"
QD145 = ("QĐ 145-QĐ/TW (10/5/2024) về cập nhật kiến thức — văn bản không quy định chu kỳ; "
         "60 tháng là chỉ tiêu (KPI) của Thành phố")
ND101 = "NĐ 101/2017/NĐ-CP: bồi dưỡng bắt buộc tối thiểu 1 tuần (40 tiết)/năm; bãi bỏ bởi NĐ 89/2021/NĐ-CP"

_D = dt.date


def _std(code: str, name: str, basis: str, start: dt.date, reqs: list[tuple], end: dt.date | None = None,
         **who: str) -> list[dict[str, Any]]:
    return [
        {"code": code, "name": name, "legal_basis": basis, "valid_from": start, "valid_to": end,
         "position_code": who.get("position", ""), "category": who.get("category", ""),
         "management_tier": who.get("tier", ""), "group": g, "dimension": d, "min_level": lvl,
         "language": lang[0] if lang else ""}
        for g, d, lvl, *lang in reqs
    ]


def seed_rows() -> list[dict[str, Any]]:
    """The library as interchange rows (sheet `standards`)."""
    rows: list[dict[str, Any]] = []
    rows += _std("ND29-GIAM-DOC-SO", "Giám đốc Sở và tương đương", ND29 + ND29_QLNN, _D(2024, 5, 1), [
        ("1", "EDUCATION", "DAI_HOC"), ("2", "POLITICAL_THEORY", "CAO_CAP"),
        ("3", "STATE_MANAGEMENT", "CHUYEN_VIEN_CHINH"),
    ], position="GIAM_DOC_SO")
    rows += _std("ND29-PHO-GIAM-DOC-SO", "Phó Giám đốc Sở và tương đương", ND29 + ND29_QLNN, _D(2024, 5, 1), [
        ("1", "EDUCATION", "DAI_HOC"), ("2", "POLITICAL_THEORY", "TRUNG_CAP"),
        ("3", "STATE_MANAGEMENT", "CHUYEN_VIEN_CHINH"),
    ], position="PHO_GIAM_DOC_SO")
    rows += _std("TT2-CHUYEN-VIEN-CAO-CAP", "Ngạch chuyên viên cao cấp", TT2, _D(2021, 8, 1), [
        ("1", "EDUCATION", "DAI_HOC"), ("2", "POLITICAL_THEORY", "CAO_CAP"),
        ("3", "STATE_MANAGEMENT", "CHUYEN_VIEN_CAO_CAP"),
    ], position="CHUYEN_VIEN_CAO_CAP")
    rows += _std("NQ04-CAN-BO", "Cán bộ các sở, ngành (mục tiêu NQ 04-NQ/TU)", NQ04, _D(2021, 1, 1), [
        ("1", "EDUCATION", "DAI_HOC"), ("2", "POLITICAL_THEORY", "TRUNG_CAP"),
    ], category="CAN_BO")
    for position, short in (
        ("VAN_PHONG_THONG_KE", "VP-TK"), ("DIA_CHINH_XAY_DUNG", "DC-XD"), ("TAI_CHINH_KE_TOAN", "TC-KT"),
        ("TU_PHAP_HO_TICH", "TP-HT"), ("VAN_HOA_XA_HOI", "VH-XH"),
    ):
        rows += _std(f"ND33-{short}", f"Công chức cấp xã: {POSITIONS[position][0]}", ND33, _D(2023, 8, 1), [
            ("1", "EDUCATION", "DAI_HOC"),
        ], position=position)
    rows += _std("QD145-CAP-NHAT-KIEN-THUC", "Cập nhật kiến thức cán bộ diện BTV Thành ủy quản lý", QD145,
                 _D(2024, 5, 10), [("1", "KNOWLEDGE_UPDATE_MONTHS", "60")], tier="BTV_THANH_UY")
    for category in ("CAN_BO", "CONG_CHUC", "VIEN_CHUC"):
        rows += _std(f"ND101-40-TIET-{category.replace('_', '-')}", "Bồi dưỡng bắt buộc 40 tiết/năm", ND101,
                     _D(2017, 10, 21), [("1", "ANNUAL_PERIODS", "40")], end=_D(2021, 12, 9), category=category)
    return rows


@transaction.atomic
def load_seed_standards(actor: Actor | None = None) -> dict[str, int]:
    """Create missing positions and upsert the standards library; idempotent.
    Returns the row counts {"created", "updated", "unchanged"} of the standards upsert."""
    from cadretrain.org.models import Position
    from cadretrain.standards.services import standard_rows_upsert

    existing = set(Position.objects.filter(code__in=POSITIONS).values_list("code", flat=True))
    missing = [Position(code=c, name=n, kind=k) for c, (n, k) in POSITIONS.items() if c not in existing]
    if missing:
        Position.objects.bulk_create(missing, ignore_conflicts=True)
        log.info("created %d positions for the standards library", len(missing))
    # The seed describes versions that may already be in force: pass an early "today" so that
    # a library loaded into an old database is not refused as backdated.
    return standard_rows_upsert(actor=actor or Actor.system(), rows=seed_rows(), today=_D(2000, 1, 1))
