"""Budget estimates on plan items: the programme's cost per learner (its classes' cost over their
seats) × people, on the funding source its kind defaults to; typed lines are never overridden
and lines that do not add up are still refused."""

from __future__ import annotations

import datetime as dt

import pytest

from cadretrain.domain import plan_workflow as wf
from cadretrain.plans import selectors, services
from cadretrain.plans.models import PlanItem
from tests.training.helpers import open_class, programme


@pytest.mark.parametrize("kind, source", [
    ("POLITICAL_THEORY", "budget_state"), ("KNOWLEDGE_UPDATE", "budget_state"),
    ("POSTGRADUATE", "budget_learner"), ("DIGITAL", "budget_unit"), ("FOREIGN_LANGUAGE", "budget_unit"),
])
def test_estimate_puts_cost_times_people_on_the_kinds_default_source(kind, source):
    lines = wf.estimate_budget(kind=kind, cost_per_learner=1_500_000, people=4)
    assert lines[source] == lines["budget_total"] == 6_000_000
    assert sum(lines[k] for k in wf.FUNDING_SOURCES) == lines["budget_total"]
    assert wf.estimate_budget(kind=kind, cost_per_learner=None, people=4)["budget_total"] == 0


def test_programme_cost_per_learner_is_class_cost_over_seats(world):
    prog = programme("QLNN-X", name="QLNN chuyên viên", kind="STATE_MANAGEMENT")
    open_class("Q1", world.city, prog=prog, capacity=40, cost_vnd=100_000_000)
    open_class("Q2", world.city, prog=prog, capacity=60, cost_vnd=200_000_000)
    open_class("Q3", world.city, prog=prog, capacity=None, cost_vnd=900_000_000)  # no seats: not counted
    assert selectors.programme_costs([prog.pk]) == {prog.pk: 3_000_000}


def test_proposed_items_carry_a_budget_estimate(world, llct_world):
    plan = services.plan_create(actor=world.actor("officer_a"), unit=world.ward_a, year=2026)
    [item] = services.plan_propose_items(actor=world.actor("officer_a"), plan=plan, as_of=dt.date(2026, 6, 1))
    # LLCT-26: 3,000,000 for 2 seats → 1,500,000 per learner × 3 people, from the state budget.
    assert (item.people, item.budget_state, item.budget_total) == (3, 4_500_000, 4_500_000)


def test_web_item_with_empty_lines_is_estimated_and_typed_lines_are_kept(world, llct_world, client_for):
    plan = services.plan_create(actor=world.actor("officer_a"), unit=world.ward_a, year=2027)
    client = client_for("officer_a")
    form = {"programme": "LLCT-TC", "people": "2", "quarter": "3", "estimate": "1"}
    client.post(f"/plans/{plan.pk}/items/", form)
    client.post(f"/plans/{plan.pk}/items/", {**form, "budget_unit": "1000000"})
    items = list(PlanItem.objects.filter(plan=plan).order_by("pk").values_list("budget_state", "budget_unit",
                                                                                 "budget_total"))
    assert items == [(3_000_000, 0, 3_000_000), (0, 1_000_000, 1_000_000)]


def test_web_item_whose_lines_do_not_add_up_is_refused_and_nothing_added(world, client_for):
    plan = services.plan_create(actor=world.actor("officer_a"), unit=world.ward_a, year=2027)
    page = client_for("officer_a").post(f"/plans/{plan.pk}/items/", {
        "need": "Tập huấn", "people": "2", "quarter": "1", "budget_state": "100", "budget_total": "300",
        "estimate": "1"}, follow=True).content.decode()
    assert "không khớp tổng kinh phí" in page
    assert not PlanItem.objects.filter(plan=plan).exists()


def test_plan_page_with_the_add_form_reads_in_few_queries(world, client_for, django_assert_max_num_queries):
    plan = services.plan_create(actor=world.actor("officer_a"), unit=world.ward_a, year=2027)
    for n in range(5):
        services.plan_item_add(actor=world.actor("officer_a"), plan=plan, need=f"Nội dung {n}", people=2, quarter=1)
    client = client_for("officer_a")
    with django_assert_max_num_queries(16):
        page = client.get(f"/plans/{plan.pk}/").content.decode()
    assert "Kinh phí theo nguồn (VNĐ)" in page and "Nội dung 4" in page
