"""One XS demo load shared by the module's tests, inside a transaction rolled back at the end
(loading costs about a second, so each test does not reload it)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.db import connection, transaction

from cadretrain.demo.generate import Report, generate

TODAY = dt.date(2026, 5, 15)
SEED = 7


def digest() -> str:
    """A fingerprint of people, credentials, classes and enrolments as stored."""
    queries = [
        "SELECT p.code, p.full_name, p.birth_date, u.code, p.category, p.management_tier, p.rank_code,"
        " p.national_id, p.joined_on, p.left_on FROM people_person p"
        " JOIN org_orgunit u ON u.id = p.unit_id ORDER BY p.code",
        "SELECT p.code, c.dimension, c.level, c.issued_on, c.certificate_no FROM people_credential c"
        " JOIN people_person p ON p.id = c.person_id ORDER BY p.code, c.dimension, c.level, c.issued_on",
        "SELECT code, start_date, end_date, capacity, enrolled, status FROM training_trainingclass ORDER BY code",
        "SELECT c.code, p.code, e.status, e.score, e.completed_on FROM training_enrolment e"
        " JOIN training_trainingclass c ON c.id = e.training_class_id"
        " JOIN people_person p ON p.id = e.person_id ORDER BY c.code, p.code",
    ]
    sha = hashlib.sha256()
    with connection.cursor() as cursor:
        for sql in queries:
            cursor.execute(sql)
            for row in cursor.fetchall():
                sha.update(repr(tuple(str(v) for v in row)).encode())
    return sha.hexdigest()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """The XS demo (seed 7, as of TODAY) plus the digests of two more loads for the
    determinism test: same seed again, and another seed."""
    with django_db_blocker.unblock(), transaction.atomic():
        digests = {}
        for label, seed in (("first", SEED), ("again", SEED), ("other", SEED + 1)):
            point = transaction.savepoint_create()
            generate(size="XS", seed=seed, today=TODAY, log=lambda line: None, hooks=False)
            digests[label] = digest()
            transaction.savepoint_rollback(point)
        report: Report = generate(size="XS", seed=SEED, today=TODAY, log=lambda line: None)
        report.digests = digests  # type: ignore[attr-defined]
        yield report
        transaction.set_rollback(True)
