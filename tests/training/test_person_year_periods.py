"""Person-year periods (read by the ANNUAL_PERIODS standard) equal the raw completions, whether
rebuilt in bulk or refreshed for a few people."""

import datetime as dt
from collections import defaultdict

from cadretrain.catalogue.models import Programme
from cadretrain.training.models import Enrolment, PersonYearPeriods, TrainingClass
from cadretrain.training.summaries import rebuild_person_year_periods, refresh_person_year_periods


def raw_periods():
    totals = defaultdict(int)
    for e in Enrolment.objects.filter(status="COMPLETED").select_related("training_class__programme"):
        totals[(e.person_id, e.completed_on.year)] += e.training_class.programme.periods
    return dict(totals)


def stored_periods():
    return {(r.person_id, r.year): r.periods for r in PersonYearPeriods.objects.all()}


def make_history(world):
    short = Programme.objects.create(code="BD-16", name="Bồi dưỡng 16 tiết", search_key="bd 16",
                                     kind="PROFESSIONAL", periods=16)
    long = Programme.objects.create(code="BD-40", name="Bồi dưỡng 40 tiết", search_key="bd 40",
                                    kind="PROFESSIONAL", periods=40)
    statuses = ["COMPLETED", "COMPLETED", "FAILED", "WITHDRAWN"]
    for i, (year, programme) in enumerate([(2019, short), (2019, long), (2020, long), (2021, short)]):
        klass = TrainingClass.objects.create(
            code=f"K{i}", programme=programme, name=programme.name, search_key="k",
            organizer_unit=world.city, start_date=dt.date(year, 3, 1), end_date=dt.date(year, 3, 5),
        )
        for j, person in enumerate(world.people.values()):
            status = statuses[(i + j) % len(statuses)]
            Enrolment.objects.create(
                training_class=klass, person=person, status=status,
                completed_on=dt.date(year, 3, 5) if status == "COMPLETED" else None,
            )


def test_bulk_rebuild_equals_the_raw_completions(world):
    make_history(world)
    rebuild_person_year_periods()
    assert stored_periods() == raw_periods()
    assert all(year in (2019, 2020, 2021) for _, year in stored_periods())


def test_refresh_of_some_people_equals_the_raw_completions(world):
    make_history(world)
    rebuild_person_year_periods()
    person = world.people["a1"]
    Enrolment.objects.filter(person=person, status="FAILED").update(
        status="COMPLETED", completed_on=dt.date(2020, 6, 1)
    )
    refresh_person_year_periods([person.pk])
    assert stored_periods() == raw_periods()


def test_refresh_drops_a_year_whose_completions_were_withdrawn(world):
    make_history(world)
    rebuild_person_year_periods()
    person = world.people["a1"]
    Enrolment.objects.filter(person=person, status="COMPLETED").update(status="WITHDRAWN", completed_on=None)
    refresh_person_year_periods([person.pk])
    assert not PersonYearPeriods.objects.filter(person=person).exists()
    assert stored_periods() == raw_periods()
