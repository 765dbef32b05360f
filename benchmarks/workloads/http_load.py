"""REST API under load: gunicorn (1 gthread worker pinned to CPU0, persistent DB connections)
serving the product; load from CPU1 at 1, 10, 16 and 50 concurrent keep-alive clients.

limit = Django `/bench/hello` through the product's full middleware stack, same server, same
pinning, same run (the framework floor); app = the API endpoints that exist (people list,
person detail, person gaps, units list, report summary, city dashboard), bearer-token authenticated.
Headline ratio = hello rps / endpoint rps at 16 clients (median over endpoints and pairs);
the target "≥ 15% of Django hello" is a ratio ≤ 6.7."""

from __future__ import annotations

import os
import statistics
from typing import Any

from benchmarks import server as srv

NAME = "http_load"
ORDER = 80  # long and CPU-pinned: after the in-process workloads
MAX_PAIRS = 3
CHECK_ALL = True  # a stall in a later pair must not pass unseen
CONCURRENCY = (1, 10, 16, 50)
TARGET_CLIENTS = 16
# The endpoints (people list, person detail, gaps, dashboard and its report) get the full
# sweep; the extra ones only the target level.
FULL_SWEEP = ("people_list", "person_detail", "person_gaps", "report_summary", "dashboard")


def _seconds(scale: str) -> float:
    default = {"XS": 1.0, "S": 2.0, "M": 2.0}.get(scale, 3.0)
    return float(os.environ.get("BENCH_HTTP_SECONDS", default))


def _endpoints(ctx: Any) -> dict[str, str]:
    from cadretrain.people.models import Person

    person = (Person.objects.visible_to(ctx.actor).order_by("code")
              .values_list("code", flat=True))
    count = person.count()
    code = person[count // 2] if count else "NONE"
    year = ctx.as_of.year - 1
    return {
        "people_list": "/api/v1/people?limit=20",
        "people_search": "/api/v1/people?q=nguyen&limit=20",
        "person_detail": f"/api/v1/people/{code}",
        "person_gaps": f"/api/v1/people/{code}/gaps",
        "units_list": "/api/v1/units?limit=20",
        "report_summary": f"/api/v1/reports/summary?from={year}-01-01&to={year}-12-31",
        # The city dashboard's figures for the last five years (the page's one cube query).
        "dashboard": "/api/v1/reports/dashboard",
    }


def bench_token(ctx: Any) -> str:
    """A city-wide admin and its API token, made with the product's own services."""
    if "bench_token" in ctx.state:
        return ctx.state["bench_token"]
    from cadretrain.accounts.models import User
    from cadretrain.accounts.services import token_create, user_create

    user = User.objects.filter(username="ct_bench_admin").first() or user_create(
        actor=ctx.actor, username="ct_bench_admin", role="CITY_ADMIN")
    ctx.state["bench_token"] = token_create(actor=ctx.actor, user=user)
    return ctx.state["bench_token"]


def setup(ctx: Any) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    token = bench_token(ctx)
    headers = {"Authorization": f"Bearer {token}"}
    client = Client(headers=headers)
    available, missing, queries = {}, {}, {}
    for name, path in _endpoints(ctx).items():
        client.get(path)  # warm caches (translations, URL resolver) before counting
        with CaptureQueriesContext(connection) as captured:
            resp = client.get(path)
        if resp.status_code == 200:
            available[name] = path
            queries[name] = len(captured)
        else:
            missing[name] = resp.status_code
    ctx.state.update(http_endpoints=available, http_missing=missing, http_queries=queries,
                     http_headers=headers, http_runs={"limit": [], "app": []})
    ctx.state["http_server"] = server = srv.start(ctx.database_url, ctx.tmp)
    # Warm up every worker thread's persistent DB connection and the code paths.
    for path in ["/bench/hello", *available.values()]:
        srv.load(server, path, concurrency=4, seconds=1, headers=headers)


def _sweep(ctx: Any, paths: dict[str, str]) -> dict[str, dict[int, dict]]:
    server = ctx.state["http_server"]
    out: dict[str, dict[int, dict]] = {}
    for name, path in paths.items():
        out[name] = {}
        levels = CONCURRENCY if name in FULL_SWEEP or name == "django_hello" else (TARGET_CLIENTS,)
        for clients in levels:
            out[name][clients] = srv.load(server, path, concurrency=clients,
                                          seconds=_seconds(ctx.scale),
                                          headers=ctx.state["http_headers"])
    return out


def limit(ctx: Any) -> dict[str, Any]:
    result = _sweep(ctx, {"django_hello": "/bench/hello"})
    ctx.state["http_runs"]["limit"].append(result)
    return {"metrics": result}


def app(ctx: Any) -> dict[str, Any]:
    result = _sweep(ctx, ctx.state["http_endpoints"])
    ctx.state["http_runs"]["app"].append(result)
    return {"metrics": result}


def check(app_result: dict[str, Any], limit_result: dict[str, Any]) -> None:
    bad = []
    for result in (app_result, limit_result):
        for name, runs in result["metrics"].items():
            for clients, run in runs.items():
                # Zero answered requests means the server stalled (load() waits for it to be
                # idle first, so this is the endpoint itself); failed or non-2xx responses too.
                if run["non2xx"] or run["errors"] or not run["requests"]:
                    bad.append(f"{name}@{clients}: {run}")
    assert not bad, "HTTP errors: " + "; ".join(bad)


def counters(ctx: Any) -> dict[str, Any]:
    limits, apps = ctx.state["http_runs"]["limit"], ctx.state["http_runs"]["app"]
    names = list(ctx.state["http_endpoints"])
    table = ["| endpoint | clients | rps (median) | p50 ms | p95 ms | p99 ms | hello rps / endpoint rps "
             "| endpoint/hello | queries/request |", "|---|---|---|---|---|---|---|---|---|"]
    summary: dict[str, Any] = {}
    headline: list[float] = []
    for name in ["django_hello", *names]:
        for clients in CONCURRENCY:
            if clients not in apps[0].get(name, limits[0].get(name, {})):
                continue
            runs = [r[name][clients] for r in (limits if name == "django_hello" else apps)]
            rps = statistics.median(r["rps"] for r in runs)
            p50 = statistics.median(r["p50_ms"] for r in runs)
            p95 = statistics.median(r["p95_ms"] for r in runs)
            p99 = statistics.median(r["p99_ms"] for r in runs)
            ratios = [] if name == "django_hello" else [
                lim["django_hello"][clients]["rps"] / a[name][clients]["rps"]
                for lim, a in zip(limits, apps, strict=False)
                if a[name][clients]["rps"] and lim["django_hello"][clients]["rps"]]
            ratio = statistics.median(ratios) if ratios else None
            if ratio is not None and clients == TARGET_CLIENTS:
                headline.extend(ratios)
            summary[f"{name}@{clients}"] = {"rps": rps, "p50_ms": p50, "p99_ms": p99,
                                            "hello_ratio": ratio}
            table.append(
                f"| {name} | {clients} | {rps:,.0f} | {p50:.1f} | {p95:.1f} | {p99:.1f} "
                f"| {'' if ratio is None else f'{ratio:.2f}'} "
                f"| {'' if ratio is None else f'{100 / ratio:.0f}%'} "
                f"| {ctx.state['http_queries'].get(name, 0 if name == 'django_hello' else '')} |"
            )
    at_target = {n: summary[f"{n}@{TARGET_CLIENTS}"] for n in names}
    result: dict[str, Any] = {
        "server": ctx.state["http_server"].description,
        "load_tool": "wrk (pinned to CPU1)" if srv.WRK else "benchmarks.loadgen (pinned to CPU1)",
        "seconds_per_run": _seconds(ctx.scale),
        "endpoints": ctx.state["http_endpoints"],
        "not_available": ctx.state["http_missing"],
        "queries_per_request": ctx.state["http_queries"],
        f"min_rps_at_{TARGET_CLIENTS}": min((v["rps"] for v in at_target.values()), default=None),
        f"max_p99_ms_at_{TARGET_CLIENTS}": max((v["p99_ms"] for v in at_target.values()), default=None),
        "target_500_rps_and_p99_100ms_at_16 (judged at L)": all(
            v["rps"] >= 500 and v["p99_ms"] <= 100 for v in at_target.values()),
        "target_15pct_of_hello": all((v["hello_ratio"] or 99) <= 1 / 0.15 for v in at_target.values()),
        "_tables": [table],
    }
    if headline:
        result["headline_ratio"] = {"median": statistics.median(headline), "min": min(headline),
                                    "max": max(headline),
                                    "label": f"hello rps / endpoint rps at {TARGET_CLIENTS} clients"}
    return result


def teardown(ctx: Any) -> None:
    server = ctx.state.pop("http_server", None)
    if server is not None:
        server.stop()
