"""The API's hot paths: bearer tokens cost one query and no write, and workforce-wide figures (list
counts, unit head-counts, the report summary) are cached per scope under core.versions' counter,
so a change committed by any process shows at once and an untouched figure is not recomputed.

These tests commit (transaction=True): the cache is bypassed inside a transaction."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cadretrain.accounts.models import ApiToken
from cadretrain.core import versions
from cadretrain.people.models import Person
from cadretrain.people.selectors import mask_national_id
from cadretrain.people.services import person_update
from tests.world import SYSTEM, _person

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def empty_cache():  # type: ignore[no-untyped-def]
    versions.forget_local()
    yield
    versions.forget_local()


def _sql(client, path):  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return response.json(), [q["sql"] for q in queries]


def test_a_read_with_a_recently_used_token_runs_one_auth_query_and_writes_nothing(api_for, world):
    client = api_for("admin")
    client.get("/api/v1/people/P-A1")  # records the first use
    used = ApiToken.objects.get(user=world.users["admin"]).last_used_at
    assert used is not None
    _, sql = _sql(client, "/api/v1/people/P-A1")
    assert not [s for s in sql if s.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))]
    assert len([s for s in sql if "accounts_apitoken" in s]) == 1
    assert ApiToken.objects.get(user=world.users["admin"]).last_used_at == used


def test_token_use_is_recorded_again_once_the_last_record_is_older_than_five_minutes(api_for, world):
    client = api_for("admin")
    client.get("/api/v1/people/P-A1")
    old = timezone.now() - dt.timedelta(minutes=6)
    ApiToken.objects.filter(user=world.users["admin"]).update(last_used_at=old)
    client.get("/api/v1/people/P-A1")
    assert ApiToken.objects.get(user=world.users["admin"]).last_used_at > old


def test_a_revoked_token_or_an_inactive_user_is_refused_at_once(api_for, world):
    client = api_for("officer_a")
    assert client.get("/api/v1/people").status_code == 200
    ApiToken.objects.filter(user=world.users["officer_a"]).update(revoked=True)
    assert client.get("/api/v1/people").status_code == 401
    other = api_for("admin")
    assert other.get("/api/v1/people").status_code == 200
    world.users["admin"].is_active = False
    world.users["admin"].save()
    assert other.get("/api/v1/people").status_code == 401


def test_people_count_is_reused_until_a_person_changes(api_for, world):
    client = api_for("admin")
    first, _ = _sql(client, "/api/v1/people")
    again, sql = _sql(client, "/api/v1/people")
    assert again == first
    assert not [s for s in sql if "COUNT(" in s.upper()], "the count was recomputed"
    _person("P-NEW", "Lê Thị Mới", world.ward_a, world.position)
    after, sql = _sql(client, "/api/v1/people")
    assert after["count"] == first["count"] + 1
    assert "P-NEW" in [i["code"] for i in after["items"]]
    person_update(actor=SYSTEM, person=Person.objects.get(code="P-NEW"), left_on=dt.date(2020, 1, 1))
    assert api_for("admin").get("/api/v1/people").json()["count"] == first["count"]


def test_a_change_committed_by_another_process_is_seen_through_the_counter(api_for, world):
    client = api_for("officer_a")
    before = client.get("/api/v1/people").json()["count"]
    # Another process's write: no signal reaches this one, only its committed counter.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE people_person SET left_on = %s WHERE code = %s", ["2020-01-01", "P-A2"])
    assert client.get("/api/v1/people").json()["count"] == before  # cached, counter unchanged
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_dataversion SET version = version + 1 WHERE topic = %s", [versions.TOPIC])
    assert client.get("/api/v1/people").json()["count"] == before - 1


def test_the_counter_rises_once_per_committed_transaction_and_not_on_rollback(world):
    start = versions.current()
    with transaction.atomic():
        _person("P-X1", "Một", world.ward_a, world.position)
        _person("P-X2", "Hai", world.ward_a, world.position)
    assert versions.current() == start + 1
    with pytest.raises(RuntimeError), transaction.atomic():
        _person("P-X3", "Ba", world.ward_a, world.position)
        raise RuntimeError
    assert versions.current() == start + 1


def test_head_counts_and_counts_are_cached_per_scope_never_shared_across_scopes(api_for, world):
    admin, officer = api_for("admin"), api_for("officer_a")
    city = next(u for u in admin.get("/api/v1/units").json()["items"] if u["code"] == "HN")
    ward = next(u for u in officer.get("/api/v1/units").json()["items"] if u["code"] == "00004")
    assert city["people"] == admin.get("/api/v1/people").json()["count"] == 6
    assert ward["people"] == officer.get("/api/v1/people").json()["count"] == 3
    assert "HN" not in [u["code"] for u in officer.get("/api/v1/units").json()["items"]]
    _person("P-A9", "Phạm Văn Chín", world.office_a, world.position)
    ward = next(u for u in officer.get("/api/v1/units").json()["items"] if u["code"] == "00004")
    assert ward["people"] == 4
    assert officer.get("/api/v1/units/00004").json()["people"] == 4


def test_report_summary_is_recomputed_after_a_change(api_for, world):
    client = api_for("admin")
    path = "/api/v1/reports/summary?from=2024-01-01&to=2024-12-31"
    first = client.get(path).json()
    assert client.get(path).json() == first
    _person("P-T1", "Nguyễn Văn Tỉnh", world.ward_b, world.position, tier="BTV_THANH_UY")
    after = client.get(path).json()
    assert after["compliance"]["people"] == first["compliance"]["people"] + 1
    assert after["tiers"]["BTV_THANH_UY"]["people"] == first["tiers"]["BTV_THANH_UY"]["people"] + 1


def test_masking_in_lists_matches_the_model_rule():
    for national_id in ("", "1", "001085012345"):
        assert mask_national_id(national_id) == Person(national_id=national_id).masked_national_id


def test_a_prepared_person_statement_serves_each_code_its_own_document_and_keeps_scope(api_for, world):
    officer = api_for("officer_a")
    first = officer.get("/api/v1/people/P-A1").json()
    second = officer.get("/api/v1/people/P-A2").json()  # same scope: the statement is reused
    assert (first["code"], second["code"]) == ("P-A1", "P-A2")
    assert first["full_name"] != second["full_name"]
    assert officer.get("/api/v1/people/P-B1").status_code == 404  # out of scope, same statement
    assert api_for("admin").get("/api/v1/people/P-B1").json()["code"] == "P-B1"
