"""Training-abroad services: agreements, delegations whose funding adds up, participants in
scope, commitments from the decrees, reimbursement on leaving early — every write audited, every
refusal clear and writing nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cadretrain.abroad import services
from cadretrain.abroad.models import Agreement, Mission, Participant, Reimbursement
from cadretrain.core.models import AuditEvent
from cadretrain.domain.errors import Conflict, DomainError, NotAllowed, NotFound
from tests.abroad.conftest import D, make_mission
from tests.world import SYSTEM


def _code(call) -> str:
    with pytest.raises(DomainError) as exc:
        call()
    return exc.value.code


def test_agreement_is_recorded_and_audited_and_refuses_bad_dates_and_domestic_partners(world, partner, mou):
    assert mou.in_force_on(D(2026, 9, 19)) and not mou.in_force_on(D(2028, 5, 10))
    assert AuditEvent.objects.filter(model="abroad.agreement", object_pk=str(mou.pk), action="create").exists()
    assert _code(lambda: services.agreement_create(actor=SYSTEM, partner=partner, title="X", valid_from="2027-01-01",
                                                   valid_to="2026-01-01")) == "dates_out_of_order"
    assert _code(lambda: services.agreement_create(actor=SYSTEM, partner=world.institution, title="X",
                                                   valid_from="2026-01-01")) == "partner_not_abroad"
    assert _code(lambda: services.agreement_create(actor=SYSTEM, partner=partner, title=" ",
                                                   valid_from="2026-01-01")) == "agreement_title_required"
    with pytest.raises(NotAllowed):
        services.agreement_create(actor=world.actor("officer_a"), partner=partner, title="X", valid_from="2026-01-01")
    assert Agreement.objects.count() == 1
    assert _code(lambda: services.partner_create(actor=SYSTEM, name="Trường trong nước", country="VN")) == \
        "partner_not_abroad"


def test_mission_funding_must_add_up_and_an_empty_total_is_the_sum(world):
    before = AuditEvent.objects.count()
    code = _code(lambda: make_mission(world, budget_total=500_000_000))
    assert code == "mission_funding_mismatch"
    assert not Mission.objects.exists() and AuditEvent.objects.count() == before
    mission = make_mission(world, budget_unit=20_000_000, budget_learner=5_000_000)
    assert mission.budget_total == 425_000_000
    event = AuditEvent.objects.get(model="abroad.mission", object_pk=str(mission.pk))
    assert event.unit_path == world.ward_a.path and event.changes["new"]["budget_total"] == 425_000_000
    assert _code(lambda: services.mission_update(actor=SYSTEM, mission=mission, budget_state=1,
                                                 budget_total=425_000_000)) == "mission_funding_mismatch"
    # Changing a source without a total recomputes the total (as plan items do).
    updated = services.mission_update(actor=SYSTEM, mission=mission, budget_state=1)
    assert updated.budget_total == 125_000_001
    assert _code(lambda: make_mission(world, code="D-NEG", budget_state=-5)) == "invalid_amount"


@pytest.mark.parametrize(("fields", "code"), [
    ({"departure_date": "2026-09-26", "return_date": "2026-09-19"}, "return_before_departure"),
    ({"country": "VN"}, "mission_country_vn"),
    ({"country": "Trung Quốc"}, "invalid_country"),
    ({"departure_date": ""}, "departure_date_required"),
    ({"departure_date": "31/02/2026"}, "impossible_date"),
    ({"title": ""}, "mission_title_required"),
    ({"kind": "HOLIDAY"}, "unknown_mission_kind"),
])
def test_bad_mission_input_is_refused_and_nothing_is_written(world, fields, code):
    assert _code(lambda: make_mission(world, **fields)) == code
    assert not Mission.objects.exists()


def test_mission_for_an_abroad_class_takes_its_country_dates_and_partner(world, abroad_class, partner, mou):
    mission = services.mission_create(actor=SYSTEM, code="D-CL", title="", organizer_unit=world.city,
                                      training_class=abroad_class, agreement=mou)
    assert (mission.country, mission.departure_date, mission.return_date, mission.partner_id, mission.title) == (
        "CN", abroad_class.start_date, abroad_class.end_date, partner.pk, abroad_class.name)
    assert _code(lambda: services.mission_create(actor=SYSTEM, code="D-CL2", title="x", organizer_unit=world.city,
                                                 training_class=abroad_class, country="JP")) == "mission_class_country"


def test_mission_refuses_a_domestic_class_and_an_agreement_out_of_force_or_of_another_partner(world, partner, mou):
    from tests.training.helpers import open_class

    domestic = open_class("K-VN", world.city, status="PLANNED")
    assert _code(lambda: services.mission_create(actor=SYSTEM, code="D-1", title="x", organizer_unit=world.city,
                                                 training_class=domestic)) == "mission_class_not_abroad"
    assert _code(lambda: make_mission(world, agreement=mou, departure_date="2028-06-01",
                                      return_date="2028-06-10")) == "agreement_not_in_force"
    other = services.partner_create(actor=SYSTEM, name="Beijing Municipal Party School", country="CN")
    assert _code(lambda: make_mission(world, agreement=mou, partner=other)) == "agreement_other_partner"
    assert not Mission.objects.exists()


def test_unit_officer_sends_delegations_only_from_their_subtree(world):
    assert _code(lambda: make_mission(world, unit=world.ward_b, actor=world.actor("officer_a"))) == \
        "mission_unit_out_of_scope"
    mission = make_mission(world, unit=world.office_a, actor=world.actor("officer_a"))
    with pytest.raises(NotFound):
        services.mission_update(actor=world.actor("officer_b"), mission=mission, title="x")
    with pytest.raises(NotAllowed):
        make_mission(world, code="D-V", actor=world.actor("viewer_a"))


def test_participant_outside_scope_is_refused_like_an_unknown_code(world, mission_a):
    officer = world.actor("officer_a")
    assert _code(lambda: services.participant_add(actor=officer, mission=mission_a, person_code="P-B1")) == \
        "participant_out_of_scope"
    assert _code(lambda: services.participant_add(actor=officer, mission=mission_a, person_code="NO-SUCH")) == \
        "participant_out_of_scope"
    assert _code(lambda: services.participant_add(actor=officer, mission=mission_a, person_code="P-A1")) == \
        "participant_already_in_mission"
    assert Participant.objects.filter(mission=mission_a).count() == 1


def test_a_person_cannot_be_on_two_overlapping_delegations(world, mission_a):
    other = make_mission(world, code="D-A2", departure_date="2026-09-25", return_date="2026-10-02")
    with pytest.raises(Conflict) as exc:
        services.participant_add(actor=SYSTEM, mission=other, person_code="P-A1")
    assert exc.value.code == "participant_overlap" and exc.value.params["other"] == "D-A1"
    services.mission_transition(actor=SYSTEM, mission=mission_a, target="CANCELLED")
    services.participant_add(actor=SYSTEM, mission=other, person_code="P-A1")  # a cancelled trip frees them


def test_mission_life_cycle_is_enforced_and_audited(world, mission_a):
    services.mission_transition(actor=SYSTEM, mission=mission_a, target="APPROVED")
    with pytest.raises(Conflict) as exc:
        services.mission_transition(actor=SYSTEM, mission=mission_a, target="APPROVED")
    assert exc.value.code == "mission_transition_not_allowed"
    services.mission_transition(actor=SYSTEM, mission=mission_a, target="COMPLETED")
    assert AuditEvent.objects.filter(model="abroad.mission", action="transition").count() == 2
    with pytest.raises(Conflict):
        services.participant_add(actor=SYSTEM, mission=mission_a, person_code="P-A3")


def _degree_mission(world, departure="2025-09-01", ret="2027-08-31", code="D-DEG"):
    mission = make_mission(world, code=code, kind="DEGREE", title="Thạc sĩ quản lý công", departure_date=departure,
                           return_date=ret, budget_state=900_000_000, budget_partner=0)
    return mission, services.participant_add(actor=SYSTEM, mission=mission, person_code="P-A1",
                                             cost_vnd=600_000_000)


def test_degree_commitment_is_three_times_the_training_for_civil_servants_from_2025(world):
    mission, p = _degree_mission(world)
    p = services.participant_update(actor=world.actor("officer_a"), participant=p, outcome="COMPLETED",
                                    returned_on="2027-09-01")
    assert (p.training_months, p.commitment_months, p.commitment_basis) == (24, 72, "NĐ 171/2025/NĐ-CP")
    assert p.commitment_ends_on == D(2033, 9, 1)
    event = AuditEvent.objects.filter(model="abroad.participant", action="update").latest("id")
    assert event.changes["commitment_months"] == [None, 72] and event.unit_path == world.ward_a.path
    assert _code(lambda: services.participant_update(actor=SYSTEM, participant=p, commitment_months=60)) == \
        "commitment_below_minimum"


def test_degree_commitment_before_july_2025_is_twice_the_training(world):
    mission, p = _degree_mission(world, departure="2023-09-01", ret="2025-08-31")
    p = services.participant_update(actor=SYSTEM, participant=p, outcome="COMPLETED", returned_on="2025-09-01")
    assert (p.commitment_months, p.commitment_basis) == (48, "NĐ 101/2017/NĐ-CP")


def test_short_course_commitment_is_entered(world, mission_a):
    p = Participant.objects.get(mission=mission_a)
    p = services.participant_update(actor=SYSTEM, participant=p, outcome="COMPLETED", returned_on="2026-09-26",
                                    commitment_months=12)
    assert (p.commitment_months, p.commitment_basis, p.commitment_ends_on) == (12, "", D(2027, 9, 26))
    assert _code(lambda: services.participant_update(actor=SYSTEM, participant=p, returned_on="2026-09-01")) == \
        "returned_before_departure"
    assert _code(lambda: services.participant_update(actor=SYSTEM, participant=p, returned_on="")) == \
        "outcome_requires_return"


def test_leaving_early_owes_the_unserved_share_recorded_and_audited(world, monkeypatch):
    mission, p = _degree_mission(world, departure="2023-09-01", ret="2025-08-31")
    p = services.participant_update(actor=SYSTEM, participant=p, outcome="COMPLETED", returned_on="2025-09-01")
    monkeypatch.setattr(timezone, "localdate", lambda: D(2026, 11, 29))
    r = services.reimbursement_assess(actor=world.actor("officer_a"), participant=p, left_on="2026-09-15",
                                      reason="QUIT", decision_ref="15/QĐ-UBND")
    # T1 = 48, T2 = 12 whole months (1 Sep 2025 → 15 Sep 2026): 600e6 × 36/48.
    assert (r.case, r.commitment_months, r.served_months, r.amount_vnd, r.status) == (
        "PRO_RATA", 48, 12, 450_000_000, "OWED")
    p.refresh_from_db()
    assert (p.left_on, p.left_reason) == (D(2026, 9, 15), "QUIT")
    event = AuditEvent.objects.get(model="abroad.reimbursement", action="assess")
    assert event.unit_path == world.ward_a.path and event.changes["left_reason"] == "QUIT"
    with pytest.raises(Conflict):
        services.reimbursement_assess(actor=SYSTEM, participant=p, left_on="2026-09-15", reason="QUIT")


def test_reimbursement_is_refused_for_someone_still_serving_or_whose_commitment_ended(world, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda: D(2026, 11, 29))
    mission, p = _degree_mission(world, departure="2023-09-01", ret="2023-12-31", code="D-SHORTDEG")
    p = services.participant_update(actor=SYSTEM, participant=p, outcome="COMPLETED", returned_on="2024-01-02")
    assert p.commitment_months == 8  # 4 started months × 2
    assert _code(lambda: services.reimbursement_assess(actor=SYSTEM, participant=p, left_on="",
                                                       reason="QUIT")) == "participant_not_left"
    assert _code(lambda: services.reimbursement_assess(actor=SYSTEM, participant=p, left_on="2027-01-01",
                                                       reason="QUIT")) == "left_on_in_future"
    assert _code(lambda: services.reimbursement_assess(actor=SYSTEM, participant=p, left_on="2026-01-01",
                                                       reason="QUIT")) == "commitment_fulfilled"
    assert _code(lambda: services.reimbursement_assess(actor=SYSTEM, participant=p, left_on="2024-03-01",
                                                       reason="RETIRED")) == "unknown_leave_reason"
    assert not Reimbursement.objects.exists()
    p.refresh_from_db()
    assert p.left_on is None


def test_quitting_during_training_owes_the_whole_cost(world, mission_a, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda: D(2026, 11, 29))
    p = Participant.objects.get(mission=mission_a)
    p = services.participant_update(actor=SYSTEM, participant=p, outcome="QUIT_DURING")
    r = services.reimbursement_assess(actor=SYSTEM, participant=p, left_on="2026-09-22", reason="QUIT")
    assert (r.case, r.amount_vnd) == ("FULL", 80_000_000)


def test_settling_paid_or_waived_with_reason_and_only_once(world, mission_a, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda: D(2026, 11, 29))
    p = services.participant_update(actor=SYSTEM, participant=Participant.objects.get(mission=mission_a),
                                    outcome="NO_DIPLOMA", returned_on="2026-09-26")
    r = services.reimbursement_assess(actor=SYSTEM, participant=p, left_on="2026-10-01", reason="TRANSFER_OUT")
    officer = world.actor("officer_a")
    assert _code(lambda: services.reimbursement_settle(actor=officer, reimbursement=r, status="WAIVED")) == \
        "waiver_reason_required"
    assert _code(lambda: services.reimbursement_settle(actor=officer, reimbursement=r, status="OWED")) == \
        "unknown_reimbursement_status"
    with pytest.raises(NotFound):
        services.reimbursement_settle(actor=world.actor("officer_b"), reimbursement=r, status="PAID")
    r = services.reimbursement_settle(actor=officer, reimbursement=r, status="WAIVED",
                                      note="Chuyển công tác theo điều động của Thành ủy")
    assert (r.status, r.settled_on) == ("WAIVED", D(2026, 11, 29))
    with pytest.raises(Conflict) as exc:
        services.reimbursement_settle(actor=officer, reimbursement=r, status="PAID")
    assert exc.value.code == "reimbursement_not_owed"
    assert AuditEvent.objects.filter(model="abroad.reimbursement", action="settle").count() == 1
    # Once decided, the participant's record is frozen.
    with pytest.raises(Conflict):
        services.participant_update(actor=SYSTEM, participant=p, cost_vnd=1)


def test_officer_of_another_ward_cannot_touch_a_participant(world, city_mission):
    p_b1 = Participant.objects.get(mission=city_mission, person__code="P-B1")
    with pytest.raises(NotFound):
        services.participant_update(actor=world.actor("officer_a"), participant=p_b1, cost_vnd=1)
    with pytest.raises(NotFound):
        services.reimbursement_assess(actor=world.actor("officer_a"), participant=p_b1, left_on="2026-10-20",
                                      reason="QUIT")
    with pytest.raises(NotAllowed):
        services.participant_update(actor=world.actor("viewer_a"),
                                    participant=Participant.objects.get(mission=city_mission, person__code="P-A2"),
                                    cost_vnd=1)


def test_database_refuses_funding_that_does_not_add_up(world):
    from django.db import IntegrityError, transaction

    mission = make_mission(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        Mission.objects.filter(pk=mission.pk).update(budget_total=1)
    assert dt  # keep the import used for readability of dates above


def test_removing_a_participant_is_audited_and_refused_once_they_have_a_result(world, mission_a, city_mission):
    p = Participant.objects.get(mission=mission_a)
    services.participant_update(actor=SYSTEM, participant=p, outcome="COMPLETED", returned_on="2026-09-26")
    with pytest.raises(Conflict):
        services.participant_remove(actor=world.actor("officer_a"), participant=p)
    a2 = Participant.objects.get(mission=city_mission, person__code="P-A2")
    with pytest.raises(NotAllowed):  # ward A sees a2 but does not run the city's delegation
        services.participant_remove(actor=world.actor("officer_a"), participant=a2)
    services.participant_remove(actor=SYSTEM, participant=a2)
    assert not Participant.objects.filter(pk=a2.pk).exists()
    event = AuditEvent.objects.get(action="participant_remove")
    assert event.object_pk == str(city_mission.pk) and event.changes["participant"]["person_id"] == a2.person_id


def test_demo_extras_write_delegations_whose_money_adds_up(world, abroad_class, mou):
    from cadretrain.abroad import demo_extras
    from cadretrain.training import services as training

    training.class_transition(actor=SYSTEM, training_class=abroad_class, target="OPEN")
    for code in ("a1", "b1"):
        training.enrolment_create(actor=SYSTEM, training_class=abroad_class, person=world.people[code])
    counts = demo_extras.generate(seed=1, size="XS", today=D(2027, 6, 1))
    assert counts["missions"] == 1 and counts["participants"] == 2 and counts["agreements"] == 1
    mission = Mission.objects.get()
    assert mission.budget_total == sum(getattr(mission, k) for k in services.FUNDING_SOURCES)
    assert mission.status == "COMPLETED" and mission.agreement_id is not None
    assert all(p.commitment_ends_on for p in Participant.objects.all())
    assert demo_extras.generate(seed=1, size="XS") == {"missions": 0}  # idempotent


def test_a_commitment_above_the_minimum_survives_later_edits(world):
    mission, p = _degree_mission(world)
    p = services.participant_update(actor=SYSTEM, participant=p, outcome="COMPLETED", returned_on="2027-09-01",
                                    commitment_months=80)
    p = services.participant_update(actor=SYSTEM, participant=p, cost_vnd=550_000_000)
    assert (p.commitment_months, p.commitment_basis, p.cost_vnd) == (80, "NĐ 171/2025/NĐ-CP", 550_000_000)
    p = services.participant_update(actor=SYSTEM, participant=p, training_months=30)  # minimum is now 90
    assert p.commitment_months == 90
