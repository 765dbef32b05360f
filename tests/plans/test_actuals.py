"""Plan versus actual (classes linked to plan items, learners of the unit's subtree) and the
flag for people nominated again for content they completed recently."""

from __future__ import annotations

import datetime as dt

from cadretrain.plans import selectors, services
from cadretrain.training.models import Enrolment
from tests.training.helpers import open_class


def test_plan_vs_actual_counts_linked_classes_and_own_learners(world, plan_a, django_assert_max_num_queries):
    tc = open_class("QLNN-26", world.city, capacity=20, start=dt.date(2026, 4, 6), end=dt.date(2026, 4, 10),
                    cost_vnd=12_000_000)
    Enrolment.objects.create(training_class=tc, person=world.people["a1"], status="COMPLETED",
                             completed_on=dt.date(2026, 4, 10))
    Enrolment.objects.create(training_class=tc, person=world.people["a2"], status="ENROLLED")
    Enrolment.objects.create(training_class=tc, person=world.people["a3"], status="WITHDRAWN")
    Enrolment.objects.create(training_class=tc, person=world.people["b1"], status="ENROLLED")
    services.plan_item_link_class(actor=world.actor("officer_a"), item=plan_a.items.get(), training_class=tc)
    with django_assert_max_num_queries(4):
        rows = selectors.plan_vs_actual(actor=world.actor("officer_a"), plan=plan_a)
    assert rows == [{
        "unit": "00004", "unit_name": "Phường Ba Đình", "path": world.ward_a.path, "quarter": 2,
        "planned_people": 5, "planned_budget": 40_000_000, "items": 1, "classes": 1, "learners": 2,
        "completed": 1, "actual_cost": 12_000_000, "variance_people": -3,
    }]


def test_linking_a_class_the_unit_cannot_see_is_404(world, plan_a):
    import pytest

    from cadretrain.domain.errors import NotFound

    tc = open_class("B-ONLY", world.ward_b, capacity=5, status="PLANNED")
    with pytest.raises(NotFound):
        services.plan_item_link_class(actor=world.actor("officer_a"), item=plan_a.items.get(), training_class=tc)
    assert not plan_a.items.get().class_links.exists()


def test_person_nominated_for_content_completed_within_n_years_is_flagged(world):
    old = open_class("LLCT-24", world.city, status="FINISHED", start=dt.date(2024, 3, 4), end=dt.date(2024, 3, 15))
    Enrolment.objects.create(training_class=old, person=world.people["a1"], status="COMPLETED",
                             completed_on=dt.date(2024, 3, 15))
    new = open_class("LLCT-26B", world.city, start=dt.date(2026, 9, 7), end=dt.date(2026, 9, 18))
    Enrolment.objects.create(training_class=new, person=world.people["a1"], status="NOMINATED")
    Enrolment.objects.create(training_class=new, person=world.people["a2"], status="NOMINATED")
    flagged, total = selectors.repeat_nominations(actor=world.actor("officer_a"), years=3, as_of=dt.date(2026, 6, 1))
    assert [(r["person"], r["class"], r["completed_on"]) for r in flagged] == [("P-A1", "LLCT-26B", "2024-03-15")]
    assert total == 1
    assert selectors.repeat_nominations(actor=world.actor("officer_a"), years=2, as_of=dt.date(2026, 6, 1)) == ([], 0)
    assert selectors.repeat_nominations(actor=world.actor("officer_b"), years=3, as_of=dt.date(2026, 6, 1)) == ([], 0)


def test_repeat_window_ends_the_day_before_the_class_and_29_february_looks_back_to_28_february(world):
    """A class starting 2028-02-29 looks back three years to 2025-02-28 (not 1 March); a completion
    on the class's first day is not a repeat. Page and total: the first `limit` by start, class, person."""
    old = open_class("TH-25", world.city, status="FINISHED", start=dt.date(2025, 2, 3), end=dt.date(2025, 2, 28))
    for key, done in (("a1", dt.date(2025, 2, 28)), ("a2", dt.date(2025, 2, 27)), ("a3", dt.date(2025, 2, 28))):
        Enrolment.objects.create(training_class=old, person=world.people[key], status="COMPLETED", completed_on=done)
    leap = open_class("TH-28", world.city, start=dt.date(2028, 2, 29), end=dt.date(2028, 3, 10))
    early = open_class("TH-27", world.city, start=dt.date(2027, 9, 6), end=dt.date(2027, 9, 17))
    for klass in (leap, early):
        for key in ("a1", "a2", "a3"):
            Enrolment.objects.create(training_class=klass, person=world.people[key], status="NOMINATED")
    officer = world.actor("officer_a")
    rows, total = selectors.repeat_nominations(actor=officer, years=3, as_of=dt.date(2026, 6, 1))
    # TH-27 (2027-09-06): all three completed within three years; TH-28: a1 and a3 (28 Feb), not a2.
    assert [(r["class"], r["person"]) for r in rows] == [
        ("TH-27", "P-A1"), ("TH-27", "P-A2"), ("TH-27", "P-A3"), ("TH-28", "P-A1"), ("TH-28", "P-A3")]
    assert total == 5
    page, total = selectors.repeat_nominations(actor=officer, years=3, as_of=dt.date(2026, 6, 1), limit=2)
    assert [(r["class"], r["person"]) for r in page] == [("TH-27", "P-A1"), ("TH-27", "P-A2")] and total == 5
