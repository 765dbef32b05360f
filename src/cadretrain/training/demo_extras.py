"""Demo data for the training operations the base generator does not write: sessions of recent
classes, attendance, assessment components and scores, numbered certificates for completed
enrolments, and feedback (with a few lecturers who are rated low, so the city's page has
something to show). Called by the demo generator after programmes, classes and enrolments exist.

Set-based: one read of the recent classes and their seat-holding enrolments, everything computed
in memory from a seeded generator, written with core.bulk (COPY / executemany) with explicit ids.
Deterministic for a given seed, size and day."""

from __future__ import annotations

import base64
import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from cadretrain.catalogue.models import Institution, Lecturer
from cadretrain.core.bulk import bulk_insert, reset_sequence
from cadretrain.domain.text import fold
from cadretrain.training.models import (
    AssessmentComponent,
    AssessmentScore,
    Attendance,
    Certificate,
    CertificateCounter,
    ClassSession,
    FeedbackResponse,
    LecturerRating,
)

# How far back classes get sessions, and how many sessions at most, per size: the big sizes
# keep the attendance table to a few million rows.
WINDOW_DAYS = {"XS": 730, "S": 730, "M": 730, "L": 365, "XL": 240}
MAX_SESSIONS = {"XS": 6, "S": 8, "M": 6, "L": 4, "XL": 2}
SLOTS = (("08:00:00", "11:30:00"), ("13:30:00", "17:00:00"))
COMPONENTS = (("Kiểm tra giữa khóa", Decimal(1)), ("Tiểu luận cuối khóa", Decimal(2)))
REVOCATION_GROUNDS = ("FRAUD", "UNQUALIFIED", "ULTRA_VIRES", "ALTERED", "LENT")


def _next_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 - fixed table names
        return int(cursor.fetchone()[0]) + 1


def _stamp(day: dt.date, hour: int = 9) -> str:
    # Django keeps naive UTC text on SQLite and timestamptz on PostgreSQL.
    return f"{day.isoformat()} {hour:02d}:00:00" + ("+00" if connection.vendor == "postgresql" else "")


def _weekdays(start: dt.date, end: dt.date, limit: int) -> list[dt.date]:
    days, day = [], start
    while day <= end and len(days) < limit:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days or [start]


def _token(rng: random.Random) -> str:
    return base64.urlsafe_b64encode(rng.randbytes(24)).decode().rstrip("=")


def _short_code(name: str, taken: set[str]) -> str:
    initials = "".join(word[0] for word in fold(name).split() if word[:1].isalnum()).upper()[:10] or "CS"
    code, n = initials, 1
    while code in taken:
        n += 1
        code = f"{initials}{n}"
    taken.add(code)
    return code


@transaction.atomic
def generate(*, seed: int = 1, size: str = "S", today: dt.date | None = None) -> dict[str, int]:
    """Add sessions, attendance, assessments, certificates and feedback for recent classes."""
    rng = random.Random(f"training-extras:{seed}:{size}")
    day = today or timezone.localdate()
    since = day - dt.timedelta(days=WINDOW_DAYS.get(size, 730))
    max_sessions = MAX_SESSIONS.get(size, 6)

    # Institutions print a short code before certificate numbers.
    taken = set(Institution.objects.exclude(short_code="").values_list("short_code", flat=True))
    for inst in Institution.objects.filter(short_code="").order_by("pk"):
        inst.short_code = _short_code(inst.name, taken)
        inst.save(update_fields=["short_code"])
    prefixes = dict(Institution.objects.values_list("pk", "short_code"))

    lecturers_by_inst: dict[int | None, list[int]] = defaultdict(list)
    for lid, inst_id in Lecturer.objects.order_by("pk").values_list("pk", "institution_id"):
        lecturers_by_inst[inst_id].append(lid)
    all_lecturers = [lid for ids in lecturers_by_inst.values() for lid in ids]
    weak = set(rng.sample(sorted(all_lecturers), k=max(1, len(all_lecturers) // 20))) if all_lecturers else set()

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.id, c.start_date, c.end_date, c.mode, c.status, c.institution_id, p.name "
            "FROM training_trainingclass c JOIN catalogue_programme p ON p.id = c.programme_id "
            "WHERE c.start_date >= %s AND c.status <> 'CANCELLED' AND c.status <> 'PLANNED' ORDER BY c.id",
            [since.isoformat()],
        )
        classes = cursor.fetchall()
        cursor.execute(
            "SELECT e.id, e.training_class_id, e.status, e.score, e.completed_on, p.full_name "
            "FROM training_enrolment e JOIN training_trainingclass c ON c.id = e.training_class_id "
            "JOIN people_person p ON p.id = e.person_id "
            "WHERE c.start_date >= %s AND c.status <> 'CANCELLED' AND c.status <> 'PLANNED' "
            "AND e.status IN ('ENROLLED', 'COMPLETED', 'FAILED') ORDER BY e.id",
            [since.isoformat()],
        )
        enrolments = cursor.fetchall()
    by_class: dict[int, list[tuple]] = defaultdict(list)  # type: ignore[type-arg]
    for row in enrolments:
        by_class[row[1]].append(row)

    def as_date(value: object) -> dt.date:
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))

    session_rows, attendance_rows, component_rows, score_rows = [], [], [], []
    certificate_rows, feedback_rows, rating_rows = [], [], []
    session_id, attendance_id = _next_id("training_classsession"), _next_id("training_attendance")
    component_id, score_id = _next_id("training_assessmentcomponent"), _next_id("training_assessmentscore")
    certificate_id, feedback_id = _next_id("training_certificate"), _next_id("training_feedbackresponse")
    rating_id = _next_id("training_lecturerrating")
    counters: dict[tuple[int, int], int] = {
        (i, y): n for i, y, n in CertificateCounter.objects.values_list("institution_id", "year", "last_number")
    }
    issued: list[tuple[dt.date, int, int, str, int, str]] = []  # (date, enrolment, institution, holder, class, prog)

    for cid, start, end, mode, status, inst_id, programme_name in classes:
        start, end = as_date(start), as_date(end)
        pool = lecturers_by_inst.get(inst_id) or all_lecturers
        sessions: list[tuple[int, dt.date, int]] = []
        for k, sday in enumerate(_weekdays(start, end, max_sessions)):
            slot = SLOTS[k % 2]
            lecturer = rng.choice(pool) if pool else None
            online = mode == "TRUC_TUYEN"
            session_rows.append((session_id, cid, sday.isoformat(), slot[0], slot[1],
                                 "" if online else f"P.{rng.randint(1, 4)}0{rng.randint(1, 9)}",
                                 f"https://hop.hanoi.gov.vn/lop/{cid}-{k + 1}" if online else "",
                                 lecturer, ""))
            sessions.append((session_id, sday, lecturer or 0))
            session_id += 1
        held = [s for s in sessions if s[1] <= day]
        graded = status in ("RUNNING", "FINISHED")
        comp_ids = []
        if graded:
            for name, weight in COMPONENTS:
                component_rows.append((component_id, cid, name, str(weight)))
                comp_ids.append(component_id)
                component_id += 1
        for eid, _, estatus, score, completed_on, holder in by_class.get(cid, []):
            score = Decimal(str(score)) if score is not None else None
            # A FAILED learner with a passing score failed on attendance: one session missed.
            missed = None
            if estatus == "FAILED" and held and (score is None or score >= 5):
                missed = rng.choice(held)[0]
            for sid, _, _ in held:
                present = sid != missed and (estatus != "ENROLLED" or rng.random() < 0.96)
                attendance_rows.append((attendance_id, sid, eid, present))
                attendance_id += 1
            if graded and estatus in ("COMPLETED", "FAILED"):
                base = score if score is not None else Decimal(rng.randint(50, 95)) / 10
                if estatus == "COMPLETED":
                    base = max(base, Decimal(5))
                marks = [base, base]
                if estatus == "FAILED" and missed is None and base >= 5:
                    marks[1] = Decimal(rng.randint(20, 49)) / 10
                for comp, mark in zip(comp_ids, marks, strict=True):
                    score_rows.append((score_id, comp, eid, str(min(mark, Decimal(10)).quantize(Decimal("0.01")))))
                    score_id += 1
            if estatus == "COMPLETED" and inst_id and completed_on:
                issued.append((as_date(completed_on), eid, inst_id, holder, cid, programme_name))
            if status == "FINISHED" and rng.random() < 0.4:
                lean = -1.2 if any(s[2] in weak for s in sessions) else 0.0
                ratings = [max(1, min(5, round(rng.gauss(4.1 + lean / 2, 0.8)))) for _ in range(3)]
                feedback_rows.append((feedback_id, eid, *ratings, "", _stamp(end + dt.timedelta(days=1))))
                for lecturer in sorted({s[2] for s in sessions if s[2]}):
                    mean = 2.3 if lecturer in weak else 4.2
                    rating_rows.append((rating_id, feedback_id, lecturer,
                                        max(1, min(5, round(rng.gauss(mean, 0.7))))))
                    rating_id += 1
                feedback_id += 1

    # Certificate registers: numbers follow the issue date within each institution and year.
    issued.sort(key=lambda r: (r[0], r[1]))
    for issued_on, eid, inst_id, holder, _cid, programme_name in issued:
        key = (inst_id, issued_on.year)
        counters[key] = counters.get(key, 0) + 1
        number = counters[key]
        serial = f"{prefixes.get(inst_id) or f'CS{inst_id}'}/{issued_on.year}/{number:05d}"
        revoked = rng.random() < 0.002
        certificate_rows.append((
            certificate_id, eid, inst_id, issued_on.year, number, serial, _token(rng), issued_on.isoformat(),
            holder, programme_name, "REVOKED" if revoked else "VALID",
            issued_on.isoformat() if revoked else None, rng.choice(REVOCATION_GROUNDS) if revoked else "",
            "", "", None, _stamp(issued_on),
        ))
        certificate_id += 1

    counts = {
        "sessions": bulk_insert(ClassSession._meta.db_table, (
            "id", "training_class_id", "date", "start_time", "end_time", "room", "online_link", "lecturer_id",
            "topic"), session_rows),
        "attendance": bulk_insert(Attendance._meta.db_table, ("id", "session_id", "enrolment_id", "present"),
                                  attendance_rows),
        "components": bulk_insert(AssessmentComponent._meta.db_table, ("id", "training_class_id", "name", "weight"),
                                  component_rows),
        "scores": bulk_insert(AssessmentScore._meta.db_table, ("id", "component_id", "enrolment_id", "score"),
                              score_rows),
        "certificates": bulk_insert(Certificate._meta.db_table, (
            "id", "enrolment_id", "institution_id", "year", "number", "serial", "verification_code", "issued_on",
            "holder_name", "programme_name", "status", "revoked_on", "revocation_ground", "reissue_ground", "note",
            "replaces_id", "created_at"), certificate_rows),
        "feedback": bulk_insert(FeedbackResponse._meta.db_table, (
            "id", "enrolment_id", "relevance", "content", "organisation", "comment", "submitted_at"), feedback_rows),
        "lecturer_ratings": bulk_insert(LecturerRating._meta.db_table, ("id", "response_id", "lecturer_id", "score"),
                                        rating_rows),
    }
    CertificateCounter.objects.all().delete()
    bulk_insert(CertificateCounter._meta.db_table, ("id", "institution_id", "year", "last_number"),
                [(i, inst, year, n) for i, ((inst, year), n) in enumerate(sorted(counters.items()), start=1)])
    with connection.cursor() as cursor:
        # The printed numbers become the enrolments' (and granted credentials') certificate numbers.
        cursor.execute(
            "UPDATE training_enrolment SET certificate_no = c.serial FROM training_certificate c "
            "WHERE c.enrolment_id = training_enrolment.id AND c.status = 'VALID'"
        )
        cursor.execute(
            "UPDATE people_credential SET certificate_no = c.serial FROM training_certificate c "
            "WHERE c.enrolment_id = people_credential.enrolment_id AND c.status = 'VALID'"
        )
    for model in (ClassSession, Attendance, AssessmentComponent, AssessmentScore, Certificate, CertificateCounter,
                  FeedbackResponse, LecturerRating):
        reset_sequence(model._meta.db_table)
    return counts
