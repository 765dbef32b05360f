"""Web pages for training abroad: delegations (list, detail, forms), partners and agreements,
participants' commitments and reimbursements, and the commitment report. Thin: every rule
lives in the services and selectors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cadretrain.abroad import selectors, services
from cadretrain.abroad.models import (
    AgreementKind,
    LeaveReason,
    MissionKind,
    MissionStatus,
    Outcome,
    ReimbursementStatus,
)
from cadretrain.core.web import actor_of, actor_required, flash_domain_error, paginate
from cadretrain.domain import validation as v
from cadretrain.domain.access import Action, Role
from cadretrain.domain.errors import DomainError, NotFound
from cadretrain.org.models import OrgUnit
from cadretrain.training.models import TrainingClass

MANAGERS = (Role.CITY_ADMIN, Role.UNIT_OFFICER)
MISSION_FIELDS = ("title", "kind", "country", "departure_date", "return_date", "decision_ref", "note",
                  *services.FUNDING_SOURCES, "budget_total")


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _attempt(request: HttpRequest, action: Callable[[], Any], success: str) -> Any:
    """Run a service; a refusal becomes a message on the page (404 stays 404)."""
    try:
        result = action()
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        flash_domain_error(request, exc)
        return None
    messages.success(request, success)
    return result


def _references(request: HttpRequest, post: Any) -> dict[str, Any]:
    """Class, partner and agreement chosen in a form, as objects (unknown ones are refused)."""
    actor = actor_of(request)
    out: dict[str, Any] = {}
    if "training_class" in post:
        code = post.get("training_class", "").strip()
        tc = TrainingClass.objects.visible_to(actor).filter(code=code).first() if code else None
        if code and tc is None:
            raise NotFound("trainingclass_not_found")
        out["training_class"] = tc
    if "partner" in post:
        pk = _int(post.get("partner"))
        out["partner"] = selectors.partner_get(pk=pk) if pk else None
    if "agreement" in post:
        pk = _int(post.get("agreement"))
        out["agreement"] = selectors.agreement_get(actor=actor, pk=pk) if pk else None
    return out


def _form_choices(request: HttpRequest) -> dict[str, Any]:
    actor = actor_of(request)
    return {
        "kinds": MissionKind.choices, "statuses": MissionStatus.choices,
        "partners": selectors.partner_list()[:500],
        "agreements": selectors.agreement_list(actor=actor)[:500],
        "units": OrgUnit.objects.visible_to(actor).current().order_by("path")[:500],
        "abroad_classes": TrainingClass.objects.visible_to(actor).exclude(country="VN")
        .order_by("-start_date")[:300],
    }


# --- delegations -------------------------------------------------------------------------------
@actor_required()
def abroad_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if actor.role not in (*MANAGERS, Role.VIEWER):
        raise Http404
    g = request.GET
    missions = selectors.mission_list(
        actor=actor, q=g.get("q") or None, year=_int(g.get("year")), country=g.get("country") or None,
        status=g.get("status") or None, kind=g.get("kind") or None, unit_code=g.get("unit") or None,
        partner_id=_int(g.get("partner")))
    return render(request, "abroad/mission_list.html", {
        "page": paginate(request, missions), "filters": g, "kinds": MissionKind.choices,
        "statuses": MissionStatus.choices,
        "can_create": actor.can(Action.MANAGE_CLASSES) and actor.role in MANAGERS,
    })


@actor_required(Action.MANAGE_CLASSES)
def mission_create(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if actor.role not in MANAGERS:
        raise Http404
    if request.method == "POST":
        p = request.POST
        unit = OrgUnit.objects.visible_to(actor).filter(code=p.get("organizer_unit", "")).first()
        fields = {k: p.get(k, "") for k in MISSION_FIELDS}

        def create() -> Any:
            if unit is None:
                raise DomainError("mission_unit_out_of_scope")
            return services.mission_create(actor=actor, code=p.get("code", ""), organizer_unit=unit,
                                           **fields, **_references(request, p))

        mission = _attempt(request, create, _("Đã tạo đoàn đi nước ngoài."))
        if mission is not None:
            return redirect("abroad:mission-detail", code=mission.code)
        return render(request, "abroad/mission_form.html", {**_form_choices(request), "values": p}, status=400)
    initial = {"kind": MissionKind.SHORT_TERM, "training_class": request.GET.get("training_class", "")}
    return render(request, "abroad/mission_form.html", {**_form_choices(request), "values": initial})


@actor_required()
def mission_detail(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    mission = selectors.mission_get(actor=actor, code=code)
    can_manage = services.can_manage_mission(actor, mission)
    return render(request, "abroad/mission_detail.html", {
        "m": mission, "participants": selectors.mission_participants(actor=actor, mission=mission),
        "can_manage": can_manage,
        "can_record": actor.can(Action.MANAGE_PEOPLE) and actor.role in MANAGERS,
        "transitions": [(s, s.label) for s in MissionStatus if s in services.MISSION_TRANSITIONS[mission.status]],
        "outcomes": Outcome.choices, "leave_reasons": LeaveReason.choices, "today": timezone.localdate(),
        **(_form_choices(request) if can_manage else {}),
        "values": _mission_values(mission) if can_manage else {},
    })


def _mission_values(m: Any) -> dict[str, Any]:
    """The edit form's current values."""
    values = {k: getattr(m, k) for k in MISSION_FIELDS}
    values.update(departure_date=m.departure_date.isoformat(), return_date=m.return_date.isoformat(),
                  training_class=m.training_class.code if m.training_class_id else "",
                  partner=m.partner_id or "", agreement=m.agreement_id or "")
    return values


@require_POST
@actor_required(Action.MANAGE_CLASSES)
def mission_edit(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    mission = selectors.mission_get(actor=actor, code=code)
    p = request.POST
    fields = {k: p[k] for k in MISSION_FIELDS if k in p}
    _attempt(request, lambda: services.mission_update(actor=actor, mission=mission, **fields,
                                                      **_references(request, p)), _("Đã lưu thông tin đoàn."))
    return redirect("abroad:mission-detail", code=code)


@require_POST
@actor_required(Action.MANAGE_CLASSES)
def mission_transition(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    mission = selectors.mission_get(actor=actor, code=code)
    _attempt(request, lambda: services.mission_transition(actor=actor, mission=mission,
                                                          target=request.POST.get("status", "")),
             _("Đã chuyển trạng thái đoàn."))
    return redirect("abroad:mission-detail", code=code)


@require_POST
@actor_required(Action.MANAGE_CLASSES)
def participant_add(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    mission = selectors.mission_get(actor=actor, code=code)
    p = request.POST
    _attempt(request, lambda: services.participant_add(
        actor=actor, mission=mission, person_code=p.get("person", ""), is_head=p.get("is_head") == "1",
        cost_vnd=p.get("cost_vnd", "")), _("Đã thêm thành viên đoàn."))
    return redirect("abroad:mission-detail", code=code)


@require_POST
@actor_required(Action.MANAGE_CLASSES)
def participants_from_class(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    mission = selectors.mission_get(actor=actor, code=code)
    added = _attempt(request, lambda: services.participants_from_class(actor=actor, mission=mission),
                     _("Đã thêm học viên của lớp vào đoàn."))
    if added == []:
        messages.info(request, _("Không có học viên nào của lớp cần thêm."))
    return redirect("abroad:mission-detail", code=code)


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    nxt = request.POST.get("next", "")
    return redirect(nxt if nxt.startswith("/abroad/") else fallback)


@require_POST
@actor_required(Action.MANAGE_PEOPLE)
def participant_update(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    participant = selectors.participant_get(actor=actor, pk=pk)
    p = request.POST
    fields = {k: p[k] for k in ("cost_vnd", "outcome", "returned_on", "training_months", "commitment_months")
              if k in p}
    _attempt(request, lambda: services.participant_update(actor=actor, participant=participant, **fields),
             _("Đã lưu kết quả và cam kết của thành viên đoàn."))
    return _back(request, reverse("abroad:mission-detail", args=[participant.mission.code]))


@require_POST
@actor_required(Action.MANAGE_CLASSES)
def participant_remove(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    participant = selectors.participant_get(actor=actor, pk=pk)
    _attempt(request, lambda: services.participant_remove(actor=actor, participant=participant),
             _("Đã bỏ thành viên khỏi đoàn."))
    return redirect("abroad:mission-detail", code=participant.mission.code)


@require_POST
@actor_required(Action.MANAGE_PEOPLE)
def reimbursement_assess(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    participant = selectors.participant_get(actor=actor, pk=pk)
    p = request.POST
    _attempt(request, lambda: services.reimbursement_assess(
        actor=actor, participant=participant, left_on=p.get("left_on", ""), reason=p.get("reason", ""),
        decision_ref=p.get("decision_ref", "")), _("Đã ghi nhận và tính số tiền bồi hoàn."))
    return _back(request, reverse("abroad:mission-detail", args=[participant.mission.code]))


@require_POST
@actor_required(Action.MANAGE_PEOPLE)
def reimbursement_settle(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    r = selectors.reimbursement_get(actor=actor, pk=pk)
    p = request.POST
    _attempt(request, lambda: services.reimbursement_settle(
        actor=actor, reimbursement=r, status=p.get("status", ""), settled_on=p.get("settled_on", ""),
        note=p.get("note", "")), _("Đã cập nhật khoản bồi hoàn."))
    return _back(request, reverse("abroad:commitments"))


# --- partners and agreements -------------------------------------------------------------------
@actor_required()
def partner_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if actor.role not in (*MANAGERS, Role.VIEWER):
        raise Http404
    can_manage = actor.can(Action.MANAGE_CATALOGUE)
    if request.method == "POST":
        if not can_manage:
            raise Http404
        p = request.POST
        if p.get("form") == "partner":
            _attempt(request, lambda: services.partner_create(actor=actor, name=p.get("name", ""),
                                                              country=p.get("country", "")),
                     _("Đã thêm đối tác nước ngoài."))
        else:
            def create() -> Any:
                pk = _int(p.get("partner"))
                if not pk:
                    raise NotFound("partner_not_found")
                return services.agreement_create(
                    actor=actor, partner=selectors.partner_get(pk=pk), title=p.get("title", ""),
                    valid_from=p.get("valid_from", ""), kind=p.get("kind", ""), reference=p.get("reference", ""),
                    signed_on=p.get("signed_on", ""), valid_to=p.get("valid_to", ""),
                    document=p.get("document", ""), note=p.get("note", ""))

            _attempt(request, create, _("Đã lưu thỏa thuận hợp tác."))
        return redirect("abroad:partner-list")
    g = request.GET
    today = timezone.localdate()
    try:
        on = v.parse_date(g.get("in_force_on")) if g.get("in_force_on") else None
    except DomainError as exc:
        flash_domain_error(request, exc)
        on = None
    return render(request, "abroad/partner_list.html", {
        "partners": selectors.partner_list(q=g.get("q") or None, country=g.get("country") or None)[:500],
        "agreements": selectors.agreement_list(actor=actor, country=g.get("country") or None, in_force_on=on)[:500],
        "filters": g, "today": today, "can_manage": can_manage, "agreement_kinds": AgreementKind.choices,
        "all_partners": selectors.partner_list()[:500] if can_manage else [],
    })


# --- commitments and reimbursements ------------------------------------------------------------
@actor_required()
def commitments(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if actor.role not in (*MANAGERS, Role.VIEWER):
        raise Http404
    g = request.GET
    try:
        as_of = v.parse_date(g.get("as_of")) or timezone.localdate()
    except DomainError as exc:
        flash_domain_error(request, exc)
        as_of = timezone.localdate()
    horizon = max(0, min(_int(g.get("horizon")) or 6, 120))
    commitment = g.get("commitment") if g.get("commitment") in selectors.COMMITMENT_FILTERS else None
    participants = selectors.participant_list(actor=actor, as_of=as_of, commitment=commitment or "running",
                                              horizon_months=horizon, unit_code=g.get("unit") or None)
    if g.get("format") == "xlsx":
        if not actor.can(Action.EXPORT):
            raise Http404
        return _commitments_xlsx(participants, as_of)
    return render(request, "abroad/commitments.html", {
        "report": selectors.commitment_report(actor=actor, as_of=as_of, horizon_months=horizon),
        "page": paginate(request, participants),
        "owed": selectors.reimbursement_list(actor=actor, status=g.get("status") or ReimbursementStatus.OWED)[:200],
        "filters": g, "commitment": commitment or "running", "horizon": horizon, "as_of": as_of,
        "reimbursement_statuses": ReimbursementStatus.choices, "today": timezone.localdate(),
        "can_record": actor.can(Action.MANAGE_PEOPLE) and actor.role in MANAGERS,
    })


def _commitments_xlsx(participants: Any, as_of: Any) -> HttpResponse:
    """The listed participants with their commitment and any reimbursement, as a workbook."""
    from cadretrain.reports.exports import table_xlsx

    headers = [_("Mã cán bộ"), _("Họ và tên"), _("Đơn vị"), _("Đoàn"), _("Quốc gia"), _("Ngày về nước"),
               _("Cam kết (tháng)"), _("Căn cứ cam kết"), _("Hết cam kết"), _("Ngày nghỉ việc, chuyển đi"),
               _("Số tiền phải bồi hoàn"), _("Trạng thái")]
    rows = []
    for p in participants.iterator(chunk_size=2000):
        r = p.reimbursement_or_none
        rows.append([p.person.code, p.person.full_name, p.person.unit.name, p.mission.code, p.mission.country,
                     p.returned_on, p.commitment_months, p.commitment_basis, p.commitment_ends_on, p.left_on,
                     r.amount_vnd if r else None, r.get_status_display() if r else ""])
    title = _("Cam kết thời gian công tác sau đào tạo ở nước ngoài (tính đến %(day)s)") % {
        "day": as_of.strftime("%d/%m/%Y")}
    response = HttpResponse(table_xlsx(title, headers, rows),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="cam-ket-cong-tac-{as_of.isoformat()}.xlsx"'
    return response
