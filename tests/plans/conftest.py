from __future__ import annotations

import datetime as dt

import pytest

from cadretrain.catalogue.models import Programme
from cadretrain.domain.text import fold
from cadretrain.plans import services
from cadretrain.standards.models import Requirement, Standard
from tests.training.helpers import open_class
from tests.world import SYSTEM


@pytest.fixture
def programme(db):
    name = "Bồi dưỡng kiến thức quản lý nhà nước chương trình chuyên viên"
    return Programme.objects.create(code="QLNN-CV", name=name, search_key=fold(name), kind="STATE_MANAGEMENT",
                                    grants_dimension="STATE_MANAGEMENT", grants_level="CHUYEN_VIEN",
                                    topics="quản lý nhà nước, hành chính công")


@pytest.fixture
def plan_a(world, programme):
    """Ward A's 2026 draft plan with one item."""
    plan = services.plan_create(actor=world.actor("officer_a"), unit=world.ward_a, year=2026)
    services.plan_item_add(actor=world.actor("officer_a"), plan=plan, programme=programme, people=5, quarter=2,
                           target_group="công chức cấp xã", budget_state=30_000_000, budget_unit=10_000_000,
                           budget_total=40_000_000)
    plan.refresh_from_db()
    return plan


def make_plan(world, unit, year=2026, actor=SYSTEM, need="Tập huấn chuyển đổi số", people=3, quarter=1):
    plan = services.plan_create(actor=actor, unit=unit, year=year)
    services.plan_item_add(actor=actor, plan=plan, need=need, people=people, quarter=quarter)
    plan.refresh_from_db()
    return plan


@pytest.fixture
def llct_world(world):
    """Everyone in the world needs intermediate political theory; one open class of 2 seats grants it."""
    standard = Standard.objects.create(code="TC-LLCT", name="LLCT trung cấp", valid_from=dt.date(2020, 1, 1))
    Requirement.objects.create(standard=standard, group="LLCT", dimension="POLITICAL_THEORY", min_level="TRUNG_CAP")
    tc = open_class("LLCT-26", world.city, capacity=2, start=dt.date(2026, 9, 7), end=dt.date(2026, 9, 18),
                    cost_vnd=3_000_000)
    return tc
