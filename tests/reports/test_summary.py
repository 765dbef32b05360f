"""`training_summary`, `cadretrain report summary` and `GET /api/v1/reports/summary` return the
spec document; every figure is recomputed here from the raw rows, city-wide and for an officer."""

from __future__ import annotations

import datetime as dt
import json
import random
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cadretrain.people.models import Person
from cadretrain.reports.selectors import summary_figures, training_summary
from cadretrain.training.models import Enrolment, TrainingClass
from tests.reports.builders import open_class_of_ward_b, random_dataset

pytestmark = pytest.mark.django_db

FROM, TO = dt.date(2024, 1, 1), dt.date(2025, 12, 31)


def oracle(*, person_ids: set[int] | None, class_ids: set[int] | None, date_from=FROM, date_to=TO) -> dict:
    """The summary recomputed in Python from raw rows; None = everyone / every class."""
    classes = {c.pk: c for c in TrainingClass.objects.select_related("programme")
               if date_from <= c.start_date <= date_to and (class_ids is None or c.pk in class_ids)}
    rows: dict[tuple, dict] = {}
    for c in classes.values():
        key = (c.programme.kind, c.programme.grants_level)
        r = rows.setdefault(key, {"kind": key[0], "level": key[1] or None, "classes": 0, "enrolments": 0,
                                  "learners": set(), "completed": 0})
        r["classes"] += 1
    counted = [e for e in Enrolment.objects.select_related("training_class__programme")
               if date_from <= e.training_class.start_date <= date_to and e.status != "WITHDRAWN"
               and (person_ids is None or e.person_id in person_ids)]
    for e in counted:
        p = e.training_class.programme
        r = rows.setdefault((p.kind, p.grants_level), {"kind": p.kind, "level": p.grants_level or None,
                                                       "classes": 0, "enrolments": 0, "learners": set(),
                                                       "completed": 0})
        r["enrolments"] += 1
        r["learners"].add(e.person_id)
        r["completed"] += e.status == "COMPLETED"
    for r in rows.values():
        r["learners"] = len(r["learners"])
    abroad = [e for e in counted if e.training_class.country != "VN"]
    people = [p for p in Person.objects.all() if (person_ids is None or p.pk in person_ids)
              and (p.joined_on is None or p.joined_on <= date_to) and (p.left_on is None or p.left_on > date_to)]
    tiers = {t: {"people": 0, "trained_abroad": 0, "knowledge_updated": 0} for t in ("BCT_BBT", "BTV_THANH_UY", "DON_VI")}
    for p in people:
        if not p.management_tier:
            continue
        t = tiers[p.management_tier]
        t["people"] += 1
        t["trained_abroad"] += any(e.person_id == p.pk for e in abroad)
        t["knowledge_updated"] += any(e.person_id == p.pk and e.status == "COMPLETED"
                                      and e.training_class.programme.kind == "KNOWLEDGE_UPDATE" for e in counted)
    return {
        "from": date_from.isoformat(), "to": date_to.isoformat(),
        "rows": [rows[k] for k in sorted(rows, key=lambda k: (k[0], k[1] or ""))],
        "abroad": {"classes": sum(c.country != "VN" for c in classes.values()),
                   "learners": len({e.person_id for e in abroad})},
        "tiers": tiers,
        # No standards are defined in this dataset: everyone employed meets them.
        "compliance": {"people": len(people), "meeting_standards": len(people)},
    }


def ward_a_people(world) -> set[int]:
    return set(Person.objects.filter(unit__path__startswith=world.ward_a.path).values_list("pk", flat=True))


def ward_a_classes(world) -> set[int]:
    organised = TrainingClass.objects.filter(organizer_unit__path__startswith=world.ward_a.path)
    attended = Enrolment.objects.filter(person__in=ward_a_people(world)).values_list("training_class_id", flat=True)
    return set(organised.values_list("pk", flat=True)) | set(attended)


# A calendar year is read from the summary cube; any other period from the learners' summary days
# (the last one starts inside people's runs of classes, so their first day in it has an earlier one).
PERIODS = [(FROM, TO), (dt.date(2025, 1, 1), dt.date(2025, 12, 31)), (dt.date(2024, 3, 15), dt.date(2024, 9, 1)),
           (dt.date(2024, 6, 10), dt.date(2025, 6, 30)), (dt.date(2024, 2, 1), dt.date(2025, 5, 17))]


@pytest.mark.parametrize("seed", [11, 12])
def test_city_summary_equals_the_raw_rows(world, seed):
    random_dataset(world, random.Random(seed), extra_people=15, classes=18)
    docs = [training_summary(actor=world.actor("admin"), date_from=a, date_to=b) for a, b in PERIODS]
    assert docs == [oracle(person_ids=None, class_ids=None, date_from=a, date_to=b) for a, b in PERIODS]
    assert docs[0]["rows"] and docs[1]["rows"]


def test_officer_summary_counts_only_their_people(world):
    ds = random_dataset(world, random.Random(13), extra_people=15, classes=18)
    # Open classes of ward B (an officer of ward A sees them, to nominate) are not ward A's.
    open_class_of_ward_b(world, ds.programmes["CNKT-3"], dt.date(2024, 5, 1), "OPEN-B1")
    open_class_of_ward_b(world, ds.programmes["LLCT-TC"], dt.date(2025, 5, 1), "OPEN-B2")
    for date_from, date_to in PERIODS:
        got = training_summary(actor=world.actor("officer_a"), date_from=date_from, date_to=date_to)
        want = oracle(person_ids=ward_a_people(world), class_ids=ward_a_classes(world), date_from=date_from,
                      date_to=date_to)
        assert got == want
    city = training_summary(actor=world.actor("admin"), date_from=FROM, date_to=TO)
    assert sum(r["enrolments"] for r in got["rows"]) < sum(r["enrolments"] for r in city["rows"])


def test_a_summary_over_any_period_reads_no_enrolment_for_the_city_or_a_unit(world):
    """Periods that are not calendar years come from the learners' summary days (city-wide from
    their month rows for whole months), not from the period's enrolments."""
    random_dataset(world, random.Random(15), extra_people=5, classes=8)
    for persona in ("admin", "officer_a"):
        for date_from, date_to in ((dt.date(2024, 2, 1), dt.date(2025, 5, 17)), (dt.date(2024, 3, 15), TO)):
            with CaptureQueriesContext(connection) as queries:
                summary_figures(actor=world.actor(persona), date_from=date_from, date_to=date_to)
            sql = " ".join(q["sql"] for q in queries.captured_queries)
            assert "reports_learnerday" in sql and "training_enrolment" not in sql, (persona, date_from)
    with CaptureQueriesContext(connection) as queries:
        summary_figures(actor=world.actor("admin"), date_from=dt.date(2024, 2, 1), date_to=dt.date(2025, 5, 17))
    assert "reports_learnermonth" in " ".join(q["sql"] for q in queries.captured_queries)


def test_withdrawn_enrolments_are_not_counted(world):
    ds = random_dataset(world, random.Random(14), classes=0)
    from tests.reports.builders import enrol, make_class

    tc = make_class("W-1", ds.programmes["CNKT-3"], world.city, dt.date(2024, 3, 1))
    enrol(tc, world.people["a1"], "WITHDRAWN")
    enrol(tc, world.people["a2"], "COMPLETED")
    got = training_summary(actor=world.actor("admin"), date_from=FROM, date_to=TO)
    assert got["rows"] == [{"kind": "KNOWLEDGE_UPDATE", "level": None, "classes": 1, "enrolments": 1,
                            "learners": 1, "completed": 1}]


def test_command_prints_exactly_the_json_document(world):
    random_dataset(world, random.Random(15))
    out = StringIO()
    call_command("report", "summary", "--from", FROM.isoformat(), "--to", TO.isoformat(), "--json", stdout=out)
    assert json.loads(out.getvalue()) == oracle(person_ids=None, class_ids=None)


def test_command_refuses_a_reversed_period(world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="report_period_reversed"):
        call_command("report", "summary", "--from", "2025-01-01", "--to", "2024-01-01", "--json", stdout=StringIO())


def test_api_summary_is_scoped_to_the_officer(world, api_for):
    random_dataset(world, random.Random(16))
    res = api_for("officer_a").get("/api/v1/reports/summary", {"from": FROM.isoformat(), "to": TO.isoformat()})
    assert res.status_code == 200
    assert res.json() == oracle(person_ids=ward_a_people(world), class_ids=ward_a_classes(world))


def test_api_summary_needs_a_token_and_a_valid_period(world, api_for):
    assert api_for(None).get("/api/v1/reports/summary", {"from": "2024-01-01", "to": "2024-12-31"}).status_code == 401
    res = api_for("admin").get("/api/v1/reports/summary", {"from": "2024-12-31", "to": "2024-01-01"})
    assert res.status_code == 400
    assert res.json()["code"] == "report_period_reversed"
    res = api_for("admin").get("/api/v1/reports/summary", {"from": "31/02/2024", "to": "2024-12-31"})
    assert res.status_code == 400
    assert res.json()["code"] == "impossible_date"
