"""Deadlines in the allocation priority: a requirement of the post is due some months after the
appointment, a knowledge update N months after the last one, the year's periods by 31 December;
the nearer (or the more overdue) the deadline, the more the gap weighs, and the proposal says so."""

from __future__ import annotations

import datetime as dt

import pytest

from cadretrain.domain import allocation as alloc
from cadretrain.people.models import Assignment
from cadretrain.plans import services
from cadretrain.plans.models import AllocationRun, SeatAllocation
from cadretrain.training.models import Enrolment
from tests.training.helpers import open_class

AS_OF = dt.date(2026, 6, 1)


def test_post_requirement_is_due_the_allowed_months_after_the_appointment():
    assert alloc.gap_deadline(dimension="POLITICAL_THEORY", required="TRUNG_CAP", current=None,
                              appointed=dt.date(2025, 8, 31), as_of=AS_OF, allowed_months=6) == dt.date(2026, 2, 28)
    assert alloc.gap_deadline(dimension="POLITICAL_THEORY", required="TRUNG_CAP", current=None,
                              appointed=None, as_of=AS_OF) is None


def test_knowledge_update_is_due_n_months_after_the_last_one_or_now_when_never_done():
    assert alloc.gap_deadline(dimension="KNOWLEDGE_UPDATE_MONTHS", required="24", current="2024-09-15",
                              appointed=None, as_of=AS_OF) == dt.date(2026, 9, 15)
    assert alloc.gap_deadline(dimension="KNOWLEDGE_UPDATE_MONTHS", required="24", current=None,
                              appointed=None, as_of=AS_OF) == AS_OF
    assert alloc.gap_deadline(dimension="ANNUAL_PERIODS", required="40", current="12",
                              appointed=None, as_of=AS_OF) == dt.date(2026, 12, 31)


@pytest.mark.parametrize("deadline, senior, weight", [
    (None, False, 1.0),
    (AS_OF - dt.timedelta(days=30), False, 3.0),   # overdue: the full bonus
    (AS_OF, False, 3.0),
    (AS_OF + dt.timedelta(days=365), False, 1.0),  # a year away: nothing yet
    (AS_OF + dt.timedelta(days=730), True, 3.0),
    (AS_OF + dt.timedelta(days=146), True, 4.2),   # 60 % of the way: +1.2
])
def test_gap_weighs_more_as_its_deadline_nears(deadline, senior, weight):
    assert alloc.gap_priority(senior=senior, deadline=deadline, as_of=AS_OF) == pytest.approx(weight)


def _appoint(world, key, day):
    Assignment.objects.filter(person=world.people[key]).update(valid_from=day)


def test_the_person_whose_deadline_is_nearest_gets_the_seat_and_the_page_says_why(world, llct_world, client_for):
    for key in ("a1", "a2", "a3", "b2", "d1"):
        _appoint(world, key, AS_OF)  # appointed today: a year to go
    _appoint(world, "b1", dt.date(2025, 7, 1))  # due 1 July 2026, in a month
    run = services.allocation_propose(actor=world.actor("admin"), as_of=AS_OF)
    rows = {r["person"]: r for r in run.result["rows"]}
    assert {p for p, r in rows.items() if r["class"]} == {"P-A3", "P-B1"}
    assert rows["P-B1"]["deadline"] == "2026-07-01" and rows["P-B1"]["priority"] > rows["P-A1"]["priority"]
    assert rows["P-A3"]["senior"] and rows["P-A1"]["reason"] == "classes_full"
    page = client_for("admin").get(f"/plans/allocation/{run.pk}/").content.decode()
    assert "Hạn 01/07/2026 (còn 30 ngày)" in page and "Diện BTV quản lý" in page


def test_a_shared_class_is_filled_within_the_seats_reserved_for_each_unit(world, llct_world, api_for):
    SeatAllocation.objects.create(training_class=llct_world, unit=world.ward_a, seats=1)
    SeatAllocation.objects.create(training_class=llct_world, unit=world.ward_b, seats=1)
    api = api_for("admin")
    run = api.post("/api/v1/allocations", {"as_of": "2026-06-01"}, content_type="application/json").json()
    placed = {r["person"]: r["seat_of"] for r in run["rows"] if r["class"]}
    assert sorted(placed.values()) == ["00004", "00008"] and "P-A3" in placed
    assert {r["person"]: r["reason"] for r in run["rows"]}["P-D1"] == "no_reserved_seat"
    # Two people of ward B in the class: ward B has one seat, so nothing is created.
    bad = api.post(f"/api/v1/allocations/{run['id']}/accept", {"pairs": [["P-B1", "LLCT-26"], ["P-B2", "LLCT-26"]]},
                   content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "allocation_capacity"
    assert not Enrolment.objects.filter(training_class=llct_world).exists()
    # The department has no seat in this class at all.
    bad = api.post(f"/api/v1/allocations/{run['id']}/accept", {"pairs": [["P-D1", "LLCT-26"]]},
                   content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "allocation_no_seat_for_unit"
    ok = api.post(f"/api/v1/allocations/{run['id']}/accept", {}, content_type="application/json")
    assert ok.status_code == 200
    assert Enrolment.objects.filter(training_class=llct_world, status="NOMINATED").count() == 2
    # A new proposal does not offer the same seats (or the same people) again.
    again = services.allocation_propose(actor=world.actor("admin"), as_of=AS_OF)
    assert not [r for r in again.result["rows"] if r["class"]]


@pytest.mark.parametrize("field, value, message", [
    ("budget", "nhiều", "Số tiền phải là số nguyên không âm"),
    ("unit_quota", "0", "Chỉ tiêu mỗi đơn vị phải là số nguyên dương"),
    ("away_percent", "150", "Tỷ lệ người vắng mặt cùng lúc"),
    ("allowed_months", "-3", "Thời hạn sau bổ nhiệm"),
])
def test_allocation_form_refuses_bad_numbers_and_creates_nothing(world, llct_world, client_for, field, value, message):
    page = client_for("admin").post("/plans/allocation/", {field: value}, follow=True).content.decode()
    assert message in page
    assert not AllocationRun.objects.exists()


def test_optimiser_fills_only_the_named_class_and_refuses_a_class_that_is_not_open(world, llct_world, api_for):
    other = open_class("LLCT-OTHER", world.city, capacity=5, start=dt.date(2026, 10, 5), end=dt.date(2026, 10, 16),
                       prog=llct_world.programme)
    api = api_for("admin")
    run = api.post("/api/v1/allocations", {"as_of": "2026-06-01", "classes": ["LLCT-26"]},
                   content_type="application/json").json()
    assert {r["class"] for r in run["rows"] if r["class"]} == {"LLCT-26"}
    assert other.code not in {r["class"] for r in run["rows"]}
    bad = api.post("/api/v1/allocations", {"as_of": "2026-06-01", "classes": ["KHONG-CO"]},
                   content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "allocation_class_not_open"
    assert AllocationRun.objects.count() == 1


def test_a_unit_merger_is_not_a_new_appointment(world, llct_world):
    from cadretrain.plans.selectors import allocation_input

    a1 = world.people["a1"]
    Assignment.objects.filter(person=a1).update(valid_from=dt.date(2018, 1, 1), valid_to=dt.date(2025, 6, 30))
    Assignment.objects.create(person=a1, unit=world.ward_a, position=world.position, valid_from=dt.date(2025, 7, 1))
    data = allocation_input(actor=world.actor("admin"), as_of=AS_OF)
    gaps = data.priorities[[p["code"] for p in data.people].index("P-A1")]
    assert {g["deadline"] for g in gaps} == {"2019-01-01"}  # appointed in 2018: long overdue


def test_allocate_cli_limits_to_classes_and_refuses_an_unknown_one(world, llct_world):
    import json
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = StringIO()
    call_command("allocate", "--as-of", "2026-06-01", "--classes", "LLCT-26", "--allowed-months", "6", "--json",
                 stdout=out)
    assert json.loads(out.getvalue())["placed"] == 2
    with pytest.raises(CommandError, match="allocation_class_not_open"):
        call_command("allocate", "--as-of", "2026-06-01", "--classes", "KHONG-CO")
    with pytest.raises(CommandError, match="allocation_invalid_months"):
        call_command("allocate", "--as-of", "2026-06-01", "--allowed-months", "0")
    assert AllocationRun.objects.count() == 1
