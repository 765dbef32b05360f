"""Writes to classes, nominations, enrolments, attendance, results, certificates and feedback.

Each service runs in one transaction, checks the actor, calls the pure rules of
`cadretrain.domain.training`, writes, audits, and tells the derived tables (signal
`enrolments_changed`) in the same transaction. Seats and certificate numbers are taken with
conditional updates / row locks, never by reading and then writing."""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone

from cadretrain.catalogue.models import Institution, Lecturer, Programme
from cadretrain.core.audit import audit_record, diff, snapshot
from cadretrain.core.choices import ClassMode, ClassStatus, EnrolmentStatus
from cadretrain.core.retry import run_with_retry
from cadretrain.domain import training as rules
from cadretrain.domain import validation as v
from cadretrain.domain.access import Action, Actor, Role
from cadretrain.domain.errors import Conflict, DomainError, NotAllowed, NotFound
from cadretrain.domain.levels import satisfies
from cadretrain.domain.text import clean_text, fold
from cadretrain.org.models import OrgUnit
from cadretrain.people.models import Credential, Person
from cadretrain.training.models import (
    SEAT_STATUSES,
    AssessmentComponent,
    AssessmentScore,
    Attendance,
    Certificate,
    CertificateCounter,
    CertificateStatus,
    ClassSession,
    Enrolment,
    FeedbackResponse,
    LecturerRating,
    TrainingClass,
)
from cadretrain.training.signals import enrolments_changed


# --- who may act on a class ---------------------------------------------------------------------
def can_act_on_class(actor: Actor, training_class: TrainingClass, action: Action = Action.MANAGE_CLASSES) -> bool:
    """Organisers act on their classes: unit officers on classes organised in their subtree,
    institution staff on classes at their institution, the city on all."""
    if not actor.can(action):
        return False
    if actor.is_city_wide:
        return True
    if actor.role is Role.UNIT_OFFICER:
        return actor.covers_unit_path(training_class.organizer_unit.path)
    if actor.role is Role.INSTITUTION_STAFF:
        return training_class.institution_id is not None and training_class.institution_id == actor.institution_id
    return False


def _ensure_class(actor: Actor, training_class: TrainingClass, action: Action = Action.MANAGE_CLASSES) -> None:
    if not TrainingClass.objects.visible_to(actor).filter(pk=training_class.pk).exists():
        raise NotFound("trainingclass_not_found")
    if not can_act_on_class(actor, training_class, action):
        raise NotAllowed()


def _ensure_person_visible(actor: Actor, person: Person) -> None:
    if not Person.objects.visible_to(actor).filter(pk=person.pk).exists():
        raise NotFound("person_not_found")


def _changed(person_ids: Iterable[int], class_ids: Iterable[int], *, facts: bool = True) -> None:
    """Tell the derived tables these people's enrolments in these classes changed. `facts=False`:
    no completion was made or undone (a nomination, an approval, a seat taken), so what people
    hold against the standards did not move (cadretrain.standards.compliance)."""
    enrolments_changed.send(sender=Enrolment, person_ids=set(person_ids), class_ids=set(class_ids), facts=facts)


# --- classes ------------------------------------------------------------------------------------
def _opt_int(value: Any, code: str, minimum: int = 0) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise v.FieldError(code, value=str(value)) from None
    if number < minimum:
        raise v.FieldError(code, value=str(value))
    return number


def clean_class_fields(data: Mapping[str, Any], current: TrainingClass | None = None) -> dict[str, Any]:
    """Validate class attributes (shared by the web form and the API)."""
    out: dict[str, Any] = {}
    if "name" in data:
        out["name"] = clean_text(data["name"])
    if "country" in data:
        country = clean_text(data["country"] or "VN").upper()
        if len(country) != 2 or not country.isalpha():
            raise v.FieldError("invalid_country", value=country)
        out["country"] = country
    if "mode" in data:
        out["mode"] = v.check_choice(data["mode"] or ClassMode.TAP_TRUNG, set(ClassMode.values), "unknown_mode")
    for key in ("start_date", "end_date"):
        if key in data:
            out[key] = v.parse_date(data[key])
            if out[key] is None:
                raise v.FieldError(f"{key}_required")
    if "capacity" in data:
        out["capacity"] = _opt_int(data["capacity"], "invalid_capacity")
    if "unit_quota" in data:
        out["unit_quota"] = _opt_int(data["unit_quota"], "invalid_quota", minimum=1)
    if "cost_vnd" in data:
        out["cost_vnd"] = _opt_int(data["cost_vnd"], "invalid_cost")
    for key in ("programme", "institution", "partner", "organizer_unit"):
        if key in data:
            out[key] = data[key]
    start = out.get("start_date", current.start_date if current else None)
    end = out.get("end_date", current.end_date if current else None)
    v.check_date_order(start, end)
    return out


def _check_class_owner(actor: Actor, organizer_unit: OrgUnit, institution: Institution | None) -> None:
    if not actor.can(Action.MANAGE_CLASSES):
        raise NotAllowed()
    if actor.role is Role.UNIT_OFFICER and not actor.covers_unit_path(organizer_unit.path):
        raise DomainError("organizer_out_of_scope")
    if actor.role is Role.INSTITUTION_STAFF and (institution is None or institution.pk != actor.institution_id):
        raise DomainError("institution_out_of_scope")


@transaction.atomic
def class_create(
    *, actor: Actor, code: str, programme: Programme, organizer_unit: OrgUnit,
    start_date: Any, end_date: Any, **fields: Any,
) -> TrainingClass:
    """Plan a class of a programme, organised by a unit (status PLANNED)."""
    code = clean_text(code)
    if not code:
        raise v.FieldError("class_code_required")
    data = clean_class_fields({"start_date": start_date, "end_date": end_date, **fields})
    _check_class_owner(actor, organizer_unit, data.get("institution"))
    if TrainingClass.objects.filter(code=code).exists():
        raise DomainError("class_code_taken", code=code)
    data["name"] = data.get("name") or programme.name
    tc = TrainingClass.objects.create(
        code=code, programme=programme, organizer_unit=organizer_unit, search_key=fold(data["name"]), **data
    )
    audit_record(actor=actor, obj=tc, action="create", changes={"new": snapshot(tc)},
                 unit_path=organizer_unit.path)
    return tc


@transaction.atomic
def class_update(*, actor: Actor, training_class: TrainingClass, **fields: Any) -> TrainingClass:
    """Change a class. Capacity may not drop below the seats already taken (checked by a
    conditional update, so a concurrent enrolment cannot slip in between)."""
    _ensure_class(actor, training_class)
    data = clean_class_fields(fields, current=training_class)
    if "organizer_unit" in data or "institution" in data:
        _check_class_owner(actor, data.get("organizer_unit", training_class.organizer_unit),
                           data.get("institution", training_class.institution))
    before = snapshot(training_class, [f for f in data if f != "programme"])
    grew = False
    if "capacity" in data:
        new_cap = data.pop("capacity")
        qs = TrainingClass.objects.filter(pk=training_class.pk)
        if new_cap is not None:
            qs = qs.filter(enrolled__lte=new_cap)
        if qs.update(capacity=new_cap) != 1:
            training_class.refresh_from_db(fields=["enrolled"])
            raise DomainError("capacity_below_enrolled", capacity=new_cap, enrolled=training_class.enrolled)
        old_cap = training_class.capacity
        grew = new_cap is None or (old_cap is not None and new_cap > old_cap)
        training_class.capacity = new_cap
    for key, value in data.items():
        setattr(training_class, key, value)
    if "name" in data:
        training_class.search_key = fold(training_class.name)
    if data:
        training_class.save(update_fields=list(data.keys()) + (["search_key"] if "name" in data else []))
    promoted = _promote_waitlist(training_class) if grew else []
    after = snapshot(training_class, before.keys() | ({"capacity"} if "capacity" in fields else set()))
    audit_record(actor=actor, obj=training_class, action="update", changes=diff(before, after),
                 unit_path=training_class.organizer_unit.path)
    if promoted:
        _changed(promoted, [training_class.pk], facts=False)
    training_class.refresh_from_db()
    return training_class


@transaction.atomic
def class_transition(*, actor: Actor, training_class: TrainingClass, target: str,
                     reason: str = "") -> TrainingClass:
    """Move a class along its life cycle (planned → open → running → finished, or cancelled).
    Cancelling withdraws everyone still nominated, waitlisted or enrolled (with the reason in
    each enrolment's audit) and releases their seats; completed and failed results stay."""
    _ensure_class(actor, training_class)
    current = training_class.status
    rules.check_class_transition(current, target)
    if TrainingClass.objects.filter(pk=training_class.pk, status=current).update(status=target) != 1:
        raise Conflict("class_changed_concurrently")
    training_class.status = target
    changes: dict[str, Any] = {"status": [current, target]}
    withdrawn: list[int] = []
    if target == ClassStatus.CANCELLED:
        reason = clean_text(reason)[:500]
        withdrawn = _withdraw_for_cancelled_class(actor, training_class, reason)
        changes.update(reason=reason, withdrawn=len(withdrawn))
    audit_record(actor=actor, obj=training_class, action="transition",
                 changes=changes, unit_path=training_class.organizer_unit.path)
    if withdrawn:
        _changed(withdrawn, [training_class.pk])
    return training_class


def _withdraw_for_cancelled_class(actor: Actor, training_class: TrainingClass, reason: str) -> list[int]:
    """Withdraw the open enrolments of a class that was just cancelled; returns their person ids.
    Runs after the status change, so no new seat can be taken on the cancelled class meanwhile
    (the class row stays locked by that UPDATE until commit)."""
    rows = list(Enrolment.objects.select_for_update().select_related("person__unit")
                .filter(training_class_id=training_class.pk,
                        status__in=(EnrolmentStatus.NOMINATED, EnrolmentStatus.ENROLLED))
                .order_by("pk"))
    if not rows:
        return []
    Enrolment.objects.filter(pk__in=[e.pk for e in rows]).update(
        status=EnrolmentStatus.WITHDRAWN, waitlisted_at=None)
    # The seats left are exactly those still held (completed/failed results stay).
    held = Enrolment.objects.filter(training_class_id=training_class.pk, status__in=SEAT_STATUSES).count()
    TrainingClass.objects.filter(pk=training_class.pk).update(enrolled=held)
    training_class.enrolled = held
    for e in rows:
        audit_record(actor=actor, obj=e, action="withdraw",
                     changes={"status": [e.status, EnrolmentStatus.WITHDRAWN], "cause": "class_cancelled",
                              "reason": reason, "waitlisted": e.waitlisted_at is not None},
                     unit_path=e.person.unit.path)
    return [e.person_id for e in rows]


# --- sessions -----------------------------------------------------------------------------------
def _parse_time(value: Any) -> dt.time:
    if isinstance(value, dt.time):
        return value
    text = str(value or "").strip()
    try:
        return dt.time.fromisoformat(text)
    except ValueError:
        raise v.FieldError("invalid_time", value=text) from None


@transaction.atomic
def session_create(
    *, actor: Actor, training_class: TrainingClass, date: Any, start_time: Any, end_time: Any,
    room: str = "", online_link: str = "", lecturer: Lecturer | None = None, topic: str = "",
) -> ClassSession:
    """Schedule a session of a class (within its dates)."""
    _ensure_class(actor, training_class)
    day = v.parse_date(date)
    if day is None:
        raise v.FieldError("session_date_required")
    if not training_class.start_date <= day <= training_class.end_date:
        raise DomainError("session_outside_class_dates")
    start, end = _parse_time(start_time), _parse_time(end_time)
    if end <= start:
        raise v.FieldError("times_out_of_order")
    session = ClassSession.objects.create(
        training_class=training_class, date=day, start_time=start, end_time=end, room=clean_text(room),
        online_link=clean_text(online_link), lecturer=lecturer, topic=clean_text(topic),
    )
    # core.audit.snapshot does not serialise times; record them as text.
    record = {k: (v.isoformat() if isinstance(v, dt.time) else v) for k, v in snapshot(
        session, ["id", "date", "room", "online_link", "lecturer_id", "topic"]).items()}
    record.update(start_time=start.isoformat(), end_time=end.isoformat())
    audit_record(actor=actor, obj=training_class, action="session_create",
                 changes={"session": record}, unit_path=training_class.organizer_unit.path)
    return session


# --- seats --------------------------------------------------------------------------------------
def _take_seat(class_id: int) -> bool:
    """Take one seat if one is free: a single conditional UPDATE, safe under concurrency (the
    check constraint class_not_overbooked is the last line of defence)."""
    return (
        TrainingClass.objects.filter(Q(capacity__isnull=True) | Q(enrolled__lt=F("capacity")), pk=class_id)
        .update(enrolled=F("enrolled") + 1)
        == 1
    )


def _free_seat(class_id: int) -> None:
    TrainingClass.objects.filter(pk=class_id, enrolled__gt=0).update(enrolled=F("enrolled") - 1)


def _promote_waitlist(training_class: TrainingClass) -> list[int]:
    """Fill free seats from the waitlist, first come first served; returns promoted person ids."""
    promoted: list[int] = []
    while True:
        nxt = (
            Enrolment.objects.select_for_update()
            .filter(training_class_id=training_class.pk, status=EnrolmentStatus.NOMINATED,
                    waitlisted_at__isnull=False)
            .order_by("waitlisted_at", "pk")
            .first()
        )
        if nxt is None or not _take_seat(training_class.pk):
            return promoted
        Enrolment.objects.filter(pk=nxt.pk).update(status=EnrolmentStatus.ENROLLED, waitlisted_at=None)
        promoted.append(nxt.person_id)


def _full_time_overlap(training_class: TrainingClass, person: Person) -> str | None:
    """The code of another full-time (TAP_TRUNG) class the person sits at the same time, if any."""
    if training_class.mode != ClassMode.TAP_TRUNG:
        return None
    others = (
        Enrolment.objects.filter(
            person=person, status__in=SEAT_STATUSES, training_class__mode=ClassMode.TAP_TRUNG,
            training_class__start_date__lte=training_class.end_date,
            training_class__end_date__gte=training_class.start_date,
        )
        .exclude(training_class=training_class)
        .exclude(training_class__status=ClassStatus.CANCELLED)
        .values_list("training_class__code", "training_class__start_date", "training_class__end_date")
    )
    return rules.first_overlap(training_class.start_date, training_class.end_date, others)


def _check_full_time_overlap(training_class: TrainingClass, person: Person) -> None:
    """A person cannot sit two full-time (TAP_TRUNG) classes at the same time."""
    if training_class.mode != ClassMode.TAP_TRUNG:
        return
    # Serialise enrolments of this person so two overlapping requests cannot both pass the check.
    list(Person.objects.select_for_update().filter(pk=person.pk).values_list("pk", flat=True))
    other = _full_time_overlap(training_class, person)
    if other:
        raise Conflict("full_time_overlap", other=other)


# --- enrolment ----------------------------------------------------------------------------------
def _refuse_enrolment_early(actor: Actor, training_class: TrainingClass, person: Person) -> None:
    """Every refusal of `enrolment_create` that committed data already shows, read without a
    write transaction and in the same order as the authoritative checks inside it.

    In a race for seats most requests are refused (class full); on SQLite a write transaction
    means waiting for the one write lock, behind an import perhaps. A refusal read here is true
    at the moment it was read, so it may be answered at once; a request that passes still goes
    through every check again under the lock."""
    current = (TrainingClass.objects.visible_to(actor).filter(pk=training_class.pk)
               .values_list("status", "capacity", "enrolled").first())
    if current is None:
        raise NotFound("trainingclass_not_found")
    if not can_act_on_class(actor, training_class, Action.MANAGE_CLASSES):
        raise NotAllowed()
    _ensure_person_visible(actor, person)
    status, capacity, enrolled = current
    if status not in rules.ENROLLING_STATUSES:
        raise Conflict("class_not_enrolling")
    existing = (Enrolment.objects.filter(training_class_id=training_class.pk, person_id=person.pk)
                .values_list("status", flat=True).first())
    if existing is not None and existing not in (EnrolmentStatus.NOMINATED, EnrolmentStatus.WITHDRAWN):
        raise Conflict("already_enrolled")
    other = _full_time_overlap(training_class, person)
    if other:
        raise Conflict("full_time_overlap", other=other)
    if capacity is not None and enrolled >= capacity:
        raise Conflict("class_full")


def enrolment_create(*, actor: Actor, training_class: TrainingClass, person: Person) -> Enrolment:
    """Enrol a person directly in a class (organiser), taking a seat or refusing `class_full`."""
    _refuse_enrolment_early(actor, training_class, person)
    # A deadlock victim on PostgreSQL (an import rewriting the same people) is run again.
    return run_with_retry(lambda: _enrol(actor=actor, training_class=training_class, person=person))


@transaction.atomic
def _enrol(*, actor: Actor, training_class: TrainingClass, person: Person) -> Enrolment:
    """The seat-taking part of `enrolment_create`, under the write lock (visibility checked)."""
    if training_class.status not in rules.ENROLLING_STATUSES:
        raise Conflict("class_not_enrolling")
    existing = Enrolment.objects.select_for_update().filter(training_class=training_class, person=person).first()
    if existing is not None and existing.status != EnrolmentStatus.NOMINATED and existing.status != EnrolmentStatus.WITHDRAWN:
        raise Conflict("already_enrolled")
    _check_full_time_overlap(training_class, person)
    if not _take_seat(training_class.pk):
        raise Conflict("class_full")
    if existing is not None:
        before = existing.status
        Enrolment.objects.filter(pk=existing.pk).update(status=EnrolmentStatus.ENROLLED, waitlisted_at=None)
        existing.refresh_from_db()
        enrolment = existing
        changes = {"status": [before, EnrolmentStatus.ENROLLED]}
    else:
        try:
            with transaction.atomic():
                enrolment = Enrolment.objects.create(
                    training_class=training_class, person=person, status=EnrolmentStatus.ENROLLED
                )
        except IntegrityError:
            raise Conflict("already_enrolled") from None
        changes = {"new": snapshot(enrolment)}
    audit_record(actor=actor, obj=enrolment, action="enrol", changes=changes, unit_path=person.unit.path)
    _changed([person.pk], [training_class.pk], facts=False)
    return enrolment


def _nominating_unit(actor: Actor, person: Person) -> OrgUnit:
    if actor.unit_path:
        unit = OrgUnit.objects.filter(path=actor.unit_path).first()
        if unit is not None:
            return unit
    return person.unit


def nomination_create(*, actor: Actor, training_class: TrainingClass, person: Person) -> Enrolment:
    """A unit nominates one of its people for an open class (within the class's per-unit quota).
    A deadlock victim on PostgreSQL is run again (web form and API alike)."""
    return run_with_retry(lambda: _nominate(actor=actor, training_class=training_class, person=person))


@transaction.atomic
def _nominate(*, actor: Actor, training_class: TrainingClass, person: Person) -> Enrolment:
    if not actor.can(Action.NOMINATE):
        raise NotAllowed()
    if not TrainingClass.objects.visible_to(actor).filter(pk=training_class.pk).exists():
        raise NotFound("trainingclass_not_found")
    _ensure_person_visible(actor, person)
    # Lock the class row: quota counting below must not race another nomination.
    tc = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
    if tc.status != ClassStatus.OPEN:
        raise Conflict("class_not_open_for_nominations")
    existing = Enrolment.objects.filter(training_class=tc, person=person).first()
    if existing is not None and existing.status != EnrolmentStatus.WITHDRAWN:
        raise Conflict("already_enrolled")
    unit = _nominating_unit(actor, person)
    if tc.unit_quota is not None:
        used = Enrolment.objects.filter(training_class=tc, nominating_unit=unit).exclude(
            status=EnrolmentStatus.WITHDRAWN).count()
        if used >= tc.unit_quota:
            raise Conflict("unit_quota_reached", quota=tc.unit_quota)
    if existing is not None:
        Enrolment.objects.filter(pk=existing.pk).update(
            status=EnrolmentStatus.NOMINATED, nominating_unit=unit, waitlisted_at=None)
        existing.refresh_from_db()
        enrolment = existing
    else:
        enrolment = Enrolment.objects.create(training_class=tc, person=person,
                                             status=EnrolmentStatus.NOMINATED, nominating_unit=unit)
    audit_record(actor=actor, obj=enrolment, action="nominate", changes={"new": snapshot(enrolment)},
                 unit_path=person.unit.path)
    _changed([person.pk], [tc.pk], facts=False)
    return enrolment


@transaction.atomic
def nomination_approve(*, actor: Actor, enrolment: Enrolment) -> Enrolment:
    """The organiser accepts a nomination: the person takes a seat, or joins the waitlist."""
    tc = enrolment.training_class
    _ensure_class(actor, tc)
    row = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if row.status != EnrolmentStatus.NOMINATED:
        raise Conflict("not_a_nomination")
    if row.waitlisted_at is not None:
        raise Conflict("already_waitlisted")
    if tc.status not in rules.ENROLLING_STATUSES:
        raise Conflict("class_not_enrolling")
    _check_full_time_overlap(tc, row.person)
    if _take_seat(tc.pk):
        row.status, row.waitlisted_at = EnrolmentStatus.ENROLLED, None
        action = "approve"
    else:
        row.waitlisted_at = timezone.now()
        action = "waitlist"
    row.save(update_fields=["status", "waitlisted_at"])
    audit_record(actor=actor, obj=row, action=action, changes={"status": [EnrolmentStatus.NOMINATED, row.status]},
                 unit_path=row.person.unit.path)
    _changed([row.person_id], [tc.pk], facts=False)
    return row


@transaction.atomic
def enrolment_withdraw(*, actor: Actor, enrolment: Enrolment) -> Enrolment:
    """Withdraw a nomination or an enrolment; a freed seat goes to the first on the waitlist."""
    tc = enrolment.training_class
    organiser = can_act_on_class(actor, tc)
    nominator = actor.can(Action.NOMINATE) and Person.objects.visible_to(actor).filter(pk=enrolment.person_id).exists()
    if not Enrolment.objects.visible_to(actor).filter(pk=enrolment.pk).exists() and not organiser:
        raise NotFound("enrolment_not_found")
    if not (organiser or nominator):
        raise NotAllowed()
    old = Enrolment.objects.filter(pk=enrolment.pk).values_list("status", flat=True).first()
    if old not in (EnrolmentStatus.NOMINATED, EnrolmentStatus.ENROLLED):
        raise Conflict("cannot_withdraw")
    if Enrolment.objects.filter(pk=enrolment.pk, status=old).update(
            status=EnrolmentStatus.WITHDRAWN, waitlisted_at=None) != 1:
        raise Conflict("enrolment_changed_concurrently")
    person_ids = [enrolment.person_id]
    if old == EnrolmentStatus.ENROLLED:
        _free_seat(tc.pk)
        person_ids += _promote_waitlist(tc)
    enrolment.refresh_from_db()
    audit_record(actor=actor, obj=enrolment, action="withdraw", changes={"status": [old, EnrolmentStatus.WITHDRAWN]},
                 unit_path=enrolment.person.unit.path)
    _changed(person_ids, [tc.pk])
    return enrolment


# --- attendance and assessment ------------------------------------------------------------------
def _seat_enrolment_ids(training_class: TrainingClass) -> set[int]:
    return set(Enrolment.objects.filter(training_class=training_class, status__in=SEAT_STATUSES)
               .values_list("pk", flat=True))


@transaction.atomic
def attendance_record(*, actor: Actor, session: ClassSession, present: Iterable[int]) -> int:
    """Record who attended a session (every enrolled person not listed is absent)."""
    tc = session.training_class
    _ensure_class(actor, tc, Action.RECORD_RESULTS)
    members = _seat_enrolment_ids(tc)
    present_ids = {int(p) for p in present}
    if present_ids - members:
        raise DomainError("enrolment_not_in_class")
    Attendance.objects.filter(session=session).delete()
    Attendance.objects.bulk_create(
        [Attendance(session=session, enrolment_id=e, present=e in present_ids) for e in sorted(members)]
    )
    audit_record(actor=actor, obj=tc, action="attendance",
                 changes={"session": session.pk, "present": sorted(present_ids)}, unit_path=tc.organizer_unit.path)
    return len(present_ids)


@transaction.atomic
def component_create(*, actor: Actor, training_class: TrainingClass, name: str, weight: Any = 1) -> AssessmentComponent:
    """Add a graded component (test, essay, project) to a class."""
    _ensure_class(actor, training_class, Action.RECORD_RESULTS)
    name = clean_text(name)
    if not name:
        raise v.FieldError("component_name_required")
    try:
        w = Decimal(str(weight).strip().replace(",", "."))
    except InvalidOperation:
        raise v.FieldError("invalid_weight", value=str(weight)) from None
    if not w.is_finite() or w <= 0 or w >= 1000:
        raise v.FieldError("invalid_weight", value=str(weight))
    if AssessmentComponent.objects.filter(training_class=training_class, name=name).exists():
        raise DomainError("component_name_taken", name=name)
    comp = AssessmentComponent.objects.create(training_class=training_class, name=name, weight=w)
    audit_record(actor=actor, obj=training_class, action="component_create",
                 changes={"component": snapshot(comp)}, unit_path=training_class.organizer_unit.path)
    return comp


@transaction.atomic
def scores_record(*, actor: Actor, component: AssessmentComponent, scores: Mapping[int, Any]) -> int:
    """Record scores (0–10) of one component; all or nothing. Empty values clear a score."""
    tc = component.training_class
    _ensure_class(actor, tc, Action.RECORD_RESULTS)
    members = _seat_enrolment_ids(tc)
    parsed: dict[int, Decimal | None] = {}
    for enrolment_id, raw in scores.items():
        if int(enrolment_id) not in members:
            raise DomainError("enrolment_not_in_class")
        parsed[int(enrolment_id)] = v.parse_score(raw)
    AssessmentScore.objects.filter(component=component, enrolment_id__in=parsed.keys()).delete()
    AssessmentScore.objects.bulk_create(
        [AssessmentScore(component=component, enrolment_id=e, score=s) for e, s in parsed.items() if s is not None]
    )
    audit_record(actor=actor, obj=tc, action="scores",
                 changes={"component": component.pk, "scores": {str(k): str(s) for k, s in parsed.items()}},
                 unit_path=tc.organizer_unit.path)
    return len(parsed)


def _rule_of(programme: Programme) -> rules.ResultRule:
    return rules.ResultRule(require_full_attendance=programme.requires_full_attendance,
                            min_component_score=Decimal(programme.min_component_score))


@transaction.atomic
def results_finalise(*, actor: Actor, training_class: TrainingClass,
                     completed_on: Any = None) -> dict[str, int]:
    """Decide COMPLETED/FAILED for everyone still ENROLLED by the programme's result rule
    (TT 01/2018 by default) and grant the programme's level to those who completed."""
    _ensure_class(actor, training_class, Action.RECORD_RESULTS)
    tc = TrainingClass.objects.select_related("programme", "institution", "organizer_unit").get(pk=training_class.pk)
    if tc.status not in (ClassStatus.RUNNING, ClassStatus.FINISHED):
        raise Conflict("class_not_running")
    day = v.parse_date(completed_on) or tc.end_date
    v.check_date_order(tc.start_date, day)
    enrolments = list(Enrolment.objects.select_for_update().filter(
        training_class=tc, status=EnrolmentStatus.ENROLLED).select_related("person"))
    if not enrolments:
        raise DomainError("nothing_to_grade")
    sessions_total = ClassSession.objects.filter(training_class=tc).count()
    attended = dict(
        Attendance.objects.filter(session__training_class=tc, present=True)
        .values("enrolment_id").annotate(n=Count("pk")).values_list("enrolment_id", "n")
    )
    components = list(AssessmentComponent.objects.filter(training_class=tc))
    score_map: dict[tuple[int, int], Decimal] = {
        (s.enrolment_id, s.component_id): s.score
        for s in AssessmentScore.objects.filter(component__training_class=tc)
    }
    rule = _rule_of(tc.programme)
    decided: list[tuple[Enrolment, rules.Result]] = []
    for e in enrolments:
        parts = [(c.weight, score_map.get((e.pk, c.pk))) for c in components]
        try:
            result = rules.decide_result(rule, sessions_total=sessions_total,
                                         sessions_attended=attended.get(e.pk, 0), components=parts)
        except DomainError as exc:
            raise DomainError(exc.code, person=f"{e.person.full_name} ({e.person.code})") from None
        decided.append((e, result))
    counts = {"COMPLETED": 0, "FAILED": 0}
    for e, result in decided:
        e.status = result.status
        e.score = result.score
        e.completed_on = day if result.status == EnrolmentStatus.COMPLETED else None
        e.save(update_fields=["status", "score", "completed_on"])
        counts[result.status] += 1
        if result.status == EnrolmentStatus.COMPLETED:
            _grant_level(tc, e, day)
    audit_record(actor=actor, obj=tc, action="results",
                 changes={e.person.code: [r.status, str(r.score), list(r.reasons)] for e, r in decided},
                 unit_path=tc.organizer_unit.path)
    _changed([e.person_id for e, _ in decided], [tc.pk])
    return counts


def _grant_level(tc: TrainingClass, enrolment: Enrolment, day: dt.date) -> None:
    """Completion grants the programme's level from the completion date, unless the person
    already holds it or better."""
    prog = tc.programme
    if not prog.grants_dimension:
        return
    held = Credential.objects.filter(person_id=enrolment.person_id, issued_on__lte=day).values_list(
        "dimension", "level", "language")
    for dim, level, language in held:
        try:
            if satisfies(dim, level, prog.grants_dimension, prog.grants_level, held_language=language,
                         required_language=prog.grants_language or None):
                return
        except (KeyError, ValueError):
            continue
    Credential.objects.get_or_create(
        person_id=enrolment.person_id, dimension=prog.grants_dimension, level=prog.grants_level, issued_on=day,
        defaults={"language": prog.grants_language,
                  "issuer": tc.institution.name if tc.institution_id else tc.organizer_unit.name,
                  "enrolment": enrolment, "certificate_no": enrolment.certificate_no},
    )


# --- certificates ------------------------------------------------------------------------------
def _next_certificate_number(institution: Institution, year: int) -> int:
    """Next number in the institution's register for the year. The counter row is created if
    missing (ignoring a concurrent creator) and incremented by a conditional UPDATE, which holds
    the row lock until commit: numbers are neither duplicated nor skipped."""
    CertificateCounter.objects.bulk_create(
        [CertificateCounter(institution=institution, year=year, last_number=0)], ignore_conflicts=True
    )
    CertificateCounter.objects.filter(institution=institution, year=year).update(last_number=F("last_number") + 1)
    return CertificateCounter.objects.get(institution=institution, year=year).last_number


def _new_certificate(enrolment: Enrolment, tc: TrainingClass, issued_on: dt.date, **extra: Any) -> Certificate:
    assert tc.institution is not None
    number = _next_certificate_number(tc.institution, issued_on.year)
    prefix = tc.institution.short_code or f"CS{tc.institution_id}"
    return Certificate.objects.create(
        enrolment=enrolment, institution=tc.institution, year=issued_on.year, number=number,
        serial=rules.certificate_serial(prefix, issued_on.year, number),
        verification_code=secrets.token_urlsafe(24), issued_on=issued_on,
        holder_name=enrolment.person.full_name, programme_name=tc.programme.name, **extra,
    )


@transaction.atomic
def certificate_issue(*, actor: Actor, enrolment: Enrolment, issued_on: Any = None) -> Certificate:
    """Issue the certificate of a completed enrolment, numbered in the institution's register."""
    tc = TrainingClass.objects.select_related("programme", "institution", "organizer_unit").get(
        pk=enrolment.training_class_id)
    _ensure_class(actor, tc, Action.ISSUE_CERTIFICATES)
    row = Enrolment.objects.select_for_update().select_related("person").get(pk=enrolment.pk)
    if row.status != EnrolmentStatus.COMPLETED:
        raise Conflict("certificate_requires_completion")
    if tc.institution_id is None:
        raise DomainError("class_has_no_institution")
    if Certificate.objects.filter(enrolment=row, status=CertificateStatus.VALID).exists():
        raise Conflict("certificate_already_issued")
    day = v.parse_date(issued_on) or timezone.localdate()
    if row.completed_on and day < row.completed_on:
        raise v.FieldError("dates_out_of_order")
    try:
        with transaction.atomic():
            cert = _new_certificate(row, tc, day)
    except IntegrityError:
        raise Conflict("certificate_already_issued") from None
    Enrolment.objects.filter(pk=row.pk).update(certificate_no=cert.serial)
    Credential.objects.filter(enrolment=row).update(certificate_no=cert.serial)
    audit_record(actor=actor, obj=cert, action="issue", changes={"new": snapshot(cert)},
                 unit_path=row.person.unit.path)
    if Certificate.objects.filter(enrolment=row, status=CertificateStatus.REVOKED).exists():
        # A new certificate after a revocation stands again as the basis of the level.
        row.certificate_no = cert.serial
        _restore_granted_credential(actor, tc, row)
    _changed([row.person_id], [tc.pk])
    return cert


def _ensure_certificate(actor: Actor, certificate: Certificate) -> TrainingClass:
    tc = TrainingClass.objects.select_related("programme", "institution", "organizer_unit").get(
        pk=certificate.enrolment.training_class_id)
    _ensure_class(actor, tc, Action.ISSUE_CERTIFICATES)
    return tc


@transaction.atomic
def certificate_revoke(*, actor: Actor, certificate: Certificate, ground: str, note: str = "") -> Certificate:
    """Revoke a valid certificate on one of the grounds of TT 01/2018; history is kept."""
    tc = _ensure_certificate(actor, certificate)
    rules.check_revocation_ground(ground)
    today = timezone.localdate()
    if Certificate.objects.filter(pk=certificate.pk, status=CertificateStatus.VALID).update(
            status=CertificateStatus.REVOKED, revoked_on=today, revocation_ground=ground,
            note=clean_text(note)[:500]) != 1:
        raise Conflict("certificate_not_valid")
    Enrolment.objects.filter(pk=certificate.enrolment_id, certificate_no=certificate.serial).update(certificate_no="")
    certificate.refresh_from_db()
    audit_record(actor=actor, obj=certificate, action="revoke",
                 changes={"status": ["VALID", "REVOKED"], "ground": ground, "note": certificate.note},
                 unit_path=tc.organizer_unit.path)
    _withdraw_granted_credentials(actor, certificate)
    _changed([certificate.enrolment.person_id], [tc.pk])
    return certificate


@transaction.atomic
def certificate_reissue(*, actor: Actor, certificate: Certificate, ground: str, note: str = "") -> Certificate:
    """Replace a valid certificate (institution error, lost or damaged) with a newly numbered one;
    the old one is kept as REPLACED and points at its replacement. A certificate revoked by the
    institution's own mistake is reissued on the ground INSTITUTION_ERROR: the revoked one stays
    REVOKED in the register and the level its completion granted is restored."""
    tc = _ensure_certificate(actor, certificate)
    rules.check_reissue_ground(ground)
    note = clean_text(note)[:500]
    restoring = False
    if Certificate.objects.filter(pk=certificate.pk, status=CertificateStatus.VALID).update(
            status=CertificateStatus.REPLACED, revoked_on=timezone.localdate(), reissue_ground=ground,
            note=note) != 1:
        # Only a revoked certificate never replaced before, and only for the institution's error.
        if ground != "INSTITUTION_ERROR" or Certificate.objects.filter(
                pk=certificate.pk, status=CertificateStatus.REVOKED, replaced_by__isnull=True).update(
                reissue_ground=ground) != 1:
            raise Conflict("certificate_not_valid")
        restoring = True
    enrolment = Enrolment.objects.select_for_update().select_related("person__unit").get(pk=certificate.enrolment_id)
    if restoring and enrolment.status != EnrolmentStatus.COMPLETED:
        raise Conflict("certificate_requires_completion")
    try:
        with transaction.atomic():
            new = _new_certificate(enrolment, tc, timezone.localdate(), replaces=certificate,
                                   reissue_ground=ground)
    except IntegrityError:
        # Another valid certificate exists for the enrolment, or this one was reissued concurrently.
        raise Conflict("certificate_already_issued") from None
    Enrolment.objects.filter(pk=enrolment.pk).update(certificate_no=new.serial)
    Credential.objects.filter(enrolment=enrolment).update(certificate_no=new.serial)
    audit_record(actor=actor, obj=new, action="reissue",
                 changes={"replaces": certificate.serial, "ground": ground, "restores": restoring},
                 unit_path=tc.organizer_unit.path)
    if restoring:
        enrolment.certificate_no = new.serial
        _restore_granted_credential(actor, tc, enrolment)
    _changed([enrolment.person_id], [tc.pk])
    return new


def _withdrawn_basis_q() -> Q:
    """Enrolments whose certificate was revoked and not replaced by a valid one: no basis for a level."""
    revoked = Certificate.objects.filter(enrolment=OuterRef("pk"), status=CertificateStatus.REVOKED)
    valid = Certificate.objects.filter(enrolment=OuterRef("pk"), status=CertificateStatus.VALID)
    return Q(Exists(revoked)) & ~Q(Exists(valid))


def _withdraw_granted_credentials(actor: Actor, certificate: Certificate) -> None:
    """A revoked certificate takes back the level its completion granted. When another completed
    enrolment of the person grants the same level (and its certificate stands), the credential
    moves to that basis instead; levels recorded by hand are never touched."""
    enrolment = Enrolment.objects.select_related("person__unit").get(pk=certificate.enrolment_id)
    person = enrolment.person
    for cred in Credential.objects.select_for_update().filter(enrolment=enrolment):
        before = snapshot(cred)
        other = (
            Enrolment.objects.filter(
                person_id=person.pk, status=EnrolmentStatus.COMPLETED, completed_on__isnull=False,
                training_class__programme__grants_dimension=cred.dimension,
                training_class__programme__grants_level=cred.level,
                training_class__programme__grants_language=cred.language,
            )
            .exclude(pk=enrolment.pk).exclude(_withdrawn_basis_q())
            .select_related("training_class__institution", "training_class__organizer_unit")
            .order_by("completed_on", "pk").first()
        )
        moved = False
        if other is not None:
            oc = other.training_class
            try:
                with transaction.atomic():
                    Credential.objects.filter(pk=cred.pk).update(
                        enrolment=other, issued_on=other.completed_on, certificate_no=other.certificate_no,
                        issuer=oc.institution.name if oc.institution_id else oc.organizer_unit.name)
                moved = True
            except IntegrityError:
                moved = False  # the same level on that date is already recorded: that row is the basis
        if moved:
            cred.refresh_from_db()
            audit_record(actor=actor, obj=person, action="credential_rebase",
                         changes={"credential": diff(before, snapshot(cred)), "certificate": certificate.serial},
                         unit_path=person.unit.path)
        else:
            cred.delete()
            audit_record(actor=actor, obj=person, action="credential_withdraw",
                         changes={"credential": before, "certificate": certificate.serial,
                                  "ground": certificate.revocation_ground},
                         unit_path=person.unit.path)


def _restore_granted_credential(actor: Actor, tc: TrainingClass, enrolment: Enrolment) -> None:
    """Grant again the level of a completion whose certificate was revoked and then reissued."""
    assert enrolment.completed_on is not None
    had = set(Credential.objects.filter(person_id=enrolment.person_id).values_list("pk", flat=True))
    _grant_level(tc, enrolment, enrolment.completed_on)
    for cred in Credential.objects.filter(person_id=enrolment.person_id).exclude(pk__in=had):
        audit_record(actor=actor, obj=enrolment.person, action="credential_restore",
                     changes={"credential": snapshot(cred)}, unit_path=enrolment.person.unit.path)


# --- feedback ---------------------------------------------------------------------------------
@transaction.atomic
def feedback_submit(
    *, actor: Actor, enrolment: Enrolment, relevance: Any, content: Any, organisation: Any,
    comment: str = "", lecturer_scores: Mapping[int, Any] | None = None,
) -> FeedbackResponse:
    """A participant answers the end-of-class survey once (ratings 1–5, and each lecturer)."""
    if not Enrolment.objects.visible_to(actor).filter(pk=enrolment.pk).exists():
        raise NotFound("enrolment_not_found")
    if not actor.can(Action.GIVE_FEEDBACK) or actor.person_id != enrolment.person_id:
        raise NotAllowed("not_a_participant")
    if enrolment.status not in SEAT_STATUSES:
        raise NotAllowed("not_a_participant")
    tc = enrolment.training_class
    if tc.status != ClassStatus.FINISHED and tc.end_date > timezone.localdate():
        raise DomainError("feedback_before_class_end")
    ratings = {
        "relevance": rules.check_rating(relevance, "relevance"),
        "content": rules.check_rating(content, "content"),
        "organisation": rules.check_rating(organisation, "organisation"),
    }
    class_lecturers = set(ClassSession.objects.filter(training_class=tc, lecturer__isnull=False)
                          .values_list("lecturer_id", flat=True))
    lecturer_ratings: dict[int, int] = {}
    for lecturer_id, raw in (lecturer_scores or {}).items():
        if raw is None or str(raw).strip() == "":
            continue
        if int(lecturer_id) not in class_lecturers:
            raise DomainError("lecturer_not_in_class")
        lecturer_ratings[int(lecturer_id)] = rules.check_rating(raw, "lecturer")
    try:
        with transaction.atomic():
            response = FeedbackResponse.objects.create(enrolment=enrolment, comment=clean_text(comment), **ratings)
    except IntegrityError:
        raise Conflict("feedback_already_given") from None
    LecturerRating.objects.bulk_create(
        [LecturerRating(response=response, lecturer_id=lid, score=s) for lid, s in lecturer_ratings.items()]
    )
    audit_record(actor=actor, obj=response, action="feedback",
                 changes={**ratings, "lecturers": {str(k): s for k, s in lecturer_ratings.items()}})
    return response


def group_by(rows: Iterable[tuple[int, Any]]) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = defaultdict(list)
    for key, value in rows:
        out[key].append(value)
    return out


@transaction.atomic
def attendance_grid_record(*, actor: Actor, training_class: TrainingClass,
                           present: Iterable[tuple[int, int]]) -> int:
    """Record the whole attendance grid of a class at once: (session id, enrolment id) pairs
    present; everything else absent. All sessions or none."""
    _ensure_class(actor, training_class, Action.RECORD_RESULTS)
    by_session: dict[int, set[int]] = defaultdict(set)
    for session_id, enrolment_id in present:
        by_session[int(session_id)].add(int(enrolment_id))
    sessions = {s.pk: s for s in ClassSession.objects.filter(training_class=training_class)}
    if set(by_session) - set(sessions):
        raise NotFound("classsession_not_found")
    total = 0
    for pk, session in sessions.items():
        total += attendance_record(actor=actor, session=session, present=by_session.get(pk, set()))
    return total


@transaction.atomic
def scores_grid_record(*, actor: Actor, training_class: TrainingClass,
                       values: Mapping[tuple[int, int], Any]) -> int:
    """Record the score grid of a class ((component id, enrolment id) → score); all or nothing."""
    _ensure_class(actor, training_class, Action.RECORD_RESULTS)
    components = {c.pk: c for c in AssessmentComponent.objects.filter(training_class=training_class)}
    per_component: dict[int, dict[int, Any]] = defaultdict(dict)
    for (component_id, enrolment_id), raw in values.items():
        if int(component_id) not in components:
            raise NotFound("assessmentcomponent_not_found")
        per_component[int(component_id)][int(enrolment_id)] = raw
    return sum(scores_record(actor=actor, component=components[c], scores=s) for c, s in per_component.items())
