"""Demo data for training abroad: an agreement with each partner abroad, one delegation per
abroad class of the demo (its organiser sends the class's participants, funding split by
source), results and service commitments for those back home, and a few people who left early
with the reimbursement computed by the domain formula (some paid, some waived).

Called after the demo's classes and enrolments exist (hook name `generate`, like
training.demo_extras). Bulk writes; deterministic for a given seed and size."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from cadretrain.abroad.models import (
    Agreement,
    Mission,
    MissionKind,
    MissionStatus,
    Outcome,
    Participant,
    Reimbursement,
    ReimbursementStatus,
)
from cadretrain.catalogue.models import Institution
from cadretrain.core.choices import ClassStatus, EnrolmentStatus
from cadretrain.domain import reimbursement as rules
from cadretrain.domain.text import fold
from cadretrain.training.models import Enrolment, TrainingClass


def _per_head(tc: TrainingClass, people: int) -> int:
    """The class cost is for the whole class; each participant's share (tuition, travel, stay)."""
    return (tc.cost_vnd or 80_000_000 * people) // max(people, 1)


@transaction.atomic
def generate(*, seed: int = 1, size: str = "S", today: dt.date | None = None) -> dict[str, int]:
    """Add agreements, delegations, participants, commitments and reimbursements."""
    rng = random.Random(f"abroad-extras:{seed}:{size}")
    day = today or timezone.localdate()
    if Mission.objects.exists():
        return {"missions": 0}
    partners = list(Institution.objects.exclude(country="VN").order_by("pk"))
    agreements: dict[int, Agreement] = {}
    for inst in partners:
        start = dt.date(rng.randint(2018, 2023), rng.randint(1, 12), 1)
        agreements[inst.pk] = Agreement(
            partner=inst, kind="MOU", title=f"Biên bản ghi nhớ hợp tác đào tạo cán bộ với {inst.name}",
            reference=f"{rng.randint(1, 99):02d}/MOU-HN", signed_on=start, valid_from=start,
            valid_to=rules.add_months(start, 60) if rng.random() < 0.7 else None,
            document="Lưu trữ Sở Nội vụ Hà Nội")
    Agreement.objects.bulk_create(agreements.values())

    classes = list(TrainingClass.objects.exclude(country="VN").exclude(status=ClassStatus.CANCELLED)
                   .select_related("programme").order_by("start_date", "pk"))
    seats = defaultdict(list)
    for class_id, person_id, category in (
            Enrolment.objects.filter(training_class__in=classes,
                                     status__in=(EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED))
            .order_by("pk").values_list("training_class_id", "person_id", "person__category")):
        seats[class_id].append((person_id, category))
    missions: list[Mission] = []
    for tc in classes:
        people = seats.get(tc.pk, [])
        if not people:
            continue
        per_head = _per_head(tc, len(people))
        total = per_head * len(people)
        partner_share = total * rng.choice((0, 0, 10, 20, 30)) // 100
        unit_share = total * rng.choice((0, 5, 10)) // 100
        agreement = agreements.get(tc.partner_id or 0)
        if agreement is not None and not agreement.in_force_on(tc.start_date):
            agreement = None
        status = (MissionStatus.COMPLETED if tc.end_date < day else
                  MissionStatus.APPROVED if tc.status != ClassStatus.PLANNED else MissionStatus.PLANNED)
        code = f"DOAN-{tc.code}"[:40]
        missions.append(Mission(
            code=code, title=tc.name, search_key=fold(f"{code} {tc.name}"), kind=MissionKind.SHORT_TERM,
            organizer_unit_id=tc.organizer_unit_id, training_class=tc, partner_id=tc.partner_id,
            agreement=agreement, country=tc.country, departure_date=tc.start_date, return_date=tc.end_date,
            decision_ref=f"{rng.randint(100, 9999)}/QĐ-UBND", status=status,
            budget_state=total - partner_share - unit_share, budget_partner=partner_share, budget_unit=unit_share,
            budget_learner=0, budget_total=total))
    Mission.objects.bulk_create(missions)

    participants: list[Participant] = []
    for mission in missions:
        tc = mission.training_class
        assert tc is not None
        per_head = _per_head(tc, len(seats[tc.pk]))
        for i, (person_id, _category) in enumerate(seats[tc.pk]):
            p = Participant(mission=mission, person_id=person_id, is_head=i == 0, cost_vnd=per_head)
            if mission.status == MissionStatus.COMPLETED:
                p.outcome = Outcome.COMPLETED
                p.returned_on = mission.return_date
                p.training_months = rules.training_months(mission.departure_date, mission.return_date)
                p.commitment_months = rng.choice((12, 12, 24, 36))
                p.commitment_ends_on = rules.add_months(p.returned_on, p.commitment_months)
            participants.append(p)
    Participant.objects.bulk_create(participants, batch_size=2000)

    reimbursements: list[Reimbursement] = []
    leavers: list[Participant] = []
    for p in participants:
        if p.outcome != Outcome.COMPLETED or rng.random() >= 0.04:
            continue
        assert p.returned_on is not None and p.commitment_ends_on is not None
        left = p.returned_on + dt.timedelta(days=rng.randint(30, max(31, (p.commitment_ends_on - p.returned_on).days)))
        if left >= p.commitment_ends_on or left > day:
            continue
        due = rules.reimbursement_due(outcome=p.outcome, cost=p.cost_vnd, returned_on=p.returned_on, left_on=left,
                                      committed_months=p.commitment_months)
        p.left_on, p.left_reason = left, rng.choice(("QUIT", "QUIT", "TRANSFER_OUT"))
        leavers.append(p)
        status = rng.choice((ReimbursementStatus.OWED, ReimbursementStatus.OWED, ReimbursementStatus.PAID,
                             ReimbursementStatus.WAIVED))
        settled = min(day, left + dt.timedelta(days=60)) if status != ReimbursementStatus.OWED else None
        reimbursements.append(Reimbursement(
            participant=p, case=due.case, cost_vnd=p.cost_vnd or 0, commitment_months=p.commitment_months or 0,
            served_months=due.served_months, amount_vnd=due.amount, decided_on=min(day, left + dt.timedelta(days=20)),
            decision_ref=f"{rng.randint(10, 999)}/QĐ-BH", status=status, settled_on=settled,
            settle_note="Chuyển công tác theo điều động" if status == ReimbursementStatus.WAIVED else ""))
    Participant.objects.bulk_update(leavers, ["left_on", "left_reason"], batch_size=2000)
    Reimbursement.objects.bulk_create(reimbursements, batch_size=2000)
    return {"agreements": len(agreements), "missions": len(missions), "participants": len(participants),
            "reimbursements": len(reimbursements)}
