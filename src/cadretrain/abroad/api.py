"""Training-abroad API: partners and agreements, delegations and their participants, service
commitments, reimbursements and the commitment report. Thin over the same services and
selectors as the web pages; lists return {"items", "count"}, refusals {"code", "message"}."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

from cadretrain.abroad import selectors, services
from cadretrain.abroad.models import Agreement, Mission, Participant, Reimbursement
from cadretrain.domain import validation as v
from cadretrain.domain.errors import DomainError, NotFound
from cadretrain.org.models import OrgUnit
from cadretrain.training.models import TrainingClass

router = Router(tags=["abroad"])


def _actor(request: HttpRequest) -> Any:
    return request.actor  # type: ignore[attr-defined]


def _limit(limit: int) -> int:
    return max(1, min(limit, 500))


def _d(value: Any) -> str | None:
    return value.isoformat() if value else None


def agreement_out(a: Agreement) -> dict[str, Any]:
    return {"id": a.pk, "partner": a.partner_id, "partner_name": a.partner.name, "country": a.partner.country,
            "kind": a.kind, "title": a.title, "reference": a.reference, "signed_on": _d(a.signed_on),
            "valid_from": _d(a.valid_from), "valid_to": _d(a.valid_to), "document": a.document, "note": a.note}


def mission_out(m: Mission) -> dict[str, Any]:
    out = {"code": m.code, "title": m.title, "kind": m.kind, "status": m.status,
           "organizer_unit": m.organizer_unit.code, "country": m.country,
           "training_class": m.training_class.code if m.training_class_id else None,
           "partner": m.partner_id, "partner_name": m.partner.name if m.partner_id else None,
           "agreement": m.agreement_id, "departure_date": _d(m.departure_date), "return_date": _d(m.return_date),
           "decision_ref": m.decision_ref, "note": m.note,
           "funding": {"state": m.budget_state, "partner": m.budget_partner, "unit": m.budget_unit,
                       "learner": m.budget_learner, "total": m.budget_total}}
    if hasattr(m, "n_participants"):
        out["participants"] = m.n_participants
    return out


def reimbursement_out(r: Reimbursement) -> dict[str, Any]:
    return {"id": r.pk, "participant": r.participant_id, "person": r.participant.person.code,
            "case": r.case, "cost_vnd": r.cost_vnd, "commitment_months": r.commitment_months,
            "served_months": r.served_months, "amount_vnd": r.amount_vnd, "decided_on": _d(r.decided_on),
            "decision_ref": r.decision_ref, "status": r.status, "settled_on": _d(r.settled_on),
            "note": r.settle_note}


def participant_out(p: Participant) -> dict[str, Any]:
    reimbursement = p.reimbursement_or_none
    return {"id": p.pk, "mission": p.mission.code, "person": p.person.code, "full_name": p.person.full_name,
            "unit": p.person.unit.code, "is_head": p.is_head, "cost_vnd": p.cost_vnd, "outcome": p.outcome,
            "returned_on": _d(p.returned_on), "training_months": p.training_months,
            "commitment_months": p.commitment_months, "commitment_basis": p.commitment_basis or None,
            "commitment_ends_on": _d(p.commitment_ends_on), "left_on": _d(p.left_on),
            "left_reason": p.left_reason or None,
            "reimbursement": reimbursement_out(reimbursement) if reimbursement else None}


# --- partners and agreements -------------------------------------------------------------------
class PartnerIn(Schema):
    name: str
    country: str
    short_code: str = ""


class AgreementIn(Schema):
    partner: int
    title: str
    kind: str = "MOU"
    reference: str = ""
    signed_on: str | None = None
    valid_from: str
    valid_to: str | None = None
    document: str = ""
    note: str = ""


@router.get("/abroad/partners", summary="Partner institutions abroad")
def list_partners(request: HttpRequest, q: str = "", country: str = "", limit: int = 50,
                  offset: int = 0) -> dict[str, Any]:
    qs = selectors.partner_list(q=q or None, country=country or None)
    items = [{"id": i.pk, "name": i.name, "country": i.country, "agreements": i.n_agreements}
             for i in qs[offset : offset + _limit(limit)]]
    return {"items": items, "count": qs.count()}


@router.post("/abroad/partners", response={201: dict}, summary="Register a partner abroad (city)")
def create_partner(request: HttpRequest, body: PartnerIn) -> Status:
    inst = services.partner_create(actor=_actor(request), name=body.name, country=body.country,
                                   short_code=body.short_code)
    return Status(201, {"id": inst.pk, "name": inst.name, "country": inst.country})


@router.get("/abroad/agreements", summary="Agreements (MOUs, contracts) with partners abroad")
def list_agreements(request: HttpRequest, partner: int | None = None, country: str = "",
                    in_force_on: str = "", limit: int = 50, offset: int = 0) -> dict[str, Any]:
    inst = selectors.partner_get(pk=partner) if partner else None
    qs = selectors.agreement_list(actor=_actor(request), partner=inst, country=country or None,
                                  in_force_on=v.parse_date(in_force_on))
    return {"items": [agreement_out(a) for a in qs[offset : offset + _limit(limit)]], "count": qs.count()}


@router.post("/abroad/agreements", response={201: dict}, summary="Record an agreement (city)")
def create_agreement(request: HttpRequest, body: AgreementIn) -> Status:
    data = body.dict()
    partner = selectors.partner_get(pk=data.pop("partner"))
    agreement = services.agreement_create(actor=_actor(request), partner=partner, **data)
    return Status(201, agreement_out(agreement))


# --- missions ----------------------------------------------------------------------------------
class MissionIn(Schema):
    code: str
    title: str = ""
    kind: str = "SHORT_TERM"
    organizer_unit: str
    training_class: str | None = None
    partner: int | None = None
    agreement: int | None = None
    country: str = ""
    departure_date: str | None = None
    return_date: str | None = None
    decision_ref: str = ""
    note: str = ""
    budget_state: int = 0
    budget_partner: int = 0
    budget_unit: int = 0
    budget_learner: int = 0
    budget_total: int | None = None


class MissionPatch(Schema):
    title: str | None = None
    kind: str | None = None
    partner: int | None = None
    agreement: int | None = None
    country: str | None = None
    departure_date: str | None = None
    return_date: str | None = None
    decision_ref: str | None = None
    note: str | None = None
    budget_state: int | None = None
    budget_partner: int | None = None
    budget_unit: int | None = None
    budget_learner: int | None = None
    budget_total: int | None = None
    status: str | None = None


def _references(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    """Turn ids and codes of the body into the objects the services take (404 when unseen)."""
    actor = _actor(request)
    if data.get("training_class") is not None:
        tc = TrainingClass.objects.visible_to(actor).filter(code=data["training_class"]).first()
        if tc is None:
            raise NotFound("trainingclass_not_found")
        data["training_class"] = tc
    if data.get("partner") is not None:
        data["partner"] = selectors.partner_get(pk=data["partner"])
    if data.get("agreement") is not None:
        data["agreement"] = selectors.agreement_get(actor=actor, pk=data["agreement"])
    return data


@router.get("/abroad/missions", summary="Delegations abroad")
def list_missions(request: HttpRequest, q: str = "", year: int | None = None, country: str = "",
                  status: str = "", kind: str = "", unit: str = "", limit: int = 50,
                  offset: int = 0) -> dict[str, Any]:
    qs = selectors.mission_list(actor=_actor(request), q=q or None, year=year, country=country or None,
                                status=status or None, kind=kind or None, unit_code=unit or None)
    return {"items": [mission_out(m) for m in qs[offset : offset + _limit(limit)]], "count": qs.count()}


@router.post("/abroad/missions", response={201: dict}, summary="Plan a delegation abroad")
def create_mission(request: HttpRequest, body: MissionIn) -> Status:
    actor = _actor(request)
    data = _references(request, body.dict())
    unit = OrgUnit.objects.visible_to(actor).filter(code=data.pop("organizer_unit")).first()
    if unit is None:
        raise DomainError("mission_unit_out_of_scope")
    code, title = data.pop("code"), data.pop("title")
    mission = services.mission_create(actor=actor, code=code, title=title, organizer_unit=unit, **data)
    return Status(201, mission_out(mission))


@router.get("/abroad/missions/{code}", summary="One delegation with the participants the caller may see")
def get_mission(request: HttpRequest, code: str) -> dict[str, Any]:
    actor = _actor(request)
    mission = selectors.mission_get(actor=actor, code=code)
    out = mission_out(mission)
    out["participants"] = [participant_out(p) for p in selectors.mission_participants(actor=actor, mission=mission)]
    return out


@router.patch("/abroad/missions/{code}", summary="Change a delegation or move its status")
def update_mission(request: HttpRequest, code: str, body: MissionPatch) -> dict[str, Any]:
    actor = _actor(request)
    mission = selectors.mission_get(actor=actor, code=code)
    data = _references(request, body.dict(exclude_unset=True))
    target = data.pop("status", None)
    if data:
        mission = services.mission_update(actor=actor, mission=mission, **data)
    if target:
        mission = services.mission_transition(actor=actor, mission=mission, target=target)
    return mission_out(selectors.mission_get(actor=actor, code=code))


class ParticipantIn(Schema):
    person: str
    is_head: bool = False
    cost_vnd: int | None = None


@router.post("/abroad/missions/{code}/participants", response={201: dict}, summary="Add a person to a delegation")
def add_participant(request: HttpRequest, code: str, body: ParticipantIn) -> Status:
    actor = _actor(request)
    mission = selectors.mission_get(actor=actor, code=code)
    p = services.participant_add(actor=actor, mission=mission, person_code=body.person, is_head=body.is_head,
                                 cost_vnd=body.cost_vnd)
    return Status(201, participant_out(selectors.participant_get(actor=actor, pk=p.pk)))


@router.post("/abroad/missions/{code}/participants/from-class",
             summary="Add the people of the linked abroad class the caller may see")
def add_participants_from_class(request: HttpRequest, code: str) -> dict[str, Any]:
    actor = _actor(request)
    mission = selectors.mission_get(actor=actor, code=code)
    added = services.participants_from_class(actor=actor, mission=mission)
    qs = selectors.mission_participants(actor=actor, mission=mission).filter(pk__in=[p.pk for p in added])
    return {"items": [participant_out(p) for p in qs], "count": len(added)}


# --- participants and reimbursements -----------------------------------------------------------
class ParticipantPatch(Schema):
    cost_vnd: int | None = None
    is_head: bool | None = None
    outcome: str | None = None
    returned_on: str | None = None
    training_months: int | None = None
    commitment_months: int | None = None


class LeaveIn(Schema):
    left_on: str | None = None
    reason: str = ""
    decision_ref: str = ""
    decided_on: str | None = None


class SettleIn(Schema):
    status: str
    settled_on: str | None = None
    note: str = ""


@router.get("/abroad/participants", summary="Participants and their service commitments")
def list_participants(request: HttpRequest, commitment: str = "", horizon_months: int = 6, unit: str = "",
                      mission: str = "", as_of: str = "", limit: int = 50, offset: int = 0) -> dict[str, Any]:
    if commitment and commitment not in selectors.COMMITMENT_FILTERS:
        raise v.FieldError("unknown_commitment_filter", value=commitment)
    qs = selectors.participant_list(actor=_actor(request), as_of=v.parse_date(as_of) or timezone.localdate(),
                                    commitment=commitment or None, horizon_months=max(0, min(horizon_months, 120)),
                                    unit_code=unit or None, mission_code=mission or None)
    return {"items": [participant_out(p) for p in qs[offset : offset + _limit(limit)]], "count": qs.count()}


@router.get("/abroad/participants/{pk}", summary="One participant")
def get_participant(request: HttpRequest, pk: int) -> dict[str, Any]:
    return participant_out(selectors.participant_get(actor=_actor(request), pk=pk))


@router.patch("/abroad/participants/{pk}", summary="Record cost, return, outcome and commitment")
def update_participant(request: HttpRequest, pk: int, body: ParticipantPatch) -> dict[str, Any]:
    actor = _actor(request)
    p = selectors.participant_get(actor=actor, pk=pk)
    services.participant_update(actor=actor, participant=p, **body.dict(exclude_unset=True))
    return participant_out(selectors.participant_get(actor=actor, pk=pk))


@router.post("/abroad/participants/{pk}/reimbursement", response={201: dict},
             summary="Record a departure before the commitment ended and the amount owed")
def assess_reimbursement(request: HttpRequest, pk: int, body: LeaveIn) -> Status:
    actor = _actor(request)
    p = selectors.participant_get(actor=actor, pk=pk)
    r = services.reimbursement_assess(actor=actor, participant=p, **body.dict())
    return Status(201, reimbursement_out(selectors.reimbursement_get(actor=actor, pk=r.pk)))


@router.get("/abroad/reimbursements", summary="Reimbursements of training costs")
def list_reimbursements(request: HttpRequest, status: str = "", unit: str = "", limit: int = 50,
                        offset: int = 0) -> dict[str, Any]:
    qs = selectors.reimbursement_list(actor=_actor(request), status=status or None, unit_code=unit or None)
    return {"items": [reimbursement_out(r) for r in qs[offset : offset + _limit(limit)]], "count": qs.count()}


@router.post("/abroad/reimbursements/{pk}/settle", summary="Mark a reimbursement paid or waived")
def settle_reimbursement(request: HttpRequest, pk: int, body: SettleIn) -> dict[str, Any]:
    actor = _actor(request)
    r = selectors.reimbursement_get(actor=actor, pk=pk)
    services.reimbursement_settle(actor=actor, reimbursement=r, **body.dict())
    return reimbursement_out(selectors.reimbursement_get(actor=actor, pk=pk))


@router.get("/abroad/report", summary="Service commitments running and ending, reimbursements owed")
def commitment_report(request: HttpRequest, as_of: str = "", horizon_months: int = 6) -> dict[str, Any]:
    day = v.parse_date(as_of) or timezone.localdate()
    return selectors.commitment_report(actor=_actor(request), as_of=day,
                                       horizon_months=max(0, min(horizon_months, 120))).as_dict()
