"""Web pages for annual plans, their approval, overlaps across units and the allocation
optimiser. Thin: every rule lives in the services and selectors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cadretrain.catalogue.models import Programme
from cadretrain.core.web import actor_of, actor_required, flash_domain_error
from cadretrain.domain.access import Action
from cadretrain.domain.allocation import ALLOWED_MONTHS
from cadretrain.domain.errors import DomainError, NotFound
from cadretrain.org.models import OrgUnit
from cadretrain.plans import selectors, services
from cadretrain.plans.models import AllocationRun, PlanItemClass, PlanStatus


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


@actor_required()
def plan_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if request.method == "POST":
        if not actor.can(Action.MANAGE_PLANS):
            raise NotFound()
        unit = OrgUnit.objects.visible_to(actor).filter(code=request.POST.get("unit", "")).first()
        try:
            if unit is None:
                raise DomainError("unknown_unit", code=request.POST.get("unit", ""))
            plan = services.plan_create(actor=actor, unit=unit, year=request.POST.get("year"),
                                        title=request.POST.get("title", ""))
        except DomainError as exc:
            flash_domain_error(request, exc)
            return redirect("plans:plan-list")
        return redirect("plans:plan-detail", pk=plan.pk)
    year = _int(request.GET.get("year"))
    plans = list(selectors.plan_list(actor=actor, year=year, status=request.GET.get("status") or None)[:500])
    totals = {"items": sum(p.n_items for p in plans), "people": sum(p.people_total or 0 for p in plans),
              "budget": sum(p.budget or 0 for p in plans)}
    return render(request, "plans/plan_list.html", {
        "plans": plans, "totals": totals, "filters": request.GET, "statuses": PlanStatus.choices,
        "can_manage": actor.can(Action.MANAGE_PLANS),
        "units": OrgUnit.objects.visible_to(actor).current().order_by("path")[:500],
        "this_year": timezone.localdate().year + 1,
    })


def _may_approve(actor: Any, plan: Any) -> bool:
    """Whether to offer approve/return: the parent level only (never the unit's own officer)."""
    from cadretrain.domain import plan_workflow as wf
    from cadretrain.domain.errors import NotAllowed

    if not actor.can(Action.APPROVE_PLANS):
        return False
    try:
        wf.check_may_act(action=wf.PlanAction.APPROVE, role=actor.role, actor_unit_path=actor.unit_path,
                         plan_unit_path=plan.unit.path)
    except NotAllowed:
        return False
    return True


@actor_required()
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    plan = selectors.plan_get(actor=actor, pk=pk)
    editable = plan.status in (PlanStatus.DRAFT, PlanStatus.RETURNED) and actor.can(Action.MANAGE_PLANS)
    programmes = list(Programme.objects.order_by("code").only("pk", "code", "name", "kind")[:1000]) if editable else []
    costs = selectors.programme_costs() if editable else {}
    children = list(selectors.plan_children(actor=actor, plan=plan))
    items = list(selectors.plan_items(actor=actor, plan=plan))
    realised: dict[int, list[str]] = {}
    for item_id, code in (PlanItemClass.objects.visible_to(actor).filter(plan_item__plan=plan)
                          .values_list("plan_item_id", "training_class__code")):
        realised.setdefault(item_id, []).append(code)
    for item in items:
        item.realised_by = sorted(realised.get(item.pk, []))
    return render(request, "plans/plan_detail.html", {
        "plan": plan,
        "items": items,
        "consolidated_count": selectors.plan_consolidated(actor=actor, plan=plan).count() if children else 0,
        "children": children,
        "events": selectors.plan_events(actor=actor, plan=plan),
        "actual": selectors.plan_vs_actual(actor=actor, plan=plan),
        "programmes": [(prog, costs.get(prog.pk)) for prog in programmes],
        "funding_sources": [("budget_state", _("Ngân sách nhà nước")), ("budget_unit", _("Kinh phí đơn vị")),
                            ("budget_learner", _("Học viên đóng góp")), ("budget_sponsor", _("Tài trợ"))],
        "editable": editable,
        "can_approve": plan.status == PlanStatus.SUBMITTED and _may_approve(actor, plan),
    })


@require_POST
@actor_required(Action.MANAGE_PLANS)
def item_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    plan = selectors.plan_get(actor=actor, pk=pk)
    p = request.POST
    programme = Programme.objects.filter(code=p.get("programme", "")).first() if p.get("programme") else None
    fields = {k: p.get(k, "") for k in ("need", "target_group", "people", "quarter", "budget_state", "budget_unit",
                                         "budget_learner", "budget_sponsor", "budget_total")}
    try:
        if p.get("programme") and programme is None:
            raise DomainError("merge_programme_unknown", code=p.get("programme"))
        services.plan_item_add(actor=actor, plan=plan, programme=programme, estimate=p.get("estimate") == "1",
                               expected_version=_int(p.get("version")), **fields)
    except DomainError as exc:
        flash_domain_error(request, exc)
    return redirect("plans:plan-detail", pk=pk)


@require_POST
@actor_required(Action.MANAGE_PLANS)
def item_delete(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    actor = actor_of(request)
    item = selectors.plan_item_get(actor=actor, pk=item_pk)
    if item.plan_id != pk:
        raise NotFound()
    try:
        services.plan_item_delete(actor=actor, item=item, expected_version=_int(request.POST.get("version")))
    except DomainError as exc:
        flash_domain_error(request, exc)
    return redirect("plans:plan-detail", pk=pk)


@require_POST
@actor_required(Action.MANAGE_PLANS)
def propose_items(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    plan = selectors.plan_get(actor=actor, pk=pk)
    try:
        items = services.plan_propose_items(actor=actor, plan=plan, as_of=timezone.localdate())
    except DomainError as exc:
        flash_domain_error(request, exc)
        return redirect("plans:plan-detail", pk=pk)
    from django.contrib import messages

    if items:
        messages.success(request, _("Đã đề xuất {n} nội dung từ các thiếu hụt lớn nhất; hãy xem lại số người, quý và "
                                    "kinh phí trước khi trình.").format(n=len(items)))
    else:
        messages.info(request, _("Không có thiếu hụt mới để đề xuất: đơn vị đạt chuẩn hoặc các thiếu hụt đã có "
                                 "trong kế hoạch."))
    return redirect("plans:plan-detail", pk=pk)


@require_POST
@actor_required()
def plan_action(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    plan = selectors.plan_get(actor=actor, pk=pk)
    action = request.POST.get("action", "")
    kwargs = {"actor": actor, "plan": plan, "expected_version": _int(request.POST.get("version")),
              "comment": request.POST.get("comment", "")}
    handlers = {"submit": services.plan_submit, "approve": services.plan_approve, "return": services.plan_return}
    done = {"submit": _("Đã trình kế hoạch lên cấp trên."), "approve": _("Đã phê duyệt kế hoạch."),
            "return": _("Đã trả lại kế hoạch cho đơn vị.")}
    try:
        if action not in handlers:
            raise DomainError("plan_invalid_transition", status=plan.status, action=action)
        handlers[action](**kwargs)
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash_domain_error(request, exc)
        return redirect("plans:plan-detail", pk=pk)
    from django.contrib import messages

    messages.success(request, done[action])
    return redirect("plans:plan-detail", pk=pk)


def _overlap_context(request: HttpRequest, year: int) -> dict[str, Any]:
    actor = actor_of(request)
    latest = selectors.overlap_scan_latest(actor=actor, year=year)
    result = latest if latest is not None and not latest.running and not latest.failed else \
        selectors.overlap_scan_result(actor=actor, year=year)
    running = latest if latest is not None and latest.running else None
    failed = latest if latest is not None and latest.failed else None
    stale = result is not None and result.fingerprint != selectors.overlap_fingerprint(actor=actor, year=year)
    return {"year": year, "result": result, "running": running, "failed": failed, "stale": stale,
            "job": running.job if running is not None else None,
            "status_url": f"{reverse('plans:overlap-status')}?year={year}"}


REPEATS_SHOWN = 100


@actor_required()
def overlaps(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    year = _int(request.GET.get("year")) or timezone.localdate().year
    context = _overlap_context(request, year)
    clusters = selectors.scan_clusters(context["result"])
    years = _int(request.GET.get("years")) or 3
    repeats, repeats_total = selectors.repeat_nominations(actor=actor, years=years, limit=REPEATS_SHOWN)
    costs = selectors.programme_costs({m.programme_id for c in clusters for m in c.members if m.programme_id})
    free = selectors.free_shared_class_codes(year)
    programmes = list(Programme.objects.order_by("code").only("pk", "code", "name", "periods")[:1000])
    periods = {p.pk: p.periods for p in programmes}
    defaults = {}
    for c in clusters:
        # The shared class starts in the period every merged item planned and lasts as long as
        # its programme takes at eight periods a day, five days a week (a week at least).
        planned = [m for m in c.members if m.kind == "item"] or c.members
        starts = max(m.start for m in planned)
        starts += dt.timedelta(days=(7 - starts.weekday()) % 7)  # on a Monday
        programme = next((m.programme_id for m in c.members if m.programme_id), None)
        days = max(5, -(-(periods.get(programme) or 0) // 8))
        defaults[c.key] = {
            "code": next(free), "start": starts, "end": starts + dt.timedelta(days=(days - 1) // 5 * 7 + (days - 1) % 5),
            "programme": programme,
        }
        per_learner = costs.get(defaults[c.key]["programme"])
        defaults[c.key]["cost"] = per_learner * sum(u["people"] for u in c.unit_seats) if per_learner else None
    return render(request, "plans/overlaps.html", {
        **context, "clusters": [(c, defaults[c.key]) for c in clusters], "can_merge": actor.is_city_wide,
        "can_scan": actor.is_city_wide or bool(actor.unit_path),
        "programmes": programmes,
        "repeats": repeats, "more_repeats": repeats_total - len(repeats),
        "years": years,
    })


@actor_required()
def overlap_status(request: HttpRequest) -> HttpResponse:
    """The progress block, polled by htmx while a scan runs; asks for a full reload when done."""
    year = _int(request.GET.get("year")) or timezone.localdate().year
    context = _overlap_context(request, year)
    response = render(request, "plans/_overlap_status.html", context)
    if context["running"] is None and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@require_POST
@actor_required()
def overlap_scan(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    year = _int(request.POST.get("year")) or timezone.localdate().year
    try:
        services.overlap_scan_start(actor=actor, year=year)
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash_domain_error(request, exc)
    return redirect(f"{reverse('plans:overlaps')}?year={year}")


@require_POST
@actor_required()
def overlap_merge(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    p = request.POST
    year = _int(p.get("year")) or timezone.localdate().year
    try:
        seats: dict[str, Any] = {}
        for k, v in p.items():
            if k.startswith("seats_") and v.strip() != "":
                number = _int(v)
                seats[k[len("seats_"):]] = number if number is not None else v
        programme = None
        if p.get("programme"):
            programme = Programme.objects.filter(code=p.get("programme")).first()
            if programme is None:
                raise DomainError("merge_programme_unknown", code=p.get("programme"))
        tc = services.overlap_merge(
            actor=actor, year=year, members=p.get("members", ""), code=p.get("code", ""),
            start_date=p.get("start_date"), end_date=p.get("end_date"), programme=programme,
            seats=seats or None, open_for_nominations=p.get("open") == "1",
            cost_vnd=services.optional_int(p.get("cost_vnd"), "plan_invalid_amount"),
        )
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash_domain_error(request, exc)
        return redirect(f"{reverse('plans:overlaps')}?year={year}")
    from django.contrib import messages

    if tc.status == "OPEN":
        messages.success(request, _("Đã tạo lớp dùng chung {code} và mở đăng ký, chỗ đã chia cho từng đơn vị. "
                                    "Lập phương án để xếp người còn thiếu chuẩn vào lớp.").format(code=tc.code))
        return redirect(f"{reverse('plans:allocation')}?classes={tc.code}")
    messages.success(request, _("Đã tạo lớp dùng chung {code}, chỗ đã chia cho từng đơn vị.").format(code=tc.code))
    return redirect("training:class-detail", code=tc.code)


@actor_required()
def allocation(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if request.method == "POST":
        if not actor.can(Action.NOMINATE):
            raise NotFound()
        p = request.POST
        try:
            run = services.allocation_propose(
                actor=actor, as_of=timezone.localdate(), unit_code=p.get("unit") or None,
                budget=services.optional_int(p.get("budget"), "plan_invalid_amount"),
                unit_quota=services.optional_int(p.get("unit_quota"), "allocation_invalid_quota", minimum=1),
                away_share=(services.optional_int(p.get("away_percent"), "allocation_invalid_away",
                                                  minimum=1) or 30) / 100.0,
                allowed_months=services.optional_int(p.get("allowed_months"), "allocation_invalid_months",
                                                     minimum=1),
                class_codes=[c for c in p.get("classes", "").replace(",", " ").split() if c] or None,
            )
        except DomainError as exc:
            flash_domain_error(request, exc)
            return redirect("plans:allocation")
        return redirect("plans:allocation-detail", pk=run.pk)
    return render(request, "plans/allocation.html", {
        "runs": AllocationRun.objects.visible_to(actor).select_related("unit")[:20],
        "units": OrgUnit.objects.visible_to(actor).current().order_by("path")[:500],
        "can_run": actor.can(Action.NOMINATE), "allowed_months": ALLOWED_MONTHS,
        "classes": request.GET.get("classes", ""),
    })


def _gap_label(gap: dict[str, Any]) -> str:
    from cadretrain.core.choices import LEVEL_LABELS, RequirementDimension

    dim, level = gap.get("dimension", ""), gap.get("required", "")
    if dim == "KNOWLEDGE_UPDATE_MONTHS":
        return _("Cập nhật kiến thức (chu kỳ {n} tháng)").format(n=level)
    if dim == "ANNUAL_PERIODS":
        return _("Đủ {n} tiết bồi dưỡng trong năm").format(n=level)
    try:
        label = str(RequirementDimension(dim).label)
    except ValueError:
        label = dim
    return f"{label}: {LEVEL_LABELS.get(level, level)}"


UNPLACED_SHOWN = 500


@actor_required()
def allocation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    run = selectors.allocation_run_get(actor=actor, pk=pk)
    as_of = dt.date.fromisoformat(run.result.get("params", {}).get("as_of") or timezone.localdate().isoformat())
    rows = run.result.get("rows", [])
    placed = [r for r in rows if r.get("class")]
    unplaced_all = [r for r in rows if not r.get("class")]
    unplaced = sorted(unplaced_all, key=lambda r: -(r.get("priority") or 0))[:UNPLACED_SHOWN]
    shown = placed + unplaced
    names = dict(OrgUnit.objects.visible_to(actor).filter(code__in={r["unit"] for r in shown}).values_list("code", "name"))
    for r in shown:
        r["unit_name"] = names.get(r["unit"], r["unit"])
        deadline = r.get("deadline")
        r["deadline_date"] = dt.date.fromisoformat(deadline) if deadline else None
        r["days_left"] = (r["deadline_date"] - as_of).days if deadline else None
        r["gaps"] = [{**g, "label": _gap_label(g)} for g in r.get("gaps", [])]
    by_reason: dict[str, int] = {}
    for r in unplaced_all:
        by_reason[r["reason"]] = by_reason.get(r["reason"], 0) + 1
    return render(request, "plans/allocation_detail.html", {
        "run": run, "placed": placed, "unplaced": unplaced, "more_unplaced": len(unplaced_all) - len(unplaced),
        "unplaced_total": len(unplaced_all), "by_reason": sorted(by_reason.items(), key=lambda kv: -kv[1]),
        "limited_to": run.result.get("params", {}).get("classes") or [],
        "total": len(rows), "as_of": as_of,
        "quality": 100.0 * run.objective / run.bound if run.bound else 100.0,
        "can_accept": actor.can(Action.NOMINATE) and run.accepted_at is None,
    })


@require_POST
@actor_required(Action.NOMINATE)
def allocation_accept(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    run = selectors.allocation_run_get(actor=actor, pk=pk)
    pairs = []
    for person in request.POST.getlist("keep"):
        klass = request.POST.get(f"class_{person}", "").strip()
        if klass:
            pairs.append((person, klass))
    try:
        made = services.allocation_accept(actor=actor, run=run, pairs=pairs)
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash_domain_error(request, exc)
        return redirect("plans:allocation-detail", pk=pk)
    from django.contrib import messages

    messages.success(request, _("Đã tạo {n} đề nghị cử học.").format(n=len(made)))
    return redirect("plans:allocation-detail", pk=pk)

