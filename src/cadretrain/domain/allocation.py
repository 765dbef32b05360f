"""Who goes to which class: allocate class seats and a budget to people with gaps so that the
most priority-weighted gaps are closed.

Model. Each person takes at most one class of this allocation; an arc (person, class, value)
says the class closes some of the person's gaps, `value` being their summed priority weights.
Hard constraints: class seats, the budget (sum of seat costs), a per-unit quota of people, no
full-time class overlapping a full-time class the person already attends, and no more than
`away_limit[unit]` people of a unit away in full-time classes at any one time.

Method (reference/performance.md §3.7, §4.5): the budget is priced into an OR-Tools min-cost
flow (source → unit [quota] → person [1] → class [seats] → sink) with profit `value − λ·cost`;
λ is bisected until the flow fits the budget. Every λ gives a Lagrangian upper bound
`flow(λ) + λ·budget`; the smallest one is the LP bound of the seats-quota-budget relaxation and
is shown as the quality certificate (it ignores the away limit, so it is still an upper bound).
The flow at the feasible λ is then repaired for the away limit and filled greedily with what
budget and seats remain. Deterministic: same input, same output. Pure: numpy and OR-Tools only.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True, slots=True)
class Offer:
    """A class with free seats: `cost` per seat, `start`/`end` as day ordinals."""

    key: str
    seats: int
    cost: int
    start: int
    end: int
    full_time: bool = True


@dataclass(frozen=True, slots=True)
class Candidate:
    """A person with gaps; `busy` are the (start, end) of full-time classes already attended."""

    key: str
    unit: str
    busy: tuple[tuple[int, int], ...] = ()


@dataclass(slots=True)
class Problem:
    people: Sequence[Candidate]
    offers: Sequence[Offer]
    arc_person: np.ndarray  # int, index into people
    arc_offer: np.ndarray  # int, index into offers
    arc_value: np.ndarray  # float > 0
    budget: int | None = None
    unit_quota: dict[str, int] = field(default_factory=dict)
    away_limit: dict[str, int] = field(default_factory=dict)
    cache: dict[str, object] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_arcs(cls, people: Sequence[Candidate], offers: Sequence[Offer],
                  arcs: Iterable[tuple[int, int, float]], **kw: object) -> Problem:
        rows = list(arcs)
        return cls(people, offers,
                   np.array([a[0] for a in rows], dtype=np.int64),
                   np.array([a[1] for a in rows], dtype=np.int64),
                   np.array([a[2] for a in rows], dtype=np.float64), **kw)  # type: ignore[arg-type]


@dataclass(slots=True)
class Allocation:
    """The proposal: person index → offer index, its value, cost, the bound and the reasons."""

    assignment: dict[int, int]
    objective: float
    cost: int
    bound: float
    greedy_objective: float
    reasons: dict[int, str]
    lam: float = 0.0

    @property
    def quality(self) -> float:
        return self.objective / self.bound if self.bound > 0 else 1.0


# Reasons a person was or was not placed (codes; the interfaces translate them).
PLACED = "placed"
NO_ELIGIBLE_CLASS = "no_eligible_class"
BUSY = "busy"
CLASSES_FULL = "classes_full"
OVER_BUDGET = "over_budget"
UNIT_QUOTA = "unit_quota"
UNIT_AWAY = "unit_away"
LOWER_PRIORITY = "lower_priority"


# --- priority of a gap -------------------------------------------------------------------------

# A standard's requirement must be met within this many months of the appointment to the post
# (the default of the allocation form; the officer may change it per run).
ALLOWED_MONTHS = 12
SENIOR_BONUS = 2.0  # cadres managed by the Standing Committee (or higher)
DEADLINE_BONUS = 2.0  # at or past the deadline; falls linearly to 0 at URGENCY_HORIZON days away
URGENCY_HORIZON = 365


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = [31, 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28, 31, 30, 31, 30,
            31, 31, 30, 31, 30, 31][month - 1]
    return dt.date(year, month, min(day.day, last))


def gap_deadline(*, dimension: str, required: str, current: str | None, appointed: dt.date | None,
                 as_of: dt.date, allowed_months: int = ALLOWED_MONTHS) -> dt.date | None:
    """When the gap must be closed: a knowledge update is due N months after the last one (now,
    when there never was one); the year's periods by 31 December; any other requirement of the
    post `allowed_months` after the appointment (None when the appointment date is unknown)."""
    if dimension == "KNOWLEDGE_UPDATE_MONTHS":
        try:
            last = dt.date.fromisoformat(current) if current else None
            months = int(required)
        except ValueError:
            return None
        return as_of if last is None else add_months(last, months)
    if dimension == "ANNUAL_PERIODS":
        return dt.date(as_of.year, 12, 31)
    return add_months(appointed, allowed_months) if appointed else None


def gap_priority(*, senior: bool, deadline: dt.date | None, as_of: dt.date) -> float:
    """Weight of closing one gap: 1 for a standard in force for the post, +2 for a cadre the
    Standing Committee manages, and up to +2 as its deadline nears (the full 2 when it is due or
    overdue, nothing a year or more away)."""
    weight = 1.0 + (SENIOR_BONUS if senior else 0.0)
    if deadline is not None:
        days = (deadline - as_of).days
        weight += DEADLINE_BONUS * min(1.0, max(0.0, 1.0 - days / URGENCY_HORIZON))
    return round(weight, 3)


def _clash(busy: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    return any(s <= end and start <= e for s, e in busy)


def usable_arcs(problem: Problem) -> np.ndarray:
    """Mask of arcs that can be used at all: positive value, seats, no clash with a full-time
    class the person already attends (vectorised over the people's busy periods)."""
    if not len(problem.offers) or problem.arc_value.size == 0:
        return np.zeros(problem.arc_value.shape, dtype=bool)
    seats = np.array([o.seats for o in problem.offers], dtype=np.int64)
    mask = (problem.arc_value > 0) & (seats[problem.arc_offer] > 0)
    depth = max((len(p.busy) for p in problem.people), default=0)
    if depth:
        o_start = np.array([o.start for o in problem.offers], dtype=np.int64)[problem.arc_offer]
        o_end = np.array([o.end for o in problem.offers], dtype=np.int64)[problem.arc_offer]
        o_full = np.array([o.full_time for o in problem.offers], dtype=bool)[problem.arc_offer]
        for r in range(depth):
            b_start = np.array([p.busy[r][0] if len(p.busy) > r else 1 for p in problem.people], dtype=np.int64)
            b_end = np.array([p.busy[r][1] if len(p.busy) > r else 0 for p in problem.people], dtype=np.int64)
            bs, be = b_start[problem.arc_person], b_end[problem.arc_person]
            mask &= ~(o_full & (bs <= be) & (bs <= o_end) & (o_start <= be))
    return mask


# --- feasibility bookkeeping shared by greedy, repair and audit -----------------------------

class _State:
    def __init__(self, problem: Problem) -> None:
        self.p = problem
        self.seats = [o.seats for o in problem.offers]
        self.budget_left = problem.budget
        self.unit_count: dict[str, int] = defaultdict(int)
        self.unit_offers: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.assignment: dict[int, int] = {}
        self.value = 0.0

    def blocker(self, person: int, offer: int) -> str | None:
        """Why `person` cannot take a seat in `offer` now (None when it can)."""
        p, o = self.p.people[person], self.p.offers[offer]
        if person in self.assignment:
            return "assigned"
        if self.seats[offer] <= 0:
            return CLASSES_FULL
        if self.budget_left is not None and o.cost > self.budget_left:
            return OVER_BUDGET
        quota = self.p.unit_quota.get(p.unit)
        if quota is not None and self.unit_count[p.unit] >= quota:
            return UNIT_QUOTA
        limit = self.p.away_limit.get(p.unit)
        if limit is not None and o.full_time and self.away_peak(p.unit, o.start, o.end) + 1 > limit:
            return UNIT_AWAY
        return None

    def away_peak(self, unit: str, start: int, end: int) -> int:
        """Most people of `unit` away at one moment within [start, end] (full-time classes)."""
        offers = self.unit_offers.get(unit)
        if not offers:
            return 0
        inside = [(self.p.offers[k], n) for k, n in offers.items()
                  if self.p.offers[k].start <= end and start <= self.p.offers[k].end]
        if not inside:
            return 0
        points = {start} | {o.start for o, _ in inside if o.start >= start}
        return max(sum(n for o, n in inside if o.start <= t <= o.end) for t in points)

    def add(self, person: int, offer: int, value: float = 0.0) -> None:
        p, o = self.p.people[person], self.p.offers[offer]
        self.assignment[person] = offer
        self.value += value
        self.seats[offer] -= 1
        if self.budget_left is not None:
            self.budget_left -= o.cost
        self.unit_count[p.unit] += 1
        if o.full_time:
            self.unit_offers[p.unit][offer] += 1


def _fill(problem: Problem, state: _State, mask: np.ndarray) -> None:
    """Greedy pass: usable arcs by value per cost (free seats first), highest value, then index."""
    idx = np.nonzero(mask)[0]
    if idx.size == 0:
        return
    value = problem.arc_value[idx]
    cost = np.array([o.cost for o in problem.offers], dtype=np.float64)[problem.arc_offer[idx]]
    ratio = np.where(cost > 0, value / np.maximum(cost, 1.0), np.inf)
    order = idx[np.lexsort((idx, -value, -ratio))]
    assigned, seats, unit_count = state.assignment, state.seats, state.unit_count
    costs = [o.cost for o in problem.offers]
    units = [p.unit for p in problem.people]
    quota = problem.unit_quota
    for person, offer, v in zip(problem.arc_person[order].tolist(), problem.arc_offer[order].tolist(),
                                problem.arc_value[order].tolist(), strict=True):
        # Cheap checks inline: most arcs of a large instance meet a placed person, a full class,
        # an exhausted budget or a full unit quota; `blocker` then only adds the away limit.
        if person in assigned or seats[offer] <= 0:
            continue
        if state.budget_left is not None and costs[offer] > state.budget_left:
            continue
        q = quota.get(units[person])
        if q is not None and unit_count[units[person]] >= q:
            continue
        if state.blocker(person, offer) is None:
            state.add(person, offer, v)


def greedy(problem: Problem, mask: np.ndarray | None = None) -> _State:
    """The floor: value-per-cost greedy under every hard constraint."""
    state = _State(problem)
    _fill(problem, state, usable_arcs(problem) if mask is None else mask)
    return state


# --- Lagrangian-priced min-cost flow ---------------------------------------------------------

def _units(problem: Problem) -> tuple[list[str], np.ndarray]:
    """Sorted unit names and each person's unit index (computed once per problem)."""
    if "units" not in problem.cache:
        names = sorted({p.unit for p in problem.people})
        index = {u: i for i, u in enumerate(names)}
        problem.cache["units"] = (names, np.array([index[p.unit] for p in problem.people], dtype=np.int64))
    return problem.cache["units"]  # type: ignore[return-value]


def _flow(problem: Problem, mask: np.ndarray, lam: float, scale: float) -> tuple[np.ndarray, float, int]:
    """Max-profit capacity-and-quota assignment for profit value − λ·cost. Returns the chosen arc
    indices, their exact profit sum and their cost."""
    from ortools.graph.python import min_cost_flow

    idx = np.nonzero(mask)[0]
    cost = np.array([o.cost for o in problem.offers], dtype=np.float64)
    profit = problem.arc_value[idx] - lam * cost[problem.arc_offer[idx]]
    keep = profit > 0
    idx, profit = idx[keep], profit[keep]
    if idx.size == 0:
        return idx, 0.0, 0
    units, unit_of_person = _units(problem)
    n_people, n_units = len(problem.people), len(units)
    source, sink = 0, 1
    unit_node = 2
    person_node = unit_node + n_units
    offer_node = person_node + n_people
    if "used" not in problem.cache:  # the same node set serves every λ (unused nodes are harmless)
        problem.cache["used"] = (np.unique(problem.arc_person[mask]), np.unique(problem.arc_offer[mask]))
    people_used, offers_used = problem.cache["used"]  # type: ignore[misc]
    supply = int(people_used.size)

    starts = [np.full(n_units, source), np.full(people_used.size, 0), problem.arc_person[idx] + person_node,
              offers_used + offer_node, np.array([source])]
    starts[1] = unit_of_person[people_used] + unit_node
    ends = [np.arange(n_units) + unit_node, people_used + person_node, problem.arc_offer[idx] + offer_node,
            np.full(offers_used.size, sink), np.array([sink])]
    quotas = np.array([min(problem.unit_quota.get(u, supply), supply) for u in units], dtype=np.int64)
    seats = np.array([problem.offers[int(o)].seats for o in offers_used], dtype=np.int64)
    caps = [quotas, np.ones(people_used.size, dtype=np.int64), np.ones(idx.size, dtype=np.int64),
            seats, np.array([supply])]
    costs = [np.zeros(n_units, dtype=np.int64), np.zeros(people_used.size, dtype=np.int64),
             -np.rint(profit * scale).astype(np.int64), np.zeros(offers_used.size, dtype=np.int64),
             np.zeros(1, dtype=np.int64)]
    smcf = min_cost_flow.SimpleMinCostFlow()
    arcs = smcf.add_arcs_with_capacity_and_unit_cost(
        np.concatenate(starts), np.concatenate(ends), np.concatenate(caps), np.concatenate(costs))
    smcf.set_nodes_supplies(np.array([source, sink]), np.array([supply, -supply]))
    status = smcf.solve()
    if status != smcf.OPTIMAL:  # pragma: no cover - the network is always feasible (bypass arc)
        raise RuntimeError(f"min cost flow failed: {status}")
    first = n_units + people_used.size
    flows = smcf.flows(arcs[first : first + idx.size])
    chosen = idx[flows > 0]
    return chosen, float(profit[flows > 0].sum()), int(cost[problem.arc_offer[chosen]].sum())


def solve(problem: Problem, *, iterations: int = 14) -> Allocation:
    """The proposal with its certificate (see the module docstring)."""
    mask = usable_arcs(problem)
    max_value = float(problem.arc_value[mask].max()) if mask.any() else 1.0
    scale = 1e6 / max_value
    # Rounding profits to integers can mislead the flow by at most 0.5/scale per chosen arc.
    slack = 0.5 / scale * len(problem.people)

    chosen, profit, cost = _flow(problem, mask, 0.0, scale)
    bound = profit + slack
    lam_used = 0.0
    if problem.budget is not None and cost > problem.budget:
        costs = np.array([o.cost for o in problem.offers], dtype=np.float64)
        arc_cost = costs[problem.arc_offer[mask]]
        positive = arc_cost > 0
        lo = 0.0
        hi = float((problem.arc_value[mask][positive] / arc_cost[positive]).max()) if positive.any() else 0.0
        best = None
        for _ in range(iterations):
            mid = (lo + hi) / 2
            ch, pr, co = _flow(problem, mask, mid, scale)
            bound = min(bound, pr + mid * problem.budget + slack)
            if co > problem.budget:
                lo = mid
            else:
                hi, best = mid, ch
        if best is None:
            best, pr, _co = _flow(problem, mask, hi, scale)
            bound = min(bound, pr + hi * problem.budget + slack)
        chosen, lam_used = best, hi

    # Repair: take the flow's arcs by value (highest first) under every hard constraint, then
    # fill what seats and budget remain greedily.
    state = _State(problem)
    order = chosen[np.lexsort((chosen, -problem.arc_value[chosen]))] if chosen.size else chosen
    for person, offer, v in zip(problem.arc_person[order].tolist(), problem.arc_offer[order].tolist(),
                                problem.arc_value[order].tolist(), strict=True):
        if state.blocker(person, offer) is None:
            state.add(person, offer, v)
    _fill(problem, state, mask)

    floor = greedy(problem, mask)
    if floor.value > state.value:  # never worse than the floor
        state = floor
    assignment = state.assignment
    total_cost = sum(problem.offers[o].cost for o in assignment.values())
    return Allocation(
        assignment=dict(sorted(assignment.items())), objective=state.value, cost=total_cost,
        bound=max(bound, state.value), greedy_objective=floor.value,
        reasons=explain(problem, state, mask), lam=lam_used,
    )


def explain(problem: Problem, state: _State, mask: np.ndarray) -> dict[int, str]:
    """A reason code per person: placed, or the first constraint that kept them out."""
    order = np.argsort(problem.arc_person, kind="stable")
    persons = problem.arc_person[order]
    bounds = np.searchsorted(persons, np.arange(len(problem.people) + 1))
    positive = problem.arc_value > 0
    reasons: dict[int, str] = {}
    for person in range(len(problem.people)):
        if person in state.assignment:
            reasons[person] = PLACED
            continue
        ks = [k for k in order[bounds[person]:bounds[person + 1]].tolist() if positive[k]]
        if not ks:
            reasons[person] = NO_ELIGIBLE_CLASS
            continue
        usable = [k for k in ks if mask[k]]
        if not usable:
            reasons[person] = BUSY
            continue
        found = {state.blocker(person, int(problem.arc_offer[k])) for k in usable}
        for code in (UNIT_QUOTA, UNIT_AWAY, OVER_BUDGET, CLASSES_FULL):
            if code in found:
                reasons[person] = code
                break
        else:
            reasons[person] = LOWER_PRIORITY
    return reasons


def audit(problem: Problem, pairs: Iterable[tuple[int, int]]) -> list[tuple[str, dict[str, object]]]:
    """Every hard constraint an allocation (person index, offer index pairs) breaks."""
    problems: list[tuple[str, dict[str, object]]] = []
    eligible = {(int(p), int(o)) for p, o in zip(problem.arc_person.tolist(), problem.arc_offer.tolist(),
                                                  strict=True)}
    seen: set[int] = set()
    per_offer: dict[int, int] = defaultdict(int)
    per_unit: dict[str, int] = defaultdict(int)
    by_unit_offer: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    total = 0
    for person, offer in pairs:
        p, o = problem.people[person], problem.offers[offer]
        if person in seen:
            problems.append(("allocation_one_class", {"person": p.key}))
        seen.add(person)
        if (person, offer) not in eligible:
            problems.append(("allocation_unknown", {"value": f"{p.key}→{o.key}"}))
        if o.full_time and _clash(p.busy, o.start, o.end):
            problems.append(("allocation_time_clash", {"person": p.key}))
        per_offer[offer] += 1
        per_unit[p.unit] += 1
        if o.full_time:
            by_unit_offer[p.unit][offer] += 1
        total += o.cost
    for offer, n in per_offer.items():
        if n > problem.offers[offer].seats:
            problems.append(("allocation_capacity", {"klass": problem.offers[offer].key}))
    if problem.budget is not None and total > problem.budget:
        problems.append(("allocation_budget", {"cost": total, "budget": problem.budget}))
    for unit, n in per_unit.items():
        quota = problem.unit_quota.get(unit)
        if quota is not None and n > quota:
            problems.append(("allocation_unit_quota", {"unit": unit, "limit": quota}))
    for unit, offers in by_unit_offer.items():
        limit = problem.away_limit.get(unit)
        if limit is None:
            continue
        points = {problem.offers[k].start for k in offers}
        peak = max(sum(n for k, n in offers.items()
                       if problem.offers[k].start <= t <= problem.offers[k].end) for t in points)
        if peak > limit:
            problems.append(("allocation_unit_away", {"unit": unit, "limit": limit}))
    return problems


def lp_bound(problem: Problem) -> float:
    """Exact LP relaxation (seats, budget, quota, one class per person, away limit at class
    starts) with OR-Tools GLOP: the independent check of the certificate, for tests and the
    benchmark limit at small and medium sizes."""
    from ortools.linear_solver import pywraplp

    mask = usable_arcs(problem)
    idx = np.nonzero(mask)[0]
    solver = pywraplp.Solver.CreateSolver("GLOP")
    x = [solver.NumVar(0.0, 1.0, "") for _ in idx]
    by_person: dict[int, list[int]] = defaultdict(list)
    by_offer: dict[int, list[int]] = defaultdict(list)
    by_unit: dict[str, list[int]] = defaultdict(list)
    for j, k in enumerate(idx.tolist()):
        p, o = int(problem.arc_person[k]), int(problem.arc_offer[k])
        by_person[p].append(j)
        by_offer[o].append(j)
        by_unit[problem.people[p].unit].append(j)
    for js in by_person.values():
        solver.Add(sum(x[j] for j in js) <= 1)
    for o, js in by_offer.items():
        solver.Add(sum(x[j] for j in js) <= problem.offers[o].seats)
    for u, js in by_unit.items():
        if u in problem.unit_quota:
            solver.Add(sum(x[j] for j in js) <= problem.unit_quota[u])
        if u in problem.away_limit:
            full = [j for j in js if problem.offers[int(problem.arc_offer[idx[j]])].full_time]
            for t in {problem.offers[int(problem.arc_offer[idx[j]])].start for j in full}:
                at = [j for j in full if problem.offers[int(problem.arc_offer[idx[j]])].start <= t
                      <= problem.offers[int(problem.arc_offer[idx[j]])].end]
                solver.Add(sum(x[j] for j in at) <= problem.away_limit[u])
    if problem.budget is not None:
        solver.Add(sum(x[j] * problem.offers[int(problem.arc_offer[k])].cost for j, k in enumerate(idx.tolist()))
                   <= problem.budget)
    solver.Maximize(sum(x[j] * float(problem.arc_value[k]) for j, k in enumerate(idx.tolist())))
    solver.Solve()
    return float(solver.Objective().Value())
