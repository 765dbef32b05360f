"""Workload (a) of reference/performance.md §4.3: workforce-wide gap analysis.

app:   cadretrain.standards.evaluation.evaluate_workforce (system actor, everyone, as of ctx.as_of)
limit: the same gap set computed in one DuckDB SQL statement over the same tables
check: identical sets of (person, standard, group)
"""

from __future__ import annotations

from typing import Any

NAME = "gaps"


def _levels_values() -> str:
    from cadretrain.domain.levels import LEVEL_RANKS

    return ", ".join(
        f"('{dim.value}', '{level}', {rank})" for dim, ranks in LEVEL_RANKS.items() for level, rank in ranks.items()
    )


def _cross_values() -> str:
    from cadretrain.domain.levels import CROSS_EQUIVALENCES

    return ", ".join(
        f"('{hd.value}', '{hl}', '{od.value}', '{ol}')"
        for (hd, hl), others in CROSS_EQUIVALENCES.items() for od, ol in others
    )


def gap_sql() -> str:
    """The reference semantics in SQL (DuckDB dialect); parameter $as_of is a DATE."""
    return f"""
    WITH
    levels(dimension, level, rank) AS (VALUES {_levels_values()}),
    cross_eq(hd, hl, od, ol) AS (VALUES {_cross_values()}),
    rules AS (
        SELECT id AS sid, code AS scode, position_id, category, management_tier
        FROM standards_standard
        WHERE valid_from <= $as_of AND (valid_to IS NULL OR valid_to >= $as_of)),
    reqs AS (
        SELECT r.standard_id AS sid, r."group" AS grp, r.dimension, r.min_level, lower(r.language) AS language
        FROM standards_requirement r JOIN rules ON rules.sid = r.standard_id),
    people AS (
        SELECT id AS pid, code AS pcode, position_id, category, management_tier
        FROM people_person
        WHERE (joined_on IS NULL OR joined_on <= $as_of) AND (left_on IS NULL OR left_on > $as_of)),
    applicable AS (
        SELECT p.pid, p.pcode, r.sid, r.scode
        FROM people p JOIN rules r
          ON (r.position_id IS NULL OR r.position_id = p.position_id)
         AND (r.category = '' OR r.category = p.category)
         AND (r.management_tier = '' OR r.management_tier = p.management_tier)),
    held AS (
        SELECT person_id AS pid, dimension, level, lower(coalesce(language, '')) AS language
        FROM people_credential WHERE issued_on <= $as_of
        UNION ALL
        SELECT e.person_id, pr.grants_dimension, pr.grants_level, lower(coalesce(pr.grants_language, ''))
        FROM training_enrolment e
        JOIN training_trainingclass c ON c.id = e.training_class_id
        JOIN catalogue_programme pr ON pr.id = c.programme_id
        WHERE e.status = 'COMPLETED' AND e.completed_on <= $as_of AND pr.grants_level <> ''),
    held_eff AS (
        SELECT pid, dimension, level, language FROM held
        UNION ALL
        SELECT h.pid, x.od, x.ol, '' FROM held h JOIN cross_eq x ON x.hd = h.dimension AND x.hl = h.level),
    best AS (
        SELECT h.pid, h.dimension, h.language, max(l.rank) AS rank
        FROM held_eff h JOIN levels l ON l.dimension = h.dimension AND l.level = h.level
        GROUP BY 1, 2, 3),
    ku AS (
        SELECT e.person_id AS pid, max(e.completed_on) AS last
        FROM training_enrolment e
        JOIN training_trainingclass c ON c.id = e.training_class_id
        JOIN catalogue_programme pr ON pr.id = c.programme_id
        WHERE e.status = 'COMPLETED' AND e.completed_on <= $as_of AND pr.kind = 'KNOWLEDGE_UPDATE'
        GROUP BY 1),
    ap AS (SELECT person_id AS pid, periods FROM training_personyearperiods WHERE year = year($as_of)),
    groups AS (
        SELECT DISTINCT a.pid, a.pcode, a.sid, a.scode, r.grp FROM applicable a JOIN reqs r ON r.sid = a.sid),
    met AS (
        SELECT a.pid, a.sid, r.grp
        FROM applicable a JOIN reqs r ON r.sid = a.sid
        JOIN levels need ON need.dimension = r.dimension AND need.level = r.min_level
        JOIN best b ON b.pid = a.pid AND b.dimension = r.dimension AND b.rank >= need.rank
                   AND (r.language = '' OR b.language = r.language)
        UNION
        SELECT a.pid, a.sid, r.grp
        FROM applicable a JOIN reqs r ON r.sid = a.sid AND r.dimension = 'KNOWLEDGE_UPDATE_MONTHS'
        JOIN ku ON ku.pid = a.pid
         AND ku.last >= CAST($as_of - to_months(CAST(r.min_level AS INTEGER)) AS DATE)
        UNION
        SELECT a.pid, a.sid, r.grp
        FROM applicable a JOIN reqs r ON r.sid = a.sid AND r.dimension = 'ANNUAL_PERIODS'
        JOIN ap ON ap.pid = a.pid AND ap.periods >= CAST(r.min_level AS INTEGER))
    SELECT g.pcode, g.scode, g.grp
    FROM groups g ANTI JOIN met m ON m.pid = g.pid AND m.sid = g.sid AND m.grp = g.grp
    """


def limit(ctx: Any) -> set[tuple[str, str, str]]:
    rows = ctx.duck.execute(gap_sql(), {"as_of": ctx.as_of}).fetchall()
    return {(p, s, str(g)) for p, s, g in rows}


def app(ctx: Any) -> set[tuple[str, str, str]]:
    from cadretrain.standards.evaluation import evaluate_workforce

    result = evaluate_workforce(actor=ctx.actor, as_of=ctx.as_of)
    ctx.state["people"] = result.people
    return {(g.person_code, g.standard_code, g.group) for g in result.gaps}


def check(app_result: set, limit_result: set) -> None:
    missing = limit_result - app_result
    extra = app_result - limit_result
    assert not missing and not extra, (
        f"gap sets differ: {len(missing)} only in DuckDB (e.g. {sorted(missing)[:3]}), "
        f"{len(extra)} only in the app (e.g. {sorted(extra)[:3]})"
    )


def counters(ctx: Any) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cadretrain.standards.evaluation import evaluate_workforce

    with CaptureQueriesContext(connection) as queries:
        result = evaluate_workforce(actor=ctx.actor, as_of=ctx.as_of)
    return {"queries": len(queries.captured_queries), "people": result.people, "gaps": len(result.gaps)}
