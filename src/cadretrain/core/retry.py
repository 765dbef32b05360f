"""Run a write transaction again when PostgreSQL aborts it to break a deadlock or a
serialization conflict.

Two writers that lock the same rows in different orders (an enrolment refreshing the summary
cube locks its class and person rows; an import rewrites people) can deadlock. PostgreSQL then
aborts one of them, and nothing of it was written. Running that transaction again is the
documented remedy, and better than an HTTP 500. SQLite never reports these (it has one writer)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from django.db import OperationalError, connection, transaction

# SQLSTATE deadlock_detected and serialization_failure.
RETRYABLE = frozenset({"40P01", "40001"})
ATTEMPTS = 3


def is_retryable(exc: BaseException) -> bool:
    cause = exc.__cause__ or exc.__context__
    return getattr(cause, "sqlstate", None) in RETRYABLE


def run_with_retry[T](work: Callable[[], T], *, attempts: int = ATTEMPTS) -> T:
    """`work()` in its own transaction, again (up to `attempts` times, after a short random
    pause) when the database aborted it as a deadlock victim. Inside an outer transaction the
    work runs once: only the outermost transaction can be run again."""
    if connection.in_atomic_block:
        return work()
    for attempt in range(1, attempts + 1):
        try:
            with transaction.atomic():
                return work()
        except OperationalError as exc:
            if attempt == attempts or not is_retryable(exc):
                raise
            time.sleep(random.uniform(0.005, 0.05) * attempt)  # noqa: S311 - jitter, not security
    raise AssertionError("unreachable")
