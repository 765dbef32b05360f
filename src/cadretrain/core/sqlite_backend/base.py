"""Django's SQLite backend, with the write transactions of one process queued on a lock.

SQLite has one writer at a time. `transaction_mode=IMMEDIATE` takes the write lock at BEGIN, and
a thread that finds it taken sleeps in SQLite's busy handler with growing pauses (1, 2, 5 … 100
ms), often missing the moment the lock is freed: with a gunicorn worker's threads all enrolling
at once that cut throughput to ~20 requests/s with p99 of seconds. Here the threads of a process
first queue on a Python lock, taken just before `BEGIN IMMEDIATE` and released at COMMIT,
ROLLBACK or close, so the turn passes at once. The lock is held exactly while SQLite's own write
lock is, not for a whole request: a request that refuses after reading (a full class) or only
reads never waits. Writers of other processes (the other worker, an import, the task worker)
still meet SQLite's busy handler, and a thread that has queued for QUEUE_WAIT_SECONDS goes ahead
anyway (SQLite's own lock keeps the writes safe), so a stuck transaction delays, never blocks."""

from __future__ import annotations

import threading

from django.db.backends.sqlite3 import base

WRITE_QUEUE = threading.Lock()
QUEUE_WAIT_SECONDS = 5.0


class DatabaseWrapper(base.DatabaseWrapper):
    _holds_write_turn = False

    def _start_transaction_under_autocommit(self) -> None:
        self._holds_write_turn = WRITE_QUEUE.acquire(timeout=QUEUE_WAIT_SECONDS)
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_write_turn()
            raise

    def _release_write_turn(self) -> None:
        if self._holds_write_turn:
            self._holds_write_turn = False
            WRITE_QUEUE.release()

    def _commit(self) -> None:
        try:
            super()._commit()
        finally:
            self._release_write_turn()

    def _rollback(self) -> None:
        try:
            super()._rollback()
        finally:
            self._release_write_turn()

    def _close(self) -> None:
        try:
            super()._close()
        finally:
            self._release_write_turn()
