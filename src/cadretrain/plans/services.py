"""Writes to annual plans: drafting items (by hand or from the gap roll-up), the approval
workflow with conditional updates, links to the classes that realise the items, merging
overlapping items into one shared class, and turning an allocation into nominations."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from cadretrain.catalogue.models import Programme
from cadretrain.core.audit import audit_record, snapshot
from cadretrain.core.choices import ClassStatus
from cadretrain.domain import plan_workflow as wf
from cadretrain.domain.access import Action, Actor
from cadretrain.domain.errors import Conflict, DomainError, NotAllowed, NotFound
from cadretrain.domain.text import clean_text, fold
from cadretrain.org.models import OrgUnit
from cadretrain.plans.models import PlanEvent, PlanItem, PlanItemClass, TrainingPlan


def _ensure_manage(actor: Actor, unit: OrgUnit) -> None:
    if not actor.can(Action.MANAGE_PLANS) or not actor.covers_unit_path(unit.path):
        raise NotAllowed("plan_not_allowed")


def _int(value: Any, code: str, *, minimum: int = 0) -> int:
    try:
        number = int(str(value).strip()) if value not in (None, "") else 0
    except ValueError:
        raise DomainError(code, value=value) from None
    if number < minimum:
        raise DomainError(code, value=value)
    return number


def optional_int(value: Any, code: str, *, minimum: int = 0) -> int | None:
    """A number typed in a form: None when left empty, else a whole number ≥ `minimum`."""
    if value is None or str(value).strip() == "":
        return None
    return _int(value, code, minimum=minimum)


def _event(actor: Actor, plan: TrainingPlan, action: str, before: str, after: str, version: int,
           comment: str = "") -> PlanEvent:
    return PlanEvent.objects.create(
        plan=plan, actor_id=actor.user_id, actor_name=actor.username or "system", action=action,
        from_status=before, to_status=after, version=version, comment=comment,
    )


@transaction.atomic
def plan_create(*, actor: Actor, unit: OrgUnit, year: int, title: str = "") -> TrainingPlan:
    """Start a unit's draft plan for a year (one plan per unit and year)."""
    _ensure_manage(actor, unit)
    year = _int(year, "plan_invalid_year", minimum=2000)
    if year > 2100:
        raise DomainError("plan_invalid_year", value=year)
    try:
        with transaction.atomic():
            plan = TrainingPlan.objects.create(unit=unit, year=year, title=clean_text(title))
    except IntegrityError:
        raise Conflict("plan_exists", year=year) from None
    _event(actor, plan, "create", "", plan.status, plan.version)
    audit_record(actor=actor, obj=plan, action="create", changes={"new": snapshot(plan)}, unit_path=unit.path)
    return plan


def _touch(plan: TrainingPlan, expected_version: int | None) -> int:
    """Claim an edit of a draft/returned plan: bump its version by a conditional update so that
    an edit racing a submission (or another edit of the same version) fails instead of mixing."""
    version = plan.version if expected_version is None else int(expected_version)
    changed = TrainingPlan.objects.filter(pk=plan.pk, version=version, status__in=list(wf.EDITABLE)).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    if not changed:
        current = TrainingPlan.objects.filter(pk=plan.pk).values_list("status", flat=True).first()
        if current not in wf.EDITABLE:
            raise Conflict("plan_locked")
        raise Conflict("plan_changed_concurrently")
    plan.version = version + 1
    return plan.version


def clean_item(data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate one plan item's fields (shared by the web form, the API and the proposer)."""
    programme = data.get("programme")
    need = clean_text(data.get("need"))
    if programme is None and not need:
        raise DomainError("plan_item_empty")
    quarter = _int(data.get("quarter"), "plan_invalid_quarter", minimum=1)
    if quarter > 4:
        raise DomainError("plan_invalid_quarter", value=quarter)
    people = _int(data.get("people"), "plan_invalid_people", minimum=1)
    lines = {k: _int(data.get(k), "plan_invalid_amount") for k in wf.FUNDING_SOURCES}
    total_raw = data.get("budget_total")
    total = sum(lines.values()) if total_raw in (None, "") else _int(total_raw, "plan_invalid_amount")
    wf.check_budget(total, lines.values())
    return {
        "programme": programme, "need": need, "search_key": fold(need or (programme.name if programme else "")),
        "target_group": clean_text(data.get("target_group")), "people": people, "quarter": quarter,
        **lines, "budget_total": total,
        "gap_dimension": clean_text(data.get("gap_dimension")), "gap_level": clean_text(data.get("gap_level")),
    }


@transaction.atomic
def plan_item_add(*, actor: Actor, plan: TrainingPlan, expected_version: int | None = None,
                  estimate: bool = False, **fields: Any) -> PlanItem:
    """Add a line to a draft (or returned) plan. With `estimate`, a programme item whose budget
    lines are all left empty gets the estimate (cost per learner × people)."""
    _ensure_manage(actor, plan.unit)
    programme = fields.get("programme")
    if estimate and programme is not None and all(
            fields.get(k) in (None, "") for k in (*wf.FUNDING_SOURCES, "budget_total")):
        from cadretrain.plans.selectors import programme_costs

        people = _int(fields.get("people"), "plan_invalid_people", minimum=1)
        fields = {**fields, **wf.estimate_budget(kind=programme.kind, people=people,
                                                 cost_per_learner=programme_costs([programme.pk]).get(programme.pk))}
    data = clean_item(fields)
    _touch(plan, expected_version)
    item = PlanItem.objects.create(plan=plan, **data)
    audit_record(actor=actor, obj=item, action="create", changes={"new": snapshot(item)}, unit_path=plan.unit.path)
    return item


@transaction.atomic
def plan_item_update(*, actor: Actor, item: PlanItem, expected_version: int | None = None,
                     **fields: Any) -> PlanItem:
    """Change a line of a draft (or returned) plan."""
    plan = item.plan
    _ensure_manage(actor, plan.unit)
    current = {k: getattr(item, k) for k in ("programme", "need", "target_group", "people", "quarter",
                                             *wf.FUNDING_SOURCES, "budget_total", "gap_dimension", "gap_level")}
    if any(k in fields for k in wf.FUNDING_SOURCES) and "budget_total" not in fields:
        current["budget_total"] = None
    data = clean_item({**current, **fields})
    _touch(plan, expected_version)
    before = snapshot(item)
    for key, value in data.items():
        setattr(item, key, value)
    item.save()
    audit_record(actor=actor, obj=item, action="update", changes={"old": before, "new": snapshot(item)},
                 unit_path=plan.unit.path)
    return item


@transaction.atomic
def plan_item_delete(*, actor: Actor, item: PlanItem, expected_version: int | None = None) -> None:
    """Remove a line from a draft (or returned) plan."""
    plan = item.plan
    _ensure_manage(actor, plan.unit)
    _touch(plan, expected_version)
    audit_record(actor=actor, obj=item, action="delete", changes={"old": snapshot(item)}, unit_path=plan.unit.path)
    item.delete()


def _transition(*, actor: Actor, plan: TrainingPlan, action: wf.PlanAction, expected_version: int | None,
                comment: str = "") -> TrainingPlan:
    """Move a plan along the table with a conditional update on (status, version)."""
    wf.check_may_act(action=action, role=actor.role, actor_unit_path=actor.unit_path,
                     plan_unit_path=plan.unit.path)
    if action is not wf.PlanAction.SUBMIT and not actor.can(Action.APPROVE_PLANS):
        raise NotAllowed("plan_not_allowed")
    current = plan.status
    new = wf.next_status(current, action)
    version = plan.version if expected_version is None else int(expected_version)
    if action is wf.PlanAction.SUBMIT:
        if not plan.items.exists():
            raise DomainError("plan_empty")
        children = TrainingPlan.objects.filter(
            year=plan.year, unit__path__startswith=plan.unit.path
        ).exclude(pk=plan.pk).values_list("status", flat=True)
        wf.check_children_ready(children)
    changed = TrainingPlan.objects.filter(pk=plan.pk, status=current, version=version).update(
        status=new, version=version + 1, updated_at=timezone.now()
    )
    if not changed:
        raise Conflict("plan_changed_concurrently")
    plan.status, plan.version = new, version + 1
    _event(actor, plan, action.value, current, new, plan.version, clean_text(comment))
    audit_record(actor=actor, obj=plan, action=action.value,
                 changes={"status": [current, new], "comment": clean_text(comment)}, unit_path=plan.unit.path)
    return plan


@transaction.atomic
def plan_submit(*, actor: Actor, plan: TrainingPlan, expected_version: int | None = None,
                comment: str = "") -> TrainingPlan:
    """The unit sends its plan (with its children's approved plans consolidated) to the parent level."""
    return _transition(actor=actor, plan=plan, action=wf.PlanAction.SUBMIT,
                       expected_version=expected_version, comment=comment)


@transaction.atomic
def plan_approve(*, actor: Actor, plan: TrainingPlan, expected_version: int | None = None,
                 comment: str = "") -> TrainingPlan:
    """The parent level (or the city) approves a submitted plan; it is locked from then on."""
    return _transition(actor=actor, plan=plan, action=wf.PlanAction.APPROVE,
                       expected_version=expected_version, comment=comment)


@transaction.atomic
def plan_return(*, actor: Actor, plan: TrainingPlan, comment: str, expected_version: int | None = None
                ) -> TrainingPlan:
    """The parent level sends a submitted plan back to the unit with comments."""
    if not clean_text(comment):
        raise DomainError("return_comment_required")
    return _transition(actor=actor, plan=plan, action=wf.PlanAction.RETURN,
                       expected_version=expected_version, comment=comment)


TARGET_DEFAULT = "Người chưa đạt tiêu chuẩn của vị trí, chức danh"
TARGET_BY_DIMENSION = {
    "KNOWLEDGE_UPDATE_MONTHS": "Cán bộ thuộc diện cập nhật kiến thức",
    "ANNUAL_PERIODS": "Cán bộ, công chức, viên chức chưa đủ số tiết bồi dưỡng",
}


def gap_need_text(dimension: str, level: str) -> str:
    """A readable Vietnamese need for a gap no catalogue programme closes (stored as item text)."""
    if dimension == "KNOWLEDGE_UPDATE_MONTHS":
        return f"Bồi dưỡng cập nhật kiến thức (chu kỳ {level} tháng)"
    if dimension == "ANNUAL_PERIODS":
        return f"Bồi dưỡng đủ {level} tiết trong năm"
    from django.utils import translation

    from cadretrain.core.choices import LEVEL_LABELS, RequirementDimension

    with translation.override("vi"):
        return f"{RequirementDimension(dimension).label}: {LEVEL_LABELS.get(level, level)}"


@transaction.atomic
def plan_propose_items(*, actor: Actor, plan: TrainingPlan, as_of: dt.date | None = None,
                       limit: int = 10) -> list[PlanItem]:
    """Draft items for the unit's largest gaps: one item per (dimension, required level), the
    number of people with that gap, a catalogue programme granting that level when one exists,
    and a budget estimate (the programme's cost per learner × people, on the funding source its
    kind defaults to)."""
    from cadretrain.plans import selectors
    from cadretrain.standards.evaluation import evaluate_workforce

    _ensure_manage(actor, plan.unit)
    day = as_of or dt.date(plan.year, 1, 1)
    result = evaluate_workforce(actor=actor, as_of=day, unit_code=plan.unit.code)
    counts = Counter((g.dimension, g.required) for g in result.gaps if g.required)
    if not counts:
        return []
    programmes: dict[tuple[str, str], Programme] = {}
    for prog in Programme.objects.exclude(grants_dimension="").order_by("code"):
        programmes.setdefault((prog.grants_dimension, prog.grants_level), prog)
    knowledge_update = Programme.objects.filter(kind="KNOWLEDGE_UPDATE").order_by("code").first()
    already = set(plan.items.values_list("gap_dimension", "gap_level"))
    _touch(plan, None)
    chosen = []
    for (dimension, level), people in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]:
        if (dimension, level) in already:
            continue
        prog = programmes.get((dimension, level))
        if prog is None and dimension == "KNOWLEDGE_UPDATE_MONTHS":
            prog = knowledge_update
        chosen.append((dimension, level, people, prog))
    costs = selectors.programme_costs({p.pk for *_rest, p in chosen if p is not None})
    items = []
    for dimension, level, people, prog in chosen:
        need = "" if prog else gap_need_text(dimension, level)
        budget = wf.estimate_budget(kind=prog.kind, cost_per_learner=costs.get(prog.pk), people=people) \
            if prog else {}
        data = clean_item({"programme": prog, "need": need, "people": people, "quarter": 1,
                           "target_group": TARGET_BY_DIMENSION.get(dimension, TARGET_DEFAULT),
                           "gap_dimension": dimension, "gap_level": level, **budget})
        items.append(PlanItem(plan=plan, **data))
    PlanItem.objects.bulk_create(items)
    audit_record(actor=actor, obj=plan, action="propose_items", changes={"items": len(items)},
                 unit_path=plan.unit.path)
    return items


@transaction.atomic
def plan_item_link_class(*, actor: Actor, item: PlanItem, training_class: Any) -> PlanItemClass:
    """Record that a class realises (part of) a plan item, for plan-versus-actual."""
    from cadretrain.training.models import TrainingClass

    _ensure_manage(actor, item.plan.unit)
    if not TrainingClass.objects.visible_to(actor).filter(pk=training_class.pk).exists():
        raise NotFound("trainingclass_not_found")
    link, _created = PlanItemClass.objects.get_or_create(plan_item=item, training_class=training_class)
    audit_record(actor=actor, obj=link, action="link_class",
                 changes={"plan_item": item.pk, "training_class": training_class.pk}, unit_path=item.plan.unit.path)
    return link


# --- overlaps: a stored background scan, and merging a cluster into one shared class ----------

OVERLAP_JOB = "plans.overlap_scan"
# A scan still marked running after this long died with its worker: a new one may start.
SCAN_STALE_AFTER = dt.timedelta(minutes=30)
SCANS_KEPT = 3


def overlap_scan_start(*, actor: Actor, year: Any) -> Any:
    """Queue a recomputation of the year's overlaps in the actor's scope (the city's, or the
    unit's subtree). One scan at a time per year and scope: a second request while one runs gets
    `overlap_scan_running`. The work itself runs in `overlap_scan_run` through the tasks API."""
    from cadretrain.core.models import JobRun
    from cadretrain.plans.models import OverlapScan
    from cadretrain.plans.selectors import overlap_scope
    from cadretrain.plans.tasks import overlap_scan_job

    year = _int(year, "plan_invalid_year", minimum=2000)
    if year > 2100:
        raise DomainError("plan_invalid_year", value=year)
    scope = overlap_scope(actor)
    if not actor.is_city_wide and not scope:
        raise NotAllowed("plan_not_allowed")
    with transaction.atomic():
        # A scan whose worker died long ago must not block the page forever.
        OverlapScan.objects.filter(year=year, scope_path=scope, running=True,
                                   created_at__lt=timezone.now() - SCAN_STALE_AFTER).update(running=False, failed=True)
        job = JobRun.objects.create(kind=OVERLAP_JOB, owner_id=actor.user_id, total=100,
                                    message=f"{year} {scope or '*'}")
        try:
            with transaction.atomic():
                scan = OverlapScan.objects.create(year=year, scope_path=scope, job=job,
                                                  requested_by=actor.username or "system")
        except IntegrityError:
            raise Conflict("overlap_scan_running") from None
    # Enqueued after the rows are committed (the block above), not inside it: the immediate
    # backend then computes with no transaction open, and a worker always finds the rows.
    overlap_scan_job.enqueue(scan.pk)
    return scan


def overlap_scan_run(*, scan_id: int, actor: Actor) -> Any:
    """Compute and store one queued scan: fingerprint first (a change while it runs leaves the
    result stale, never silently fresh), then the members, then the clusters, writing progress
    to the JobRun between the steps. No transaction is held during the computation."""
    from cadretrain.core.models import JobRun
    from cadretrain.plans import selectors
    from cadretrain.plans.models import OverlapScan

    scan = OverlapScan.objects.select_related("job").get(pk=scan_id)
    job = scan.job
    if selectors.overlap_scope(actor) != scan.scope_path:
        raise NotAllowed("plan_not_allowed")
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = timezone.now().timestamp()
        if job is not None and (done >= total or now - last[0] >= 0.5):
            last[0] = now
            JobRun.objects.filter(pk=job.pk).update(done=done, total=total, status=JobRun.Status.RUNNING,
                                                    updated_at=timezone.now())

    try:
        progress(1, 100)
        fingerprint = selectors.overlap_fingerprint(actor=actor, year=scan.year)
        members = selectors.overlap_members(actor=actor, year=scan.year)
        found = selectors.overlap_clusters_of(members, progress=progress)
    except Exception as exc:
        OverlapScan.objects.filter(pk=scan.pk).update(running=False, failed=True, finished_at=timezone.now())
        if job is not None:
            JobRun.objects.filter(pk=job.pk).update(status=JobRun.Status.FAILED, message=str(exc)[:300],
                                                    updated_at=timezone.now())
        raise
    OverlapScan.objects.filter(pk=scan.pk).update(
        running=False, finished_at=timezone.now(), fingerprint=fingerprint, members=len(members),
        clusters=[c.as_json() for c in found])
    # Keep the last few results of the year and scope (their JSON is large at city scale).
    keep = OverlapScan.objects.filter(year=scan.year, scope_path=scan.scope_path).order_by("-created_at", "-pk")
    OverlapScan.objects.filter(pk__in=list(keep.filter(running=False).values_list("pk", flat=True)[SCANS_KEPT:])
                               ).delete()
    if job is not None:
        JobRun.objects.filter(pk=job.pk).update(status=JobRun.Status.DONE, done=100, total=100,
                                                result={"clusters": len(found), "members": len(members)},
                                                updated_at=timezone.now())
    scan.refresh_from_db()
    return scan


def overlap_scan_now(*, actor: Actor, year: Any) -> Any:
    """Start a scan and make sure it has finished (the CLI and the API use it when the stored
    result is missing or stale; with a worker backend it computes inline instead of waiting)."""
    from cadretrain.plans.models import OverlapScan

    scan = overlap_scan_start(actor=actor, year=year)
    scan.refresh_from_db()
    if scan.running:
        scan = overlap_scan_run(scan_id=scan.pk, actor=actor)
    return OverlapScan.objects.get(pk=scan.pk)


@transaction.atomic
def overlap_merge(*, actor: Actor, year: int, members: str, code: str, start_date: Any,
                  end_date: Any, programme: Programme | None = None,
                  seats: Mapping[str, Any] | None = None, cost_vnd: int | None = None,
                  open_for_nominations: bool = False) -> Any:
    """The city merges the overlapping items it was shown (`members`: "item:12,item:15,…") into one
    shared class (created through the training services), reserves seats for each unit and links
    the items to the new class. The members are read again and re-verified first: one deleted,
    already merged or edited so that it no longer overlaps refuses the merge, naming it."""
    from cadretrain.plans import selectors
    from cadretrain.plans.models import SeatAllocation
    from cadretrain.training.services import class_create, class_transition

    if not actor.is_city_wide:
        raise NotAllowed("plan_not_allowed")
    try:
        wanted_keys = selectors.parse_members_key(members)
    except ValueError:
        raise DomainError("overlap_members_invalid", value=members) from None
    current = selectors.overlap_members(actor=actor, year=year, only=wanted_keys)
    found = {m.key for m in current}
    gone = [f"{k}:{pk}" for k, pk in wanted_keys if f"{k}:{pk}" not in found]
    if gone:
        linked = set(PlanItemClass.objects.filter(plan_item_id__in=[int(g[5:]) for g in gone if g.startswith("item:")])
                     .values_list("plan_item_id", flat=True))
        if linked:
            raise Conflict("overlap_already_merged", count=len(linked))
        raise Conflict("overlap_member_gone", count=len(gone))
    again = selectors.overlap_clusters_of(current)
    if len(again) != 1 or len(again[0].members) != len(current):
        kept = {m.key for c in again for m in c.members}
        loose = [m for m in current if m.key not in kept] or current
        raise Conflict("overlap_no_longer_similar", items="; ".join(f"{m.unit_name}: {m.text[:60]}" for m in loose))
    cluster = again[0]
    if not cluster.items:
        raise DomainError("overlap_no_items")
    if programme is None:
        ids = {m.programme_id for m in cluster.members if m.programme_id}
        programme = Programme.objects.filter(pk=min(ids)).first() if ids else None
    if programme is None:
        raise DomainError("merge_needs_programme")
    wanted = {row["code"]: row["people"] for row in cluster.unit_seats}
    names = {row["code"]: row["name"] for row in cluster.unit_seats}
    for unit_code, n in (seats or {}).items():
        if unit_code not in wanted or not isinstance(n, int) or n < 0:
            raise DomainError("merge_seats_invalid", unit=names.get(unit_code, unit_code))
        wanted[unit_code] = n
    if not sum(wanted.values()):
        raise DomainError("merge_no_seats")
    units = {u.code: u for u in OrgUnit.objects.filter(code__in=list(wanted))}
    organizer = _common_ancestor(list(units.values()))
    extra: dict[str, Any] = {"capacity": sum(wanted.values())}
    if cost_vnd is not None:
        extra["cost_vnd"] = cost_vnd
    training_class = class_create(actor=actor, code=code, programme=programme, organizer_unit=organizer,
                                  start_date=start_date, end_date=end_date, **extra)
    item_by_unit: dict[str, int] = {}
    for m in cluster.members:
        if m.kind == "item":
            PlanItemClass.objects.get_or_create(plan_item_id=m.pk, training_class=training_class)
            item_by_unit.setdefault(m.unit_code, m.pk)
    SeatAllocation.objects.bulk_create([
        SeatAllocation(training_class=training_class, unit=units[u], seats=n, plan_item_id=item_by_unit.get(u))
        for u, n in sorted(wanted.items()) if n > 0
    ])
    audit_record(actor=actor, obj=training_class, action="merge_overlap",
                 changes={"members": [m.key for m in cluster.members], "seats": wanted}, unit_path=organizer.path)
    if open_for_nominations:
        class_transition(actor=actor, training_class=training_class, target=ClassStatus.OPEN)
    return training_class


def _common_ancestor(units: list[OrgUnit]) -> OrgUnit:
    paths = [u.path.strip("/").split("/") for u in units]
    common: list[str] = []
    for parts in zip(*paths, strict=False):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    if not common:
        return OrgUnit.objects.filter(parent__isnull=True).order_by("pk").first() or units[0]
    return OrgUnit.objects.get(pk=int(common[-1]))


# --- allocation -------------------------------------------------------------------------------

# A reason beyond the optimiser's own: a shared class would close the gap, but its seats were
# split between other units.
NO_RESERVED_SEAT = "no_reserved_seat"


def _priority_summary(gaps: list[dict[str, Any]]) -> dict[str, Any]:
    """The person's most pressing gaps (highest weight, earliest deadline first) for the rows."""
    top = sorted(gaps, key=lambda g: (-g["weight"], g["deadline"] or "9999"))[:2]
    deadlines = [g["deadline"] for g in gaps if g["deadline"]]
    return {"priority": top[0]["weight"] if top else 0.0, "deadline": min(deadlines) if deadlines else None,
            "senior": bool(gaps and gaps[0]["senior"]), "gaps": top}


@transaction.atomic
def allocation_propose(*, actor: Actor, as_of: dt.date, unit_code: str | None = None, budget: int | None = None,
                       away_share: float = 0.3, unit_quota: int | None = None,
                       allowed_months: int | None = None, class_codes: list[str] | None = None) -> Any:
    """Run the optimiser over the actor's people with gaps and the open classes (or only the
    given ones); keep the proposal."""
    import numpy as np

    from cadretrain.domain import allocation as alloc
    from cadretrain.org.models import OrgUnit as Unit
    from cadretrain.plans import selectors
    from cadretrain.plans.models import AllocationRun

    if not actor.can(Action.NOMINATE):
        raise NotAllowed("plan_not_allowed")
    if budget is not None and budget < 0:
        raise DomainError("plan_invalid_amount", value=budget)
    if unit_quota is not None and unit_quota < 1:
        raise DomainError("allocation_invalid_quota", value=unit_quota)
    if not 0 < away_share <= 1:
        raise DomainError("allocation_invalid_away", value=round(away_share * 100))
    months = alloc.ALLOWED_MONTHS if allowed_months is None else allowed_months
    if not 1 <= months <= 120:
        raise DomainError("allocation_invalid_months", value=months)
    data = selectors.allocation_input(actor=actor, as_of=as_of, unit_code=unit_code, budget=budget,
                                      away_share=away_share, unit_quota=unit_quota, allowed_months=months,
                                      class_codes=class_codes)
    result = alloc.solve(data.problem)
    # Value of each chosen (person, offer) arc, looked up once rather than by a scan per person.
    pair_key = data.problem.arc_person * max(len(data.offers), 1) + data.problem.arc_offer
    order = np.argsort(pair_key, kind="stable")
    rows = []
    for i, person in enumerate(data.people):
        j = result.assignment.get(i)
        value = 0.0
        if j is not None:
            pos = int(np.searchsorted(pair_key[order], i * max(len(data.offers), 1) + j))
            value = float(data.problem.arc_value[order[pos]])
        offer = data.offers[j] if j is not None else None
        rows.append({
            "person": person["code"], "name": person["full_name"], "unit": person["unit__code"],
            "class": offer["code"] if offer else None, "class_name": offer["name"] if offer else None,
            "seat_of": offer["reserved_for"] if offer else None,
            "cost": offer["seat_cost"] if offer else 0, "value": value,
            "reason": NO_RESERVED_SEAT if j is None and i in data.no_reserved_seat
            and result.reasons.get(i, alloc.NO_ELIGIBLE_CLASS) == alloc.NO_ELIGIBLE_CLASS
            else result.reasons.get(i, alloc.NO_ELIGIBLE_CLASS),
            **_priority_summary(data.priorities[i]),
        })
    root = Unit.objects.visible_to(actor).filter(code=unit_code).first() if unit_code else None
    if root is None:
        root = Unit.objects.visible_to(actor).order_by("depth", "path").first()
    run = AllocationRun.objects.create(
        unit=root, created_by=actor.username or "system", budget=budget, objective=result.objective,
        bound=result.bound,
        result={"params": data.params, "rows": rows, "cost": result.cost, "greedy": result.greedy_objective,
                "quality": result.quality},
    )
    audit_record(actor=actor, obj=run, action="propose", changes={"objective": result.objective,
                                                                  "bound": result.bound}, unit_path=root.path)
    return run


@transaction.atomic
def allocation_accept(*, actor: Actor, run: Any, pairs: list[tuple[str, str]] | None = None) -> list[Any]:
    """Turn a (possibly edited) proposal into nominations through the training services. The
    edited list is audited against every hard constraint first; a broken one changes nothing."""
    from cadretrain.domain import allocation as alloc
    from cadretrain.people.models import Person
    from cadretrain.plans import selectors
    from cadretrain.plans.models import AllocationRun
    from cadretrain.training.models import TrainingClass
    from cadretrain.training.services import nomination_create

    if not actor.can(Action.NOMINATE):
        raise NotAllowed("plan_not_allowed")
    if AllocationRun.objects.filter(pk=run.pk, accepted_at__isnull=False).exists():
        raise Conflict("allocation_already_accepted")
    params = run.result.get("params", {})
    chosen = pairs if pairs is not None else [(r["person"], r["class"]) for r in run.result.get("rows", [])
                                              if r.get("class")]
    data = selectors.allocation_input(
        actor=actor, as_of=dt.date.fromisoformat(params["as_of"]), unit_code=params.get("unit"),
        budget=params.get("budget"), away_share=params.get("away_share", 0.3), unit_quota=params.get("unit_quota"),
        allowed_months=params.get("allowed_months", alloc.ALLOWED_MONTHS), class_codes=params.get("classes"))
    person_index = {p["code"]: i for i, p in enumerate(data.people)}
    class_codes = {o["code"] for o in data.offers}
    indexed = []
    for person_code, class_code in chosen:
        if person_code not in person_index or class_code not in class_codes:
            raise DomainError("allocation_unknown", value=f"{person_code}→{class_code}")
        i = person_index[person_code]
        options = data.offers_for(class_code, i)
        if not options:
            unit = data.people[i]["unit__code"]
            raise DomainError("allocation_no_seat_for_unit", person=person_code, klass=class_code, unit=unit)
        indexed.append((i, options[0]))
    problems = alloc.audit(data.problem, indexed)
    if problems:
        code, params_ = problems[0]
        raise DomainError(code, **params_)
    if not AllocationRun.objects.filter(pk=run.pk, accepted_at__isnull=True).update(accepted_at=timezone.now()):
        raise Conflict("allocation_already_accepted")
    people = {p.code: p for p in Person.objects.filter(code__in=[p for p, _ in chosen]).select_related("unit")}
    classes = {c.code: c for c in TrainingClass.objects.filter(code__in=[c for _, c in chosen])}
    nominations = [nomination_create(actor=actor, training_class=classes[c], person=people[p]) for p, c in chosen]
    audit_record(actor=actor, obj=run, action="accept", changes={"nominations": len(nominations)},
                 unit_path=run.unit.path)
    return nominations
