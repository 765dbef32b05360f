"""End-of-class feedback: participants only, once, 1–5, aggregates and low ratings."""

from __future__ import annotations

import datetime as dt

import pytest

from cadretrain.catalogue.models import Lecturer
from cadretrain.domain.errors import Conflict, DomainError, NotAllowed, NotFound
from cadretrain.training import selectors, services
from cadretrain.training.models import FeedbackResponse, LecturerRating
from tests.training.helpers import open_class


@pytest.fixture
def finished(world):
    officer = world.actor("officer_a")
    tc = open_class("K-1", world.ward_a, capacity=None, mode="KHONG_TAP_TRUNG")
    lecturer = Lecturer.objects.create(full_name="PGS.TS. Vũ Thị Hoa", search_key="pgs.ts. vu thi hoa")
    enrolments = {k: services.enrolment_create(actor=officer, training_class=tc, person=world.people[k])
                  for k in ("a1", "a2", "a3")}
    nominee = None
    services.class_transition(actor=officer, training_class=tc, target="RUNNING")
    services.session_create(actor=officer, training_class=tc, date="2026-03-02", start_time="08:00",
                            end_time="11:00", lecturer=lecturer)
    services.class_transition(actor=officer, training_class=tc, target="FINISHED")
    tc.refresh_from_db()
    assert nominee is None
    return tc, enrolments, lecturer


def test_participant_answers_once(world, finished, api_for):
    tc, enrolments, lecturer = finished
    client = api_for("learner")
    body = {"relevance": 5, "content": 4, "organisation": 3, "lecturers": {str(lecturer.pk): 2}}
    url = f"/api/v1/enrolments/{enrolments['a1'].pk}/feedback"
    assert client.post(url, body, content_type="application/json").status_code == 201
    again = client.post(url, body, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "feedback_already_given"
    assert FeedbackResponse.objects.count() == 1 and LecturerRating.objects.get().score == 2


def test_non_participant_cannot_answer_and_nothing_is_stored(world, finished):
    tc, enrolments, lecturer = finished
    # Another learner's enrolment is invisible to this learner.
    with pytest.raises(NotFound):
        services.feedback_submit(actor=world.actor("learner"), enrolment=enrolments["a2"], relevance=5,
                                 content=5, organisation=5)
    # An officer is not a participant.
    with pytest.raises(NotAllowed) as exc:
        services.feedback_submit(actor=world.actor("admin"), enrolment=enrolments["a1"], relevance=5,
                                 content=5, organisation=5)
    assert exc.value.code == "not_a_participant"
    assert not FeedbackResponse.objects.exists()


def test_withdrawn_learner_is_not_a_participant(world, finished):
    tc, enrolments, lecturer = finished
    from cadretrain.training.models import Enrolment

    Enrolment.objects.filter(pk=enrolments["a1"].pk).update(status="WITHDRAWN")
    e = Enrolment.objects.get(pk=enrolments["a1"].pk)
    with pytest.raises(NotAllowed):
        services.feedback_submit(actor=world.actor("learner"), enrolment=e, relevance=5, content=5,
                                 organisation=5)


def test_feedback_before_the_class_ends_is_refused(world):
    tc = open_class("K-F", world.ward_a, capacity=None, start=dt.date(2099, 1, 1), end=dt.date(2099, 1, 5))
    e = services.enrolment_create(actor=world.actor("officer_a"), training_class=tc, person=world.people["a1"])
    with pytest.raises(DomainError) as exc:
        services.feedback_submit(actor=world.actor("learner"), enrolment=e, relevance=5, content=5, organisation=5)
    assert exc.value.code == "feedback_before_class_end"


@pytest.mark.parametrize("bad", [0, 6])
def test_ratings_outside_1_5_change_nothing(world, finished, bad):
    tc, enrolments, lecturer = finished
    with pytest.raises(DomainError):
        services.feedback_submit(actor=world.actor("learner"), enrolment=enrolments["a1"], relevance=bad,
                                 content=4, organisation=4)
    with pytest.raises(DomainError):
        services.feedback_submit(actor=world.actor("learner"), enrolment=enrolments["a1"], relevance=4,
                                 content=4, organisation=4, lecturer_scores={lecturer.pk: bad})
    assert not FeedbackResponse.objects.exists()


def test_lecturer_must_teach_the_class(world, finished):
    tc, enrolments, lecturer = finished
    stranger = Lecturer.objects.create(full_name="ThS. Ngô Văn Khải", search_key="ths. ngo van khai")
    with pytest.raises(DomainError) as exc:
        services.feedback_submit(actor=world.actor("learner"), enrolment=enrolments["a1"], relevance=4,
                                 content=4, organisation=4, lecturer_scores={stranger.pk: 5})
    assert exc.value.code == "lecturer_not_in_class"


def test_low_rated_lecturers_and_programmes_are_flagged_for_the_city(world, finished, client_for):
    tc, enrolments, lecturer = finished
    from cadretrain.training.models import FeedbackResponse as FR
    from cadretrain.training.models import LecturerRating as LR

    for e in enrolments.values():
        response = FR.objects.create(enrolment=e, relevance=2, content=2, organisation=3)
        LR.objects.create(response=response, lecturer=lecturer, score=2)
    overview = selectors.feedback_overview(actor=world.actor("admin"))
    assert overview["lecturers"][0]["low"] and overview["lecturers"][0]["n"] == 3
    assert overview["programmes"][0]["low"]
    html = client_for("admin").get("/training/feedback/").content.decode()
    assert "Vũ Thị Hoa" in html and "Đánh giá thấp" in html
    # A ward that neither organised nor attended the class sees nothing of it.
    assert selectors.feedback_overview(actor=world.actor("officer_b"))["lecturers"] == []


def test_feedback_form_page_for_the_learner(world, finished, client_for):
    tc, enrolments, lecturer = finished
    client = client_for("learner")
    page = client.get("/training/me/").content.decode()
    assert f"/training/enrolments/{enrolments['a1'].pk}/feedback/" in page
    response = client.post(f"/training/enrolments/{enrolments['a1'].pk}/feedback/",
                           {"relevance": "4", "content": "5", "organisation": "4", f"lecturer-{lecturer.pk}": "5"})
    assert response.status_code == 302
    assert FeedbackResponse.objects.get().content == 5
    assert client_for("learner").get(f"/training/enrolments/{enrolments['a2'].pk}/feedback/").status_code == 404


def test_conflict_is_409(world, finished):
    tc, enrolments, lecturer = finished
    services.feedback_submit(actor=world.actor("learner"), enrolment=enrolments["a1"], relevance=4, content=4,
                             organisation=4)
    with pytest.raises(Conflict):
        services.feedback_submit(actor=world.actor("learner"), enrolment=enrolments["a1"], relevance=4,
                                 content=4, organisation=4)
