"""Seats and certificate numbers under simultaneous requests: real threads, each with its own
database connection, on a real database file (SQLite WAL) or PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection

from cadretrain.domain.errors import DomainError
from cadretrain.domain.text import fold
from cadretrain.people.models import Person
from cadretrain.training import services
from cadretrain.training.models import Certificate, Enrolment, TrainingClass
from tests.training.helpers import open_class

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


def race(n: int, work: Callable[[int], str]) -> Counter[str]:
    """Run work(i) for i in range(n) in n threads released together; count the outcomes."""
    barrier = threading.Barrier(n)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        try:
            barrier.wait()
            try:
                result = work(i)
            except DomainError as exc:
                result = exc.code
            except Exception as exc:  # noqa: BLE001 - a crash must show in the counts, not vanish
                result = f"crash:{type(exc).__name__}:{exc}"
            with lock:
                outcomes.append(result)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return Counter(outcomes)


def many_people(world, n: int) -> list[Person]:
    Person.objects.bulk_create([
        Person(code=f"P-R{i:03d}", full_name=f"Người Thứ {i}", search_key=fold(f"Người Thứ {i}"),
               birth_date=dt.date(1990, 1, 1), gender="M", category="CONG_CHUC", unit=world.ward_a)
        for i in range(n)
    ])
    return list(Person.objects.filter(code__startswith="P-R").order_by("code"))


def test_fifty_simultaneous_enrolments_into_ten_seats_give_exactly_ten(world):
    tc = open_class("K-RACE", world.ward_a, capacity=10, mode="KHONG_TAP_TRUNG")
    people = many_people(world, 50)
    officer = world.actor("officer_a")

    def work(i: int) -> str:
        services.enrolment_create(actor=officer, training_class=tc, person=people[i])
        return "ok"

    outcomes = race(50, work)
    assert outcomes == Counter({"ok": 10, "class_full": 40})
    assert TrainingClass.objects.get(pk=tc.pk).enrolled == 10
    assert Enrolment.objects.filter(training_class=tc, status="ENROLLED").count() == 10


def test_simultaneous_api_enrolments_never_overbook(world):
    from django.test import Client

    open_class("K-API", world.ward_a, capacity=5, mode="KHONG_TAP_TRUNG")
    people = many_people(world, 20)
    token = world.token("officer_a")

    def work(i: int) -> str:
        client = Client(headers={"Authorization": f"Bearer {token}"})
        response = client.post("/api/v1/classes/K-API/enrolments", {"person": people[i].code},
                               content_type="application/json", secure=True)
        return str(response.status_code) if response.status_code == 201 else response.json()["code"]

    outcomes = race(20, work)
    assert outcomes == Counter({"201": 5, "class_full": 15})
    assert TrainingClass.objects.get(code="K-API").enrolled == 5


def test_the_same_person_enrolled_simultaneously_gets_one_seat(world):
    tc = open_class("K-DUP", world.ward_a, capacity=10, mode="KHONG_TAP_TRUNG")
    officer = world.actor("officer_a")
    person = world.people["a1"]

    outcomes = race(8, lambda i: services.enrolment_create(actor=officer, training_class=tc, person=person) and "ok")
    assert outcomes == Counter({"ok": 1, "already_enrolled": 7})
    assert TrainingClass.objects.get(pk=tc.pk).enrolled == 1


def test_simultaneous_certificates_get_consecutive_numbers(world):
    tc = open_class("K-CERT", world.ward_a, capacity=None, mode="KHONG_TAP_TRUNG", status="RUNNING",
                    institution=world.institution)
    people = many_people(world, 20)
    Enrolment.objects.bulk_create([
        Enrolment(training_class=tc, person=p, status="COMPLETED", completed_on=dt.date(2026, 3, 13))
        for p in people
    ])
    enrolments = list(Enrolment.objects.filter(training_class=tc).order_by("pk"))
    officer = world.actor("officer_a")

    def work(i: int) -> str:
        services.certificate_issue(actor=officer, enrolment=enrolments[i], issued_on="2026-03-20")
        return "ok"

    assert race(20, work) == Counter({"ok": 20})
    numbers = sorted(Certificate.objects.filter(year=2026).values_list("number", flat=True))
    assert numbers == list(range(1, 21))


def test_simultaneous_enrolments_in_overlapping_full_time_classes_give_one(world):
    first = open_class("K-F1", world.ward_a, capacity=None, start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 13))
    second = open_class("K-F2", world.ward_a, capacity=None, start=dt.date(2026, 3, 9), end=dt.date(2026, 3, 20))
    officer = world.actor("officer_a")
    person = world.people["a1"]

    def work(i: int) -> str:
        services.enrolment_create(actor=officer, training_class=(first, second)[i % 2], person=person)
        return "ok"

    outcomes = race(6, work)
    assert outcomes["ok"] == 1
    assert set(outcomes) <= {"ok", "already_enrolled", "full_time_overlap"}
    assert Enrolment.objects.filter(person=person).count() == 1
