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
from tests.reports.builders import cube_tables, enrol, make_class, oracle_cube, random_dataset
from tests.world import SYSTEM

pytestmark = pytest.mark.django_db


def assert_cube_matches_raw() -> None:
    cells, learners = cube_tables()
    want_cells, want_learners = oracle_cube()
    assert cells == want_cells
    assert learners == want_learners


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
