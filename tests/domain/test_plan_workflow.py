"""The plan status table and who may act: pure rules, no database."""

import pytest

from cadretrain.domain.access import Role
from cadretrain.domain.errors import DomainError, NotAllowed
from cadretrain.domain.plan_workflow import (
    TRANSITIONS,
    PlanAction,
    PlanStatus,
    check_budget,
    check_children_ready,
    check_may_act,
    next_status,
)


def test_happy_path_draft_submitted_approved():
    assert next_status("DRAFT", "submit") is PlanStatus.SUBMITTED
    assert next_status("SUBMITTED", "approve") is PlanStatus.APPROVED


def test_returned_plan_can_be_submitted_again():
    assert next_status("SUBMITTED", "return") is PlanStatus.RETURNED
    assert next_status("RETURNED", "submit") is PlanStatus.SUBMITTED


@pytest.mark.parametrize("status, action", [
    ("DRAFT", "approve"), ("DRAFT", "return"), ("APPROVED", "submit"), ("APPROVED", "approve"),
    ("APPROVED", "return"), ("RETURNED", "approve"), ("SUBMITTED", "submit"), ("DRAFT", "bogus"),
])
def test_moves_outside_the_table_are_refused(status, action):
    with pytest.raises(DomainError) as exc:
        next_status(status, action)
    assert exc.value.code == "plan_invalid_transition"


def test_approved_is_terminal():
    assert not [k for k in TRANSITIONS if k[0] is PlanStatus.APPROVED]


def test_officer_of_parent_unit_may_approve_child_plan():
    check_may_act(action=PlanAction.APPROVE, role=Role.UNIT_OFFICER, actor_unit_path="/1/4/",
                  plan_unit_path="/1/4/9/")


def test_nobody_approves_their_own_units_plan():
    with pytest.raises(NotAllowed) as exc:
        check_may_act(action=PlanAction.APPROVE, role=Role.UNIT_OFFICER, actor_unit_path="/1/4/",
                      plan_unit_path="/1/4/")
    assert exc.value.code == "plan_own_unit"


def test_officer_of_sibling_unit_may_not_approve():
    with pytest.raises(NotAllowed) as exc:
        check_may_act(action=PlanAction.APPROVE, role=Role.UNIT_OFFICER, actor_unit_path="/1/5/",
                      plan_unit_path="/1/4/")
    assert exc.value.code == "plan_not_in_chain"


def test_city_admin_approves_anywhere_and_viewer_nowhere():
    check_may_act(action=PlanAction.APPROVE, role=Role.CITY_ADMIN, actor_unit_path=None, plan_unit_path="/1/")
    with pytest.raises(NotAllowed):
        check_may_act(action=PlanAction.APPROVE, role=Role.VIEWER, actor_unit_path="/1/", plan_unit_path="/1/4/")


def test_unit_submits_its_own_plan_but_not_a_siblings():
    check_may_act(action=PlanAction.SUBMIT, role=Role.UNIT_OFFICER, actor_unit_path="/1/4/", plan_unit_path="/1/4/")
    with pytest.raises(NotAllowed):
        check_may_act(action=PlanAction.SUBMIT, role=Role.UNIT_OFFICER, actor_unit_path="/1/4/",
                      plan_unit_path="/1/5/")


def test_budget_lines_must_add_up():
    check_budget(100, [60, 40, 0, 0])
    with pytest.raises(DomainError) as exc:
        check_budget(100, [60, 30, 0, 0])
    assert exc.value.code == "plan_budget_mismatch"
    with pytest.raises(DomainError):
        check_budget(0, [10, -10])


def test_consolidated_plan_waits_for_children():
    check_children_ready(["APPROVED", "APPROVED"])
    with pytest.raises(DomainError) as exc:
        check_children_ready(["APPROVED", "SUBMITTED"])
    assert exc.value.params == {"count": 1}
