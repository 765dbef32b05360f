"""What one enrolment change costs the derived tables inside the writer's transaction: no
savepoint per receiver (two round trips each on PostgreSQL) and no rewrite of person-year rows
whose periods did not change."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from cadretrain.training.models import Enrolment
from cadretrain.training.signals import enrolments_changed
from cadretrain.training.summaries import rebuild_person_year_periods
from tests.training.test_person_year_periods import make_history, raw_periods, stored_periods

pytestmark = pytest.mark.django_db


def test_one_enrolment_change_opens_no_savepoint_and_rewrites_no_unchanged_periods(world):
    make_history(world)
    rebuild_person_year_periods()
    e = Enrolment.objects.filter(status="FAILED").first()
    assert Enrolment.objects.filter(person_id=e.person_id, status="COMPLETED").exists()
    upserted: list[int] = []

    def wrapper(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        result = execute(sql, params, many, context)
        if sql.lstrip().startswith("INSERT INTO training_personyearperiods"):
            upserted.append(context["cursor"].rowcount)
        return result

    with transaction.atomic():
        Enrolment.objects.filter(pk=e.pk).update(status="WITHDRAWN")
        with CaptureQueriesContext(connection) as queries, connection.execute_wrapper(wrapper):
            enrolments_changed.send(sender=Enrolment, person_ids={e.person_id}, class_ids={e.training_class_id})
    assert not [q["sql"] for q in queries.captured_queries if "SAVEPOINT" in q["sql"]]
    assert upserted == [0]  # the person's completions are as they were: nothing written
    assert stored_periods() == raw_periods()
