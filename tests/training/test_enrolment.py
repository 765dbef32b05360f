"""Nominations, enrolment, waitlist, capacity and the classes API."""

import datetime as dt

import pytest

from cadretrain.core.models import AuditEvent
from cadretrain.domain.errors import Conflict, DomainError, NotAllowed, NotFound
from cadretrain.training import services
from cadretrain.training.models import Enrolment, PersonYearPeriods, TrainingClass
from cadretrain.training.signals import enrolments_changed
from tests.training.helpers import open_class


def test_api_enrol_returns_201_and_counts_the_seat(world, api_for):
    open_class("K-1", world.ward_a, capacity=2)
    response = api_for("officer_a").post("/api/v1/classes/K-1/enrolments", {"person": "P-A1"},
                                         content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "ENROLLED"
    detail = api_for("officer_a").get("/api/v1/classes/K-1").json()
    assert (detail["capacity"], detail["enrolled"]) == (2, 1)


def test_enrolling_twice_is_409_already_enrolled_and_changes_nothing(world, api_for):
    open_class("K-1", world.ward_a, capacity=5)
    client = api_for("officer_a")
    client.post("/api/v1/classes/K-1/enrolments", {"person": "P-A1"}, content_type="application/json")
    events = AuditEvent.objects.count()
    response = client.post("/api/v1/classes/K-1/enrolments", {"person": "P-A1"}, content_type="application/json")
    assert response.status_code == 409
    assert response.json()["code"] == "already_enrolled"
    assert response.json()["message"]
    assert TrainingClass.objects.get(code="K-1").enrolled == 1
    assert AuditEvent.objects.count() == events


def test_full_class_is_409_class_full(world, api_for):
    open_class("K-1", world.ward_a, capacity=1)
    client = api_for("officer_a")
    assert client.post("/api/v1/classes/K-1/enrolments", {"person": "P-A1"},
                       content_type="application/json").status_code == 201
    response = client.post("/api/v1/classes/K-1/enrolments", {"person": "P-A2"}, content_type="application/json")
    assert response.status_code == 409 and response.json()["code"] == "class_full"
    assert Enrolment.objects.filter(training_class__code="K-1").count() == 1


def test_person_of_another_ward_is_404_for_the_officer(world, api_for):
    open_class("K-1", world.ward_a)
    response = api_for("officer_a").post("/api/v1/classes/K-1/enrolments", {"person": "P-B1"},
                                         content_type="application/json")
    assert response.status_code == 404
    assert not Enrolment.objects.exists()


def test_class_of_another_ward_is_404_for_the_officer(world, api_for):
    open_class("K-B", world.ward_b, status="PLANNED")
    assert api_for("officer_a").get("/api/v1/classes/K-B").status_code == 404
    response = api_for("officer_a").post("/api/v1/classes/K-B/enrolments", {"person": "P-A1"},
                                         content_type="application/json")
    assert response.status_code == 404


def test_open_classes_are_advertised_to_officers_of_other_units(world, api_for):
    open_class("K-B", world.ward_b, status="OPEN")
    codes = [c["code"] for c in api_for("officer_a").get("/api/v1/classes").json()["items"]]
    assert codes == ["K-B"]


def test_class_list_is_scoped_and_paged(world, api_for):
    open_class("K-A", world.ward_a, status="PLANNED")
    open_class("K-B", world.ward_b, status="PLANNED")
    body = api_for("officer_b").get("/api/v1/classes?limit=10").json()
    assert body["count"] == 1 and [c["code"] for c in body["items"]] == ["K-B"]
    assert api_for("admin").get("/api/v1/classes").json()["count"] == 2
    assert api_for(None).get("/api/v1/classes").status_code == 401


def test_full_time_overlap_is_refused_with_the_other_class(world):
    officer = world.actor("officer_a")
    first = open_class("K-1", world.ward_a, start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 13))
    second = open_class("K-2", world.ward_a, start=dt.date(2026, 3, 10), end=dt.date(2026, 3, 20))
    services.enrolment_create(actor=officer, training_class=first, person=world.people["a1"])
    with pytest.raises(Conflict) as exc:
        services.enrolment_create(actor=officer, training_class=second, person=world.people["a1"])
    assert exc.value.code == "full_time_overlap" and exc.value.params["other"] == "K-1"
    # An in-service class at the same time is fine.
    evening = open_class("K-3", world.ward_a, start=dt.date(2026, 3, 10), end=dt.date(2026, 3, 20),
                         mode="KHONG_TAP_TRUNG")
    services.enrolment_create(actor=officer, training_class=evening, person=world.people["a1"])


def test_nomination_approval_and_waitlist_fill_freed_seats_in_order(world):
    officer = world.actor("officer_a")
    tc = open_class("K-1", world.ward_a, capacity=1, mode="KHONG_TAP_TRUNG")
    n1, n2, n3 = (services.nomination_create(actor=officer, training_class=tc, person=world.people[k])
                  for k in ("a1", "a2", "a3"))
    services.nomination_approve(actor=officer, enrolment=n1)
    services.nomination_approve(actor=officer, enrolment=n3)  # waitlisted first
    services.nomination_approve(actor=officer, enrolment=n2)  # waitlisted second
    statuses = dict(Enrolment.objects.values_list("person__code", "status"))
    assert statuses == {"P-A1": "ENROLLED", "P-A2": "NOMINATED", "P-A3": "NOMINATED"}
    services.enrolment_withdraw(actor=officer, enrolment=n1)
    statuses = dict(Enrolment.objects.values_list("person__code", "status"))
    assert statuses == {"P-A1": "WITHDRAWN", "P-A2": "NOMINATED", "P-A3": "ENROLLED"}
    tc.refresh_from_db()
    assert tc.enrolled == 1


def test_raising_capacity_promotes_the_waitlist(world):
    officer = world.actor("officer_a")
    tc = open_class("K-1", world.ward_a, capacity=1, mode="KHONG_TAP_TRUNG")
    for key in ("a1", "a2"):
        e = services.nomination_create(actor=officer, training_class=tc, person=world.people[key])
        services.nomination_approve(actor=officer, enrolment=e)
    services.class_update(actor=officer, training_class=tc, capacity=2)
    assert Enrolment.objects.filter(status="ENROLLED").count() == 2
    assert TrainingClass.objects.get(pk=tc.pk).enrolled == 2


def test_unit_quota_limits_nominations_per_unit(world):
    officer = world.actor("officer_a")
    tc = open_class("K-1", world.ward_a, capacity=None, unit_quota=1)
    services.nomination_create(actor=officer, training_class=tc, person=world.people["a1"])
    with pytest.raises(Conflict) as exc:
        services.nomination_create(actor=officer, training_class=tc, person=world.people["a2"])
    assert exc.value.code == "unit_quota_reached"
    # Another unit has its own quota.
    services.nomination_create(actor=world.actor("officer_b"), training_class=tc, person=world.people["b1"])


def test_nominations_need_an_open_class(world):
    tc = open_class("K-1", world.ward_a, status="PLANNED")
    with pytest.raises(Conflict) as exc:
        services.nomination_create(actor=world.actor("officer_a"), training_class=tc, person=world.people["a1"])
    assert exc.value.code == "class_not_open_for_nominations"


def test_capacity_below_current_enrolment_is_refused_and_nothing_changes(world, api_for):
    officer = world.actor("officer_a")
    tc = open_class("K-1", world.ward_a, capacity=5, mode="KHONG_TAP_TRUNG")
    for key in ("a1", "a2", "a3"):
        services.enrolment_create(actor=officer, training_class=tc, person=world.people[key])
    response = api_for("officer_a").patch("/api/v1/classes/K-1", {"capacity": 2, "name": "Đổi tên"},
                                          content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "capacity_below_enrolled"
    tc.refresh_from_db()
    assert (tc.capacity, tc.name) == (5, "Trung cấp lý luận chính trị - hành chính")


def test_dates_out_of_order_are_refused(world, api_for):
    response = api_for("officer_a").post("/api/v1/classes", {
        "code": "K-9", "programme": "LLCT-TC", "organizer_unit": "00004",
        "start_date": "2026-05-10", "end_date": "2026-05-01"}, content_type="application/json")
    assert response.status_code in (400, 404)
    from tests.training.helpers import programme
    programme()
    response = api_for("officer_a").post("/api/v1/classes", {
        "code": "K-9", "programme": "LLCT-TC", "organizer_unit": "00004",
        "start_date": "2026-05-10", "end_date": "2026-05-01"}, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "dates_out_of_order"
    assert not TrainingClass.objects.filter(code="K-9").exists()


def test_officer_cannot_organise_a_class_for_another_ward(world, api_for):
    from tests.training.helpers import programme
    programme()
    response = api_for("officer_a").post("/api/v1/classes", {
        "code": "K-9", "programme": "LLCT-TC", "organizer_unit": "00008",
        "start_date": "2026-05-01", "end_date": "2026-05-10"}, content_type="application/json")
    assert response.status_code == 404
    assert not TrainingClass.objects.filter(code="K-9").exists()


def test_class_lifecycle_via_api_and_refused_jump(world, api_for):
    from tests.training.helpers import programme
    programme()
    client = api_for("officer_a")
    created = client.post("/api/v1/classes", {
        "code": "K-9", "programme": "LLCT-TC", "organizer_unit": "00004", "capacity": 3,
        "start_date": "2026-05-01", "end_date": "2026-05-10"}, content_type="application/json")
    assert created.status_code == 201 and created.json()["status"] == "PLANNED"
    bad = client.post("/api/v1/classes/K-9/transition", {"status": "FINISHED"}, content_type="application/json")
    assert bad.status_code == 409 and bad.json()["code"] == "class_transition_not_allowed"
    ok = client.post("/api/v1/classes/K-9/transition", {"status": "OPEN"}, content_type="application/json")
    assert ok.json()["status"] == "OPEN"
    assert AuditEvent.objects.filter(model="training.trainingclass", action="transition").count() == 1


def test_viewer_sees_but_cannot_enrol(world, api_for):
    open_class("K-1", world.ward_a)
    response = api_for("viewer_a").post("/api/v1/classes/K-1/enrolments", {"person": "P-A1"},
                                        content_type="application/json")
    assert response.status_code == 403


def test_every_enrolment_change_sends_the_signal(world):
    seen = []

    def receiver(sender, **kwargs):
        seen.append((kwargs["person_ids"], kwargs["class_ids"]))

    enrolments_changed.connect(receiver)
    try:
        tc = open_class("K-1", world.ward_a)
        services.enrolment_create(actor=world.actor("officer_a"), training_class=tc, person=world.people["a1"])
    finally:
        enrolments_changed.disconnect(receiver)
    assert seen == [({world.people["a1"].pk}, {tc.pk})]


def test_institution_staff_manage_only_their_institutions_classes(world):
    tc = open_class("K-1", world.ward_a)
    with pytest.raises((NotFound, NotAllowed)):
        services.class_transition(actor=world.actor("school"), training_class=tc, target="RUNNING")
    own = open_class("K-2", world.ward_a, institution=world.institution)
    services.class_transition(actor=world.actor("school"), training_class=own, target="RUNNING")


def test_withdrawn_person_can_be_enrolled_again(world):
    officer = world.actor("officer_a")
    tc = open_class("K-1", world.ward_a, capacity=1)
    e = services.enrolment_create(actor=officer, training_class=tc, person=world.people["a1"])
    services.enrolment_withdraw(actor=officer, enrolment=e)
    again = services.enrolment_create(actor=officer, training_class=tc, person=world.people["a1"])
    assert again.pk == e.pk and again.status == "ENROLLED"
    assert TrainingClass.objects.get(pk=tc.pk).enrolled == 1
    services.enrolment_withdraw(actor=officer, enrolment=Enrolment.objects.get(pk=e.pk))
    with pytest.raises(DomainError) as exc:
        services.enrolment_withdraw(actor=officer, enrolment=Enrolment.objects.get(pk=e.pk))
    assert exc.value.code == "cannot_withdraw"
    assert TrainingClass.objects.get(pk=tc.pk).enrolled == 0
    assert PersonYearPeriods.objects.count() == 0


def test_a_refused_enrolment_is_answered_without_a_write_transaction(world, api_for):
    """In a race for seats most requests are refused; they must not queue for the write lock
    (behind an import on SQLite). Refusals read from committed data: no BEGIN, no write, and
    still the specific reason in the order of the authoritative checks."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    open_class("K-1", world.ward_a, capacity=1)
    client = api_for("officer_a")
    client.post("/api/v1/classes/K-1/enrolments", {"person": "P-A1"}, content_type="application/json")
    for person, code in (("P-A2", "class_full"), ("P-A1", "already_enrolled")):
        with CaptureQueriesContext(connection) as captured:
            response = client.post("/api/v1/classes/K-1/enrolments", {"person": person},
                                   content_type="application/json")
        assert response.status_code == 409 and response.json()["code"] == code
        statements = [q["sql"].lstrip().split()[0].upper() for q in captured.captured_queries]
        assert not {"BEGIN", "SAVEPOINT", "INSERT", "UPDATE", "DELETE"} & set(statements[1:]), statements
    assert TrainingClass.objects.get(code="K-1").enrolled == 1
