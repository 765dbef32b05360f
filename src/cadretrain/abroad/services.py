"""Writes to training abroad: partners and agreements (city), delegations and their funding
(the sending unit's officers or the city), participants' return, outcome and service commitment,
and reimbursement when someone leaves before the commitment ends (the officers over the person).

Each service runs in one transaction, checks the actor, calls the pure rules of
`cadretrain.domain.reimbursement`, writes and audits. Bad input raises a `DomainError` before
anything is written."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from cadretrain.abroad.models import (
    Agreement,
    AgreementKind,
    LeaveReason,
    Mission,
    MissionKind,
    MissionStatus,
    Outcome,
    Participant,
    Reimbursement,
    ReimbursementStatus,
)
from cadretrain.catalogue.models import Institution
from cadretrain.catalogue.services import institution_create
from cadretrain.core.audit import audit_record, diff, snapshot
from cadretrain.core.choices import EnrolmentStatus
from cadretrain.domain import reimbursement as rules
from cadretrain.domain import validation as v
from cadretrain.domain.access import Action, Actor, Role
from cadretrain.domain.errors import Conflict, DomainError, NotAllowed, NotFound
from cadretrain.domain.text import clean_text, fold
from cadretrain.org.models import OrgUnit
from cadretrain.people.models import Person
from cadretrain.training.models import Enrolment, TrainingClass

FUNDING_SOURCES = ("budget_state", "budget_partner", "budget_unit", "budget_learner")

# planned → approved (sending decision) → completed (back home); anything not completed may be
# cancelled; an approval may be taken back to planned.
MISSION_TRANSITIONS: dict[str, frozenset[str]] = {
    MissionStatus.PLANNED: frozenset({MissionStatus.APPROVED, MissionStatus.CANCELLED}),
    MissionStatus.APPROVED: frozenset({MissionStatus.PLANNED, MissionStatus.COMPLETED, MissionStatus.CANCELLED}),
    MissionStatus.COMPLETED: frozenset(),
    MissionStatus.CANCELLED: frozenset(),
}


# --- helpers ------------------------------------------------------------------------------------
def _amount(value: Any, code: str = "invalid_amount") -> int | None:
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip().replace(".", "").replace(",", "").replace(" ", "")
    try:
        number = int(text)
    except ValueError:
        raise v.FieldError(code, value=str(value)) from None
    if number < 0:
        raise v.FieldError(code, value=str(value))
    return number


def _months(value: Any) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise v.FieldError("invalid_commitment_months", value=str(value)) from None
    if number < 0 or number > 600:
        raise v.FieldError("invalid_commitment_months", value=str(value))
    return number


def _country(value: Any) -> str:
    country = clean_text(value or "").upper()
    if len(country) != 2 or not country.isalpha():
        raise v.FieldError("invalid_country", value=country)
    return country


def _ensure_city(actor: Actor) -> None:
    if not actor.can(Action.MANAGE_CATALOGUE):
        raise NotAllowed()


def can_manage_mission(actor: Actor, mission: Mission) -> bool:
    """The sending unit's officers (its subtree) and the city manage a delegation."""
    if not actor.can(Action.MANAGE_CLASSES) or actor.role not in (Role.CITY_ADMIN, Role.UNIT_OFFICER):
        return False
    return actor.covers_unit_path(mission.organizer_unit.path)


def _ensure_mission(actor: Actor, mission: Mission) -> Mission:
    row = Mission.objects.visible_to(actor).select_related("organizer_unit").filter(pk=mission.pk).first()
    if row is None:
        raise NotFound("mission_not_found")
    if not can_manage_mission(actor, row):
        raise NotAllowed()
    return row


def _ensure_participant(actor: Actor, participant: Participant, action: Action) -> Participant:
    row = (Participant.objects.visible_to(actor)
           .select_related("mission__organizer_unit", "mission__training_class", "person__unit")
           .filter(pk=participant.pk).first())
    if row is None:
        raise NotFound("participant_not_found")
    if not actor.can(action) or actor.role not in (Role.CITY_ADMIN, Role.UNIT_OFFICER):
        raise NotAllowed()
    return row


# --- partners and agreements -------------------------------------------------------------------
def partner_create(*, actor: Actor, name: str, country: str, short_code: str = "") -> Institution:
    """Register a partner institution abroad (a catalogue institution outside Viet Nam)."""
    _ensure_city(actor)
    if _country(country) == "VN":
        raise DomainError("partner_not_abroad", name=clean_text(name))
    return institution_create(actor=actor, name=name, country=country, is_partner=True, short_code=short_code)


def _check_partner(partner: Institution | None) -> None:
    if partner is not None and partner.country == "VN":
        raise DomainError("partner_not_abroad", name=partner.name)


def clean_agreement_fields(data: Mapping[str, Any], current: Agreement | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "kind" in data:
        out["kind"] = v.check_choice(data["kind"] or AgreementKind.MOU, set(AgreementKind.values),
                                     "unknown_agreement_kind")
    if "title" in data:
        out["title"] = clean_text(data["title"] or "")
        if not out["title"]:
            raise v.FieldError("agreement_title_required")
    for key in ("reference", "document", "note"):
        if key in data:
            out[key] = clean_text(data[key] or "")
    for key in ("signed_on", "valid_from", "valid_to"):
        if key in data:
            out[key] = v.parse_date(data[key])
    if "valid_from" in out and out["valid_from"] is None:
        raise v.FieldError("agreement_valid_from_required")
    start = out.get("valid_from", current.valid_from if current else None)
    end = out.get("valid_to", current.valid_to if current else None)
    v.check_date_order(start, end)
    return out


@transaction.atomic
def agreement_create(*, actor: Actor, partner: Institution, title: str, valid_from: Any,
                     **fields: Any) -> Agreement:
    """Record an MOU, cooperation agreement or training contract with a partner abroad."""
    _ensure_city(actor)
    _check_partner(partner)
    data = clean_agreement_fields({"title": title, "valid_from": valid_from, **fields})
    agreement = Agreement.objects.create(partner=partner, **data)
    audit_record(actor=actor, obj=agreement, action="create", changes={"new": snapshot(agreement)})
    return agreement


@transaction.atomic
def agreement_update(*, actor: Actor, agreement: Agreement, **fields: Any) -> Agreement:
    """Change an agreement (e.g. extend its validity); the audit keeps the old values."""
    _ensure_city(actor)
    data = clean_agreement_fields(fields, current=agreement)
    before = snapshot(agreement, data.keys())
    for key, value in data.items():
        setattr(agreement, key, value)
    agreement.save()
    audit_record(actor=actor, obj=agreement, action="update", changes=diff(before, snapshot(agreement, data.keys())))
    return agreement


# --- missions ----------------------------------------------------------------------------------
def clean_funding(data: Mapping[str, Any], current: Mission | None = None) -> dict[str, int]:
    """The four funding sources and their total; the sources must add up to the total (an empty
    total is their sum)."""
    if not any(k in data for k in (*FUNDING_SOURCES, "budget_total")):
        return {}
    lines = {}
    for key in FUNDING_SOURCES:
        value = _amount(data[key]) if key in data else (getattr(current, key) if current else 0)
        lines[key] = value or 0
    total = _amount(data.get("budget_total")) if "budget_total" in data else None
    added = sum(lines.values())
    if total is None:
        total = added
    if total != added:
        raise DomainError("mission_funding_mismatch", lines=f"{added:,}".replace(",", "."),
                          total=f"{total:,}".replace(",", "."))
    return {**lines, "budget_total": total}


def clean_mission_fields(actor: Actor, data: Mapping[str, Any], current: Mission | None = None) -> dict[str, Any]:
    """Validate a delegation's attributes (shared by the web form and the API)."""
    out: dict[str, Any] = {}
    if "title" in data:
        out["title"] = clean_text(data["title"] or "")
    if "kind" in data:
        out["kind"] = v.check_choice(data["kind"] or MissionKind.SHORT_TERM, set(MissionKind.values),
                                     "unknown_mission_kind")
    for key in ("decision_ref", "note"):
        if key in data:
            out[key] = clean_text(data[key] or "")
    tc: TrainingClass | None = data.get("training_class", current.training_class if current else None)
    if "training_class" in data and tc is not None:
        if not TrainingClass.objects.visible_to(actor).filter(pk=tc.pk).exists():
            raise NotFound("trainingclass_not_found")
        if not tc.is_abroad:
            raise DomainError("mission_class_not_abroad", code=tc.code)
        out["training_class"] = tc
    elif "training_class" in data:
        out["training_class"] = None
    for key, code in (("departure_date", "departure_date_required"), ("return_date", "return_date_required")):
        if key in data:
            day = v.parse_date(data[key])
            if day is None and tc is not None:
                day = tc.start_date if key == "departure_date" else tc.end_date
            if day is None:
                raise v.FieldError(code)
            out[key] = day
    if "country" in data:
        raw = data["country"] or (tc.country if tc is not None else "")
        if not clean_text(raw or ""):
            raise DomainError("mission_country_vn")
        out["country"] = _country(raw)
    country = out.get("country", current.country if current else None)
    if country == "VN":
        raise DomainError("mission_country_vn")
    if tc is not None and country and country != tc.country:
        raise DomainError("mission_class_country", country=country, code=tc.code, class_country=tc.country)
    departed = out.get("departure_date", current.departure_date if current else None)
    returned = out.get("return_date", current.return_date if current else None)
    if departed and returned and returned < departed:
        raise DomainError("return_before_departure", returned=returned.isoformat(), departed=departed.isoformat())
    agreement: Agreement | None = data.get("agreement", current.agreement if current else None)
    partner: Institution | None = data.get("partner", current.partner if current else None)
    if partner is None and agreement is not None:
        partner = agreement.partner
    if partner is None and tc is not None and tc.partner_id:
        partner = tc.partner
    if "partner" in data or "agreement" in data or "training_class" in data:
        _check_partner(partner)
        out["partner"] = partner
    if agreement is not None:
        if partner is None or agreement.partner_id != partner.pk:
            raise DomainError("agreement_other_partner", agreement=str(agreement))
        if departed and not agreement.in_force_on(departed):
            raise DomainError("agreement_not_in_force", agreement=str(agreement), day=departed.isoformat())
    if "agreement" in data:
        out["agreement"] = agreement
    out.update(clean_funding(data, current))
    return out


def _check_sender(actor: Actor, unit: OrgUnit) -> None:
    if not actor.can(Action.MANAGE_CLASSES) or actor.role not in (Role.CITY_ADMIN, Role.UNIT_OFFICER):
        raise NotAllowed()
    if not actor.covers_unit_path(unit.path):
        raise DomainError("mission_unit_out_of_scope")


@transaction.atomic
def mission_create(*, actor: Actor, code: str, title: str, organizer_unit: OrgUnit, departure_date: Any = None,
                   return_date: Any = None, country: str = "", **fields: Any) -> Mission:
    """Plan a delegation abroad, sent by a unit, for an abroad class or standing alone."""
    _check_sender(actor, organizer_unit)
    code = clean_text(code)
    if not code:
        raise v.FieldError("mission_code_required")
    fields.setdefault("training_class", None)
    data = clean_mission_fields(actor, {"title": title, "departure_date": departure_date,
                                        "return_date": return_date, "country": country, **fields})
    if not data.get("title"):
        tc = data.get("training_class")
        if tc is None:
            raise v.FieldError("mission_title_required")
        data["title"] = tc.name
    if "budget_total" not in data:
        data.update(clean_funding({"budget_total": ""}))
    if Mission.objects.filter(code=code).exists():
        raise Conflict("mission_code_taken", code=code)
    try:
        with transaction.atomic():
            mission = Mission.objects.create(code=code, organizer_unit=organizer_unit,
                                             search_key=fold(f"{code} {data['title']}"), **data)
    except IntegrityError:
        raise Conflict("mission_code_taken", code=code) from None
    audit_record(actor=actor, obj=mission, action="create", changes={"new": snapshot(mission)},
                 unit_path=organizer_unit.path)
    return mission


@transaction.atomic
def mission_update(*, actor: Actor, mission: Mission, **fields: Any) -> Mission:
    """Change a delegation's dates, partner, agreement, decision or funding (sources add up)."""
    mission = _ensure_mission(actor, mission)
    if mission.status == MissionStatus.CANCELLED:
        raise Conflict("mission_closed")
    data = clean_mission_fields(actor, fields, current=mission)
    before = snapshot(mission, data.keys())
    for key, value in data.items():
        setattr(mission, key, value)
    mission.search_key = fold(f"{mission.code} {mission.title}")
    mission.save()
    audit_record(actor=actor, obj=mission, action="update", changes=diff(before, snapshot(mission, data.keys())),
                 unit_path=mission.organizer_unit.path)
    return mission


@transaction.atomic
def mission_transition(*, actor: Actor, mission: Mission, target: str) -> Mission:
    """Move a delegation along: planned → approved (sending decision) → completed, or cancelled."""
    mission = _ensure_mission(actor, mission)
    current = mission.status
    if target not in MISSION_TRANSITIONS:
        raise DomainError("mission_transition_not_allowed", current=current, target=target)
    if target not in MISSION_TRANSITIONS[current]:
        raise Conflict("mission_transition_not_allowed", current=current, target=target)
    if Mission.objects.filter(pk=mission.pk, status=current).update(status=target) != 1:
        raise Conflict("mission_changed_concurrently")
    mission.status = target
    audit_record(actor=actor, obj=mission, action="transition", changes={"status": [current, target]},
                 unit_path=mission.organizer_unit.path)
    return mission


# --- participants ------------------------------------------------------------------------------
@transaction.atomic
def participant_add(*, actor: Actor, mission: Mission, person_code: str, is_head: bool = False,
                    cost_vnd: Any = None) -> Participant:
    """Add a person in the actor's scope to a delegation (not twice, not on two at once)."""
    mission = _ensure_mission(actor, mission)
    if mission.status in (MissionStatus.CANCELLED, MissionStatus.COMPLETED):
        raise Conflict("mission_closed")
    code = clean_text(person_code)
    person = Person.objects.visible_to(actor).select_related("unit").filter(code=code).first()
    if person is None:
        raise DomainError("participant_out_of_scope", code=code)
    # Serialise this person's participations so two overlapping delegations cannot both pass.
    list(Person.objects.select_for_update().filter(pk=person.pk).values_list("pk", flat=True))
    if Participant.objects.filter(mission=mission, person=person).exists():
        raise Conflict("participant_already_in_mission", code=code)
    other = (Participant.objects.filter(person=person, mission__departure_date__lte=mission.return_date,
                                        mission__return_date__gte=mission.departure_date)
             .exclude(mission__status=MissionStatus.CANCELLED).exclude(mission=mission)
             .values_list("mission__code", flat=True).first())
    if other:
        raise Conflict("participant_overlap", code=code, other=other)
    try:
        with transaction.atomic():
            participant = Participant.objects.create(mission=mission, person=person, is_head=bool(is_head),
                                                     cost_vnd=_amount(cost_vnd))
    except IntegrityError:
        raise Conflict("participant_already_in_mission", code=code) from None
    audit_record(actor=actor, obj=participant, action="create", changes={"new": snapshot(participant)},
                 unit_path=person.unit.path)
    return participant


@transaction.atomic
def participants_from_class(*, actor: Actor, mission: Mission) -> list[Participant]:
    """Add the people of the linked abroad class (nominated, enrolled or completed) whom the actor
    may see and who are not on the delegation yet; all or nothing."""
    mission = _ensure_mission(actor, mission)
    if mission.training_class_id is None:
        raise DomainError("mission_has_no_class")
    already = set(Participant.objects.filter(mission=mission).values_list("person_id", flat=True))
    codes = list(
        Enrolment.objects.visible_to(actor)
        .filter(training_class_id=mission.training_class_id,
                status__in=(EnrolmentStatus.NOMINATED, EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED))
        .exclude(person_id__in=already).order_by("person__code").values_list("person__code", flat=True))
    return [participant_add(actor=actor, mission=mission, person_code=code) for code in codes]


@transaction.atomic
def participant_remove(*, actor: Actor, participant: Participant) -> None:
    """Take a person off a delegation that has not come back."""
    row = _ensure_participant(actor, participant, Action.MANAGE_CLASSES)
    if not can_manage_mission(actor, row.mission):
        raise NotAllowed()
    if row.mission.status == MissionStatus.COMPLETED or row.outcome != Outcome.PENDING:
        raise Conflict("mission_closed")
    before = snapshot(row)
    row.delete()
    audit_record(actor=actor, obj=row.mission, action="participant_remove", changes={"participant": before},
                 unit_path=row.person.unit.path)


def _training_length(p: Participant) -> int:
    tc = p.mission.training_class
    start, end = (tc.start_date, tc.end_date) if tc is not None else (p.mission.departure_date, p.mission.return_date)
    return rules.training_months(start, end)


@transaction.atomic
def participant_update(*, actor: Actor, participant: Participant, **fields: Any) -> Participant:
    """Record a participant's cost, return date and outcome; on a completed outcome the service
    commitment is set (degree training: at least the legal multiple of the training time;
    otherwise as entered) and runs from the return date."""
    p = _ensure_participant(actor, participant, Action.MANAGE_PEOPLE)
    if hasattr(p, "reimbursement"):
        raise Conflict("reimbursement_exists")
    mission = p.mission
    if mission.status == MissionStatus.CANCELLED:
        raise Conflict("mission_closed")
    data: dict[str, Any] = {}
    if "cost_vnd" in fields:
        data["cost_vnd"] = _amount(fields["cost_vnd"])
    if "is_head" in fields:
        data["is_head"] = bool(v.parse_bool(fields["is_head"]))
    if "outcome" in fields:
        data["outcome"] = v.check_choice(fields["outcome"] or Outcome.PENDING, set(Outcome.values), "unknown_outcome")
    if "returned_on" in fields:
        data["returned_on"] = v.parse_date(fields["returned_on"])
        if data["returned_on"] is not None and data["returned_on"] < mission.departure_date:
            raise DomainError("returned_before_departure", returned=data["returned_on"].isoformat(),
                              departed=mission.departure_date.isoformat())
    entered_training = _months(fields["training_months"]) if "training_months" in fields else p.training_months
    # A commitment entered before is kept when not re-entered (but never below a new legal minimum).
    keep_previous = "commitment_months" not in fields
    entered_commitment = _months(fields["commitment_months"]) if not keep_previous else p.commitment_months
    outcome = data.get("outcome", p.outcome)
    returned = data.get("returned_on", p.returned_on)
    if outcome == Outcome.COMPLETED:
        if returned is None:
            raise DomainError("outcome_requires_return")
        months = entered_training or _training_length(p)
        rule_inputs = {"degree": mission.kind == MissionKind.DEGREE, "sent_on": mission.departure_date,
                       "category": p.person.category, "months_of_training": months}
        try:
            commitment = rules.service_commitment(**rule_inputs, entered=entered_commitment)
        except DomainError as exc:
            if not (keep_previous and exc.code == "commitment_below_minimum"):
                raise
            commitment = rules.service_commitment(**rule_inputs, entered=None)
        data["training_months"] = months
        data["commitment_months"] = commitment.months if commitment else None
        data["commitment_basis"] = commitment.basis if commitment else ""
        data["commitment_ends_on"] = rules.add_months(returned, commitment.months) if commitment else None
    else:
        data.update(training_months=entered_training, commitment_months=None, commitment_basis="",
                    commitment_ends_on=None)
    before = snapshot(p, data.keys())
    for key, value in data.items():
        setattr(p, key, value)
    p.save(update_fields=list(data.keys()))
    audit_record(actor=actor, obj=p, action="update", changes=diff(before, snapshot(p, data.keys())),
                 unit_path=p.person.unit.path)
    return p


# --- reimbursement -----------------------------------------------------------------------------
@transaction.atomic
def reimbursement_assess(*, actor: Actor, participant: Participant, left_on: Any, reason: str,
                         decision_ref: str = "", decided_on: Any = None) -> Reimbursement:
    """Record that a participant left (quit, transferred out, dismissed) and what they owe:
    the whole cost when they quit or were dismissed during training or got no diploma, else
    F / T1 × (T1 − T2). Refused when nothing is owed (still serving, commitment served, none)."""
    p = _ensure_participant(actor, participant, Action.MANAGE_PEOPLE)
    day = v.parse_date(left_on)
    if day is None:
        raise DomainError("participant_not_left")
    today = timezone.localdate()
    if day > today:
        raise DomainError("left_on_in_future", day=day.isoformat())
    if day < p.mission.departure_date:
        raise DomainError("left_before_departure", left=day.isoformat(), departed=p.mission.departure_date.isoformat())
    reason = v.check_choice(reason, set(LeaveReason.values), "unknown_leave_reason")
    if p.returned_on is not None and day < p.returned_on and p.outcome == Outcome.COMPLETED:
        raise DomainError("left_before_return", left=day.isoformat(), returned=p.returned_on.isoformat())
    if Reimbursement.objects.filter(participant=p).exists():
        raise Conflict("reimbursement_exists")
    due = rules.reimbursement_due(outcome=p.outcome, cost=p.cost_vnd, returned_on=p.returned_on, left_on=day,
                                  committed_months=p.commitment_months)
    decided = v.parse_date(decided_on) or today
    Participant.objects.filter(pk=p.pk).update(left_on=day, left_reason=reason)
    p.left_on, p.left_reason = day, reason
    try:
        with transaction.atomic():
            r = Reimbursement.objects.create(
                participant=p, case=due.case, cost_vnd=p.cost_vnd or 0,
                commitment_months=p.commitment_months or 0, served_months=due.served_months,
                amount_vnd=due.amount, decided_on=decided, decision_ref=clean_text(decision_ref))
    except IntegrityError:
        raise Conflict("reimbursement_exists") from None
    audit_record(actor=actor, obj=r, action="assess",
                 changes={"new": snapshot(r), "left_on": day.isoformat(), "left_reason": reason,
                          "outcome": p.outcome},
                 unit_path=p.person.unit.path)
    return r


@transaction.atomic
def reimbursement_settle(*, actor: Actor, reimbursement: Reimbursement, status: str, settled_on: Any = None,
                         note: str = "") -> Reimbursement:
    """Close an owed reimbursement: paid, or waived with the reason."""
    row = Reimbursement.objects.visible_to(actor).select_related("participant__person__unit").filter(
        pk=reimbursement.pk).first()
    if row is None:
        raise NotFound("reimbursement_not_found")
    if not actor.can(Action.MANAGE_PEOPLE) or actor.role not in (Role.CITY_ADMIN, Role.UNIT_OFFICER):
        raise NotAllowed()
    status = v.check_choice(status, {ReimbursementStatus.PAID, ReimbursementStatus.WAIVED},
                            "unknown_reimbursement_status")
    note = clean_text(note)[:500]
    if status == ReimbursementStatus.WAIVED and not note:
        raise DomainError("waiver_reason_required")
    day = v.parse_date(settled_on) or timezone.localdate()
    if day < row.decided_on:
        raise v.FieldError("dates_out_of_order")
    if Reimbursement.objects.filter(pk=row.pk, status=ReimbursementStatus.OWED).update(
            status=status, settled_on=day, settle_note=note) != 1:
        row.refresh_from_db(fields=["status"])
        raise Conflict("reimbursement_not_owed", status=row.get_status_display())
    before = row.status
    row.refresh_from_db()
    audit_record(actor=actor, obj=row, action="settle",
                 changes={"status": [before, status], "settled_on": day.isoformat(), "note": note},
                 unit_path=row.participant.person.unit.path)
    return row

