"""Plans API: annual plans and their workflow, overlaps across units, allocation proposals.
Thin over the same services and selectors as the web pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

from cadretrain.catalogue.models import Programme
from cadretrain.domain import validation as v
from cadretrain.domain.errors import DomainError, NotFound
from cadretrain.org.models import OrgUnit
from cadretrain.plans import selectors, services
from cadretrain.plans.models import PlanItem, TrainingPlan

router = Router(tags=["plans"])


def _actor(request: HttpRequest) -> Any:
    return request.actor  # type: ignore[attr-defined]


def item_out(i: PlanItem) -> dict[str, Any]:
    return {
        "id": i.pk, "programme": i.programme.code if i.programme_id else None, "need": i.need,
        "target_group": i.target_group, "people": i.people, "quarter": i.quarter,
        "budget_state": i.budget_state, "budget_unit": i.budget_unit, "budget_learner": i.budget_learner,
        "budget_sponsor": i.budget_sponsor, "budget_total": i.budget_total,
    }


def plan_out(p: TrainingPlan, items: list[PlanItem] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": p.pk, "unit": p.unit.code, "unit_name": p.unit.name, "year": p.year,
                           "title": p.title, "status": p.status, "version": p.version}
    if items is not None:
        out["items"] = [item_out(i) for i in items]
    return out


class PlanIn(Schema):
    unit: str
    year: int
    title: str = ""


class ItemIn(Schema):
    programme: str | None = None
    need: str = ""
    target_group: str = ""
    people: int
    quarter: int
    budget_state: int = 0
    budget_unit: int = 0
    budget_learner: int = 0
    budget_sponsor: int = 0
    budget_total: int | None = None
    version: int | None = None


class ActionIn(Schema):
    action: str
    comment: str = ""
    version: int | None = None


@router.get("/plans")
def plans_list(request: HttpRequest, year: int | None = None, status: str | None = None, unit: str | None = None,
               limit: int = 50, offset: int = 0) -> dict[str, Any]:
    qs = selectors.plan_list(actor=_actor(request), year=year, status=status, unit_code=unit)
    return {"items": [plan_out(p) for p in qs[offset : offset + min(limit, 500)]], "count": qs.count()}


@router.post("/plans", response={201: dict})
def plans_create(request: HttpRequest, body: PlanIn) -> Any:
    actor = _actor(request)
    unit = OrgUnit.objects.visible_to(actor).filter(code=body.unit).first()
    if unit is None:
        raise NotFound("orgunit_not_found")
    return Status(201, plan_out(services.plan_create(actor=actor, unit=unit, year=body.year, title=body.title), []))


@router.get("/plans/{pk}")
def plans_get(request: HttpRequest, pk: int) -> dict[str, Any]:
    actor = _actor(request)
    plan = selectors.plan_get(actor=actor, pk=pk)
    out = plan_out(plan, list(selectors.plan_items(actor=actor, plan=plan)))
    out["events"] = [{"action": e.action, "from": e.from_status, "to": e.to_status, "by": e.actor_name,
                      "at": e.at.isoformat(), "comment": e.comment}
                     for e in selectors.plan_events(actor=actor, plan=plan)]
    out["plan_vs_actual"] = selectors.plan_vs_actual(actor=actor, plan=plan)
    return out


@router.post("/plans/{pk}/items", response={201: dict})
def plans_item_add(request: HttpRequest, pk: int, body: ItemIn) -> Any:
    actor = _actor(request)
    plan = selectors.plan_get(actor=actor, pk=pk)
    programme = None
    if body.programme:
        programme = Programme.objects.filter(code=body.programme).first()
        if programme is None:
            raise NotFound("programme_not_found")
    data = body.dict(exclude={"programme", "version"})
    item = services.plan_item_add(actor=actor, plan=plan, programme=programme, expected_version=body.version, **data)
    return Status(201, item_out(item))


@router.post("/plans/{pk}/actions")
def plans_action(request: HttpRequest, pk: int, body: ActionIn) -> dict[str, Any]:
    actor = _actor(request)
    plan = selectors.plan_get(actor=actor, pk=pk)
    handlers = {"submit": services.plan_submit, "approve": services.plan_approve, "return": services.plan_return}
    if body.action not in handlers:
        raise DomainError("plan_invalid_transition", status=plan.status, action=body.action)
    plan = handlers[body.action](actor=actor, plan=plan, expected_version=body.version, comment=body.comment)
    return plan_out(plan)


def current_scan(*, actor: Any, year: int) -> tuple[Any, bool]:
    """The stored scan of the year in the actor's scope, recomputed now when there is none or it
    is stale (a scan already running elsewhere is returned as it stands, marked stale)."""
    scan = selectors.overlap_scan_result(actor=actor, year=year)
    if scan is not None and scan.fingerprint == selectors.overlap_fingerprint(actor=actor, year=year):
        return scan, False
    try:
        return services.overlap_scan_now(actor=actor, year=year), False
    except DomainError as exc:
        if exc.code != "overlap_scan_running" or scan is None:
            raise
        return scan, True


@router.get("/overlaps")
def overlaps(request: HttpRequest, year: int | None = None) -> dict[str, Any]:
    """Overlap clusters of the year from the stored scan (computed first when missing or stale)."""
    actor = _actor(request)
    year = year or timezone.localdate().year
    scan, stale = current_scan(actor=actor, year=year)
    return overlaps_doc(scan, year=year, stale=stale)


def overlaps_doc(scan: Any, *, year: int, stale: bool = False) -> dict[str, Any]:
    clusters = selectors.scan_clusters(scan)
    return {"year": year, "computed_at": scan.finished_at.isoformat() if scan.finished_at else None,
            "stale": stale, "count": len(clusters), "items": [overlap_out(c) for c in clusters]}


class ScanIn(Schema):
    year: int


def scan_out(scan: Any) -> dict[str, Any]:
    job = scan.job
    return {"id": scan.pk, "year": scan.year, "running": scan.running, "failed": scan.failed,
            "done": job.done if job else None, "total": job.total if job else None,
            "finished_at": scan.finished_at.isoformat() if scan.finished_at else None,
            "clusters": len(scan.clusters)}


@router.post("/overlaps/scans", response={202: dict})
def overlaps_scan(request: HttpRequest, body: ScanIn) -> Any:
    """Start a recomputation of the year's overlaps in the caller's scope (a worker backend runs
    it in the background: poll GET /overlaps/scans/latest?year=)."""
    scan = services.overlap_scan_start(actor=_actor(request), year=body.year)
    scan.refresh_from_db()
    return Status(202, scan_out(scan))


@router.get("/overlaps/scans/latest")
def overlaps_scan_latest(request: HttpRequest, year: int) -> dict[str, Any]:
    """The newest scan of the year in the caller's scope, running or finished (404 when none)."""
    scan = selectors.overlap_scan_latest(actor=_actor(request), year=year)
    if scan is None:
        raise NotFound("overlap_scan_not_found")
    return scan_out(scan)


class MergeIn(Schema):
    year: int
    members: str
    code: str
    start_date: str
    end_date: str
    programme: str | None = None
    seats: dict[str, int] | None = None
    cost_vnd: int | None = None
    open: bool = False


@router.post("/overlaps/merge", response={201: dict})
def overlaps_merge(request: HttpRequest, body: MergeIn) -> Any:
    """Merge the listed cluster members ("item:12,item:15") into one shared class with seats per unit."""
    programme = None
    if body.programme:
        programme = Programme.objects.filter(code=body.programme).first()
        if programme is None:
            raise DomainError("merge_programme_unknown", code=body.programme)
    tc = services.overlap_merge(actor=_actor(request), year=body.year, members=body.members, code=body.code,
                                start_date=body.start_date, end_date=body.end_date, programme=programme,
                                seats=body.seats, cost_vnd=body.cost_vnd, open_for_nominations=body.open)
    return Status(201, {"class": tc.code, "capacity": tc.capacity, "status": tc.status})


def overlap_out(c: Any) -> dict[str, Any]:
    return {"key": c.key, "score": c.score, "reasons": list(c.reasons), "units": c.units,
            "members": [{"kind": m.kind, "id": m.pk, "unit": m.unit_code, "text": m.text,
                         "start": m.start.isoformat(), "end": m.end.isoformat(), "people": m.people}
                        for m in c.members]}


def allocation_out(run: Any) -> dict[str, Any]:
    return {"id": run.pk, "unit": run.unit.code, "objective": run.objective, "bound": run.bound,
            "greedy": run.result.get("greedy"), "cost": run.result.get("cost"), "budget": run.budget,
            "accepted": run.accepted_at is not None, "rows": run.result.get("rows", [])}


class AllocationIn(Schema):
    unit: str | None = None
    budget: int | None = None
    unit_quota: int | None = None
    away_share: float = 0.3
    as_of: str | None = None
    allowed_months: int | None = None
    classes: list[str] | None = None


class AcceptIn(Schema):
    pairs: list[tuple[str, str]] | None = None


@router.post("/allocations", response={201: dict})
def allocations_create(request: HttpRequest, body: AllocationIn) -> Any:
    as_of = v.parse_date(body.as_of) if body.as_of else timezone.localdate()
    run = services.allocation_propose(actor=_actor(request), as_of=as_of or timezone.localdate(), unit_code=body.unit,
                                      budget=body.budget, away_share=body.away_share, unit_quota=body.unit_quota,
                                      allowed_months=body.allowed_months, class_codes=body.classes)
    return Status(201, allocation_out(run))


@router.get("/allocations/{pk}")
def allocations_get(request: HttpRequest, pk: int) -> dict[str, Any]:
    return allocation_out(selectors.allocation_run_get(actor=_actor(request), pk=pk))


@router.post("/allocations/{pk}/accept")
def allocations_accept(request: HttpRequest, pk: int, body: AcceptIn) -> dict[str, Any]:
    actor = _actor(request)
    run = selectors.allocation_run_get(actor=actor, pk=pk)
    made = services.allocation_accept(actor=actor, run=run, pairs=body.pairs)
    return {"nominations": [{"person": e.person.code, "class": e.training_class.code, "status": e.status}
                            for e in made]}
