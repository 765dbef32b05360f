"""On SQLite, writing requests of one process take turns (web.middleware.SQLiteWriteQueueMiddleware);
reads never wait, and on PostgreSQL nothing queues."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory

from cadretrain.web import middleware


def _probe() -> tuple[middleware.SQLiteWriteQueueMiddleware, list[bool]]:
    seen: list[bool] = []

    def view(request):  # type: ignore[no-untyped-def]
        seen.append(middleware.WRITE_QUEUE.locked())
        return HttpResponse("ok")

    return middleware.SQLiteWriteQueueMiddleware(view), seen


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the queue exists for SQLite only")
def test_writing_requests_hold_the_queue_and_reads_do_not():
    mw, seen = _probe()
    factory = RequestFactory()
    for method in ("post", "put", "patch", "delete"):
        mw(getattr(factory, method)("/x"))
    mw(factory.get("/x"))
    mw(factory.head("/x"))
    assert seen == [True, True, True, True, False, False]
    assert not middleware.WRITE_QUEUE.locked()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the queue exists for SQLite only")
def test_concurrent_writers_of_a_process_run_one_at_a_time():
    inside = 0
    most = 0
    lock = threading.Lock()
    gate = threading.Barrier(6)

    def view(request):  # type: ignore[no-untyped-def]
        nonlocal inside, most
        with lock:
            inside += 1
            most = max(most, inside)
        threading.Event().wait(0.02)
        with lock:
            inside -= 1
        return HttpResponse("ok")

    mw = middleware.SQLiteWriteQueueMiddleware(view)
    factory = RequestFactory()

    def client() -> None:
        gate.wait()
        mw(factory.post("/x"))

    threads = [threading.Thread(target=client) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most == 1


def test_a_writer_stuck_behind_a_long_request_goes_ahead_after_the_bounded_wait(monkeypatch):
    monkeypatch.setattr(middleware, "QUEUE_WAIT_SECONDS", 0.05)
    mw, seen = _probe()
    mw.active = True
    middleware.WRITE_QUEUE.acquire()
    try:
        response = mw(RequestFactory().post("/x"))
    finally:
        middleware.WRITE_QUEUE.release()
    assert response.status_code == 200 and seen == [True]
    assert not middleware.WRITE_QUEUE.locked()
