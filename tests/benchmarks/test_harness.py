"""The benchmark runner's own contract: limit and app interleave, ratios are per pair, a
disagreeing oracle or a missing feature is reported in the record and never stops the run."""

from __future__ import annotations

import types

import pytest
from benchmarks.workloads import Unavailable, discover

from benchmarks import harness


def _ctx(tmp_path, repeat: int = 3) -> harness.Context:  # type: ignore[no-untyped-def]
    return harness.Context(scale="XS", db="sqlite", seed=1, tmp=tmp_path, database_url="",
                           repeat=repeat)


def _module(**attrs) -> types.ModuleType:  # type: ignore[no-untyped-def]
    module = types.ModuleType("fake")
    module.NAME = "fake"
    module.check = lambda app, lim: None
    for key, value in attrs.items():
        setattr(module, key, value)
    return module


@pytest.mark.django_db
def test_limit_and_app_alternate_and_ratio_is_per_pair(tmp_path):  # type: ignore[no-untyped-def]
    calls: list[str] = []
    module = _module(limit=lambda ctx: calls.append("L"), app=lambda ctx: calls.append("A"))
    record = harness.run_workload(module, _ctx(tmp_path, repeat=4))
    # Timed pairs alternate; then one untimed memory probe of each (tracemalloc would distort times).
    assert calls == ["L", "A"] * 4 + ["A", "L"]
    assert record["status"] == "ok" and record["pairs"] == 4
    assert len(record["raw"]["app_seconds"]) == 4
    assert record["ratio"]["min"] <= record["ratio"]["median"] <= record["ratio"]["max"]


@pytest.mark.django_db
def test_disagreeing_oracle_is_reported_as_check_failed(tmp_path):  # type: ignore[no-untyped-def]
    def check(app, lim):  # type: ignore[no-untyped-def]
        assert app == lim, "gap sets differ"

    module = _module(limit=lambda ctx: 1, app=lambda ctx: 2, check=check)
    record = harness.run_workload(module, _ctx(tmp_path))
    assert record["status"] == "check failed"
    assert "gap sets differ" in record["reason"]


@pytest.mark.django_db
def test_query_counts_are_recorded_per_call(tmp_path):  # type: ignore[no-untyped-def]
    from cadretrain.people.models import Person

    module = _module(limit=lambda ctx: None,
                     app=lambda ctx: [Person.objects.count() for _ in range(3)])
    record = harness.run_workload(module, _ctx(tmp_path))
    assert record["app_queries"]["median"] == 3
    assert record["limit_queries"]["median"] == 0


def test_missing_feature_is_not_available_and_max_pairs_caps(tmp_path):  # type: ignore[no-untyped-def]
    def setup(ctx):  # type: ignore[no-untyped-def]
        raise Unavailable("no endpoint yet")

    record = harness.run_workload(_module(setup=setup, limit=None, app=None), _ctx(tmp_path))
    assert record == {"name": "fake", "status": "not available", "reason": "no endpoint yet"}
    skipped = harness.run_workload(_module(SCALES=("L",), limit=None, app=None), _ctx(tmp_path))
    assert skipped["status"] == "skipped"


def test_every_workload_module_follows_the_protocol():
    for module in discover():
        assert isinstance(module.NAME, str) and module.NAME
        for name in ("app", "limit", "check"):
            assert callable(getattr(module, name, None)), f"{module.__name__} lacks {name}()"
        for name in ("setup", "counters", "teardown"):
            assert callable(getattr(module, name, lambda: None)), f"{module.__name__}.{name}"
        assert set(getattr(module, "SCALES", harness.ALL_SCALES)) <= set(harness.ALL_SCALES)


def test_baseline_warns_when_a_ratio_grows_by_more_than_a_quarter(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(harness, "load_baseline", lambda: {"S-sqlite": {"gaps": 2.0, "reports": 2.0}})
    run = {"scale": "S", "db": "sqlite", "workloads": [
        {"name": "gaps", "status": "ok", "ratio": {"median": 2.6}},
        {"name": "reports", "status": "ok", "ratio": {"median": 2.4}},
    ]}
    warnings = harness.compare_with_baseline(run)
    assert len(warnings) == 1 and warnings[0].startswith("gaps:")
