"""Simultaneous requests on one delegation: real threads with their own connections. A person
lands on only one of two overlapping delegations; a reimbursement is decided once; a settlement
happens once."""

from __future__ import annotations

import pytest
from django.utils import timezone

from cadretrain.abroad import services
from cadretrain.abroad.models import Participant, Reimbursement
from tests.abroad.conftest import D, make_mission
from tests.training.test_concurrency import race
from tests.world import SYSTEM

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


def test_one_person_cannot_join_two_overlapping_delegations_at_once(world):
    missions = [make_mission(world, code=f"D-R{i}") for i in range(2)]
    outcomes = race(2, lambda i: services.participant_add(actor=SYSTEM, mission=missions[i],
                                                          person_code="P-A1") and "ok")
    assert outcomes == {"ok": 1, "participant_overlap": 1}
    assert Participant.objects.filter(person__code="P-A1").count() == 1


def test_a_reimbursement_is_decided_and_settled_once(world, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda: D(2026, 11, 29))
    mission = make_mission(world)
    p = services.participant_add(actor=SYSTEM, mission=mission, person_code="P-A1", cost_vnd=12_000_000)
    p = services.participant_update(actor=SYSTEM, participant=p, outcome="COMPLETED", returned_on="2026-09-26",
                                    commitment_months=12)
    outcomes = race(3, lambda i: services.reimbursement_assess(actor=SYSTEM, participant=p, left_on="2026-11-27",
                                                               reason="QUIT") and "ok")
    assert outcomes == {"ok": 1, "reimbursement_exists": 2}
    r = Reimbursement.objects.get()
    assert r.amount_vnd == 10_000_000  # 2 whole months of 12 served
    outcomes = race(3, lambda i: services.reimbursement_settle(actor=SYSTEM, reimbursement=r,
                                                               status="PAID") and "ok")
    assert outcomes == {"ok": 1, "reimbursement_not_owed": 2}
