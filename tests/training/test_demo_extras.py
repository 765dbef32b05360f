"""The demo hook: deterministic, set-based, and consistent with the rules it illustrates."""

from __future__ import annotations

import datetime as dt

from cadretrain.training import demo_extras, services
from cadretrain.training.models import (
    AssessmentScore,
    Attendance,
    Certificate,
    CertificateCounter,
    ClassSession,
    Enrolment,
    FeedbackResponse,
    LecturerRating,
)
from tests.training.helpers import open_class

TODAY = dt.date(2026, 6, 30)


def _world_with_history(world):
    from cadretrain.catalogue.models import Lecturer

    Lecturer.objects.create(full_name="TS. Đỗ Văn Hùng", search_key="ts do van hung", institution=world.institution)
    officer = world.actor("officer_a")
    tc = open_class("K-OLD", world.ward_a, capacity=None, status="OPEN", institution=world.institution,
                    start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 6))
    for key in ("a1", "a2", "a3"):
        services.enrolment_create(actor=officer, training_class=tc, person=world.people[key])
    services.class_transition(actor=officer, training_class=tc, target="RUNNING")
    services.class_transition(actor=officer, training_class=tc, target="FINISHED")
    Enrolment.objects.filter(person=world.people["a1"]).update(status="COMPLETED", completed_on=tc.end_date,
                                                                score="8.5")
    Enrolment.objects.filter(person=world.people["a2"]).update(status="FAILED", score="7")
    return tc


def _snapshot():
    return (
        list(ClassSession.objects.order_by("pk").values_list("date", "start_time", "room", "lecturer_id")),
        list(Attendance.objects.order_by("pk").values_list("session_id", "enrolment_id", "present")),
        list(AssessmentScore.objects.order_by("pk").values_list("enrolment_id", "score")),
        list(Certificate.objects.order_by("pk").values_list("serial", "verification_code", "status")),
    )


def test_demo_extras_follow_the_rules_and_are_deterministic(world):
    _world_with_history(world)
    counts = demo_extras.generate(seed=7, size="XS", today=TODAY)
    assert counts["sessions"] == 5 and counts["certificates"] == 1
    cert = Certificate.objects.get()
    assert cert.enrolment.person == world.people["a1"] and cert.number == 1 and cert.year == 2026
    assert Enrolment.objects.get(pk=cert.enrolment_id).certificate_no == cert.serial
    assert CertificateCounter.objects.get(institution=world.institution, year=2026).last_number == 1
    # The completed learner attended everything and passed every component; the failed one with a
    # passing score missed a session (TT 01/2018).
    a1 = Enrolment.objects.get(person=world.people["a1"])
    a2 = Enrolment.objects.get(person=world.people["a2"])
    assert not Attendance.objects.filter(enrolment=a1, present=False).exists()
    assert all(s >= 5 for s in AssessmentScore.objects.filter(enrolment=a1).values_list("score", flat=True))
    assert Attendance.objects.filter(enrolment=a2, present=False).count() == 1
    assert LecturerRating.objects.count() == FeedbackResponse.objects.count()

    first = _snapshot()
    for model in (LecturerRating, FeedbackResponse, Certificate, CertificateCounter, AssessmentScore, Attendance,
                  ClassSession):
        model.objects.all().delete()
    from cadretrain.training.models import AssessmentComponent

    AssessmentComponent.objects.all().delete()
    demo_extras.generate(seed=7, size="XS", today=TODAY)
    second = _snapshot()
    assert [len(x) for x in first] == [len(x) for x in second]
    assert first[3] == second[3] and first[2] == second[2]
