"""Web pages: scoping, forms through the services, fragments, self-service, query counts."""

from __future__ import annotations

import datetime as dt

import pytest

from cadretrain.training import services
from cadretrain.training.models import Attendance, Enrolment, TrainingClass
from tests.training.helpers import open_class


def test_class_list_page_is_scoped(world, client_for):
    open_class("K-A", world.ward_a, status="PLANNED")
    open_class("K-B", world.ward_b, status="PLANNED")
    html = client_for("officer_a").get("/training/classes/").content.decode()
    assert "K-A" in html and "K-B" not in html
    assert client_for("officer_a").get("/training/").status_code == 200
    assert client_for(None).get("/training/classes/").status_code == 302


def test_class_list_query_count_does_not_grow_with_rows(world, client_for, django_assert_max_num_queries):
    for i in range(30):
        open_class(f"K-{i:02d}", world.ward_a, status="PLANNED")
    client = client_for("admin")
    with django_assert_max_num_queries(12):
        assert client.get("/training/classes/").status_code == 200


def test_class_detail_of_another_ward_is_404(world, client_for):
    open_class("K-B", world.ward_b, status="PLANNED")
    assert client_for("officer_a").get("/training/classes/K-B/").status_code == 404
    assert client_for("officer_b").get("/training/classes/K-B/").status_code == 200


def test_officer_creates_a_class_through_the_form(world, client_for):
    from tests.training.helpers import programme

    programme()
    response = client_for("officer_a").post("/training/classes/new/", {
        "code": "K-NEW", "programme": "LLCT-TC", "organizer_unit": "00004", "start_date": "2026-09-01",
        "end_date": "2026-09-12", "capacity": "30", "mode": "TAP_TRUNG", "country": "VN"})
    assert response.status_code == 302 and response["Location"] == "/training/classes/K-NEW/"
    assert TrainingClass.objects.get(code="K-NEW").capacity == 30


def test_bad_form_input_shows_the_error_and_creates_nothing(world, client_for):
    from tests.training.helpers import programme

    programme()
    response = client_for("officer_a").post("/training/classes/new/", {
        "code": "K-NEW", "programme": "LLCT-TC", "organizer_unit": "00004", "start_date": "2026-09-12",
        "end_date": "2026-09-01", "mode": "TAP_TRUNG"})
    assert response.status_code == 200
    assert "Ngày kết thúc phải sau" in response.content.decode()
    assert not TrainingClass.objects.filter(code="K-NEW").exists()


def test_grid_forms_record_attendance_and_scores(world, client_for, django_assert_max_num_queries):
    officer = world.actor("officer_a")
    tc = open_class("K-1", world.ward_a, status="RUNNING")
    e1 = services.enrolment_create(actor=officer, training_class=tc, person=world.people["a1"])
    e2 = services.enrolment_create(actor=officer, training_class=tc, person=world.people["a2"])
    s = services.session_create(actor=officer, training_class=tc, date="2026-03-02", start_time="08:00",
                                end_time="11:00")
    comp = services.component_create(actor=officer, training_class=tc, name="Bài thu hoạch")
    client = client_for("officer_a")
    client.post("/training/classes/K-1/attendance/", {f"att-{s.pk}-{e1.pk}": "on"})
    assert dict(Attendance.objects.values_list("enrolment_id", "present")) == {e1.pk: True, e2.pk: False}
    client.post("/training/classes/K-1/scores/", {f"score-{comp.pk}-{e1.pk}": "8", f"score-{comp.pk}-{e2.pk}": "6"})
    client.post("/training/classes/K-1/results/", {"completed_on": "2026-03-13"})
    statuses = dict(Enrolment.objects.values_list("pk", "status"))
    assert statuses == {e1.pk: "COMPLETED", e2.pk: "FAILED"}
    with django_assert_max_num_queries(30):
        page = client.get("/training/classes/K-1/")
    assert page.status_code == 200 and "Bài thu hoạch" in page.content.decode()


def test_person_classes_fragment_is_scoped(world, client_for):
    tc = open_class("K-1", world.ward_a)
    services.enrolment_create(actor=world.actor("officer_a"), training_class=tc, person=world.people["a1"])
    response = client_for("officer_a").get("/training/people/P-A1/classes/")
    assert response.status_code == 200 and "K-1" in response.content.decode()
    assert "<html" not in response.content.decode()
    assert client_for("officer_b").get("/training/people/P-A1/classes/").status_code == 404


def test_learner_sees_own_learning_and_only_their_own(world, client_for):
    officer = world.actor("officer_a")
    tc = open_class("K-1", world.ward_a)
    services.enrolment_create(actor=officer, training_class=tc, person=world.people["a1"])
    services.enrolment_create(actor=officer, training_class=tc, person=world.people["a2"])
    html = client_for("learner").get("/training/me/").content.decode()
    assert "K-1" in html and "Nguyễn Văn An" in html
    assert client_for("learner").get("/training/people/P-A2/classes/").status_code == 404


def test_nomination_and_approval_buttons(world, client_for):
    tc = open_class("K-1", world.ward_a, capacity=1, mode="KHONG_TAP_TRUNG")
    client_for("officer_a").post("/training/classes/K-1/nominate/", {"person": "P-A1"})
    e = Enrolment.objects.get()
    assert e.status == "NOMINATED"
    client_for("officer_a").post(f"/training/enrolments/{e.pk}/approve/")
    assert Enrolment.objects.get().status == "ENROLLED"
    assert TrainingClass.objects.get(pk=tc.pk).enrolled == 1


def test_out_of_scope_enrolment_action_is_404(world, client_for):
    tc = open_class("K-1", world.ward_a, capacity=3)
    e = services.enrolment_create(actor=world.actor("officer_a"), training_class=tc, person=world.people["a1"])
    assert client_for("officer_b").post(f"/training/enrolments/{e.pk}/withdraw/").status_code == 404
    assert Enrolment.objects.get().status == "ENROLLED"


@pytest.mark.parametrize("url", ["/catalogue/", "/catalogue/institutions/", "/catalogue/lecturers/",
                                 "/training/feedback/"])
def test_catalogue_and_feedback_pages_render(world, client_for, url):
    assert client_for("officer_a").get(url).status_code == 200


def test_verify_page_for_unknown_code_is_404(client_for, world):
    response = client_for(None).get("/verify/nothing-here")
    assert response.status_code == 404 and "Không tìm thấy" in response.content.decode()


def test_dates_stay_untouched_when_class_edit_fails(world, client_for):
    tc = open_class("K-1", world.ward_a, status="PLANNED")
    client_for("officer_a").post("/training/classes/K-1/edit/", {"start_date": "2026-04-01", "end_date": "2026-03-01"})
    tc.refresh_from_db()
    assert (tc.start_date, tc.end_date) == (dt.date(2026, 3, 2), dt.date(2026, 3, 13))
