"""Catalogue: programmes (NĐ 171 content areas, result rule), institutions, lecturers' hours."""

from __future__ import annotations

import pytest

from cadretrain.catalogue.models import Institution, Lecturer, Programme
from cadretrain.catalogue.selectors import lecturer_hours
from cadretrain.catalogue.services import programme_create, programme_update
from cadretrain.domain.errors import DomainError, NotAllowed
from cadretrain.training import services
from tests.training.helpers import open_class, programme


def test_programmes_api_lists_items_and_count(world, api_for):
    programme("P1", name="Bồi dưỡng kỹ năng số cho công chức", kind="DIGITAL", content_area="SCIENCE_DIGITAL",
              grants_dimension="", grants_level="", topics="chuyển đổi số ;đô thị thông minh")
    programme("P2", name="Quản lý nhà nước ngạch chuyên viên", kind="STATE_MANAGEMENT",
              grants_dimension="STATE_MANAGEMENT", grants_level="CHUYEN_VIEN")
    body = api_for("learner").get("/api/v1/programmes").json()
    assert body["count"] == 2 and [p["code"] for p in body["items"]] == ["P1", "P2"]
    assert body["items"][0]["topics"] == ["chuyển đổi số", "đô thị thông minh"]
    assert body["items"][0]["content_area"] == "SCIENCE_DIGITAL"
    folded = api_for("learner").get("/api/v1/programmes?q=ky nang so").json()
    assert [p["code"] for p in folded["items"]] == ["P1"]
    assert api_for(None).get("/api/v1/programmes").status_code == 401


@pytest.mark.parametrize(("fields", "code"), [
    ({"kind": "NOPE"}, "unknown_programme_kind"),
    ({"content_area": "SIXTH"}, "unknown_content_area"),
    ({"grants_dimension": "POLITICAL_THEORY", "grants_level": ""}, "grants_both_or_neither"),
    ({"grants_dimension": "POLITICAL_THEORY", "grants_level": "THAC_SI"}, "unknown_level"),
    ({"min_component_score": "11"}, "score_out_of_range"),
    ({"periods": "-3"}, "invalid_periods"),
])
def test_bad_programme_input_is_refused_and_nothing_changes(world, fields, code):
    data = {"name": "Chương trình thử", "kind": "PROFESSIONAL", **fields}
    with pytest.raises(DomainError) as exc:
        programme_create(actor=world.actor("admin"), code="X1", **data)
    assert exc.value.code == code
    assert not Programme.objects.filter(code="X1").exists()


def test_only_the_city_edits_the_catalogue(world, client_for):
    with pytest.raises(NotAllowed):
        programme_create(actor=world.actor("officer_a"), code="X1", name="Thử", kind="IT")
    assert client_for("officer_a").get("/catalogue/programmes/new/").status_code == 403
    response = client_for("admin").post("/catalogue/programmes/new/", {
        "code": "X1", "name": "Tin học ứng dụng cơ bản", "kind": "IT", "grants_dimension": "IT",
        "grants_level": "CO_BAN", "periods": "60", "content_area": "SCIENCE_DIGITAL", "min_component_score": "5",
        "requires_full_attendance": "on"})
    assert response.status_code == 302
    p = Programme.objects.get(code="X1")
    assert (p.grants_level, p.periods, p.requires_full_attendance) == ("CO_BAN", 60, True)
    html = client_for("viewer_a").get("/catalogue/programmes/X1/").content.decode()
    assert "Tin học ứng dụng cơ bản" in html


def test_update_keeps_the_pair_of_grants(world):
    p = programme()
    programme_update(actor=world.actor("admin"), programme=p, requires_full_attendance=False, periods="80")
    p.refresh_from_db()
    assert (p.requires_full_attendance, p.periods, p.grants_level) == (False, 80, "TRUNG_CAP")


def test_lecturer_hours_come_from_sessions_of_the_year(world, client_for, django_assert_max_num_queries):
    lecturer = Lecturer.objects.create(full_name="TS. Phan Anh Tuấn", search_key="ts. phan anh tuan")
    tc = open_class("K-1", world.ward_a)
    officer = world.actor("officer_a")
    services.session_create(actor=officer, training_class=tc, date="2026-03-02", start_time="08:00",
                            end_time="11:30", lecturer=lecturer)
    services.session_create(actor=officer, training_class=tc, date="2026-03-03", start_time="13:30",
                            end_time="17:00", lecturer=lecturer)
    services.session_create(actor=officer, training_class=tc, date="2026-03-04", start_time="08:00",
                            end_time="10:00", lecturer=lecturer)
    assert lecturer_hours(year=2026) == {lecturer.pk: 9.0}
    assert lecturer_hours(year=2025) == {}
    for i in range(20):
        Lecturer.objects.create(full_name=f"Giảng viên {i}", search_key=f"giang vien {i}")
    client = client_for("officer_a")
    with django_assert_max_num_queries(8):
        html = client.get("/catalogue/lecturers/?year=2026").content.decode()
    assert "9.0" in html or "9,0" in html


def test_institutions_page_adds_for_admin_only(world, client_for):
    client_for("officer_a").post("/catalogue/institutions/", {"name": "Học viện Hành chính Quốc gia"})
    assert not Institution.objects.filter(name="Học viện Hành chính Quốc gia").exists()
    client_for("admin").post("/catalogue/institutions/", {"name": "Học viện Hành chính Quốc gia",
                                                          "short_code": "HVHC", "country": "VN"})
    assert Institution.objects.get(name="Học viện Hành chính Quốc gia").short_code == "HVHC"
