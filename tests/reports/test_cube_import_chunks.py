"""The cube's move by an import's changes, taken chunk by chunk of people, equals the raw rows
whatever the chunk size (a person's PersonCell rows are all read, recomputed and compared inside
their chunk)."""

from __future__ import annotations

import random

import pytest

from cadretrain.reports import summaries
from cadretrain.reports.summaries import rebuild_cube
from cadretrain.training.models import Enrolment
from cadretrain.training.signals import enrolments_changed
from tests.reports.builders import cube_tables, random_dataset
from tests.reports.test_cube import assert_cube_matches_raw, import_batch

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("seed", "chunk"), [(31, 1), (32, 2), (33, 3)])
def test_a_batch_of_changes_spread_over_many_chunks_of_people_moves_the_cube_exactly(world, seed, chunk, monkeypatch):
    rng = random.Random(seed)
    ds = random_dataset(world, rng, extra_people=12, classes=8)
    units = [world.city, world.department, world.ward_a, world.ward_b]
    monkeypatch.setattr(summaries, "CHANGES_CHUNK", chunk)
    recomputed = []
    real = summaries._refresh_units
    monkeypatch.setattr(summaries, "_refresh_units", lambda *a: (recomputed.append(a), real(*a)))
    for batch in range(5):
        changes = import_batch(rng, ds, units, f"K-{batch}", month=3, abroad="LA", status="COMPLETED", learners=4)
        assert len({c[0] for c in changes}) > chunk  # the people of the batch span several chunks
        enrolments_changed.send(sender=Enrolment, person_ids={c[0] for c in changes},
                                class_ids={c[1] for c in changes}, changes=changes)
        assert_cube_matches_raw(), batch
    assert not recomputed
    before = cube_tables()
    rebuild_cube()
    assert cube_tables() == before
