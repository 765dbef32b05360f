"""UnitClass (which units' people attend which classes, per class year) stays equal to the raw
enrolments after any sequence of changes, and a unit subtree's dashboard and drill-down list
read it instead of every enrolment of the subtree's people."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cadretrain.people.services import person_transfer
from cadretrain.reports import selectors
from cadretrain.reports.models import UnitClass
from cadretrain.reports.unit_classes import rebuild_unit_classes
from cadretrain.training.models import Enrolment, TrainingClass
from cadretrain.training.signals import enrolments_changed, enrolments_rebuilt
from tests.reports.builders import enrol, make_class, random_dataset
from tests.world import SYSTEM

pytestmark = pytest.mark.django_db


def oracle() -> set[tuple[int, int, int]]:
    return {(r["person__unit_id"], r["training_class__start_date"].year, r["training_class_id"])
            for r in Enrolment.objects.values("person__unit_id", "training_class__start_date", "training_class_id")}


def stored() -> set[tuple[int, int, int]]:
    return set(UnitClass.objects.values_list("unit_id", "year", "training_class_id"))


def test_rebuild_and_the_signals_of_a_new_dataset_equal_the_raw_rows(world):
    random_dataset(world, random.Random(3))
    assert stored() == oracle() and stored()
    UnitClass.objects.all().delete()
    enrolments_rebuilt.send(sender=Enrolment)
    assert stored() == oracle()
    rebuild_unit_classes()
    assert stored() == oracle()


@pytest.mark.parametrize("seed", [2, 3, 4, 5])
def test_unit_classes_equal_the_raw_rows_after_a_random_sequence_of_changes(world, seed):
    rng = random.Random(seed)
    ds = random_dataset(world, rng, extra_people=8, classes=8)
    units = [world.city, world.department, world.ward_a, world.ward_b, world.office_a]
    for step in range(30):
        op = rng.choice(["enrol", "status", "delete", "transfer", "move_class", "new_class", "drop_class", "batch",
                            "moved_single"])
        enrolments = list(Enrolment.objects.all())
        if op == "enrol" and ds.classes:
            tc, person = rng.choice(ds.classes), rng.choice(ds.people)
            if not Enrolment.objects.filter(training_class=tc, person=person).exists():
                enrol(tc, person, rng.choice(["ENROLLED", "COMPLETED", "WITHDRAWN"]))
        elif op == "status" and enrolments:
            e = rng.choice(enrolments)
            Enrolment.objects.filter(pk=e.pk).update(status="WITHDRAWN", completed_on=None)
            enrolments_changed.send(sender=Enrolment, person_ids={e.person_id}, class_ids={e.training_class_id})
        elif op == "delete" and enrolments:
            e = rng.choice(enrolments)
            e.delete()
            enrolments_changed.send(sender=Enrolment, person_ids={e.person_id}, class_ids={e.training_class_id})
        elif op == "batch" and enrolments:
            # An import: several people and classes in one signal, some enrolments gone, some new.
            gone = rng.sample(enrolments, min(3, len(enrolments)))
            Enrolment.objects.filter(pk__in=[e.pk for e in gone]).delete()
            people, classes = {e.person_id for e in gone}, {e.training_class_id for e in gone}
            for _ in range(3):
                tc, person = rng.choice(ds.classes), rng.choice(ds.people)
                if not Enrolment.objects.filter(training_class=tc, person=person).exists():
                    Enrolment.objects.create(training_class=tc, person=person, status="NOMINATED")
                    people.add(person.pk)
                    classes.add(tc.pk)
            # ... and a class of the batch moved to another year by a bulk update (no post_save).
            moved = rng.choice(sorted(classes))
            TrainingClass.objects.filter(pk=moved).update(start_date=dt.date(rng.randint(2022, 2026), 4, 1),
                                                          end_date=dt.date(2026, 12, 1))
            enrolments_changed.send(sender=Enrolment, person_ids=people, class_ids=classes)
        elif op == "moved_single" and enrolments:
            # A class moved to another year by a bulk update, announced with one of its enrolments.
            e = rng.choice(enrolments)
            TrainingClass.objects.filter(pk=e.training_class_id).update(
                start_date=dt.date(rng.randint(2022, 2026), 2, 1), end_date=dt.date(2026, 12, 1))
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
        elif op == "new_class":
            prog = rng.choice(list(ds.programmes.values()))
            ds.classes.append(make_class(f"N-{seed}-{step}", prog, rng.choice(units), dt.date(2025, 5, 5)))
        elif op == "drop_class" and ds.classes:
            ds.classes.pop(rng.randrange(len(ds.classes))).delete()
        assert stored() == oracle(), (step, op)


def test_a_unit_filter_reads_unit_classes_not_every_enrolment_of_the_subtree(world):
    random_dataset(world, random.Random(8), years=(2023, 2026))
    admin = world.actor("admin")
    scope = selectors.report_scope(actor=admin, unit_code=world.ward_a.code)
    selectors.people_figures(actor=admin, scope=scope, year_to=2026)  # cached, as on a warm dashboard
    with CaptureQueriesContext(connection) as queries:
        board = selectors.dashboard(actor=admin, scope=scope, year_from=2023, year_to=2026)
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "reports_unitclass" in sql and "training_enrolment" not in sql
    # Same classes as the rule "organised in the subtree or attended by its people" on raw rows.
    want = set(TrainingClass.objects.filter(start_date__year__gte=2023, start_date__year__lte=2026).filter(
        pk__in=[c.pk for c in TrainingClass.objects.all()
                if c.organizer_unit.path.startswith(world.ward_a.path)
                or Enrolment.objects.filter(training_class=c, person__unit__path__startswith=world.ward_a.path).exists()]
    ).values_list("pk", flat=True))
    drill = selectors.drill_classes(actor=admin, scope=scope, year_from=2023, year_to=2026)
    assert set(drill.values_list("pk", flat=True)) == want
    assert sum(board.cells[(y, "ALL")].classes for y in range(2023, 2027) if (y, "ALL") in board.cells) == len(want)
