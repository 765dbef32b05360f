"""Form 10-BTCTW read from Form10Person (each learner's cells per year) equals the form computed
from the raw rows — city-wide, for unit officers and viewers, three- and two-tier years — after
every kind of change the cells depend on, and the stored rows always equal a fresh rebuild. The
learners' summary days (LearnerDay), refreshed with the cells, are checked at every step too:
`report summary` over periods that are not calendar years equals the raw rows' figures."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import random
import re
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cadretrain.catalogue.models import Programme
from cadretrain.core.audit import audit_record
from cadretrain.core.bulk import enrolment_ranges
from cadretrain.core.models import JobRun
from cadretrain.domain.text import fold
from cadretrain.org.models import Position
from cadretrain.org.services import unit_create, unit_move
from cadretrain.people.models import Assignment, Person
from cadretrain.people.services import person_create, person_transfer, person_update
from cadretrain.reports import learner_days
from cadretrain.reports.form10 import build_form10, build_form10_raw
from cadretrain.reports.form10_cells import rebuild, refresh_people
from cadretrain.reports.models import Form10Class, Form10Person, LearnerDay, LearnerMonth
from cadretrain.reports.selectors import _summary_rows_from_raw, _tier_figures, summary_figures
from cadretrain.training.models import Enrolment, TrainingClass
from cadretrain.training.services import class_update, enrolment_withdraw
from cadretrain.training.signals import enrolments_changed, enrolments_rebuilt
from tests.reports.builders import enrol, make_class, random_dataset
from tests.world import SYSTEM

pytestmark = pytest.mark.django_db

YEARS = (2023, 2024, 2025, 2026)
PERSONAS = ("admin", "officer_a", "viewer_a", "officer_b", "school")


@pytest.fixture
def cells_world(world):
    """The persona world plus a district (until 2025-06-30) whose people later move to ward A,
    a leadership position, a defence programme without an object in its name, and random
    classes and enrolments in 2023–2026 over every unit."""
    district = unit_create(actor=SYSTEM, code="Q.BD", name="Quận Ba Đình", kind="DISTRICT", parent=world.city,
                           valid_from=dt.date(2000, 1, 1), valid_to=dt.date(2025, 6, 30))
    world.district = district
    world.leader_pos = Position.objects.create(code="PGD", name="Phó Giám đốc", kind="LEADERSHIP")
    for i in range(3):
        p = person_create(actor=SYSTEM, code=f"P-X{i}", unit=district, full_name=f"Đỗ Văn X{i}",
                          position=world.leader_pos if i == 0 else world.position,
                          birth_date=dt.date(1980, 1, 1), gender="M", category="CONG_CHUC",
                          joined_on=dt.date(2015, 1, 1), management_tier="BCT_BBT" if i == 2 else "")
        person_transfer(actor=SYSTEM, person=p, unit=world.ward_a, position=None, on=dt.date(2025, 7, 1))
        world.people[f"x{i}"] = Person.objects.get(pk=p.pk)
    rng = random.Random(11)
    ds = random_dataset(world, rng, extra_people=10, classes=20, years=(2023, 2026))
    defence = Programme.objects.create(code="QPAN", name="Bồi dưỡng kiến thức quốc phòng và an ninh",
                                       search_key="qpan", kind="DEFENCE_SECURITY")
    units = [world.city, world.department, world.ward_a, world.ward_b, world.office_a, district]
    people = list(world.people.values()) + ds.people
    for i, year in enumerate(YEARS):
        tc = make_class(f"DEF-{year}", defence, units[i], dt.date(year, 3 + i, 10))
        for person in {p.pk: p for p in people}.values():
            if rng.random() < 0.5:
                enrol(tc, person, rng.choice(["ENROLLED", "COMPLETED", "WITHDRAWN"]))
        ds.classes.append(tc)
    # Learners on no row: a soft-skills class; one of its learners attends nothing else.
    soft = Programme.objects.create(code="KN", name="Kỹ năng thuyết trình", search_key="ky nang", kind="SOFT_SKILLS")
    solo = person_create(actor=SYSTEM, code="P-SOLO", unit=world.ward_b, full_name="Lê Văn Một",
                         birth_date=dt.date(1990, 1, 1), gender="M", category="VIEN_CHUC")
    soft_class = make_class("SOFT-2024", soft, world.ward_b, dt.date(2024, 8, 1))
    for person in (solo, world.people["b1"], world.people["a2"]):
        enrol(soft_class, person, "COMPLETED")
    ds.classes.append(soft_class)
    for person in (world.people["x0"], world.people["x1"], world.people["x2"]):
        for tc in rng.sample(ds.classes, 5):
            if not Enrolment.objects.filter(training_class=tc, person=person).exists():
                enrol(tc, person, "COMPLETED")
    world.ds = ds
    return world


def stored() -> dict:
    return {(r.person_id, r.year): (r.tier, r.cells) for r in Form10Person.objects.all()}


# Periods that are not calendar years (read from the learners' summary days and, city-wide, their
# month rows): several years, a span that cuts through people's series of days, the year so far,
# whole months only, part of one month.
SUMMARY_PERIODS = ((dt.date(2023, 1, 1), dt.date(2026, 12, 31)), (dt.date(2024, 3, 15), dt.date(2025, 8, 20)),
                   (dt.date(2026, 1, 1), dt.date(2026, 11, 29)), (dt.date(2024, 4, 1), dt.date(2025, 9, 30)),
                   (dt.date(2025, 7, 1), dt.date(2025, 7, 20)))


def raw_summary(actor, date_from: dt.date, date_to: dt.date) -> dict:
    rows, abroad = _summary_rows_from_raw(actor, date_from, date_to)
    return {"from": date_from.isoformat(), "to": date_to.isoformat(), "rows": [rows[k] for k in sorted(rows)],
            "abroad": abroad, "tiers": _tier_figures(actor, date_from, date_to)}


def days() -> tuple[set, set]:
    """The learner days and the month rows that add up to something (refreshes leave zeros)."""
    return (set(LearnerDay.objects.values_list("person_id", "day", "series", "previous", "enrolments", "completed")),
            set(LearnerMonth.objects.exclude(days=0, enrolments=0, completed=0).values_list(
                "series", "month", "previous_month", "days", "enrolments", "completed")))


def check(world, note: str = "") -> None:
    """Every persona's form of every year and summary of every period equals the raw
    computation, and the stored rows equal a rebuild from scratch."""
    for persona in PERSONAS:
        actor = world.actor(persona)
        for year in YEARS:
            got = build_form10(actor=actor, year=year).as_json()
            want = build_form10_raw(actor=actor, year=year).as_json()
            assert got == want, (note, persona, year)
        for date_from, date_to in SUMMARY_PERIODS:
            got = summary_figures(actor=actor, date_from=date_from, date_to=date_to)
            assert got == raw_summary(actor, date_from, date_to), (note, persona, date_from)
    before = stored()
    filings = set(Form10Class.objects.values_list("training_class_id", "filed"))
    kept_days = days()
    rebuild()
    learner_days.rebuild()
    assert stored() == before, note
    assert set(Form10Class.objects.values_list("training_class_id", "filed")) == filings, note
    assert days() == kept_days, note


def test_the_dataset_fills_rows_in_every_column_and_the_form_equals_the_raw_computation(cells_world):
    cells = " ".join(Form10Person.objects.values_list("cells", flat=True))
    # Provincial, district and commune learners, leaders, defence by object, unmapped learners.
    for token in (":p", ":d", ":c", "L", "II.8.1:", "II.8.4:"):
        assert token in cells, token
    assert Form10Person.objects.filter(cells="").exists()
    check(cells_world)


def test_the_form_equals_the_raw_computation_after_each_kind_of_change(cells_world):
    w = cells_world
    ds = w.ds
    check(w, "start")
    # A new enrolment, a withdrawal (the service), a completion (as the importer writes it).
    tc = next(c for c in ds.classes if c.start_date.year == 2024)
    newcomer = next(p for p in ds.people if not Enrolment.objects.filter(training_class=tc, person=p).exists())
    enrol(tc, newcomer, "ENROLLED")
    check(w, "new enrolment")
    enrolment_withdraw(actor=SYSTEM, enrolment=Enrolment.objects.get(training_class=tc, person=newcomer))
    check(w, "withdrawal")
    e = Enrolment.objects.filter(status__in=["ENROLLED", "NOMINATED"]).order_by("pk").first()
    Enrolment.objects.filter(pk=e.pk).update(status="COMPLETED", completed_on=dt.date(2026, 1, 1))
    enrolments_changed.send(sender=None, person_ids={e.person_id}, class_ids={e.training_class_id},
                            changes=[(e.person_id, e.training_class_id, e.status, "COMPLETED")])
    check(w, "completion")
    # A class moved to another year (the service), its programme changed (ORM save).
    moved = max(ds.classes, key=lambda c: Enrolment.objects.filter(training_class=c).count())
    class_update(actor=SYSTEM, training_class=moved, start_date="2026-02-01", end_date="2026-03-01")
    check(w, "class moved to another year")
    moved.refresh_from_db()
    moved.programme = Programme.objects.get(code="XDD")
    moved.save(update_fields=["programme"])
    check(w, "class programme changed")
    # A class moved and made a foreign one by UPDATE, announced by the importer with one learner.
    other = next(c for c in ds.classes if c.pk != moved.pk and Enrolment.objects.filter(training_class=c).count() > 2)
    TrainingClass.objects.filter(pk=other.pk).update(start_date=dt.date(2023, 6, 1), end_date=dt.date(2023, 7, 1),
                                                      country="SG")
    one = Enrolment.objects.filter(training_class=other).first()
    enrolments_changed.send(sender=None, person_ids={one.person_id}, class_ids={other.pk})
    check(w, "class updated by the importer")
    # A learner moved to another unit; their assignment history edited, then a period deleted.
    x0 = Person.objects.get(pk=w.people["x0"].pk)
    person_transfer(actor=SYSTEM, person=x0, unit=w.department, position=w.leader_pos, on=dt.date(2026, 2, 1))
    check(w, "learner moved")
    first = Assignment.objects.filter(person=x0).order_by("valid_from").first()
    first.valid_to = dt.date(2023, 12, 31)
    first.save()
    check(w, "assignment shortened")
    Assignment.objects.create(person=x0, unit=w.ward_b, position=None, valid_from=dt.date(2024, 1, 1),
                              valid_to=dt.date(2025, 6, 30))
    check(w, "assignment added")
    Assignment.objects.filter(person=x0, unit=w.ward_b).delete()
    check(w, "assignment deleted")
    # Tier and position of a learner (the service saves the person).
    a1 = Person.objects.get(pk=w.people["a1"].pk)
    person_update(actor=SYSTEM, person=a1, management_tier="BTV_THANH_UY")
    check(w, "tier changed")
    # A unit moved: ward A's office under the department (commune → provincial level).
    unit_move(actor=SYSTEM, unit=w.office_a, new_parent=w.department)
    check(w, "unit moved")
    # A unit's kind, a position's kind and a programme's name changed with the ORM.
    w.department.kind = "DISTRICT"
    w.department.save()
    check(w, "unit kind changed")
    w.position.kind = "LEADERSHIP"
    w.position.save()
    check(w, "position kind changed")
    prog = Programme.objects.get(code="QLKT")
    prog.name = "Bồi dưỡng nghiệp vụ công tác đoàn thể"
    prog.search_key = fold(prog.name)
    prog.save()
    check(w, "programme renamed")
    defence = Programme.objects.get(code="QPAN")
    defence.name = "Bồi dưỡng kiến thức quốc phòng và an ninh đối tượng 2"
    defence.save()
    check(w, "defence programme given an object")
    # A class deleted with its enrolments.
    TrainingClass.objects.get(pk=moved.pk).delete()
    check(w, "class deleted")


def test_changes_written_by_an_import_are_picked_up_from_its_audit_event_and_its_tier_signal(cells_world):
    """The importer updates tiers, unit kinds, position kinds and programmes with UPDATE. It names
    the people whose tier it changed (`tiers_changed`); its audit event makes the rows follow the
    rest."""
    from cadretrain.people.signals import tiers_changed

    w = cells_world
    check(w, "start")
    enrolled = list(Enrolment.objects.exclude(status="WITHDRAWN").values_list("person_id", flat=True))[:5]
    Person.objects.filter(pk__in=enrolled).update(management_tier="BTV_THANH_UY")
    tiers_changed.send(sender=None, person_ids=set(enrolled))
    check(w, "after the tiers")
    w.district.__class__.objects.filter(pk=w.ward_b.pk).update(kind="OTHER")
    Position.objects.filter(pk=w.leader_pos.pk).update(kind="SPECIALIST")
    Programme.objects.filter(code="LLCT-TC").update(grants_level="CAO_CAP")
    run = JobRun.objects.create(kind="import", status=JobRun.Status.DONE)
    audit_record(actor=SYSTEM, obj=run, action="import", changes={"updated": {"people": 5}})
    check(w, "after the import")


def _csv(rows: list[list[object]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def test_imports_of_people_units_positions_and_programmes_keep_the_form_exact(cells_world, tmp_path):
    """The importer's UPDATEs of a unit's kind, a position's kind, a programme's name and a
    person's tier (no transfer) reach the rows through its audit event."""
    from cadretrain.interchange.services import workbook_import

    w = cells_world
    check(w, "start")
    # A learner's tier alone (same unit and position: not a transfer, nobody named).
    learner = Person.objects.select_related("unit", "position").filter(
        pk__in=Form10Person.objects.values("person_id"), position__isnull=False).exclude(
        management_tier="BCT_BBT").order_by("pk").first()
    path = tmp_path / "people.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("people.csv", _csv([
            ["code", "full_name", "birth_date", "gender", "category", "unit_code", "position_code", "management_tier"],
            [learner.code, learner.full_name, learner.birth_date.isoformat(), learner.gender, learner.category,
             learner.unit.code, learner.position.code, "BCT_BBT"]]))
    report = workbook_import(actor=SYSTEM, path=path)
    assert report.ok and report.updated.get("people") == 1, report
    assert Person.objects.get(pk=learner.pk).unit_id == learner.unit_id
    check(w, "after the people import")
    path = tmp_path / "reference.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("units.csv", _csv([["code", "name", "parent_code", "kind"],
                                            [w.ward_b.code, w.ward_b.name, w.city.code, "OTHER"]]))
        archive.writestr("positions.csv", _csv([["code", "name", "kind"], ["PGD", "Phó Giám đốc", "SPECIALIST"]]))
        archive.writestr("programmes.csv", _csv([
            ["code", "name", "kind", "periods"],
            ["QPAN", "Bồi dưỡng kiến thức quốc phòng và an ninh đối tượng 1", "DEFENCE_SECURITY", 80]]))
    report = workbook_import(actor=SYSTEM, path=path)
    assert report.ok, report.errors[:3]
    assert all(report.updated.get(sheet) == 1 for sheet in ("units", "positions", "programmes")), report
    check(w, "after the units, positions and programmes import")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_form_equals_the_raw_computation_after_a_random_sequence_of_changes(cells_world, seed):
    w = cells_world
    rng = random.Random(seed)
    ds = w.ds
    units = [w.city, w.department, w.ward_a, w.ward_b, w.office_a, w.district]
    for step in range(25):
        op = rng.choice(["enrol", "status", "delete", "transfer", "move_class", "programme", "batch", "history"])
        enrolments = list(Enrolment.objects.all())
        if op == "enrol":
            tc, person = rng.choice(ds.classes), rng.choice(ds.people)
            if not Enrolment.objects.filter(training_class=tc, person=person).exists():
                enrol(tc, person, rng.choice(["ENROLLED", "COMPLETED", "WITHDRAWN", "NOMINATED"]))
        elif op == "status" and enrolments:
            e = rng.choice(enrolments)
            Enrolment.objects.filter(pk=e.pk).update(status=rng.choice(["WITHDRAWN", "FAILED", "ENROLLED"]))
            enrolments_changed.send(sender=Enrolment, person_ids={e.person_id}, class_ids={e.training_class_id})
        elif op == "delete" and enrolments:
            e = rng.choice(enrolments)
            e.delete()
            enrolments_changed.send(sender=Enrolment, person_ids={e.person_id}, class_ids={e.training_class_id})
        elif op == "batch" and enrolments:
            gone = rng.sample(enrolments, min(3, len(enrolments)))
            Enrolment.objects.filter(pk__in=[e.pk for e in gone]).delete()
            people, classes = {e.person_id for e in gone}, {e.training_class_id for e in gone}
            moved = rng.choice(sorted(classes))
            TrainingClass.objects.filter(pk=moved).update(start_date=dt.date(rng.choice(YEARS), 4, 1),
                                                          end_date=dt.date(2026, 12, 1))
            enrolments_changed.send(sender=None, person_ids=people, class_ids=classes)
        elif op == "transfer":
            person = Person.objects.get(pk=rng.choice(ds.people).pk)
            target = rng.choice([u for u in units if u.pk != person.unit_id])
            last = Assignment.objects.filter(person=person).order_by("-valid_from").first()
            on = max(dt.date(2023, 1, 1), (last.valid_from if last else dt.date(2020, 1, 1))) + dt.timedelta(days=40)
            person_transfer(actor=SYSTEM, person=person, unit=target, position=rng.choice([None, w.leader_pos]), on=on)
        elif op == "move_class":
            tc = TrainingClass.objects.get(pk=rng.choice(ds.classes).pk)
            tc.start_date = dt.date(rng.choice(YEARS), rng.randint(1, 12), 5)
            tc.end_date = tc.start_date + dt.timedelta(days=10)
            tc.save(update_fields=["start_date", "end_date"])
        elif op == "programme":
            tc = TrainingClass.objects.get(pk=rng.choice(ds.classes).pk)
            tc.programme = rng.choice(list(Programme.objects.all()))
            tc.mode = rng.choice(["TAP_TRUNG", "KHONG_TAP_TRUNG"])
            tc.save()
        elif op == "history":
            a = rng.choice(list(Assignment.objects.all()))
            a.unit = rng.choice(units)
            a.save()
        check(w, f"{step} {op}")


def test_rebuild_signal_and_migration_fill_equal_the_incremental_rows(cells_world):
    before, kept_days = stored(), days()
    assert kept_days[0] and kept_days[1]
    Form10Person.objects.all().delete()
    LearnerDay.objects.all().delete()
    LearnerMonth.objects.all().delete()
    enrolments_rebuilt.send(sender=None)
    assert stored() == before
    assert days() == kept_days


def test_sqlite_writes_rows_with_one_statement_text_whatever_their_number(cells_world):
    """The driver keeps its last 128 statements prepared: a multi-row INSERT is a new one, of up
    to 16,000 parameters, for each number of rows."""
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL writes large sets with COPY and keeps no statements in the process")
    before = stored()
    texts: set[str] = set()

    def record(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        if sql.startswith(("INSERT INTO reports_form10person", "INSERT INTO reports_learnermonth")) and "VALUES" in sql:
            texts.add(sql)
        return execute(sql, params, many, context)

    people = sorted(Form10Person.objects.values_list("person_id", flat=True).distinct())
    with connection.execute_wrapper(record):
        enrolments_rebuilt.send(sender=None)
        for some in (people[:1], people[:3], people):  # rows and month moves of several sizes
            Form10Person.objects.filter(person_id__in=some).delete()
            LearnerDay.objects.filter(person_id__in=some).delete()
            refresh_people(some)  # the days deleted here make each refresh move month rows
    # (The month rows now count the deleted days twice: only the statements are checked there.)
    assert stored() == before
    assert len([t for t in texts if "form10person" in t]) == 1, texts
    assert len([t for t in texts if "learnermonth" in t]) == 1, texts


@pytest.mark.parametrize("per_range", [1, 7, 10_000])
def test_rebuild_ranges_hold_every_enrolment_once_and_about_so_many_each(cells_world, per_range):
    with connection.cursor() as cursor:
        ranges = list(enrolment_ranges(cursor, per_range))
    ids = sorted(Enrolment.objects.values_list("person_id", flat=True))
    assert ranges[0][0] == ids[0] and ranges[-1][1] == ids[-1] + 1
    assert all(a[1] == b[0] for a, b in itertools.pairwise(ranges))  # contiguous, no overlap
    for start, end in ranges:
        inside = [i for i in ids if start <= i < end]
        # About `per_range` each: the boundary is the person `per_range` entries on, whose
        # enrolments all go to the next range; a range may hold one person with more.
        assert len(inside) <= per_range or len(set(inside)) == 1
    assert sum(1 for start, end in ranges for i in ids if start <= i < end) == len(ids)
    if per_range == 10_000:
        assert len(ranges) == 1


def test_a_cold_form_reads_no_enrolment_for_the_city_or_a_unit(cells_world):
    for persona in ("admin", "officer_a"):
        with CaptureQueriesContext(connection) as queries:
            build_form10(actor=cells_world.actor(persona), year=2024)
        sql = " ".join(q["sql"] for q in queries.captured_queries)
        assert "reports_form10person" in sql and "training_enrolment" not in sql, persona


def test_one_enrolment_recomputes_only_its_learner_when_the_class_is_unchanged(cells_world):
    tc = cells_world.ds.classes[0]
    person = next(p for p in cells_world.ds.people if not Enrolment.objects.filter(training_class=tc, person=p).exists())
    with CaptureQueriesContext(connection) as queries:
        enrol(tc, person, "ENROLLED")
    # The learners read to recompute: the one named, not the class's other learners.
    reads = [q["sql"] for q in queries.captured_queries if "LEFT JOIN org_position pos ON pos.id = pe.position_id" in q["sql"]]
    assert len(reads) == 1
    assert set(re.findall(r" IN \(([^)]*)\)", reads[0])) == {str(person.pk)}
    assert build_form10(actor=SYSTEM, year=tc.start_date.year).as_json() == build_form10_raw(
        actor=SYSTEM, year=tc.start_date.year).as_json()
