"""Standards as data: validation, versioning, refusals that change nothing, and the seed library."""

from __future__ import annotations

import datetime as dt

import pytest

from cadretrain.core.models import AuditEvent
from cadretrain.domain.access import Actor
from cadretrain.domain.errors import DomainError, NotAllowed
from cadretrain.standards.models import Requirement, Standard
from cadretrain.standards.seed import load_seed_standards, seed_rows
from cadretrain.standards.services import (
    StandardRowsInvalid,
    standard_rows_upsert,
    standard_rows_validate,
    standard_version_create,
)

SYSTEM = Actor.system()
TODAY = dt.date(2026, 11, 29)


def state() -> tuple:
    """Everything the standards tables and the audit trail hold, to prove nothing changed."""
    return (
        sorted(Standard.objects.values_list("code", "valid_from", "valid_to", "name", "legal_basis")),
        sorted(Requirement.objects.values_list("standard__code", "group", "dimension", "min_level", "language")),
        AuditEvent.objects.count(),
    )


def row(**kw):  # type: ignore[no-untyped-def]
    base = {"code": "S1", "group": "1", "dimension": "EDUCATION", "min_level": "DAI_HOC", "valid_from": "2024-01-01"}
    return {**base, **kw}


@pytest.fixture
def seeded(world):  # type: ignore[no-untyped-def]
    load_seed_standards()
    return world


def test_seed_is_idempotent_and_carries_legal_basis_and_dates(seeded):
    before = state()
    assert load_seed_standards() == {"created": 0, "updated": 0, "unchanged": len(seed_rows())}
    assert state() == before
    gd = Standard.objects.get(code="ND29-GIAM-DOC-SO")
    assert gd.valid_from == dt.date(2024, 5, 1) and "29/2024" in gd.legal_basis
    assert gd.position.code == "GIAM_DOC_SO"
    nd101 = Standard.objects.filter(code__startswith="ND101-")
    assert {(s.category, s.valid_from, s.valid_to) for s in nd101} == {
        (c, dt.date(2017, 10, 21), dt.date(2021, 12, 9)) for c in ("CAN_BO", "CONG_CHUC", "VIEN_CHUC")}
    ku = Standard.objects.get(code="QD145-CAP-NHAT-KIEN-THUC")
    assert ku.management_tier == "BTV_THANH_UY" and "KPI" in ku.legal_basis
    assert Standard.objects.filter(code__startswith="ND33-").count() == 5
    assert all(s.legal_basis for s in Standard.objects.all())


def test_seed_creates_missing_positions_and_keeps_existing_ones(world):
    from cadretrain.org.models import Position

    Position.objects.create(code="GIAM_DOC_SO", name="Giám đốc (tên riêng)", kind="LEADERSHIP")
    load_seed_standards()
    assert Position.objects.get(code="GIAM_DOC_SO").name == "Giám đốc (tên riêng)"
    assert Position.objects.filter(code="TU_PHAP_HO_TICH").exists()


@pytest.mark.parametrize(
    ("bad", "column", "code"),
    [
        ({"dimension": "HEIGHT"}, "dimension", "standard_unknown_dimension"),
        ({"min_level": "TIEN_SI_KHOA_HOC"}, "min_level", "standard_unknown_level"),
        ({"dimension": "POLITICAL_THEORY", "min_level": "DAI_HOC"}, "min_level", "standard_unknown_level"),
        ({"dimension": "ANNUAL_PERIODS", "min_level": "bốn mươi"}, "min_level", "standard_invalid_number"),
        ({"position_code": "KHONG_CO"}, "position_code", "standard_unknown_position"),
        ({"category": "QUAN_NHAN"}, "category", "unknown_category"),
        ({"management_tier": "X"}, "management_tier", "unknown_tier"),
        ({"language": "en"}, "language", "standard_language_only_for_foreign_language"),
        ({"valid_from": ""}, "valid_from", "standard_valid_from_required"),
        ({"valid_from": "31/02/2024"}, "valid_from", "impossible_date"),
        ({"valid_to": "2023-01-01"}, "valid_to", "dates_out_of_order"),
        ({"group": ""}, "group", "standard_group_required"),
    ],
)
def test_bad_rows_are_refused_with_a_specific_code_and_nothing_changes(seeded, bad, column, code):
    rows = [row(), row(**{"group": "2", "dimension": "IT", "min_level": "CO_BAN", **bad})]
    assert (1, column, code) in [e[:3] for e in standard_rows_validate(rows, today=TODAY)]
    before = state()
    with pytest.raises(StandardRowsInvalid) as exc:
        standard_rows_upsert(actor=SYSTEM, rows=rows, today=TODAY)
    assert (1, column, code) in [e[:3] for e in exc.value.errors]
    assert state() == before


def test_rows_of_one_version_must_agree_and_keys_must_not_repeat(world):
    rows = [row(name="A"), row(group="2", name="B"), row(group="2")]
    errors = [e[:3] for e in standard_rows_validate(rows, today=TODAY)]
    assert (1, "name", "standard_rows_inconsistent") in errors
    assert (2, "dimension", "standard_duplicate_row") in errors


def test_positions_created_by_the_same_workbook_count_as_known(world):
    rows = [row(position_code="MOI")]
    assert standard_rows_validate(rows, today=TODAY)[0][2] == "standard_unknown_position"
    assert standard_rows_validate(rows, known_position_codes={"MOI"}, today=TODAY) == []


def test_a_new_version_closes_the_open_one_the_day_before_and_keeps_the_past(seeded):
    old_rows = list(Requirement.objects.filter(standard__code="ND29-GIAM-DOC-SO").values_list("dimension", "min_level"))
    standard_version_create(
        actor=SYSTEM, code="ND29-GIAM-DOC-SO", valid_from="2027-01-01", position_code="GIAM_DOC_SO",
        requirements=[{"group": "1", "dimension": "EDUCATION", "min_level": "THAC_SI"}], today=TODAY,
    )
    versions = list(Standard.objects.filter(code="ND29-GIAM-DOC-SO").order_by("valid_from"))
    assert [(s.valid_from, s.valid_to) for s in versions] == [
        (dt.date(2024, 5, 1), dt.date(2026, 12, 31)), (dt.date(2027, 1, 1), None)]
    assert list(versions[0].requirements.values_list("dimension", "min_level")) == old_rows
    # Re-loading the seed (which says the 2024 version is open-ended) changes nothing now.
    before = state()
    load_seed_standards()
    assert state() == before


def test_editing_a_version_in_force_is_refused_and_changes_nothing(seeded):
    rows = [r for r in seed_rows() if r["code"] == "ND29-GIAM-DOC-SO"]
    rows[0] = {**rows[0], "min_level": "THAC_SI"}
    before = state()
    with pytest.raises(StandardRowsInvalid) as exc:
        standard_rows_upsert(actor=SYSTEM, rows=rows, today=TODAY)
    assert [e[2] for e in exc.value.errors] == ["standard_in_force_immutable"]
    assert state() == before


def test_a_future_version_may_still_be_corrected(seeded):
    standard_rows_upsert(actor=SYSTEM, rows=[row(code="F", valid_from="2027-03-01")], today=TODAY)
    counts = standard_rows_upsert(actor=SYSTEM, rows=[row(code="F", valid_from="2027-03-01", min_level="THAC_SI")],
                                  today=TODAY)
    assert counts == {"created": 0, "updated": 1, "unchanged": 0}
    assert Requirement.objects.get(standard__code="F").min_level == "THAC_SI"


def test_overlapping_versions_are_refused_and_change_nothing(seeded):
    standard_rows_upsert(actor=SYSTEM, rows=[row(code="O", valid_from="2020-01-01", valid_to="2030-12-31")],
                         today=dt.date(2019, 1, 1))
    before = state()
    with pytest.raises(StandardRowsInvalid) as exc:
        standard_rows_upsert(actor=SYSTEM, rows=[row(code="O", valid_from="2027-01-01")], today=TODAY)
    assert exc.value.errors[0][1:3] == ("valid_from", "standard_versions_overlap")
    assert state() == before


def test_a_backdated_change_that_would_shorten_a_stored_version_is_refused(seeded):
    before = state()
    with pytest.raises(StandardRowsInvalid) as exc:
        standard_version_create(actor=SYSTEM, code="ND29-GIAM-DOC-SO", valid_from="2025-01-01",
                                requirements=[{"group": "1", "dimension": "EDUCATION", "min_level": "THAC_SI"}],
                                position_code="GIAM_DOC_SO", today=TODAY)
    assert "standard_change_backdated" in [e[2] for e in exc.value.errors]
    assert state() == before


def test_creating_an_existing_version_again_is_refused(seeded):
    before = state()
    with pytest.raises(DomainError) as exc:
        standard_version_create(actor=SYSTEM, code="ND29-GIAM-DOC-SO", valid_from="2024-05-01",
                                requirements=[{"group": "1", "dimension": "EDUCATION", "min_level": "DAI_HOC"}])
    assert exc.value.code == "standard_version_exists"
    assert state() == before


def test_only_city_admins_change_standards(seeded):
    before = state()
    with pytest.raises(NotAllowed):
        standard_rows_upsert(actor=seeded.actor("officer_a"), rows=[row(code="N")], today=TODAY)
    assert state() == before


def test_upsert_is_audited_and_a_second_identical_upsert_changes_nothing(world):
    rows = [row(code="A1"), row(code="A1", group="2", dimension="FOREIGN_LANGUAGE", min_level="BAC_3", language="EN")]
    assert standard_rows_upsert(actor=SYSTEM, rows=rows, today=TODAY) == {"created": 2, "updated": 0, "unchanged": 0}
    assert AuditEvent.objects.filter(model="standards.standard", action="create").count() == 1
    assert Requirement.objects.get(standard__code="A1", group="2").language == "en"
    before = state()
    assert standard_rows_upsert(actor=SYSTEM, rows=rows, today=TODAY) == {"created": 0, "updated": 0, "unchanged": 2}
    assert state() == before


def test_numeric_spreadsheet_cells_keep_their_integer_spelling(world):
    rows = [row(code="K", group=1.0, dimension="KNOWLEDGE_UPDATE_MONTHS", min_level=60.0,
                valid_from=dt.date(2024, 1, 1))]
    standard_rows_upsert(actor=SYSTEM, rows=rows, today=TODAY)
    assert list(Requirement.objects.filter(standard__code="K").values_list("group", "min_level")) == [("1", "60")]
    assert standard_rows_upsert(actor=SYSTEM, rows=[row(code="K", group="1", dimension="KNOWLEDGE_UPDATE_MONTHS",
                                                        min_level="60")], today=TODAY)["unchanged"] == 1


def test_export_then_import_changes_nothing(seeded):
    from cadretrain.standards.selectors import standard_rows_export

    standard_version_create(actor=SYSTEM, code="ND29-GIAM-DOC-SO", valid_from="2027-01-01",
                            position_code="GIAM_DOC_SO", today=TODAY,
                            requirements=[{"group": "1", "dimension": "EDUCATION", "min_level": "THAC_SI"}])
    rows = standard_rows_export()
    before = state()
    counts = standard_rows_upsert(actor=SYSTEM, rows=rows, today=TODAY)
    assert counts == {"created": 0, "updated": 0, "unchanged": len(rows)}
    assert state() == before
