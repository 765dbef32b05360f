"""The unit × year × programme cube stays equal to the raw enrolments after any sequence of
changes made through services or direct writes followed by the training signals."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from cadretrain.people.services import person_transfer
from cadretrain.reports.summaries import rebuild_cube
from cadretrain.training.models import Enrolment
from cadretrain.training.signals import enrolments_changed, enrolments_rebuilt
from tests.reports.builders import (
    STATUSES,
    cube_tables,
    enrol,
    make_class,
    oracle_cube,
    oracle_person_cells,
    person_cells,
    random_dataset,
)
from tests.world import SYSTEM

pytestmark = pytest.mark.django_db


def assert_cube_matches_raw() -> None:
    cells, learners = cube_tables()
    want_cells, want_learners = oracle_cube()
    assert cells == want_cells
    assert learners == want_learners
    assert person_cells() == oracle_person_cells()


def test_cube_follows_enrolments_written_directly_with_the_signal(world):
    ds = random_dataset(world, random.Random(1))
    assert_cube_matches_raw()
    assert any(k[0] is None for k in cube_tables()[0])  # city rows exist
    assert ds.classes


@pytest.mark.parametrize("seed", [2, 3, 4])
def test_cube_equals_raw_rows_after_a_random_sequence_of_changes(world, seed):
    rng = random.Random(seed)
    ds = random_dataset(world, rng, extra_people=8, classes=8)
    units = [world.city, world.department, world.ward_a, world.ward_b, world.office_a]
    for step in range(25):
        op = rng.choice(["enrol", "status", "delete", "transfer", "move_class", "abroad", "new_class",
                         "drop_class"])
        enrolments = list(Enrolment.objects.all())
        if op == "enrol" and ds.classes:
            tc = rng.choice(ds.classes)
            person = rng.choice(ds.people)
            if not Enrolment.objects.filter(training_class=tc, person=person).exists():
                enrol(tc, person, rng.choice(["ENROLLED", "COMPLETED", "WITHDRAWN"]))
        elif op == "status" and enrolments:
            e = rng.choice(enrolments)
            status = rng.choice(["NOMINATED", "ENROLLED", "COMPLETED", "FAILED", "WITHDRAWN"])
            Enrolment.objects.filter(pk=e.pk).update(
                status=status, completed_on=dt.date(2024, 6, 1) if status == "COMPLETED" else None)
            enrolments_changed.send(sender=Enrolment, person_ids={e.person_id}, class_ids={e.training_class_id})
        elif op == "delete" and enrolments:
            e = rng.choice(enrolments)
            e.delete()
            enrolments_changed.send(sender=Enrolment, person_ids={e.person_id}, class_ids={e.training_class_id})
        elif op == "transfer":
            person = rng.choice(ds.people)
            person.refresh_from_db()
            target = rng.choice([u for u in units if u.pk != person.unit_id])
            person_transfer(actor=SYSTEM, person=person, unit=target, position=None,
                            on=dt.date(2026, 1, 1) + dt.timedelta(days=step))
        elif op == "move_class" and ds.classes:
            tc = rng.choice(ds.classes)
            tc.start_date = dt.date(rng.randint(2022, 2026), 3, 1)
            tc.end_date = tc.start_date + dt.timedelta(days=10)
            tc.save(update_fields=["start_date", "end_date"])
        elif op == "abroad" and ds.classes:
            tc = rng.choice(ds.classes)
            tc.country = "VN" if tc.country != "VN" else "JP"
            tc.save(update_fields=["country"])
        elif op == "new_class":
            prog = rng.choice(list(ds.programmes.values()))
            ds.classes.append(make_class(f"N-{seed}-{step}", prog, rng.choice(units), dt.date(2025, 5, 5)))
        elif op == "drop_class" and ds.classes:
            tc = ds.classes.pop(rng.randrange(len(ds.classes)))
            tc.delete()
        assert_cube_matches_raw(), (step, op)


def test_full_rebuild_equals_the_raw_rows(world):
    random_dataset(world, random.Random(7))
    from cadretrain.reports.models import LearnerCell, SummaryCell

    SummaryCell.objects.all().delete()
    LearnerCell.objects.all().delete()
    enrolments_rebuilt.send(sender=Enrolment)
    assert_cube_matches_raw()
    rebuild_cube()
    assert_cube_matches_raw()


def test_full_rebuild_counts_learners_when_series_span_several_mask_words(world, monkeypatch):
    # The rebuild packs each person's series into 60-bit words; with 2-bit words every dataset
    # needs several, so the word/bit arithmetic is exercised on the test data.
    from cadretrain.reports import summaries

    random_dataset(world, random.Random(11))
    monkeypatch.setattr(summaries, "BITS", 2)
    rebuild_cube()
    assert_cube_matches_raw()
    series = {k[2] for k in cube_tables()[1]}
    assert len(series) > 2 * summaries.BITS


@pytest.mark.parametrize("seed", [5, 6])
def test_single_enrolment_changes_move_the_cube_by_difference_and_equal_a_rebuild(world, seed, monkeypatch):
    # One signal per enrolment created, re-statused or deleted (as the enrolment services send):
    # the refresh moves the cells by the person's difference instead of recomputing units.
    from cadretrain.reports import summaries

    rng = random.Random(seed)
    ds = random_dataset(world, rng, extra_people=10, classes=10)
    recomputed = []
    real = summaries._refresh_units
    monkeypatch.setattr(summaries, "_refresh_units", lambda *a: (recomputed.append(a), real(*a)))
    for step in range(40):
        enrolments = list(Enrolment.objects.all())
        op = rng.choice(["create", "status", "status", "delete"])
        if op == "create":
            tc, person = rng.choice(ds.classes), rng.choice(ds.people)
            if Enrolment.objects.filter(training_class=tc, person=person).exists():
                continue
            e = Enrolment.objects.create(training_class=tc, person=person, status=rng.choice(STATUSES),
                                         completed_on=tc.end_date)
            Enrolment.objects.filter(pk=e.pk).exclude(status="COMPLETED").update(completed_on=None)
        elif op == "status":
            e = rng.choice(enrolments)
            status = rng.choice(STATUSES)
            Enrolment.objects.filter(pk=e.pk).update(
                status=status, completed_on=dt.date(2024, 6, 1) if status == "COMPLETED" else None)
        else:
            e = rng.choice(enrolments)
            e.delete()
        enrolments_changed.send(sender=Enrolment, person_ids={e.person_id}, class_ids={e.training_class_id})
        assert_cube_matches_raw(), (step, op)
    assert not recomputed  # every change took the difference path
    before = cube_tables()
    rebuild_cube()
    assert cube_tables() == before


def test_single_enrolment_refresh_recomputes_when_more_than_the_enrolment_changed(world, monkeypatch):
    # Two enrolments of one person changed before one signal for one of them (a contract breach
    # the difference path detects from the person's other cells): it falls back to recomputing.
    from cadretrain.reports import summaries

    ds = random_dataset(world, random.Random(8), extra_people=6, classes=6)
    person = ds.people[0]
    recomputed = []
    real = summaries._refresh_units
    monkeypatch.setattr(summaries, "_refresh_units", lambda *a: (recomputed.append(a), real(*a)))
    progs = list(ds.programmes.values())
    first = make_class("X-1", progs[0], world.city, dt.date(2024, 3, 1))
    second = make_class("X-2", progs[1], world.city, dt.date(2024, 4, 1))
    Enrolment.objects.create(training_class=first, person=person, status="ENROLLED")
    Enrolment.objects.create(training_class=second, person=person, status="ENROLLED")
    recomputed.clear()  # (creating the classes refreshed them)
    enrolments_changed.send(sender=Enrolment, person_ids={person.pk}, class_ids={first.pk})
    assert recomputed
    enrolments_changed.send(sender=Enrolment, person_ids={person.pk}, class_ids={second.pk})
    assert_cube_matches_raw()


def test_class_moved_by_an_import_moves_all_its_learners_when_one_learner_is_named(world):
    # An import may move a class to another year and change one enrolment in it, then name that
    # learner and the class in one signal: the class's other learners move too.
    from cadretrain.training.models import TrainingClass

    ds = random_dataset(world, random.Random(9), extra_people=8, classes=6)
    tc = next(c for c in ds.classes if Enrolment.objects.filter(training_class=c).count() >= 2)
    TrainingClass.objects.filter(pk=tc.pk).update(start_date=dt.date(2019, 2, 2), end_date=dt.date(2019, 3, 2))
    e = Enrolment.objects.filter(training_class=tc).first()
    Enrolment.objects.filter(pk=e.pk).update(status="FAILED", completed_on=None)
    enrolments_changed.send(sender=Enrolment, person_ids={e.person_id}, class_ids={tc.pk})
    assert_cube_matches_raw()


def _bulk_class(code: str, programme, unit, start: dt.date, country: str = "VN"):  # type: ignore[no-untyped-def]
    """A class written as the importer writes it: no save signal, so not filed in the cube yet."""
    from cadretrain.domain.text import fold
    from cadretrain.training.models import TrainingClass

    return TrainingClass.objects.bulk_create([TrainingClass(
        code=code, programme=programme, name=programme.name, search_key=fold(programme.name), organizer_unit=unit,
        start_date=start, end_date=start + dt.timedelta(days=30), country=country, status="RUNNING")])[0]


def _change_batch(rng: random.Random, classes: list, people: list) -> list[tuple]:  # type: ignore[type-arg]
    """Create, re-status and delete a few random enrolments; return them as (person, class, old, new)."""
    changes: dict[tuple[int, int], tuple] = {}  # type: ignore[type-arg]
    for _ in range(rng.randint(2, 14)):
        tc, person = rng.choice(classes), rng.choice(people)
        if (person.pk, tc.pk) in changes:
            continue
        e = Enrolment.objects.filter(training_class=tc, person=person).first()
        old = e.status if e else None
        if e is not None and rng.random() < 0.3:
            e.delete()
            new = None
        else:
            new = rng.choice(STATUSES)
            Enrolment.objects.update_or_create(training_class=tc, person=person, defaults={
                "status": new, "completed_on": tc.end_date if new == "COMPLETED" else None})
        changes[(person.pk, tc.pk)] = (person.pk, tc.pk, old, new)
    return list(changes.values())


def import_batch(rng: random.Random, ds, units: list, code: str, *, month: int, abroad: str,  # type: ignore[no-untyped-def]
                 status: str, learners: int) -> list[tuple]:
    """The changes of one import: a new class (in Viet Nam or `abroad`) whose first `learners`
    people are enrolled with `status`, plus a random batch over the existing classes. Every
    enrolment of the new class is among the changes (created now), as in an import."""
    prog = rng.choice(list(ds.programmes.values()))
    fresh = _bulk_class(code, prog, rng.choice(units), dt.date(rng.randint(2023, 2026), month, month),
                        country=rng.choice(["VN", abroad]))
    ds.classes.append(fresh)
    changes = _change_batch(rng, ds.classes, ds.people)
    extra = [(p.pk, fresh.pk, None, status) for p in ds.people[:learners]
             if not any(c[:2] == (p.pk, fresh.pk) for c in changes)]
    for pid, cid, _, new in extra:
        Enrolment.objects.create(training_class_id=cid, person_id=pid, status=new,
                                 completed_on=fresh.end_date if new == "COMPLETED" else None)
    return changes + extra


@pytest.mark.parametrize("seed", [21, 22, 23, 24])
def test_a_batch_of_changes_named_with_their_statuses_moves_the_cube_by_difference(world, seed, monkeypatch):
    # An import names every enrolment it changed with its old and new status: the cube moves by
    # their difference (new classes not filed yet, statuses across WITHDRAWN, deletions) without
    # recomputing the units, and equals the raw rows and a rebuild.
    from cadretrain.reports import summaries

    rng = random.Random(seed)
    ds = random_dataset(world, rng, extra_people=10, classes=8)
    units = [world.city, world.department, world.ward_a, world.ward_b]
    recomputed = []
    real = summaries._refresh_units
    monkeypatch.setattr(summaries, "_refresh_units", lambda *a: (recomputed.append(a), real(*a)))
    for batch in range(6):
        changes = import_batch(rng, ds, units, f"B-{batch}", month=5, abroad="SG", status="ENROLLED", learners=3)
        enrolments_changed.send(sender=Enrolment, person_ids={c[0] for c in changes},
                                class_ids={c[1] for c in changes}, changes=changes)
        assert_cube_matches_raw(), batch
    assert not recomputed
    before = cube_tables()
    rebuild_cube()
    assert cube_tables() == before


def test_a_batch_of_changes_recomputes_the_units_when_a_class_moved_or_a_class_had_enrolments(world, monkeypatch):
    # The difference holds only when the changes are all that changed: a class filed under another
    # year, or a class not filed yet with enrolments the changes do not name, are recomputed.
    from cadretrain.reports import summaries
    from cadretrain.training.models import TrainingClass

    rng = random.Random(31)
    ds = random_dataset(world, rng, extra_people=8, classes=6)
    recomputed = []
    real = summaries._refresh_units
    monkeypatch.setattr(summaries, "_refresh_units", lambda *a: (recomputed.append(a), real(*a)))
    tc = next(c for c in ds.classes if Enrolment.objects.filter(training_class=c).count() >= 2)
    TrainingClass.objects.filter(pk=tc.pk).update(start_date=dt.date(2019, 2, 2), end_date=dt.date(2019, 3, 2))
    e = Enrolment.objects.filter(training_class=tc).first()
    old = e.status
    Enrolment.objects.filter(pk=e.pk).update(status="WITHDRAWN", completed_on=None)
    others = _change_batch(random.Random(1), [c for c in ds.classes if c.pk != tc.pk], ds.people)
    changes = [(e.person_id, tc.pk, old, "WITHDRAWN"), *[c for c in others if c[:2] != (e.person_id, tc.pk)]]
    enrolments_changed.send(sender=Enrolment, person_ids={c[0] for c in changes},
                            class_ids={c[1] for c in changes}, changes=changes)
    assert len(recomputed) == 1
    assert_cube_matches_raw()

    fresh = _bulk_class("B-X", ds.programmes["QLKT"], world.city, dt.date(2025, 2, 2))
    people = ds.people[:3]
    for p in people:
        Enrolment.objects.create(training_class=fresh, person=p, status="ENROLLED")
    two = [(people[0].pk, fresh.pk, None, "ENROLLED"), (people[1].pk, fresh.pk, None, "ENROLLED")]
    from django.db import connection

    with connection.cursor() as cursor:  # a class not filed yet, with an enrolment not among the changes
        assert summaries._refresh_changes(cursor, two, {people[0].pk, people[1].pk}, {fresh.pk}) is False
    # The changes name two of the three enrolments (the people and class named cover all three):
    # the third learner would not count if the cube moved by the changes alone.
    enrolments_changed.send(sender=Enrolment, person_ids={p.pk for p in people}, class_ids={fresh.pk},
                            changes=[(people[0].pk, fresh.pk, None, "ENROLLED"), (people[1].pk, fresh.pk, None, "ENROLLED")])
    assert len(recomputed) == 2
    assert_cube_matches_raw()
