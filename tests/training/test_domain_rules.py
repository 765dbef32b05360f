"""The pure training rules (no database)."""

import datetime as dt
from decimal import Decimal as D

import pytest

from cadretrain.domain import training as rules
from cadretrain.domain.errors import Conflict, DomainError

TT01 = rules.ResultRule()


def test_full_attendance_and_every_component_at_least_5_completes():
    result = rules.decide_result(TT01, sessions_total=4, sessions_attended=4,
                                 components=[(D(1), D("5")), (D(2), D("9"))])
    assert result.status == "COMPLETED"
    assert result.score == D("7.67")
    assert result.reasons == ()


def test_one_component_under_5_fails_even_with_a_high_average():
    result = rules.decide_result(TT01, sessions_total=2, sessions_attended=2,
                                 components=[(D(1), D("4.99")), (D(5), D("10"))])
    assert result.status == "FAILED"
    assert result.reasons == ("component_below_threshold",)


def test_missing_a_session_fails_under_tt01():
    result = rules.decide_result(TT01, sessions_total=3, sessions_attended=2, components=[(D(1), D(8))])
    assert result.status == "FAILED"
    assert "attendance_incomplete" in result.reasons


def test_a_programme_may_relax_attendance_and_threshold():
    relaxed = rules.ResultRule(require_full_attendance=False, min_component_score=D(4))
    result = rules.decide_result(relaxed, sessions_total=3, sessions_attended=1, components=[(D(1), D("4.5"))])
    assert result.status == "COMPLETED"


def test_a_missing_score_is_refused_not_failed():
    with pytest.raises(DomainError) as exc:
        rules.decide_result(TT01, sessions_total=0, sessions_attended=0, components=[(D(1), None)])
    assert exc.value.code == "scores_incomplete"


def test_no_components_and_no_sessions_completes():
    assert rules.decide_result(TT01, sessions_total=0, sessions_attended=0, components=[]).status == "COMPLETED"


@pytest.mark.parametrize(("current", "target"), [
    ("PLANNED", "OPEN"), ("OPEN", "RUNNING"), ("RUNNING", "FINISHED"), ("PLANNED", "CANCELLED"),
    ("OPEN", "CANCELLED"), ("RUNNING", "CANCELLED"), ("OPEN", "PLANNED"),
])
def test_allowed_class_transitions(current, target):
    rules.check_class_transition(current, target)


@pytest.mark.parametrize(("current", "target"), [
    ("PLANNED", "RUNNING"), ("PLANNED", "FINISHED"), ("FINISHED", "RUNNING"), ("CANCELLED", "OPEN"),
    ("FINISHED", "CANCELLED"), ("RUNNING", "OPEN"),
])
def test_refused_class_transitions(current, target):
    with pytest.raises(Conflict) as exc:
        rules.check_class_transition(current, target)
    assert exc.value.code == "class_transition_not_allowed"


def test_unknown_status_is_a_bad_request():
    with pytest.raises(DomainError) as exc:
        rules.check_class_transition("OPEN", "DONE")
    assert exc.value.code == "unknown_class_status" and exc.value.status == 400


def test_overlap_is_inclusive_of_the_end_day():
    d = dt.date
    assert rules.periods_overlap(d(2026, 1, 1), d(2026, 1, 10), d(2026, 1, 10), d(2026, 1, 20))
    assert not rules.periods_overlap(d(2026, 1, 1), d(2026, 1, 9), d(2026, 1, 10), d(2026, 1, 20))
    others = [("A", d(2025, 1, 1), d(2025, 2, 1)), ("B", d(2026, 1, 5), d(2026, 1, 6))]
    assert rules.first_overlap(d(2026, 1, 1), d(2026, 1, 31), others) == "B"


def test_revocation_grounds_are_the_five_of_tt01():
    assert len(rules.REVOCATION_GROUNDS) == 5
    with pytest.raises(DomainError):
        rules.check_revocation_ground("DISLIKED")


@pytest.mark.parametrize("value", ["0", "6", "x", None])
def test_ratings_outside_1_5_are_refused(value):
    with pytest.raises(DomainError) as exc:
        rules.check_rating(value, "content")
    assert exc.value.code == "rating_out_of_range"


def test_certificate_serial_format():
    assert rules.certificate_serial("LHP", 2026, 12) == "LHP/2026/00012"
