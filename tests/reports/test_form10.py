"""Form 10-BTCTW: rows from programme kind/level/mode/country, columns from the learner's unit
level on the class date, classes by the organiser's level; three tiers up to 2025, two after."""

from __future__ import annotations

import datetime as dt
import io
import json
from io import StringIO

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from cadretrain.catalogue.models import Institution, Programme
from cadretrain.domain.text import fold
from cadretrain.org.models import Position
from cadretrain.org.services import unit_create
from cadretrain.people.services import person_create, person_transfer
from cadretrain.reports import exports
from cadretrain.reports.form10 import build_form10
from tests.reports.builders import enrol, make_class, open_class_of_ward_b, programmes
from tests.world import SYSTEM

pytestmark = pytest.mark.django_db


@pytest.fixture
def form_world(world):
    """A district (until 2025-06-30) with its own office; a leader; classes in 2024 and 2026."""
    district = unit_create(actor=SYSTEM, code="Q.BD", name="Quận Ba Đình", kind="DISTRICT", parent=world.city,
                           valid_from=dt.date(2000, 1, 1), valid_to=dt.date(2025, 6, 30))
    leader_pos = Position.objects.create(code="PGD", name="Phó Giám đốc Sở", kind="LEADERSHIP")
    progs = programmes()
    soft = Programme.objects.create(code="KN", name="Kỹ năng thuyết trình", search_key="ky nang", kind="SOFT_SKILLS")
    # P-X worked at the district in 2024 and moved to ward A on 2025-07-01.
    px = person_create(actor=SYSTEM, code="P-X", unit=district, full_name="Đỗ Văn Xuân",
                       birth_date=dt.date(1980, 1, 1), gender="M", category="CONG_CHUC", joined_on=dt.date(2015, 1, 1))
    person_transfer(actor=SYSTEM, person=px, unit=world.ward_a, position=None, on=dt.date(2025, 7, 1))
    boss = person_create(actor=SYSTEM, code="P-L", unit=world.department, position=leader_pos,
                         full_name="Vũ Thị Lan", birth_date=dt.date(1975, 1, 1), gender="F", category="CONG_CHUC",
                         joined_on=dt.date(2010, 1, 1))
    p = world.people
    # 2024: trung cấp LLCT full-time, opened by the city.
    a = make_class("F-A", progs["LLCT-TC"], world.city, dt.date(2024, 3, 1), mode="TAP_TRUNG")
    for person, status in ((p["d1"], "COMPLETED"), (px, "ENROLLED"), (p["a1"], "FAILED"), (p["a3"], "COMPLETED"),
                           (boss, "COMPLETED"), (p["b1"], "WITHDRAWN")):
        enrol(a, person, status)
    # 2024: defence & security object 4 by name, opened by the district.
    b = make_class("F-B", progs["QPAN-4"], district, dt.date(2024, 5, 1))
    enrol(b, p["a2"], "COMPLETED")
    enrol(b, px, "COMPLETED")
    # 2024: same trung cấp in-service, opened by ward A (counted with the district's classes).
    c = make_class("F-C", progs["LLCT-TC"], world.ward_a, dt.date(2024, 9, 1), mode="KHONG_TAP_TRUNG")
    enrol(c, p["a1"], "ENROLLED")
    # 2024: undergraduate with a foreign partner in Viet Nam = liên kết; a soft-skills class.
    partner = Institution.objects.create(name="Đại học Tự do Brussels", search_key=fold("Đại học Tự do Brussels"),
                                         country="BE", is_partner=True)
    d = make_class("F-D", progs["DH-LK"], world.city, dt.date(2024, 10, 1), partner=partner)
    enrol(d, p["b2"], "ENROLLED")
    e = make_class("F-E", soft, world.city, dt.date(2024, 11, 1))
    enrol(e, p["b1"], "COMPLETED")
    # 2026: state management abroad, opened by ward A; a knowledge update opened by the city.
    f = make_class("F-F", progs["QLNN-CV"], world.ward_a, dt.date(2026, 4, 1), country="SG")
    enrol(f, px, "ENROLLED")
    enrol(f, p["a3"], "ENROLLED")
    g = make_class("F-G", progs["CNKT-3"], world.city, dt.date(2026, 5, 1))
    enrol(g, boss, "COMPLETED")
    return world


def values(form, code):
    return next(v for r, v in form.rows if r.code == code)


def test_three_tier_year_maps_learners_by_their_unit_on_the_class_date(form_world):
    form = build_form10(actor=SYSTEM, year=2024)
    assert not form.two_tier
    assert [c.number for c in form.columns] == list(range(3, 12))
    # d1 and the department leader provincial (leader: the leader and nobody else), P-X at the
    # district in March 2024, a1 and a3 in ward A (commune); b1 withdrew.
    assert values(form, "I.2.1.a") == {
        "total": 5, "provincial": 2, "provincial_leaders": 1, "district": 1, "district_leaders": 0,
        "commune": 2, "classes_total": 1, "classes_provincial": 1, "classes_district": 0}
    # The ward-organised in-service class counts as opened at district level.
    assert values(form, "I.2.1.b") == {
        "total": 1, "provincial": 0, "provincial_leaders": 0, "district": 0, "district_leaders": 0,
        "commune": 1, "classes_total": 1, "classes_provincial": 0, "classes_district": 1}
    # The heading sums distinct people per column: a1 is in both sub-rows but counted once.
    assert values(form, "I.2.1")["commune"] == 2
    assert values(form, "I.2.1")["classes_total"] == 2
    assert values(form, "II.8.4") == {
        "total": 2, "provincial": 0, "provincial_leaders": 0, "district": 1, "district_leaders": 0,
        "commune": 1, "classes_total": 1, "classes_provincial": 0, "classes_district": 1}
    assert values(form, "I.1.1.c")["total"] == 1
    assert values(form, "I.1.1.a")["total"] == 0
    assert form.unmapped_learners == 1  # the soft-skills learner has no row on the form


def test_two_tier_year_replaces_the_district_columns(form_world):
    form = build_form10(actor=SYSTEM, year=2026)
    assert form.two_tier
    keys = [c.key for c in form.columns]
    assert "district" not in keys and "classes_district" not in keys
    assert keys == ["total", "provincial", "provincial_leaders", "commune", "commune_leaders",
                    "classes_total", "classes_provincial", "classes_commune"]
    # a3 is managed by the Standing Committee: a leader, at commune level.
    assert values(form, "II.3.b") == {"total": 2, "provincial": 0, "provincial_leaders": 0, "commune": 2,
                                      "commune_leaders": 1, "classes_total": 1, "classes_provincial": 0,
                                      "classes_commune": 1}
    assert values(form, "II.7")["provincial_leaders"] == 1


def test_officer_form_counts_only_their_people(form_world):
    from cadretrain.catalogue.models import Programme

    # A class of ward B open for nominations is visible to ward A's officer but is not theirs.
    open_class_of_ward_b(form_world, Programme.objects.get(code="LLCT-TC"), dt.date(2024, 6, 1), "OPEN-B")
    form = build_form10(actor=form_world.actor("officer_a"), year=2024)
    assert values(form, "I.2.1.a")["classes_total"] == 1  # only the city's class a ward A learner attends
    # Only today's ward A people of the city's full-time class: a1, a3 and P-X, who was at the
    # district on the class date (columns follow the unit then, scope follows the unit now).
    assert values(form, "I.2.1.a")["total"] == 3
    assert values(form, "I.2.1.a")["district"] == 1
    assert values(form, "I.2.1.a")["provincial"] == 0


def test_form10_xlsx_is_laid_out_like_the_paper_form(form_world):
    form = build_form10(actor=SYSTEM, year=2024)
    wb = load_workbook(io.BytesIO(exports.form10_xlsx(form)))
    ws = wb.active
    assert ws["A2"].value == "THỐNG KÊ KẾT QUẢ ĐÀO TẠO, BỒI DƯỠNG CÁN BỘ NĂM 2024"
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert "A5:A7" in merged and "C5:H5" in merged and "I5:K5" in merged
    numbering = [ws.cell(row=8, column=c).value for c in range(1, 12)]
    assert numbering[:4] == ["(1)", "(2)", "(3)=(4+6+8)", "(4)"]
    assert numbering[8] == "(9)=(10+11)"
    assert ws.cell(row=9, column=1).value == "I"
    row = next(r for r in range(9, 40) if ws.cell(row=r, column=1).value == "I.2.1.a")
    assert [ws.cell(row=row, column=c).value for c in range(3, 12)] == [5, 2, 1, 1, 0, 2, 1, 1, 0]
    assert ws.cell(row=row, column=3).border.left.style == "thin"


def test_form10_pdf_renders(form_world):
    pdf = exports.form10_pdf(build_form10(actor=SYSTEM, year=2026))
    assert pdf.startswith(b"%PDF")


def test_form10_command_json_and_xlsx(form_world, tmp_path):
    out = StringIO()
    path = tmp_path / "f10.xlsx"
    call_command("report", "form10", "--year", "2024", "--json", "--xlsx", str(path), stdout=out, stderr=StringIO())
    doc = json.loads(out.getvalue())
    assert doc["form"] == "10-BTCTW" and doc["year"] == 2024 and doc["layout"] == "three_tier"
    assert next(r for r in doc["rows"] if r["code"] == "I.2.1.a")["values"]["total"] == 5
    assert path.stat().st_size > 0


def test_form10_command_refuses_a_bad_year(form_world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="report_bad_year"):
        call_command("report", "form10", "--year", "abc", stdout=StringIO())


@pytest.mark.django_db(transaction=True)
def test_form10_page_is_reused_until_a_change_commits_and_kept_per_language(form_world, client_for):
    from django.db import transaction

    from cadretrain.reports import views
    from cadretrain.training.models import TrainingClass

    client = client_for("admin")

    def page(language):
        client.post("/i18n/setlang/", {"language": language, "next": "/"})
        res = client.get("/reports/form10/", {"year": 2024})
        assert res.status_code == 200
        return res.content.decode()

    page_vi, page_en = page("vi"), page("en")
    # Each language gets its own labels, not the first one computed.
    assert "Trung cấp lý luận chính trị" in page_vi and "Intermediate political theory" not in page_vi
    assert "Intermediate political theory" in page_en and "Trung cấp lý luận chính trị" not in page_en
    before = views.form10_cached(actor=form_world.actor("admin"), year=2024)
    assert views.form10_cached(actor=form_world.actor("admin"), year=2024) is before  # reused
    with transaction.atomic():
        enrol(TrainingClass.objects.get(code="F-A"), form_world.people["b2"], "COMPLETED")
    after = views.form10_cached(actor=form_world.actor("admin"), year=2024)
    assert after is not before
    assert values(after, "I.2.1.a")["total"] == values(before, "I.2.1.a")["total"] + 1
