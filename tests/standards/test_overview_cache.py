"""The gap overview reuses the workforce evaluation until the data changes: at L the whole-city
pass takes seconds, and the page is visited far more often than people gain credentials.

These tests commit (transaction=True): core.versions bypasses its cache inside a transaction."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cadretrain.core import versions
from cadretrain.people.models import Credential
from cadretrain.standards.seed import load_seed_standards

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def empty_cache():  # type: ignore[no-untyped-def]
    versions.forget_local()
    yield
    versions.forget_local()


def _overview(client, **params):  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/standards/", {"as_of": "2026-01-01", **params}).content.decode()
    evaluated = any("people_credential" in q["sql"] for q in queries.captured_queries)
    main = html[html.index("<main"):html.index("</main>")]  # the page body, without per-request tokens
    return main, evaluated


def test_the_overview_reuses_the_evaluation_until_a_credential_changes_it(world, client_for):
    load_seed_standards()
    admin = client_for("admin")
    first, evaluated = _overview(admin)
    assert evaluated and "P-A3" not in first  # people are not listed, only counts
    again, evaluated = _overview(admin)
    assert not evaluated and again == first

    # P-A3 lacks political theory: a credential committed by any process shows at once.
    Credential.objects.create(person=world.people["a3"], dimension="POLITICAL_THEORY", level="TRUNG_CAP",
                              issued_on=dt.date(2020, 1, 1))
    after, evaluated = _overview(admin)
    assert evaluated and after != first


def test_a_cached_overview_is_never_shown_to_another_scope(world, client_for):
    load_seed_standards()
    assert "Phường Ngọc Hà" in _overview(client_for("admin"))[0]
    officer, evaluated = _overview(client_for("officer_a"))
    assert evaluated  # its own evaluation, not the city's
    assert "Phường Ba Đình" in officer and "Phường Ngọc Hà" not in officer
