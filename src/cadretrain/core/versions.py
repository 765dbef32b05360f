"""Figures derived from the whole workforce — a list's total count, unit head-counts, compliance
with standards, the report summary — cost a scan of every person (at L, 150,000 rows: 40 ms to
over a second) but change only when the data does. They are cached in each process under the value
of a counter in `core_dataversion` that is raised after every committed change to people, units,
credentials, standards, programmes, classes or enrolments, so reading one costs one primary-key
query and a change made by any process (web, API, import command) is seen by every process at once.

What raises the counter (connected in CoreConfig.ready):
* every audit event — services audit each write inside their transaction (person and unit
  edits, moves done with `QuerySet.update`, enrolments, imports, standards);
* `enrolments_changed` / `enrolments_rebuilt` — bulk writers (importer, demo generator);
* post_save / post_delete of people, units, positions, credentials, programmes, classes, enrolments and
  standards — writes made with the ORM outside a service (admin, fixtures).
The raise happens after commit (a row locked until commit would serialise every writer on
PostgreSQL); this process's own entries are dropped at once. As a safety net against a writer
that neither audits nor signals, an entry is also recomputed after MAX_AGE seconds."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from django.db import IntegrityError, connection, transaction

TOPIC = "workforce"
MAX_AGE = 600.0  # seconds
MAX_ENTRIES = 512

_entries: OrderedDict[Hashable, tuple[int, float, Any]] = OrderedDict()
_lock = threading.Lock()
# Within one HTTP request the counter is read once (a request's figures come from one reading).
_request = threading.local()


CURRENT_SQL = "SELECT version FROM core_dataversion WHERE topic = %s"


def seen(topic: str, value: int) -> None:
    """The counter as read by another statement of this request (the API's token query)."""
    memo: dict[str, int] | None = getattr(_request, "memo", None)
    if memo is not None:
        memo[topic] = value


def current(topic: str = TOPIC) -> int:
    """The counter's committed value (0 before the first change); read once per HTTP request."""
    memo: dict[str, int] | None = getattr(_request, "memo", None)
    if memo is not None and topic in memo:
        return memo[topic]
    with connection.cursor() as cursor:
        cursor.execute(CURRENT_SQL, [topic])
        row = cursor.fetchone()
    value = row[0] if row else 0
    if memo is not None:
        memo[topic] = value
    return value


def _request_started(sender: object, **_: object) -> None:
    _request.memo = {}


def _request_finished(sender: object, **_: object) -> None:
    _request.memo = None


def cached[T](key: Hashable, compute: Callable[[], T], *, topic: str = TOPIC) -> T:
    """`compute()` for `key`, reused while the topic's counter is unchanged (and for at most
    MAX_AGE seconds). The counter is read before computing, so a value computed from newer data
    than its counter is only ever recomputed too early, never served stale. Inside a transaction
    the value is computed, never cached (it may include the transaction's own writes)."""
    if connection.in_atomic_block:
        # Inside a transaction (a service, a test) the caller may see its own uncommitted
        # writes, which no counter reflects yet: compute.
        return compute()
    version = current(topic)
    now = time.monotonic()
    full_key = (topic, key)
    with _lock:
        hit = _entries.get(full_key)
        if hit is not None and hit[0] == version and now - hit[1] < MAX_AGE:
            _entries.move_to_end(full_key)
            return hit[2]
    value = compute()
    with _lock:
        _entries[full_key] = (version, now, value)
        _entries.move_to_end(full_key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value


def forget_local(topic: str = TOPIC) -> None:
    memo = getattr(_request, "memo", None)
    if memo:
        memo.pop(topic, None)
    with _lock:
        for key in [k for k in _entries if k[0] == topic]:
            del _entries[key]


def _raise_committed(topic: str) -> None:
    if getattr(_request, "memo", None):
        _request.memo.pop(topic, None)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_dataversion SET version = version + 1 WHERE topic = %s", [topic])
        if cursor.rowcount:
            return
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("INSERT INTO core_dataversion (topic, version) VALUES (%s, 1)", [topic])
    except IntegrityError:  # another process inserted it first
        with connection.cursor() as cursor:
            cursor.execute("UPDATE core_dataversion SET version = version + 1 WHERE topic = %s", [topic])


def changed(topic: str = TOPIC) -> None:
    """The topic's data changed in the current transaction: drop this process's entries now and
    raise the counter once the transaction commits (once per transaction)."""
    forget_local(topic)
    # One raise per transaction: skip when this transaction already has one queued (the queue is
    # emptied when it commits or rolls back, so a rolled-back change leaves nothing behind).
    if any(getattr(func, "version_topic", None) == topic for _, func, _ in connection.run_on_commit):
        return

    def raise_counter() -> None:
        _raise_committed(topic)

    raise_counter.version_topic = topic  # type: ignore[attr-defined]
    transaction.on_commit(raise_counter)


def _on_change(sender: object, **_: object) -> None:
    changed()


def connect() -> None:
    from django.core.signals import request_finished, request_started
    from django.db.models.signals import post_delete, post_save

    from cadretrain.catalogue.models import Programme
    from cadretrain.core.models import AuditEvent
    from cadretrain.org.models import OrgUnit, Position
    from cadretrain.people.models import Credential, Person
    from cadretrain.standards.models import Requirement, Standard
    from cadretrain.training.models import Enrolment, TrainingClass
    from cadretrain.training.signals import enrolments_changed, enrolments_rebuilt

    request_started.connect(_request_started, dispatch_uid="versions_request_started")
    request_finished.connect(_request_finished, dispatch_uid="versions_request_finished")
    post_save.connect(_on_change, sender=AuditEvent, dispatch_uid="versions_audit")
    for model in (Person, OrgUnit, Position, Credential, Standard, Requirement, Programme, TrainingClass, Enrolment):
        post_save.connect(_on_change, sender=model, dispatch_uid=f"versions_save_{model.__name__}")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"versions_delete_{model.__name__}")
    enrolments_changed.connect(_on_change, dispatch_uid="versions_enrolments")
    enrolments_rebuilt.connect(_on_change, dispatch_uid="versions_rebuilt")
