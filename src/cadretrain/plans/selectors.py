"""Reads for plans: scoped lists and details, consolidated items, plan versus actual, overlap
clusters across units, repeat nominations, and the allocation problem built from the gaps."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, DateField, Exists, F, Func, OuterRef, Q, QuerySet, Subquery, Sum

from cadretrain.core.choices import ClassMode, ClassStatus, EnrolmentStatus
from cadretrain.core.scoping import get_visible_or_404
from cadretrain.domain import allocation as alloc
from cadretrain.domain import overlap as ov
from cadretrain.domain.access import Actor, Role
from cadretrain.domain.levels import ALL_REQUIREMENT_DIMENSIONS, is_known_level, satisfies
from cadretrain.plans.models import PlanEvent, PlanItem, PlanItemClass, TrainingPlan


def plan_list(*, actor: Actor, year: int | None = None, status: str | None = None,
              unit_code: str | None = None) -> QuerySet[TrainingPlan]:
    """Plans the actor may see (its unit subtree; the city sees all), with item counts and totals."""
    qs = TrainingPlan.objects.visible_to(actor).select_related("unit")
    if year:
        qs = qs.filter(year=year)
    if status:
        qs = qs.filter(status=status)
    if unit_code:
        qs = qs.filter(unit__code=unit_code)
    return qs.annotate(n_items=Count("items"), people_total=Sum("items__people"),
                       budget=Sum("items__budget_total")).order_by("-year", "unit__path")


def plan_get(*, actor: Actor, pk: int) -> TrainingPlan:
    """One visible plan (404 when missing or out of scope)."""
    return get_visible_or_404(TrainingPlan.objects.select_related("unit"), actor, pk=pk)


def plan_find(*, actor: Actor, unit_code: str, year: int) -> TrainingPlan:
    """A visible unit's plan for a year, by unit code."""
    return get_visible_or_404(TrainingPlan.objects.select_related("unit"), actor, unit__code=unit_code, year=year)


def plan_items(*, actor: Actor, plan: TrainingPlan) -> QuerySet[PlanItem]:
    return PlanItem.objects.visible_to(actor).filter(plan=plan).select_related("programme")


def plan_events(*, actor: Actor, plan: TrainingPlan) -> QuerySet[PlanEvent]:
    return PlanEvent.objects.visible_to(actor).filter(plan=plan).order_by("at", "pk")


def plan_item_get(*, actor: Actor, pk: int) -> PlanItem:
    return get_visible_or_404(PlanItem.objects.select_related("plan", "plan__unit", "programme"), actor, pk=pk)


def plan_consolidated(*, actor: Actor, plan: TrainingPlan) -> QuerySet[PlanItem]:
    """The plan's own items plus those of its descendants' plans of the same year (the roll-up
    a parent level sees when it submits upwards)."""
    return (PlanItem.objects.visible_to(actor)
            .filter(plan__year=plan.year, plan__unit__path__startswith=plan.unit.path)
            .select_related("programme", "plan__unit").order_by("plan__unit__path", "quarter", "pk"))


def plan_children(*, actor: Actor, plan: TrainingPlan) -> QuerySet[TrainingPlan]:
    """The same year's plans of the units below the plan's unit, with their item totals."""
    return (TrainingPlan.objects.visible_to(actor)
            .filter(year=plan.year, unit__path__startswith=plan.unit.path).exclude(pk=plan.pk)
            .select_related("unit").annotate(n_items=Count("items"), people_total=Sum("items__people"),
                                             budget=Sum("items__budget_total"))
            .order_by("unit__path"))


def plan_vs_actual(*, actor: Actor, plan: TrainingPlan) -> list[dict[str, Any]]:
    """Per unit and quarter of the consolidated plan: planned people and budget against the
    classes linked to the items, their learners (not withdrawn) and completions. Four queries."""
    from cadretrain.training.models import Enrolment

    rows: dict[tuple[str, int], dict[str, Any]] = {}
    planned = (PlanItem.objects.visible_to(actor)
               .filter(plan__year=plan.year, plan__unit__path__startswith=plan.unit.path)
               .values("plan__unit__code", "plan__unit__name", "plan__unit__path", "quarter")
               .annotate(people=Sum("people"), budget=Sum("budget_total"), items=Count("pk")))
    for r in planned:
        rows[(r["plan__unit__code"], r["quarter"])] = {
            "unit": r["plan__unit__code"], "unit_name": r["plan__unit__name"], "path": r["plan__unit__path"],
            "quarter": r["quarter"], "planned_people": r["people"] or 0, "planned_budget": r["budget"] or 0,
            "items": r["items"], "classes": 0, "learners": 0, "completed": 0, "actual_cost": 0,
        }
    links = list(PlanItemClass.objects.visible_to(actor)
                 .filter(plan_item__plan__year=plan.year, plan_item__plan__unit__path__startswith=plan.unit.path)
                 .values_list("plan_item__plan__unit__code", "plan_item__plan__unit__path", "plan_item__quarter",
                              "training_class_id", "training_class__cost_vnd"))
    class_ids = {row[3] for row in links}
    learners: dict[tuple[int, str], tuple[int, int]] = {}
    if class_ids:
        counts = (Enrolment.objects.filter(training_class_id__in=class_ids)
                  .exclude(status=EnrolmentStatus.WITHDRAWN)
                  .values("training_class_id", "person__unit__path")
                  .annotate(n=Count("pk"), done=Count("pk", filter=Q(status=EnrolmentStatus.COMPLETED))))
        for c in counts:
            learners[(c["training_class_id"], c["person__unit__path"])] = (c["n"], c["done"])
    seen: set[tuple[str, int, int]] = set()
    for code, path, quarter, class_id, cost in links:
        key = (code, quarter)
        row = rows.get(key)
        if row is None or (code, quarter, class_id) in seen:
            continue
        seen.add((code, quarter, class_id))
        row["classes"] += 1
        row["actual_cost"] += cost or 0
        for (cid, person_path), (n, done) in learners.items():
            if cid == class_id and person_path.startswith(path):
                row["learners"] += n
                row["completed"] += done
    out = sorted(rows.values(), key=lambda r: (r["path"], r["quarter"]))
    for r in out:
        r["variance_people"] = r["learners"] - r["planned_people"]
    return out


# --- overlaps ---------------------------------------------------------------------------------

def quarter_range(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, 3 * (quarter - 1) + 1, 1)
    end = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
    return start, end - dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class OverlapMember:
    kind: str  # "item" | "class"
    pk: int
    unit_code: str
    unit_name: str
    text: str
    start: dt.date
    end: dt.date
    people: int
    programme_id: int | None
    label: str = ""  # what a person reads: the need or programme name, or the class name

    @property
    def key(self) -> str:
        """Stable identity of the member ("item:12", "class:7"): what the merge form posts back."""
        return f"{self.kind}:{self.pk}"

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.pk, "unit": self.unit_code, "unit_name": self.unit_name,
                "text": self.text, "start": self.start.isoformat(), "end": self.end.isoformat(),
                "people": self.people, "programme_id": self.programme_id, "label": self.label}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> OverlapMember:
        return cls(d["kind"], d["id"], d["unit"], d.get("unit_name", d["unit"]), d["text"],
                   dt.date.fromisoformat(d["start"]), dt.date.fromisoformat(d["end"]), d["people"],
                   d.get("programme_id"), d.get("label") or d["text"])


@dataclass(frozen=True, slots=True)
class OverlapCluster:
    score: float
    reasons: tuple[str, ...]
    members: list[OverlapMember]

    @property
    def key(self) -> str:
        """The members it lists, sorted ("class:3,item:12,item:15"): a cluster is identified by
        what the user saw, so a merge acts on exactly those items or fails clearly."""
        return members_key(m.key for m in self.members)

    @property
    def units(self) -> list[str]:
        return sorted({m.unit_code for m in self.members})

    @property
    def items(self) -> int:
        """How many plan items it holds (a cluster of scheduled classes only has nothing to merge)."""
        return sum(1 for m in self.members if m.kind == "item")

    @property
    def unit_seats(self) -> list[dict[str, Any]]:
        """Per unit with plan items (in code order): its name and the people its items plan, the
        default seats of the shared class."""
        seats: dict[str, dict[str, Any]] = {}
        for m in self.members:
            if m.kind == "item":  # units with only a scheduled class in the cluster planned nothing
                row = seats.setdefault(m.unit_code, {"code": m.unit_code, "name": m.unit_name, "people": 0})
                row["people"] += m.people or 0
        return [seats[k] for k in sorted(seats)]

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "score": self.score, "reasons": list(self.reasons),
                "members": [m.as_json() for m in self.members]}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> OverlapCluster:
        return cls(d["score"], tuple(d["reasons"]), [OverlapMember.from_json(m) for m in d["members"]])


def members_key(keys: Any) -> str:
    return ",".join(sorted(set(keys), key=lambda k: (k.split(":")[0], int(k.split(":")[1]))))


def parse_members_key(value: str) -> list[tuple[str, int]]:
    """"item:12,class:3" → [("item", 12), ("class", 3)]; ValueError on anything else."""
    out = []
    for part in (value or "").replace(" ", ",").split(","):
        if not part:
            continue
        kind, _, pk = part.partition(":")
        if kind not in ("item", "class") or not pk.isdigit():
            raise ValueError(part)
        out.append((kind, int(pk)))
    if len(out) < 2:
        raise ValueError(value)
    return out


def _year_items(actor: Actor, year: int) -> QuerySet[PlanItem]:
    """The year's plan items still open to overlap: an item already realised by a class (a merge
    or the unit's own class) is represented by that class."""
    return PlanItem.objects.visible_to(actor).filter(plan__year=year, class_links__isnull=True)


def _year_classes(actor: Actor, year: int) -> QuerySet[Any]:
    from cadretrain.training.models import TrainingClass

    return (TrainingClass.objects.visible_to(actor)
            .filter(start_date__year=year).exclude(status=ClassStatus.CANCELLED))


def overlap_members(*, actor: Actor, year: int, only: list[tuple[str, int]] | None = None) -> list[OverlapMember]:
    """Plan items of the year and the year's classes (not cancelled) that the actor may see
    (only the given `(kind, pk)` when `only` is set). Two queries."""
    members: list[OverlapMember] = []
    items = _year_items(actor, year)
    classes = _year_classes(actor, year)
    if only is not None:
        items = items.filter(pk__in=[pk for kind, pk in only if kind == "item"])
        classes = classes.filter(pk__in=[pk for kind, pk in only if kind == "class"])
    for pk, code, name, need, target, quarter, people, prog_id, prog_name, topics in items.values_list(
            "pk", "plan__unit__code", "plan__unit__name", "need", "target_group", "quarter",
            "people", "programme_id", "programme__name", "programme__topics"):
        start, end = quarter_range(year, quarter)
        text = " ".join(t for t in (need, prog_name or "", topics or "", target) if t)
        label = " — ".join(t for t in (prog_name, need) if t)
        members.append(OverlapMember("item", pk, code, name, text, start, end, people, prog_id, label))
    for pk, code, name, cname, start, end, capacity, prog_id, prog_name, topics in classes.values_list(
            "pk", "organizer_unit__code", "organizer_unit__name", "name", "start_date",
            "end_date", "capacity", "programme_id", "programme__name", "programme__topics"):
        text = " ".join(t for t in (cname, prog_name or "", topics or "") if t)
        members.append(OverlapMember("class", pk, code, name, text, start, end, capacity or 0, prog_id, cname))
    return members


def overlap_clusters_of(members: list[OverlapMember], *, progress: ov.Progress | None = None
                        ) -> list[OverlapCluster]:
    """Cluster the given members (pure computation; no query)."""
    docs = [ov.Doc(key=m.key, unit=m.unit_code, text=m.text, start=m.start.toordinal(),
                   end=m.end.toordinal(), programme=m.programme_id) for m in members]
    pairs = ov.find_pairs(docs, progress=progress)
    found = [OverlapCluster(c.score, c.reasons, [members[i] for i in c.members])
             for c in ov.clusters(len(docs), pairs)]
    # Clusters with plan items first (what the city can still merge), then scheduled classes.
    return sorted(found, key=lambda c: (c.items == 0, -len(c.members), -c.score))


def overlap_clusters(*, actor: Actor, year: int) -> list[OverlapCluster]:
    """Groups of items and classes of different units teaching the same thing in the same period,
    computed now (seconds at city scale: the page reads the stored scan instead)."""
    return overlap_clusters_of(overlap_members(actor=actor, year=year))


def overlap_fingerprint(*, actor: Actor, year: int) -> str:
    """A digest of what an overlap scan reads (the year's open plan items and classes): any item
    added, removed or edited, or a class added, cancelled, renamed or moved, changes it. Two
    aggregate queries."""
    from django.db.models import Max, Min
    from django.db.models.functions import Length

    items = _year_items(actor, year).aggregate(n=Count("pk"), s=Sum("pk"), u=Max("updated_at"))
    classes = _year_classes(actor, year).aggregate(
        n=Count("pk"), s=Sum("pk"), c=Sum("capacity"), t=Sum(Length("name")), a=Min("start_date"),
        b=Max("start_date"), e=Max("end_date"), p=Sum("programme_id"))
    raw = repr((sorted(items.items()), sorted(classes.items())))
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def overlap_scope(actor: Actor) -> str:
    """The scope a scan is stored under: the city's, or the officer's unit subtree."""
    return "" if actor.is_city_wide else (actor.unit_path or "")


def overlap_scan_latest(*, actor: Actor, year: int) -> Any:
    """The newest scan of the year in the actor's scope (running or finished), or None."""
    from cadretrain.plans.models import OverlapScan

    return (OverlapScan.objects.visible_to(actor).filter(year=year, scope_path=overlap_scope(actor))
            .select_related("job").first())


def overlap_scan_result(*, actor: Actor, year: int) -> Any:
    """The newest finished scan of the year in the actor's scope, or None."""
    from cadretrain.plans.models import OverlapScan

    return (OverlapScan.objects.visible_to(actor)
            .filter(year=year, scope_path=overlap_scope(actor), running=False, failed=False).first())


def scan_clusters(scan: Any) -> list[OverlapCluster]:
    return [OverlapCluster.from_json(c) for c in (scan.clusters if scan else [])]


class YearsBefore(Func):
    """The same day `years` years earlier, 29 February becoming 28 February (as `date.replace`
    with a fallback would give), computed by the database for every row."""

    output_field = DateField()

    def __init__(self, expression: Any, years: int) -> None:
        super().__init__(expression)
        self.years = int(years)

    def as_sqlite(self, compiler: Any, connection: Any, **_: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        back = f"'-{self.years} years'"
        # SQLite rolls 29 February − n years over to 1 March: step back a day first.
        return (f"(CASE WHEN strftime('%%m-%%d', {sql}) = '02-29' THEN date({sql}, '-1 day', {back}) "
                f"ELSE date({sql}, {back}) END)", [*params, *params, *params])

    def as_postgresql(self, compiler: Any, connection: Any, **_: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(({sql}) - make_interval(years => {self.years}))::date", list(params)


def repeat_nominations(*, actor: Actor, years: int = 3, as_of: dt.date | None = None,
                       limit: int | None = None) -> tuple[list[dict[str, Any]], int]:
    """People nominated (or enrolled) in an upcoming class of a programme they completed within
    the last `years` years before that class starts: the first `limit` (by class start, class,
    person) and how many there are in all. The test runs in the database as one EXISTS per
    upcoming enrolment on the person's completions index (at L a city has ~290,000 upcoming
    enrolments; fetching them and their people's completions to test in Python took 8 s)."""
    from django.utils import timezone

    from cadretrain.training.models import Enrolment

    day = as_of or timezone.localdate()
    completed = Enrolment.objects.filter(
        person_id=OuterRef("person_id"), status=EnrolmentStatus.COMPLETED,
        training_class__programme_id=OuterRef("training_class__programme_id"),
        completed_on__gte=OuterRef("since"), completed_on__lt=OuterRef("training_class__start_date"),
    )
    if not actor.is_city_wide and actor.role in (Role.UNIT_OFFICER, Role.VIEWER):
        # A unit's scope is its subtree's people (the same rows as Enrolment.visible_to), given as
        # the people to start from: through the scope's join SQLite ran the EXISTS for every
        # upcoming enrolment of the city before testing the unit (1.6 s against 0.1 s at L).
        from cadretrain.people.models import Person

        upcoming = Enrolment.objects.filter(person_id__in=Person.objects.visible_to(actor).values("pk"))
    else:
        upcoming = Enrolment.objects.visible_to(actor)
    repeats = (
        upcoming
        .filter(status__in=[EnrolmentStatus.NOMINATED, EnrolmentStatus.ENROLLED], training_class__start_date__gte=day)
        .annotate(since=YearsBefore(F("training_class__start_date"), years))
        .filter(Exists(completed))
    )
    ids = list(repeats.order_by("training_class__start_date", "training_class__code", "person_id")
               .values_list("pk", flat=True))
    shown = ids if limit is None else ids[:limit]
    if not shown:
        return [], len(ids)
    latest = Subquery(completed.order_by("-completed_on").values("completed_on")[:1])
    rows = {
        pk: {"person": code, "name": name, "class": klass, "programme": programme, "completed_on": last.isoformat()}
        for pk, code, name, klass, programme, last in (
            Enrolment.objects.filter(pk__in=shown)
            .annotate(since=YearsBefore(F("training_class__start_date"), years), last=latest)
            .values_list("pk", "person__code", "person__full_name", "training_class__code",
                         "training_class__programme__name", "last")
        )
    }
    return [rows[pk] for pk in shown], len(ids)


# --- allocation -------------------------------------------------------------------------------

SENIOR_TIERS = frozenset({"BCT_BBT", "BTV_THANH_UY"})


def _closes(programme: tuple[str, str, str, str], dimension: str, required: str) -> bool:
    kind, g_dim, g_level, g_lang = programme
    if dimension == "KNOWLEDGE_UPDATE_MONTHS":
        return kind == "KNOWLEDGE_UPDATE"
    if dimension not in ALL_REQUIREMENT_DIMENSIONS or not g_dim or not is_known_level(dimension, required):
        return False
    try:
        return satisfies(g_dim, g_level, dimension, required, held_language=g_lang)
    except (KeyError, ValueError):
        return False


@dataclass(slots=True)
class AllocationInput:
    problem: alloc.Problem
    people: list[dict[str, Any]]
    offers: list[dict[str, Any]]
    params: dict[str, Any]
    # Per person index: the gaps with their deadline and weight (for "why placed / not placed").
    priorities: list[list[dict[str, Any]]]
    # People a shared class would help but whose unit has no seats reserved in it.
    no_reserved_seat: set[int] = field(default_factory=set)

    def offers_for(self, class_code: str, person: int) -> list[int]:
        """Offer indices of a class a person may take (its shared seats reserved for their unit)."""
        path = self.people[person]["unit__path"]
        return [j for j, o in enumerate(self.offers) if o["code"] == class_code
                and (o.get("reserved_path") is None or path.startswith(o["reserved_path"]))]


def seat_cost_of(class_cost: int | None, capacity: int | None, taken: int) -> int:
    """What one more learner costs: a class's cost (`cost_vnd` is the whole class's) spread over
    its seats, or over the learners it has when its capacity is unlimited."""
    if not class_cost:
        return 0
    return int(class_cost) // max(capacity or taken, 1)


def programme_costs(programme_ids: Any = None) -> dict[int, int]:
    """Cost per learner of each programme from its classes that have a cost and a capacity
    (total cost over total seats, rounded to a thousand VND). One grouped query."""
    from cadretrain.training.models import TrainingClass

    qs = (TrainingClass.objects.exclude(status=ClassStatus.CANCELLED)
          .filter(cost_vnd__gt=0, capacity__gt=0))
    if programme_ids is not None:
        qs = qs.filter(programme_id__in=list(programme_ids))
    out = {}
    for pid, cost, seats in (qs.order_by().values_list("programme_id")
                             .annotate(c=Sum("cost_vnd"), s=Sum("capacity")).values_list("programme_id", "c", "s")):
        if cost and seats:
            out[pid] = int(round(cost / seats, -3))
    return out


def allocation_input(*, actor: Actor, as_of: dt.date, unit_code: str | None = None, budget: int | None = None,
                     away_share: float = 0.3, unit_quota: int | None = None,
                     allowed_months: int = alloc.ALLOWED_MONTHS, class_codes: list[str] | None = None,
                     class_status: tuple[str, ...] = (ClassStatus.OPEN,)) -> AllocationInput:
    """The optimiser's input from the gaps of the people the actor may see and the open classes
    (free seats, seat cost, dates) they can be nominated to. A shared class whose seats the city
    split between units becomes one offer per unit (its reserved seats, for that unit's people).
    Each gap weighs by the post's standard, the Standing Committee's cadres and its deadline
    (appointment + `allowed_months`, the knowledge update's due date, the year's end).
    `class_codes` limits the classes to fill (e.g. the shared class just merged); a code that is
    not an open, visible, future class is refused. Set-based: a fixed number of queries."""
    from django.db.models import F, Min

    from cadretrain.people.models import Assignment, Person
    from cadretrain.plans.models import SeatAllocation
    from cadretrain.standards.evaluation import evaluate_workforce
    from cadretrain.training.models import SEAT_STATUSES, Enrolment, TrainingClass

    result = evaluate_workforce(actor=actor, as_of=as_of, unit_code=unit_code)
    gaps_by_person: dict[str, list[Any]] = defaultdict(list)
    for g in result.gaps:
        gaps_by_person[g.person_code].append(g)
    people_rows = list(Person.objects.visible_to(actor).filter(code__in=list(gaps_by_person))
                       .order_by("code").values("pk", "code", "full_name", "management_tier", "unit__code",
                                                "unit__path"))
    # Appointed to the post: the earliest assignment to the person's current position (a unit
    # merger moves people between units without appointing them again).
    appointed = dict(Assignment.objects.filter(person_id__in=[p["pk"] for p in people_rows], valid_from__lte=as_of,
                                               position_id=F("person__position_id")).order_by()
                     .values_list("person_id").annotate(since=Min("valid_from")).values_list("person_id", "since"))
    class_qs = TrainingClass.objects.visible_to(actor).filter(status__in=class_status, start_date__gt=as_of)
    if class_codes is not None:
        class_qs = class_qs.filter(code__in=class_codes)
    classes = list(class_qs
                   .order_by("start_date", "code")
                   .values("pk", "code", "name", "capacity", "enrolled", "cost_vnd", "start_date", "end_date",
                           "mode", "programme__kind", "programme__grants_dimension",
                           "programme__grants_level", "programme__grants_language"))
    if class_codes is not None:
        missing = sorted(set(class_codes) - {c["code"] for c in classes})
        if missing:
            from cadretrain.domain.errors import DomainError

            raise DomainError("allocation_class_not_open", code=", ".join(missing))
    class_ids = [c["pk"] for c in classes]
    # Who already holds (or was proposed) a place: nominations count against the free seats too,
    # and nobody is proposed twice for the same class.
    taken: dict[int, list[tuple[int, str]]] = defaultdict(list)
    nominated: dict[int, int] = defaultdict(int)
    for class_id, person_id, path, status in (
            Enrolment.objects.filter(training_class_id__in=class_ids).exclude(status=EnrolmentStatus.WITHDRAWN)
            .values_list("training_class_id", "person_id", "person__unit__path", "status")):
        taken[class_id].append((person_id, path))
        nominated[class_id] += status == EnrolmentStatus.NOMINATED
    reserved: dict[int, list[tuple[str, str, int]]] = defaultdict(list)
    for class_id, code, path, seats in (SeatAllocation.objects.filter(training_class_id__in=class_ids)
                                        .order_by("unit__path")
                                        .values_list("training_class_id", "unit__code", "unit__path", "seats")):
        reserved[class_id].append((code, path, seats))
    offers, offer_rows = [], []
    for c in classes:
        free = (c["capacity"] - c["enrolled"] - nominated.get(c["pk"], 0)) if c["capacity"] is not None \
            else len(people_rows)
        shares = reserved.get(c["pk"])
        parts = [(None, None, free)] if not shares else [
            (code, path, min(free, seats - sum(1 for _pid, p in taken[c["pk"]] if p.startswith(path))))
            for code, path, seats in shares]
        seat_cost = seat_cost_of(c["cost_vnd"], c["capacity"], c["enrolled"] + nominated.get(c["pk"], 0))
        for unit, path, seats in parts:
            if seats <= 0:
                continue
            offers.append(alloc.Offer(c["code"] if unit is None else f"{c['code']}@{unit}", seats,
                                      seat_cost, c["start_date"].toordinal(),
                                      c["end_date"].toordinal(), c["mode"] == ClassMode.TAP_TRUNG))
            offer_rows.append({**c, "reserved_for": unit, "reserved_path": path, "seat_cost": seat_cost})
    busy: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for person_id, start, end in (Enrolment.objects.filter(
            person_id__in=[p["pk"] for p in people_rows], training_class__mode=ClassMode.TAP_TRUNG,
            status__in=[*SEAT_STATUSES, EnrolmentStatus.NOMINATED], training_class__end_date__gte=as_of)
            .exclude(training_class__status=ClassStatus.CANCELLED)
            .values_list("person_id", "training_class__start_date", "training_class__end_date")):
        busy[person_id].append((start.toordinal(), end.toordinal()))
    candidates = [alloc.Candidate(p["code"], p["unit__code"], tuple(busy.get(p["pk"], ()))) for p in people_rows]
    held = {(class_id, person_id) for class_id, rows in taken.items() for person_id, _p in rows}
    arcs = []
    progs = [(c["programme__kind"], c["programme__grants_dimension"], c["programme__grants_level"],
              c["programme__grants_language"]) for c in offer_rows]
    by_prog: dict[tuple[str, str, str, str], list[int]] = defaultdict(list)
    for j, prog in enumerate(progs):
        by_prog[prog].append(j)
    priorities: list[list[dict[str, Any]]] = []
    no_seat: set[int] = set()
    for i, p in enumerate(people_rows):
        senior = p["management_tier"] in SENIOR_TIERS
        weighted = []
        for g in gaps_by_person[p["code"]]:
            deadline = alloc.gap_deadline(dimension=g.dimension, required=g.required, current=g.current,
                                          appointed=appointed.get(p["pk"]), as_of=as_of,
                                          allowed_months=allowed_months)
            weighted.append((g, deadline, alloc.gap_priority(senior=senior, deadline=deadline, as_of=as_of)))
        priorities.append([{"standard": g.standard_code, "dimension": g.dimension, "required": g.required,
                            "deadline": d.isoformat() if d else None, "weight": w, "senior": senior}
                           for g, d, w in weighted])
        # A value per distinct programme (a few dozen), not per class (thousands at city scale);
        # the person's arcs then go in class order, as before.
        mine: list[tuple[int, int, float]] = []
        for prog, offer_indices in by_prog.items():
            value = sum(w for g, _d, w in weighted if _closes(prog, g.dimension, g.required))
            if value <= 0:
                continue
            for j in offer_indices:
                row = offer_rows[j]
                if (row["pk"], p["pk"]) in held:
                    continue
                if row["reserved_path"] is not None and not p["unit__path"].startswith(row["reserved_path"]):
                    no_seat.add(i)  # the class would close a gap, but its seats are the other units'
                    continue
                mine.append((i, j, value))
        arcs.extend(sorted(mine, key=lambda a: a[1]))
    units = {c.unit for c in candidates}
    staff = dict(Person.objects.visible_to(actor).employed_on(as_of).filter(unit__code__in=units)
                 .values_list("unit__code").annotate(n=Count("pk")).values_list("unit__code", "n"))
    away = {u: max(1, int(away_share * n)) for u, n in staff.items()}
    quota = dict.fromkeys(units, unit_quota) if unit_quota else {}
    problem = alloc.Problem.from_arcs(candidates, offers, arcs, budget=budget, unit_quota=quota, away_limit=away)
    params = {"as_of": as_of.isoformat(), "unit": unit_code, "budget": budget, "away_share": away_share,
              "unit_quota": unit_quota, "allowed_months": allowed_months, "classes": class_codes}
    return AllocationInput(problem, people_rows, offer_rows, params, priorities, no_seat)


def allocation_run_get(*, actor: Actor, pk: int) -> Any:
    """One visible allocation proposal."""
    from cadretrain.plans.models import AllocationRun

    return get_visible_or_404(AllocationRun.objects.select_related("unit"), actor, pk=pk)


def free_shared_class_codes(year: int) -> Iterator[str]:
    """Codes `CHUNG-<year>-NN` not yet taken by any class, in order: the merge form proposes the
    first. Class codes are unique city-wide, so the check looks at every class; it reveals no
    class, only which number comes next."""
    from cadretrain.training.models import TrainingClass

    prefix = f"CHUNG-{year}-"
    taken = set(TrainingClass.objects.filter(code__startswith=prefix).values_list("code", flat=True))
    return (f"{prefix}{n:02d}" for n in range(1, 10_000) if f"{prefix}{n:02d}" not in taken)
