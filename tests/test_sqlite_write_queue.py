"""On SQLite, the write transactions of one process take turns on a lock taken at BEGIN and given
back at COMMIT or ROLLBACK (core.sqlite_backend); reads and transactions of other databases never
queue. The tests need real transactions, so they run outside pytest-django's per-test one."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from cadretrain.core.sqlite_backend import base as queue
from cadretrain.org.models import OrgUnit

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the queue exists for SQLite only"),
]


def test_a_write_transaction_holds_the_turn_until_commit_or_rollback():
    assert not queue.WRITE_QUEUE.locked()
    with transaction.atomic():
        assert queue.WRITE_QUEUE.locked()
        OrgUnit.objects.count()
    assert not queue.WRITE_QUEUE.locked()
    with pytest.raises(RuntimeError), transaction.atomic():
        assert queue.WRITE_QUEUE.locked()
        raise RuntimeError("abandon")
    assert not queue.WRITE_QUEUE.locked()


def test_reads_outside_a_transaction_do_not_wait_for_a_writer():
    holder_in = threading.Event()
    release = threading.Event()

    def writer() -> None:
        with transaction.atomic():
            holder_in.set()
            release.wait(10)
        connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert holder_in.wait(10)
        assert queue.WRITE_QUEUE.locked()
        assert OrgUnit.objects.count() >= 0  # answered while the other thread holds the turn
    finally:
        release.set()
        thread.join()
    assert not queue.WRITE_QUEUE.locked()


def test_concurrent_write_transactions_of_a_process_run_one_at_a_time():
    inside = 0
    most = 0
    lock = threading.Lock()
    gate = threading.Barrier(6)

    def writer() -> None:
        nonlocal inside, most
        gate.wait()
        with transaction.atomic():
            with lock:
                inside += 1
                most = max(most, inside)
            OrgUnit.objects.count()
            threading.Event().wait(0.02)
            with lock:
                inside -= 1
        connections.close_all()

    threads = [threading.Thread(target=writer) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most == 1
    assert not queue.WRITE_QUEUE.locked()


def test_a_writer_stuck_behind_a_long_transaction_goes_ahead_after_the_bounded_wait(monkeypatch):
    monkeypatch.setattr(queue, "QUEUE_WAIT_SECONDS", 0.05)
    queue.WRITE_QUEUE.acquire()  # another thread's transaction that does not end
    try:
        with transaction.atomic():
            OrgUnit.objects.count()
        # It went ahead without the turn, so it must not give back the turn it never had.
        assert queue.WRITE_QUEUE.locked()
    finally:
        queue.WRITE_QUEUE.release()
