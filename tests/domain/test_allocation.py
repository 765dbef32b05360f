"""The allocation optimiser: feasible under every hard constraint, never below greedy, within 1 %
of the LP bound, deterministic, and its certificate is a true upper bound (checked with GLOP)."""

import numpy as np
import pytest
from benchmarks.workloads.allocation import generate

from cadretrain.domain import allocation as alloc
from cadretrain.domain.allocation import Candidate, Offer, Problem


@pytest.fixture(scope="module")
def instance():
    return generate(300, 24, seed=2)


@pytest.fixture(scope="module")
def solved(instance):
    return alloc.solve(instance)


def test_allocation_is_feasible(instance, solved):
    assert solved.assignment
    assert alloc.audit(instance, solved.assignment.items()) == []


def test_allocation_is_at_least_greedy(instance, solved):
    floor = alloc.greedy(instance)
    assert alloc.audit(instance, floor.assignment.items()) == []
    assert solved.objective >= floor.value - 1e-9


def test_certificate_bounds_the_lp_and_solution_is_within_one_percent(instance, solved):
    relaxed = Problem(instance.people, instance.offers, instance.arc_person, instance.arc_offer,
                      instance.arc_value, budget=instance.budget, unit_quota=instance.unit_quota)
    lp = alloc.lp_bound(relaxed)
    assert solved.bound >= lp - 1e-6
    assert solved.objective >= 0.99 * alloc.lp_bound(instance)


def test_same_input_same_allocation(instance, solved):
    assert alloc.solve(instance).assignment == solved.assignment


def test_every_person_gets_a_reason(instance, solved):
    assert set(solved.reasons) == set(range(len(instance.people)))
    assert {p for p, r in solved.reasons.items() if r == alloc.PLACED} == set(solved.assignment)


def _tiny(**kw):
    people = [Candidate("A", "U1"), Candidate("B", "U1"), Candidate("C", "U2", busy=((10, 20),))]
    offers = [Offer("K1", seats=1, cost=100, start=15, end=18), Offer("K2", seats=5, cost=50, start=30, end=40)]
    arcs = [(0, 0, 3.0), (1, 0, 2.0), (1, 1, 1.0), (2, 0, 5.0)]
    return Problem.from_arcs(people, offers, arcs, **kw)


def test_clash_with_a_full_time_class_already_attended_is_never_proposed():
    result = alloc.solve(_tiny())
    assert result.assignment.get(2) is None and result.reasons[2] == alloc.BUSY


def test_budget_and_seats_are_respected_and_explained():
    result = alloc.solve(_tiny(budget=100))
    assert result.cost <= 100
    assert alloc.audit(_tiny(budget=100), result.assignment.items()) == []
    unplaced = {p: r for p, r in result.reasons.items() if r != alloc.PLACED}
    assert set(unplaced.values()) <= {alloc.OVER_BUDGET, alloc.CLASSES_FULL, alloc.BUSY}


def test_unit_away_limit_is_a_hard_constraint():
    people = [Candidate(f"P{i}", "U1") for i in range(4)]
    offers = [Offer("K", seats=10, cost=0, start=1, end=10)]
    problem = Problem.from_arcs(people, offers, [(i, 0, 1.0) for i in range(4)], away_limit={"U1": 2})
    result = alloc.solve(problem)
    assert len(result.assignment) == 2
    assert sorted(r for r in result.reasons.values() if r != alloc.PLACED) == [alloc.UNIT_AWAY] * 2


@pytest.mark.parametrize("pairs, code", [
    ([(0, 0), (1, 0)], "allocation_capacity"),
    ([(1, 0), (1, 1)], "allocation_one_class"),
    ([(2, 0)], "allocation_time_clash"),
    ([(0, 1)], "allocation_unknown"),
])
def test_audit_names_the_broken_constraint(pairs, code):
    assert code in [c for c, _ in alloc.audit(_tiny(), pairs)]


def test_audit_flags_budget_overrun():
    assert [c for c, _ in alloc.audit(_tiny(budget=120), [(0, 0), (1, 1)])] == ["allocation_budget"]


def test_empty_problem_is_fine():
    problem = Problem([], [], np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))
    result = alloc.solve(problem)
    assert result.assignment == {} and result.objective == 0
