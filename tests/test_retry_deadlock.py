"""A write transaction that PostgreSQL aborts to break a deadlock is run again instead of
failing the request (core.retry). The deadlock here is real: two threads lock the same two rows
in opposite orders."""

from __future__ import annotations

import threading

import pytest
from django.db import OperationalError, connection, connections

from cadretrain.core.retry import run_with_retry
from tests.world import build_world

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="SQLite has a single writer: no deadlocks"),
]


def _lock(pk: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM people_person WHERE id = %s FOR UPDATE", [pk])


def _race(retry: bool) -> list[BaseException | None]:
    world = build_world()
    a, b = world.people["a1"].pk, world.people["a2"].pk
    barrier = threading.Barrier(2, timeout=10)
    outcome: list[BaseException | None] = [None, None]

    def worker(i: int, first: int, second: int) -> None:
        attempts = {"n": 0}

        def work() -> None:
            attempts["n"] += 1
            _lock(first)
            if attempts["n"] == 1:
                barrier.wait()  # both hold their first row: the second lock deadlocks
            _lock(second)

        try:
            if retry:
                run_with_retry(work)
            else:
                from django.db import transaction

                with transaction.atomic():
                    work()
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            outcome[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(0, a, b)), threading.Thread(target=worker, args=(1, b, a))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcome


def test_without_retry_postgresql_aborts_one_of_two_deadlocked_transactions():
    outcome = _race(retry=False)
    failures = [o for o in outcome if o is not None]
    assert len(failures) == 1 and isinstance(failures[0], OperationalError)


def test_with_retry_both_deadlocked_transactions_complete():
    assert _race(retry=True) == [None, None]
