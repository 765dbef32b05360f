"""Derived tables kept equal to the raw enrolments: person-year periods (and, in reports, the
unit × year × programme summary). `rebuild_*` recomputes from scratch in one statement;
incremental maintenance (`apply_*`) is called by every service that changes enrolments."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from django.db import connection, transaction

# People per statement of `refresh_person_year_periods`. Each statement has a fixed cost on
# PostgreSQL (~25 ms at L whatever the chunk's size): the 150,000 people of an import took 10 s in
# chunks of 500 and 4.4 s in chunks of 2,000. Larger chunks were faster still here,
# but an IN list that long can tip a plan into scanning the enrolments (the cube's per-person
# refresh at 5,000 ids: 143 s instead of 5 s), so this stays at the cube's proven size.
PEOPLE_CHUNK = 2000


def completion_year_sql(column: str = "e.completed_on") -> str:
    """SQL for the calendar year of a date column on the current backend."""
    if connection.vendor == "postgresql":
        return f"CAST(EXTRACT(YEAR FROM {column}) AS INTEGER)"
    return f"CAST(strftime('%%Y', {column}) AS INTEGER)"


@transaction.atomic
def rebuild_person_year_periods() -> None:
    """Recompute every person's periods of COMPLETED classes per calendar year of completion."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM training_personyearperiods")
        year_expr = completion_year_sql()
        cursor.execute(
            f"""
            INSERT INTO training_personyearperiods (person_id, year, periods)
            SELECT e.person_id, {year_expr}, SUM(p.periods)
            FROM training_enrolment e
            JOIN training_trainingclass c ON c.id = e.training_class_id
            JOIN catalogue_programme p ON p.id = c.programme_id
            WHERE e.status = 'COMPLETED' AND e.completed_on IS NOT NULL
            GROUP BY e.person_id, {year_expr}
            """,
            [],  # with a params list Django turns the %% of strftime back into a single %
        )


@transaction.atomic(savepoint=False)
def refresh_person_year_periods(person_ids: Iterable[int], *, prune_ids: Iterable[int] | None = None) -> None:
    """Recompute the person-year rows of just these people (after their enrolments changed).
    `prune_ids`: the people among them who may have lost a year's completions (all by default);
    for the others the years are only written, not searched for ones to delete."""
    ids = sorted(set(person_ids))
    if not ids:
        return
    prune = None if prune_ids is None else set(prune_ids)
    year_expr = completion_year_sql()
    with connection.cursor() as cursor:
        for start in range(0, len(ids), PEOPLE_CHUNK):
            chunk = ids[start : start + PEOPLE_CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            # Upsert, then drop years with no completion left. Delete-then-insert raced: an import and
            # an enrolment refreshing the same person both inserted, and one failed on
            # person_year_unique (seen on PostgreSQL under the contention benchmark).
            cursor.execute(
                f"""
                INSERT INTO training_personyearperiods (person_id, year, periods)
                SELECT e.person_id, {year_expr}, SUM(p.periods)
                FROM training_enrolment e
                JOIN training_trainingclass c ON c.id = e.training_class_id
                JOIN catalogue_programme p ON p.id = c.programme_id
                WHERE e.status = 'COMPLETED' AND e.completed_on IS NOT NULL AND e.person_id IN ({marks})
                GROUP BY e.person_id, {year_expr}
                ORDER BY e.person_id, {year_expr}
                ON CONFLICT (person_id, year) DO UPDATE SET periods = excluded.periods
                WHERE training_personyearperiods.periods <> excluded.periods
                """,
                chunk,
            )
            if prune is not None:
                chunk = [pk for pk in chunk if pk in prune]
                if not chunk:
                    continue
                marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"""
                DELETE FROM training_personyearperiods
                WHERE person_id IN ({marks}) AND NOT EXISTS (
                    SELECT 1 FROM training_enrolment e
                    WHERE e.person_id = training_personyearperiods.person_id
                      AND e.status = 'COMPLETED' AND e.completed_on IS NOT NULL
                      AND {completion_year_sql()} = training_personyearperiods.year
                )
                """,
                chunk,
            )


def _on_enrolments_changed(sender: object, *, person_ids: Iterable[int] = (),
                           changes: Collection[tuple[int, int, str | None, str | None]] | None = None,
                           **_: object) -> None:
    """`changes` (see reports.summaries.refresh_cube): only the people with a completion among
    them need their rows written, and only those with a completion before can lose a year. People
    named without a change keep the full refresh."""
    if changes is None:
        refresh_person_year_periods(person_ids)
        return
    named = set(person_ids)
    changed: set[int] = set()
    completed: set[int] = set()
    prune: set[int] = set()
    for person, _class, old, new in changes:
        changed.add(person)
        if old == "COMPLETED":
            prune.add(person)
            completed.add(person)
        elif new == "COMPLETED":
            completed.add(person)
    others = named - changed
    refresh_person_year_periods(completed | others, prune_ids=prune | others)


def _on_enrolments_rebuilt(sender: object, **_: object) -> None:
    rebuild_person_year_periods()


def connect() -> None:
    from cadretrain.training.signals import enrolments_changed, enrolments_rebuilt

    enrolments_changed.connect(_on_enrolments_changed, dispatch_uid="person_year_periods")
    enrolments_rebuilt.connect(_on_enrolments_rebuilt, dispatch_uid="person_year_periods_rebuild")
