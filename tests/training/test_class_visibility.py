"""Which classes a unit's officer sees: those a unit of their subtree organises, those their people
attend (any status, by the learner's current unit), and those open for nominations; never another
ward's running class its people do not attend. "Attended" follows a learner who moves."""

from __future__ import annotations

import datetime as dt

import pytest

from cadretrain.people.services import person_transfer
from cadretrain.training.models import TrainingClass
from tests.reports.builders import enrol, make_class, programmes
from tests.world import SYSTEM

pytestmark = pytest.mark.django_db


def visible_codes(world, persona: str) -> set[str]:
    return set(TrainingClass.objects.visible_to(world.actor(persona)).values_list("code", flat=True))


def test_officer_sees_organised_attended_and_open_classes_only(world):
    progs = programmes()
    own = make_class("V-OWN", progs["CNKT-3"], world.office_a, dt.date(2025, 3, 1))
    attended = make_class("V-ATT", progs["CNKT-3"], world.ward_b, dt.date(2025, 4, 1))
    enrol(attended, world.people["a2"], "WITHDRAWN")  # any status counts as attending
    make_class("V-B", progs["CNKT-3"], world.ward_b, dt.date(2025, 5, 1))
    open_b = make_class("V-OPEN", progs["CNKT-3"], world.ward_b, dt.date(2025, 6, 1))
    TrainingClass.objects.filter(pk=open_b.pk).update(status="OPEN")
    assert visible_codes(world, "officer_a") == {own.code, attended.code, open_b.code}
    assert visible_codes(world, "officer_b") == {attended.code, "V-B", open_b.code}


def test_a_learner_who_moves_takes_their_classes_to_the_new_ward(world):
    progs = programmes()
    tc = make_class("V-MOVE", progs["CNKT-3"], world.city, dt.date(2025, 3, 1))
    enrol(tc, world.people["a1"], "COMPLETED")
    assert tc.code in visible_codes(world, "officer_a")
    assert tc.code not in visible_codes(world, "officer_b")
    person_transfer(actor=SYSTEM, person=world.people["a1"], unit=world.ward_b, position=None,
                    on=dt.date(2025, 9, 1))
    assert tc.code not in visible_codes(world, "officer_a")
    assert tc.code in visible_codes(world, "officer_b")
