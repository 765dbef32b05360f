"""Plan workflow through the services: who may act, conditional updates, locking, the event
trail, consolidation, and bad input that changes nothing."""

from __future__ import annotations

import pytest

from cadretrain.domain.errors import Conflict, DomainError, NotAllowed
from cadretrain.plans import services
from cadretrain.plans.models import PlanEvent, PlanItem, TrainingPlan
from tests.plans.conftest import make_plan


def state(plan):
    plan.refresh_from_db()
    return plan.status, plan.version, list(plan.items.values_list("pk", "people", "budget_total"))


def test_ward_plan_goes_draft_submitted_approved_with_events(world, plan_a):
    services.plan_submit(actor=world.actor("officer_a"), plan=plan_a, comment="Trình duyệt")
    services.plan_approve(actor=world.actor("admin"), plan=plan_a, comment="Đồng ý")
    plan_a.refresh_from_db()
    assert plan_a.status == "APPROVED"
    trail = list(PlanEvent.objects.filter(plan=plan_a).values_list("action", "from_status", "to_status",
                                                                      "actor_name", "comment"))
    assert trail == [("create", "", "DRAFT", "officer_a", ""),
                     ("submit", "DRAFT", "SUBMITTED", "officer_a", "Trình duyệt"),
                     ("approve", "SUBMITTED", "APPROVED", "admin", "Đồng ý")]


def test_return_needs_a_comment_and_plan_can_be_fixed_and_resubmitted(world, plan_a):
    services.plan_submit(actor=world.actor("officer_a"), plan=plan_a)
    before = state(plan_a)
    with pytest.raises(DomainError) as exc:
        services.plan_return(actor=world.actor("admin"), plan=plan_a, comment="  ")
    assert exc.value.code == "return_comment_required" and state(plan_a) == before
    services.plan_return(actor=world.actor("admin"), plan=plan_a, comment="Giảm số người")
    item = plan_a.items.get()
    services.plan_item_update(actor=world.actor("officer_a"), item=item, people=3)
    plan_a.refresh_from_db()
    services.plan_submit(actor=world.actor("officer_a"), plan=plan_a)
    assert state(plan_a)[0] == "SUBMITTED"


def test_officer_cannot_approve_own_units_plan_and_nothing_changes(world, plan_a):
    services.plan_submit(actor=world.actor("officer_a"), plan=plan_a)
    before = state(plan_a)
    with pytest.raises(NotAllowed) as exc:
        services.plan_approve(actor=world.actor("officer_a"), plan=plan_a)
    assert exc.value.code == "plan_own_unit" and state(plan_a) == before


def test_officer_outside_the_chain_cannot_approve(world, plan_a):
    services.plan_submit(actor=world.actor("officer_a"), plan=plan_a)
    before = state(plan_a)
    with pytest.raises(NotAllowed):
        services.plan_approve(actor=world.actor("officer_b"), plan=plan_a)
    assert state(plan_a) == before


def test_parent_ward_officer_approves_sub_unit_plan(world):
    plan = make_plan(world, world.office_a, actor=world.actor("officer_a"))
    services.plan_submit(actor=world.actor("officer_a"), plan=plan)
    services.plan_approve(actor=world.actor("officer_a"), plan=plan)
    assert state(plan)[0] == "APPROVED"


def test_approving_a_draft_is_out_of_order(world, plan_a):
    before = state(plan_a)
    with pytest.raises(DomainError) as exc:
        services.plan_approve(actor=world.actor("admin"), plan=plan_a)
    assert exc.value.code == "plan_invalid_transition" and state(plan_a) == before


def test_two_approvers_on_the_same_version_only_one_wins(world, plan_a):
    services.plan_submit(actor=world.actor("officer_a"), plan=plan_a)
    plan_a.refresh_from_db()
    version = plan_a.version
    stale = TrainingPlan.objects.get(pk=plan_a.pk)
    services.plan_return(actor=world.actor("admin"), plan=plan_a, comment="Sửa lại", expected_version=version)
    with pytest.raises(Conflict) as exc:
        services.plan_approve(actor=world.actor("admin"), plan=stale, expected_version=version)
    assert exc.value.code == "plan_changed_concurrently"
    assert state(plan_a)[0] == "RETURNED"
    assert PlanEvent.objects.filter(plan=plan_a, action="approve").count() == 0


def test_approved_plan_is_locked(world, plan_a, programme):
    services.plan_submit(actor=world.actor("officer_a"), plan=plan_a)
    services.plan_approve(actor=world.actor("admin"), plan=plan_a)
    plan_a.refresh_from_db()
    before = state(plan_a)
    item = plan_a.items.get()
    with pytest.raises(Conflict) as exc:
        services.plan_item_update(actor=world.actor("officer_a"), item=item, people=50)
    assert exc.value.code == "plan_locked"
    with pytest.raises(Conflict):
        services.plan_item_add(actor=world.actor("officer_a"), plan=plan_a, need="Thêm", people=1, quarter=1)
    with pytest.raises(Conflict):
        services.plan_item_delete(actor=world.actor("officer_a"), item=item)
    assert state(plan_a) == before


def test_budget_lines_that_do_not_add_up_change_nothing(world, plan_a, programme):
    before = state(plan_a)
    with pytest.raises(DomainError) as exc:
        services.plan_item_add(actor=world.actor("officer_a"), plan=plan_a, programme=programme, people=2,
                               quarter=1, budget_state=10, budget_unit=5, budget_total=20)
    assert exc.value.code == "plan_budget_mismatch" and state(plan_a) == before


@pytest.mark.parametrize("fields, code", [
    ({"need": "", "people": 2, "quarter": 1}, "plan_item_empty"),
    ({"need": "x", "people": 0, "quarter": 1}, "plan_invalid_people"),
    ({"need": "x", "people": 2, "quarter": 5}, "plan_invalid_quarter"),
    ({"need": "x", "people": 2, "quarter": 1, "budget_state": "abc"}, "plan_invalid_amount"),
])
def test_bad_items_are_refused(world, plan_a, fields, code):
    before = state(plan_a)
    with pytest.raises(DomainError) as exc:
        services.plan_item_add(actor=world.actor("officer_a"), plan=plan_a, **fields)
    assert exc.value.code == code and state(plan_a) == before


def test_stale_edit_is_refused(world, plan_a):
    item = plan_a.items.get()
    old_version = plan_a.version
    services.plan_item_update(actor=world.actor("officer_a"), item=item, people=6, expected_version=old_version)
    with pytest.raises(Conflict) as exc:
        services.plan_item_update(actor=world.actor("officer_a"), item=item, people=7, expected_version=old_version)
    assert exc.value.code == "plan_changed_concurrently"
    assert PlanItem.objects.get(pk=item.pk).people == 6


def test_parent_submits_only_after_children_are_approved(world):
    ward = make_plan(world, world.ward_a, actor=world.actor("officer_a"))
    office = make_plan(world, world.office_a, actor=world.actor("officer_a"), need="Văn thư lưu trữ")
    before = state(ward)
    with pytest.raises(DomainError) as exc:
        services.plan_submit(actor=world.actor("officer_a"), plan=ward)
    assert exc.value.code == "plan_children_not_approved" and state(ward) == before
    services.plan_submit(actor=world.actor("officer_a"), plan=office)
    services.plan_approve(actor=world.actor("officer_a"), plan=office)
    ward.refresh_from_db()
    services.plan_submit(actor=world.actor("officer_a"), plan=ward)
    services.plan_approve(actor=world.actor("admin"), plan=ward)
    assert state(ward)[0] == "APPROVED"


def test_one_plan_per_unit_and_year(world, plan_a):
    with pytest.raises(Conflict) as exc:
        services.plan_create(actor=world.actor("officer_a"), unit=world.ward_a, year=2026)
    assert exc.value.code == "plan_exists"


def test_officer_cannot_draft_for_another_ward(world):
    with pytest.raises(NotAllowed):
        services.plan_create(actor=world.actor("officer_a"), unit=world.ward_b, year=2026)
    assert not TrainingPlan.objects.exists()


def test_unit_sees_own_and_childrens_plans_city_sees_all(world):
    make_plan(world, world.ward_a)
    make_plan(world, world.office_a)
    make_plan(world, world.ward_b)
    from cadretrain.plans.selectors import plan_list

    assert {p.unit.code for p in plan_list(actor=world.actor("officer_a"))} == {"00004", "00004.VP"}
    assert {p.unit.code for p in plan_list(actor=world.actor("officer_b"))} == {"00008"}
    assert plan_list(actor=world.actor("admin")).count() == 3
    assert plan_list(actor=world.actor("learner")).count() == 0
