"""Workload (f): the seat/budget allocation optimiser.

Synthetic, deterministic instance (from ``ctx.scale`` and ``ctx.seed``; performance.md §3.7):
people with gaps × classes (XS 200×20, S 2k×100, M 10k×400, L 50k×2,000, XL 200k×5,000), each
person eligible for 8 classes, capacities 20–60, seat costs 2–15 million VND, budget = half of what
the unit quotas would cost, priority weights 1–6, units of ~20 people with gaps (quota 60 % of them, no
more than 30 % of the unit's staff away at once), 10 % of people already in a full-time class.

app    ``cadretrain.domain.allocation.solve`` (Lagrangian-priced min-cost flow + repair + fill).
limit  the LP relaxation (seats, budget, quota, one class per person; the away limit left out,
       so it is still an upper bound) solved by HiGHS interior point (scipy) — the quality ceiling.
check  the allocation passes the feasibility audit, is ≥ greedy, is deterministic (re-solved
       once), and reaches ≥ 99 % of the LP bound.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import numpy as np

NAME = "allocation"
MAX_PAIRS = 3  # the LP limit (HiGHS IPM) takes minutes at L

SIZES = {"XS": (200, 20), "S": (2_000, 100), "M": (10_000, 400), "L": (50_000, 2_000), "XL": (200_000, 5_000)}


def generate(n_people: int, n_offers: int, seed: int = 1) -> Any:
    from cadretrain.domain.allocation import Candidate, Offer, Problem

    rng = np.random.default_rng(seed * 1_000_003 + n_people)
    day0 = 739_617  # 2026-01-01
    starts = day0 + rng.integers(0, 330, n_offers)
    lengths = rng.integers(3, 30, n_offers)
    full_time = rng.random(n_offers) < 0.6
    seats = rng.integers(20, 61, n_offers)
    costs = rng.integers(2, 16, n_offers) * 1_000_000
    offers = [Offer(f"C{k}", int(seats[k]), int(costs[k]), int(starts[k]), int(starts[k] + lengths[k]),
                    bool(full_time[k])) for k in range(n_offers)]
    n_units = max(1, n_people // 20)
    unit_of = rng.integers(0, n_units, n_people)
    people = []
    for i in range(n_people):
        busy: tuple[tuple[int, int], ...] = ()
        if rng.random() < 0.1:
            s = int(day0 + rng.integers(0, 330))
            busy = ((s, s + int(rng.integers(5, 40))),)
        people.append(Candidate(f"P{i}", f"U{unit_of[i]}", busy))
    per = min(8, n_offers)
    arc_person = np.repeat(np.arange(n_people), per)
    arc_offer = np.concatenate([rng.choice(n_offers, per, replace=False) for _ in range(n_people)])
    weight = rng.integers(1, 7, n_people).astype(np.float64)
    arc_value = weight[arc_person] * rng.uniform(0.6, 1.0, arc_person.size).round(3)
    unit_size = np.bincount(unit_of, minlength=n_units)
    quota = {f"U{u}": max(1, int(0.6 * unit_size[u])) for u in range(n_units)}
    # Half of what the quotas would cost at the mean seat price, so that the budget binds (50 % of
    # all seats' cost, as in §3.7, does not once quotas cap the demand).
    budget = int(0.5 * sum(quota.values()) * costs.mean())
    away = {f"U{u}": max(1, int(0.3 * 3 * unit_size[u])) for u in range(n_units)}
    return Problem(people, offers, arc_person, arc_offer, arc_value, budget=budget,
                   unit_quota=quota, away_limit=away)


def lp_bound_highs(problem: Any) -> float:
    """LP relaxation by HiGHS IPM (scipy), away limits left out."""
    from scipy import sparse
    from scipy.optimize import linprog

    from cadretrain.domain.allocation import usable_arcs

    idx = np.nonzero(usable_arcs(problem))[0]
    n = idx.size
    persons = problem.arc_person[idx]
    offers = problem.arc_offer[idx]
    units = np.array([problem.people[int(p)].unit for p in persons])
    unit_names, unit_idx = np.unique(units, return_inverse=True)
    cost = np.array([o.cost for o in problem.offers], dtype=np.float64)[offers]
    n_p, n_o = len(problem.people), len(problem.offers)
    cols = np.arange(n)
    a = sparse.vstack([
        sparse.csr_matrix((np.ones(n), (persons, cols)), shape=(n_p, n)),
        sparse.csr_matrix((np.ones(n), (offers, cols)), shape=(n_o, n)),
        sparse.csr_matrix((np.ones(n), (unit_idx, cols)), shape=(unit_names.size, n)),
        sparse.csr_matrix(cost.reshape(1, -1)),
    ]).tocsr()
    b = np.concatenate([np.ones(n_p), [o.seats for o in problem.offers],
                        [problem.unit_quota.get(u, n) for u in unit_names],
                        [problem.budget if problem.budget is not None else cost.sum()]])
    res = linprog(-problem.arc_value[idx], A_ub=a, b_ub=b, bounds=(0, 1), method="highs-ipm")
    return float(-res.fun)


def setup(ctx: Any) -> None:
    n_people, n_offers = SIZES.get(ctx.scale, SIZES["S"])
    ctx.state["problem"] = generate(n_people, n_offers, getattr(ctx, "seed", 1) or 1)


def limit(ctx: Any) -> dict[str, Any]:
    bound = lp_bound_highs(ctx.state["problem"])
    return {"bound": bound, "metrics": {"lp_bound": bound}}


def app(ctx: Any) -> dict[str, Any]:
    from cadretrain.domain.allocation import solve

    result = solve(ctx.state["problem"])
    return {"allocation": result, "problem": ctx.state["problem"],
            "metrics": {"objective": result.objective, "bound": result.bound, "greedy": result.greedy_objective,
                        "placed": len(result.assignment)}}


def check(app_result: dict[str, Any], limit_result: dict[str, Any]) -> None:
    from cadretrain.domain.allocation import audit, solve

    alloc, problem = app_result["allocation"], app_result["problem"]
    app_result["metrics"]["quality_vs_lp"] = alloc.objective / limit_result["bound"] if limit_result["bound"] else 1.0
    app_result["metrics"]["greedy_vs_lp"] = alloc.greedy_objective / limit_result["bound"] if limit_result["bound"] else 1.0
    assert audit(problem, alloc.assignment.items()) == [], "infeasible allocation"
    assert alloc.objective >= alloc.greedy_objective - 1e-9, "worse than greedy"
    assert alloc.bound >= limit_result["bound"] - 1e-6 * max(1.0, limit_result["bound"]), \
        ("certificate below the LP optimum", alloc.bound, limit_result["bound"])
    assert alloc.objective >= 0.99 * limit_result["bound"], (alloc.objective, limit_result["bound"])
    if len(problem.people) <= 20_000:
        again = solve(problem)
        assert again.assignment == alloc.assignment, "not deterministic"


def counters(ctx: Any) -> dict[str, Any]:
    p = ctx.state["problem"]
    return {"people": len(p.people), "classes": len(p.offers), "arcs": int(p.arc_person.size)}


if __name__ == "__main__":  # standalone: python -m benchmarks.workloads.allocation M
    import types

    scale = sys.argv[1] if len(sys.argv) > 1 else "S"
    ctx = types.SimpleNamespace(scale=scale, seed=1, state={})
    setup(ctx)
    for _ in range(int(sys.argv[2]) if len(sys.argv) > 2 else 1):
        t0 = time.perf_counter()
        lim = limit(ctx)
        t1 = time.perf_counter()
        res = app(ctx)
        t2 = time.perf_counter()
        a = res["allocation"]
        print(f"limit {t1 - t0:.2f}s app {t2 - t1:.2f}s objective {a.objective:.1f} own bound {a.bound:.1f} "
              f"LP {lim['bound']:.1f} quality {a.objective / lim['bound']:.4f} greedy "
              f"{a.greedy_objective / lim['bound']:.4f} placed {len(a.assignment)}", flush=True)
    check(res, lim)
    print("check ok")
