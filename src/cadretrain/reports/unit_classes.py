"""Keeping UnitClass — which units' people attend which classes, per class year — equal to the raw
enrolments.

A unit subtree's classes on the dashboard (and in its drill-down list) are those organised by a
unit of the subtree or attended by one of its people. Read from the enrolments, the second half
walks every enrolment of the subtree's people in every year (~140,000 index entries for a large
district at L: 0.5–2 s on PostgreSQL); read from here it is a few rows per unit and year.

Rows are recomputed per class, from that class's enrolments (tens of rows), whenever an
`enrolments_changed` signal names the class, a class is saved with a new date or deleted, or a
person changes unit (their classes). A row is (current unit of a learner, year of the class's
start date, class), for enrolments of any status, exactly as `TrainingClass.visible_to` and
`selectors.scoped_classes` define "attended"."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection, transaction

from cadretrain.reports.summaries import CHUNK, _chunks, _marks, year_sql


def _pairs_sql(where: str) -> str:
    """SELECT of the (unit, year, class) rows the raw enrolments give, restricted by `where`."""
    return f"""SELECT DISTINCT pe.unit_id, {year_sql()}, e.training_class_id
        FROM training_enrolment e JOIN people_person pe ON pe.id = e.person_id
        JOIN training_trainingclass c ON c.id = e.training_class_id WHERE {where}"""


def rebuild_unit_classes() -> None:
    """Recompute every row from the raw enrolments (after bulk loads), in key order."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("TRUNCATE reports_unitclass", [])
        else:
            cursor.execute("DELETE FROM reports_unitclass", [])
        cursor.execute(
            f"INSERT INTO reports_unitclass (unit_id, year, training_class_id) {_pairs_sql('1 = 1')} "
            "ORDER BY 1, 2, 3", [])
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE reports_unitclass", [])


def refresh_classes(cursor, class_ids: Iterable[int], *, people: Sequence[int] | None = None) -> None:  # type: ignore[no-untyped-def]
    """Bring the rows of these classes up to date. `people`: when only enrolments of these
    people can have changed, rows of other units than theirs are checked only for a move of
    their class to another year; None checks every row of the classes."""
    ysql = year_sql("c.start_date")
    for chunk in _chunks(class_ids):
        m = _marks(chunk)
        only, extra = "", []
        if people is not None:
            only = (f" AND (u.unit_id IN (SELECT pe.unit_id FROM people_person pe WHERE pe.id IN ({_marks(people)}))"
                    f" OR u.year <> (SELECT {ysql} FROM training_trainingclass c WHERE c.id = u.training_class_id))")
            extra = list(people)
        cursor.execute(
            f"""DELETE FROM reports_unitclass WHERE (unit_id, year, training_class_id) IN (
                SELECT u.unit_id, u.year, u.training_class_id FROM reports_unitclass u
                WHERE u.training_class_id IN ({m}){only}
                  AND NOT EXISTS (SELECT 1 FROM training_enrolment e JOIN people_person pe ON pe.id = e.person_id
                                  JOIN training_trainingclass c ON c.id = e.training_class_id
                                  WHERE e.training_class_id = u.training_class_id AND pe.unit_id = u.unit_id
                                    AND {ysql} = u.year))""",
            [*chunk, *extra],
        )
        cursor.execute(
            f"INSERT INTO reports_unitclass (unit_id, year, training_class_id) "
            f"{_pairs_sql(f'e.training_class_id IN ({m})')} ON CONFLICT DO NOTHING",
            chunk,
        )


@transaction.atomic(savepoint=False)
def refresh_unit_classes(*, person_ids: Iterable[int] = (), class_ids: Iterable[int] = ()) -> None:
    """After a change to these people's and/or classes' enrolments (the `enrolments_changed`
    kwargs): classes named — their rows, checked for the named people's units when people are
    named too; people only (a transfer) — every class of theirs, every unit."""
    people, classes = sorted(set(person_ids)), sorted(set(class_ids))
    if not people and not classes:
        return
    with connection.cursor() as cursor:
        if len(classes) == 1 and len(people) == 1 and _refresh_one(cursor, people[0], classes[0]):
            return
        if classes and people:
            refresh_classes(cursor, classes, people=people if len(people) <= CHUNK else None)
            return
        if people:
            found: set[int] = set()
            for chunk in _chunks(people):
                m = _marks(chunk)
                cursor.execute(f"SELECT DISTINCT training_class_id FROM training_enrolment WHERE person_id IN ({m})",
                               chunk)
                found.update(r[0] for r in cursor.fetchall())
            classes = sorted(found)
        refresh_classes(cursor, classes)


def _refresh_one(cursor, person: int, class_id: int) -> bool:  # type: ignore[no-untyped-def]
    """One enrolment changed (an enrolment POST): one read, and a write only when the person's
    enrolment in the class appeared or disappeared (not for a status change). False when the
    class's rows are filed under another year (moved): the caller checks every row."""
    ysql = year_sql("c.start_date")
    cursor.execute(
        f"""SELECT pe.unit_id, {ysql},
               EXISTS (SELECT 1 FROM training_enrolment e WHERE e.person_id = pe.id AND e.training_class_id = c.id),
               EXISTS (SELECT 1 FROM reports_unitclass u WHERE u.unit_id = pe.unit_id AND u.year = {ysql}
                       AND u.training_class_id = c.id),
               EXISTS (SELECT 1 FROM reports_unitclass u WHERE u.training_class_id = c.id AND u.year <> {ysql})
        FROM people_person pe CROSS JOIN training_trainingclass c WHERE pe.id = %s AND c.id = %s""",
        [person, class_id],
    )
    row = cursor.fetchone()
    if row is None:
        return False
    unit, year, enrolled, filed, moved = row[0], int(row[1]), bool(row[2]), bool(row[3]), bool(row[4])
    if moved:
        return False
    if enrolled and not filed:
        cursor.execute("INSERT INTO reports_unitclass (unit_id, year, training_class_id) VALUES (%s, %s, %s) "
                       "ON CONFLICT DO NOTHING", [unit, year, class_id])
    elif filed and not enrolled:
        cursor.execute(
            """DELETE FROM reports_unitclass WHERE unit_id = %s AND year = %s AND training_class_id = %s
            AND NOT EXISTS (SELECT 1 FROM training_enrolment e JOIN people_person pe ON pe.id = e.person_id
                            WHERE e.training_class_id = %s AND pe.unit_id = %s)""",
            [unit, year, class_id, class_id, unit])
    return True


# --- signal receivers -------------------------------------------------------------------------


def _on_enrolments_changed(sender: object, *, person_ids: Iterable[int] = (), class_ids: Iterable[int] = (),
                           **_: object) -> None:
    refresh_unit_classes(person_ids=person_ids, class_ids=class_ids)


def _on_enrolments_rebuilt(sender: object, **_: object) -> None:
    rebuild_unit_classes()


def _on_class_saved(sender: object, instance: object, created: bool = False,
                    update_fields: Iterable[str] | None = None, **_: object) -> None:
    if not created and (update_fields is None or "start_date" in set(update_fields)):
        refresh_unit_classes(class_ids=[instance.pk])  # type: ignore[attr-defined]


def _on_class_deleted(sender: object, instance: object, **_: object) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM reports_unitclass WHERE training_class_id = %s", [instance.pk])  # type: ignore[attr-defined]


def _on_person_saved(sender: object, instance: object, created: bool = False,
                     update_fields: Iterable[str] | None = None, **_: object) -> None:
    if not created and (update_fields is None or {"unit", "unit_id"} & set(update_fields)):
        refresh_unit_classes(person_ids=[instance.pk])  # type: ignore[attr-defined]


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    from cadretrain.people.models import Person
    from cadretrain.training.models import TrainingClass
    from cadretrain.training.signals import enrolments_changed, enrolments_rebuilt

    enrolments_changed.connect(_on_enrolments_changed, dispatch_uid="reports_unit_classes")
    enrolments_rebuilt.connect(_on_enrolments_rebuilt, dispatch_uid="reports_unit_classes_rebuild")
    post_save.connect(_on_class_saved, sender=TrainingClass, dispatch_uid="reports_unit_classes_class")
    post_delete.connect(_on_class_deleted, sender=TrainingClass, dispatch_uid="reports_unit_classes_class_del")
    post_save.connect(_on_person_saved, sender=Person, dispatch_uid="reports_unit_classes_person")
