"""Workforce-wide (set-based) and one-person gap evaluation against the database."""

from __future__ import annotations

import datetime as dt

import pytest

from cadretrain.domain.access import Actor
from cadretrain.domain.errors import NotFound
from cadretrain.domain.standards import evaluate, unmet
from cadretrain.org.models import Position
from cadretrain.people.models import Credential, Person
from cadretrain.standards.evaluation import evaluate_workforce, person_gaps, rules_in_force
from cadretrain.standards.seed import load_seed_standards
from cadretrain.standards.services import standard_rows_upsert
from tests.standards.generated import populate

SYSTEM = Actor.system()
DATES = [dt.date(2019, 6, 30), dt.date(2021, 12, 9), dt.date(2024, 5, 10), dt.date(2026, 11, 29)]

EXTRA_ROWS = [
    # Alternatives across dimensions and a language-specific row, for everyone in ward-level CONG_CHUC.
    {"code": "T-NN", "category": "CONG_CHUC", "group": "1", "dimension": "FOREIGN_LANGUAGE",
     "min_level": "BAC_3", "language": "en", "valid_from": "2018-01-01"},
    {"code": "T-NN", "category": "CONG_CHUC", "group": "1", "dimension": "EDUCATION",
     "min_level": "THAC_SI", "valid_from": "2018-01-01"},
    {"code": "T-NN", "category": "CONG_CHUC", "group": "2", "dimension": "IT",
     "min_level": "CO_BAN", "valid_from": "2018-01-01"},
    {"code": "T-AP", "management_tier": "DON_VI", "group": "1", "dimension": "ANNUAL_PERIODS",
     "min_level": "30", "valid_from": "2016-01-01"},
]


@pytest.fixture
def library(world):  # type: ignore[no-untyped-def]
    load_seed_standards()
    standard_rows_upsert(actor=SYSTEM, rows=EXTRA_ROWS)
    return world


def expected(pop, as_of):  # type: ignore[no-untyped-def]
    """Pure evaluation, person by person, from the generator's own record of the facts."""
    rules = rules_in_force(as_of)
    codes = dict(Position.objects.values_list("pk", "code"))
    people = 0
    meeting = 0
    gaps = set()
    for person in pop.people:
        if (person.joined_on and person.joined_on > as_of) or (person.left_on and person.left_on <= as_of):
            continue
        people += 1
        missing = unmet(evaluate(pop.facts(person, codes), rules, as_of))
        if not missing:
            meeting += 1
        gaps |= {(person.code, r.standard_code, r.group, r.requirement.dimension, r.requirement.min_level,
                  r.current) for r in missing}
    return people, meeting, gaps


def test_set_based_evaluation_equals_pure_evaluation_person_by_person(library):
    # Only generated people are counted (their facts are known): the personas have left.
    Person.objects.update(left_on=dt.date(2000, 1, 1))
    pop = populate(library, 150)
    for as_of in DATES:
        result = evaluate_workforce(actor=SYSTEM, as_of=as_of)
        people, meeting, gaps = expected(pop, as_of)
        got = {(g.person_code, g.standard_code, g.group, g.dimension, g.required, g.current) for g in result.gaps}
        assert (result.people, result.meeting_standards) == (people, meeting), as_of
        assert got == gaps, as_of
        assert len(result.gaps) == len(got)  # one item per unmet group
    # The generated data exercises every kind of rule, met and unmet.
    result = evaluate_workforce(actor=SYSTEM, as_of=dt.date(2020, 6, 1))
    assert {g.dimension for g in result.gaps} >= {"ANNUAL_PERIODS", "FOREIGN_LANGUAGE", "IT"}
    result = evaluate_workforce(actor=SYSTEM, as_of=dt.date(2026, 11, 29))
    assert {g.dimension for g in result.gaps} >= {"EDUCATION", "POLITICAL_THEORY", "STATE_MANAGEMENT",
                                                  "KNOWLEDGE_UPDATE_MONTHS"}
    assert 0 < result.meeting_standards < result.people


def test_one_person_gaps_equal_that_persons_workforce_items(library):
    pop = populate(library, 60, seed=3)
    as_of = dt.date(2026, 11, 29)
    result = evaluate_workforce(actor=SYSTEM, as_of=as_of)
    for person in pop.people[:30]:
        if person.left_on and person.left_on <= as_of:
            continue
        mine = [g for g in result.gaps if g.person_code == person.code]
        assert person_gaps(actor=SYSTEM, person_code=person.code, as_of=as_of) == mine


def test_workforce_query_count_is_constant_in_the_number_of_people(library, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for n, seed in ((10, 1), (80, 2)):
        populate(library, n, seed=seed)
        with CaptureQueriesContext(connection) as ctx:
            evaluate_workforce(actor=SYSTEM, as_of=dt.date(2020, 6, 1))
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] <= 10


def test_one_person_gaps_take_at_most_five_queries(library, django_assert_max_num_queries):
    populate(library, 20)
    person = Person.objects.filter(position__code="GIAM_DOC_SO").first() or Person.objects.first()
    with django_assert_max_num_queries(5):
        person_gaps(actor=SYSTEM, person_code=person.code, as_of=dt.date(2026, 1, 1))
    from cadretrain.standards.evaluation import person_report

    with django_assert_max_num_queries(5):
        person_report(actor=SYSTEM, person_code=person.code, as_of=dt.date(2026, 1, 1))


def test_people_without_applicable_standard_count_as_meeting(world):
    result = evaluate_workforce(actor=SYSTEM, as_of=dt.date(2026, 1, 1))
    assert (result.people, result.meeting_standards, result.gaps) == (6, 6, [])


def test_left_and_not_yet_joined_people_are_not_counted(library):
    Person.objects.filter(code="P-B1").update(left_on=dt.date(2026, 1, 1))
    Person.objects.filter(code="P-B2").update(joined_on=dt.date(2026, 6, 1))
    assert evaluate_workforce(actor=SYSTEM, as_of=dt.date(2026, 3, 1)).people == 4
    assert evaluate_workforce(actor=SYSTEM, as_of=dt.date(2025, 12, 31)).people == 5


def test_completion_of_a_granting_class_closes_the_gap_without_a_credential(library):
    from cadretrain.catalogue.models import Programme
    from cadretrain.training.models import Enrolment, TrainingClass

    a3 = library.people["a3"]  # CAN_BO: needs DAI_HOC and TRUNG_CAP political theory
    Credential.objects.create(person=a3, dimension="EDUCATION", level="DAI_HOC", issued_on=dt.date(2008, 6, 1))
    before = {(g.standard_code, g.group) for g in person_gaps(actor=SYSTEM, person_code="P-A3", as_of=dt.date(2026, 1, 1))}
    assert ("NQ04-CAN-BO", "2") in before
    programme = Programme.objects.create(code="LLCT-TC", name="Trung cấp LLCT", search_key="trung cap llct",
                                         kind="POLITICAL_THEORY", grants_dimension="POLITICAL_THEORY",
                                         grants_level="TRUNG_CAP")
    klass = TrainingClass.objects.create(code="TC-1", programme=programme, name="TC", search_key="tc",
                                         organizer_unit=library.city, start_date=dt.date(2024, 9, 1),
                                         end_date=dt.date(2025, 6, 30))
    Enrolment.objects.create(training_class=klass, person=a3, status="COMPLETED", completed_on=dt.date(2025, 6, 30))
    for day, closed in ((dt.date(2025, 6, 29), False), (dt.date(2025, 6, 30), True)):
        items = {(g.standard_code, g.group) for g in person_gaps(actor=SYSTEM, person_code="P-A3", as_of=day)}
        assert (("NQ04-CAN-BO", "2") not in items) is closed
        wf = {(g.person_code, g.standard_code, g.group) for g in evaluate_workforce(actor=SYSTEM, as_of=day).gaps}
        assert (("P-A3", "NQ04-CAN-BO", "2") not in wf) is closed


def test_officer_sees_only_their_subtree_and_roll_ups_add_up(library):
    officer = library.actor("officer_a")
    result = evaluate_workforce(actor=officer, as_of=dt.date(2026, 1, 1))
    assert result.people == 3  # P-A1, P-A2 (office inside ward A), P-A3
    assert {g.person_code for g in result.gaps} <= {"P-A1", "P-A2", "P-A3"}
    assert set(result.by_unit) == {"00004", "00004.VP"}
    ward = result.by_unit["00004"]
    office = result.by_unit["00004.VP"]
    assert (ward.people, office.people, ward.subtree_people) == (2, 1, 3)
    assert ward.subtree_meeting == ward.meeting + office.meeting
    everyone = evaluate_workforce(actor=SYSTEM, as_of=dt.date(2026, 1, 1))
    city = everyone.by_unit["HN"]
    assert (city.subtree_people, city.subtree_meeting) == (everyone.people, everyone.meeting_standards)
    # P-A3 (CAN_BO, BTV tier) misses NQ 04 and knowledge updating; the five CONG_CHUC miss T-NN.
    assert city.subtree_gaps_by_dimension == {"KNOWLEDGE_UPDATE_MONTHS": 1, "EDUCATION": 1,
                                              "POLITICAL_THEORY": 1, "FOREIGN_LANGUAGE": 5, "IT": 5}


def test_unit_filter_limits_to_the_subtree_and_invisible_units_are_not_found(library):
    result = evaluate_workforce(actor=SYSTEM, as_of=dt.date(2026, 1, 1), unit_code="00008")
    assert result.people == 2 and set(result.by_unit) == {"00008"}
    with pytest.raises(NotFound):
        evaluate_workforce(actor=library.actor("officer_a"), as_of=dt.date(2026, 1, 1), unit_code="00008")
    with pytest.raises(NotFound):
        evaluate_workforce(actor=SYSTEM, as_of=dt.date(2026, 1, 1), unit_code="NOPE")


def test_person_out_of_scope_is_not_found(library):
    with pytest.raises(NotFound):
        person_gaps(actor=library.actor("officer_b"), person_code="P-A3", as_of=dt.date(2026, 1, 1))
    assert person_gaps(actor=library.actor("officer_a"), person_code="P-A3", as_of=dt.date(2026, 1, 1))
