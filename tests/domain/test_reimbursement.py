"""Service commitment and reimbursement of training costs (domain brief §3): the statutory
multiples of the training time, 100 % in the listed cases, and S = F / T1 × (T1 − T2) after
graduating, as table tests from the brief and properties checked with hypothesis."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cadretrain.domain import reimbursement as r
from cadretrain.domain.errors import DomainError

D = dt.date


@pytest.mark.parametrize(("start", "months", "expected"), [
    (D(2026, 1, 31), 1, D(2026, 2, 28)),
    (D(2024, 1, 31), 1, D(2024, 2, 29)),
    (D(2026, 3, 15), 12, D(2027, 3, 15)),
    (D(2026, 11, 30), 3, D(2027, 2, 28)),
    (D(2026, 5, 1), 0, D(2026, 5, 1)),
])
def test_add_months_clips_to_the_end_of_a_shorter_month(start, months, expected):
    assert r.add_months(start, months) == expected


@pytest.mark.parametrize(("start", "end", "whole", "training"), [
    (D(2026, 9, 19), D(2026, 9, 26), 0, 1),  # the SCUT course: 8 days is one started month
    (D(2026, 1, 1), D(2026, 3, 1), 2, 2),
    (D(2026, 1, 1), D(2026, 3, 2), 2, 3),
    (D(2024, 9, 1), D(2026, 8, 31), 23, 24),  # a two-year master's
    (D(2026, 1, 31), D(2026, 2, 28), 1, 1),
])
def test_months_between_dates(start, end, whole, training):
    assert r.full_months_between(start, end) == whole
    assert r.training_months(start, end) == training


@pytest.mark.parametrize(("sent_on", "category", "multiplier", "basis"), [
    (D(2025, 6, 30), "CONG_CHUC", 2, "NĐ 101/2017/NĐ-CP"),
    (D(2018, 1, 1), "VIEN_CHUC", 2, "NĐ 101/2017/NĐ-CP"),
    (D(2025, 7, 1), "CONG_CHUC", 3, "NĐ 171/2025/NĐ-CP"),
    (D(2026, 3, 1), "VIEN_CHUC", 2, "NĐ 101/2017/NĐ-CP"),
])
def test_commitment_multiple_of_training_time_by_decree_and_date(sent_on, category, multiplier, basis):
    assert r.commitment_rule(sent_on=sent_on, category=category) == r.CommitmentRule(multiplier, basis)


@pytest.mark.parametrize(("sent_on", "category"), [(D(2026, 7, 1), "VIEN_CHUC"), (D(2025, 8, 1), "CAN_BO")])
def test_no_commitment_rule_where_the_references_give_none(sent_on, category):
    assert r.commitment_rule(sent_on=sent_on, category=category) is None


def test_degree_commitment_is_at_least_the_multiple_and_a_smaller_entry_is_refused():
    got = r.service_commitment(degree=True, sent_on=D(2025, 9, 1), category="CONG_CHUC", months_of_training=24,
                               entered=None)
    assert got == r.Commitment(72, "NĐ 171/2025/NĐ-CP")
    assert r.service_commitment(degree=True, sent_on=D(2025, 9, 1), category="CONG_CHUC",
                                months_of_training=24, entered=80).months == 80
    with pytest.raises(DomainError) as exc:
        r.service_commitment(degree=True, sent_on=D(2025, 9, 1), category="CONG_CHUC", months_of_training=24,
                             entered=48)
    assert exc.value.code == "commitment_below_minimum" and exc.value.params["minimum"] == 72


def test_short_course_commitment_is_what_the_office_entered():
    assert r.service_commitment(degree=False, sent_on=D(2026, 1, 1), category="CONG_CHUC",
                                months_of_training=1, entered=None) is None
    assert r.service_commitment(degree=False, sent_on=D(2026, 1, 1), category="CONG_CHUC",
                                months_of_training=1, entered=12) == r.Commitment(12, "")


# The brief's formula S = F / T1 × (T1 − T2), worked through by hand.
@pytest.mark.parametrize(("cost", "t1", "t2", "owed"), [
    (600_000_000, 72, 0, 600_000_000),
    (600_000_000, 72, 36, 300_000_000),
    (600_000_000, 72, 71, 8_333_333),  # 600e6 / 72 = 8,333,333.33 → nearest đồng
    (100_000_000, 48, 12, 75_000_000),
    (1, 3, 1, 1),  # 0.666… → 1
    (1, 3, 2, 0),  # 0.333… → 0
])
def test_pro_rata_table_from_the_formula(cost, t1, t2, owed):
    assert r.pro_rata(cost, t1, t2) == owed


@pytest.mark.parametrize("outcome", ["NO_DIPLOMA", "QUIT_DURING", "DISMISSED_DURING"])
def test_the_whole_cost_when_quitting_or_dismissed_during_training_or_no_diploma(outcome):
    due = r.reimbursement_due(outcome=outcome, cost=250_000_000, returned_on=None, left_on=D(2026, 5, 1),
                              committed_months=None)
    assert due == r.Due("FULL", 250_000_000, 0)


def test_leaving_after_return_owes_the_unserved_share_counting_whole_months():
    due = r.reimbursement_due(outcome="COMPLETED", cost=120_000_000, returned_on=D(2026, 1, 15),
                              left_on=D(2026, 7, 14), committed_months=24)
    assert due == r.Due("PRO_RATA", 95_000_000, 5)  # 5 whole months served: 120e6 × 19/24


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"committed_months": 24, "left_on": D(2028, 1, 15)}, "commitment_fulfilled"),
    ({"committed_months": None}, "no_commitment"),
    ({"committed_months": 0}, "no_commitment"),
    ({"returned_on": None}, "participant_not_returned"),
    ({"outcome": "PENDING"}, "participant_not_returned"),
    ({"left_on": D(2026, 1, 1)}, "left_before_return"),
    ({"cost": None}, "participant_cost_required"),
    ({"outcome": "GRADUATED"}, "unknown_outcome"),
])
def test_nothing_is_owed_or_computable_is_refused(kwargs, code):
    base = {"outcome": "COMPLETED", "cost": 100, "returned_on": D(2026, 1, 15), "left_on": D(2026, 6, 1),
            "committed_months": 24}
    with pytest.raises(DomainError) as exc:
        r.reimbursement_due(**{**base, **kwargs})
    assert exc.value.code == code


costs = st.integers(min_value=0, max_value=10**12)
terms = st.integers(min_value=1, max_value=600)


@given(costs, terms, st.data())
def test_pro_rata_is_between_nothing_and_the_whole_cost_and_never_grows_with_service(cost, t1, data):
    t2 = data.draw(st.integers(min_value=0, max_value=t1 - 1))
    owed = r.pro_rata(cost, t1, t2)
    assert 0 <= owed <= cost
    assert r.pro_rata(cost, t1, 0) == cost
    if t2 + 1 < t1:
        assert r.pro_rata(cost, t1, t2 + 1) <= owed
    # Within half a đồng of the exact formula.
    assert abs(owed * t1 - cost * (t1 - t2)) * 2 <= t1


@given(st.dates(min_value=D(2000, 1, 1), max_value=D(2090, 12, 31)), st.integers(min_value=0, max_value=600))
def test_whole_months_count_back_what_add_months_added(start, months):
    end = r.add_months(start, months)
    assert r.full_months_between(start, end) == months
    assert r.training_months(start, end) == max(months, 1)
