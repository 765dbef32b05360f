"""Compliance kept per day (cadretrain.standards.compliance): after any sequence of changes made
through the product, the kept figures equal the evaluation of the raw rows, for the city, a unit
officer and a unit subtree; kept days are bounded; the hot enrolment path does not touch them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cadretrain.catalogue.models import Programme
from cadretrain.domain.access import Actor
from cadretrain.domain.errors import NotFound
from cadretrain.interchange.services import workbook_import
from cadretrain.people.models import Credential, Person
from cadretrain.standards import compliance
from cadretrain.standards.compliance import compliance_rollup
from cadretrain.standards.evaluation import evaluate_workforce
from cadretrain.standards.models import ComplianceDay, PersonCompliance
from cadretrain.standards.seed import load_seed_standards
from cadretrain.standards.services import standard_rows_upsert
from cadretrain.training import services
from cadretrain.training.models import Enrolment, TrainingClass
from cadretrain.training.signals import enrolments_changed
from tests.interchange.conftest import write_csv_dir
from tests.standards.generated import populate
from tests.standards.test_evaluation import EXTRA_ROWS
from tests.training.helpers import open_class

SYSTEM = Actor.system()
DAYS = [dt.date(2024, 12, 31), dt.date(2025, 12, 31), dt.date(2026, 11, 29)]


@pytest.fixture
def library(world):  # type: ignore[no-untyped-def]
    load_seed_standards()
    standard_rows_upsert(actor=SYSTEM, rows=EXTRA_ROWS)
    populate(world, 60)
    return world


def figures(result):  # type: ignore[no-untyped-def]
    return (result.people, result.meeting_standards, {
        code: (u.people, u.meeting, dict(u.gaps_by_dimension), u.subtree_people, u.subtree_meeting,
               dict(u.subtree_gaps_by_dimension))
        for code, u in result.by_unit.items()
    })


def assert_kept_equals_raw(world, step: str) -> None:  # type: ignore[no-untyped-def]
    for actor, unit in ((SYSTEM, None), (world.actor("officer_a"), None), (SYSTEM, "00004")):
        for day in DAYS:
            kept = compliance_rollup(actor=actor, as_of=day, unit_code=unit)
            raw = evaluate_workforce(actor=actor, as_of=day, unit_code=unit)
            assert figures(kept) == figures(raw), f"after {step}: {actor.role} {unit} {day}"
    assert set(ComplianceDay.objects.values_list("day", flat=True)) == set(DAYS)


def test_kept_days_equal_the_raw_evaluation_after_every_kind_of_change(library, tmp_path):
    world = library
    assert_kept_equals_raw(world, "the first reading")
    kept_rows = PersonCompliance.objects.count()
    assert kept_rows > 3 * 50  # every employed person on each day

    someone = Person.objects.filter(category="CONG_CHUC", left_on__isnull=True).order_by("code").first()
    Credential.objects.create(person=someone, dimension="IT", level="CO_BAN", issued_on=dt.date(2025, 3, 1))
    Credential.objects.create(person=someone, dimension="FOREIGN_LANGUAGE", level="BAC_3", language="en",
                              issued_on=dt.date(2025, 3, 1))
    assert_kept_equals_raw(world, "credentials added")

    Credential.objects.filter(person=someone, dimension="IT").delete()
    assert_kept_equals_raw(world, "a credential deleted")

    mover = Person.objects.filter(unit=world.department).order_by("code").first()
    mover.unit = world.office_a
    mover.category = "CAN_BO"
    mover.save()
    assert_kept_equals_raw(world, "a person moved and recategorised")

    leaver = Person.objects.filter(unit=world.ward_a, left_on__isnull=True).order_by("code").first()
    leaver.left_on = dt.date(2025, 6, 1)
    leaver.save()
    assert_kept_equals_raw(world, "a person left")

    Person.objects.create(code="NEW-1", full_name="Người mới", search_key="nguoi moi", category="CONG_CHUC",
                          unit=world.ward_a, joined_on=dt.date(2025, 1, 1), birth_date=dt.date(1990, 1, 1))
    Person.objects.filter(code__startswith="G7-").exclude(
        pk__in=Enrolment.objects.values("person_id")).order_by("code").first().delete()
    assert_kept_equals_raw(world, "a person created and another deleted")

    # A completion through the services (results of a class whose programme grants a level).
    officer = world.actor("officer_a")
    tc = open_class("K-LLCT", world.ward_a, capacity=5, status="OPEN", prog=Programme.objects.get(code="LLCT-TC"),
                    start=dt.date(2025, 2, 1), end=dt.date(2025, 4, 30))
    for key in ("a1", "a3"):
        services.enrolment_create(actor=officer, training_class=tc, person=world.people[key])
    services.class_transition(actor=officer, training_class=tc, target="RUNNING")
    assert services.results_finalise(actor=officer, training_class=tc)["COMPLETED"] == 2
    assert_kept_equals_raw(world, "a class's results")

    # The class turns out to have been another programme: what its completions grant moves.
    tc.programme = Programme.objects.get(code="TA-B1")
    tc.save()
    assert_kept_equals_raw(world, "a class's programme changed")

    # A bulk writer's completion, told with its list of changes (as the importer does).
    row = Enrolment.objects.filter(status="ENROLLED").order_by("pk").first()
    Enrolment.objects.filter(pk=row.pk).update(status="COMPLETED", completed_on=dt.date(2025, 11, 1))
    enrolments_changed.send(sender=None, person_ids={row.person_id}, class_ids={row.training_class_id},
                            changes=[(row.person_id, row.training_class_id, "ENROLLED", "COMPLETED")])
    assert_kept_equals_raw(world, "a bulk completion")

    TrainingClass.objects.get(pk=tc.pk).delete()
    assert_kept_equals_raw(world, "a class deleted")

    # A new version of a standard changes who meets it: the kept days are recomputed.
    standard_rows_upsert(actor=SYSTEM, rows=[
        {"code": "T-IT", "category": "VIEN_CHUC", "group": "1", "dimension": "IT", "min_level": "CO_BAN",
         "valid_from": "2025-01-01"}])
    assert_kept_equals_raw(world, "a standard added")

    # An import of people (bulk writes, no per-row signal).
    folder = write_csv_dir(tmp_path / "wb", {"people": [
        ["code", "full_name", "birth_date", "gender", "unit_code", "category", "joined_on"],
        ["IMP-1", "Nguyễn Văn Nhập", "1990-05-01", "M", "00004", "CONG_CHUC", "2020-01-01"],
    ]})
    report = workbook_import(actor=SYSTEM, path=Path(folder))
    assert not report.errors, report.errors
    assert_kept_equals_raw(world, "an import of people")


def test_a_unit_outside_the_scope_is_not_found(library):
    with pytest.raises(NotFound):
        compliance_rollup(actor=library.actor("officer_a"), as_of=DAYS[0], unit_code="00008")


def test_nominations_do_not_touch_the_kept_days(library):
    world = library
    compliance_rollup(actor=SYSTEM, as_of=DAYS[-1])
    tc = open_class("K-NOM", world.ward_a, capacity=5, status="OPEN")
    with CaptureQueriesContext(connection) as ctx:
        services.enrolment_create(actor=world.actor("officer_a"), training_class=tc, person=world.people["a1"])
    assert not [q["sql"] for q in ctx.captured_queries if PersonCompliance._meta.db_table in q["sql"]]


def test_at_most_max_days_are_kept_the_least_recently_used_dropped(library, monkeypatch):
    monkeypatch.setattr(compliance, "MAX_DAYS", 3)
    days = [dt.date(2020 + i, 12, 31) for i in range(5)]
    for day in days:
        compliance_rollup(actor=SYSTEM, as_of=day)
    assert set(ComplianceDay.objects.values_list("day", flat=True)) == set(days[-3:])
    assert set(PersonCompliance.objects.values_list("day", flat=True).distinct()) == set(days[-3:])


def test_a_day_older_than_max_age_is_recomputed_on_its_next_use(library):
    day = DAYS[-1]
    before = compliance_rollup(actor=SYSTEM, as_of=day)
    # A writer that signals nothing (a raw update): the kept day does not know …
    Person.objects.filter(pk__in=Person.objects.employed_on(day).values("pk")[:5]).update(
        left_on=dt.date(2020, 1, 1))
    assert compliance_rollup(actor=SYSTEM, as_of=day).people == before.people
    # … until it is older than MAX_AGE.
    ComplianceDay.objects.filter(day=day).update(computed_at=timezone.now() - compliance.MAX_AGE
                                                 - dt.timedelta(seconds=1))
    assert figures(compliance_rollup(actor=SYSTEM, as_of=day)) == figures(evaluate_workforce(actor=SYSTEM, as_of=day))
    assert compliance_rollup(actor=SYSTEM, as_of=day).people == before.people - 5


def test_warm_reports_computes_today_and_named_days_ahead_and_renews_a_half_expired_one(library):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    today, named = timezone.localdate(), DAYS[0]
    out = StringIO()
    call_command("warm_reports", "--day", named.isoformat(), stdout=out)
    assert set(ComplianceDay.objects.values_list("day", flat=True)) == {today, named}
    assert out.getvalue().count("đã tính lại") == 2
    # A report then reads the kept day: no evaluation while the leader waits.
    with CaptureQueriesContext(connection) as queries:
        kept = compliance_rollup(actor=SYSTEM, as_of=named)
    assert not any("people_credential" in q["sql"] for q in queries.captured_queries)
    assert figures(kept) == figures(evaluate_workforce(actor=SYSTEM, as_of=named))
    # Fresh days are left alone; one past half its maximum age is computed again.
    out = StringIO()
    call_command("warm_reports", stdout=out)
    assert "còn mới" in out.getvalue()
    ComplianceDay.objects.filter(day=today).update(computed_at=timezone.now() - compliance.MAX_AGE / 2
                                                   - dt.timedelta(seconds=1))
    out = StringIO()
    call_command("warm_reports", stdout=out)
    assert "đã tính lại" in out.getvalue()
    with pytest.raises(CommandError, match="Ngày không hợp lệ"):
        call_command("warm_reports", "--day", "2026-02-31")
