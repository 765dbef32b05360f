"""After an import the derived tables (reports cube, person-year periods) equal the raw
enrolments: moved by the import's changes when they are all that changed, rebuilt when the load
is most of the table."""

from __future__ import annotations

import random

import pytest

from cadretrain.interchange import importer
from cadretrain.reports.summaries import rebuild_cube
from cadretrain.training.models import Enrolment, PersonYearPeriods, TrainingClass
from cadretrain.training.signals import enrolments_changed, enrolments_rebuilt
from cadretrain.training.summaries import rebuild_person_year_periods
from tests.reports.builders import (
    cube_tables,
    oracle_cube,
    oracle_person_cells,
    person_cells,
    random_dataset,
)

pytestmark = pytest.mark.django_db


def assert_derived_tables_equal_a_rebuild() -> None:
    cells, learners = cube_tables()
    assert (cells, learners) == oracle_cube()
    assert person_cells() == oracle_person_cells()
    periods = set(PersonYearPeriods.objects.values_list("person_id", "year", "periods"))
    rebuild_cube()
    rebuild_person_year_periods()
    assert cube_tables() == (cells, learners)
    assert set(PersonYearPeriods.objects.values_list("person_id", "year", "periods")) == periods


def _workbook(ds, world) -> dict:  # type: ignore[no-untyped-def]
    """A new class with existing learners, re-statused and new enrolments in existing classes."""
    rng = random.Random(5)
    existing = list(Enrolment.objects.select_related("person", "training_class").order_by("pk"))
    rows = []
    done = next(e for e in existing if e.status == "COMPLETED")  # a year's completion lost
    rows.append({"class_code": done.training_class.code, "person_code": done.person.code, "status": "WITHDRAWN"})
    for e in rng.sample([e for e in existing if e != done], 6):
        status = rng.choice(["WITHDRAWN", "FAILED", "COMPLETED", "ENROLLED"])
        rows.append({"class_code": e.training_class.code, "person_code": e.person.code, "status": status,
                     "completed_on": str(e.training_class.end_date) if status == "COMPLETED" else ""})
    taken = {(e.training_class_id, e.person_id) for e in existing}
    free = [(c, p) for c in ds.classes for p in ds.people if (c.pk, p.pk) not in taken]
    for c, p in rng.sample(free, 6):
        rows.append({"class_code": c.code, "person_code": p.code, "status": "COMPLETED", "completed_on": str(c.end_date)})
    for p in ds.people[:4]:
        rows.append({"class_code": "IMP-1", "person_code": p.code, "status": "ENROLLED"})
    return {
        "classes": [{"code": "IMP-1", "programme_code": "QLKT", "organizer_unit_code": world.ward_a.code,
                     "start_date": "2025-03-03", "end_date": "2025-03-20"}],
        "enrolments": rows,
    }


def test_an_import_moves_the_derived_tables_by_its_changes(world, import_file, monkeypatch):
    from cadretrain.reports import summaries

    ds = random_dataset(world, random.Random(3), extra_people=10, classes=8)
    recomputed = []
    real = summaries._refresh_units
    monkeypatch.setattr(summaries, "_refresh_units", lambda *a: (recomputed.append(a), real(*a)))
    report = import_file(_workbook(ds, world), fmt="zip")
    assert report.ok, report.errors[:3]
    assert report.created == {"classes": 1, "enrolments": 10} and report.updated["enrolments"] >= 1
    assert not recomputed  # the cube moved by the import's changes
    assert TrainingClass.objects.get(code="IMP-1").enrolled == 4
    assert_derived_tables_equal_a_rebuild()


def test_an_import_that_also_changes_people_recomputes_the_units(world, import_file, monkeypatch):
    from cadretrain.reports import summaries

    ds = random_dataset(world, random.Random(4), extra_people=6, classes=6)
    recomputed = []
    real = summaries._refresh_units
    monkeypatch.setattr(summaries, "_refresh_units", lambda *a: (recomputed.append(a), real(*a)))
    sheets = _workbook(ds, world)
    mover = ds.people[-1]
    sheets["people"] = [{"code": mover.code, "full_name": mover.full_name, "birth_date": str(mover.birth_date),
                         "gender": mover.gender, "category": mover.category,
                         "unit_code": (world.ward_b if mover.unit_id != world.ward_b.pk else world.ward_a).code}]
    report = import_file(sheets, fmt="zip")
    assert report.ok, report.errors[:3]
    assert recomputed  # a transfer is not an enrolment change: the units are recomputed
    assert_derived_tables_equal_a_rebuild()


@pytest.mark.parametrize(("share", "rebuilt"), [(0.5, False), (0.0001, True)])
def test_a_load_that_is_most_of_the_table_rebuilds_the_derived_tables(world, import_file, monkeypatch, share, rebuilt):
    ds = random_dataset(world, random.Random(6), extra_people=6, classes=6)
    monkeypatch.setattr(importer, "REBUILD_THRESHOLD", 0)
    monkeypatch.setattr(importer, "REBUILD_SHARE", share)
    seen = []

    def on_rebuilt(**_):  # type: ignore[no-untyped-def]
        seen.append("rebuilt")

    def on_changed(changes=None, **_):  # type: ignore[no-untyped-def]
        seen.append(("changed", len(changes)))

    enrolments_rebuilt.connect(on_rebuilt, dispatch_uid="test_rebuilt")
    enrolments_changed.connect(on_changed, dispatch_uid="test_changed")
    try:
        report = import_file(_workbook(ds, world), fmt="zip")
    finally:
        enrolments_rebuilt.disconnect(dispatch_uid="test_rebuilt")
        enrolments_changed.disconnect(dispatch_uid="test_changed")
    assert report.ok, report.errors[:3]
    changed = report.created["enrolments"] + report.updated["enrolments"]
    assert seen == (["rebuilt"] if rebuilt else [("changed", changed)])
    assert_derived_tables_equal_a_rebuild()


def test_person_years_are_pruned_only_for_people_who_had_a_completion(world, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cadretrain.training.summaries import _on_enrolments_changed

    ds = random_dataset(world, random.Random(8), extra_people=6, classes=6)
    e = Enrolment.objects.filter(status="COMPLETED").select_related("training_class").first()
    fresh = next(p for p in ds.people if not Enrolment.objects.filter(person=p, training_class=e.training_class).exists())
    Enrolment.objects.create(training_class=e.training_class, person=fresh, status="COMPLETED",
                             completed_on=e.training_class.end_date)
    with CaptureQueriesContext(connection) as created:
        _on_enrolments_changed(None, person_ids={fresh.pk}, changes=[(fresh.pk, e.training_class_id, None, "COMPLETED")])
    Enrolment.objects.filter(pk=e.pk).update(status="FAILED", completed_on=None)
    with CaptureQueriesContext(connection) as lost:
        _on_enrolments_changed(None, person_ids={e.person_id}, changes=[(e.person_id, e.training_class_id, "COMPLETED", "FAILED")])
    deletes = [sum("DELETE FROM training_personyearperiods" in q["sql"] for q in c.captured_queries) for c in (created, lost)]
    assert deletes == [0, 1]
    periods = set(PersonYearPeriods.objects.values_list("person_id", "year", "periods"))
    rebuild_person_year_periods()
    assert set(PersonYearPeriods.objects.values_list("person_id", "year", "periods")) == periods


def test_a_large_load_is_analysed_before_the_derived_tables_are_refreshed_from_it(world, import_file, monkeypatch):
    """The cube's refresh reads the enrolments just written; planned with the statistics of the
    table before the load, PostgreSQL scanned every enrolment per chunk of people (minutes at L).
    So the written tables are analysed first, and the derived tables after their refresh."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ds = random_dataset(world, random.Random(9), extra_people=6, classes=6)
    monkeypatch.setattr(importer, "REBUILD_THRESHOLD", 0)  # this small file counts as a large load
    with CaptureQueriesContext(connection) as captured:
        report = import_file(_workbook(ds, world), fmt="zip")
    assert report.ok, report.errors[:3]
    sql = [q["sql"] for q in captured.captured_queries]

    def first(fragment: str) -> int:
        return next(i for i, s in enumerate(sql) if fragment in s)

    enrolments_analysed = first('ANALYZE "training_enrolment"')
    assert enrolments_analysed < first("reports_personcell")
    assert first('ANALYZE "reports_personcell"') > first("reports_personcell")
    assert_derived_tables_equal_a_rebuild()


def test_a_people_import_without_transfers_leaves_the_derived_tables_alone_but_stales_the_caches(
        world, import_file, monkeypatch):
    """A phone number or a name does not move anyone's enrolments: no cube or unit-class refresh
    (at L, recomputing the units of 10,000 such people held SQLite's write lock for tens of
    seconds, stalling every enrolment). Cached figures still go stale (core.versions)."""
    from cadretrain.core import versions

    ds = random_dataset(world, random.Random(10), extra_people=6, classes=6)
    sent, staled = [], []

    def on_changed(person_ids=(), **_):  # type: ignore[no-untyped-def]
        sent.append(set(person_ids))

    monkeypatch.setattr(versions, "changed", lambda topic=versions.TOPIC: staled.append(topic))
    person = ds.people[0]
    row = {"code": person.code, "full_name": person.full_name + " Mới", "birth_date": str(person.birth_date),
           "gender": person.gender, "category": person.category, "unit_code": person.unit.code,
           "position_code": person.position.code if person.position_id else ""}
    enrolments_changed.connect(on_changed, dispatch_uid="test_people_only")
    try:
        report = import_file({"people": [row]}, fmt="zip")
    finally:
        enrolments_changed.disconnect(dispatch_uid="test_people_only")
    assert report.ok and report.updated["people"] == 1, report.errors[:3]
    assert sent == []
    assert versions.TOPIC in staled  # the import's audit event raises the counter
    assert_derived_tables_equal_a_rebuild()
