"""Builders for training-abroad tests: a partner abroad with an MOU, an abroad class, and
delegations created through the real services."""

from __future__ import annotations

import datetime as dt

import pytest

from cadretrain.abroad import services
from tests.training.helpers import open_class
from tests.world import SYSTEM

D = dt.date


@pytest.fixture
def partner(world):
    return services.partner_create(actor=SYSTEM, name="South China University of Technology", country="CN")


@pytest.fixture
def mou(world, partner):
    return services.agreement_create(actor=SYSTEM, partner=partner, title="Biên bản ghi nhớ hợp tác đào tạo",
                                     reference="01/MOU-HN-SCUT", signed_on="2023-05-10", valid_from="2023-05-10",
                                     valid_to="2028-05-09", document="Lưu trữ Sở Nội vụ, hộp 12")


@pytest.fixture
def abroad_class(world, partner):
    return open_class("NN-QT-2026", world.city, status="PLANNED", country="CN", partner=partner,
                      start=D(2026, 9, 19), end=D(2026, 9, 26), capacity=20)


def make_mission(world, code="D-A1", unit=None, actor=None, **fields):
    defaults = {"title": "Đoàn bồi dưỡng quản trị đô thị", "country": "CN", "departure_date": "2026-09-19",
                "return_date": "2026-09-26", "budget_state": 300_000_000, "budget_partner": 100_000_000}
    defaults.update(fields)
    return services.mission_create(actor=actor or SYSTEM, code=code, organizer_unit=unit or world.ward_a,
                                   **defaults)


@pytest.fixture
def mission_a(world):
    """Ward A's delegation with a1 (ward A) as head."""
    mission = make_mission(world)
    services.participant_add(actor=world.actor("officer_a"), mission=mission, person_code="P-A1", is_head=True,
                             cost_vnd=80_000_000)
    return mission


@pytest.fixture
def city_mission(world):
    """A city delegation with people of both wards."""
    mission = make_mission(world, code="D-HN", unit=world.city, departure_date="2026-10-05",
                           return_date="2026-10-12")
    for code in ("P-A2", "P-B1"):
        services.participant_add(actor=SYSTEM, mission=mission, person_code=code, cost_vnd=50_000_000)
    return mission
